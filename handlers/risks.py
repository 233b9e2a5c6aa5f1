"""Risk register and alert handlers: /csp risks, /csp risk …, /csp alerts …, Acknowledge and View buttons."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.documents.formats import ReportFormat
from bot.documents.render import report_title
from bot.errors import InvalidInput
from bot.services.risk_rating import parse_level
from bot.services.risks import RiskUpdate, is_risk_ref
from bot.views import alerts as alert_views
from bot.views import plan as plan_views
from bot.views import risks as views
from bot.views.common import notice, person
from handlers.alerting import deliver_alerts_later
from handlers.context import CommandContext, OpenModal, Outcome, services_of
from handlers.forms import Form, read_form, save_form
from handlers.parsing import CHANNEL_MENTION, split_verb, unquote
from handlers.plan import send_report

# ---------------------------------------------------------------------- subcommands


def risks(ctx: CommandContext, rest: str) -> Outcome:
    register = ctx.services.risks
    return views.register_reply(register.register(), register.rule.describe(), register.rule.rate)


def risk(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp risk R2 [likelihood|impact LEVEL "why" | owner WHO | review [DATE] | trigger "why"]``."""
    services = ctx.services
    first, after = split_verb(rest)
    _check_ref(first)
    ref = first.upper()
    if not after:
        return views.risk_reply(services.risks.get(ref), services.risks.history(ref))
    word, value = split_verb(after)
    if word in {"likelihood", "impact"}:
        level_word, reason = split_verb(value)
        level = parse_level(level_word)
        if level is None:
            raise InvalidInput(
                f"{word.capitalize()} is low, medium or high.", f'`/csp risk {ref} {word} high "why"`'
            )
        updated = services.risks.set_level(ctx.actor, ref, word, level, unquote(reason))
        what = f"{word} now {level}"
    elif word == "owner":
        updated = services.risks.set_owner(ctx.actor, ref, unquote(value))
        what = f"owner now {updated.risk.owner}"
    elif word == "review":
        when_word, reason = split_verb(value)
        when = _date(when_word) if when_word and when_word[0].isdigit() else None
        if when is None and when_word and when_word[0].isdigit():
            raise InvalidInput("Give the next review as 2027-03-31.")
        reason = reason if when else value
        updated = services.risks.review(ctx.actor, ref, when, unquote(reason) or None)
        what = f"reviewed; next review {updated.risk.next_review:%-d %B %Y}"
    elif word == "trigger":
        updated = services.risks.trigger(ctx.actor, ref, unquote(value))
        what = "contingency invoked"
    else:
        raise InvalidInput(
            f"I can't change `{word[:20]}` on a risk.",
            f'Use likelihood, impact, owner, review or trigger: `/csp risk {ref} likelihood high "why"`.',
        )
    if not updated.changed:
        return views.risk_unchanged_reply(updated.risk, word)
    deliver_alerts_later(ctx, updated.raised)
    return views.risk_changed_reply(updated.risk, what, updated.raised)


def risk_add(ctx: CommandContext, rest: str) -> Outcome:
    ctx.services.risks.require_can_add(ctx.actor)  # told now, not after filling in the form
    form = views.risk_form(
        organisations=ctx.services.plan.organisations(), channel_id=ctx.channel_id, default_org=ctx.actor.org
    )
    return OpenModal(form)


def risk_close(ctx: CommandContext, rest: str) -> Outcome:
    ref, reason = split_verb(rest)
    _check_ref(ref)
    closed = ctx.services.risks.close(ctx.actor, ref, unquote(reason))
    return views.risk_changed_reply(closed.risk, "closed", closed.raised)


