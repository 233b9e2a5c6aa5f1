"""Per-request checks kept until a change (``store.changes``): on PostgreSQL a worker listening for change
notices reads the glossary and reference-data versions, and who is a member, only when something changed;
an edit committed through another store (another worker, the command line, raw SQL) is answered by this
one's next look-up once its notice has reached this process, and whenever the listener is not known to be
good every look-up reads the database, as on SQLite."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.clock import SettableClock
from bot.container import Services
from bot.permissions import Actor, Role
from store.changes import ChangeListener
from store.db import Database, _listening_connection, request_scope
from tests.conftest import TEST_START
from tests.harness import SideReads, SlackHarness, found, run_csp_bot
from tests.test_request_cost import LOG_ROUND_TRIPS, counted

OPERATOR = Actor.operator()
TIMEOUT_S = 10.0


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.005)


def _listening(services: Services) -> ChangeListener:
    listener = services.db.listen_for_changes()
    assert listener is not None
    assert listener.wait_until_listening(TIMEOUT_S)
    return listener


def _told(listener: ChangeListener) -> Callable[[], bool]:
    """Whether a notice sent after this call has reached the listener's process: read by it, or waiting on
    its socket (the moment from which a look-up must answer the change)."""
    notices = listener.notices

    def told() -> bool:
        fd = listener._fd
        waiting = fd >= 0 and bool(select.select((fd,), (), (), 0)[0])
        return waiting or listener.notices > notices

    return told


@pytest.fixture
def postgres_only(services: Services) -> None:
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL's change notices")


def _add_entry(services: Services, key: str) -> None:
    services.glossary.add(OPERATOR, key, f"Test entry {key}")


# ---------------------------------------------------------------------- the cost


def test_a_listening_worker_reads_nothing_per_look_up_until_a_change(
    services: Services, another_worker: Services, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = _listening(services)
    reads = SideReads(services.db, monkeypatch)
    assert found(services, "MARAC")
    with request_scope():
        services.plan.priority(1)  # its reader joins the glossary's: both versions in one read from now on
    mark = len(reads.sql)
    for _ in range(5):
        assert found(services, "MARAC")
        with request_scope():
            services.plan.priority(1)
    assert reads.since(mark) == 0, reads.sql[mark:]
    notices = listener.notices
    _add_entry(another_worker, "ZQXV")
    _wait(lambda: listener.notices > notices and listener.epoch() is not None, "the listener read the notice")
    assert found(services, "ZQXV")
    assert reads.since(mark) == 1, "one read of both versions after the notice"
    mark = len(reads.sql)
    assert found(services, "ZQXV")
    assert reads.since(mark) == 0


def test_without_a_listener_every_look_up_reads_the_versions(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite, and PostgreSQL before listening starts: one read per request, as before."""
    reads = SideReads(services.db, monkeypatch)
    assert found(services, "MARAC")
    mark = len(reads.sql)
    for _ in range(3):
        assert found(services, "MARAC")
    assert reads.since(mark) == 3


def test_a_log_through_a_listening_worker_reads_only_its_request_key(
    slack: SlackHarness, people: dict[str, str], postgres_only: None
) -> None:
    """Who is acting and both versions are kept: a log is whether its key was seen, then its one write
    transaction (the key's claim with the log)."""
    _listening(slack.services)
    member = people["member"]
    slack.ask("log P1 warm-up entry for the caches", user=member)
    slack.services.background.drain()
    with counted(slack) as statements:
        reply = slack.ask("log P1 secured four Criminal Behaviour Orders", user=member)
    assert "Logged under P1" in str(reply)
    print(f"\n{len(statements)} round trips for one log, listening: {' '.join(statements)}")
    assert [s for s in statements if s.startswith("SIDE")] == ["SIDE SELECT"], statements  # the key
    assert len(statements) <= LOG_ROUND_TRIPS - 2


# ---------------------------------------------------------------------- an edit through another store


