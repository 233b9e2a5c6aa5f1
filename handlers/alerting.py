"""Sending what a change raised without waiting for the next periodic pass."""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.container import Services
from bot.runtime.delivery import delivery_client
from bot.services.alerts import Raised
from handlers.context import CommandContext


def deliver_alerts(services: Services, client: WebClient | None, raised: Raised | None = None) -> None:
    """In the background, with a client whose retries never post an alert twice. ``raised``: only the
    alerts a write returned (None: everything due, e.g. once a channel is set)."""
    if raised is not None and not raised.alerts:
        return
    if client is None or not client.token:
        return
    outbound = delivery_client(client.token, client.base_url)
    only = None if raised is None else [alert.id for alert in raised.alerts]
    services.background.submit(
        "alert delivery", partial(services.deliverer.deliver_pending, only=only), outbound
    )


def deliver_alerts_later(ctx: CommandContext, raised: Raised | None = None) -> None:
    deliver_alerts(ctx.services, ctx.client, raised)
