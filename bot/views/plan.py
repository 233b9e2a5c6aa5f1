"""Plan tracking views: achievements, actions and their status, reports. Pure functions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.privacy import REWRITE_HINT, PersonalDataError
from bot.services.achievements import Achievement
from bot.services.actions import Action, Status
from bot.services.alerts import Raised
from bot.services.history import FieldChange
from bot.services.plan import Organisation, Priority
from bot.views.common import Reply, alert_note, context, notice, person, personal_data_refusal, section
from bot.views.text import (
    clip,
    escape,
    inline_quote,
    local_time,
    markup,
    plan_text,
    plural,
    quote,
    stop,
    then,
    time_and_day,
)
from store.seed import SEED_ACTOR

ACHIEVEMENT_EDIT = "achievement_edit"
ACHIEVEMENT_UNDO = "achievement_undo"
ACHIEVEMENT_FORM = "achievement_form"
ACHIEVEMENT_LOG_MASKED = "achievement_log_masked"
#: Slack's limit for a button's value
BUTTON_VALUE_LIMIT = 2000
ACHIEVEMENT_FOR = "achievement_for"
ACTION_STATUS_OPEN = "action_status_open"
ACTION_STATUS_FORM = "action_status_form"

LIST_LIMIT = 20

STATUS_EMOJI = {
    Status.NOT_STARTED: ":white_circle:",
    Status.GREEN: ":large_green_circle:",
    Status.AMBER: ":large_orange_circle:",
    Status.RED: ":red_circle:",
    Status.COMPLETE: ":white_check_mark:",
}


def _achievement_text(a: Achievement, limit: int) -> str:
    """The plan's own achievements keep its **bold**; anyone else's words are only ever escaped."""
    return plan_text(clip(a.text, limit)) if a.logged_by == SEED_ACTOR else escape(clip(a.text, limit))


# ---------------------------------------------------------------------- achievements


def achievement_line(a: Achievement, *, with_logger: bool = True) -> str:
    org = f" {escape(a.organisation)}" if a.organisation else ""
    who = f" · {person(a.logged_by)}, {a.achieved_on:%-d %b %Y}" if with_logger else ""
    return f"• *P{a.priority}*{org}: {_achievement_text(a, 400)}{who}"


def achievement_logged_reply(a: Achievement, priority: Priority, verb: str = "Logged") -> Reply:
    org = f" for {escape(a.organisation)}" if a.organisation else ""
    heading = (
        f":white_check_mark: {verb} under *P{priority.number} {escape(priority.title)}*{org}, "
        f"{a.plan_year}:\n" + (f">{plan_text(a.text)}" if a.logged_by == SEED_ACTOR else quote(a.text))
    )
    blocks: tuple[Block, ...] = (
        section(heading),
        ActionsBlock(
            elements=[
                ButtonElement(text="Edit", action_id=ACHIEVEMENT_EDIT, value=str(a.id)),
                ButtonElement(text="Undo", action_id=ACHIEVEMENT_UNDO, value=str(a.id)),
            ]
        ),
    )
    text = f"{verb} under P{priority.number}: {escape(clip(a.text, 200))}"
    return _LoggedReply(text=text, blocks=blocks, heading=heading, achievement_id=str(a.id))


@dataclass(frozen=True)
class _LoggedReply(Reply):
    """The reply every log sends, its message written out here. slack_sdk's ``to_dict()`` validates each
    object by introspection, which cost more than the rest of the reply; these blocks are made of values
    already checked (an achievement ≤ 1,000 characters, a title ≤ 200), and
    ``tests/test_log_reply.py`` checks that the two agree."""

    heading: str = ""
    achievement_id: str = ""

    @cached_property
    def _serialised(self) -> dict[str, Any]:
        def button(label: str, action_id: str) -> dict[str, Any]:
            return {
                "action_id": action_id,
                "text": {"emoji": True, "text": label, "type": "plain_text"},
                "type": "button",
                "value": self.achievement_id,
            }

        return {
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "text": self.text,
            "blocks": [
                {"text": {"text": self.heading, "type": "mrkdwn", "verbatim": True}, "type": "section"},
                {
                    "elements": [button("Edit", ACHIEVEMENT_EDIT), button("Undo", ACHIEVEMENT_UNDO)],
                    "type": "actions",
                },
            ],
        }


def masked_achievement_value(
    masked: str, *, priority: int | None, organisation: str | None, achieved_on: date | None
) -> str:
    """What the **Log it like this** button carries: the masked text (never the original) and the choices
    made so far. "" when it would not fit in a button."""
    value = json.dumps(
        {
            "text": masked,
            "priority": priority,
            "organisation": organisation,
            "date": achieved_on.isoformat() if achieved_on else None,
        },
        ensure_ascii=False,
    )
    return value if len(value) <= BUTTON_VALUE_LIMIT else ""


def achievement_refused_reply(error: PersonalDataError, button_value: str) -> Reply:
    """A refusal that shows what was seen and where, and offers to log the masked sentence instead."""
    blocks: list[Block] = [section(personal_data_refusal(error))]
    if error.masked and button_value:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Log it like this",
                        action_id=ACHIEVEMENT_LOG_MASKED,
                        value=button_value,
                        style="primary",
                    )
                ]
            )
        )
    blocks.append(context(markup(REWRITE_HINT)))
    kinds = ", ".join(finding.description for finding in error.findings)
    return Reply(text=f"Not logged: it looks like it contains {kinds}.", blocks=tuple(blocks))


def which_organisation_reply(
    *, text: str, priority: int, achieved_on: date | None, named: str, own: str | None
) -> Reply:
    """A member's achievement names another organisation: whose is it? Nothing is logged until they say."""

    def value(org: str) -> str:
        return json.dumps(
            {"t": text, "p": priority, "d": achieved_on.isoformat() if achieved_on else "", "o": org}
        )

    buttons = (
        [ButtonElement(text=f"For {own}", action_id=f"{ACHIEVEMENT_FOR}_own", value=value(own))]
        if own
        else []
    )
    buttons.append(
        ButtonElement(text="For no organisation", action_id=f"{ACHIEVEMENT_FOR}_none", value=value(""))
    )
    return Reply(
        text=f"Which organisation is this for? It names {escape(named)}.",
        blocks=(
            section(
                f"This names *{escape(named)}*: which organisation is it for?\n{quote(text)}\n"
                f"You can log it for {escape(own or 'no organisation')}"
                + (" or for none" if own else "")
                + f"; a coordinator can log it for {escape(named)}."
            ),
            ActionsBlock(elements=buttons),
        ),
    )


