"""Reading the plan: the partnership, its partner organisations and its priorities."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.errors import InvalidInput
from store.db import Database
from store.models import OrganisationRow, PartnershipRow, PriorityRow


@dataclass(frozen=True)
class Organisation:
    short: str
    name: str


@dataclass(frozen=True)
class Priority:
    number: int
    title: str
    description: str
    achievements_heading: str

    @property
    def ref(self) -> str:
        return f"P{self.number}"


@dataclass(frozen=True)
class Partnership:
    name: str
    short_name: str
    plan_title: str
    plan_start: date
    plan_end: date
    achievements_intro: str | None = None  # the plan's own line under its achievements heading
    achievements_intro_year: str | None = None


class PlanService:
    """The partnership, its organisations and its priorities: read once per process and kept.

    Only seeding writes these rows (before a store's services are built, and before ``serve`` starts
    its workers), so a log no longer re-reads them on every request (three reads of 27 statements).
    A command that edits them at run time must call :meth:`forget`, and, for other workers, give the
    plan a version in ``app_state`` as the glossary has (``store.glossary_repo.bump_version``)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._partnership: Partnership | None = None
        self._organisations: list[Organisation] | None = None
        self._priorities: list[Priority] | None = None

    def forget(self) -> None:
        """Drop what this process has kept, after a change to the plan's rows."""
        with self._lock:
            self._partnership = self._organisations = self._priorities = None

    def partnership(self) -> Partnership:
        kept = self._partnership
        if kept is not None:
            return kept
        with self._db.read() as session:
            row = session.scalars(select(PartnershipRow).order_by(PartnershipRow.id)).first()
            if row is None:
                raise InvalidInput("The partnership plan has not been loaded.", "Run `csp-bot db upgrade`.")
            kept = Partnership(
                row.name, row.short_name, row.plan_title, row.plan_start, row.plan_end,
                row.achievements_intro, row.achievements_intro_year,
            )  # fmt: skip
        with self._lock:
            self._partnership = kept
        return kept

    def organisations(self) -> list[Organisation]:
        kept = self._organisations
        if kept is None:
            with self._db.read() as session:
                rows = session.scalars(select(OrganisationRow).order_by(OrganisationRow.position))
                kept = [Organisation(r.short, r.name) for r in rows]
            with self._lock:
                self._organisations = kept
        return list(kept)  # a copy: callers may sort or filter theirs

    def priorities(self) -> list[Priority]:
        kept = self._priorities
        if kept is None:
            with self._db.read() as session:
                rows = session.scalars(select(PriorityRow).order_by(PriorityRow.number))
                kept = [Priority(r.number, r.title, r.description, r.achievements_heading) for r in rows]
            with self._lock:
                self._priorities = kept
        return list(kept)

    def organisation(self, short: str) -> Organisation:
        wanted = short.strip().upper()
        for org in self.organisations():
            if org.short.upper() == wanted:
                return org
        known = ", ".join(o.short for o in self.organisations())
        raise InvalidInput(
            f"`{short[:20]}` is not one of the partnership's organisations.", f"Use one of: {known}."
        )

    def priority(self, ref: str | int) -> Priority:
        number = parse_priority(str(ref))
        for priority in self.priorities():
            if priority.number == number:
                return priority
        raise InvalidInput(f"There is no priority {ref}.", _priority_hint(self.priorities()))


def parse_priority(token: str) -> int | None:
    """ "P1", "p1", "P1:" and "1" are priority 1."""
    token = token.strip().rstrip(":.,").upper().removeprefix("PRIORITY").strip()
    token = token.removeprefix("P")
    return int(token) if token.isdigit() and len(token) <= 2 else None


def _priority_hint(priorities: list[Priority]) -> str:
    return "The priorities are " + "; ".join(f"P{p.number} {p.title}" for p in priorities) + "."
