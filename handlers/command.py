"""The /csp slash command: one listener, which hands the text to the router."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from handlers import router
from handlers.context import CommandContext, OpenModal, services_of

COMMAND = "/csp"


def csp_command(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: ``/csp …`` (a slash command), its text the subcommand and its arguments."""
    ctx = CommandContext(
        services=services_of(context),
        user_id=command["user_id"],
        channel_id=command.get("channel_id"),
        trigger_id=command.get("trigger_id"),
        client=client,
    )
    outcome = router.dispatch(ctx, command.get("text") or "")
    if isinstance(outcome, OpenModal):
        client.views_open(trigger_id=ctx.trigger_id, view=outcome.view)
        ack()
        return
    ack(**outcome.message())
