"""The App Home tab: a guide, the viewer's organisation's actions, the plan at a glance, the glossary.

Published when the tab is opened and again, in the background, after each change the viewer makes.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.container import Services
from bot.runtime.home_refresh import Publish
from bot.views.home import home_view
from handlers.context import CommandContext, services_of


def publish_home(client: WebClient, services: Services, user_id: str) -> None:
    actor = services.members.actor(user_id)
    client.views_publish(user_id=user_id, view=home_view(services.home.data(actor)))


def publisher(services: Services) -> Publish:
    """``publish_home`` for one partnership's services, as the refresher calls it."""
    return lambda client, user_id: publish_home(client, services, user_id)


def refresh_home_later(ctx: CommandContext) -> None:
    """After a change: the person's dashboard catches up without delaying their reply (coalesced:
    several changes in a row are one refresh, see ``bot.runtime.home_refresh``)."""
    if ctx.client is not None:
        ctx.services.home_refresh.request(ctx.client, ctx.user_id, publisher(ctx.services))


def app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: the ``app_home_opened`` event, for the Home tab or the Messages tab."""
    services = services_of(context)
    if event.get("tab") != "home":
        return
    publish_home(client, services, event["user"])
    services.home_refresh.opened(event["user"])
