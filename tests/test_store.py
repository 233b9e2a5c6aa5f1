"""The store: created, migrated and seeded on first use; migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, func, select

from bot.clock import system_now
from store import glossary_repo as repo
from store.db import Database
from store.models import AppState, Base, GlossaryChange, GlossaryEntryRow
from store.seed import seed_if_empty


def test_first_use_creates_migrates_and_seeds(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "csp.sqlite3"
    database = Database(f"sqlite:///{path}", now=system_now)
    database.ensure_ready()
    assert path.exists()
    assert database.current_revision() == database.head_revision()
    with database.transaction() as session:
        assert len(repo.active_entries(session)) == 60
        assert session.scalar(select(func.count()).select_from(GlossaryChange)) == 60
        assert repo.read_version(session) == 1


def test_second_start_does_not_reseed_even_when_emptied(database_url: str) -> None:
    database = Database(database_url, now=system_now)
    with database.transaction() as session:
        for row in session.scalars(select(GlossaryEntryRow)):
            row.status = repo.REMOVED
    database.ensure_ready()
    with database.transaction() as session:
        assert seed_if_empty(session) is False
        assert repo.active_entries(session) == []


def _with_slack_tables() -> MetaData:
    """Our models plus the tables slack_sdk's own builders make for its SQLAlchemy stores."""
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def test_migrations_match_the_models(database_url: str) -> None:
    """The main store: our models, and slack_sdk's installation tables exactly as slack_sdk builds them."""
    database = Database(database_url, now=system_now)
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), _with_slack_tables())
    assert diff == []


def test_a_partnerships_store_has_the_models_and_no_installations(database_url: str) -> None:
    main = Database(database_url, now=system_now)
    main.ensure_ready()
    store = main.partition("chiltern")
    store.ensure_ready()
    with store.base_engine.connect() as connection:
        opts = {"include_schemas": False}
        if store.schema:
            connection.exec_driver_sql(f'SET search_path TO "{store.schema}"')
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, Base.metadata)
        if store.schema:
            connection.exec_driver_sql("RESET search_path")
    # the directory tables are in the models (for the main store) but not in a partnership's own
    directory_tables = {"partnership_directory", "workspace_links"}
    assert sorted(d[1].name for d in diff if d[0] == "add_table") == sorted(directory_tables)
    assert all(
        d[0] == "add_table" or (d[0] == "add_index" and d[1].table.name in directory_tables) for d in diff
    )
    assert store.current_revision() == main.head_revision()


def test_usage_counts_add_up_across_batches(database_url: str) -> None:
    database = Database(database_url, now=system_now)
    with database.transaction() as session:
        repo.add_usage(session, {"marac": 2}, {"xqzw": 1}, database.utcnow())
    with database.transaction() as session:
        repo.add_usage(session, {"marac": 3}, {"xqzw": 4}, database.utcnow())
    with database.transaction() as session:
        assert repo.top_hits(session) == [("marac", 5)]
        (miss,) = repo.top_misses(session)
        assert (miss.query, miss.count) == ("xqzw", 5)


def test_a_failed_transaction_writes_nothing(database_url: str) -> None:
    database = Database(database_url, now=system_now)
    with pytest.raises(RuntimeError), database.transaction() as session:
        session.add(AppState(name="half", value="written"))
        raise RuntimeError("boom")
    with database.transaction() as session:
        assert session.get(AppState, "half") is None


def test_bad_database_url_is_a_clear_error() -> None:
    from store.db import DatabaseConfigError

    with pytest.raises(DatabaseConfigError, match="DATABASE_URL"):
        Database("not a url", now=system_now)
    with pytest.raises(DatabaseConfigError, match="driver"):
        Database("nosuchdb://x/y", now=system_now)


def test_concurrent_read_then_write_transactions_all_land(database_url: str) -> None:
    """Read-modify-write transactions that lock what they change all land, on both databases; on SQLite
    writers queue (BEGIN IMMEDIATE) instead of failing with "database is locked"."""
    import threading
    import time

    database = Database(database_url, now=system_now)
    with database.transaction() as session:
        session.add(AppState(name="counter", value="0"))
    failures: list[BaseException] = []

    def increment() -> None:
        try:
            with database.transaction() as session:
                # the services' pattern: lock what you change (PostgreSQL); SQLite's BEGIN IMMEDIATE queues writers
                state = session.get(AppState, "counter", with_for_update=True)
                assert state is not None
                value = int(state.value)
                time.sleep(0.02)  # widen the window in which a lost update would happen
                state.value = str(value + 1)
        except BaseException as error:  # collected, so the assertion below names it
            failures.append(error)

    threads = [threading.Thread(target=increment) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.read() as session:
        assert session.get(AppState, "counter").value == "8"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file::memory:?uri=true",
        "sqlite:///file:m?mode=memory&uri=true",
    ],
)
def test_an_in_memory_sqlite_database_opens_and_writes(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's pool hands out the connection returned last; an in-memory database has no such pool,
    and no file beside which to keep a write lock or a change counter (once, ``file:m?mode=memory``
    left an ``m.write-lock`` in the working directory)."""
    from sqlalchemy import text

    monkeypatch.chdir(tmp_path)
    db = Database(url, now=system_now)  # no time is read
    with db.statements() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    db.dispose()
    assert list(tmp_path.iterdir()) == []
