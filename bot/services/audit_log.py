"""The audit trail, read back: who changed what and when, newest first, for coordinators only.

Each write in the app records one ``audit_events`` row in its own transaction (``store.audit``);
this service filters them by person, by the thing changed (P1.2, R3, an achievement's number) or by a
word, a page at a time. Everyone else is told, kindly, that the trail is for coordinators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, func, or_, select

from bot.permissions import Actor, require_coordinator
from store.db import Database
from store.models import AuditEvent

MAX_LIMIT = 1000
_REF = re.compile(r"^(?:P\d{1,2}(?:\.\d{1,3})?|R\d{1,4}|\d{1,9})$", re.IGNORECASE)


def is_audit_ref(text: str) -> bool:
    """A plan action (P1.2), a risk (R3) or an achievement's number (42)."""
    return bool(_REF.match(text.strip()))


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class AuditQuery:
    user: str | None = None
    ref: str | None = None
    term: str | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.user or self.ref or self.term)


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    query: AuditQuery
    offset: int
    has_more: bool


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def search(self, actor: Actor, query: AuditQuery, *, limit: int = 20, offset: int = 0) -> AuditPage:
        require_coordinator(actor, "see the audit trail")
        limit = max(1, min(limit, MAX_LIMIT))
        offset = max(0, offset)
        statement = select(AuditEvent)
        if query.user:
            statement = statement.where(
                or_(
                    AuditEvent.actor == query.user,
                    and_(AuditEvent.target_type == "member", AuditEvent.target_id == query.user),
                )
            )
        if query.ref:
            statement = statement.where(func.upper(AuditEvent.target_id) == query.ref.strip().upper())
        if query.term:
            term = query.term.strip().lower()
            statement = statement.where(
                or_(
                    *(
                        func.lower(column).contains(term, autoescape=True)
                        for column in (
                            AuditEvent.action,
                            AuditEvent.target_type,
                            AuditEvent.target_id,
                            cast(AuditEvent.detail, Text),
                        )
                    )
                )
            )
        # one more than asked for says whether there is a next page, without counting them all
        statement = (
            statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit + 1)
        )
        with self._db.read() as session:
            rows = list(session.scalars(statement))
        entries = tuple(
            AuditEntry(r.id, r.at, r.actor, r.action, r.target_type, r.target_id, r.detail)
            for r in rows[:limit]
        )
        return AuditPage(entries, query, offset, len(rows) > limit)