def alerts(ctx: CommandContext, rest: str) -> Outcome:
    """``/csp alerts`` shows where alerts go; ``/csp alerts channel #channel`` sets it (coordinators)."""
    services = ctx.services
    word, value = split_verb(rest)
    if word == "channel":
        match = CHANNEL_MENTION.search(value)
        channel = match.group(1) if match else value.strip().lstrip("#").upper()
        if not re.fullmatch(r"[CG][A-Z0-9]{2,20}", channel):
            raise InvalidInput(
                "Which channel?", "Pick it from Slack's list: `/csp alerts channel #csp-alerts`."
            )
        services.alerts.set_channel(ctx.actor, channel)
        deliver_alerts_later(ctx)
        return notice(
            f"Risk alerts now go to <#{channel}>. Invite csp-bot there if it is not already (`/invite @csp-bot`).",
            icon=":white_check_mark:",
        )
    if word:
        raise InvalidInput(
            f"`/csp alerts {word[:20]}` is not something I know.",
            "Try `/csp alerts` or `/csp alerts channel #channel`.",
        )
    status = services.alerts.status()
    return views.alerts_status_reply(status.channel, status.pending, status.problem)


def _check_ref(ref: str) -> None:
    if not is_risk_ref(ref):
        raise InvalidInput(
            "Which risk? They are numbered R1, R2 …", "For example `/csp risk R2`, or `/csp risks` for all."
        )


def _date(text: str):  # type: ignore[no-untyped-def]
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


# ---------------------------------------------------------------------- buttons and the form


# Plain functions, wired up in handlers/registry.py.


def acknowledge(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Slack sends: a click on *Acknowledge* under an alert (block_actions); its value, the alert's id."""
    services = services_of(context)
    ack()
    actor = services.members.actor(body["user"]["id"])
    alert, first = services.alerts.acknowledge(actor, int(body["actions"][0]["value"]))
    if not first:
        respond(
            **notice(f"Already acknowledged by {person(alert.acknowledged_by)}.").message(),
            replace_original=False,
        )
        return
    if alert.channel and alert.message_ts:
        reply = alert_views.alert_reply(alert)
        client.chat_update(
            channel=alert.channel, ts=alert.message_ts, text=reply.text, blocks=reply.message()["blocks"]
        )


def view(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *View* under an alert (block_actions); its value, ``risk:R2`` or the like."""
    services = services_of(context)
    ack()
    kind, _, ref = body["actions"][0]["value"].partition(":")
    if kind == "risk":
        reply = views.risk_reply(services.risks.get(ref), services.risks.history(ref))
    elif kind == "action":
        actor = services.members.actor(body["user"]["id"])
        current = services.actions.get(ref)
        reply = plan_views.action_reply(
            current, services.actions.history(ref), can_update=services.actions.can_update(actor, current)
        )
    else:
        reply = notice("`/csp risks` shows the register; `/csp actions` the plan's actions.")
    respond(**reply.message(), replace_original=False)


def heat_map(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Slack sends: a click on *Heat map image* under the register (block_actions)."""
    services = services_of(context)
    ack()
    data = services.reports.risks()
    services.background.submit(
        "report upload", send_report, client, body["user"]["id"], data, ReportFormat.PNG
    )
    respond(
        **plan_views.report_coming_reply(report_title(data, ReportFormat.PNG)).message(),
        replace_original=False,
    )


def submit_risk(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Slack sends: the new risk form, submitted (view_submission)."""
    form = read_form(body, view, client, context)
    added = save_form(
        ack,
        form,
        _add_risk,
        render=lambda added: views.risk_changed_reply(added.risk, "added", added.raised),
        personal_data_field="description",
        error_field=lambda error: "owner_org" if "organisation" in error.message else "description",
    )
    if added is not None:
        deliver_alerts_later(form.ctx, added.raised)


def _add_risk(form: Form) -> RiskUpdate:
    values = form.values
    return form.ctx.services.risks.add(
        form.ctx.actor,
        description=values.get("description", ""),
        likelihood=values.get("likelihood", ""),
        impact=values.get("impact", ""),
        preventative=values.get("preventative", ""),
        contingent=values.get("contingent", ""),
        owner=values.get("owner", ""),
        owner_org=values.get("owner_org") or None,
    )
