"""Slack adapters. ``register(app, services)`` wires every listener in one place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.container import Services
from handlers import dedupe, glossary, home, plan, risks, router
from handlers.context import CommandContext, OpenModal
from handlers.safety import guarded

COMMAND = "/csp"


def register(app: App, services: Services) -> None:
    dedupe.register(app, services.request_keys)

    @guarded
    def csp_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ctx = CommandContext(
            services=services,
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
    glossary.register(app, services)
    plan.register(app, services)
    risks.register(app, services)
    home.register(app, services)
