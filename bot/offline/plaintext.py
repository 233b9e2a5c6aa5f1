"""Block Kit as a person would read it in a terminal (for ``csp-bot ask`` and ``glossary lookup``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.views.text import unescape

_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(\S(?:[^_\n]*?\S)?)_(?![\w_])")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
_EMOJI = {
    ":warning:": "⚠",
    ":information_source:": "ℹ",
    ":white_check_mark:": "✅",
    ":no_entry:": "⛔",
    ":wastebasket:": "🗑",
    ":inbox_tray:": "📥",
    ":thinking_face:": "🤔",
    ":white_circle:": "⚪",
    ":large_green_circle:": "🟢",
    ":large_orange_circle:": "🟠",
    ":red_circle:": "🔴",
    ":hourglass:": "⌛",
    ":page_facing_up:": "📄",
    ":bust_in_silhouette:": "👤",
    ":mag:": "🔍",
}


def mrkdwn_to_text(text: str) -> str:
    text = _MENTION.sub(r"@\1", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    for code, mark in _EMOJI.items():
        text = text.replace(code, mark)
    return unescape(text)


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return mrkdwn_to_text(obj.get("text", ""))
    return mrkdwn_to_text(str(obj or ""))


def render_blocks(blocks: Iterable[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"))
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"]))
            lines += [_text(f) for f in block.get("fields", [])]
        elif kind == "context":
            lines.append("  " + " ".join(_text(e) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  " + " ".join(f"[{_text(e.get('text'))}]" for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "input":
            element = block.get("element", {})
            value = element.get("initial_value") or ""
            lines.append(f"{_text(block.get('label'))}: {value}".rstrip())
    return "\n".join(lines)


def render_message(message: dict[str, Any]) -> str:
    blocks = message.get("blocks")
    return render_blocks(blocks) if blocks else mrkdwn_to_text(message.get("text", ""))
