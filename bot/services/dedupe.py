"""Handling a request once, whichever worker Slack's retry or a double click reaches."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
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
        """True the first time ``key`` is seen within ``window``; False for a repeat."""
        now = self._db.utcnow()
        try:
            with self._db.transaction() as session:
                row = session.get(RequestKey, key[:200], with_for_update=True)
                if row is not None:
                    seen = row.seen_at if row.seen_at.tzinfo else row.seen_at.replace(tzinfo=now.tzinfo)
                    if now - seen < window:
                        return False
                    row.seen_at = now
                else:
                    session.add(RequestKey(key=key[:200], seen_at=now))
                self._claims += 1
                if self._claims % 500 == 0:
                    session.execute(delete(RequestKey).where(RequestKey.seen_at < now - KEEP))
            return True
        except IntegrityError:  # another worker recorded it at the same moment: theirs to handle
            return False
