"""Glossary views: answers, suggestions, search results, explanations, curation screens and the entry form.

Pure functions from domain objects to Block Kit. Every entry field and every
query is user-supplied (coordinators and suggesters write entries), so all of
it goes through :func:`escape`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.glossary import SUGGESTED_BY, Change, Gap, GlossaryAnswer
from bot.views.common import MESSAGE_BLOCK_LIMIT, Reply, context, notice, person, section
from bot.views.text import clip, day_of, escape, inline_quote, plain, plural, stop, time_and_day
from glossary.index import (
    MAX_EXPLAIN_CHARS,
    MAX_EXPLAIN_WORDS,
    MAX_LOOKUP_CHARS,
    MAX_LOOKUP_WORDS,
    MAX_SEARCH_CHARS,
    MAX_SEARCH_WORDS,
    ExplainedToken,
    first_words,
)
from glossary.model import EntryKind, GlossaryEntry, LookupStatus

# action and callback ids, shared with handlers/glossary.py
SHARE = "glossary_share"
SHOW = "glossary_show"  # suffixed _0.._4: one per "did you mean" button
SEARCH = "glossary_search"
SUGGEST_OPEN = "glossary_suggest_open"
APPROVE = "glossary_approve"
REJECT = "glossary_reject"
UNDO_REMOVE = "glossary_undo_remove"
ENTRY_FORM = "glossary_entry_form"

_DEFINITION_PREVIEW = 280


def _line(entry: GlossaryEntry, *, full: bool = True) -> str:
    text = entry.text if full else clip(entry.text, _DEFINITION_PREVIEW)
    return f"*{escape(entry.key)}*: {escape(text)}"


def _details(entry: GlossaryEntry) -> str:
    parts = [_line(entry)]
    if entry.context:
        parts.append(
            f"_Used by {escape(entry.context)}_"
            if _is_audience(entry.context)
            else f"_{escape(entry.context)}_"
        )
    if entry.note:
        parts.append(f":information_source: {escape(entry.note)}")
    return "\n".join(parts)


def _is_audience(context_text: str) -> bool:
    return context_text.endswith("partners")


def _share_button(ids: Sequence[str], query: str) -> ButtonElement:
    value = json.dumps({"ids": list(ids)[:20], "q": clip(query, 200)}, ensure_ascii=False)
    return ButtonElement(text="Share in channel", action_id=SHARE, value=value)


def _search_button(query: str) -> ButtonElement:
    # the query rides in the value (never rendered); labels carry no user text
    return ButtonElement(text="Search the glossary", action_id=SEARCH, value=clip(query, 200))


def _suggest_button(query: str) -> ButtonElement:
    return ButtonElement(text="Suggest an entry", action_id=SUGGEST_OPEN, value=clip(query, 200))


def _too_long(reply: Reply, text: str, max_words: int, max_chars: int, what: str) -> Reply:
    """The reply with a note first when the index read only the start of ``text`` (the same cut)."""
    _, looked_at = first_words(text, max_words, max_chars)
    if looked_at is None:
        return reply
    note = f"That's too long to {what} whole: I looked at the first {plural(looked_at, 'word')}."
    blocks = reply.blocks
    if len(blocks) < MESSAGE_BLOCK_LIMIT:
        blocks = (context(note), *blocks)
    return Reply(text=f"{reply.text} {note}", blocks=blocks, in_channel=reply.in_channel)


@lru_cache(maxsize=2048)  # a pure function of immutable inputs: the same question gets the same reply
def answer_reply(answer: GlossaryAnswer, *, shared_by: str | None = None) -> Reply:
    """The reply to a look-up: the answer, "did you mean", several candidates, or an honest miss."""
    result = answer.result
    query = result.query.strip()
    if result.status is LookupStatus.FOUND:
        reply = _found(answer, query, shared_by)
    elif result.status is LookupStatus.AMBIGUOUS:
        reply = _ambiguous(answer, query, shared_by)
    elif result.status is LookupStatus.SUGGESTIONS:
        reply = _suggestions(result.suggestions, query)
    else:
        reply = not_found_reply(query)
    return _too_long(reply, result.query, MAX_LOOKUP_WORDS, MAX_LOOKUP_CHARS, "look up")


def _found(answer: GlossaryAnswer, query: str, shared_by: str | None) -> Reply:
    matches = answer.result.matches
    blocks: list[Block] = []
    if answer.result.corrected_from:
        blocks.append(
            context(
                f"Showing *{escape(matches[0].key)}* for “{escape(clip(answer.result.corrected_from, 100))}”."
            )
        )
    same_key = [m for m in matches if m.key.casefold() == matches[0].key.casefold()]
    if len(same_key) > 1:
        blocks.append(section(f"*{escape(matches[0].key)}* has {len(same_key)} meanings:"))
    for entry in matches:
        blocks.append(section(_details(entry)))
        related = answer.related(entry.id)
        if related:
            blocks.append(context("See also: " + "; ".join(_line(r, full=False) for r in related)))
    sources = list(dict.fromkeys(m.source for m in matches))
    footer = f"Source: {' · '.join(_source(s) for s in sources)}"
    if shared_by:
        footer += f" · shared by <@{shared_by}> with /csp"
    blocks.append(context(footer))
    if not shared_by:
        blocks.append(ActionsBlock(elements=[_share_button([m.id for m in matches], query)]))
    first = matches[0]
    return Reply(
        text=f"{escape(first.key)}: {escape(clip(first.text, 300))}",
        blocks=tuple(blocks),
        in_channel=bool(shared_by),
    )


def _source(source: str) -> str:
    """Where an entry came from; a suggester is named as a mention, never as a raw user ID."""
    user = source.removeprefix(SUGGESTED_BY)
    if user != source and user[:1] in {"U", "W"} and user.isalnum():
        return f"{escape(SUGGESTED_BY)}{person(user)}"
    return escape(source)


def _ambiguous(answer: GlossaryAnswer, query: str, shared_by: str | None) -> Reply:
    matches = answer.result.matches
    lines = "\n".join(f"• {_line(m, full=False)}" for m in matches)
    blocks: list[Block] = [section(f"Several entries match *{escape(clip(query, 100))}*:\n{lines}")]
    if shared_by:
        blocks.append(context(f"Shared by <@{shared_by}> with /csp"))
    else:
        blocks.append(
            ActionsBlock(elements=[_share_button([m.id for m in matches], query), _search_button(query)])
        )
    return Reply(
        text=f"Several entries match {escape(clip(query, 100))}: "
        + ", ".join(escape(m.key) for m in matches),
        blocks=tuple(blocks),
        in_channel=bool(shared_by),
    )


def _suggestions(suggestions: Sequence[GlossaryEntry], query: str) -> Reply:
    lines = "\n".join(f"• {_line(s, full=False)}" for s in suggestions)
    buttons = [
        ButtonElement(text=clip(plain(s.key), 75), action_id=f"{SHOW}_{n}", value=s.id)
        for n, s in enumerate(suggestions)
    ]
    blocks: list[Block] = [
        section(f"I couldn't find *{escape(clip(query, 100))}*. Did you mean:\n{lines}"),
        ActionsBlock(elements=[*buttons, _search_button(query)]),
    ]
    names = ", ".join(escape(s.key) for s in suggestions)
    return Reply(
        text=stop("I couldn't find " + escape(clip(query, 100))) + f" Did you mean: {names}?",
        blocks=tuple(blocks),
    )


def not_found_reply(query: str) -> Reply:
    shown = escape(clip(query, 100))
    blocks: list[Block] = [
        section(f"I don't have *{shown}* in the glossary, and nothing close to it."),
        ActionsBlock(elements=[_search_button(query), _suggest_button(query)]),
        context(
            "Misses are counted (never who asked) so coordinators can fill the gaps. `/csp help` lists everything."
        ),
    ]
    return Reply(text=f"I don't have {shown} in the glossary.", blocks=tuple(blocks))


def search_reply(query: str, entries: Sequence[GlossaryEntry]) -> Reply:
    return _too_long(_search_reply(query, entries), query, MAX_SEARCH_WORDS, MAX_SEARCH_CHARS, "search for")


def _search_reply(query: str, entries: Sequence[GlossaryEntry]) -> Reply:
    shown = escape(clip(query, 100))
    if not entries:
        return Reply(
            text=f"Nothing in the glossary mentions {shown}.",
            blocks=(
                section(f"Nothing in the glossary mentions *{shown}*."),
                ActionsBlock(elements=[_suggest_button(query)]),
            ),
        )
    lines = "\n".join(f"• {_line(e, full=False)}" for e in entries)
    count = plural(len(entries), "entry", "entries")
    blocks: list[Block] = [
        section(f"*{count}* for *{shown}*, best first:\n{clip(lines, 2900)}"),
        ActionsBlock(elements=[_share_button([e.id for e in entries], query)]),
    ]
    return Reply(
        text=f"{count} for {shown}: " + ", ".join(escape(e.key) for e in entries), blocks=tuple(blocks)
    )


def explain_reply(found: Sequence[ExplainedToken], message: str = "") -> Reply:
    """The acronyms found; ``message`` (the text explained) lets the reply say when it was too long."""
    return _too_long(_explain_reply(found), message, MAX_EXPLAIN_WORDS, MAX_EXPLAIN_CHARS, "read")


def _explain_reply(found: Sequence[ExplainedToken]) -> Reply:
    if not found:
        return notice("I found no acronyms from the partnership glossary in that message.")
    lines = []
    for item in found:
        meanings = " / ".join(escape(e.text) for e in item.entries)
        lines.append(f"• *{escape(item.token)}*: {meanings}")
    body = clip("\n".join(lines), 2900)
    return Reply(
        text="Acronyms in that message: " + ", ".join(escape(i.token) for i in found),
        blocks=(section(f"*Acronyms in that message*\n{body}"), context("From the partnership glossary.")),
    )


# ---------------------------------------------------------------------- curation


def entry_saved_reply(entry: GlossaryEntry, verb: str) -> Reply:
    return notice(f"{verb} *{escape(entry.key)}*: {escape(clip(entry.text, 500))}", icon=":white_check_mark:")


def removed_reply(entry: GlossaryEntry) -> Reply:
    blocks: tuple[Block, ...] = (
        section(
            f":wastebasket: Removed *{escape(entry.key)}* ({escape(clip(entry.text, 200))}). History keeps it."
        ),
        ActionsBlock(elements=[ButtonElement(text="Undo", action_id=UNDO_REMOVE, value=entry.id)]),
    )
    return Reply(text=stop(f"Removed {escape(entry.key)}"), blocks=blocks)


def suggested_reply(entry: GlossaryEntry) -> Reply:
    return notice(
        f"Thanks: *{escape(entry.key)}* is waiting for a coordinator to review it.",
        "Coordinators see it with `/csp glossary pending`.",
        icon=":inbox_tray:",
    )


def pending_reply(pending: Sequence[tuple[GlossaryEntry, str]]) -> Reply:
    if not pending:
        return notice("No suggestions are waiting for review.")
    blocks: list[Block] = [section(f"*{plural(len(pending), 'suggestion')} to review*")]
    for entry, by in pending[:15]:
        blocks.append(section(f"{_line(entry, full=False)}\n_suggested by_ {person(by)}"))
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="Approve", action_id=APPROVE, value=entry.id, style="primary"),
                    ButtonElement(text="Reject", action_id=REJECT, value=entry.id, style="danger"),
                ]
            )
        )
    return Reply(text=f"{plural(len(pending), 'glossary suggestion')} to review", blocks=tuple(blocks))


def gaps_reply(gaps: Sequence[Gap]) -> Reply:
    if not gaps:
        return notice("No gaps: everything people looked up was found.")
    lines = "\n".join(
        f"• *{escape(clip(g.query, 80))}*: {plural(g.count, 'time')}, last {day_of(g.last_seen)}"
        for g in gaps
    )
    return Reply(
        text="What people looked for and didn't find",
        blocks=(
            section(f"*What people looked for and didn't find*\n{lines}"),
            context("Fill one with `/csp glossary add TERM = meaning`; it then drops off this list."),
        ),
    )


def history_reply(key: str, changes: Sequence[Change]) -> Reply:
    if not changes:
        return notice(f"*{escape(key)}* has no recorded changes.")
    lines = []
    for change in changes:
        what = _describe_change(change)
        lines.append(
            f"• {time_and_day(change.at)}: *{escape(change.action)}* by {person(change.actor)}{what}"
        )
    return Reply(
        text=f"History of {escape(key)}",
        blocks=(section(f"*History of {escape(key)}*, newest first\n{clip(chr(10).join(lines), 2900)}"),),
    )


def _describe_change(change: Change) -> str:
    before, after = change.before or {}, change.after or {}
    if before and after and before.get("text") != after.get("text"):
        return f": {_quoted(before)} → {_quoted(after)}"
    if not before and after:
        return f": {_quoted(after)}"
    return ""


def _quoted(snapshot: dict) -> str:
    return inline_quote(clip(str(snapshot.get("text")), 120))


# ---------------------------------------------------------------------- the entry form


def entry_form(
    mode: str,
    *,
    channel_id: str | None,
    entry: GlossaryEntry | None = None,
    key: str = "",
    meaning: str = "",
) -> View:
    """The modal for adding, editing or suggesting an entry (long definitions fit here)."""
    titles = {"add": "Add to glossary", "edit": "Edit glossary entry", "suggest": "Suggest an entry"}
    metadata = json.dumps({"mode": mode, "id": entry.id if entry else None, "channel": channel_id})
    blocks: list[Block] = [
        InputBlock(
            block_id="key",
            label="Acronym or term",
            element=PlainTextInputElement(
                action_id="value", initial_value=(entry.key if entry else key)[:120] or None, max_length=120
            ),
        ),
        InputBlock(
            block_id="meaning",
            label="What it stands for or means",
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                initial_value=(entry.text if entry else meaning)[:3000] or None,
                max_length=3000,
            ),
        ),
        InputBlock(
            block_id="context",
            label="Context (for a second meaning)",
            optional=True,
            hint="e.g. health partners",
            element=PlainTextInputElement(
                action_id="value", initial_value=(entry.context if entry else None), max_length=200
            ),
        ),
    ]
    if mode != "suggest":
        blocks.append(
            InputBlock(
                block_id="kind",
                label="Kind",
                optional=True,
                element=StaticSelectElement(
                    action_id="value",
                    options=[Option(value=k.value, label=k.value.title()) for k in EntryKind],
                    initial_option=Option(value=entry.kind.value, label=entry.kind.value.title())
                    if entry
                    else None,
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id="note",
                label="Note",
                optional=True,
                hint="Where the plan's wording differs from national usage",
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    initial_value=(entry.note if entry else None),
                    max_length=1000,
                ),
            )
        )
    blocks.append(DividerBlock())
    blocks.append(
        context("No names, addresses or case details: the glossary is read by the whole partnership.")
    )
    return View(
        type="modal",
        callback_id=ENTRY_FORM,
        title=PlainTextObject(text=titles[mode]),
        submit=PlainTextObject(text="Save" if mode != "suggest" else "Suggest"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    )


# ---------------------------------------------------------------------- asked in a thread or a DM


def in_conversation(reply: Reply) -> Reply:
    """A look-up's reply as the bot's own message in a thread or a DM: already where the asker chose to
    ask, so without *Share in channel* (its "did you mean" and search buttons still work in place)."""
    blocks: list[Block] = []
    for block in reply.blocks:
        if isinstance(block, ActionsBlock):
            kept = [e for e in block.elements if getattr(e, "action_id", None) != SHARE]
            if not kept:
                continue
            if len(kept) != len(block.elements):
                block = ActionsBlock(elements=kept)
        blocks.append(block)
    return Reply(text=reply.text, blocks=tuple(blocks), in_channel=True)


def chat_help_reply(*, in_channel: bool) -> Reply:
    """The short line for a message that asks the glossary nothing ("hi", "thanks")."""
    ask = "@csp-bot what does MARAC stand for?" if in_channel else "what does MARAC stand for?"
    return notice(
        f"Ask me about the partnership's jargon: `{ask}`, `what is a CPN`, `define hate crime` "
        "or `search exploitation`.",
        "`/csp help` lists everything else. Never post names, addresses or case details in Slack.",
        icon=":wave:",
    )
