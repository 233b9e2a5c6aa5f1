"""The reply type every view returns, and the views shared by every feature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from bot.errors import UserFacingError
from bot.privacy import REWRITE_HINT, PersonalDataError
from bot.views.text import clip, escape, markup, mrkdwn, quote

if TYPE_CHECKING:  # a look-up's reply is rendered without the alert service being imported
    from bot.services.alerts import Raised

#: Slack's limit for blocks in one message
MESSAGE_BLOCK_LIMIT = 50


@dataclass(frozen=True)
class Reply:
    """A message: fallback text (for notifications and screen readers) and Block Kit blocks."""

    text: str
    blocks: tuple[Block, ...] = ()
    in_channel: bool = False

    def __post_init__(self) -> None:
        if len(self.blocks) > MESSAGE_BLOCK_LIMIT:
            raise ValueError(f"a message holds at most {MESSAGE_BLOCK_LIMIT} blocks")

    def message(self) -> dict[str, Any]:
        """The body Slack receives (ack, respond or chat.postMessage). Each call returns new top-level
        and block dicts; deeper objects are shared, so callers must not mutate them."""
        return {**self._serialised, "blocks": [dict(b) for b in self._serialised["blocks"]]}

    @cached_property
    def _serialised(self) -> dict[str, Any]:
        # to_dict() validates every object (slack_sdk introspects each with dir()): do it once per reply
        return {
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "text": self.text,
            "blocks": [block.to_dict() for block in self.blocks],
        }


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(p) for p in parts if p])


def person(actor: str | None) -> str:
    """A Slack user as a mention (never a bare ID); the plan and the command line by name."""
    if not actor:
        return "nobody yet"
    if actor[:1] in {"U", "W"} and actor.isalnum():
        return f"<@{actor}>"
    return {"plan": "the plan", "cli": "the command line", "retention": "the retention schedule"}.get(
        actor, escape(actor)
    )


def notice(text: str, hint: str | None = None, *, icon: str = ":information_source:") -> Reply:
    """A short message with an optional hint. Both are already-escaped mrkdwn."""
    blocks: list[Block] = [section(f"{icon} {text}")]
    if hint:
        blocks.append(context(hint))
    return Reply(text=text, blocks=tuple(blocks))


def alert_note(raised: Raised) -> str:
    """What became of the alerts a change raised: queued for a channel, or waiting for one to be set.
    A sentence of its own ("" when nothing was raised), to join on with ``then``."""
    if not raised.alerts:
        return ""
    if raised.channel:
        return f"Alert queued for <#{raised.channel}>."
    return (
        "No alert channel is set, so no alert was posted; it waits until a coordinator sets one"
        " with `/csp alerts channel #channel`."
    )


def error_reply(error: UserFacingError) -> Reply:
    # the app wrote these (with `code` and *bold* meant as such); fragments of input in them are short
    return notice(markup(error.message), markup(error.hint) if error.hint else None, icon=":warning:")


def personal_data_refusal(error: PersonalDataError) -> str:
    """What was seen and where: the kinds, then the sentence with those parts masked (it passed the guard,
    so it may be shown), never the data itself."""
    kinds = _join([f.description for f in error.findings])
    text = (
        f":no_entry: I can't take that: it looks like it contains {kinds}, which must never go into Slack. "
        "Nothing was saved, posted or logged."
    )
    if error.masked:
        text += f"\nWith those parts masked it reads:\n{quote(clip(error.masked, 2500))}"
    return text


def personal_data_reply(error: PersonalDataError) -> Reply:
    """Says what kind of personal data was seen and where, never the data itself."""
    kinds = _join([f.description for f in error.findings])
    return Reply(
        text=f"Not saved: it looks like it contains {kinds}.",
        blocks=(section(personal_data_refusal(error)), context(markup(REWRITE_HINT))),
    )


def personal_data_field_error(error: PersonalDataError) -> str:
    """The same refusal, sized for a form field's error (plain text, under Slack's limit): the kinds and,
    where it fits, the start of the masked sentence."""
    kinds = _join([f.description for f in error.findings])
    message = f"This looks like it contains {kinds}. Nothing was saved."
    if error.masked and len(message) < 110:
        message += f" Try: “{clip(error.masked, 148 - len(message) - 8)}”"
    return message[:150]


def unexpected_error_reply() -> Reply:
    return notice(
        "Something went wrong on our side, and nothing was saved. Please try again in a moment.",
        "If it keeps happening, tell a partnership coordinator.",
        icon=":warning:",
    )


def slack_unavailable_reply() -> Reply:
    return notice(
        "Slack didn't answer just now, so I couldn't finish that. Please try again in a moment.",
        icon=":warning:",
    )


def _join(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
