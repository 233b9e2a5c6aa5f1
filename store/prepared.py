"""A hot write's statements, compiled once and run as their SQL text.

A log's three inserts and a request key's claim run on every write request. Run as Core statements,
each execution looks the compiled form up in the cache, builds an execution context and converts its
values again: about 40 us of CPU a statement on SQLite, as much as the database's own work. Here the
statement is compiled once per dialect and sent through ``Connection.exec_driver_sql`` with its values
converted by the same bind processors SQLAlchemy would use, so the SQL, the stored values and the
statement events (round trips are still counted) are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable

_Binds = tuple[tuple[str, Callable[[Any], Any] | None], ...]


class Prepared:
    """``Prepared(insert(table).returning(...)).execute(connection, values)``: a Core statement with
    plain bind parameters (the values by column or bindparam name), for hot paths."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, _Binds, bool]] = {}

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> CursorResult[Any]:
        if connection.get_execution_options().get("schema_translate_map"):
            # a partnership's schema on a shared PostgreSQL engine: rendered per execution by Core
            return connection.execute(self.statement, dict(values))
        dialect = connection.dialect
        key = (dialect.name, tuple(values))  # an INSERT names the columns given, as Core's would
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect, key[1])
        sql, binds, positional = compiled
        if positional:
            params: Any = tuple(
                values[name] if process is None else process(values[name]) for name, process in binds
            )
        else:
            params = {
                name: values[name] if process is None else process(values[name]) for name, process in binds
            }
        return connection.exec_driver_sql(sql, params)


def _compile(statement: Executable, dialect: Dialect, given: tuple[str, ...]) -> tuple[str, _Binds, bool]:
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(given))  # type: ignore[attr-defined]
    by_name = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}
    names = compiled.positiontup if compiled.positional else list(by_name)
    missing = [name for name in names if name not in given]
    if missing:  # a column default Core would compute at execution: not for this fast path
        raise ValueError(f"values needed for {missing}: give every column the statement sets")
    binds = tuple((name, by_name[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names)
    return compiled.string, binds, bool(compiled.positional)
