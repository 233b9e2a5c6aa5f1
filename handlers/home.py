"""The App Home tab: a short guide and the most-asked entries, refreshed whenever it is opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.container import Services
from bot.views.home import home_view
from handlers.safety import guarded


def register(app: App, services: Services) -> None:
    @guarded
    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        actor = services.members.actor(event["user"])
        summary = services.glossary.home_summary(actor)
        client.views_publish(user_id=event["user"], view=home_view(actor, summary))

    app.event("app_home_opened")(app_home_opened)
