"""Alert messages for the alert channel: what changed, what to do, who and why. Pure functions.

Every alert is built from its stored payload, so the message posted after a retry or a restart
is the message the change produced. All payload text came from people, so all of it is escaped,
and a reason is shown as a quote: it reads as someone's words and cannot restyle the alert.
The bot never writes @channel or @here.
"""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock

from bot.services.alerts import Alert
from bot.services.risk_rating import rank
from bot.views.common import Reply, context, person, section
from bot.views.plan import STATUS_EMOJI
from bot.views.text import (
    clip,
    escape,
    inline_quote,
    name_and_detail,
    plan_text,
    plural,
    quote,
    time_and_day,
)

ACKNOWLEDGE = "alert_acknowledge"
VIEW = "alert_view"

SEVERITY_EMOJI = {"High": ":red_circle:", "Medium": ":large_orange_circle:", "Low": ":large_green_circle:"}
_CLASSIFICATION = "OFFICIAL"


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%-d %B %Y") if value else "–"


def _direction(payload: dict) -> str:
    """ "Low ↑ High": plain, because the headline it sits in is bold as a whole."""
    before, after = payload.get("rating_from"), payload.get("rating_to")
    if before is None and after:
        return f"NEW at {escape(after)}"
    if before and after:
        arrow = "↑" if rank(after) > rank(before) else "↓" if rank(after) < rank(before) else "="
        return f"{escape(before)} {arrow} {escape(after)}"
    return ""


def _headline(alert: Alert) -> str:
    """One line with no markup of its own: the message shows it bold, the notification plain."""
    p = alert.payload
    kind = p.get("original_kind", alert.kind) if alert.kind == "reminder" else alert.kind
    ref = escape(p.get("ref", alert.subject_id))
    headlines = {
        "rating_up": f"Risk {ref}: rating up, {_direction(p)}",
        "new_risk": f"New risk {ref} at {escape(p.get('rating_to') or alert.severity)}",
        "contingency_triggered": f"Risk {ref}: contingency invoked",
        "review_overdue": f"Risk {ref}: review overdue",
        "action_red": f"Action {ref} is red (off track)",
        "action_overdue": f"Action {ref} is overdue",
        "digest": "Weekly digest",
    }
    headline = headlines.get(kind, f"{alert.subject_type.capitalize()} {ref}")
    return ("Reminder, not yet acknowledged: " + headline) if alert.kind == "reminder" else headline


def headline(alert: Alert) -> str:
    """What an alert is about in one line of plain words ("Risk R2: rating up, Low ↑ High")."""
    return _headline(alert)


def alert_reply(alert: Alert) -> Reply:
    """The channel message for an alert (acknowledged or not)."""
    if alert.kind == "digest":
        return digest_reply(alert)
    p = alert.payload
    emoji = SEVERITY_EMOJI.get(alert.severity, ":white_circle:")
    blocks: list[Block] = [section(f"{emoji} *{_headline(alert)}*")]
    if alert.subject_type == "risk":
        blocks.append(section(f"*{escape(p['ref'])}* {escape(clip(p.get('description', ''), 1500))}"))
        fields = [
            f"*Likelihood × impact:* {escape(p.get('likelihood', '?'))} × {escape(p.get('impact', '?'))}",
            f"*Owner:* {name_and_detail(p.get('owner') or '–', p.get('owner_org'))}",
            f"*Next review:* {_day(p.get('next_review'))}",
        ]
        if p.get("change"):
            fields.insert(0, f"*What changed:* {escape(p['change'])}")
        blocks.append(section("\n".join(fields)))
        blocks.append(
            section(
                f"*Preventative actions:* {escape(clip(p.get('preventative', ''), 1200))}\n"
                f"*Contingent actions:* {escape(clip(p.get('contingent', ''), 1200))}"
            )
        )
    else:
        status = p.get("status", "")
        emoji_status = next((e for s, e in STATUS_EMOJI.items() if s.value == status), "")
        blocks.append(section(f"*{escape(p['ref'])}* {plan_text(clip(p.get('text', ''), 1500))}"))
        lines = [
            f"*Status:* {emoji_status} {escape(status.replace('_', ' '))}",
            f"*Due:* {_day(p.get('due_date'))}",
        ]
        if p.get("status_from"):
            lines.insert(
                0,
                f"*What changed:* {escape(p['status_from'].replace('_', ' '))} → {escape(status.replace('_', ' '))}",
            )
        lines.append(f"*Lead:* {escape(p['lead'])}" if p.get("lead") else "*Lead:* no lead organisation")
        blocks.append(section("\n".join(lines)))
    why = []
    if p.get("actor"):
        why.append(
            f"*Changed by* {person(p['actor'])}" + (", who gave this reason:" if p.get("reason") else "")
        )
    elif p.get("reason"):
        why.append("*Reason given:*")
    if p.get("reason"):
        why.append(quote(clip(p["reason"], 500)))
    if p.get("why"):
        why.append(escape(p["why"]))
    if why:
        blocks.append(section("\n".join(why)))
    blocks.append(_footer(alert))
    if alert.acknowledged_by:
        stamp = f" at {time_and_day(alert.acknowledged_at)}" if alert.acknowledged_at else ""
        blocks.append(context(f":white_check_mark: Acknowledged by {person(alert.acknowledged_by)}{stamp}"))
        blocks.append(ActionsBlock(elements=[_view_button(alert)]))
    else:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Acknowledge", action_id=ACKNOWLEDGE, value=str(alert.id), style="primary"
                    ),
                    _view_button(alert),
                ]
            )
        )
    return Reply(
        text=f"{_headline(alert)}: {escape(clip(p.get('description') or p.get('text') or '', 200))}",
        blocks=tuple(blocks),
        in_channel=True,
    )


