"""The Bolt app factory: the same app serves HTTP, Socket Mode, the CLI's ``ask`` and the tests."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import handlers
from bot.container import Services
from bot.logs import BOLT_LOGGER, guard_body_loggers
from bot.partnerships import Partnerships
from bot.runtime.authorization import token_authorize
from bot.settings import Settings


def web_client(token: str | None, base_url: str) -> WebClient:
    """A Web API client that waits out 429s and retries 5xx and dropped connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_app(
    settings: Settings,
    served: Partnerships | Services,
    *,
    client: WebClient | None = None,
    signing_secret: str | None = None,
) -> App:
    """The app. ``served`` is every partnership (``Partnerships``), or one partnership's services
    for an app that only ever serves the default one (the CLI's ``ask``, most tests)."""
    partnerships = served if isinstance(served, Partnerships) else Partnerships(settings, main=served)
    secret = signing_secret or (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    guard_body_loggers()  # also when the app is built outside the CLI (tests, embedding)
    bolt_logger = logging.getLogger(BOLT_LOGGER)
    if settings.oauth_enabled:
        # only for OAuth: slack_sdk's SQLAlchemy stores (and its asyncio extension) are not imported otherwise
        from bot.runtime.installations import StoredBotAuthorize, oauth_settings

        # each request carries its workspace's token, from the installation store
        client = client or web_client(None, settings.slack_api_url)
        oauth = oauth_settings(settings, partnerships, bolt_logger)
        auth: dict[str, Any] = {
            "oauth_settings": oauth,
            "authorize": StoredBotAuthorize(oauth.installation_store),
        }
    else:
        client = client or web_client(token, settings.slack_api_url)
        auth = {"authorize": token_authorize(client.token or "", client.base_url)}
    app = App(
        # Bolt names its listeners' loggers after the app: under ours, so their bodies are withheld too
        name=BOLT_LOGGER,
        client=client,
        **auth,
        signing_secret=secret,
        # Listeners run inline: ack() is the HTTP response, with no 10 ms thread hand-off
        # (shared/docs/slack-platform.md §7). Nothing slow runs before ack.
        process_before_response=True,
        # Without a secret (Socket Mode) Slack's connection is the authentication.
        request_verification_enabled=secret is not None,
        # The app defines no workflow functions, so no request carries a function token to attach.
        attaching_function_token_enabled=False,
        logger=bolt_logger,
    )
    handlers.register(app, partnerships)
    return app
