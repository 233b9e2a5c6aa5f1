"""Glossary handlers: parse, call the glossary service, render. Slack listeners for its buttons and form."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.container import Services
from bot.errors import InvalidInput, UserFacingError
from bot.services.glossary import GlossaryAnswer, GlossaryService
from bot.views import glossary as views
from bot.views.common import Reply, error_reply
from glossary.model import EntryKind, GlossaryEntry
from handlers.context import CommandContext, OpenModal, Outcome, interaction_context, services_of
from handlers.forms import Form, read_form, save_form
from handlers.parsing import lookup_words, parse_definition, unquote

#: the message shortcut's callback id, also in app-manifest.yml
EXPLAIN_SHORTCUT = "explain_acronyms"
#: look-ups and searches up to this long have their reply remembered (``GlossaryService.remembered``)
REMEMBERED_CHARS = 200

# ---------------------------------------------------------------------- subcommands


def render_answer(answer: GlossaryAnswer) -> Reply:
    return views.answer_reply(answer)


def answer_and_reply(
    glossary: GlossaryService, query: str, prefer: EntryKind | None = None
) -> tuple[GlossaryAnswer, Reply]:
    """A look-up and its rendered reply, not counted (the caller counts it: ``GlossaryService.count``).
    Both depend only on the query and the glossary's version, so a question asked again with the
    glossary unchanged gets both from memory; a query refused for personal data keeps nothing."""

    def answered() -> tuple[GlossaryAnswer, Reply]:
        answer = glossary.answer(query, prefer, count=False)
        return answer, render_answer(answer)

    if len(query) > REMEMBERED_CHARS:
        return answered()
    return glossary.remembered(("answer", query, prefer), answered)


def _counted_reply(glossary: GlossaryService, query: str, prefer: EntryKind) -> Reply:
    answer, reply = answer_and_reply(glossary, query, prefer)
    glossary.count(answer.result)
    return reply


def _needs(rest: str, what: str, example: str) -> None:
    if not rest.strip():
        raise InvalidInput(f"Tell me which {what} to look up.", f"For example `/csp {example}`.")


def acronym(ctx: CommandContext, rest: str) -> Outcome:
    rest = lookup_words(rest)
    _needs(rest, "acronym", "acronym MARAC")
    return _counted_reply(ctx.services.glossary, rest, EntryKind.ACRONYM)


def define(ctx: CommandContext, rest: str) -> Outcome:
    rest = lookup_words(rest)
    _needs(rest, "term", "define hate crime")
    return _counted_reply(ctx.services.glossary, rest, EntryKind.TERM)


def search(ctx: CommandContext, rest: str) -> Outcome:
    rest = lookup_words(rest)
    if not rest.strip():
        raise InvalidInput("Tell me what to search for.", "For example `/csp search exploitation`.")
    glossary = ctx.services.glossary
    reply = partial(_search_reply, glossary, rest)
    # the same words searched again, with the glossary unchanged, get the reply already rendered
    return glossary.remembered(("search", rest), reply) if len(rest) <= REMEMBERED_CHARS else reply()


def _search_reply(glossary: GlossaryService, query: str) -> Reply:
    return views.search_reply(query, glossary.search(query))


def explain(ctx: CommandContext, rest: str) -> Outcome:
    if not rest.strip():
        raise InvalidInput(
            "Give me some text to explain.",
            "For example `/csp explain MARAC and CPN update`, or use *Explain acronyms* on a message.",
        )
    explanation = ctx.services.glossary.explain_text(rest)
    return views.explain_reply(explanation.found, rest, explanation.unknown)


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


def packs(ctx: CommandContext, rest: str) -> Outcome:
    """`/csp glossary packs` lists them; `/csp glossary packs on|off NAME` switches one (coordinators)."""
    words = unquote(rest).split()
    glossary = ctx.services.glossary
    if not words:
        return views.packs_reply(glossary.packs())
    switch, name = words[0].lower(), " ".join(words[1:])
    if switch not in {"on", "off"} or not name:
        raise InvalidInput(
            "Say which pack to switch on or off.", "For example `/csp glossary packs off uk-national`."
        )
    switched = glossary.set_pack(ctx.actor, name, enabled=switch == "on")
    return views.packs_reply(glossary.packs(), switched=switched)


def history(ctx: CommandContext, rest: str) -> Outcome:
    key = unquote(rest)
    if not key:
        raise InvalidInput("Which entry's history?", "Write `/csp glossary history TERM`.")
    stored_key, changes = ctx.services.glossary.history(key)
    return views.history_reply(stored_key, changes)


# ---------------------------------------------------------------------- buttons, form and shortcut


# Plain functions, wired up in handlers/registry.py. Each acks inline, so answers stay fast.


def share(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Share in channel* under an answer (block_actions): ids and query."""
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


