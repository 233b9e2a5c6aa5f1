"""Engine, unit of work and first-use set-up (migrate, then seed) for SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from store.changes import NOTIFYING_TABLES, ChangeBeacon, ChangeListener

if TYPE_CHECKING:
    from alembic.config import Config

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's busy timeout alone queues writers there
    fcntl = None  # type: ignore[assignment]

# Alembic (and through it Mako and Pygments) is imported only when a migration runs or a `db` command
# asks: it cost about 0.1 s of every command's start-up. Start-up compares revisions cheaply instead.

#: where a session finds the application's clock (``Database.now``)
CLOCK = "csp_now"


_STAMPED: dict[type, tuple[str, ...]] = {}


def _stamped(cls: type) -> tuple[str, ...]:
    names = _STAMPED.get(cls)
    if names is None:
        mapper = inspect(cls)
        names = tuple(attr.key for attr in mapper.column_attrs if attr.columns[0].info.get("stamp"))
        _STAMPED[cls] = names
    return names


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: object, _instances: object) -> None:
    """Fill each new row's unset time stamps (``stamp_column()`` in ``store.models``) from the
    session's clock, so history, audit and outbox rows carry the application's time, not the machine's."""
    clock = session.info.get(CLOCK)
    if clock is None or not session.new:
        return
    now = clock().astimezone(UTC)
    for row in session.new:
        for name in _stamped(type(row)):
            if getattr(row, name) is None:
                setattr(row, name, now)


def session_today(session: Session) -> date:
    """Today in London, by the clock of the database ``session`` belongs to."""
    return session.info[CLOCK]().date()


class DatabaseConfigError(ValueError):
    """DATABASE_URL cannot be used; the message names the problem, never the password."""


#: a partnership's slug: also its PostgreSQL schema (``csp_<slug>``) or its SQLite file name
SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAIN = "default"


def _alembic_config(url: str, schema: str | None = None, partition: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("store") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # a partnership's own schema: env.py migrates inside it
    config.attributes["schema"] = schema
    # the directory and the Slack installations live in the main store only
    config.attributes["partition"] = partition
    return config


def _sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL names, or None for an in-memory database (``sqlite://``, ``:memory:``, a
    URI filename with ``mode=memory``), which has no file beside which to keep a write lock or a change
    counter, and which SQLAlchemy gives one connection per thread rather than a pool."""
    database = url.database or ""
    if database in {"", ":memory:"} or url.query.get("mode") == "memory":
        return None
    # a URI filename (``sqlite:///file:PATH?mode=ro&uri=true``) names PATH
    name = database.removeprefix("file:") if url.query.get("uri") else database
    name = name.split("?")[0]
    if name in {"", ":memory:"}:
        return None
    return Path(name).expanduser()


def _sqlite_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # We issue BEGIN ourselves (see _sqlite_do_begin), so pysqlite's own transaction handling is off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once; busy_timeout makes writers queue, not fail
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


#: whether this thread's next SQLite transaction is a write (:meth:`Database.transaction`, ``statements``)
_WRITING: ContextVar[bool] = ContextVar("csp_sqlite_writing", default=False)


def _sqlite_do_begin(dbapi_connection) -> None:  # type: ignore[no-untyped-def]
    # A write transaction takes the write lock up front (BEGIN IMMEDIATE). Otherwise two
    # read-then-write transactions deadlock on the lock upgrade and one fails at once with
    # "database is locked", whatever the busy timeout; this way writers queue.
    # It is the dialect's do_begin, not a "begin" event: any connection event on the engine makes
    # SQLAlchemy dispatch four more around every statement (about 0.1 ms of a log's CPU, and the
    # BEGIN through exec_driver_sql as much again).
    dbapi_connection.execute("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")


@contextmanager
def _writing(writing: bool) -> Iterator[None]:
    token = _WRITING.set(writing)
    try:
        yield
    finally:
        _WRITING.reset(token)


#: the ``app_state`` values read once per request (:func:`request_scope`), by store; None outside a request
_REQUEST_READS: ContextVar[dict[tuple[int, str], dict[str, str | None]] | None] = ContextVar(
    "csp_request_reads", default=None
)


class FirstWrite:
    """A statement owed to the first write transaction of this request on one store
    (:meth:`Database.with_first_write`); ``done`` once a transaction that ran it has committed."""

    __slots__ = ("db", "done", "statement")

    def __init__(self, db: Database, statement: Callable[[Connection], None]) -> None:
        self.db = db
        self.statement = statement
        self.done = False


_FIRST_WRITE: ContextVar[FirstWrite | None] = ContextVar("csp_first_write", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """One request: the per-request checks (the glossary and reference-data versions) read the database
    once within it, together, however many times the request's code asks. Outside a request every ask
    reads. A write of this request that moves a version on drops the remembered values, so its reply
    sees the change (:meth:`Database.transaction`)."""
    token = _REQUEST_READS.set({})
    try:
        yield
    finally:
        _REQUEST_READS.reset(token)


#: rows a ``Database.row_reader`` keeps per change-listener epoch (one per Slack user who acted)
KEPT_ROWS = 10_000

#: a pooled PostgreSQL connection idle for longer than this is pinged before use
IDLE_PING_SECONDS = 10.0


def _note_checkin(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """A busy pool's connections were in use a moment ago and need no ping; one that sat idle (a
    database restart or a firewall may have dropped it) is checked, and replaced if it is dead."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as error:
        # the pool drops this connection and checks out another (SQLAlchemy's documented recipe)
        raise DisconnectionError("idle connection is gone") from error