def achievement_undone_reply(a: Achievement) -> Reply:
    return notice(
        f"Undone: “{escape(clip(a.text, 200))}” is no longer logged. History keeps it.", icon=":wastebasket:"
    )


def achievements_reply(
    items: Sequence[Achievement], described: str, total: int, *, every_year: bool = True
) -> Reply:
    if not items:
        earlier = (
            ""
            if every_year
            else " Another year: name it (e.g. `/csp achievements 2017/18`); every year: `all`."
        )
        return notice(
            f"No achievements logged{escape(described)}.",
            f"Log one with `/csp log P1 what was achieved`.{earlier}",
            icon=":mag:",
        )
    described = escape(described)
    lines = "\n".join(achievement_line(a) for a in items)
    blocks: list[Block] = [section(f"*Achievements{described}*, newest first\n{clip(lines, 2900)}")]
    if total > len(items):
        blocks.append(
            context(
                f"{total - len(items)} more. The whole list: `/csp report achievements` (or narrow with P1, 2018/19, TVP)."
            )
        )
    return Reply(text=f"{plural(total, 'achievement')}{described}", blocks=tuple(blocks))


def achievement_form(
    *,
    priorities: Sequence[Priority],
    organisations: Sequence[Organisation],
    today: date,
    channel_id: str | None,
    achievement: Achievement | None = None,
    text: str = "",
    priority: int | None = None,
    organisation: str | None = None,
    achieved_on: date | None = None,
) -> View:
    """Log or edit an achievement: priority, organisation, what was achieved, and when."""

    def priority_option(p: Priority) -> Option:
        return Option(value=str(p.number), label=clip(f"P{p.number} {p.title}", 75))

    def org_option(o: Organisation) -> Option:
        return Option(value=o.short, label=clip(f"{o.short} – {o.name}", 75))

    chosen_priority = achievement.priority if achievement else priority
    chosen_org = achievement.organisation if achievement else organisation
    initial_priority = next((priority_option(p) for p in priorities if p.number == chosen_priority), None)
    initial_org = next((org_option(o) for o in organisations if o.short == chosen_org), None)
    metadata = {"id": achievement.id if achievement else None, "channel": channel_id}
    return View(
        type="modal",
        callback_id=ACHIEVEMENT_FORM,
        title=PlainTextObject(text="Edit achievement" if achievement else "Log an achievement"),
        submit=PlainTextObject(text="Save" if achievement else "Log it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata),
        blocks=[
            InputBlock(
                block_id="priority",
                label="Priority",
                element=StaticSelectElement(
                    action_id="value",
                    options=[priority_option(p) for p in priorities],
                    initial_option=initial_priority,
                ),
            ),
            InputBlock(
                block_id="organisation",
                label="Organisation",
                optional=True,
                hint="Defaults to your own",
                element=StaticSelectElement(
                    action_id="value",
                    options=[org_option(o) for o in organisations],
                    initial_option=initial_org,
                ),
            ),
            InputBlock(
                block_id="text",
                label="What was achieved",
                hint="As an aggregate: “3 victims supported through MARAC this quarter”. No names, addresses or case details.",
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=1000,
                    initial_value=(achievement.text if achievement else text)[:1000] or None,
                ),
            ),
            InputBlock(
                block_id="date",
                label="When",
                element=DatePickerElement(
                    action_id="value",
                    initial_date=(
                        achievement.achieved_on if achievement else achieved_on or today
                    ).isoformat(),
                ),
            ),
        ],
    )


