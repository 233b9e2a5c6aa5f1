"""Turning the text after ``/csp`` into words a handler can use. Pure functions; never raise."""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTES = "\"'“”‘’`"
_DASH = re.compile(r"\s+[-–—]\s+")


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
