"""Members and roles from Slack: ``/csp members add|remove|list`` and ``/csp whoami``."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.permissions import Role
from bot.views import members as views
from handlers.context import CommandContext, Outcome
from handlers.parsing import user_id_of

_ROLES = {r.value: r for r in Role}


def whoami(ctx: CommandContext, rest: str) -> Outcome:
    org_name = ctx.services.plan.organisation(ctx.actor.org).name if ctx.actor.org else None
    return views.whoami_reply(ctx.actor, org_name)


def add(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp members add @user TVP [coordinator|member]`` (coordinators)."""
    words = rest.split()
    user = user_id_of(words[0]) if words else None
    if user is None:
        raise InvalidInput(
            "Who should I add?",
            "Mention them: `/csp members add @jane TVP` (add `coordinator` for a coordinator).",
        )
    role, org = Role.MEMBER, None
    for word in words[1:]:
        if word.lower() in _ROLES:
            role = _ROLES[word.lower()]
        else:
            org = word
    return views.member_saved_reply(ctx.services.members.add(ctx.actor, user, role, org))


def remove(ctx: CommandContext, rest: str) -> Outcome:
    user = user_id_of(rest.split()[0]) if rest.split() else None
    if user is None:
        raise InvalidInput("Who should I remove?", "Mention them: `/csp members remove @jane`.")
    ctx.services.members.remove(ctx.actor, user)
    return views.notice_removed(user)


def list_members(ctx: CommandContext, rest: str) -> Outcome:
    return views.members_reply(ctx.services.members.list(ctx.actor))
