"""What a subcommand handler receives, and what it may return."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.container import Services
from bot.permissions import Actor
from bot.views.common import Reply


@dataclass(frozen=True)
class OpenModal:
    """Open this modal (needs the request's trigger_id) instead of replying."""

    view: View


Outcome = Reply | OpenModal


@dataclass
class CommandContext:
    services: Services
    user_id: str
    channel_id: str | None = None
    trigger_id: str | None = None
    #: the request's Web API client, for work that follows the reply (App Home refresh, uploads)
    client: WebClient | None = None
    _actor: Actor | None = field(default=None, repr=False)

    @cached_property
    def actor(self) -> Actor:
        """Looked up only when a handler needs permissions: look-ups stay free of database reads."""
        return self._actor or self.services.members.actor(self.user_id)


def services_of(context: BoltContext) -> Services:
    """The services of the partnership this request belongs to (set by ``handlers.partnership``)."""
    return context["services"]  # type: ignore[no-any-return]


def interaction_context(
    services: Services, body: dict[str, Any], client: WebClient | None = None
) -> CommandContext:
    """A button press or shortcut as a command: who pressed it, where, and its trigger for a modal."""
    return CommandContext(
        services=services,
        user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id"),
        trigger_id=body.get("trigger_id"),
        client=client,
    )
