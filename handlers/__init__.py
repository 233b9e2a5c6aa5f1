"""Slack adapters. ``register(app, partnerships)`` wires every listener in one place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.partnerships import Partnerships
from handlers import dedupe, glossary, home, partnership, plan, risks, router
from handlers.context import CommandContext, OpenModal, services_of
from handlers.safety import guarded

COMMAND = "/csp"


def register(app: App, partnerships: Partnerships) -> None:
    partnership.register(app, partnerships)  # first: everything after it works on one partnership
    dedupe.register(app)

    @guarded
    def csp_command(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
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

    app.command(COMMAND)(csp_command)
    glossary.register(app)
    plan.register(app)
    risks.register(app)
    home.register(app)
    if partnerships.multi_workspace:
        # uninstalls and revoked tokens delete the installation rows; the partnership's data stays
        app.enable_token_revocation_listeners()
