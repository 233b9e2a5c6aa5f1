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


def recent_changes(
    session: Session, model: Any, owner_column: Any, owner: str, limit: int
) -> list[FieldChange]:
    """The newest ``limit`` changes of one action or risk (``model`` is its change table)."""
    rows = session.scalars(select(model).where(owner_column == owner).order_by(model.id.desc()).limit(limit))
    return [FieldChange(r.field, r.before, r.after, r.reason, r.actor, r.at) for r in rows]
