"""``csp-bot ask``: one /csp command through the production path, with no Slack account.

The request is signed (with the configured signing secret, or a throwaway one)
and goes through Bolt's WSGI adapter, request verification and middleware to
the same listeners Slack reaches. Web API calls go to an in-process recorder,
which answers them itself, or, when SLACK_BOT_TOKEN is set, forwards them to the
configured Slack (SLACK_API_URL). response_url posts always land in the recorder.

Alerts are marked posted only when a real Slack accepted them. Without a token nothing
real is there, so the alerts a command raises are shown as previews (``"preview": true``)
and stay queued for ``csp-bot serve`` or ``csp-bot alerts run``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.clock import Now, system_now
from bot.container import Services
from bot.offline.signing import call_wsgi, signed_headers, slack_escape, slash_command_body
from bot.offline.slack_standin import SlackStandIn
from bot.partnerships import Partnerships
from bot.runtime.app import create_app, web_client
from bot.runtime.health import watch_store_failures
from bot.runtime.server import wsgi_app
from bot.settings import Settings
from store.db import MAIN

if TYPE_CHECKING:
    from bot.runtime.delivery import Deliverer

LOCAL_TOKEN = "xoxb-local-csp-bot"


@dataclass(frozen=True)
class AskResult:
    status: int
    response: dict[str, Any] | None
    api_calls: list[dict[str, Any]]
    #: why a database write failed while the command ran (the reply says so kindly), or None
    store_failure: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"response": self.response, "api_calls": self.api_calls}


def ask(
    settings: Settings,
    text: str,
    *,
    user_id: str = "U0LOCAL",
    channel_id: str = "C0LOCAL",
    partnership: str = MAIN,
    now: Now = system_now,
) -> AskResult:
    # one partnership, one token: the request is answered as that partnership's own workspace would be
    settings = settings.model_copy(update={"slack_client_id": None, "slack_client_secret": None})
    partnerships = Partnerships(settings, now=now)
    services = partnerships.get(partnership)
    if not settings.slack_bot_token:
        # the recorder is not Slack: nothing may be marked posted because it answered (built only if
        # the command raised an alert: a look-up never builds the alert service)
        services.build_instead("deliverer", _alert_preview)
    try:
        # With a token, the recorder forwards every Web API call to the configured Slack, so
        # api_calls is the complete conversation either way.
        upstream = settings.slack_api_url if settings.slack_bot_token else None
        with SlackStandIn(upstream=upstream) as standin:
            token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else LOCAL_TOKEN
            client = web_client(token, standin.base_url)
            secret = (
                settings.slack_signing_secret.get_secret_value()
                if settings.slack_signing_secret
                else secrets.token_hex(16)
            )
            app = create_app(settings, services, client=client, signing_secret=secret)
            body = slash_command_body(
                slack_escape(text),
                user_id=user_id,
                channel_id=channel_id,
                response_url=standin.response_url("ask"),
            )
            with watch_store_failures(services.db) as failures:
                reply = call_wsgi(
                    wsgi_app(app, signing_secret=secret), body=body, headers=signed_headers(secret, body)
                )
                # what the command set going (an App Home refresh, a report upload, delivering the
                # alerts it raised: queued if Slack cannot be reached) is part of its answer
                background = services.built("background")  # none for a look-up: nothing set going
                if background is not None:
                    background.drain()
            calls: list[dict[str, Any]] = [
                {"method": call.method, "args": call.args}
                for call in standin.calls
                if call.method != "auth.test"  # Bolt's own authorisation probe, not the app's doing
            ]
            if not settings.slack_bot_token:
                previews = getattr(services.built("deliverer"), "previews", [])
                calls += [{"method": "chat.postMessage", "args": args, "preview": True} for args in previews]
            response = reply.json() if reply.body.strip().startswith(b"{") else None
            if reply.status != 200 and response is None:
                response = {"status": reply.status, "body": reply.body.decode(errors="replace")}
            return AskResult(
                status=reply.status,
                response=response,
                api_calls=calls,
                store_failure=failures[0] if failures else None,
            )
    finally:
        partnerships.close()


def _alert_preview(services: Services) -> Deliverer:
    from bot.runtime.delivery import AlertPreview

    return AlertPreview(services.db, services.alerts)
