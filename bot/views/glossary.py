"""Glossary views: answers, suggestions, search results, explanations, curation screens and the entry form.

Pure functions from domain objects to Block Kit. Every entry field and every
query is user-supplied (coordinators and suggesters write entries), so all of
it goes through :func:`escape`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote

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

from bot.services.glossary import SUGGESTED_BY, Change, Gap, GlossaryAnswer, PackStatus
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
from glossary.packs import PackEntry

# action and callback ids, shared with handlers/glossary.py
SHARE = "glossary_share"
SHOW = "glossary_show"  # suffixed _0.._4: one per "did you mean" button
SEARCH = "glossary_search"
SUGGEST_OPEN = "glossary_suggest_open"
APPROVE = "glossary_approve"
REJECT = "glossary_reject"
UNDO_REMOVE = "glossary_undo_remove"
ENTRY_FORM = "glossary_entry_form"
PACK_ADOPT = "glossary_pack_adopt"  # suffixed _0.._n: one per national entry shown
PACK_HIDE = "glossary_pack_hide"  # likewise
SUGGEST_UNKNOWN = "glossary_suggest_unknown"  # suffixed _0.._4: one per acronym nobody knows

#: the label on every answer that comes from a pack rather than the partnership's glossary
NATIONAL_LABEL = "National usage, not in the partnership's glossary"
#: at most this many Suggest buttons under an explanation
MAX_SUGGEST_BUTTONS = 5

_DEFINITION_PREVIEW = 280


def _line(entry: GlossaryEntry, *, full: bool = True) -> str:
    text = entry.text if full else clip(entry.text, _DEFINITION_PREVIEW)
    line = f"*{escape(entry.key)}*: {escape(text)}"
    if not full and isinstance(entry, PackEntry):
        line += " _(national usage)_"
    return line


def _ref_of(entry: GlossaryEntry) -> str:
    """What a button carries to name an entry: a pack entry's reference, else the entry's id."""
    return entry.ref if isinstance(entry, PackEntry) else entry.id


def _national_source(entry: PackEntry) -> str:
    # the link text is the page's host, so a reader sees whose page it is before opening it
    return f"{NATIONAL_LABEL}; source: <{_link_target(entry.source)}|{escape(entry.source_host)}>"


def _link_target(url: str) -> str:
    """A URL as a Slack link's target: nothing in it can end the link (``|``, ``>``) or open markup
    around it; ``&`` is written as Slack's entity."""
    return quote(url, safe=":/?#@!$'()+,;=%-.~&").replace("&", "&amp;")


def _details(entry: GlossaryEntry) -> str:
    parts = [_line(entry)]
    if isinstance(entry, PackEntry):
        if entry.definition:
            parts.append(escape(entry.definition))
        if entry.historic:
            parts.append(f":hourglass: _No longer exists._ {escape(entry.historic)}")
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


def _pack_buttons(entry: PackEntry, number: int) -> ActionsBlock:
    """Adopt and Hide under a national answer; the service decides who may use them."""
    return ActionsBlock(
        elements=[
            ButtonElement(
                text="Adopt into our glossary", action_id=f"{PACK_ADOPT}_{number}", value=entry.ref
            ),
            ButtonElement(text="Hide for us", action_id=f"{PACK_HIDE}_{number}", value=entry.ref),
        ]
    )


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
    if answer.result.differs:
        # found by its words, with one changed or left out: say how the entry's name differs
        blocks.append(context(f"Closest name in the glossary: {escape('; '.join(answer.result.differs))}."))
    same_key = [m for m in matches if m.key.casefold() == matches[0].key.casefold()]
    if len(same_key) > 1:
        blocks.append(section(f"*{escape(matches[0].key)}* has {len(same_key)} meanings:"))
    national = 0
    for entry in matches:
        blocks.append(section(_details(entry)))
        related = answer.related(_ref_of(entry))
        own: list[GlossaryEntry] = []
        if isinstance(entry, PackEntry):
            blocks.append(context(_national_source(entry)))
            # the partnership's own entries with this key: its words are the ones it uses
            own = [
                r
                for r in related
                if not isinstance(r, PackEntry) and r.key.casefold() == entry.key.casefold()
            ]
            if own:
                lines = "; ".join(_line(r, full=False) for r in own)
                blocks.append(context(f"The partnership's glossary has its own: {lines}"))
        others = [r for r in related if r not in own]
        if others:
            blocks.append(context("See also: " + "; ".join(_line(r, full=False) for r in others)))
        if isinstance(entry, PackEntry) and not shared_by:
            blocks.append(_pack_buttons(entry, national))
            national += 1
    partnership_matches = [m for m in matches if not isinstance(m, PackEntry)]
    sources = list(dict.fromkeys(m.source for m in partnership_matches))
    footer = f"Source: {' · '.join(_source(s) for s in sources)}" if sources else ""
    if shared_by:
        footer += f"{' · ' if footer else ''}shared by <@{shared_by}> with /csp"
    if footer:
        blocks.append(context(footer))
    if not shared_by:
        blocks.append(ActionsBlock(elements=[_share_button([_ref_of(m) for m in matches], query)]))
    first = matches[0]
    label = f" ({NATIONAL_LABEL})" if isinstance(first, PackEntry) else ""
    return Reply(
        text=f"{escape(first.key)}: {escape(clip(first.text, 300))}{label}",
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
            ActionsBlock(
                elements=[_share_button([_ref_of(m) for m in matches], query), _search_button(query)]
            )
        )
    return Reply(
        text=f"Several entries match {escape(clip(query, 100))}: "
        + ", ".join(escape(m.key) for m in matches),
        blocks=tuple(blocks),
        in_channel=bool(shared_by),
    )


