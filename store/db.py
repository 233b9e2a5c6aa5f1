"""Engine, unit of work and first-use set-up (migrate, then seed) for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker


class DatabaseConfigError(ValueError):
    """DATABASE_URL cannot be used; the message names the problem, never the password."""


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("store") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # We issue BEGIN ourselves (see _sqlite_begin), so pysqlite's own transaction handling is off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once; busy_timeout makes writers queue, not fail
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    # A write transaction takes the write lock up front (BEGIN IMMEDIATE). Otherwise two
    # read-then-write transactions deadlock on the lock upgrade and one fails at once with
    # "database is locked", whatever the busy timeout; this way writers queue.
    connection.exec_driver_sql(f"BEGIN {connection.get_execution_options().get('sqlite_begin', 'DEFERRED')}")


class Database:
    """One database: ``with db.transaction() as session`` commits everything or nothing."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise DatabaseConfigError("DATABASE_URL is not a valid database URL") from None
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.is_sqlite:
                self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False})
                event.listen(self.engine, "connect", _sqlite_connect)
                event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise DatabaseConfigError(
                f"DATABASE_URL names a database driver that is not installed ({parsed.drivername}): {exc}"
            ) from None
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._sessions = sessionmaker(writer, expire_on_commit=False)
        self._readers = sessionmaker(self.engine, expire_on_commit=False)
        self._ready_lock = threading.Lock()
        self._ready = False

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """The unit of work for a write: everything in it commits together or not at all."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read that never waits for writers (on SQLite, WAL gives it a consistent snapshot)."""
        with self._readers.begin() as session:
            yield session

    # ------------------------------------------------------------------ migrations

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(_alembic_config(self.url)).get_current_head()

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self, revision: str = "head") -> None:
        config = _alembic_config(self.url)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def ensure_ready(self) -> None:
        """Create, migrate and seed on first use; cheap when already done."""
        with self._ready_lock:
            if self._ready:
                return
            if self.current_revision() != self.head_revision():
                self.upgrade()
            from store.seed import seed_all  # seeding needs the migrated schema

            with self.transaction() as session:
                seed_all(session)
            self._ready = True

    def dispose(self) -> None:
        self.engine.dispose()
