"""Routes each request to its partnership: the first middleware after Bolt's own.

With one bot token every request is the default partnership's. With OAuth, the workspace the
request comes from decides (``bot.partnerships``); a workspace nobody has linked yet gets a
clear answer, and none of any partnership's data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.partnerships import Partnerships
from bot.views.common import notice

#: events that must reach Bolt's own listeners even for a workspace without a partnership
REVOCATION_EVENTS = frozenset({"tokens_revoked", "app_uninstalled"})

NOT_LINKED = (
    "csp-bot is installed here, but this workspace is not linked to a partnership yet, "
    "so there is nothing to show."
)
NOT_LINKED_HINT = (
    "Ask whoever runs csp-bot for your partnership to link it: "
    "`csp-bot partnership link SLUG --team TEAM_ID`."
)


def route_to_partnership(
    partnerships: Partnerships, context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]
) -> BoltResponse | None:
    """Slack sends: every request. Its partnership's services go into the context (``services_of``)."""
    services = partnerships.for_workspace(context.enterprise_id, context.team_id)
    if services is not None:
        context["services"] = services
        return next()
    if (body.get("event") or {}).get("type") in REVOCATION_EVENTS:
        return next()
    if body.get("command"):
        reply = notice(NOT_LINKED, NOT_LINKED_HINT)
        return BoltResponse(status=200, body=reply.message())
    return BoltResponse(status=200, body="")


class PartnershipMiddleware(Middleware):
    """The one listener that cannot find what it needs in the context: it is what puts it there.
    A ``Middleware`` (not a function) so Bolt calls it directly, without working out its arguments
    by name on every request."""

    def __init__(self, partnerships: Partnerships) -> None:
        self._partnerships = partnerships

    @property
    def name(self) -> str:
        return "partnership"

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        return route_to_partnership(self._partnerships, req.context, req.body, next)