@pytest.mark.parametrize("listener", ["none", "listening", "stopped"])
def test_an_edit_through_another_store_is_answered_by_the_next_look_up(
    services: Services, another_worker: Services, listener: str
) -> None:
    """The window: the edit commits through ``other``; ``services`` (warm, its versions read) answers the
    next look-up. With a listener, from the moment the notice reaches the process; without one (SQLite,
    not started, stopped), at once, since every look-up reads."""
    if listener != "none" and services.db.is_sqlite:
        pytest.skip("PostgreSQL's change notices")
    running = _listening(services) if listener != "none" else None
    if running is not None and listener == "stopped":
        running.stop()
        assert running.epoch() is None
    assert not found(services, "ZQXV")
    told = _told(running) if listener == "listening" and running is not None else (lambda: True)
    _add_entry(another_worker, "ZQXV")
    _wait(told, "the notice reached the worker")
    assert found(services, "ZQXV")
    told = _told(running) if listener == "listening" and running is not None else (lambda: True)
    another_worker.glossary.remove(OPERATOR, "ZQXV")
    _wait(told, "the notice reached the worker")
    assert not found(services, "ZQXV")


def test_a_member_added_by_another_process_is_seen_by_the_next_request(
    services: Services, database_url: str
) -> None:
    """Two processes: the command line adds a member and exits; this worker's next request knows them
    (listening on PostgreSQL, from the notice; on SQLite by its per-request read)."""
    listener = None if services.db.is_sqlite else _listening(services)
    assert services.members.actor("U0TWOPROC").role is None
    told = _told(listener) if listener is not None else (lambda: True)
    done = run_csp_bot(
        "members", "add", "U0TWOPROC", "--role", "coordinator", "--org", "WDC", database_url=database_url
    )
    assert done.returncode == 0, done.stderr
    _wait(told, "the notice reached the worker")
    assert services.members.actor("U0TWOPROC").role is Role.COORDINATOR


def test_a_notice_waiting_on_the_socket_is_answered_before_the_listener_reads_it(
    services: Services, another_worker: Services, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy worker's listener thread may not have run yet: the look-up polls the socket itself."""
    listener = _listening(services)
    assert not found(services, "ZQXV")
    release = threading.Event()
    move = listener._move

    def held_move() -> None:
        if threading.current_thread().name == "csp-change-listener":
            release.wait(TIMEOUT_S)  # the listener thread stalls before moving the epoch or reading
        move()

    monkeypatch.setattr(listener, "_move", held_move)
    fd = listener._fd
    _add_entry(another_worker, "ZQXV")
    _wait(lambda: bool(select.select((fd,), (), (), 0)[0]), "the notice reached the socket")
    try:
        assert listener.epoch() is None
        assert found(services, "ZQXV")
    finally:
        release.set()
    _wait(lambda: listener.epoch() is not None, "the listener read the notice")
    assert found(services, "ZQXV")


def test_a_lost_listener_means_reading_per_request_until_it_is_back(
    services: Services, another_worker: Services, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = _listening(services)
    reads = SideReads(services.db, monkeypatch)
    assert not found(services, "ZQXV")
    engine = create_engine(services.db.url, poolclass=NullPool)
    try:
        with engine.begin() as connection:  # the server ends the listening connection (a restart, a kill)
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid})
    finally:
        engine.dispose()
    _wait(lambda: listener.epoch() is None, "the loss is seen")
    _add_entry(another_worker, "ZQXV")  # no notice can reach a lost listener: the next look-up reads
    assert found(services, "ZQXV")
    _wait(lambda: listener.connections == 2 and listener.epoch() is not None, "the listener is back")
    mark = len(reads.sql)
    assert found(services, "ZQXV") and found(services, "ZQXV")
    assert reads.since(mark) <= 1, "kept again once listening"


