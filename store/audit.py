"""The audit trail: who did what to which thing, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

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
