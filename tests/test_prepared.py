"""A hot write's statements run as their compiled SQL text (``store.prepared``): what they store is
exactly what the same Core statement stores, on each database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, text

from bot.container import Services
from store.models import AchievementChange, AchievementRow, AuditEvent
from store.prepared import Prepared

ACHIEVEMENTS = AchievementRow.__table__
AT = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)


def stored(services: Services, table: str, row_id: int) -> dict[str, Any]:
    """The row as the database holds it (SQLite's text for dates and JSON, not the ORM's reading)."""
    with services.db.read() as session:
        row = session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).mappings().one()
    return {name: value for name, value in row.items() if name != "id"}


def test_prepared_inserts_store_what_core_stores(services: Services) -> None:
    achievement = {
        "priority": 2, "organisation": None, "text": "Prepared and Core alike", "achieved_on": date(2026, 11, 2),
        "plan_year": "2026-27", "position": 0, "status": "active", "logged_by": "U0PREP", "logged_at": AT,
    }  # fmt: skip
    returning = insert(ACHIEVEMENTS).returning(ACHIEVEMENTS.c.id)
    with services.db.statements() as connection:
        by_core = connection.execute(returning, achievement).scalar_one()
        by_prepared = Prepared(returning).execute(connection, achievement).scalar_one()
    assert by_prepared != by_core
    assert stored(services, "achievements", by_prepared) == stored(services, "achievements", by_core)

    change = {"achievement_id": by_core, "action": "log", "actor": "U0PREP", "at": AT, "before": None,
              "after": {"text": "Prepared – and “Core”", "priority": 2}}  # fmt: skip
    event = {"at": AT, "actor": "U0PREP", "action": "achievement.log", "target_type": "achievement",
             "target_id": str(by_core), "detail": None}  # fmt: skip
    ids = {}
    for name, table, values in (("change", AchievementChange, change), ("audit", AuditEvent, event)):
        statement = insert(table.__table__).returning(table.__table__.c.id)
        with services.db.statements() as connection:
            core = connection.execute(statement, values).scalar_one()
            prepared = Prepared(statement).execute(connection, values).scalar_one()
        ids[name] = (core, prepared)
    for table, name in (("achievement_changes", "change"), ("audit_events", "audit")):
        core, prepared = ids[name]
        assert stored(services, table, prepared) == stored(services, table, core)


def test_a_prepared_insert_needs_every_column_it_sets(services: Services) -> None:
    with services.db.statements() as connection, pytest.raises(ValueError, match="values needed"):
        Prepared(insert(ACHIEVEMENTS).values(status="active")).execute(connection, {"priority": 1})
