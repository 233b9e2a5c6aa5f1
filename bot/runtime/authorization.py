"""Single-workspace authorisation that does not put Slack on the critical path.

Bolt's default calls auth.test before the first request and fails every request
while Slack is unreachable, even a glossary look-up that needs no Web API call.
Here the configured token is authoritative; the bot's own identity (used only to
ignore the bot's own events) is fetched once, and re-tried at most once a minute.
"""

from __future__ import annotations

import threading
import time

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

RETRY_SECONDS = 60.0
#: workspaces whose answers are kept (a single-token app serves one; Enterprise Grid a few)
MAX_WORKSPACES = 64


class TokenAuthorization(Authorize):
    """Bolt's ``Authorize`` itself, so Bolt calls it directly: a plain function would be wrapped in
    Bolt's ``CallableAuthorize``, which on every request builds an ``AuthorizeArgs``, copies the
    context into a dict of candidate arguments and filters it by parameter name. Once the bot's
    identity is known, each workspace's answer is made once and reused."""

    def __init__(self, token: str, base_url: str) -> None:
        self._token = token
        # no retry handlers and a short timeout: this runs inside a request
        self._client = WebClient(token=token, base_url=base_url, timeout=3)
        self._identity: dict[str, str | None] | None = None
        self._next_attempt = 0.0
        self._lock = threading.Lock()
        self._answers: dict[tuple[str | None, str | None], AuthorizeResult] = {}

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

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        answer = self._answers.get((enterprise_id, team_id))
        return answer if answer is not None else self.result(enterprise_id, team_id)

    def result(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        identity = self._fetch_identity()
        answer = AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=self._token,
            bot_id=(identity or {}).get("bot_id"),
            bot_user_id=(identity or {}).get("bot_user_id"),
        )
        # kept only once the identity is known (until then each request tries again, once a minute);
        # one token serves few workspaces, but the keys come from requests, so the memory is bounded
        if identity is not None:
            if len(self._answers) >= MAX_WORKSPACES:
                self._answers.clear()
            self._answers[(enterprise_id, team_id)] = answer
        return answer


def token_authorize(token: str, base_url: str) -> TokenAuthorization:
    """The single-workspace ``authorize`` handed to Bolt's ``App``."""
    return TokenAuthorization(token, base_url)
