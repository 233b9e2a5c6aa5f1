"""The plan itself from Slack: ``/csp plan``, rolling over, priorities, adding actions, organisations."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.services.actions import ActionUpdate
from bot.services.plan import parse_priority
from bot.views import planning as views
from bot.views.common import Reply, notice
from bot.views.text import escape
from handlers.context import CommandContext, OpenModal, Outcome, interaction_context, services_of
from handlers.forms import Form, read_form, save_form
from handlers.home import refresh_home_later
from handlers.parsing import split_verb, unquote

_PLAN_YEAR = re.compile(r"^\d{4}/\d{2}$")


def plan(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp plan [2026/27]``: the current plan, its year and progress."""
    year = rest.strip() or None
    if year and not _PLAN_YEAR.match(year):
        raise InvalidInput(f"`{year[:20]}` is not a plan year.", "For example `/csp plan 2026/27`.")
    progress = ctx.services.planning.progress(year)
    return views.plan_reply(progress, ctx.services.plan.priorities(progress.year))


def rollover(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp plan rollover 2027/28``: a preview, and a button that starts the year."""
    year = rest.strip()
    if not _PLAN_YEAR.match(year):
        raise InvalidInput("Which plan year?", "For example `/csp plan rollover 2027/28`.")
    result = ctx.services.planning.rollover(ctx.actor, year, apply=False)
    return views.rollover_preview_reply(result)


def confirm_rollover(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Slack sends: a click on *Confirm* under a rollover preview (block_actions); its value, the year."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body, client)
    result = services.planning.rollover(ctx.actor, body["actions"][0]["value"], apply=True)
    respond(**views.rollover_done_reply(result).message(), replace_original=True)
    refresh_home_later(ctx)


def priority_add(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp priority add "Reducing serious violence"``."""
    title = unquote(rest.strip())
    if not title:
        raise InvalidInput("Give the priority's title.", '`/csp priority add "Reducing serious violence"`.')
    number = ctx.services.planning.add_priority(ctx.actor, title)
    return notice(
        f"Added *P{number}* {escape(title)}.",
        f"`/csp action add P{number}` adds its actions.",
        icon=":white_check_mark:",
    )


def priority_edit(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp priority edit P2 "New title"``."""
    ref, title = split_verb(rest)
    if parse_priority(ref) is None or not unquote(title):
        raise InvalidInput("Which priority, and its new title?", '`/csp priority edit P2 "New title"`.')
    ctx.services.planning.edit_priority(ctx.actor, ref, unquote(title))
    return notice(f"*{escape(ref.upper())}* is now {escape(unquote(title))}.", icon=":white_check_mark:")


def priority_retire(ctx: CommandContext, rest: str) -> Outcome:
    ref = rest.strip()
    if parse_priority(ref) is None:
        raise InvalidInput("Which priority?", "`/csp priority retire P4`.")
    ctx.services.planning.retire_priority(ctx.actor, ref)
    return notice(f"Retired *{escape(ref.upper())}*: kept for the record.", icon=":white_check_mark:")


def action_add(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp action add P1 "what will be done" [TVP;BC]``; with only the priority (or nothing), a form."""
    services = ctx.services
    ref, tail = split_verb(rest)
    number = parse_priority(ref) if ref else None
    if ref and number is None:
        raise InvalidInput(
            f"`{ref[:12]}` is not a priority.", '`/csp action add P1 "what will be done" TVP`.'
        )
    if number is None or not tail.strip():
        services.actions.require_can_add(ctx.actor)  # refused now, not after filling in the form
        return OpenModal(
            views.action_form(
                priorities=services.plan.priorities(), organisations=services.plan.organisations(),
                year=services.plan.current_year(), channel_id=ctx.channel_id, priority=number,
            )
        )  # fmt: skip
    text, leads = _text_and_leads(ctx, tail)
    added = services.actions.add(ctx.actor, number, text, leads)
    refresh_home_later(ctx)
    return _added_reply(added)


def _text_and_leads(ctx: CommandContext, tail: str) -> tuple[str, list[str]]:
    """ "Hold action days" BC;TVP → the quoted text and the leads after it (a lead must be a known org)."""
    tail = tail.strip()
    if tail[:1] in "\"“'":
        close = max(tail.rfind('"'), tail.rfind("”"), tail.rfind("'"))
        if close > 0:
            text, after = tail[1:close], tail[close + 1 :].strip()
            return text, [n for n in re.split(r"[;,+\s]+", after) if n]
    return unquote(tail), []


def _added_reply(added: ActionUpdate) -> Reply:
    action = added.action
    return notice(
        f"Added *{action.ref}* to {action.plan_year}: {escape(action.text)}"
        + (f" (lead {escape(action.lead)})" if action.lead else "")
        + f", due {action.due_date:%-d %B %Y}.",
        f"`/csp action {action.ref}` shows it.",
        icon=":white_check_mark:",
    )


def submit_action(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Slack sends: the new-action form, submitted (view_submission)."""
    form = read_form(body, view, client, context)
    saved = save_form(
        ack, form, _save_action, render=_added_reply, personal_data_field="text",
        error_field=lambda error: "due" if "due" in error.message.lower() or "before" in error.message.lower() else "text",
    )  # fmt: skip
    if saved is not None:
        refresh_home_later(form.ctx)


def _save_action(form: Form) -> ActionUpdate:
    values = form.values
    due = date.fromisoformat(values["due"]) if values.get("due") else None
    leads = [n for n in (values.get("leads") or "").split(";") if n]
    return form.ctx.services.actions.add(
        form.ctx.actor, int(values.get("priority") or 0), values.get("text", ""), leads, due
    )


def orgs(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp orgs`` lists; coordinators ``add SHORT "Name"``, ``rename OLD NEW "Name" [move-members]``,
    ``retire SHORT``."""
    verb, args = split_verb(rest)
    planning = ctx.services.planning
    if not verb or verb == "list":
        return views.orgs_reply(ctx.services.plan.organisations(include_retired=args.strip() == "all"))
    if verb == "add":
        short, name = split_verb(args)
        if not short or not unquote(name):
            raise InvalidInput(
                "Give a short name and the full name.", '`/csp orgs add BC "Buckinghamshire Council"`.'
            )
        planning.add_organisation(ctx.actor, short, unquote(name))
        return notice(f"Added *{escape(short.upper())}* {escape(unquote(name))}.", icon=":white_check_mark:")
    if verb == "rename":
        old, after = split_verb(args)
        new, name = split_verb(after)
        move = name.rstrip().endswith("move-members")
        name = unquote(name.rstrip().removesuffix("move-members").strip())
        if not old or not new or not name:
            raise InvalidInput(
                "Give the old and new short names and the full name.",
                '`/csp orgs rename WDC BC "Buckinghamshire Council" move-members`.',
            )
        moved = planning.rename_organisation(ctx.actor, old, new, name, move_members=move)
        return notice(
            f"*{escape(old.upper())}* is now *{escape(new.upper())}* {escape(name)}; its history still reads "
            f"{escape(old.upper())}." + (f" {moved} members moved." if move else ""),
            None if move else "Members stay where they are; add `move-members` to move them too.",
            icon=":white_check_mark:",
        )
    if verb == "retire":
        planning.retire_organisation(ctx.actor, args.strip())
        return notice(
            f"Retired *{escape(args.strip().upper())}*: its history stays.", icon=":white_check_mark:"
        )
    raise InvalidInput(
        f"I don't know `orgs {verb[:12]}`.", "`/csp orgs`, `orgs add`, `orgs rename` or `orgs retire`."
    )
