"""Handling a request once, whichever worker Slack's retry or a double click reaches."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import IntegrityError

from store.db import Database
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
            ).returning(_TABLE.c.key)  # a row back when inserted or taken over; none for a repeat
        )
    return claim


class RequestKeys:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._claims = 0

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
                if claim.execute(connection, {"k": key, "at": now, "stale": now - window}).first() is None:
                    return False
                self._claims += 1
                if self._claims % 500 == 0:
                    connection.execute(delete(_TABLE).where(_TABLE.c.seen_at < now - KEEP))
            return True
        except IntegrityError:  # another worker recorded it at the same moment: theirs to handle
            return False
