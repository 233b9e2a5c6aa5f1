"""Reading a submitted modal, and confirming privately once it is saved."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot.views.common import Reply
from handlers.parsing import strip_control


def form_metadata(view: dict[str, Any]) -> dict[str, Any]:
    return json.loads(view.get("private_metadata") or "{}")


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """Every input's value by block id, whatever its element: typed text, a chosen option or a date."""
    found: dict[str, str] = {}
    for block_id, elements in view["state"]["values"].items():
        element = elements.get("value", {})
        if "selected_option" in element:
            found[block_id] = ((element.get("selected_option") or {}).get("value")) or ""
        elif "selected_date" in element:
            found[block_id] = element.get("selected_date") or ""
        else:
            found[block_id] = strip_control(element.get("value") or "").strip()
    return found


def confirm_privately(client: WebClient, channel_id: str | None, user_id: str, reply: Reply) -> None:
    """A form has no response URL: the confirmation goes to the channel it was opened from, for them alone."""
    if channel_id:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=reply.text, blocks=reply.blocks)
