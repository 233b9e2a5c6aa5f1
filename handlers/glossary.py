"""Glossary handlers: parse, call the glossary service, render. Slack listeners for its buttons and form."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.container import Services
from bot.errors import InvalidInput, UserFacingError
from bot.privacy import PersonalDataError
from bot.services.glossary import GlossaryAnswer
from bot.views import glossary as views
from bot.views.common import Reply, error_reply, personal_data_field_error
from glossary.model import EntryKind
from handlers.context import CommandContext, OpenModal, Outcome, services_of
from handlers.forms import confirm_privately, form_metadata, form_values
from handlers.parsing import parse_definition, unquote
from handlers.safety import guarded

#: the message shortcut's callback id, also in app-manifest.yml
EXPLAIN_SHORTCUT = "explain_acronyms"

# ---------------------------------------------------------------------- subcommands


def render_answer(answer: GlossaryAnswer) -> Reply:
    return views.answer_reply(answer)


def _needs(rest: str, what: str, example: str) -> None:
    if not rest.strip():
        raise InvalidInput(f"Tell me which {what} to look up.", f"For example `/csp {example}`.")


def acronym(ctx: CommandContext, rest: str) -> Outcome:
    _needs(rest, "acronym", "acronym MARAC")
    return render_answer(ctx.services.glossary.answer(rest, EntryKind.ACRONYM))


def define(ctx: CommandContext, rest: str) -> Outcome:
    _needs(rest, "term", "define hate crime")
    return render_answer(ctx.services.glossary.answer(rest, EntryKind.TERM))


def search(ctx: CommandContext, rest: str) -> Outcome:
    if not rest.strip():
        raise InvalidInput("Tell me what to search for.", "For example `/csp search exploitation`.")
    return views.search_reply(rest, ctx.services.glossary.search(rest))


def explain(ctx: CommandContext, rest: str) -> Outcome:
    if not rest.strip():
        raise InvalidInput(
            "Give me some text to explain.",
            "For example `/csp explain MARAC and CPN update`, or use *Explain acronyms* on a message.",
        )
    return views.explain_reply(ctx.services.glossary.explain(rest))


def add(ctx: CommandContext, rest: str) -> Outcome:
    definition = parse_definition(rest)
    if definition.meaning is None:
        ctx.services.glossary.require_curator(ctx.actor)
        return OpenModal(views.entry_form("add", channel_id=ctx.channel_id, key=definition.key))
    entry = ctx.services.glossary.add(ctx.actor, definition.key, definition.meaning)
    return views.entry_saved_reply(entry, "Added")


def edit(ctx: CommandContext, rest: str) -> Outcome:
    definition = parse_definition(rest)
    if not definition.key:
        raise InvalidInput("Which entry should I change?", "Write `/csp glossary edit TERM = new meaning`.")
    if definition.meaning is None:
        ctx.services.glossary.require_curator(ctx.actor)
        entry = ctx.services.glossary.current(definition.key)
        return OpenModal(views.entry_form("edit", channel_id=ctx.channel_id, entry=entry))
    entry = ctx.services.glossary.edit(ctx.actor, definition.key, text=definition.meaning)
    return views.entry_saved_reply(entry, "Updated")


def remove(ctx: CommandContext, rest: str) -> Outcome:
    key = unquote(rest)
    if not key:
        raise InvalidInput("Which entry should I remove?", "Write `/csp glossary remove TERM`.")
    return views.removed_reply(ctx.services.glossary.remove(ctx.actor, key))


def suggest(ctx: CommandContext, rest: str) -> Outcome:
    definition = parse_definition(rest)
    if definition.meaning is None:
        return OpenModal(views.entry_form("suggest", channel_id=ctx.channel_id, key=definition.key))
    return views.suggested_reply(ctx.services.glossary.suggest(ctx.actor, definition.key, definition.meaning))


def pending(ctx: CommandContext, rest: str) -> Outcome:
    return views.pending_reply(ctx.services.glossary.pending(ctx.actor))


def gaps(ctx: CommandContext, rest: str) -> Outcome:
    return views.gaps_reply(ctx.services.glossary.gaps(ctx.actor))


def history(ctx: CommandContext, rest: str) -> Outcome:
    key = unquote(rest)
    if not key:
        raise InvalidInput("Which entry's history?", "Write `/csp glossary history TERM`.")
    stored_key, changes = ctx.services.glossary.history(key)
    return views.history_reply(stored_key, changes)


# ---------------------------------------------------------------------- buttons, form and shortcut


def register(app: App) -> None:
    """Listeners for the glossary's interactive parts. Each acks inline, so answers stay fast."""

    def context_for(services: Services, body: dict[str, Any]) -> CommandContext:
        return CommandContext(
            services=services,
            user_id=body["user"]["id"],
            channel_id=(body.get("channel") or {}).get("id"),
            trigger_id=body.get("trigger_id"),
        )

    @guarded
    def share(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        value = json.loads(body["actions"][0]["value"])
        answer = services.glossary.show(list(value.get("ids", [])), value.get("q", ""))
        if not answer.result.matches:
            respond(**error_reply(UserFacingError("That entry has since been removed.")).message())
            return
        reply = views.answer_reply(answer, shared_by=body["user"]["id"])
        if len(answer.result.matches) > 1 and answer.result.query:
            reply = views.search_reply(answer.result.query, answer.result.matches)
            reply = Reply(text=reply.text, blocks=reply.blocks[:1], in_channel=True)
        respond(**reply.message(), replace_original=False)
        respond(delete_original=True)

    @guarded
    def show(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        entry_id = body["actions"][0]["value"]
        respond(**views.answer_reply(services.glossary.show([entry_id])).message(), replace_original=True)

    @guarded
    def search_button(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        query = body["actions"][0]["value"]
        reply = views.search_reply(query, services.glossary.search(query))
        respond(**reply.message(), replace_original=True)

    @guarded
    def suggest_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        ctx = context_for(services, body)
        form = views.entry_form("suggest", channel_id=ctx.channel_id, key=body["actions"][0].get("value", ""))
        client.views_open(trigger_id=body["trigger_id"], view=form)

    @guarded
    def decide(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        ctx = context_for(services, body)
        action = body["actions"][0]
        approve = action["action_id"] == views.APPROVE
        entry = services.glossary.decide(ctx.actor, action["value"], approve=approve)
        verb = "Approved" if approve else "Rejected"
        respond(**views.entry_saved_reply(entry, verb).message(), replace_original=False)
        respond(**views.pending_reply(services.glossary.pending(ctx.actor)).message(), replace_original=True)

    @guarded
    def undo_remove(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        ctx = context_for(services, body)
        entry = services.glossary.restore(ctx.actor, body["actions"][0]["value"])
        respond(**views.entry_saved_reply(entry, "Restored").message(), replace_original=True)

    def submit_form(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        services = services_of(context)
        metadata = form_metadata(view)
        values = form_values(view)
        ctx = context_for(services, body)
        mode = metadata.get("mode", "suggest")
        kind = EntryKind(values["kind"]) if values.get("kind") in {k.value for k in EntryKind} else None
        key, meaning = values.get("key", ""), values.get("meaning", "")
        entry_context, note = values.get("context", ""), values.get("note", "")
        glossary = services.glossary
        try:
            if mode == "add":
                entry = glossary.add(ctx.actor, key, meaning, kind=kind, context=entry_context, note=note)
            elif mode == "edit":
                ref = metadata.get("id") or key
                entry = glossary.edit(ctx.actor, ref, key=key, text=meaning, context=entry_context, note=note)
            else:
                entry = glossary.suggest(ctx.actor, key, meaning, context=entry_context or None)
        except PersonalDataError as error:
            ack(response_action="errors", errors={"meaning": personal_data_field_error(error)})
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={"key": error.message[:150]})
            return
        ack()
        reply = (
            views.suggested_reply(entry)
            if mode == "suggest"
            else views.entry_saved_reply(entry, "Added" if mode == "add" else "Updated")
        )
        confirm_privately(client, metadata.get("channel"), ctx.user_id, reply)

    @guarded
    def explain_message(ack: Ack, shortcut: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        services = services_of(context)
        ack()
        text = (shortcut.get("message") or {}).get("text") or ""
        respond(**views.explain_reply(services.glossary.explain(text)).message())

    app.action(views.SHARE)(share)
    app.action(re.compile(rf"^{views.SHOW}_\d+$"))(show)
    app.action(views.SEARCH)(search_button)
    app.action(views.SUGGEST_OPEN)(suggest_open)
    app.action(views.APPROVE)(decide)
    app.action(views.REJECT)(decide)
    app.action(views.UNDO_REMOVE)(undo_remove)
    app.view(views.ENTRY_FORM)(guarded(submit_form))
    app.message_shortcut(EXPLAIN_SHORTCUT)(explain_message)
