"""One person's App Home publishes, spaced across every worker through the shared database, and the
refreshes a stopping worker still owed.

Each worker coalesces a person's refreshes on its own; with several workers each would still publish
the same Home every SPACING. So before publishing, a worker reads when that person's latest publish
started (by any worker) and records its own start. Times are the database server's clock, in seconds,
so workers on several machines agree; they only space publishes, and are never domain time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, literal, select

from store.models import HomePublish, HomeRefreshOwed
from store.upsert import insert_for

#: the Unix epoch as a Julian day: SQLite's clock in seconds is (julianday('now') - this) * 86400
_EPOCH_JULIAN_DAY = 2440587.5


def _server_seconds(dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - literal(_EPOCH_JULIAN_DAY)) * literal(86400.0)


def latest_start(connection: Connection, user_id: str) -> tuple[float, float | None]:
    """The database server's time now, and when ``user_id``'s latest publish started (None: never)."""
    latest = select(HomePublish.started).where(HomePublish.user_id == user_id).scalar_subquery()
    now, started = connection.execute(select(_server_seconds(connection.dialect.name), latest)).one()
    return float(now), None if started is None else float(started)


def record_start(connection: Connection, user_id: str, started: float) -> None:
    stmt = insert_for(connection.dialect.name)(HomePublish).values(user_id=user_id, started=started)
    connection.execute(
        stmt.on_conflict_do_update(index_elements=[HomePublish.user_id], set_={"started": started})
    )


def forget_stale(connection: Connection, seconds: float = 86_400.0) -> None:
    """Starts older than ``seconds`` space nothing any more: the daily purge drops them (a user ID each)."""
    now = _server_seconds(connection.dialect.name)
    connection.execute(HomePublish.__table__.delete().where(HomePublish.started < now - seconds))


def record_owed(connection: Connection, users: Sequence[str], at: datetime) -> None:
    """Each of ``users`` is owed a refresh. One statement that skips anyone recorded already: workers
    stopping together often owe the same person, and a read of who is recorded followed by inserts let
    one worker's insert fail on another's row, losing the rest of its batch."""
    if not users:
        return
    table = HomeRefreshOwed.__table__
    stmt = insert_for(connection.dialect.name)(table).values(
        [{"user_id": user, "owed_since": at} for user in users]
    )
    connection.execute(stmt.on_conflict_do_nothing(index_elements=[table.c.user_id]))


def clear_owed(connection: Connection, users: Sequence[str]) -> None:
    """Refreshes made: nothing is owed to these people now."""
    table = HomeRefreshOwed.__table__
    connection.execute(table.delete().where(table.c.user_id.in_(users)))
