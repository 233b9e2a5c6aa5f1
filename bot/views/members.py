"""Member views: who is in the partnership, with which role and organisation. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.permissions import Actor
from bot.services.members import MemberInfo
from bot.views.common import Reply, notice, person, section
from bot.views.text import clip, escape, name_and_detail, plural


def whoami_reply(actor: Actor, org_name: str | None) -> Reply:
    if actor.role is None:
        return notice(
            "You're not a partnership member yet: you can use the glossary and read the plan.",
            "To log achievements or update actions, ask a coordinator: `/csp members add @you ORG`.",
            icon=":bust_in_silhouette:",
        )
    org = name_and_detail(actor.org, org_name) if actor.org else "no organisation"
    return notice(f"You are a *{actor.role.value}* for {org}.", icon=":bust_in_silhouette:")


def members_reply(members: Sequence[MemberInfo]) -> Reply:
    if not members:
        return notice("No members yet.", "Add one: `/csp members add @user TVP [coordinator]`.")
    lines = "\n".join(
        f"• {person(m.user_id)}: {m.role.value}, {escape(m.org) if m.org else 'no organisation'}"
        for m in members
    )
    return Reply(
        text=plural(len(members), "member"), blocks=(section(f"*Partnership members*\n{clip(lines, 2900)}"),)
    )


def member_saved_reply(member: MemberInfo) -> Reply:
    org = f" for {escape(member.org)}" if member.org else ""
    return notice(f"{person(member.user_id)} is now a {member.role.value}{org}.", icon=":white_check_mark:")


def notice_removed(user_id: str) -> Reply:
    return notice(f"{person(user_id)} is no longer a partnership member.", icon=":wastebasket:")