class _WriteQueue:
    """Writers to one SQLite file queue here before BEGIN IMMEDIATE: the threads of this process on a
    lock, the processes on an flock() of ``<database>.write-lock``. Both wake the next writer the moment
    the last one finishes. Without it, a writer that found the file locked slept in SQLite's busy
    handler (1, 2, 5, … then 100 ms at a time), and with 8 writers in 4 workers the slowest log took
    0.75 s. Re-entrant within a thread, so a nested write transaction behaves as it did before."""

    def __init__(self, path: Path) -> None:
        self._path = path.with_name(path.name + ".write-lock")
        self._lock = threading.RLock()
        self._depth = threading.local()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            depth = getattr(self._depth, "n", 0)
            self._depth.n = depth + 1
            fd = self._file() if depth == 0 else None
            try:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without the GIL; a dead holder's lock is freed
                try:
                    yield
                finally:
                    if fd is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                self._depth.n = depth

    def _file(self) -> int | None:
        if (
            self._fd is None or self._pid != os.getpid()
        ):  # a forked worker opens its own (flock is per open file)
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: SQLite's busy timeout still queues writers
                self._fd = None
            self._pid = os.getpid()
        return self._fd


_WRITE_QUEUES: dict[Path, _WriteQueue] = {}
_WRITE_QUEUES_LOCK = threading.Lock()


def _write_queue(path: Path) -> _WriteQueue:
    """One queue per SQLite file in a process, however many Database objects open it."""
    with _WRITE_QUEUES_LOCK:
        queue = _WRITE_QUEUES.get(path)
        if queue is None:
            queue = _WRITE_QUEUES[path] = _WriteQueue(path)
        return queue


class _SideConnection:
    """One connection kept out of the pool, in autocommit mode, for tiny reads made on every request.

    Through the pool (checkout, ``BEGIN``, ``SELECT``, ``COMMIT``) the glossary's version check cost
    about 0.5 ms a request behind gunicorn; here it costs next to nothing. Should the connection fail
    (a database restart), it is replaced and the read tried once more.
    """

    def __init__(self, engine: Engine, *, autocommit: bool) -> None:
        self._engine = engine
        self._autocommit = autocommit  # SQLite's connections are autocommit already (see _sqlite_connect)
        self._lock = threading.Lock()
        self._connection: Any = None
        #: PostgreSQL's change notices for every store on this server, or an SQLite file's change counter
        #: (``Database.listen_for_changes``)
        self.listener: ChangeListener | ChangeBeacon | None = None

    def listen(self) -> ChangeListener | ChangeBeacon:
        """Start (once) the listener for this server's change notices, on a connection of its own (on
        SQLite, trust the file's change counter)."""
        with self._lock:
            if self.listener is None:
                self.listener = ChangeListener(partial(_listening_connection, self._engine))
        return self.listener.start()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()

    def fetch_one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._connection is None:
                        proxy = self._engine.raw_connection()
                        if self._autocommit:
                            proxy.dbapi_connection.autocommit = True  # type: ignore[union-attr]
                        proxy.detach()  # ours for good: never handed back to the pool
                        self._connection = proxy
                    cursor = self._connection.cursor()
                    try:
                        cursor.execute(sql, params)
                        return cursor.fetchone()  # type: ignore[no-any-return]
                    finally:
                        cursor.close()
                except Exception:
                    if self._connection is not None:
                        with contextlib.suppress(Exception):
                            self._connection.close()
                        self._connection = None
                    if attempt == 2:
                        raise
            return None


