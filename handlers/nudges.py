"""`/csp nudge`, `/csp actions stale` and `/csp plan board-dates`. Parse, call, render."""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk import WebClient

from bot.container import Services
from bot.errors import InvalidInput
from bot.views import nudges as views
from handlers.alerting import deliver_alerts_later
from handlers.context import CommandContext, Outcome


def _date(token: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(token, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(
        f"`{token[:20]}` is not a date, so nothing was changed.",
        "Write the board's dates as 2027-03-11 (or 11/03/2027), separated by spaces.",
    )


def nudge(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp nudge``: the due round of nudges now, to whoever has not had it (coordinators)."""
    if rest.strip():
        raise InvalidInput(
            "`/csp nudge` takes nothing after it.", "It nudges every lead organisation's members."
        )
    run = ctx.services.nudges.nudge_now(ctx.actor)
    deliver_alerts_later(ctx, run.raised)
    return views.nudge_run_reply(run)


def stale(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp actions stale``: open actions with no update this quarter, by organisation."""
    if rest.strip():
        raise InvalidInput(
            "`/csp actions stale` takes nothing after it.",
            "It lists every organisation's; find yours by name.",
        )
    return views.stale_reply(ctx.services.nudges.stale())


def board_dates(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp plan board-dates [DATE …|clear]``: set (coordinators) or list the board's meeting dates."""
    nudges = ctx.services.nudges
    tokens = rest.replace(",", " ").split()
    if not tokens:
        return views.board_dates_reply(nudges.board_dates(), nudges.reporting_date(), changed=False)
    if [t.lower() for t in tokens] in (["clear"], ["none"]):
        dates = nudges.set_board_dates(ctx.actor, [])
    else:
        dates = nudges.set_board_dates(ctx.actor, [_date(t) for t in tokens])
    return views.board_dates_reply(dates, nudges.reporting_date(), changed=True)


def refresh_nudge(services: Services, client: WebClient, channel: str, ts: str) -> None:
    """The nudge a status button was pressed in, redrawn: updated actions ticked, without their buttons."""
    nudge_now = services.nudges.as_it_stands(channel, ts)
    if nudge_now is not None:
        reply = views.nudge_reply(nudge_now)
        client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.message()["blocks"])


def refresh_nudge_later(ctx: CommandContext, channel: str, ts: str) -> None:
    if ctx.client is not None:
        ctx.services.background.submit("nudge refresh", refresh_nudge, ctx.services, ctx.client, channel, ts)
