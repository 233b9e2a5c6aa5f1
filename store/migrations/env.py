"""Alembic environment: runs on the connection ``store.db.Database`` hands over, or on the URL.

A partnership with a PostgreSQL schema of its own is migrated inside that schema: ``SET LOCAL``
lasts only for this transaction, so the pooled connection goes back with its usual search path.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    schema = config.attributes.get("schema")
    if schema:
        connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        version_table_schema=schema,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
