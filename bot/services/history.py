"""Field-by-field change history, shared by the plan's actions and the risk register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None
    reason: str | None
    actor: str
    at: datetime


def field_change(row: Any) -> FieldChange:
    """One row of an action's or a risk's change table, as callers see it."""
    return FieldChange(row.field, row.before, row.after, row.reason, row.actor, row.at)


def recent_changes(
    session: Session, model: Any, owner_column: Any, owner: str, limit: int
) -> list[FieldChange]:
    """The newest ``limit`` changes of one action or risk (``model`` is its change table)."""
    rows = session.scalars(select(model).where(owner_column == owner).order_by(model.id.desc()).limit(limit))
    return [field_change(r) for r in rows]
