"""Handling a request once, whichever worker Slack's retry or a double click reaches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, delete
from sqlalchemy.exc import IntegrityError

from store.db import Database, FirstWrite
from store.models import RequestKey
from store.prepared import Prepared
from store.upsert import insert_for

#: keys older than this are forgotten (Slack retries an event within minutes)
KEEP = timedelta(hours=1)


_TABLE = RequestKey.__table__
_CLAIMS: dict[str, Prepared] = {}


def _claim(dialect: str) -> Prepared:
    """The claim, built once per dialect with its values as parameters: building the statement on every
    request cost about as much as running it (and compiled once: ``store.prepared``)."""
    claim = _CLAIMS.get(dialect)
    if claim is None:
        insert = insert_for(dialect)
        at = _TABLE.c.seen_at.type  # typed, so SQLite stores and compares the time stamps as the ORM does
        claim = insert(_TABLE).values(
            key=bindparam("k", type_=_TABLE.c.key.type), seen_at=bindparam("at", type_=at)
        )
        claim = _CLAIMS[dialect] = Prepared(
            claim.on_conflict_do_update(
                index_elements=["key"],
                set_={"seen_at": claim.excluded.seen_at},
                where=_TABLE.c.seen_at <= bindparam("stale", type_=at),
            )  # one row counted when inserted or taken over, none for a repeat (no RETURNING to fetch)
        )
    return claim


class AlreadyHandled(BaseException):
    """A request's key turned out to be claimed inside its first write (a copy of the request that
    raced the original): the write rolls back and the request is acknowledged, not run. Derived from
    BaseException, as GeneratorExit is, so that no ``except Exception`` between the write and the
    middleware that claims the key (a listener's guard, Bolt's runner) turns it into an error reply."""


class RequestKeys:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._claims = 0
        self._seen_at = db.row_reader("request_keys", ("seen_at",), "key")
        # the stored time stamp as a datetime (SQLite returns text; PostgreSQL's driver a datetime)
        dialect = db.engine.dialect
        self._stamp = _TABLE.c.seen_at.type.dialect_impl(dialect).result_processor(dialect, None)

    def seen(self, key: str, *, window: timedelta = KEEP) -> bool:
        """Whether ``key`` was claimed within ``window``: one small read, no write transaction."""
        row = self._seen_at(key[:200])
        if row is None or row[0] is None:
            return False
        stamp = self._stamp(row[0]) if self._stamp is not None else row[0]
        if isinstance(stamp, datetime) and stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)  # SQLite keeps UTC without its offset
        return bool(stamp > self._db.utcnow() - window)

    @contextmanager
    def claimed_with_first_write(self, key: str, *, window: timedelta = KEEP) -> Iterator[FirstWrite]:
        """Within the block, ``key`` is claimed inside the first write transaction (and commits with
        it); a key claimed already raises :class:`AlreadyHandled` there, and nothing is written.
        ``done`` says whether a write claimed it; if none did, :meth:`first` claims it afterwards."""
        key = key[:200]

        def claim(connection: Connection) -> None:
            now = self._db.utcnow()
            try:
                claimed = (
                    _claim(connection.dialect.name)
                    .execute(connection, {"k": key, "at": now, "stale": now - window})
                    .rowcount
                )
            except IntegrityError:  # another worker's copy took it at the same moment
                raise AlreadyHandled(key) from None
            if claimed == 0:
                raise AlreadyHandled(key)
            self._forget_old(connection, now)

        with self._db.with_first_write(claim) as owed:
            yield owed

    def _forget_old(self, connection: Connection, now: datetime) -> None:
        self._claims += 1
        if self._claims % 500 == 0:
            connection.execute(delete(_TABLE).where(_TABLE.c.seen_at < now - KEEP))

    def first(self, key: str, *, window: timedelta = KEEP) -> bool:
        """True the first time ``key`` is seen within ``window``; False for a repeat.

        One statement: insert the key, or take over a row older than ``window``; a row within it
        changes nothing, and no row changed means a repeat (the ORM's read, lock and insert were
        three round trips and a third of a log's CPU)."""
        now = self._db.utcnow()
        key = key[:200]
        try:
            with self._db.statements() as connection:
                claim = _claim(connection.dialect.name)
                if claim.execute(connection, {"k": key, "at": now, "stale": now - window}).rowcount == 0:
                    return False
                self._forget_old(connection, now)
            return True
        except IntegrityError:  # another worker recorded it at the same moment: theirs to handle
            return False
