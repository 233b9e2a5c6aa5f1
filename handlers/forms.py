"""Reading a submitted modal, saving it, and confirming privately once it is saved."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.errors import UserFacingError
from bot.privacy import PersonalDataError
from bot.views.common import Reply, personal_data_field_error
from handlers.context import CommandContext, services_of
from handlers.parsing import strip_control

Saved = TypeVar("Saved")


def form_metadata(view: dict[str, Any]) -> dict[str, Any]:
    return json.loads(view.get("private_metadata") or "{}")


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """Every input's value by block id, whatever its element: typed text, a chosen option or a date."""
    found: dict[str, str] = {}
    for block_id, elements in view["state"]["values"].items():
        element = elements.get("value", {})
        if "selected_options" in element:  # a multi-select: its values joined with ";"
            found[block_id] = ";".join(o.get("value", "") for o in element.get("selected_options") or [])
        elif "selected_option" in element:
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


@dataclass(frozen=True)
class Form:
    """A submitted modal, read: who sent it (``ctx``, whose channel is the one the form was opened
    from), what the form carried in its private metadata, and every input's value."""

    ctx: CommandContext
    metadata: dict[str, Any]
    values: dict[str, str]
    client: WebClient


def read_form(body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> Form:
    services = services_of(context)
    metadata = form_metadata(view)
    values = form_values(view)
    ctx = CommandContext(
        services=services,
        user_id=body["user"]["id"],
        channel_id=metadata.get("channel"),
        trigger_id=body.get("trigger_id"),
        client=client,
    )
    return Form(ctx=ctx, metadata=metadata, values=values, client=client)


def save_form(
    ack: Ack,
    form: Form,
    save: Callable[[Form], Saved],
    *,
    render: Callable[[Saved], Reply],
    personal_data_field: str,
    error_field: str | Callable[[UserFacingError], str],
) -> Saved | None:
    """What every form submission does with its service call. A refusal goes back onto the form, under
    the field it is about, so the modal stays open with what was typed; otherwise the form closes and
    the person is told privately. Returns what was saved (None if refused), for the caller's follow-ups."""
    try:
        saved = save(form)
    except PersonalDataError as error:
        ack(response_action="errors", errors={personal_data_field: personal_data_field_error(error)})
        return None
    except UserFacingError as error:
        field = error_field if isinstance(error_field, str) else error_field(error)
        ack(response_action="errors", errors={field: error.message[:150]})
        return None
    ack()
    confirm_privately(form.client, form.ctx.channel_id, form.ctx.user_id, render(saved))
    return saved
