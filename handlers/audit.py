"""The audit trail from Slack: ``/csp audit [TERM|ref|@user]`` and its *Older entries* button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.services.audit_log import AuditQuery, is_audit_ref
from bot.views import audit as views
from handlers.context import CommandContext, Outcome, interaction_context, services_of
from handlers.parsing import unquote, user_id_of


def parse_query(rest: str) -> AuditQuery:
    """``@jane``, ``P1.2`` / ``R3`` / ``42``, or any other words to look for."""
    user, ref, words = None, None, []
    for word in rest.split():
        if user is None and (found := user_id_of(word)) is not None:
            user = found
        elif ref is None and not words and is_audit_ref(word):
            ref = word.upper()
        else:
            words.append(word)
    term = unquote(" ".join(words)) or None
    return AuditQuery(user=user, ref=ref, term=term)


def audit(ctx: CommandContext, rest: str) -> Outcome:
    page = ctx.services.audit.search(ctx.actor, parse_query(rest), limit=views.PAGE_SIZE)
    return views.audit_reply(page)


def older(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Older entries* under a page of the audit trail (block_actions)."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    query, offset = views.query_of(body["actions"][0].get("value", ""))
    page = services.audit.search(ctx.actor, query, limit=views.PAGE_SIZE, offset=offset)
    respond(**views.audit_reply(page).message(), replace_original=True)
