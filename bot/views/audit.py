"""The audit trail in Slack: a page of who changed what and when, newest first. Pure functions."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.services.audit_log import AuditEntry, AuditPage, AuditQuery
from bot.services.data_protection import ERASED
from bot.views.common import Reply, context, notice, person, section
from bot.views.text import clip, escape, time_and_day

#: the button that shows the next (older) page
OLDER = "audit_older"
#: entries on one page: one section each, well inside Slack's 50 blocks a message
PAGE_SIZE = 15
#: a filter longer than this is cut before it goes into a button's value (Slack allows 2,000)
_MAX_FILTER = 200


def detail_summary(detail: dict[str, Any] | None) -> str:
    """A change's before and after on one line, as plain text (views escape it)."""
    if not detail:
        return ""
    if set(detail) <= {"before", "after"}:
        before, after = _value(detail.get("before")), _value(detail.get("after"))
        if before and after:
            return f"{before} → {after}"
        return f"now {after}" if after else f"was {before}" if before else ""
    return "; ".join(f"{key} {_value(value)}" for key, value in detail.items() if value not in (None, {}, []))


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def _describe(query: AuditQuery) -> str:
    parts = []
    if query.user:
        parts.append(f"by or about {person(query.user)}")
    if query.ref:
        parts.append(f"on {escape(query.ref.upper())}")
    if query.term:
        parts.append(f"matching “{escape(query.term)}”")
    return " ".join(parts)


def _entry(entry: AuditEntry) -> str:
    summary = detail_summary(entry.detail)
    # a membership's target is a person: shown as a mention, like the actor
    target = person(entry.target_id) if entry.target_type == "member" else escape(entry.target_id)
    if entry.target_type == ERASED:  # a keyed hash of the erased ID: it says nothing to a reader
        target = "(ID withheld)"
    line = (
        f"*{time_and_day(entry.at)}* · {person(entry.actor)} · `{escape(entry.action)}` "
        f"{escape(entry.target_type)} {target}"
    )
    return line + (f"\n{escape(clip(' '.join(summary.split()), 400))}" if summary else "")


def page_value(query: AuditQuery, offset: int) -> str:
    """The next page's filter and place, carried in the button (the service checks access again)."""
    return json.dumps(
        {
            "u": query.user,
            "r": query.ref,
            "t": (query.term or "")[:_MAX_FILTER] or None,
            "o": offset,
        },
        separators=(",", ":"),
    )


def query_of(value: str) -> tuple[AuditQuery, int]:
    """A button's value back as a filter and an offset; anything unreadable is the first, unfiltered page."""
    try:
        data = json.loads(value)
        query = AuditQuery(user=data.get("u"), ref=data.get("r"), term=data.get("t"))
        return query, max(0, int(data.get("o") or 0))
    except (ValueError, TypeError, AttributeError):
        return AuditQuery(), 0


def audit_reply(page: AuditPage) -> Reply:
    described = _describe(page.query)
    if not page.entries:
        if page.offset:
            return notice("There are no older entries.", icon=":ledger:")
        return notice(
            f"No audit entries {described}." if described else "The audit trail is empty.",
            "Try `/csp audit` for everything, or `/csp audit @user`, `/csp audit P1.2`, `/csp audit risk`.",
            icon=":ledger:",
        )
    first, last = page.offset + 1, page.offset + len(page.entries)
    title = f"Audit trail {described}".strip() if described else "Audit trail"
    blocks: list[Block] = [section(f":ledger: *{title}*, newest first")]
    blocks += [section(_entry(e)) for e in page.entries]
    shown = f"Entry {first}" if first == last else f"Entries {first}–{last}"
    blocks.append(context(f"{shown}. Times are UK time."))
    if page.has_more:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="Older entries", action_id=OLDER, value=page_value(page.query, last))
                ]
            )
        )
    return Reply(text=f"Audit trail: entries {first}–{last}", blocks=tuple(blocks))
