"""Nudges and stale actions: the direct message a lead's member gets, `/csp actions stale`,
`/csp nudge` and `/csp plan board-dates`. Pure functions.

A nudge is built from its stored payload (``bot.services.nudges``), so a retried post is the
message that was queued. Action text is the plan's; organisation names are escaped like any text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.services.actions import Status
from bot.services.alerts import Alert
from bot.services.nudges import NudgeRun, ReportingDate, StaleActions
from bot.views.common import Reply, context, notice, section
from bot.views.plan import STATUS_EMOJI, action_line, status_buttons
from bot.views.text import clip, escape, plan_text, plural

#: actions listed in one direct message (two blocks each, under Slack's 50)
NUDGE_LIMIT = 20


def _day(value: str) -> str:
    return f"{date.fromisoformat(value):%-d %B %Y}"


def _reporting(reporting: ReportingDate) -> str:
    return (
        "the board meets on " if reporting.board else "the quarter ends on "
    ) + f"{reporting.day:%-d %B %Y}"


def nudge_reply(alert: Alert) -> Reply:
    """The direct message: the organisation's actions with no update this quarter, each with its buttons."""
    p = alert.payload
    org = escape(p["organisation"])
    actions = p["actions"]
    when = ("the board meets on " if p.get("board") else "the quarter ends on ") + _day(p["reporting_date"])
    reminder = "Reminder: " if p.get("round", 1) > 1 else ""
    blocks: list[Block] = [
        HeaderBlock(text=f"{reminder}{p['organisation']}'s actions need an update"[:150]),
        section(
            f"Progress is reported soon: {when}. {plural(len(actions), 'action')} {org} leads "
            f"{'has' if len(actions) == 1 else 'have'} had no update this quarter (since "
            f"{_day(p['quarter_start'])}). Press a status to update one here: a short form opens, and "
            "asks why for amber and red."
        ),
    ]
    for item in actions[:NUDGE_LIMIT]:
        status = Status(item["status"])
        if item.get("done"):  # redrawn after an update (``NudgeService.as_it_stands``): no buttons needed
            blocks.append(
                section(
                    f":white_check_mark: *{escape(item['ref'])}* {plan_text(clip(item['text'], 400))}\n"
                    f"_Updated:_ {STATUS_EMOJI[status]} {status.label}"
                )
            )
            continue
        overdue = f" · :hourglass: overdue (due {_day(item['due_date'])})" if item.get("overdue") else ""
        blocks.append(
            section(
                f"{STATUS_EMOJI[status]} *{escape(item['ref'])}* {plan_text(clip(item['text'], 400))}\n"
                f"_Now:_ {status.label}{overdue}"
            )
        )
        blocks.append(status_buttons(item["ref"]))
    if len(actions) > NUDGE_LIMIT:
        blocks.append(section(f"And {len(actions) - NUDGE_LIMIT} more: `/csp actions stale` lists them all."))
    blocks.append(
        context(
            "You get this because your organisation leads these actions. Unchanged since last quarter? "
            "Press the status it has and add a line on progress: that is this quarter's update. "
            "Never put names or case details in a reason."
        )
    )
    need = "needs" if len(actions) == 1 else "need"
    text = f"{reminder}{plural(len(actions), 'action')} {org} leads {need} an update before {when}"
    return Reply(text=text, blocks=tuple(blocks))


def stale_reply(stale: StaleActions) -> Reply:
    """`/csp actions stale`: by organisation, with what to do next."""
    when = _reporting(stale.reporting)
    if not stale.groups:
        return notice(
            f"Every open action has an update in {escape(stale.quarter.title)}. Next, {when}.",
            icon=":white_check_mark:",
        )
    blocks: list[Block] = [
        section(
            f"*{plural(stale.total, 'open action')} with no update in {escape(stale.quarter.title)}*, "
            f"by lead organisation. Next, {when}."
        )
    ]
    for group in stale.groups[:45]:
        heading = (
            escape(group.organisation) if group.organisation else "No lead organisation (nobody is nudged)"
        )
        lines = "\n".join(action_line(a) for a in group.actions)
        blocks.append(section(f"*{heading}* ({len(group.actions)})\n{clip(lines, 2900)}"))
    blocks.append(
        context(
            '`/csp action P2.3 green` (or amber/red "why") updates one; coordinators: `/csp nudge` '
            "asks the leads now."
        )
    )
    return Reply(text=f"{plural(stale.total, 'action')} with no update this quarter", blocks=tuple(blocks))


def nudge_run_reply(run: NudgeRun) -> Reply:
    """What `/csp nudge` queued: who, by organisation, and who had this round already."""
    which = "second" if run.round == 2 else "first"
    if not run.nudges:
        return notice(
            f"Nobody to nudge: no lead organisation's member has an action without an update in "
            f"{escape(run.quarter.title)}. Next, {_reporting(run.reporting)}.",
            "`/csp actions stale` shows actions with no update, including those with no lead.",
        )
    by_org: dict[str, int] = {}
    for nudge in run.queued:
        by_org[nudge.organisation] = by_org.get(nudge.organisation, 0) + 1
    counts = ", ".join(f"{escape(org)} {plural(n, 'member')}" for org, n in by_org.items())
    verb = "Sent" if run.applied else "Would send"
    head = (
        f"{verb} the {which} nudge to {plural(len(run.queued), 'member')} ({counts})"
        if run.queued
        else f"Nobody new to nudge: everyone has had the {which} nudge"
    )
    already = (
        f" {plural(len(run.already_sent), 'member')} had this round already, so not again."
        if run.queued and run.already_sent
        else ""
    )
    return notice(
        f"{head}, ahead of {run.reporting.label}.{already}",
        "Each gets one direct message listing their organisation's actions with no update this quarter.",
        icon=":bell:" if run.queued else ":information_source:",
    )


def board_dates_reply(dates: Sequence[date], reporting: ReportingDate, *, changed: bool) -> Reply:
    if dates:
        listed = ", ".join(f"{d:%-d %b %Y}" for d in dates)
        head = ("The board's meeting dates are now: " if changed else "The board meets on: ") + listed + "."
    else:
        head = (
            "No board dates are set now: nudges aim at each quarter's end."
            if changed
            else "No board dates are set: nudges aim at each quarter's end."
        )
    return notice(
        f"{head} Next reporting date: {reporting.day:%-d %B %Y}.",
        "Coordinators set them with `/csp plan board-dates 2027-03-11 2027-06-10 …` "
        "(`/csp plan board-dates clear` goes back to quarter ends).",
        icon=":calendar:",
    )