#: TCP keepalives and a user timeout for the listening connection, which is otherwise silent: a network
#: that drops it without a word is noticed in about half a minute (libpq's parameters; Unix sockets ignore them)
_LISTENING_OPTIONS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
    "connect_timeout": 10,
    "application_name": "csp-bot change listener",
}


def _listening_connection(engine: Engine) -> Any:
    """A psycopg connection of its own, in autocommit mode, for ``LISTEN`` (never from the pool)."""
    args, options = engine.dialect.create_connect_args(engine.url)
    return engine.dialect.loaded_dbapi.connect(*args, **{**options, **_LISTENING_OPTIONS, "autocommit": True})


#: session.info: this transaction wrote a table whose writes notify (``store.changes.NOTIFYING_TABLES``)
_NOTIFYING_WRITE = "csp_notifying_write"


@event.listens_for(Session, "before_flush")
def _note_notifying_rows(session: Session, _context: object, _instances: object) -> None:
    """So that ``Database.transaction`` forgets this process's kept values once the write commits, rather
    than when the notice comes back (the reply to the change must already see it)."""
    if session.info.get(_NOTIFYING_WRITE):
        return
    for rows in (session.new, session.dirty, session.deleted):
        if any(getattr(row, "__tablename__", None) in NOTIFYING_TABLES for row in rows):
            session.info[_NOTIFYING_WRITE] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_notifying_statements(state: ORMExecuteState) -> None:
    """The same for a statement run through the session (a member erased with ``delete(Member)``): on
    SQLite nothing but this process can count the change for the others (``store.changes.ChangeBeacon``)."""
    if state.session.info.get(_NOTIFYING_WRITE) or not (
        state.is_insert or state.is_update or state.is_delete
    ):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in NOTIFYING_TABLES:
        state.session.info[_NOTIFYING_WRITE] = True


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(None|"[^"]*"|\'[^\']*\')\s*$', re.M)
_head: list[str | None] = []


