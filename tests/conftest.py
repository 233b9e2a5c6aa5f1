"""Shared fixtures. No test needs the network: Slack is the local stand-in, the database a temp file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import Services
from bot.settings import Settings
from bot.slack_standin import SlackStandIn
from store.db import Database
from tests.harness import SlackHarness

_ISOLATED_VARIABLES = (
    # slack_sdk routes even localhost through a proxy named here (it ignores NO_PROXY)
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    # the developer's real configuration must never leak into a test
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "DATABASE_URL",
    "CSP_LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ISOLATED_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and seed once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.ensure_ready()
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def database_url(seeded_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "csp-bot.sqlite3"
    shutil.copyfile(seeded_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services.build(settings)
    yield built
    built.close()


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def slack(standin: SlackStandIn, settings: Settings, services: Services) -> SlackHarness:
    # the stand-in is set up first so it is torn down last: background work may still be calling it
    return SlackHarness(settings, services, standin)


COORDINATOR = "U0COORD"
MEMBER = "U0MEMBER"
OUTSIDER = "U0OUTSIDE"


@pytest.fixture
def people(services: Services) -> dict[str, str]:
    from bot.permissions import Actor, Role

    services.members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
    services.members.add(Actor.operator(), MEMBER, Role.MEMBER, "TVP")
    return {"coordinator": COORDINATOR, "member": MEMBER, "outsider": OUTSIDER}
