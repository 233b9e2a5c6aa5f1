"""Handling a request once, whichever worker Slack's retry or a double click reaches."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import RequestKey

#: keys older than this are forgotten (Slack retries an event within minutes)
KEEP = timedelta(hours=1)


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
                insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
                table = RequestKey.__table__
                claim = insert(table).values(key=key, seen_at=now)
                claim = claim.on_conflict_do_update(
                    index_elements=["key"],
                    set_={"seen_at": claim.excluded.seen_at},
                    where=table.c.seen_at <= now - window,
                ).returning(table.c.key)  # a row back when inserted or taken over; none for a repeat
                if connection.execute(claim).first() is None:
                    return False
                self._claims += 1
                if self._claims % 500 == 0:
                    connection.execute(delete(table).where(table.c.seen_at < now - KEEP))
            return True
        except IntegrityError:  # another worker recorded it at the same moment: theirs to handle
            return False