def packaged_head() -> str | None:
    """The newest migration shipped with the code, read from the revision files' own ``revision`` and
    ``down_revision`` lines (no Alembic import). Should a file not say both plainly, or the history
    not end in exactly one head, Alembic itself is asked."""
    if _head:
        return _head[0]
    revisions: set[str] = set()
    parents: set[str] = set()
    plain = True
    for script in (resources.files("store") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("_"):
            continue
        found = dict(
            (m.group(1), m.group(2).strip("\"'")) for m in _REVISION_LINE.finditer(script.read_text())
        )
        if "revision" not in found or "down_revision" not in found:
            plain = False
            break
        revisions.add(found["revision"])
        if found["down_revision"] != "None":
            parents.add(found["down_revision"])
    heads = revisions - parents
    if plain and len(heads) == 1:
        _head.append(heads.pop())
    else:
        from alembic.script import ScriptDirectory

        _head.append(ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head())
    return _head[0]


class Database:
    """One database: ``with db.transaction() as session`` commits everything or nothing.

    The database named by DATABASE_URL holds the default partnership and the directory of the
    others (:meth:`partition`). Every other partnership has a store of its own: a schema in the same
    PostgreSQL database (sharing the connection pool), or an SQLite file beside the main one. The
    same migrations build each, so one partnership's queries cannot reach another's rows.

    ``now`` is the application's clock (aware, in Europe/London): the store never reads the real
    clock itself. Every row's time stamp comes from it (:func:`_stamp_new_rows`), and so do the
    dates the seed data is laid out from.
    """

    def __init__(
        self,
        url: str,
        *,
        now: Callable[[], datetime],
        partition: str | None = None,
        shared: Engine | None = None,
        side: _SideConnection | None = None,
    ) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise DatabaseConfigError("DATABASE_URL is not a valid database URL") from None
        self.url = url
        self.now = now
        #: the partnership's slug, for a store other than the main one
        self.partition_name = partition
        #: its PostgreSQL schema, when it shares the main database
        self.schema = f"csp_{partition}" if shared is not None else None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._owns_engine = shared is None
        self._write_queue: _WriteQueue | None = None
        changes: Path | None = None  # an SQLite file's change counter (``store.changes.ChangeBeacon``)
        file = _sqlite_file(parsed) if self.is_sqlite else None
        if file is not None:
            if fcntl is not None and parsed.query.get("mode") != "ro":
                resolved = file.resolve()
                self._write_queue = _write_queue(resolved)
                changes = resolved.with_name(resolved.name + ".changes")
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseConfigError(
                    f"DATABASE_URL names an SQLite file in {file.parent}, which cannot be created ({exc.strerror})"
                ) from None
        try:
            if shared is not None:
                # a partnership's schema: unqualified table names are translated to it, on the main pool
                self.base_engine: Engine = shared
                self.engine = shared.execution_options(schema_translate_map={None: self.schema})
            elif self.is_sqlite:
                # A file's pool is LIFO: writers queue (_WriteQueue), so the connection just returned is
                # the one the next write takes, and its page cache is still current; round robin handed
                # each write a connection whose cache another's commit had emptied (35 page reads a log,
                # now 7). An in-memory database has one connection per thread, with no order to choose.
                pool: dict[str, Any] = (
                    {"pool_use_lifo": True} if file is not None else {"poolclass": SingletonThreadPool}
                )
                self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
                event.listen(self.engine, "connect", _sqlite_connect)  # a pool event: no cost per statement
                self.engine.dialect.do_begin = _sqlite_do_begin  # type: ignore[method-assign]
            else:
                # No pre-ping on every checkout (a round trip per transaction, 6 of a log's 27): a
                # connection idle long enough to have been dropped is pinged instead (_ping_if_idle).
                self.engine = create_engine(url, pool_pre_ping=False)
                event.listen(self.engine.pool, "checkout", _ping_if_idle)
                event.listen(self.engine.pool, "checkin", _note_checkin)
            if shared is None:
                self.base_engine = self.engine
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise DatabaseConfigError(
                f"DATABASE_URL names a database driver that is not installed ({parsed.drivername}): {exc}"
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info={CLOCK: now})
        self._readers = sessionmaker(self.engine, expire_on_commit=False, info={CLOCK: now})
        self._ready_lock = threading.Lock()
        self._ready = False
        # schemas on one server share its side connection, as they share its pool
        self._side = side or _SideConnection(self.base_engine, autocommit=not self.is_sqlite)
        if changes is not None and side is None:
            # every process counts its changes to this file, and a serving one trusts the count
            self._side.listener = ChangeBeacon(changes)
        # the reference-data version's session events; imported here, not at the top, because they need
        # the models, which a command that never opens the store (``--help``) should not import
        from store import reference

        reference.install()
        self._bumped = reference.session_bumped
        self._state_table = f'"{self.schema}".app_state' if self.schema else "app_state"
        #: the app_state names read per request, all in one statement (``state_reader``)
        self._state_names: tuple[str, ...] = ()
        #: the values last read, with the change listener's epoch sampled before reading them
        self._kept_states: tuple[int, dict[str, str | None]] | None = None

    def utcnow(self) -> datetime:
        """Now, in UTC, as the store records it."""
        return self.now().astimezone(UTC)

    def today(self) -> date:
        """Today in London: the partnership's date."""
        return self.now().date()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """The unit of work for a write: everything in it commits together or not at all."""
        queued = self._write_queue.held() if self._write_queue else contextlib.nullcontext()
        owed = self._owed_first_write()
        with queued, _writing(True), self._sessions.begin() as session:
            if owed is not None:
                owed.statement(session.connection())
            yield session
        if owed is not None:
            owed.done = True
        if self._bumped(session) or session.info.get(_NOTIFYING_WRITE):
            self.forget_request_reads()

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """A write transaction for Core statements alone (a request key's claim): the same queueing and
        ``BEGIN IMMEDIATE`` as :meth:`transaction`, without a Session's identity map and flush."""
        queued = self._write_queue.held() if self._write_queue else contextlib.nullcontext()
        owed = self._owed_first_write()
        with queued, _writing(True), self.engine.begin() as connection:
            if owed is not None:
                owed.statement(connection)
            yield connection
        if owed is not None:
            owed.done = True

    @contextmanager
    def with_first_write(self, statement: Callable[[Connection], None]) -> Iterator[FirstWrite]:
        """Within the block, this thread's first write transaction on this store runs ``statement``
        first, and commits or rolls back with it (a request's claim of its key commits with what the
        request wrote: one transaction, not two). ``done`` says whether a transaction that ran it
        committed; should none, the caller does the work some other way."""
        owed = FirstWrite(self, statement)
        token = _FIRST_WRITE.set(owed)
        try:
            yield owed
        finally:
            _FIRST_WRITE.reset(token)

    def _owed_first_write(self) -> FirstWrite | None:
        owed = _FIRST_WRITE.get()
        return owed if owed is not None and owed.db is self and not owed.done else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read that never waits for writers (on SQLite, WAL gives it a consistent snapshot)."""
        with _writing(False), self._readers.begin() as session:  # also when read inside a write's block
            yield session

    # ------------------------------------------------------------------ one small read, every request

    def listen_for_changes(self) -> ChangeListener | ChangeBeacon | None:
        """Start listening for changes (``store.changes``): PostgreSQL's notices, shared by every
        partnership's store on the server, or on SQLite the file's change counter (and every other SQLite
        store's in this process). From then on the per-request reads below are answered from what this
        process read last, until something changes. For a long-lived process (``csp-bot serve``); a command
        that answers once gains nothing from it. None for an SQLite store with no counter (read-only)."""
        if self.is_sqlite and self._side.listener is None:
            return None
        return self._side.listen()

    def _epoch(self) -> int | None:
        """The change listener's epoch when values kept from it may be answered (see ``store.changes``),
        else None. Only once this store is ready: migrated to the revision whose triggers notify."""
        listener = self._side.listener
        return listener.epoch() if listener is not None and self._ready else None

    def state_reader(self, name: str) -> Callable[[], str | None]:
        """A reader of one ``app_state`` value for a per-request check (the glossary version, the
        reference-data version), on the store's side connection (:class:`_SideConnection`): no pool
        checkout and no transaction. Every name asked for is read in the same statement, so within a
        :func:`request_scope` the checks together cost one read per request; with a change listener
        (:meth:`listen_for_changes`) none while nothing changes."""
        if name not in self._state_names:
            self._state_names = (*self._state_names, name)
        key = (id(self._side), self._state_table)

        def read() -> str | None:
            epoch = self._epoch()
            if epoch is not None:
                kept = self._kept_states
                if kept is not None and kept[0] == epoch and name in kept[1]:
                    return kept[1][name]
                values = self._read_states()  # read after the epoch was sampled: see store.changes
                self._kept_states = (epoch, values)
                return values[name]
            memo = _REQUEST_READS.get()
            values = memo.get(key) if memo is not None else None
            if values is None or name not in values:
                values = self._read_states()
                if memo is not None:
                    memo[key] = values
            return values[name]

        return read

    def _read_states(self) -> dict[str, str | None]:
        names = self._state_names
        mark = "?" if self.is_sqlite else "%s"
        # one row, one column per name (a missing name reads NULL), so one fetch answers them all
        columns = ", ".join(f"(SELECT value FROM {self._state_table} WHERE name = {mark})" for _ in names)
        row = self._side.fetch_one(f"SELECT {columns}", names)
        values = tuple(row) if row is not None else (None,) * len(names)
        return {n: None if v is None else str(v) for n, v in zip(names, values, strict=True)}

    def forget_request_reads(self) -> None:
        """Read the per-request values again on their next use (this process changed one): in this
        request, and, with a change listener, in every request of this process."""
        memo = _REQUEST_READS.get()
        if memo is not None:
            memo.pop((id(self._side), self._state_table), None)
        if self._side.listener is not None:
            self._side.listener.changed()

    def row_reader(
        self, table: str, columns: tuple[str, ...], key: str
    ) -> Callable[[str], tuple[Any, ...] | None]:
        """A reader of one row by its key (the member acting), on the side connection: the same
        answer as a read transaction, at a fraction of its cost (no session, checkout, BEGIN or COMMIT;
        each statement reads the latest committed state). For fixed, trusted table and column names.
        With a change listener, the rows of a table whose writes notify (``NOTIFYING_TABLES``) are kept
        (up to ``KEPT_ROWS`` keys) until the next notice."""
        qualified = f'"{self.schema}".{table}' if self.schema else table
        sql = f"SELECT {', '.join(columns)} FROM {qualified} WHERE {key} = {'?' if self.is_sqlite else '%s'}"
        keepable = table in NOTIFYING_TABLES
        kept: list[tuple[int, dict[str, tuple[Any, ...] | None]]] = [(-1, {})]

        def read(value: str) -> tuple[Any, ...] | None:
            epoch = self._epoch() if keepable else None
            if epoch is not None:
                held, rows = kept[0]
                if held == epoch and value in rows:
                    return rows[value]
            row = self._side.fetch_one(sql, (value,))
            if epoch is not None:
                held, rows = kept[0]
                if held != epoch:  # a newer or older epoch's rows: start this one's
                    rows = {}
                    kept[0] = (epoch, rows)
                if len(rows) < KEPT_ROWS:
                    rows[value] = row
            return row

        return read

    # ------------------------------------------------------------------ partnerships

    def partition(self, slug: str) -> Database:
        """The store of the partnership ``slug`` (not yet migrated: call :meth:`ensure_ready`)."""
        if slug == MAIN:
            return self
        if not SLUG.match(slug):
            raise ValueError(
                f"{slug!r} is not a partnership name: use a-z, 0-9 and _, starting with a letter"
            )
        if not self.is_sqlite:
            return Database(self.url, now=self.now, partition=slug, shared=self.base_engine, side=self._side)
        main = make_url(self.url)
        path = _sqlite_file(main)
        if path is None:
            raise DatabaseConfigError("partnerships other than the default need a file or a server database")
        folder = path.with_name(path.stem + ".partnerships")
        url = main.set(database=str(folder / f"{slug}.db")).render_as_string(hide_password=False)
        store = Database(url, now=self.now, partition=slug)
        if isinstance(self._side.listener, ChangeBeacon) and self._side.listener.serving:
            store.listen_for_changes()  # a serving process trusts each file's change counter
        return store

    def drop_partition(self, slug: str) -> None:
        """Delete the partnership ``slug``'s store: its PostgreSQL schema, or its SQLite file."""
        store = self.partition(slug)
        if store is self:
            raise ValueError("the default partnership's store is never dropped")
        if store.schema is not None:
            with self.base_engine.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{store.schema}" CASCADE')
            return
        store.dispose()
        database = make_url(store.url).database or ""
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)

    # ------------------------------------------------------------------ migrations

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config(self.url)).get_current_head()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.base_engine.connect() as connection:
            if self.schema is not None and not inspect(connection).has_schema(self.schema):
                return None
            opts = {"version_table_schema": self.schema} if self.schema else {}
            return MigrationContext.configure(connection, opts=opts).get_current_revision()

    def stored_revision(self) -> str | None:
        """The revision the store is at, by one plain query (None: not migrated yet). Unlike
        :meth:`current_revision` it needs no Alembic, so a start-up with nothing to migrate stays cheap."""
        table = f'"{self.schema}".alembic_version' if self.schema else "alembic_version"
        try:
            with self.base_engine.connect() as connection:
                return connection.execute(text(f"SELECT version_num FROM {table}")).scalar()
        except DBAPIError:  # no such table (or schema): a new store
            return None

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        config = _alembic_config(self.url, self.schema, self.partition_name)
        with self.base_engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def ensure_ready(self, seed: Callable[[Session], object] | None = None) -> None:
        """Create, migrate and seed on first use; cheap when already done. ``seed`` fills a new
        partnership's store (by default, the packaged plan and glossary)."""
        with self._ready_lock:
            if self._ready:
                return
            if self.stored_revision() != packaged_head():
                self.upgrade()
            if seed is None:
                from store.seed import is_seeded
                from store.seed import seed_all as seed  # seeding needs the migrated schema

                with self.read() as session:  # the usual start: seeded long ago, so no write transaction
                    if is_seeded(session):
                        self._ready = True
                        return
            with self.transaction() as session:
                seed(session)
            self._ready = True

    def dispose(self) -> None:
        if self._owns_engine:
            self._side.close()  # a partnership's store shares the main store's listener
            self.engine.dispose()
