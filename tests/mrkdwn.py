"""A strict reader of Slack mrkdwn for tests: finds markup that is unbalanced, nested or stray.

Slack shows broken markup as literal characters (``*Risk R3: rating up, Low ↑ *High**`` shows
its asterisks), so every mrkdwn text the app builds should pass. Code, mentions and links, entities
and emoji codes are set aside first: markup characters inside them are not markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.views.text import BIDI_CONTROLS
from glossary.packs import is_public_body_url

MARKS = "*_~"
_FENCE = re.compile(r"```.*?```", re.DOTALL)
_CODE = re.compile(r"`[^`\n]+`")
#: the only angled tokens the app writes: user mentions and channel links (never <!channel>), and an
#: https link to a UK public body's page named by plain text (a national entry's source; never another)
_ANGLED = re.compile(r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+>")
_LINK = re.compile(r"<(https://[^\s<>|]+)\|[^\s<>|*_~`]+>")
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_QUOTE = re.compile(r"^(?:>|&gt;)")


def without_links(text: str) -> str:
    """The text with the app's own links set aside: typed text cannot make one, as escaping turns its
    ``<`` into ``&lt;``. A link to anywhere but a public body's page stays, and so fails the checks."""
    return _LINK.sub(lambda m: "L" if is_public_body_url(m.group(1)) else m.group(0), text)


def problems(text: str) -> list[str]:
    """What is wrong with the markup in one mrkdwn text (empty when nothing is)."""
    found: list[str] = []
    if text.count("```") % 2:
        found.append("unbalanced ``` fence")
    text = _FENCE.sub("C", text)
    for line in text.split("\n"):
        line = _QUOTE.sub("", line)
        if line.count("`") % 2:
            found.append(f"unbalanced ` in {line!r}")
        line = _ANGLED.sub("L", without_links(_CODE.sub("C", line)))
        if "<" in line or ">" in line:
            found.append(f"raw < or > (a mention or link that is not ours) in {line!r}")
        line = _EMOJI.sub("E", _ENTITY.sub("&", line))
        found += [f"{problem} in {line!r}" for problem in _mark_problems(line)]
    if any(ch in text for ch in BIDI_CONTROLS):
        found.append("a bidi control character")
    return found


def _mark_problems(line: str) -> Iterator[str]:
    """Pair * _ ~ the way Slack does: an opener follows a non-word character and precedes a
    non-space; a closer the reverse. Openers of a mark already open (nesting), crossed pairs,
    stray marks and unclosed ones are all problems."""
    open_marks: list[str] = []
    for i, ch in enumerate(line):
        if ch not in MARKS:
            continue
        before = line[i - 1] if i else " "
        after = line[i + 1] if i + 1 < len(line) else " "
        can_close = not before.isspace() and before not in MARKS and not after.isalnum()
        can_open = not before.isalnum() and before not in MARKS and not after.isspace() and after not in MARKS
        if ch in open_marks and can_close:
            if open_marks[-1] != ch:
                yield f"{ch} closes across {open_marks[-1]}"
            open_marks.remove(ch)
        elif ch in open_marks:
            yield f"{ch} inside {ch}…{ch} (nested or stray)"
        elif can_open:
            open_marks.append(ch)
        else:
            yield f"stray {ch}"
    for ch in open_marks:
        yield f"unclosed {ch}"


def mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every mrkdwn text in a message or view: section text and fields, context elements."""
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_texts(item)


def plain_texts(payload: Any) -> Iterator[str]:
    """Every plain_text text (labels, buttons, headers): Slack shows these as they are."""
    if isinstance(payload, dict):
        if payload.get("type") == "plain_text" and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from plain_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from plain_texts(item)