def picked_answer(services: Services, body: dict[str, Any]) -> GlossaryAnswer:
    """The entry a "did you mean" button names (its value: the entry's id and the query, as JSON; older
    messages: the id alone). A pick answered the query after all, so it is no gap."""
    value = str(body["actions"][0].get("value") or "")
    try:
        picked = json.loads(value) if value.startswith("{") else {"id": value}
    except ValueError:
        picked = {}
    answer = services.glossary.show([str(picked.get("id", ""))])
    if answer.result.matches and picked.get("q"):
        services.glossary.picked(str(picked["q"]))
    return answer


def show(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on one of the "did you mean" keys (block_actions); its value, the entry's id
    and the query (older messages: the id alone)."""
    services = services_of(context)
    ack()
    reply = _in_place(body, views.answer_reply(picked_answer(services, body)))
    respond(**reply.message(), replace_original=True)


def search_button(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Search the glossary* (block_actions); its value, the query."""
    services = services_of(context)
    ack()
    query = body["actions"][0]["value"]
    reply = _in_place(body, views.search_reply(query, services.glossary.search(query)))
    respond(**reply.message(), replace_original=True)


def _in_place(body: dict[str, Any], reply: Reply) -> Reply:
    """Under the bot's own answer in a thread or a DM (not an ephemeral reply), the new answer replaces
    it there for everyone, so it has no *Share in channel* button."""
    if (body.get("container") or {}).get("is_ephemeral") is False:
        return views.in_conversation(reply)
    return reply


def suggest_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: a click on *Suggest an entry* after a miss, or *Suggest IDVA* under an explanation
    (block_actions); its value, the missed key."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    form = views.entry_form("suggest", channel_id=ctx.channel_id, key=body["actions"][0].get("value", ""))
    client.views_open(trigger_id=body["trigger_id"], view=form)


def decide(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Approve* or *Reject* under a pending suggestion (block_actions)."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    action = body["actions"][0]
    approve = action["action_id"] == views.APPROVE
    entry = services.glossary.decide(ctx.actor, action["value"], approve=approve)
    verb = "Approved" if approve else "Rejected"
    respond(**views.entry_saved_reply(entry, verb).message(), replace_original=False)
    respond(**views.pending_reply(services.glossary.pending(ctx.actor)).message(), replace_original=True)


def undo_remove(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Undo* after a removal (block_actions); its value, the entry's id."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    entry = services.glossary.restore(ctx.actor, body["actions"][0]["value"])
    respond(**views.entry_saved_reply(entry, "Restored").message(), replace_original=True)


def pack_adopt(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Adopt into our glossary* under a national answer (block_actions); its
    value, the pack entry's reference (``uk-national:idva``)."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    entry = services.glossary.adopt(ctx.actor, body["actions"][0]["value"])
    respond(**views.entry_saved_reply(entry, "Adopted").message(), replace_original=False)


def pack_hide(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: a click on *Hide for us* under a national answer (block_actions); its value, the
    pack entry's reference."""
    services = services_of(context)
    ack()
    ctx = interaction_context(services, body)
    entry = services.glossary.hide(ctx.actor, body["actions"][0]["value"])
    respond(**views.hidden_reply(entry).message(), replace_original=True)


def submit_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Slack sends: the entry form, submitted (view_submission); its metadata says add, edit or suggest."""
    form = read_form(body, view, client, context)
    mode = form.metadata.get("mode", "suggest")

    def render(entry: GlossaryEntry) -> Reply:
        if mode == "suggest":
            return views.suggested_reply(entry)
        return views.entry_saved_reply(entry, "Added" if mode == "add" else "Updated")

    save = partial(_save_entry, mode=mode)
    save_form(ack, form, save, render=render, personal_data_field="meaning", error_field="key")


def _save_entry(form: Form, *, mode: str) -> GlossaryEntry:
    values, glossary, actor = form.values, form.ctx.services.glossary, form.ctx.actor
    kind = EntryKind(values["kind"]) if values.get("kind") in {k.value for k in EntryKind} else None
    key, meaning = values.get("key", ""), values.get("meaning", "")
    entry_context, note = values.get("context", ""), values.get("note", "")
    if mode == "add":
        return glossary.add(actor, key, meaning, kind=kind, context=entry_context, note=note)
    if mode == "edit":
        ref = form.metadata.get("id") or key
        return glossary.edit(actor, ref, key=key, text=meaning, context=entry_context, note=note)
    return glossary.suggest(actor, key, meaning, context=entry_context or None)


def explain_message(ack: Ack, shortcut: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Slack sends: the *Explain acronyms* message shortcut (message_action), with the message's text."""
    services = services_of(context)
    ack()
    text = (shortcut.get("message") or {}).get("text") or ""
    explanation = services.glossary.explain_text(text)
    respond(**views.explain_reply(explanation.found, text, explanation.unknown).message())
