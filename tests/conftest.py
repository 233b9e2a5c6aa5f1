"""Shared fixtures. No test needs the network: Slack is the local stand-in, the database a temp file."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import LONDON, SettableClock
from bot.container import Services
from bot.offline.slack_standin import SlackStandIn
from bot.settings import Settings
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


#: the moment every test's clock starts at, unless the test sets its own: a Tuesday in late November.
#: The store is seeded on this date too, so the seeded reviews fall due on 24 Feb 2027 on any machine.
TEST_START = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)


@pytest.fixture
def clock() -> SettableClock:
    """The services' clock, pinned: real time passes from TEST_START (for leases and retries),
    but the date is the test's, not the machine's. A test can set ``clock.moment`` or ``advance``."""
    return SettableClock(TEST_START, ticking=True)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and seed once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = Database(f"sqlite:///{path}", now=SettableClock(TEST_START))
    database.ensure_ready()
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


POSTGRES_URL = os.environ.get("CSP_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated, seeded PostgreSQL database that each test's database is cloned from."""
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL not tested: set CSP_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)"
        )
    name = f"csp_test_template_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    database = Database(_postgres_database(name), now=SettableClock(TEST_START))
    database.ensure_ready()
    database.dispose()  # a template must have no connections when it is copied
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_database(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin(*statements: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test that touches the store runs on SQLite (the default) and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "csp-bot.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"csp_test_{os.getpid()}_{next(_COUNTER)}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _postgres_database(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_COUNTER = itertools.count()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def services(settings: Settings, clock: SettableClock) -> Iterator[Services]:
    built = Services.build(settings, now=clock)
    yield built
    built.close()


@pytest.fixture
def another_worker(settings: Settings, clock: SettableClock, services: Services) -> Iterator[Services]:
    """Another worker (or the command line) on the same database as ``services``: its own container,
    engine, side connection, change listener or counter."""
    built = Services.build(settings, now=clock)
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


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, clock: SettableClock) -> str:
    """The environment ``csp-bot`` commands run in: the test's database, quiet logs, and the test's
    clock (never the machine's: a plan year or a quarter must not depend on the day the suite runs)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("bot.cli.now", clock)
    monkeypatch.setenv("CSP_LOG_LEVEL", "WARNING")
    return database_url
