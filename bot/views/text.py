"""The one escape function every piece of user-supplied text passes through."""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownTextObject


def escape(text: str) -> str:
    """Slack's three control characters, and only those: "&" first, then "<" and ">".

    Every mention (<!channel>, <@U…>, <#C…>) and link needs a literal "<", so
    escaped text can never ping anyone.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> MarkdownTextObject:
    """mrkdwn with Slack's auto-linking of names and mentions turned off."""
    return MarkdownTextObject(text=text, verbatim=True)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
