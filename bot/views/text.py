"""Text for mrkdwn: the one escape every piece of user-supplied text passes through, and the
small phrasing helpers (times, counts, names) every view shares so they read the same everywhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from slack_sdk.models.blocks import MarkdownTextObject

from bot.clock import LONDON

#: bidirectional controls: they can reverse what a reader sees ("deR" reads as "Red")
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# Slack's mrkdwn has no backslash escape, so the style characters become lookalikes: the
# words still read as typed, and no *bold*, _italic_, ~strike~ or `code` can form from them.
LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
#: a ">" opening a line would start a block quote
QUOTE_LOOKALIKE = "\u203a"

_INERT = str.maketrans({**LOOKALIKES, **dict.fromkeys(BIDI_CONTROLS)})
_BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS))
#: the start of a line (after any break Slack might honour) and blank or invisible characters
_LINE_START = r"(?:^|(?<=[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]))([\s\u200b\u200c\u200d\u2060\ufeff]*)"
_LINE_START_QUOTE = re.compile(_LINE_START + ">")
_LINE_START_LOOKALIKE = re.compile(_LINE_START + QUOTE_LOOKALIKE)
_PLAN_BOLD = re.compile(r"\*\*(.+?)\*\*")
_SENTENCE_END = re.compile(r"[.!?…:;]$")
_ENTITY_END = re.compile(r"&\w+;$")


def escape(text: str) -> str:
    """User text made inert for mrkdwn: it reads as typed but can never style, link, ping or reorder.

    "&", "<" and ">" become entities, so no mention (<!channel>, <@U…>) or link can form; the style
    characters become lookalikes; a line-opening ">" cannot quote; bidi controls are dropped.
    """
    text = _LINE_START_QUOTE.sub(r"\1" + QUOTE_LOOKALIKE, text.translate(_INERT))
    return _entities(text)


def quote(text: str) -> str:
    """User text as a block quote, every line of it, so it reads as someone's words."""
    return "\n".join(">" + escape(line) for line in text.strip().splitlines() or [""])


def inline_quote(text: str) -> str:
    """User text in “quotes” on one line (a list item or a history line): it cannot start a line of its own."""
    return f"“{escape(' '.join(text.split()))}”"


def plain(text: str) -> str:
    """User text for a plain_text field (a button label): no markup is read there, but bidi controls
    would still reorder it."""
    return text.translate(_BIDI)


def markup(text: str) -> str:
    """Text the app wrote (an error message, a usage hint) keeps its own mrkdwn; it still must not
    ping anyone or carry bidi controls, as it may quote a fragment of what someone typed."""
    return _entities(text.translate(_BIDI))


def plan_text(text: str) -> str:
    """The plan's own text: its **bold** markers shown as Slack bold, everything else escaped."""
    parts = _PLAN_BOLD.split(text)  # odd positions are the bold runs
    return "".join(
        f"*{escape(p.strip())}*" if i % 2 and p.strip() else escape(f"**{p}**" if i % 2 else p)
        for i, p in enumerate(parts)
    )


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Escaped text as it was typed (bidi controls aside), for the terminal, which has no mrkdwn.
    A lookalike someone typed themselves comes back as the plain character: harmless in a terminal."""
    for original, lookalike in LOOKALIKES.items():
        text = text.replace(lookalike, original)
    text = _LINE_START_LOOKALIKE.sub(r"\1>", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: str) -> MarkdownTextObject:
    """mrkdwn with Slack's auto-linking of names and mentions turned off."""
    return MarkdownTextObject(text=text, verbatim=True)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------- phrasing


def local_time(moment: datetime) -> datetime:
    """A stored moment on the partnership's clock (Europe/London, so summer is BST, not UTC).
    SQLite hands back UTC timestamps without their zone, so a naive one is read as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def time_and_day(moment: datetime) -> str:
    """ "14:05 on 1 Jul 2026", London time."""
    return f"{local_time(moment):%H:%M on %-d %b %Y}"


def day_of(moment: datetime) -> str:
    """ "1 Jul 2026": the London date of a moment (23:30 UTC in summer is already tomorrow)."""
    return f"{local_time(moment):%-d %b %Y}"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """ "1 red action", "2 red actions"; irregular plurals are given: plural(n, "entry", "entries")."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def name_and_detail(name: str, detail: str | None) -> str:
    """ "TVP (Thames Valley Police)", but once when both say the same ("TVP", not "TVP (TVP)"). Escaped."""
    if not detail or detail.strip().casefold() == name.strip().casefold():
        return escape(name)
    return f"{escape(name)} ({escape(detail)})"


def stop(sentence: str) -> str:
    """A sentence with one full stop at its end, even when it ends in the user's own "." ("W.D.C.")."""
    sentence = sentence.rstrip()
    ended = _SENTENCE_END.search(sentence) and not _ENTITY_END.search(sentence)  # "&gt;" is not a stop
    return sentence if ended or not sentence else sentence + "."


def then(sentence: str, more: str) -> str:
    """Two phrases on one line, with one stop between them: "burglary. Reason: …", never "burglary.: …"."""
    if not sentence.strip() or not more:
        return sentence.rstrip() or more
    return f"{stop(sentence)} {more}"
