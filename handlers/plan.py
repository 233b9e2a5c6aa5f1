"""Plan tracking handlers: log and list achievements, action status, reports. Parse, call, render."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.documents.formats import (
    ACHIEVEMENT_FORMATS,
    ACTION_FORMATS,
    BOARD_FORMATS,
    RISK_FORMATS,
    ReportFormat,
    parse_format,
)
from bot.documents.render import render_report, report_title
from bot.errors import InvalidInput, UserFacingError
from bot.privacy import PersonalDataError
from bot.runtime.display_names import display_names
from bot.services.achievements import Achievement, AchievementFilter
from bot.services.actions import ActionFilter, ActionUpdate, Status, parse_status
from bot.services.plan import parse_priority
from bot.services.reports import ALL_YEARS, checked_year
from bot.views import plan as views
from handlers.alerting import deliver_alerts_later
from handlers.context import CommandContext, OpenModal, Outcome, interaction_context, services_of
from handlers.forms import Form, read_form, save_form
from handlers.home import refresh_home_later
from handlers.nudges import refresh_nudge_later
from handlers.parsing import split_verb, unquote

_PLAN_YEAR = re.compile(r"^\d{4}/\d{2}$")
_QUARTER = re.compile(r"^(\d{4}/\d{2}-)?Q\d+$", re.IGNORECASE)  # the service says if it is not one
_ACTION_REF = re.compile(r"^P\d+\.\d+$", re.IGNORECASE)


_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}")


def _date(token: str) -> date | None:
    if not _DATE_LIKE.fullmatch(token):  # most first words are not dates: no strptime, no exception
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(token, pattern).date()
        except ValueError:
            continue
    return None


def _is_priority_token(token: str) -> bool:
    return token[:1] in {"P", "p"} and parse_priority(token) is not None


# ---------------------------------------------------------------------- achievements


def log(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp log [P1] [2018-03-01] [TVP] what was achieved``: the organisation stays part of the sentence."""
    services = ctx.services
    words = rest.split()
    priority: int | None = None
    achieved_on: date | None = None
    while words and (priority is None or achieved_on is None):
        if priority is None and _is_priority_token(words[0]):
            priority = parse_priority(words.pop(0))
        elif achieved_on is None and (when := _date(words[0])) is not None:
            achieved_on = when
            words.pop(0)
        else:
            break
    text = " ".join(words)
    organisation = _organisation_named_first(ctx, text)
    try:
        if priority is None or not text:
            services.achievements.require_can_log(ctx.actor)  # non-members are told now, not after a form
            services.achievements.check_text(text)  # the form would show the text again: refuse it first
            return OpenModal(
                _achievement_form(
                    ctx, text=text, priority=priority, organisation=organisation, when=achieved_on
                )
            )
        other = None if organisation else services.achievements.other_organisation_named(ctx.actor, text)
        if other is not None:
            # "WDC issued a CPN" from a TVP member: ask, rather than file it under TVP unseen
            services.achievements.require_can_log(ctx.actor)
            services.achievements.check_text(text)  # the question quotes the text: refuse it first
            services.plan.priority(priority)
            return views.which_organisation_reply(
                text=text, priority=priority, achieved_on=achieved_on, named=other, own=ctx.actor.org
            )
        achievement = services.achievements.log(
            ctx.actor, text, priority=priority, organisation=organisation, achieved_on=achieved_on
        )
    except PersonalDataError as error:
        value = views.masked_achievement_value(
            error.masked, priority=priority, organisation=organisation, achieved_on=achieved_on
        )
        return views.achievement_refused_reply(error, value)
    refresh_home_later(ctx)
    return views.achievement_logged_reply(achievement, achievement.under)


