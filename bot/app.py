"""The Bolt app factory: the same app serves HTTP, Socket Mode, the CLI's ``ask`` and the tests."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import handlers
from bot.authorization import token_authorize
from bot.container import Services
from bot.logs import BOLT_LOGGER, clamp_body_loggers
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
    services: Services,
    *,
    client: WebClient | None = None,
    signing_secret: str | None = None,
) -> App:
    secret = signing_secret or (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    clamp_body_loggers()  # also when the app is built outside the CLI (tests, embedding)
    bolt_logger = logging.getLogger(BOLT_LOGGER)
    client = client or web_client(token, settings.slack_api_url)
    app = App(
        client=client,
        authorize=token_authorize(client.token or "", client.base_url),
        signing_secret=secret,
        # Listeners run inline: ack() is the HTTP response, with no 10 ms thread hand-off
        # (shared/docs/slack-platform.md §7). Nothing slow runs before ack.
        process_before_response=True,
        # Without a secret (Socket Mode) Slack's connection is the authentication.
        request_verification_enabled=secret is not None,
        logger=bolt_logger,
    )
    handlers.register(app, services)
    return app
