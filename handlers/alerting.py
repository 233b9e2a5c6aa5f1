"""Sending what a change raised without waiting for the next periodic pass."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.container import Services
from bot.runtime.delivery import delivery_client
from handlers.context import CommandContext


def deliver_alerts(services: Services, client: WebClient | None) -> None:
    """In the background, with a client whose retries never post an alert twice."""
    if client is None or not client.token:
        return
    outbound = delivery_client(client.token, client.base_url)
    services.background.submit("alert delivery", services.deliverer.deliver_pending, outbound)


def deliver_alerts_later(ctx: CommandContext) -> None:
    deliver_alerts(ctx.services, ctx.client)
