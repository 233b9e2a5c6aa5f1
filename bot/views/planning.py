"""Plan views: the current plan and its year, rolling over, organisations, the action form. Pure functions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.actions import Status
from bot.services.plan import Organisation, Priority
from bot.services.planning import Progress, RolloverResult
from bot.views.common import Reply, context, notice, section
from bot.views.text import escape, plural

ROLLOVER_CONFIRM = "plan_rollover_confirm"
ACTION_FORM = "plan_action_form"


def plan_reply(progress: Progress, priorities: Sequence[Priority]) -> Reply:
    plan = progress.plan
    counts = ", ".join(
        f"{progress.counts.get(s.value, 0)} {s.label.split(' (')[0]}"
        for s in Status
        if progress.counts.get(s.value)
    )
    lines = "\n".join(f"• *P{p.number}* {escape(p.title)}" for p in priorities) or "No priorities yet."
    blocks: list[Block] = [
        section(f"*{escape(plan.title)}*\n{plan.period}"),
        section(
            f"*Plan year {progress.year}:* {plural(progress.total, 'action')}"
            + (f" ({counts})" if counts else "")
            + (f" · :hourglass: {progress.overdue} overdue" if progress.overdue else "")
        ),
        section(f"*Priorities*\n{lines}"),
    ]
    if progress.past_plans:
        blocks.append(
            context(
                "Past plans, kept for reading: " + "; ".join(escape(p.title) for p in progress.past_plans)
            )
        )
    blocks.append(
        context(
            f"`/csp actions {progress.year}` lists the year's actions; `/csp achievements {progress.year}` what "
            "was achieved; coordinators: `/csp action add P1`, `/csp priority add`, `/csp plan rollover`."
        )
    )
    return Reply(text=f"{escape(plan.title)}: plan year {progress.year}", blocks=tuple(blocks))


def rollover_preview_reply(result: RolloverResult) -> Reply:
    carried = ", ".join(result.carried) or "none"
    text = (
        f"Start *{result.year}*: {plural(len(result.carried), 'open action')} carry forward from "
        f"{result.from_year} with their status and history ({escape(carried)})."
    )
    if result.completed:
        text += f"\nCompleted, staying in {result.from_year}: {escape(', '.join(result.completed))}."
    text += "\nDue dates move to the new year's end unless set later; overdue alerts restart from them."
    return Reply(
        text=f"Start {result.year}? Nothing changes until you confirm.",
        blocks=(
            section(text),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=f"Confirm: start {result.year}",
                        action_id=ROLLOVER_CONFIRM,
                        value=result.year,
                        style="primary",
                    )
                ]
            ),
        ),
    )


def rollover_done_reply(result: RolloverResult) -> Reply:
    return notice(
        f"{result.year} has started: {plural(len(result.carried), 'action')} carried forward from {result.from_year}.",
        f"`/csp actions {result.year}` lists them.",
        icon=":white_check_mark:",
    )


def orgs_reply(orgs: Sequence[Organisation]) -> Reply:
    lines = []
    for org in orgs:
        line = f"• *{escape(org.short)}* {escape(org.name)}"
        if org.retired:
            line += " _(retired" + (f", now {escape(org.successor)}" if org.successor else "") + ")_"
        lines.append(line)
    return Reply(
        text=f"{plural(len(orgs), 'organisation')}",
        blocks=(
            section("*The partnership's organisations*\n" + ("\n".join(lines) or "None yet.")),
            context(
                'Coordinators: `/csp orgs add SHORT "Full name"`, `/csp orgs rename OLD NEW "Full name" [move-members]`, '
                "`/csp orgs retire SHORT`."
            ),
        ),
    )


def action_form(
    *,
    priorities: Sequence[Priority],
    organisations: Sequence[Organisation],
    year: str,
    channel_id: str | None,
    priority: int | None = None,
    text: str = "",
    due: date | None = None,
) -> View:
    """Add an action to the current plan year, with what the command already said filled in."""
    options = [Option(value=str(p.number), label=f"P{p.number} {p.title}"[:75]) for p in priorities]
    initial = next((o for o in options if o.value == str(priority)), None)
    org_options = [Option(value=o.short, label=f"{o.short} – {o.name}"[:75]) for o in organisations][:100]
    blocks: list[Block] = [
        InputBlock(
            block_id="priority",
            label="Priority",
            element=StaticSelectElement(action_id="value", options=options, initial_option=initial),
        ),
        InputBlock(
            block_id="text",
            label="Action",
            element=PlainTextInputElement(
                action_id="value", multiline=True, max_length=1000, initial_value=text or None
            ),
        ),
        InputBlock(
            block_id="leads",
            label="Lead organisations",
            optional=True,
            element=StaticMultiSelectElement(action_id="value", options=org_options),
        ),
        InputBlock(
            block_id="due",
            label="Due (default: the end of the plan year)",
            optional=True,
            element=DatePickerElement(action_id="value", initial_date=due.isoformat() if due else None),
        ),
    ]
    return View(
        type="modal",
        callback_id=ACTION_FORM,
        title=PlainTextObject(text=f"New action {year}"[:24]),
        submit=PlainTextObject(text="Add"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"channel": channel_id}),
        blocks=blocks,
    )
