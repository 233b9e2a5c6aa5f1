"""Settings read the environment as pydantic-settings did (``case_sensitive=False``, ``env_ignore_empty``),
without importing it at start-up: the same variables are found, passed values win, defaults are checked."""

from __future__ import annotations

import os
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_settings import EnvSettingsSource

from bot.settings import Settings, SettingsError, _environment, load_settings

FIELDS = sorted(Settings.model_fields)


def _any_case(name: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(name, upper, strict=True))
    )


_NAMES = st.one_of(
    st.sampled_from(FIELDS).flatmap(_any_case),
    st.sampled_from(["PATH", "HOME", "CSP_PARTNERSHIP", "SLACK", "DATABASE", "CSP_LOG_LEVELS"]),
)
_VALUES = st.one_of(
    st.just(""), st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
)


@given(st.dictionaries(_NAMES, _VALUES, max_size=8))
def test_the_variables_found_are_pydantic_settings(environment: dict[str, str]) -> None:
    with mock.patch.dict(os.environ, environment, clear=True):
        expected = EnvSettingsSource(Settings, case_sensitive=False, env_ignore_empty=True)()
        assert _environment(Settings.model_fields) == expected


def test_names_are_case_insensitive_and_empty_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("csp_log_level", "debug")
    monkeypatch.setenv("Csp_Realert_Days", "5")
    monkeypatch.setenv("DATABASE_URL", "")
    settings = load_settings()
    assert settings.csp_log_level == "DEBUG"  # validated, as set
    assert settings.csp_realert_days == 5
    assert not settings.database_configured  # an empty DATABASE_URL is the demo store, not ""
    assert settings.database_url.endswith("csp-bot-demo.sqlite3")


def test_values_passed_in_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-the-environment.db")
    monkeypatch.setenv("CSP_ALERT_CHANNEL", "C0ENVIRON")
    settings = Settings(database_url="sqlite:///passed.db")
    assert settings.database_url == "sqlite:///passed.db"
    assert settings.csp_alert_channel == "C0ENVIRON"  # the rest still comes from the environment
    assert settings.database_configured


def test_defaults_are_validated_and_unknown_variables_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSP_NOT_A_SETTING", "x")
    settings = Settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.csp_log_level == "INFO"
    assert not hasattr(settings, "csp_not_a_setting")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CSP_REALERT_DAYS", "0", "CSP_REALERT_DAYS Input should be greater than or equal to 1."),
        ("csp_digest_day", "someday", "CSP_DIGEST_DAY must be a day of the week, e.g. monday."),
        (
            "SLACK_CLIENT_ID",
            "123.456",
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together: set both for OAuth, or neither.",
        ),
    ],
)
def test_a_wrong_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == message
