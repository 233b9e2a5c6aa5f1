"""Is the store writable? Asked by GET /healthz, and after ``csp-bot ask`` when its command failed.

A server whose database has gone read-only (or unreachable) still answers look-ups, but every write
fails: that is not healthy, and a load balancer or a person should hear so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from store.db import Database
from store.models import RequestKey

_PROBE_KEY = "healthz:write-probe"


class _RolledBack(Exception):
    """Raised inside the probe's transaction so that nothing it wrote is kept."""


def write_problem(db: Database) -> str | None:
    """None when a row can be written (in a transaction then rolled back), otherwise a short reason."""
    try:
        with db.transaction() as session:
            session.add(RequestKey(key=_PROBE_KEY, seen_at=db.utcnow()))
            session.flush()
            raise _RolledBack
    except _RolledBack:
        return None
    except SQLAlchemyError as error:
        return f"the database cannot be written ({describe(error)})"
    except Exception as error:  # e.g. the pool cannot reach the server: still an answer, not a 500
        return f"the database cannot be written ({type(error).__name__})"


def describe(error: BaseException) -> str:
    """The kind of a database error, and the driver's own words for an operational one ("attempt to
    write a readonly database"); other kinds' messages can quote the values being written."""
    orig = getattr(error, "orig", None) or error
    if isinstance(error, OperationalError) and str(orig).strip():
        return f"{type(orig).__name__}: {str(orig).strip().splitlines()[0][:120]}"
    return type(orig).__name__


class StoreHealth:
    """The probe for /healthz, run at most once every ``every`` seconds per worker: a health check
    may be polled often, and on SQLite each probe takes the write lock for a moment."""

    def __init__(self, db: Database, *, every: float = 5.0) -> None:
        self._db = db
        self._every = every
        self._lock = threading.Lock()
        self._checked: float | None = None
        self._problem: str | None = None

    def __call__(self) -> str | None:
        with self._lock:
            now = time.monotonic()
            if self._checked is None or now - self._checked >= self._every:
                self._problem = write_problem(self._db)
                self._checked = now
            return self._problem


@contextmanager
def watch_store_failures(db: Database) -> Iterator[list[str]]:
    """Collect the database errors raised while the block runs (a failed write is caught by the
    listener and answered kindly; this lets a one-shot command still exit non-zero)."""
    failures: list[str] = []

    def record(context: ExceptionContext) -> None:
        # a duplicate key is how a repeat is recognised (request keys): an answer, not a failure
        if not isinstance(context.sqlalchemy_exception, IntegrityError):
            failures.append(describe(context.sqlalchemy_exception or context.original_exception))

    engine = db.base_engine
    event.listen(engine, "handle_error", record)
    try:
        yield failures
    finally:
        event.remove(engine, "handle_error", record)
