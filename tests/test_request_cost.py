"""What one request costs the database: SQL statements counted with SQLAlchemy's events (a count, not a
timing). A log is at most 9 round trips (issue 14 allows 12); a look-up reads the glossary version once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

import store.db as store_db
from bot.container import Services
from tests.harness import SlackHarness


@contextmanager
def counted(slack: SlackHarness) -> Iterator[list[str]]:
    """Every round trip the request's own thread makes: statements, the BEGIN, COMMIT, ROLLBACK and
    pre-ping that PostgreSQL's driver sends without a statement event, and the reads made on the side
    connection (``Database.state_reader``, ``row_reader``). Background work is not counted."""
    statements: list[str] = []
    mine = threading.get_ident()
    engine = slack.services.db.base_engine
    pings = engine.pool._pre_ping  # type: ignore[attr-defined]

    def note(what: str) -> None:
        if threading.get_ident() == mine:
            statements.append(what)

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        note(sql.split(None, 1)[0].upper())

    listeners: list[tuple[Any, str, Any]] = [
        (engine, "before_cursor_execute", statement),
        (
            engine,
            "begin",
            lambda _conn: note("BEGIN"),
        ),  # SQLite's is the dialect's do_begin, no statement event
        (engine, "commit", lambda _conn: note("COMMIT")),
        (engine, "rollback", lambda _conn: note("ROLLBACK")),
    ]
    if pings:
        listeners.append((engine.pool, "checkout", lambda *_args: note("PING")))
    side = slack.services.db._side  # small reads outside the pool (the glossary version, who is acting)
    fetch = side.fetch_one

    def side_read(sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        note("SIDE " + sql.split(None, 1)[0].upper())
        return fetch(sql, params)

    for target, name, listener in listeners:
        event.listen(target, name, listener)
    side.fetch_one = side_read  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        side.fetch_one = fetch  # type: ignore[method-assign]
        for target, name, listener in listeners:
            event.remove(target, name, listener)


# Issue 14's target is 12; a log makes 9, in one write transaction. Whether the request's key was seen
# (one side read), who is acting (one side read), the glossary and reference-data versions (one side read
# for both), and the write: BEGIN, the key's claim (INSERT … RETURNING), the achievement, its history row,
# its audit row, COMMIT. The plan, its priorities and the organisations are not read: this process's copy
# is current while the reference version is unchanged (``store.reference``), and the service hands the
# reply the priority it checked. Before that copy a log made 27 round trips, reading the organisations,
# the plans and the priorities twice each; before the key's claim joined the log's transaction, 10.
LOG_ROUND_TRIPS = 9


def test_an_achievement_log_costs_a_bounded_number_of_statements(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    member = people["member"]
    slack.ask("log P1 warm-up entry for the caches", user=member)  # the first request fills the caches
    slack.services.background.drain()
    with counted(slack) as statements:
        reply = slack.ask("log P1 secured four Criminal Behaviour Orders", user=member)
    assert "Logged under P1" in str(reply)
    print(f"\n{len(statements)} round trips for one log: {' '.join(statements)}")
    assert len(statements) <= LOG_ROUND_TRIPS, statements
    assert statements.count("SIDE SELECT") == 3, "the key, who is acting, and the versions: three small reads"
    assert statements.count("BEGIN") == statements.count("COMMIT") == 1, "one write transaction"
    assert "SELECT" not in statements, "no read transaction: the plan data is this process's copy"


def test_a_look_up_reads_the_glossary_version_once(slack: SlackHarness, monkeypatch: Any) -> None:
    side = slack.services.db._side
    reads: list[tuple[Any, ...]] = []
    fetch = side.fetch_one

    def counting(sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        reads.append(params)
        return fetch(sql, params)

    slack.ask("acronym MARAC")  # builds the index
    monkeypatch.setattr(side, "fetch_one", counting)
    assert "Multi Agency Risk Assessment Committee" in str(slack.ask("acronym MARAC"))
    assert len(reads) == 1 and "glossary_version" in reads[0]  # with the reference version, in one read
    reads.clear()
    slack.services.glossary.lookup("MARAC")  # outside a request (the CLI), each use reads
    assert len(reads) == 1 and "glossary_version" in reads[0]


def test_an_idle_postgresql_connection_that_died_is_replaced(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a pre-ping on every checkout, a pooled connection the server dropped while it sat idle
    must still not fail the next request."""
    db = services.db
    if db.is_sqlite:
        pytest.skip("PostgreSQL's pool only")
    with db.read() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    outside = create_engine(db.url, poolclass=NullPool)  # not from the pool, to end the pooled one from
    with outside.begin() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    outside.dispose()
    monkeypatch.setattr(store_db, "IDLE_PING_SECONDS", 0.0)
    with db.read() as session:
        assert session.scalar(text("SELECT pg_backend_pid()")) != pid