def test_a_raw_sql_change_sends_a_notice_too(
    services: Services, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The triggers notify, not the services: any writer of app_state or members is covered."""
    listener = _listening(services)
    reads = SideReads(services.db, monkeypatch)
    assert services.members.actor("U0RAWSQL").role is None
    mark = len(reads.sql)
    assert services.members.actor("U0RAWSQL").role is None
    assert reads.since(mark) == 0, "the answer (not a member) is kept"
    engine = create_engine(services.db.url, poolclass=NullPool)
    told = _told(listener)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO members (user_id, role, org, added_by, added_at) VALUES ('U0RAWSQL', 'coordinator', 'WDC', 'U0OPS', now())"
                )
            )
    finally:
        engine.dispose()
    _wait(told, "the notice reached the worker")
    assert services.members.actor("U0RAWSQL").role is Role.COORDINATOR


class _PooledAway:
    """A connection whose LISTEN ends up on another server process (a pooler in transaction mode)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, *args: Any) -> Any:
        return self._connection.execute("SELECT 1" if sql.startswith("LISTEN") else sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_a_listener_that_cannot_listen_stops_and_every_look_up_reads(
    services: Services, postgres_only: None
) -> None:
    engine = services.db.base_engine
    connect = partial(_listening_connection, engine)
    listener = ChangeListener(lambda: _PooledAway(connect()))
    try:
        listener.start()
        _wait(lambda: listener.unsupported, "the listener found it is not listening")
        assert listener.epoch() is None and not listener.wait_until_listening(0.1)
        assert listener.start()._thread is None or not listener._thread.is_alive()
    finally:
        listener.close()


# ---------------------------------------------------------------------- who is acting


def test_a_member_s_role_is_kept_until_a_change(
    services: Services, another_worker: Services, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = _listening(services)
    reads = SideReads(services.db, monkeypatch)
    assert services.members.actor("U0NEWBIE").role is None
    mark = len(reads.sql)
    assert services.members.actor("U0NEWBIE").role is None
    assert reads.since(mark) == 0
    told = _told(listener)
    another_worker.members.add(OPERATOR, "U0NEWBIE", Role.COORDINATOR, "WDC")
    _wait(told, "the notice reached the worker")
    assert services.members.actor("U0NEWBIE").role is Role.COORDINATOR
    told = _told(listener)
    another_worker.members.remove(OPERATOR, "U0NEWBIE")
    _wait(told, "the notice reached the worker")
    assert services.members.actor("U0NEWBIE").role is None


class _QuietListener:
    """A listener that is trusted and never hears a notice: only this process's own changes move it."""

    def __init__(self) -> None:
        self.moved = 0

    def epoch(self) -> int:
        return self.moved

    def changed(self) -> None:
        self.moved += 1

    def close(self) -> None:
        pass


def test_a_change_this_process_commits_is_seen_without_waiting_for_its_notice(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply to an edit, and the editor's next request on the same worker, must see it before (here:
    without) the notice: the commit itself moves the epoch on. Members and both versions, on both databases."""
    quiet = _QuietListener()
    monkeypatch.setattr(services.db._side, "listener", quiet)
    reads = SideReads(services.db, monkeypatch)
    assert services.members.actor("U0NEWBIE").role is None
    assert not found(services, "ZQXV")
    with request_scope():
        assert "BC" not in {o.short for o in services.plan.organisations()}
    mark = len(reads.sql)
    assert services.members.actor("U0NEWBIE").role is None and not found(services, "ZQXV")
    assert reads.since(mark) == 0, "kept while the quiet listener says nothing changed"
    services.members.add(
        OPERATOR, "U0NEWBIE", Role.COORDINATOR, "WDC"
    )  # a members row and the reference version
    assert services.members.actor("U0NEWBIE").role is Role.COORDINATOR
    _add_entry(services, "ZQXV")  # the glossary version, moved through the ORM
    assert found(services, "ZQXV")
    services.planning.add_organisation(
        OPERATOR, "BC", "Buckinghamshire Council"
    )  # the reference version alone
    with request_scope():
        assert "BC" in {o.short for o in services.plan.organisations()}
    assert quiet.moved == 3
    services.achievements.log(Actor("U0NEWBIE", Role.COORDINATOR, "WDC"), "ran a week", priority=1)
    assert quiet.moved == 3, "a log changes nothing that is kept"


# ---------------------------------------------------------------------- the migration and the process


def test_every_store_on_the_server_has_the_triggers(services: Services, postgres_only: None) -> None:
    store = services.db.partition("northshire")
    store.ensure_ready(seed=lambda _session: None)
    with services.db.read() as session:
        found = set(
            tuple(row)
            for row in session.execute(
                text(
                    "SELECT n.nspname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname LIKE '%\\_notify'"
                )
            )
        )
    assert {("public", "app_state"), ("public", "members")} <= found
    assert {("csp_northshire", "app_state"), ("csp_northshire", "members")} <= found


def test_a_partnership_s_store_shares_the_listener_and_keeps_its_own_values(
    services: Services, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = _listening(services)
    store = services.db.partition("northshire")
    store.ensure_ready(seed=lambda _session: None)
    assert store.listen_for_changes() is listener
    reader = store.state_reader("glossary_version")
    reads = SideReads(store, monkeypatch)
    assert reader() is None and reader() is None
    assert len(reads.sql) == 1
    with store.transaction() as session:  # raw SQL: only the notice tells
        session.execute(
            text("INSERT INTO \"csp_northshire\".app_state (name, value) VALUES ('glossary_version', '41')")
        )
    _wait(lambda: reader() == "41", "the notice reached the worker")
    assert services.db.state_reader("glossary_version")() != "41", "the main store's value is its own"


def test_a_forked_child_trusts_nothing_it_inherited(services: Services, postgres_only: None) -> None:
    listener = _listening(services)
    assert listener.epoch() is not None
    pid = os.fork()
    if pid == 0:  # the child: exit at once, whatever happens
        code = 0 if listener.epoch() is None and listener._thread is None else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert listener.epoch() is not None, "the parent's listener is untouched"


# ---------------------------------------------------------------------- the protocol, every interleaving


class _CounterSide:
    """A side connection whose ``app_state`` holds one counter (every name reads it)."""

    def __init__(self) -> None:
        self.value = 0
        self.listener: ChangeListener | None = None

    def fetch_one(self, _sql: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(str(self.value) for _ in params)

    def close(self) -> None:
        pass


class EpochProtocol(RuleBasedStateMachine):
    """``Database.state_reader`` with a ``ChangeListener`` whose thread's steps (and the server's deliveries)
    the machine takes one at a time, in any order the real ones could happen: commits here and elsewhere,
    a notice reaching the socket, the listener moving the epoch / reading the socket / moving it again,
    heartbeats, losses and reconnections. A read never answers less than ``known``: the newest value whose
    notice has reached the socket, committed by this process, or committed while not listening."""

    def __init__(self) -> None:
        super().__init__()
        self.db = Database("sqlite://", now=SettableClock(TEST_START))
        self.side = _CounterSide()
        self.db._side = self.side  # type: ignore[assignment]
        self.db._ready = True
        self.listener = ChangeListener(lambda: None)  # never started: the rules are its thread
        self.side.listener = self.listener
        self.read = self.db.state_reader("glossary_version")
        self.socket_r, self.socket_w = os.pipe()
        os.set_blocking(self.socket_r, False)
        self.connected = False
        self.in_flight: list[int] = []  # notices sent, not yet on the socket
        self.step = 0  # the listener's loop: 0 waiting, 1 moved, 2 read the socket (then moves again)
        self.heartbeat = False
        self.known = 0

    def teardown(self) -> None:
        self.listener.close()
        for fd in (self.socket_r, self.socket_w):
            os.close(fd)
        self.db.dispose()

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(self.socket_r, 1 << 16)

    def _waiting(self) -> bool:
        return bool(select.select((self.socket_r,), (), (), 0)[0])

    @precondition(lambda self: not self.connected)
    @rule()
    def connect(self) -> None:
        self._drain()
        self.listener._fd = self.socket_r
        self.listener._trust(True)
        self.connected, self.step, self.heartbeat = True, 0, False

    @precondition(lambda self: self.connected)
    @rule()
    def lose(self) -> None:
        self.listener._lost()
        self.connected, self.in_flight = False, []
        self._drain()

    @rule(here=st.booleans())
    def commit(self, here: bool) -> None:
        self.side.value += 1
        if self.connected:
            self.in_flight.append(self.side.value)
        if here:  # Database.transaction, after the commit of a change this process made
            self.db.forget_request_reads()
        if here or not self.connected:
            self.known = self.side.value

    @precondition(lambda self: self.in_flight)
    @rule()
    def deliver(self) -> None:
        os.write(self.socket_w, b"n" * len(self.in_flight))
        self.known = max(self.known, *self.in_flight)
        self.in_flight = []

    @precondition(lambda self: self.connected and not self.heartbeat)
    @rule()
    def listener_step(self) -> None:
        if self.step == 0 and self._waiting():
            self.listener._move()
            self.step = 1
        elif self.step == 1:
            self._drain()  # connection.notifies(): whatever is there now, delivered after the move or not
            self.step = 2
        elif self.step == 2:
            self.listener._move()
            self.step = 0

    @precondition(lambda self: self.connected and self.step == 0)
    @rule()
    def heartbeat_step(self) -> None:
        if not self.heartbeat:
            self.listener._trust(False)
        else:
            self._drain()  # the statement reads whatever arrived
            self.listener._trust(True)
        self.heartbeat = not self.heartbeat

    @rule()
    def look_up(self) -> None:
        value = int(self.read() or 0)
        assert self.known <= value <= self.side.value


EpochProtocol.TestCase.settings = hypothesis_settings(
    max_examples=300, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_the_epoch_protocol_never_answers_a_value_older_than_a_notice = EpochProtocol.TestCase