# ---------------------------------------------------------------------- actions


def _status_text(action: Action) -> str:
    text = f"{STATUS_EMOJI[action.status]} {action.status.label}"
    if action.overdue:
        text += f" · :hourglass: overdue (due {action.due_date:%-d %b %Y})"
    return text


def action_line(action: Action) -> str:
    lead = f" ({escape(action.lead)})" if action.lead else ""
    text = plan_text(clip(action.text, 160))
    if action.reason:
        text = then(text, f"Reason: {inline_quote(clip(action.reason, 150))}")
    overdue = " · :hourglass: overdue" if action.overdue else ""
    updated = (
        f" · updated {local_time(action.updated_at):%-d %b} by {person(action.updated_by)}"
        if action.updated_at
        else ""
    )
    return f"{STATUS_EMOJI[action.status]} *{action.ref}*{lead} {text}{overdue}{updated}"


def actions_reply(actions: Sequence[Action], described: str) -> Reply:
    described = escape(described)
    if not actions:
        return notice(f"No actions{described}.", "See them all with `/csp actions`.", icon=":mag:")
    blocks: list[Block] = []
    for priority in sorted({a.priority for a in actions}):
        lines = "\n".join(action_line(a) for a in actions if a.priority == priority)
        blocks.append(section(f"*P{priority}*\n{clip(lines, 2900)}"))
    blocks.append(
        context('`/csp action P2.3` shows one with its history; `/csp action P2.3 amber "why"` updates it.')
    )
    counts = {s: sum(a.status is s for a in actions) for s in Status}
    summary = ", ".join(f"{n} {s.label.split(' (')[0]}" for s, n in counts.items() if n)
    return Reply(text=f"{plural(len(actions), 'action')}{described}: {summary}", blocks=tuple(blocks[:50]))


