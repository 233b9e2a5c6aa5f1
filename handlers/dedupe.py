"""Slack retries and double clicks, handled once: a key per request, claimed in the shared database.

An event carries its id (Slack sends it again, with X-Slack-Retry-Num, when an answer was slow).
A button press, a shortcut or a form submission has no id of its own, so its key is who did what
to which message; a repeat within a few seconds is a double click and is only acknowledged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.services.dedupe import KEEP

DOUBLE_CLICK = timedelta(seconds=5)


def request_key(body: dict[str, Any]) -> tuple[str, timedelta] | None:
    kind = body.get("type")
    user = (body.get("user") or {}).get("id", "")
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}", KEEP
    if kind == "block_actions" and body.get("actions"):
        action = body["actions"][0]
        where = (body.get("container") or {}).get("message_ts") or (body.get("view") or {}).get("id", "")
        return f"action:{user}:{where}:{action.get('action_id')}:{action.get('value', '')}", DOUBLE_CLICK
    if kind == "message_action":
        return f"shortcut:{user}:{body.get('callback_id')}:{body.get('message_ts')}", DOUBLE_CLICK
    if kind == "view_submission":
        view = body.get("view") or {}
        # the same form with the same answers; corrected answers after an error are a new submission
        state = hashlib.sha256(json.dumps(view.get("state"), sort_keys=True).encode()).hexdigest()[:16]
        return f"view:{user}:{view.get('id')}:{state}", DOUBLE_CLICK
    return None


def register(app: App) -> None:
    def once(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        found = request_key(body)
        services = context.get("services")  # none for an uninstall from a workspace with no partnership
        if (
            found is not None
            and services is not None
            and not services.request_keys.first(found[0], window=found[1])
        ):
            return BoltResponse(status=200, body="")  # already handled: acknowledge, do nothing
        return next()

    app.middleware(once)
