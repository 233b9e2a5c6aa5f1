"""Reading the plan: the partnership, its partner organisations and its priorities."""

from __future__ import annotations

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
    """Reference data changes rarely; it is read fresh (a few rows) so every worker agrees."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def partnership(self) -> Partnership:
        with self._db.read() as session:
            row = session.scalars(select(PartnershipRow).order_by(PartnershipRow.id)).first()
            if row is None:
                raise InvalidInput("The partnership plan has not been loaded.", "Run `csp-bot db upgrade`.")
            return Partnership(
                row.name, row.short_name, row.plan_title, row.plan_start, row.plan_end,
                row.achievements_intro, row.achievements_intro_year,
            )  # fmt: skip

    def organisations(self) -> list[Organisation]:
        with self._db.read() as session:
            rows = session.scalars(select(OrganisationRow).order_by(OrganisationRow.position))
            return [Organisation(r.short, r.name) for r in rows]

    def priorities(self) -> list[Priority]:
        with self._db.read() as session:
            rows = session.scalars(select(PriorityRow).order_by(PriorityRow.number))
            return [Priority(r.number, r.title, r.description, r.achievements_heading) for r in rows]

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
