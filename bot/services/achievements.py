"""Achievements against the plan's priorities: logged from chat, listed, edited, reported.

Members log for their own organisation (or none); coordinators for any. Members
edit and delete their own entries; coordinators any. Every change keeps a
history row (before and after) and an audit row in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, insert, select

from bot.clock import Today
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.permissions import Actor, require_member
from bot.privacy import ensure_no_personal_data
from bot.services.plan import PlanService, Priority
from store import audit
from store.db import Database
from store.models import AchievementChange, AchievementRow, AuditEvent
from store.plan_data import plan_year_bounds, plan_year_of
from store.prepared import Prepared

ACTIVE = "active"
DELETED = "deleted"
MAX_TEXT = 1000

# A log's statements, built once and compiled once per dialect (``store.prepared``): the values go in
# as parameters, so each log builds and compiles nothing (``insert().values(...)`` per call cost about
# as much as running it, and a Core execution of a cached statement about 40 us more than its SQL text).
_ACHIEVEMENTS: Table = AchievementRow.__table__  # type: ignore[assignment]
_LOG_ACHIEVEMENT = Prepared(insert(_ACHIEVEMENTS).returning(_ACHIEVEMENTS.c.id))
# SQLite gives the new row's id without RETURNING, whose row costs the statement a second step
_LOG_ACHIEVEMENT_SQLITE = Prepared(insert(_ACHIEVEMENTS))
_LOG_CHANGE = Prepared(insert(AchievementChange.__table__))
_LOG_AUDIT = Prepared(insert(AuditEvent.__table__))


@dataclass(frozen=True)
class Achievement:
    id: int
    priority: int
    organisation: str | None
    text: str
    achieved_on: date
    plan_year: str
    logged_by: str
    logged_at: datetime


@dataclass(frozen=True)
class Logged(Achievement):
    """A new achievement with the priority it went under (of the plan of its year): all the reply needs."""

    under: Priority


@dataclass(frozen=True)
class AchievementFilter:
    priority: int | None = None
    plan_year: str | None = None
    organisation: str | None = None
    logged_by: str | None = None


def _info(row: AchievementRow) -> Achievement:
    return Achievement(*_fields(row))


def _fields(row: AchievementRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.priority,
        row.organisation,
        row.text,
        row.achieved_on,
        row.plan_year,
        row.logged_by,
        row.logged_at,
    )


def _snapshot(row: AchievementRow) -> dict[str, Any]:
    return {
        "priority": row.priority,
        "organisation": row.organisation,
        "text": row.text,
        "achieved_on": row.achieved_on.isoformat(),
        "status": row.status,
    }


class AchievementService:
    def __init__(self, db: Database, plan: PlanService, today: Today) -> None:
        self._db = db
        self._plan = plan
        self._today = today

    def today(self) -> date:
        return self._today()

    # ------------------------------------------------------------------ who may (also asked before a form opens)

    def require_can_log(self, actor: Actor) -> None:
        require_member(actor, "log achievements")

    def may_log_for(self, actor: Actor, organisation: str) -> bool:
        """Coordinators log for any organisation; members for their own."""
        return actor.is_coordinator or (actor.org is not None and actor.org == organisation)

    def check_text(self, text: str) -> None:
        """Refuse personal data before a form shows the text again (``PersonalDataError``, with a masked
        rendering to offer). Empty text passes: the form asks for it."""
        ensure_no_personal_data(text)

    def other_organisation_named(self, actor: Actor, text: str) -> str | None:
        """Another partner's short name in a member's achievement that does not name their own: the
        member is asked whose it is. Coordinators log for any organisation, so they are not asked."""
        if actor.is_coordinator:
            return None
        known = {o.short for o in self._plan.organisations()}
        named = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9&]+", text) if w in known]
        if actor.org in named:
            return None
        return next((w for w in named if w != actor.org), None)

    def require_can_change(self, actor: Actor, achievement: Achievement, doing: str = "edit") -> None:
        require_member(actor, f"{doing} achievements")
        if not actor.is_coordinator and achievement.logged_by != actor.user_id:
            raise PermissionDenied(f"You can only {doing} achievements you logged.", "Ask a coordinator.")

    # ------------------------------------------------------------------ writing

    def log(
        self,
        actor: Actor,
        text: str,
        *,
        priority: int,
        organisation: str | None = None,
        achieved_on: date | None = None,
        no_organisation: bool = False,
    ) -> Logged:
        self.require_can_log(actor)
        text = self._checked_text(text)
        organisation = None if no_organisation else self._organisation_for(actor, organisation)
        achieved_on = self._checked_date(achieved_on or self._today())
        plan_year = plan_year_of(achieved_on)
        under = self._plan.priority(priority, plan_year)  # the priority of the plan of its year
        now = self._db.utcnow()
        # as _snapshot(row) records it
        after = {
            "priority": priority,
            "organisation": organisation,
            "text": text,
            "achieved_on": achieved_on.isoformat(),
            "status": ACTIVE,
        }
        # Core statements, not the ORM: a log is the most frequent write, and the unit of work (identity
        # map, two flushes, attribute events) was most of its CPU. The same three rows, one transaction.
        row = {
            "priority": priority, "organisation": organisation, "text": text, "achieved_on": achieved_on,
            "plan_year": plan_year, "position": 0, "status": ACTIVE, "logged_by": actor.user_id,
            "logged_at": now,
        }  # fmt: skip
        with self._db.statements() as connection:
            if self._db.is_sqlite:
                achievement_id: int = _LOG_ACHIEVEMENT_SQLITE.execute(connection, row).lastrowid
            else:
                achievement_id = _LOG_ACHIEVEMENT.execute(connection, row).scalar_one()
            _LOG_CHANGE.execute(
                connection,
                {
                    "achievement_id": achievement_id, "action": "log", "actor": actor.user_id, "at": now,
                    "before": None, "after": after,
                },
            )  # fmt: skip
            _LOG_AUDIT.execute(
                connection,
                audit.values(
                    actor=actor.user_id, action="achievement.log", target_type="achievement",
                    target_id=str(achievement_id), at=now,
                ),
            )  # fmt: skip
        return Logged(
            achievement_id,
            priority,
            organisation,
            text,
            achieved_on,
            plan_year,
            actor.user_id,
            now,
            under=under,
        )

    def edit(
        self,
        actor: Actor,
        achievement_id: int,
        *,
        text: str | None = None,
        priority: int | None = None,
        organisation: str | None = None,
        achieved_on: date | None = None,
    ) -> Achievement:
        require_member(actor, "edit achievements")
        if text is not None:
            text = self._checked_text(text)
        if priority is not None:
            self._plan.priority(priority)
        if organisation is not None:
            organisation = self._organisation_for(actor, organisation)
        if achieved_on is not None:
            achieved_on = self._checked_date(achieved_on)
        with self._db.transaction() as session:
            row = self._own_row(session, actor, achievement_id, "edit")
            before = _snapshot(row)
            row.text = text if text is not None else row.text
            row.priority = priority if priority is not None else row.priority
            row.organisation = organisation if organisation is not None else row.organisation
            if achieved_on is not None:
                row.achieved_on, row.plan_year = achieved_on, plan_year_of(achieved_on)
            if _snapshot(row) == before:
                return _info(row)
            self._record(session, actor, row, "edit", before=before)
            return _info(row)

    def delete(self, actor: Actor, achievement_id: int) -> Achievement:
        require_member(actor, "delete achievements")
        with self._db.transaction() as session:
            row = self._own_row(session, actor, achievement_id, "delete")
            before = _snapshot(row)
            row.status = DELETED
            self._record(session, actor, row, "delete", before=before)
            return _info(row)

    def restore(self, actor: Actor, achievement_id: int) -> Achievement:
        require_member(actor, "restore achievements")
        with self._db.transaction() as session:
            row = self._own_row(session, actor, achievement_id, "restore", status=DELETED)
            before = _snapshot(row)
            row.status = ACTIVE
            self._record(session, actor, row, "restore", before=before)
            return _info(row)

    # ------------------------------------------------------------------ reading

    def get(self, achievement_id: int) -> Achievement:
        with self._db.read() as session:
            row = session.get(AchievementRow, achievement_id)
            if row is None or row.status != ACTIVE:
                raise NotFound("That achievement no longer exists.")
            return _info(row)

    def list(self, wanted: AchievementFilter | None = None, limit: int | None = None) -> list[Achievement]:
        """Newest first: by plan year, then date, then the plan's own order."""
        wanted = wanted or AchievementFilter()
        query = select(AchievementRow).where(AchievementRow.status == ACTIVE)
        if wanted.priority is not None:
            query = query.where(AchievementRow.priority == wanted.priority)
        if wanted.plan_year is not None:
            query = query.where(AchievementRow.plan_year == wanted.plan_year)
        if wanted.organisation is not None:
            query = query.where(AchievementRow.organisation == wanted.organisation)
        if wanted.logged_by is not None:
            query = query.where(AchievementRow.logged_by == wanted.logged_by)
        query = query.order_by(
            AchievementRow.plan_year.desc(),
            AchievementRow.achieved_on.desc(),
            AchievementRow.position,  # the plan's own entries (same date) keep the plan's order
            AchievementRow.logged_at.desc(),
            AchievementRow.id.desc(),
        )
        if limit is not None:
            query = query.limit(limit)
        with self._db.read() as session:
            return [_info(r) for r in session.scalars(query)]

    def in_report_order(self, plan_year: str | None = None) -> list[Achievement]:
        """For the report: each year's entries in the plan's order, then in the order they were achieved."""
        query = select(AchievementRow).where(AchievementRow.status == ACTIVE)
        if plan_year is not None:
            query = query.where(AchievementRow.plan_year == plan_year)
        query = query.order_by(
            AchievementRow.plan_year.desc(),
            AchievementRow.priority,
            AchievementRow.position == 0,  # seeded (plan) entries first, in the plan's order
            AchievementRow.position,
            AchievementRow.achieved_on,
            AchievementRow.id,
        )
        with self._db.read() as session:
            return [_info(r) for r in session.scalars(query)]

    def history(self, achievement_id: int) -> list[AchievementChange]:
        with self._db.read() as session:
            return list(
                session.scalars(
                    select(AchievementChange)
                    .where(AchievementChange.achievement_id == achievement_id)
                    .order_by(AchievementChange.id)
                )
            )

    def plan_years(self) -> list[str]:
        with self._db.read() as session:
            years = session.scalars(
                select(AchievementRow.plan_year)
                .where(AchievementRow.status == ACTIVE)
                .distinct()
                .order_by(AchievementRow.plan_year.desc())
            )
            return list(years)

    # ------------------------------------------------------------------ helpers

    def _checked_text(self, text: str) -> str:
        text = " ".join(text.split())
        if not text:
            raise InvalidInput(
                "Say what was achieved.", "For example `/csp log P1 TVP secured 4 Criminal Behaviour Orders`."
            )
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"That is {len(text)} characters; an achievement is at most {MAX_TEXT}.")
        ensure_no_personal_data(text)
        return text

    def _checked_date(self, achieved_on: date) -> date:
        if achieved_on > self._today():
            raise InvalidInput("That date is in the future.", "Log an achievement once it has happened.")
        return achieved_on

    def _organisation_for(self, actor: Actor, organisation: str | None) -> str | None:
        if organisation is None or organisation == "":
            return actor.org
        short = self._plan.organisation(organisation).short
        if not self.may_log_for(actor, short):
            raise PermissionDenied(
                f"You can log achievements for {actor.org or 'your own organisation'}, not {short}.",
                "A coordinator can log it for them.",
            )
        return short

    def _own_row(
        self, session: Any, actor: Actor, achievement_id: int, doing: str, *, status: str = ACTIVE
    ) -> AchievementRow:
        row = session.get(AchievementRow, achievement_id, with_for_update=True)
        if row is None or row.status != status:
            raise NotFound(
                "That achievement no longer exists." if status == ACTIVE else "There is nothing to undo."
            )
        self.require_can_change(actor, _info(row), doing)
        return row

    def _record(self, session: Any, actor: Actor, row: AchievementRow, action: str, *, before: Any) -> None:
        if action != "log":
            row.updated_by, row.updated_at = actor.user_id, self._db.utcnow()
        session.add(
            AchievementChange(
                achievement_id=row.id, action=action, actor=actor.user_id, before=before, after=_snapshot(row)
            )
        )
        audit.record(
            session,
            actor=actor.user_id,
            action=f"achievement.{action}",
            target_type="achievement",
            target_id=str(row.id),
            detail=None,
        )


def plan_year_label(plan_year: str) -> str:
    start, end = plan_year_bounds(plan_year)
    return f"{plan_year} ({start:%-d %B %Y} to {end:%-d %B %Y})"
