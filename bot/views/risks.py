"""Risk register views: the 3×3 matrix, the register by rating, one risk with its history, the add form."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.documents.risk_register import matrix_text, ordered, summarise
from bot.services.alerts import Raised
from bot.services.history import FieldChange
from bot.services.plan import Organisation
from bot.services.risk_rating import LEVELS
from bot.services.risks import Risk
from bot.views.alerts import SEVERITY_EMOJI
from bot.views.common import Reply, alert_note, context, notice, person, section
from bot.views.text import clip, day_of, escape, inline_quote, markup, name_and_detail, plural, then

HEATMAP = "risks_heatmap"
RISK_FORM = "risk_form"


def _review(risk: Risk) -> str:
    text = f"review {risk.next_review:%-d %b %Y}"
    return text + " · :hourglass: overdue" if risk.review_overdue else text


def register_reply(risks: Sequence[Risk], rule_text: str, cell_rating) -> Reply:  # type: ignore[no-untyped-def]
    if not risks:
        return notice("The risk register is empty.", "Add one with `/csp risk add`.")
    summaries = [summarise(r) for r in risks]
    by_ref = {r.ref: r for r in risks}
    lines = []
    for item in ordered(summaries):
        risk = by_ref[item.ref]
        lines.append(
            f"{SEVERITY_EMOJI[risk.rating]} *{risk.ref}* {risk.rating} ({risk.likelihood} × {risk.impact}) · "
            f"{escape(clip(risk.description, 110))} · {_review(risk)}"
        )
    blocks: list[Block] = [
        section(
            "*Risk register*: likelihood × impact\n```\n" + matrix_text(summaries, cell_rating) + "\n```"
        ),
        section("*By rating*\n" + clip("\n".join(lines), 2900)),
        context(markup(rule_text) + " `/csp risk R2` shows one with its history."),
        ActionsBlock(elements=[ButtonElement(text="Heat map image", action_id=HEATMAP, value="png")]),
    ]
    return Reply(text=f"Risk register: {plural(len(risks), 'open risk')}", blocks=tuple(blocks))


def risk_reply(risk: Risk, history: Sequence[FieldChange]) -> Reply:
    owner = name_and_detail(risk.owner, risk.owner_org)
    state = "closed" if risk.closed else f"{SEVERITY_EMOJI[risk.rating]} {risk.rating} (score {risk.score})"
    blocks: list[Block] = [
        section(f"*{risk.ref}* {escape(risk.description)}"),
        section(
            f"*Rating:* {state} · likelihood {risk.likelihood} × impact {risk.impact}\n"
            f"*Owner:* {owner}\n*Next review:* {risk.next_review:%-d %B %Y}"
            + (" · :hourglass: overdue" if risk.review_overdue else "")
            + (f"\n*Last reviewed:* {risk.last_reviewed_on:%-d %B %Y}" if risk.last_reviewed_on else "")
        ),
        section(
            f"*Preventative actions:* {escape(clip(risk.preventative, 1300))}\n"
            f"*Contingent actions:* {escape(clip(risk.contingent, 1300))}"
        ),
    ]
    if history:
        lines = [f"• {day_of(h.at)}, {person(h.actor)}: {_change(h)}" for h in history]
        blocks.append(section("*History*, newest first\n" + clip("\n".join(lines), 2900)))
    blocks.append(
        context(
            f'Change it: `/csp risk {risk.ref} likelihood high "why"`, `… impact …`, `… owner WDC`, '
            f'`… review`, `… trigger "why"`, `/csp risk close {risk.ref} "why"`.'
        )
    )
    return Reply(text=f"{risk.ref}: {risk.rating}", blocks=tuple(blocks))


def _change(item: FieldChange) -> str:
    why = f": {inline_quote(clip(item.reason, 200))}" if item.reason else ""
    if item.field == "seed":
        return "loaded from the plan"
    if item.field == "added":
        return f"added at {escape(item.after or '')}"
    if item.field == "trigger":
        return f"*contingency invoked*{why}"
    if item.field == "review":
        return f"reviewed; next review {escape(item.after or '')}{why}"
    return f"{escape(item.field)} {escape(item.before or '–')} → *{escape(item.after or '–')}*{why}"


def risk_changed_reply(risk: Risk, what: str, raised: Raised) -> Reply:
    return notice(
        f"*{risk.ref}*: "
        + then(
            escape(what),
            then(
                f"Now rated {risk.rating} (likelihood {risk.likelihood} × impact {risk.impact}).",
                alert_note(raised),
            ),
        ),
        icon=":white_check_mark:",
    )


def risk_unchanged_reply(risk: Risk, field: str) -> Reply:
    value = {"likelihood": risk.likelihood, "impact": risk.impact, "owner": risk.owner}[field]
    return notice(f"{risk.ref}'s {field} is already {escape(value)}; nothing changed.")


def alerts_status_reply(channel: str | None, pending: int, problem: str | None) -> Reply:
    where = f"<#{channel}>" if channel else "not set"  # a channel link, never the bare ID
    lines = [f"*Alert channel:* {where}", f"*Waiting to be posted:* {pending}"]
    if problem:
        lines.append(f":warning: {escape(problem)}")
    return Reply(
        text=f"Alert channel {where}, {pending} waiting",
        blocks=(
            section("\n".join(lines)),
            context("Coordinators choose the channel: `/csp alerts channel #channel`."),
        ),
    )


def risk_form(
    *, organisations: Sequence[Organisation], channel_id: str | None, default_org: str | None
) -> View:
    def level_select(block_id: str, label: str) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=label,
            element=StaticSelectElement(
                action_id="value", options=[Option(value=v, label=v) for v in LEVELS]
            ),
        )

    def text_input(block_id: str, label: str, hint: str | None = None) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=label,
            hint=hint,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
        )

    org_options = [Option(value=o.short, label=clip(f"{o.short} – {o.name}", 75)) for o in organisations]
    initial = next((o for o in org_options if o.value == default_org), None)
    return View(
        type="modal",
        callback_id=RISK_FORM,
        title=PlainTextObject(text="Add a risk"),
        submit=PlainTextObject(text="Add"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"channel": channel_id}),
        blocks=[
            text_input(
                "description", "Risk and its impact", "What could happen and what it would do to the plan"
            ),
            level_select("likelihood", "Likelihood"),
            level_select("impact", "Impact"),
            text_input("preventative", "Preventative actions"),
            text_input("contingent", "Contingent actions", "What is done if it happens"),
            InputBlock(
                block_id="owner",
                label="Owner (a role, not a person's name)",
                element=PlainTextInputElement(action_id="value", max_length=200),
            ),
            InputBlock(
                block_id="owner_org",
                label="Owning organisation",
                optional=True,
                element=StaticSelectElement(action_id="value", options=org_options, initial_option=initial),
            ),
        ],
    )