def _button_label(entry: GlossaryEntry) -> str:
    # the plan's PPO and the nation's PPO are different things: their buttons must not read the same
    label = clip(plain(entry.key), 60)
    return f"{label} (national)" if isinstance(entry, PackEntry) else label


def _suggestions(suggestions: Sequence[GlossaryEntry], query: str) -> Reply:
    lines = "\n".join(f"• {_line(s, full=False)}" for s in suggestions)
    buttons = [
        # the query rides along, so that a pick can tell the gaps list the question was answered
        ButtonElement(
            text=_button_label(s),
            action_id=f"{SHOW}_{n}",
            value=json.dumps({"id": _ref_of(s), "q": clip(query, 200)}, ensure_ascii=False),
        )
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
        ActionsBlock(elements=[_share_button([_ref_of(e) for e in entries], query)]),
    ]
    return Reply(
        text=f"{count} for {shown}: " + ", ".join(escape(e.key) for e in entries), blocks=tuple(blocks)
    )


def explain_reply(found: Sequence[ExplainedToken], message: str = "", unknown: Sequence[str] = ()) -> Reply:
    """The acronyms found and those nobody knows; ``message`` (the text explained) lets the reply say
    when it was too long."""
    return _too_long(
        _explain_reply(tuple(found), tuple(unknown)), message, MAX_EXPLAIN_WORDS, MAX_EXPLAIN_CHARS, "read"
    )


def _explain_reply(found: tuple[ExplainedToken, ...], unknown: tuple[str, ...]) -> Reply:
    if not found and not unknown:
        return notice("I found no acronyms from the partnership glossary in that message.")
    blocks: list[Block] = []
    national = False
    if found:
        lines = []
        for item in found:
            meanings = " / ".join(escape(e.text) for e in item.entries)
            mark = ""
            if any(isinstance(e, PackEntry) for e in item.entries):
                mark, national = " _(national usage)_", True
            lines.append(f"• *{escape(item.token)}*: {meanings}{mark}")
        blocks.append(section(f"*Acronyms in that message*\n{clip(chr(10).join(lines), 2900)}"))
        where = "From the partnership glossary."
        if national:
            where = (
                "From the partnership glossary; those marked _national usage_ are not in it, "
                "but from the national pack (`/csp glossary packs`)."
            )
        blocks.append(context(where))
    if unknown:
        names = _and([f"*{escape(t)}*" for t in unknown])
        blocks.append(section(f"{names}: not in the glossary."))
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=clip(f"Suggest {plain(t)}", 75),
                        action_id=f"{SUGGEST_UNKNOWN}_{n}",
                        value=clip(t, 120),
                    )
                    for n, t in enumerate(unknown[:MAX_SUGGEST_BUTTONS])
                ]
            )
        )
    text = "Acronyms in that message: " + ", ".join(escape(i.token) for i in found) if found else ""
    if unknown:
        text = f"{text}{'. ' if text else ''}Not in the glossary: " + ", ".join(escape(t) for t in unknown)
    return Reply(text=text, blocks=tuple(blocks))


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def packs_reply(packs: Sequence[PackStatus], *, switched: tuple[PackStatus, bool] | None = None) -> Reply:
    """The glossary packs and whether each answers here; after a switch, what changed first."""
    blocks: list[Block] = []
    lead = ""
    if switched is not None:
        status, changed = switched
        state = "on" if status.enabled else "off"
        lead = f"*{escape(status.name)}* is {'now' if changed else 'already'} {state}."
        blocks.append(section(f":white_check_mark: {lead}"))
    if not packs:
        return notice("No glossary packs are installed.")
    lines = []
    for pack in packs:
        hidden = f", {plural(pack.hidden, 'entry', 'entries')} hidden" if pack.hidden else ""
        state = "on" if pack.enabled else "off"
        lines.append(
            f"• *{escape(pack.name)}* ({state}): {escape(pack.title)}, {plural(pack.entries, 'entry', 'entries')}{hidden}"
        )
    blocks.append(section("*Glossary packs*\n" + "\n".join(lines)))
    blocks.append(
        context(
            "A pack answers only where the partnership's glossary has nothing, labelled as national usage. "
            "Coordinators switch one with `/csp glossary packs on|off NAME`."
        )
    )
    text = lead or "Glossary packs: " + ", ".join(
        f"{escape(p.name)} ({'on' if p.enabled else 'off'})" for p in packs
    )
    return Reply(text=text, blocks=tuple(blocks))


def hidden_reply(entry: GlossaryEntry) -> Reply:
    return notice(
        f"Hidden: the national entry *{escape(entry.key)}* no longer answers for this partnership.",
        "Adopt it instead if the partnership uses it: its own glossary always answers first.",
        icon=":see_no_evil:",
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