def log_for(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Slack sends: a click on an organisation under "which organisation is this for?" (block_actions);
    its value, the achievement as JSON: text, priority, date and the organisation chosen ("" for none)."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body, client)
    chosen = json.loads(body["actions"][0]["value"])
    when = date.fromisoformat(chosen["d"]) if chosen.get("d") else None
    achievement = services.achievements.log(
        ctx.actor, str(chosen["t"]), priority=int(chosen["p"]), organisation=chosen.get("o") or None,
        achieved_on=when, no_organisation=not chosen.get("o"),
    )  # fmt: skip
    reply = views.achievement_logged_reply(achievement, achievement.under)
    respond(**reply.message(), replace_original=True)
    refresh_home_later(ctx)


def _organisation_named_first(ctx: CommandContext, text: str) -> str | None:
    """ "TVP secured 4 CBOs" is TVP's achievement: for a coordinator, or a TVP member. A member of
    another organisation mentioning TVP first is logging for their own organisation."""
    first = text.split(maxsplit=1)[0].strip(",:;.") if text else ""
    known = {o.short.upper(): o.short for o in ctx.services.plan.organisations()}
    named = known.get(first.upper())
    if named is None:
        return None
    return named if ctx.services.achievements.may_log_for(ctx.actor, named) else None


def _achievement_form(
    ctx: CommandContext, *, text: str = "", priority: int | None = None, organisation: str | None = None,
    when: date | None = None, achievement_id: int | None = None,
) -> Any:  # fmt: skip
    services = ctx.services
    existing = services.achievements.get(achievement_id) if achievement_id is not None else None
    return views.achievement_form(
        priorities=services.plan.priorities(),
        organisations=services.plan.organisations(),
        today=services.achievements.today(),
        channel_id=ctx.channel_id,
        achievement=existing,
        text=text,
        priority=priority,
        organisation=organisation or ctx.actor.org,
        achieved_on=when,
    )


def achievements(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp achievements [P1] [2018/19|all] [TVP] [mine]``, in any order: without a year, the current
    plan year; ``all``, every year."""
    priority = year = organisation = logged_by = None
    every_year = False
    described: list[str] = []
    for token in rest.split():
        if _is_priority_token(token):
            priority = ctx.services.plan.priority(token).number
            described.append(f"P{priority}")
        elif _PLAN_YEAR.match(token):
            year = checked_year(token)
            described.append(year)
        elif token.lower() == ALL_YEARS:
            every_year = True
            described.append("every year")
        elif token.lower() == "mine":
            logged_by = ctx.user_id
            described.append("logged by you")
        else:
            organisation = ctx.services.plan.organisation(token).short
            described.append(organisation)
    if year is None and not every_year:
        year = ctx.services.plan.current_year()
        described.insert(0, year)
    wanted = AchievementFilter(
        priority=priority, plan_year=year, organisation=organisation, logged_by=logged_by
    )
    found = ctx.services.achievements.list(wanted)
    label = f" ({', '.join(described)})" if described else ""
    return views.achievements_reply(found[: views.LIST_LIMIT], label, len(found), every_year=every_year)


# ---------------------------------------------------------------------- actions


def actions(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp actions [2026/27] [P2|mine|red|overdue|TVP]``: without a year, the current plan year."""
    services = ctx.services
    year: str | None = None
    tokens = rest.split()
    if tokens and _PLAN_YEAR.match(tokens[0]):
        year = checked_year(tokens.pop(0))
    elif tokens and _PLAN_YEAR.match(tokens[-1]):
        year = checked_year(tokens.pop())
    wanted = ActionFilter(plan_year=year)
    described = f" in {year}" if year else ""
    token = " ".join(tokens)
    if token:
        status, leftover = parse_status(token)
        if _is_priority_token(token):
            number = services.plan.priority(token, year).number
            wanted, described = ActionFilter(plan_year=year, priority=number), f"{described} under P{number}"
        elif token.lower() == "mine":
            if not ctx.actor.org:
                raise InvalidInput(
                    "You have no organisation, so no actions are yours.", "`/csp whoami` shows your access."
                )
            wanted, described = (
                ActionFilter(plan_year=year, lead=ctx.actor.org),
                f"{described} led by {ctx.actor.org}",
            )
        elif token.lower() == "overdue":
            wanted, described = ActionFilter(plan_year=year, overdue=True), f"{described} overdue"
        elif status is not None and not leftover:
            wanted, described = ActionFilter(plan_year=year, status=status), f"{described} {status.label}"
        else:
            org = services.plan.organisation(token, include_retired=True).short
            wanted, described = ActionFilter(plan_year=year, lead=org), f"{described} led by {org}"
    return views.actions_reply(services.actions.list(wanted), described)


def action(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp action P2.3`` shows it; ``… amber "why"``, ``… lead TVP``, ``… due 2019-03-31`` change it."""
    services = ctx.services
    ref, change = split_verb(rest)
    if not ref or not _ACTION_REF.match(ref):
        raise InvalidInput("Which action? They are numbered P1.1, P1.2 …", "For example `/csp action P2.3`.")
    ref = ref.upper()
    if _PLAN_YEAR.match(change.strip()):  # an earlier (or later) year's action: to read, not to change
        year = checked_year(change.strip())
        shown = services.actions.get(ref, year)
        current_year = services.plan.current_year()
        return views.action_reply(
            shown, services.actions.history(ref, year=year),
            can_update=year == current_year and services.actions.can_update(ctx.actor, shown),
        )  # fmt: skip
    if not change:
        current = services.actions.get(ref)
        return views.action_reply(
            current, services.actions.history(ref), can_update=services.actions.can_update(ctx.actor, current)
        )
    word, value = split_verb(change)
    if word == "retire":
        updated = services.actions.retire(ctx.actor, ref, unquote(value) or None)
        refresh_home_later(ctx)
        return views.action_updated_reply(updated.action, "retired: kept with its history, no longer tracked")
    if word == "text":
        updated = services.actions.set_text(ctx.actor, ref, unquote(value))
        if not updated.changed:
            return views.action_unchanged_reply(updated.action, "text")
        refresh_home_later(ctx)
        return views.action_updated_reply(updated.action, "new wording saved")
    if word in {"lead", "leads"}:
        lead = unquote(value)
        updated = services.actions.set_lead(
            ctx.actor, ref, None if lead.lower() in {"none", "-", ""} else lead
        )
        if not updated.changed:
            return views.action_unchanged_reply(updated.action, "lead")
        refresh_home_later(ctx)
        return views.action_updated_reply(updated.action, f"lead is now {updated.action.lead or 'nobody'}")
    if word in {"due", "due-date"}:
        due = _date(value.strip())
        if due is None:
            raise InvalidInput("Give the due date as 2019-03-31 or 31/03/2019.")
        updated = services.actions.set_due(ctx.actor, ref, due)
        if not updated.changed:
            return views.action_unchanged_reply(updated.action, "due_date")
        refresh_home_later(ctx)
        return views.action_updated_reply(updated.action, f"due {due:%-d %B %Y}")
    status, reason = parse_status(change)
    if status is None:
        raise InvalidInput(
            f"I don't know the status `{change.split()[0][:20]}`.",
            f'Use not started, green, amber, red or complete: `/csp action {ref} amber "why"`.',
        )
    updated = services.actions.set_status(ctx.actor, ref, status, unquote(reason) or None)
    if not updated.changed:
        return views.action_unchanged_reply(updated.action, "status")
    refresh_home_later(ctx)
    deliver_alerts_later(ctx, updated.raised)
    return views.status_updated_reply(updated.action, updated.raised)


# ---------------------------------------------------------------------- reports


_REPORTS = ("achievements", "actions", "risks", "board")


def report(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp report achievements [2018/19|all|2018/19-Q4] [md|csv|docx]``, ``actions [md|csv|xlsx]``,
    ``risks [docx|xlsx|png|md]`` or ``board [Q3|2018/19-Q4] [docx|pdf]``: the file is sent as a DM."""
    kind, options = split_verb(rest)
    services = ctx.services
    if kind not in _REPORTS:
        raise InvalidInput(
            "Which report: achievements, actions, risks or board?",
            "`/csp report achievements 2018/19`, `/csp report actions`, `/csp report risks` or `/csp report board Q3`.",
        )
    year: str | None = None
    quarter: str | None = None
    fmt: ReportFormat | None = None
    allowed = {"achievements": ACHIEVEMENT_FORMATS, "actions": ACTION_FORMATS, "risks": RISK_FORMATS}.get(
        kind, BOARD_FORMATS
    )
    for token in options.split():
        if _PLAN_YEAR.match(token) and kind in ("achievements", "actions"):
            year = checked_year(token)
        elif token.lower() == ALL_YEARS and kind == "achievements":
            year = ALL_YEARS
        elif _QUARTER.match(token) and kind in ("achievements", "board"):
            quarter = token
        else:
            fmt = parse_format(token, allowed)
    data: Any
    if kind == "achievements":
        data, fmt = services.reports.achievements(year, quarter), fmt or ReportFormat.DOCX
    elif kind == "actions":
        data, fmt = services.reports.actions(year), fmt or ReportFormat.XLSX
    elif kind == "risks":
        data, fmt = services.reports.risks(), fmt or ReportFormat.DOCX
    else:
        data, fmt = services.reports.board(quarter), fmt or ReportFormat.DOCX
    if ctx.client is None:
        raise InvalidInput("Reports are sent through Slack.", "From a terminal use `csp-bot report`.")
    # names are looked up and the file made after the reply: Slack waits 3 seconds for it
    services.background.submit("report upload", send_report, ctx.client, ctx.user_id, data, fmt)
    return views.report_coming_reply(report_title(data, fmt))


def send_report(client: WebClient, user_id: str, data: Any, fmt: ReportFormat) -> None:
    names = display_names(client, getattr(data, "people", {}))
    built = render_report(data, fmt, names)
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        content=built.content,
        filename=built.filename,
        title=built.title,
        initial_comment=f"{built.title}, as at {data.as_at:%-d %B %Y}.",
    )


# ---------------------------------------------------------------------- buttons and forms


# Plain functions, wired up in handlers/registry.py.


def edit_achievement(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:  # respond: ``guarded`` sends a refusal through it, the click being acknowledged already
    """Slack sends: a click on *Edit* under a logged achievement (block_actions); its value, the id."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    achievement = services.achievements.get(int(body["actions"][0]["value"]))
    services.achievements.require_can_change(ctx.actor, achievement)  # refuse before the form, not after it
    form = _achievement_form(ctx, achievement_id=achievement.id)
    client.views_open(trigger_id=body["trigger_id"], view=form)


def log_masked_achievement(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Slack sends: a click on *Log it like this* under a refusal (block_actions); its value, the masked
    text and the choices made. With a priority it is logged at once; without one the form opens on it."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body, client)
    chosen = _masked_choice(body["actions"][0].get("value", ""))
    if chosen is None:
        raise InvalidInput("That button has expired.", "Please log it again with `/csp log`.")
    text, priority, organisation, when = chosen
    if priority is None:
        services.achievements.require_can_log(ctx.actor)
        services.achievements.check_text(text)
        form = _achievement_form(ctx, text=text, organisation=organisation, when=when)
        client.views_open(trigger_id=body["trigger_id"], view=form)
        return
    achievement = services.achievements.log(
        ctx.actor, text, priority=priority, organisation=organisation, achieved_on=when
    )
    respond(
        **views.achievement_logged_reply(achievement, achievement.under).message(),
        replace_original=True,
    )
    refresh_home_later(ctx)


def _masked_choice(value: str) -> tuple[str, int | None, str | None, date | None] | None:
    try:
        chosen = json.loads(value)
        text, priority, organisation = chosen["text"], chosen.get("priority"), chosen.get("organisation")
        when = date.fromisoformat(chosen["date"]) if chosen.get("date") else None
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(text, str) or not (priority is None or isinstance(priority, int)):
        return None
    return text, priority, organisation if isinstance(organisation, str) else None, when


def undo_achievement(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Slack sends: a click on *Undo* under a logged achievement (block_actions); its value, the id."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body, client)
    removed = services.achievements.delete(ctx.actor, int(body["actions"][0]["value"]))
    respond(**views.achievement_undone_reply(removed).message(), replace_original=True)
    refresh_home_later(ctx)


def submit_achievement(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Slack sends: the achievement form, submitted (view_submission); metadata has the id if editing."""
    form = read_form(body, view, client, context)
    verb = "Updated" if form.metadata.get("id") else "Logged"
    saved = save_form(
        ack,
        form,
        _save_achievement,
        render=lambda saved: views.achievement_logged_reply(
            saved, form.ctx.services.plan.priority(saved.priority, saved.plan_year), verb
        ),
        personal_data_field="text",
        error_field=_field_for,
    )
    if saved is not None:
        refresh_home_later(form.ctx)


def _save_achievement(form: Form) -> Achievement:
    services, values, ctx = form.ctx.services, form.values, form.ctx
    priority = int(values.get("priority") or 0)
    organisation = values.get("organisation") or None
    when = date.fromisoformat(values["date"]) if values.get("date") else None
    if form.metadata.get("id"):
        return services.achievements.edit(
            ctx.actor, int(form.metadata["id"]), text=values.get("text", ""), priority=priority,
            organisation=organisation, achieved_on=when,
        )  # fmt: skip
    return services.achievements.log(
        ctx.actor, values.get("text", ""), priority=priority, organisation=organisation, achieved_on=when
    )


def open_status_form(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:  # respond: ``guarded`` sends a refusal through it, the click being acknowledged already
    """Slack sends: a click on a status button under an action (block_actions); its value, ``ref|status``."""
    services = services_of(context)
    ack()
    ref, _, status = body["actions"][0]["value"].partition("|")
    ctx = interaction_context(services, body)
    current = services.actions.get(ref)
    services.actions.require_can_update(ctx.actor, current)  # refuse before the form, not after it
    container = body.get("container") or {}
    # a button in a posted message (a nudge): that message is brought up to date after the update
    message_ts = None if container.get("is_ephemeral") else container.get("message_ts")
    form = views.action_status_form(
        current, status=Status(status), channel_id=ctx.channel_id, message_ts=message_ts
    )
    client.views_open(trigger_id=body["trigger_id"], view=form)


def submit_status(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Slack sends: the action status form, submitted (view_submission): the status, and why."""
    form = read_form(body, view, client, context)
    if form.values.get("status") not in {s.value for s in Status}:
        ack(response_action="errors", errors={"status": "Choose a status."})
        return
    updated = save_form(
        ack,
        form,
        _save_status,
        render=lambda updated: (
            views.status_updated_reply(updated.action, updated.raised)
            if updated.changed
            else views.action_unchanged_reply(updated.action, "status")
        ),
        personal_data_field="reason",
        error_field="reason",
    )
    if updated is not None and updated.changed:
        refresh_home_later(form.ctx)
        deliver_alerts_later(form.ctx, updated.raised)
        if form.metadata.get("message_ts") and form.ctx.channel_id:
            refresh_nudge_later(form.ctx, form.ctx.channel_id, form.metadata["message_ts"])


def _save_status(form: Form) -> ActionUpdate:
    status, reason = Status(form.values["status"]), form.values.get("reason") or None
    return form.ctx.services.actions.set_status(form.ctx.actor, form.metadata["ref"], status, reason)


def _field_for(error: UserFacingError) -> str:
    message = error.message.lower()
    if "date" in message or "future" in message:
        return "date"
    if "priority" in message:
        return "priority"
    if "organisation" in message or "log achievements for" in message:
        return "organisation"
    return "text"
