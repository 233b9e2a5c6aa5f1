"""Help, generated from the subcommand table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.views.common import Reply, context, section
from bot.views.text import clip, escape, markup


@dataclass(frozen=True)
class HelpLine:
    usage: str
    summary: str


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
    chosen = [line for line in lines if topic and line.usage.startswith(f"/csp {wanted}")]
    shown = chosen or list(lines)
    blocks.append(HeaderBlock(text="csp-bot: the partnership's glossary"))
    body = "\n".join(f"`{markup(line.usage)}`  {markup(line.summary)}" for line in shown)
    blocks.append(section(body))
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
