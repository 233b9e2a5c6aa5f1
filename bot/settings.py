"""All configuration, from the environment, in one place. Nothing else reads ``os.environ``."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"


def default_database_url() -> str:
    return f"sqlite:///{Path(user_data_path('csp-bot')) / 'csp-bot.sqlite3'}"


class SettingsError(ValueError):
    """One line that names the setting and says what is wrong with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    slack_bot_token: SecretStr | None = Field(default=None, description="Bot token, xoxb-…")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Signing secret (HTTP mode)")
    slack_app_token: SecretStr | None = Field(
        default=None, description="App-level token, xapp-… (Socket Mode)"
    )
    slack_api_url: str = Field(default=SLACK_API_URL, description="Web API base URL")
    database_url: str = Field(default_factory=default_database_url, description="SQLAlchemy URL")
    csp_log_level: str = Field(default="INFO", description="Log level")

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

    def require(self, *names: str, why: str) -> None:
        """Fail with one clear line when a setting a mode needs is missing."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is not set: it is needed {why}.")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name} {message}.") from None