def _view_button(alert: Alert) -> ButtonElement:
    return ButtonElement(text="View", action_id=VIEW, value=f"{alert.subject_type}:{alert.subject_id}")


def _footer(alert: Alert) -> Block:
    created = alert.created_at if isinstance(alert.created_at, datetime) else None
    stamp = f" · raised {time_and_day(created)}" if created else ""
    return context(f"{_CLASSIFICATION} · {alert.severity} severity{stamp} · never post case details in reply")


def digest_reply(alert: Alert) -> Reply:
    p = alert.payload
    start, end = _day(p.get("start")), _day(p.get("end"))
    blocks: list[Block] = [HeaderBlock(text="Weekly digest"), context(f"{start} to {end}")]
    changes = p.get("register_changes", [])
    if changes:
        lines = [
            f"• *{escape(c['ref'])}* {escape(c['field'])}: {escape(c.get('before') or '–')} → {escape(c.get('after') or '–')}"
            + (f": {inline_quote(clip(c['reason'], 120))}" if c.get("reason") else "")
            for c in changes
        ]
        blocks.append(section("*Register changes*\n" + clip("\n".join(lines), 2900)))
    else:
        blocks.append(section("*Register changes*\nNone this week."))
    reviews = p.get("overdue_reviews", [])
    blocks.append(
        section(
            "*Overdue reviews*\n"
            + (
                "\n".join(f"• *{escape(r['ref'])}*, due {_day(r['next_review'])}" for r in reviews)
                if reviews
                else "None."
            )
        )
    )
    actions = p.get("actions", [])
    red = [a for a in actions if a["status"] == "red"]
    overdue = [a for a in actions if a["overdue"]]
    blocks.append(
        section(
            f"*Red actions* ({len(red)}): " + (", ".join(escape(a["ref"]) for a in red) or "none")
            + f"\n*Overdue actions* ({len(overdue)}): " + (", ".join(escape(a["ref"]) for a in overdue) or "none")
        )
    )  # fmt: skip
    achievements = p.get("achievements", [])
    if achievements:
        lines = [
            f"• *P{a['priority']}*" + (f" {escape(a['organisation'])}" if a.get("organisation") else "")
            + f": {escape(clip(a['text'], 200))}"
            for a in achievements
        ]  # fmt: skip
        blocks.append(
            section(f"*Achievements logged* ({len(achievements)})\n" + clip("\n".join(lines), 2900))
        )
    else:
        blocks.append(section("*Achievements logged*\nNone this week."))
    blocks.append(context(f"{_CLASSIFICATION} · `/csp risks` for the register, `/csp actions` for the plan"))
    counts = (
        plural(len(changes), "register change"),
        plural(len(reviews), "overdue review"),
        plural(len(red), "red action"),
        plural(len(achievements), "achievement"),
    )
    text = f"Weekly digest {start} to {end}: {', '.join(counts)}"
    return Reply(text=text, blocks=tuple(blocks), in_channel=True)


def delivery_problem_reply(problem: str, channel: str | None) -> Reply:
    where = f"<#{channel}>" if channel else "no channel"
    return Reply(
        text=f"Risk alerts are waiting: {escape(problem)}",
        blocks=(
            section(
                f":warning: *Risk alerts are waiting to be posted*: {escape(problem)} (alert channel: {where})."
            ),
            context(
                "Nothing is lost: they stay queued and go out as soon as this is fixed. "
                "Invite csp-bot to the channel (`/invite @csp-bot`), or choose another with `/csp alerts channel #channel`."
            ),
        ),
    )
