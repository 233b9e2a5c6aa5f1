"""Single-workspace authorisation that does not put Slack on the critical path.

Bolt's default calls auth.test before the first request and fails every request
while Slack is unreachable, even a glossary look-up that needs no Web API call.
Here the configured token is authoritative; the bot's own identity (used only to
ignore the bot's own events) is fetched once, and re-tried at most once a minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

RETRY_SECONDS = 60.0


class TokenAuthorization:
    def __init__(self, token: str, base_url: str) -> None:
        self._token = token
        # no retry handlers and a short timeout: this runs inside a request
        self._client = WebClient(token=token, base_url=base_url, timeout=3)
        self._identity: dict[str, str | None] | None = None
        self._next_attempt = 0.0
        self._lock = threading.Lock()

    def _fetch_identity(self) -> dict[str, str | None] | None:
        if self._identity is not None or time.monotonic() < self._next_attempt:
            return self._identity
        with self._lock:
            if self._identity is None and time.monotonic() >= self._next_attempt:
                try:
                    response = self._client.auth_test()
                    self._identity = {
                        "bot_id": response.get("bot_id"),
                        "bot_user_id": response.get("user_id"),
                    }
                except (SlackApiError, OSError):
                    self._next_attempt = time.monotonic() + RETRY_SECONDS
        return self._identity

    def result(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        identity = self._fetch_identity() or {}
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=self._token,
            bot_id=identity.get("bot_id"),
            bot_user_id=identity.get("bot_user_id"),
        )


def token_authorize(token: str, base_url: str) -> Callable[..., AuthorizeResult]:
    """Bolt reads an authorize function's parameter names (``self`` included), so hand it a plain function."""
    authorization = TokenAuthorization(token, base_url)

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return authorization.result(enterprise_id, team_id)

    return authorize
