"""Help, generated from the subcommand table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.views.common import Reply, context, section
from bot.views.text import clip, escape, markup


@dataclass(frozen=True)
class HelpLine:
    usage: str
    summary: str
    group: str = ""  # the heading it is listed under


#: a little under Slack's 3,000-character limit for a section's text
SECTION_CHARS = 2900


def help_reply(
    lines: Sequence[HelpLine],
    *,
    topic: str | None = None,
    did_you_mean: str | None = None,
    note: str | None = None,
) -> Reply:
    blocks: list[Block] = []
    if did_you_mean:
        blocks.append(section(f":thinking_face: Did you mean `/csp {escape(clip(did_you_mean, 200))}`?"))
    wanted = topic.strip().lower().rstrip("s") if topic else ""
    chosen = [
        line
        for line in lines
        if wanted
        and (
            line.usage.startswith(f"/csp {wanted}")
            or wanted in {word.rstrip("s") for word in re.findall(r"\w+", line.group.lower())}
        )
    ]
    shown = chosen or list(lines)
    blocks.append(HeaderBlock(text="csp-bot: what you can ask"))
    # one section a group under its heading, so forty commands read as six short lists; a section holds
    # at most 3,000 characters, so a longer group fills as many as it needs
    groups: dict[str, list[HelpLine]] = {}
    for line in shown:
        groups.setdefault(line.group, []).append(line)
    for group, members in groups.items():
        chunk: list[str] = [f"*{markup(group)}*"] if group else []
        for entry in (f"`{markup(line.usage)}`  {markup(line.summary)}" for line in members):
            if chunk and sum(len(c) + 1 for c in chunk) + len(entry) > SECTION_CHARS:
                blocks.append(section("\n".join(chunk)))
                chunk = []
            chunk.append(entry)
        if chunk:
            blocks.append(section("\n".join(chunk)))
    if note:
        blocks.append(section(markup(note)))
    blocks.append(
        context(
            "Answers are private to you; *Share in channel* posts one for everyone. "
            "Right-click a message → *Explain acronyms* to expand the acronyms in it."
        )
    )
    text = markup("csp-bot help: " + "; ".join(line.usage for line in shown) + (f". {note}" if note else ""))
    if did_you_mean:  # escaped once, as the person typed it
        text = f"Did you mean /csp {escape(clip(did_you_mean, 200))}? " + text
    return Reply(text=text, blocks=tuple(blocks))
