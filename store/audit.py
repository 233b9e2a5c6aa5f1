"""The audit trail: who did what to which thing, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from store.models import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(actor=actor, action=action, target_type=target_type, target_id=target_id, detail=detail)
    )


def values(
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit row's values for :func:`record_many`: as :func:`record` writes it, with its time stamp."""
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "detail": detail,
    }


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many audit rows in a few statements (a bulk import writes one per entry)."""
    if rows:
        session.execute(insert(AuditEvent.__table__), rows)
