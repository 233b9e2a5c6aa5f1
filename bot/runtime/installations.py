"""Installing into many workspaces: Bolt's OAuth flow on slack_sdk's SQLAlchemy stores.

Installations and OAuth states live in the main store (migration 0005), so any worker can serve
``/slack/install`` and another ``/slack/oauth_redirect``. Authorisation reads the stored bot (one
indexed query) instead of Bolt's default of calling ``auth.test`` on every request, which would put
Slack on the critical path of every look-up (see ``bot.runtime.authorization``).
"""

from __future__ import annotations

import html
from logging import Logger, getLogger

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.partnerships import Partnerships
from bot.runtime.manifest import BOT_SCOPES
from bot.settings import Settings

LOG = getLogger("csp_bot.installations")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # an install started and not finished within ten minutes starts again


class StoredBotAuthorize(Authorize):
    """The workspace's bot, as its install stored it; None (Bolt then refuses) when uninstalled."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
    ) -> AuthorizeResult | None:
        bot = self.store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
        )
        if bot is None or bot.bot_token is None:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
        )


def _page(title: str, text: str, status: int = 200) -> BoltResponse:
    body = (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>csp-bot</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{text}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"content-type": "text/html; charset=utf-8"})


def installation_store(
    settings: Settings, partnerships: Partnerships, logger: Logger = LOG
) -> SQLAlchemyInstallationStore:
    """This app's installations (scoped by its client id), in the main store."""
    assert settings.slack_client_id is not None
    return SQLAlchemyInstallationStore(
        client_id=settings.slack_client_id, engine=partnerships.db.base_engine, logger=logger
    )


def oauth_settings(settings: Settings, partnerships: Partnerships, logger: Logger) -> OAuthSettings:
    assert settings.slack_client_secret is not None
    engine = partnerships.db.base_engine
    installations = installation_store(settings, partnerships, logger)

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        services = partnerships.for_workspace(installation.enterprise_id, installation.team_id)
        where = html.escape(installation.team_name or installation.enterprise_name or "your workspace")
        if services is None:
            team = html.escape(installation.team_id or installation.enterprise_id or "")
            return _page(
                "csp-bot is installed",
                f"csp-bot is installed in {where}. Before anyone can use it, whoever runs csp-bot links this "
                f"workspace to its partnership: <code>csp-bot partnership link SLUG --team {team}</code> "
                "(or <code>csp-bot partnership add SLUG --plan FILE --team …</code> for a new partnership).",
            )
        name = html.escape(services.plan.partnership().name)
        return _page(
            "csp-bot is installed", f"csp-bot is installed in {where} for {name}. Try <code>/csp help</code>."
        )

    def failure(args: FailureArgs) -> BoltResponse:
        return _page(
            "csp-bot was not installed",
            f"The install did not complete ({html.escape(args.reason)}). Start again from "
            f'<a href="{INSTALL_PATH}">{INSTALL_PATH}</a>.',
            status=args.suggested_status_code,
        )

    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=BOT_SCOPES,
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine, logger=logger),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=success, failure=failure),
    )