def action_reply(action: Action, history: Sequence[FieldChange], *, can_update: bool) -> Reply:
    lead = escape(action.lead) if action.lead else "no lead organisation yet"
    blocks: list[Block] = [
        section(f"*{action.ref}* {plan_text(action.text)}"),
        section(
            f"*Status:* {_status_text(action)}\n*Lead:* {lead} · *Due:* {action.due_date:%-d %B %Y}"
            + (f"\n*Reason:* {inline_quote(action.reason)}" if action.reason else "")
        ),
    ]
    if history:
        lines = [f"• {time_and_day(item.at)}, {person(item.actor)}: {_change_text(item)}" for item in history]
        blocks.append(section("*History*, newest first\n" + clip("\n".join(lines), 2900)))
    else:
        blocks.append(context("No updates yet."))
    if can_update:
        blocks.append(status_buttons(action.ref))
    return Reply(text=f"{action.ref}: {action.status.label}", blocks=tuple(blocks))


def status_buttons(ref: str) -> ActionsBlock:
    """Green, Amber, Red, Complete: each opens the status form for the action (``open_status_form``)."""
    return ActionsBlock(
        elements=[
            ButtonElement(
                text=label, action_id=f"{ACTION_STATUS_OPEN}_{status.value}", value=f"{ref}|{status.value}"
            )
            for status, label in (
                (Status.GREEN, "Green"),
                (Status.AMBER, "Amber"),
                (Status.RED, "Red"),
                (Status.COMPLETE, "Complete"),
            )
        ]
    )


def _change_text(item: FieldChange) -> str:
    if item.field == "status":
        before = Status(item.before).label if item.before else "–"
        after = Status(item.after).label if item.after else "–"
        why = f": {inline_quote(clip(item.reason, 200))}" if item.reason else ""
        return f"{before} → *{after}*{why}"
    if item.field == "carried":
        return f"carried forward from {escape(item.before or '–')} into *{escape(item.after or '–')}*"
    name = {"lead": "lead", "leads": "leads", "due_date": "due date"}.get(item.field, item.field)
    return f"{name} {escape(item.before or '–')} → *{escape(item.after or '–')}*"


def status_updated_reply(action: Action, raised: Raised) -> Reply:
    now = f"*{action.ref}* is now {_status_text(action)}"
    if action.reason:
        now = then(now, f"Reason: {inline_quote(action.reason)}")
    return notice(then(now, alert_note(raised)), icon=":white_check_mark:")


def action_unchanged_reply(action: Action, field: str) -> Reply:
    already = {
        "status": f"{action.ref} is already {action.status.label}",
        "lead": f"{action.ref}'s lead is already {escape(action.lead or 'nobody')}",
        "due_date": f"{action.ref} is already due {action.due_date:%-d %B %Y}",
        "text": f"{action.ref} already reads so",
    }[field]
    return notice(f"{already}; nothing changed.")


def action_updated_reply(action: Action, what: str) -> Reply:
    return notice(f"*{action.ref}*: {stop(escape(what))}", icon=":white_check_mark:")


def action_status_form(
    action: Action, *, status: Status | None, channel_id: str | None, message_ts: str | None = None
) -> View:
    """``message_ts``: the message whose button opened it (a nudge), so that message can show the update."""
    options = [Option(value=s.value, label=s.label.capitalize()) for s in Status]
    initial = next((o for o in options if o.value == (status or action.status).value), None)
    metadata = {
        "ref": action.ref,
        "channel": channel_id,
        **({"message_ts": message_ts} if message_ts else {}),
    }
    return View(
        type="modal",
        callback_id=ACTION_STATUS_FORM,
        title=PlainTextObject(text=f"Update {action.ref}"),
        submit=PlainTextObject(text="Update"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata),
        blocks=[
            section(plan_text(clip(action.text, 2900))),
            InputBlock(
                block_id="status",
                label="Status",
                element=StaticSelectElement(action_id="value", options=options, initial_option=initial),
            ),
            InputBlock(
                block_id="reason",
                label="Reason",
                optional=True,
                hint="Needed for amber and red. No names or case details.",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            ),
        ],
    )


# ---------------------------------------------------------------------- reports


def report_coming_reply(title: str) -> Reply:
    return notice(
        f"Preparing *{escape(title)}*: it will arrive as a direct message from csp-bot in a moment.",
        icon=":page_facing_up:",
    )
