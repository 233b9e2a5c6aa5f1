"""Turning the text after ``/csp`` into words a handler can use. Pure functions; never raise."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_QUOTES = "\"'“”‘’`"
_DASH = re.compile(r"\s+[-–—]\s+")


# Slack's escaped command text (should_escape: true): <@U123|name>, <#C123|name>, <!channel>, <url|label>
_SLACK_TOKEN = re.compile(r"<((?:[@#][A-Z0-9]+|![a-z^A-Z0-9]+|https?://|mailto:)[^<>]*)>")
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")
_BARE_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    """Control characters (NUL and the like) carry no meaning in a message, and PostgreSQL refuses NUL."""
    return _CONTROL.sub("", text)


def from_slack(text: str) -> str:
    """Slack's escaped text as plain text, keeping user and channel mentions as ``<@U…>`` / ``<#C…>``.

    Special mentions become words ("@channel"), links their URL, and &amp; &lt; &gt; are unescaped:
    everything a handler sees is what the person typed. Output is escaped again by the views.
    """

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return f"<{target}>"
        if target.startswith("#"):
            return f"<{target}>"
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        if target.startswith("mailto:"):
            return target.removeprefix("mailto:")
        return target

    return strip_control(html.unescape(_SLACK_TOKEN.sub(plain, text)))


#: what ``from_slack`` makes of a broadcast mention (<!channel>, <!here>, <!everyone>)
_BROADCAST = re.compile(r"(?<![\w@])@(?:channel|here|everyone)(?![\w-])")


def lookup_words(text: str) -> str:
    """The text of a look-up without broadcast mentions: they address people and name nothing, so
    "<!channel> MARAC" asks about MARAC and a bare "<!channel>" asks about nothing, not the word
    "channel". Text typed literally ("&lt;!channel&gt;") is the person's own words and stays."""
    if not _BROADCAST.search(text):
        return text
    return " ".join(_BROADCAST.sub(" ", text).split())


def user_id_of(token: str) -> str | None:
    """A user from a mention (<@U123>) or a bare ID (U123)."""
    token = token.strip()
    match = USER_MENTION.fullmatch(token)
    if match:
        return match.group(1)
    return token.upper() if _BARE_USER_ID.match(token.upper()) else None


@dataclass(frozen=True)
class Definition:
    key: str
    meaning: str | None


def split_verb(text: str) -> tuple[str, str]:
    """First word (lower-cased) and the rest, with Slack's non-breaking spaces tamed."""
    text = text.replace("\u00a0", " ").strip()
    if not text:
        return "", ""
    head, _, rest = text.partition(" ")
    return head.casefold(), rest.strip()


def unquote(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def parse_definition(text: str) -> Definition:
    """``TERM = meaning`` (or ``TERM - meaning``); a bare ``TERM`` has no meaning yet."""
    text = text.strip()
    parts = text.split("=", 1) if "=" in text else _DASH.split(text, maxsplit=1)
    key = unquote(parts[0])
    meaning = unquote(parts[1]) if len(parts) > 1 else None
    return Definition(key=key, meaning=meaning or None)
