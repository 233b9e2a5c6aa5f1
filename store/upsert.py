"""INSERT … ON CONFLICT for the store's dialect, its module imported only when first asked for.

SQLAlchemy's PostgreSQL dialect package imports every driver's module (asyncpg, psycopg, pg8000 …):
tens of milliseconds that an SQLite process (``csp-bot ask`` on the demo store) never needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def insert_for(dialect: str) -> Callable[..., Any]:
    """``insert`` of the named dialect ("postgresql", else SQLite), with ``on_conflict_do_*``."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
