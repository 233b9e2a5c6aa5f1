"""All configuration, from the environment, in one place. Nothing else reads ``os.environ``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.services.risk_rating import DEFAULT_BANDS, DEFAULT_SCORES, RatingRule, RatingRuleError

SLACK_API_URL = "https://slack.com/api/"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _data_directory() -> Path:
    # platformdirs is needed only when DATABASE_URL is unset: not imported at every start
    from platformdirs import user_data_path

    return Path(user_data_path("csp-bot"))


def demo_database_url() -> str:
    """Where commands go without DATABASE_URL: a demo store, so trying the bot never seeds the real one."""
    return f"sqlite:///{_data_directory() / 'csp-bot-demo.sqlite3'}"


def suggested_database_url() -> str:
    """A local SQLite store for a real partnership (the default before the demo one was split off)."""
    return f"sqlite:///{_data_directory() / 'csp-bot.sqlite3'}"


class SettingsError(ValueError):
    """One line that names the setting and says what is wrong with it."""


class Settings(BaseModel):
    """Read from the environment as pydantic-settings reads it with ``case_sensitive=False`` and
    ``env_ignore_empty=True`` (every field is a flat string or number, so nothing is JSON-decoded;
    ``tests/test_settings.py`` compares the two), without importing pydantic-settings, whose import was
    about 35 ms of every command's start. Values passed in win over the environment, as there, and
    defaults are validated too."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_environment(type(self).model_fields), **values})

    slack_bot_token: SecretStr | None = Field(default=None, description="Bot token, xoxb-…")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Signing secret (HTTP mode)")
    slack_app_token: SecretStr | None = Field(
        default=None, description="App-level token, xapp-… (Socket Mode)"
    )
    slack_client_id: str | None = Field(
        default=None, description="OAuth client ID: with the secret, installs into many workspaces"
    )
    slack_client_secret: SecretStr | None = Field(default=None, description="OAuth client secret")
    slack_redirect_uri: str | None = Field(
        default=None, description="OAuth redirect URL, https://YOUR-HOST/slack/oauth_redirect"
    )
    slack_api_url: str = Field(default=SLACK_API_URL, description="Web API base URL")
    database_url: str = Field(
        default_factory=demo_database_url,
        description="SQLAlchemy URL; unset, a demo SQLite file (serve and alerts run need it set)",
    )
    csp_log_level: str = Field(default="INFO", description="Log level")
    csp_alert_channel: str | None = Field(default=None, description="Channel ID for risk alerts")
    csp_risk_scores: str = Field(default=DEFAULT_SCORES, description="Score of each level")
    csp_risk_bands: str = Field(default=DEFAULT_BANDS, description="Score range of each rating")
    csp_realert_days: int = Field(
        default=3, ge=1, le=90, description="Days before an unacknowledged High alert is raised again"
    )
    csp_digest_day: str = Field(default="monday", description="Day of the weekly digest")
    csp_digest_time: str = Field(default="09:00", description="Time of the weekly digest, Europe/London")
    csp_alert_interval: int = Field(
        default=30, ge=1, le=3600, description="Seconds between alert passes in serve"
    )
    # Nudges (README "Nudges"): days before each reporting date the first and the second reminder go
    csp_nudge_first_days: int = Field(
        default=14, ge=2, le=90, description="Days before a reporting date the first nudge goes"
    )
    csp_nudge_second_days: int = Field(
        default=7, ge=1, le=89, description="Days before it the second nudge goes, if still not updated"
    )
    csp_nudge_time: str = Field(default="09:00", description="Time of day nudges go, Europe/London")
    # Retention (docs/data-protection.md): the daily purge deletes what is older than these
    csp_retention_audit_days: int = Field(
        default=2190, ge=30, le=36500, description="Days the audit trail is kept (6 years)"
    )
    csp_retention_glossary_misses_days: int = Field(
        default=365, ge=1, le=36500, description="Days a look-up that found nothing is kept"
    )
    csp_retention_outbox_days: int = Field(
        default=90,
        ge=1,
        le=36500,
        description="Days a delivered alert is kept after posting (undelivered ones are never purged)",
    )

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("csp_log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @field_validator("csp_alert_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[CG][A-Z0-9]{2,20}", value):
            raise ValueError("must be a channel ID such as C0123ABCD (channel details → copy channel ID)")
        return value

    @model_validator(mode="after")
    def _rule(self) -> Settings:
        try:
            RatingRule.parse(self.csp_risk_scores, self.csp_risk_bands)
        except RatingRuleError as error:
            raise ValueError(f"CSP_RISK_SCORES / CSP_RISK_BANDS: {error}") from None
        return self

    @field_validator("csp_digest_day")
    @classmethod
    def _day(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in WEEKDAYS:
            raise ValueError("must be a day of the week, e.g. monday")
        return value

    @field_validator("csp_digest_time", "csp_nudge_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError("must be a 24-hour time such as 09:00")
        return value.strip()

    @model_validator(mode="after")
    def _nudge_rounds(self) -> Settings:
        if self.csp_nudge_second_days >= self.csp_nudge_first_days:
            raise ValueError(
                "CSP_NUDGE_SECOND_DAYS must be fewer than CSP_NUDGE_FIRST_DAYS: the second nudge follows the first"
            )
        return self

    @model_validator(mode="after")
    def _oauth(self) -> Settings:
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            raise ValueError(
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together: set both for OAuth, or neither"
            )
        return self

    @property
    def oauth_enabled(self) -> bool:
        """Installs into many workspaces (each its own partnership) instead of one bot token."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def rating_rule(self) -> RatingRule:
        return RatingRule.parse(self.csp_risk_scores, self.csp_risk_bands)

    @property
    def database_configured(self) -> bool:
        """DATABASE_URL was given: the store is the partnership's, not the demo one."""
        return "database_url" in self.model_fields_set

    def require_database(self, *, why: str) -> None:
        """Anything that talks to a real Slack works on a database someone chose, never the demo one."""
        if not self.database_configured:
            raise SettingsError(
                f"DATABASE_URL is not set: it is needed {why}, so that demo data never reaches Slack "
                f"(unset, csp-bot uses the demo database {demo_database_url()}). "
                f"For a local store: DATABASE_URL={suggested_database_url()}"
            )

    def require(self, *names: str, why: str) -> None:
        """Fail with one clear line when a setting a mode needs is missing."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is not set: it is needed {why}.")


def _environment(fields: dict[str, Any]) -> dict[str, str]:
    """The variables named after a field, whatever their case; a variable set but empty counts as unset."""
    return {
        name: value
        for name, value in ((key.lower(), value) for key, value in os.environ.items())
        if name in fields and value != ""
    }


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings names them itself
            raise SettingsError(f"{message}.") from None
        raise SettingsError(f"{str(first['loc'][0]).upper()} {message}.") from None
