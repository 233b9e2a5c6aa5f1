"""Reading the plan: the partnership, its plans and plan years, partner organisations and priorities.

A partnership has plans, one after another; the current plan is the one that starts last, and an
earlier plan is a past plan, kept for reading. Within a plan, plan years run 1 April to 31 March.
The current plan year is the newest year of the current plan that has actions (a year starts when
its actions are imported or rolled over into it); before any, the year today falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from store.db import Database
from store.models import ActionRow, OrganisationRow, PartnershipRow, PlanRow, PriorityRow
from store.plan_data import plan_year_bounds, plan_year_of


@dataclass(frozen=True)
class Organisation:
    short: str
    name: str
    retired: bool = False
    successor: str | None = None


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
    """The partnership as one plan presents it (the current plan, or the plan of a given year)."""

    name: str
    short_name: str
    plan_title: str
    plan_start: date
    plan_end: date
    achievements_intro: str | None = None  # the plan's own line under its achievements heading
    achievements_intro_year: str | None = None


@dataclass(frozen=True)
class Plan:
    id: int
    title: str
    start: date
    end: date
    updated: str | None
    current: bool

    @property
    def years(self) -> list[str]:
        return [f"{y:04d}/{(y + 1) % 100:02d}" for y in range(self.start.year, self.end.year)]

    @property
    def period(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def covers(self, year: str) -> bool:
        first, last = plan_year_bounds(year)
        return self.start <= first and last <= self.end


def checked_year(year: str) -> str:
    try:
        plan_year_bounds(year)
    except ValueError:
        raise InvalidInput(
            f"`{year[:12]}` is not a plan year.", "Plan years run April to March: write 2018/19."
        ) from None
    return year


def no_plan_error() -> InvalidInput:
    return InvalidInput(
        "The partnership has no plan yet.",
        'A coordinator starts one: `csp-bot plan new "TITLE" --start 2026-04-01 --end 2029-03-31`.',
    )


class PlanService:
    """Plans, years, organisations and priorities. Coordinators change them at run time (plan import,
    rollover, orgs), so they are read fresh (a few rows) and every worker agrees; no per-process copy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ plans and plan years

    def plans(self) -> list[Plan]:
        """Every plan, the current one last."""
        with self._db.read() as session:
            return _plans(session)

    def current_plan(self) -> Plan | None:
        plans = self.plans()
        return plans[-1] if plans else None

    def require_plan(self) -> Plan:
        plan = self.current_plan()
        if plan is None:
            raise no_plan_error()
        return plan

    def plan_for_year(self, year: str) -> Plan | None:
        """The plan that covers ``year``; for a year no plan covers, the current plan."""
        plans = self.plans()
        for plan in reversed(plans):
            if plan.covers(year):
                return plan
        return plans[-1] if plans else None

    def current_year(self) -> str:
        with self._db.read() as session:
            return current_year(session, self._db.today())

    def year(self, year: str | None) -> str:
        """The plan year asked for, checked, or the current one."""
        return checked_year(year) if year else self.current_year()

    def started_years(self) -> list[str]:
        """Plan years that have actions, oldest first."""
        with self._db.read() as session:
            return list(session.scalars(select(ActionRow.plan_year).distinct().order_by(ActionRow.plan_year)))

    # ------------------------------------------------------------------ the partnership

    def partnership_name(self) -> str:
        with self._db.read() as session:
            name = session.scalar(select(PartnershipRow.name).order_by(PartnershipRow.id))
        if name is None:
            raise InvalidInput("The partnership has not been set up.", "Run `csp-bot db upgrade`.")
        return str(name)

    def partnership(self, year: str | None = None) -> Partnership:
        with self._db.read() as session:
            row = session.scalars(select(PartnershipRow).order_by(PartnershipRow.id)).first()
            if row is None:
                raise InvalidInput("The partnership plan has not been loaded.", "Run `csp-bot db upgrade`.")
            plans = _plans(session)
        if not plans:
            raise no_plan_error()
        plan = next((p for p in reversed(plans) if year and p.covers(year)), plans[-1])
        with self._db.read() as session:
            plan_row = session.get(PlanRow, plan.id)
            assert plan_row is not None
            return Partnership(
                row.name, row.short_name, plan_row.title, plan_row.period_start, plan_row.period_end,
                plan_row.achievements_intro, plan_row.achievements_intro_year,
            )  # fmt: skip

    # ------------------------------------------------------------------ organisations

    def organisations(self, *, include_retired: bool = False) -> list[Organisation]:
        with self._db.read() as session:
            query = select(OrganisationRow).order_by(OrganisationRow.position, OrganisationRow.short)
            if not include_retired:
                query = query.where(OrganisationRow.retired.is_(False))
            return [Organisation(r.short, r.name, r.retired, r.successor) for r in session.scalars(query)]

    def organisation(self, short: str, *, include_retired: bool = False) -> Organisation:
        wanted = short.strip().upper()
        for org in self.organisations(include_retired=include_retired):
            if org.short.upper() == wanted:
                return org
        for org in self.organisations(include_retired=True):
            if org.short.upper() == wanted and org.retired:
                raise InvalidInput(
                    f"{org.short} is retired" + (f": it became {org.successor}." if org.successor else "."),
                    "`/csp orgs` lists the partnership's organisations.",
                )
        known = ", ".join(o.short for o in self.organisations())
        raise InvalidInput(
            f"`{short[:20]}` is not one of the partnership's organisations.", f"Use one of: {known}."
        )

    # ------------------------------------------------------------------ priorities

    def priorities(self, year: str | None = None, *, include_retired: bool = False) -> list[Priority]:
        """The priorities of the plan that covers ``year`` (by default the current plan)."""
        plan = self.plan_for_year(year) if year else self.current_plan()
        if plan is None:
            return []
        with self._db.read() as session:
            query = select(PriorityRow).where(PriorityRow.plan_id == plan.id).order_by(PriorityRow.number)
            if not include_retired:
                query = query.where(PriorityRow.retired.is_(False))
            return [
                Priority(r.number, r.title, r.description, r.achievements_heading)
                for r in session.scalars(query)
            ]

    def priority(self, ref: str | int, year: str | None = None) -> Priority:
        number = parse_priority(str(ref))
        priorities = self.priorities(year)
        for priority in priorities:
            if priority.number == number:
                return priority
        if not priorities:
            raise InvalidInput(
                "The plan has no priorities yet.", '`/csp priority add "TITLE"` adds one (coordinators).'
            )
        raise InvalidInput(f"There is no priority {str(ref)[:12]}.", _priority_hint(priorities))


def _plans(session: Session) -> list[Plan]:
    rows = list(session.scalars(select(PlanRow).order_by(PlanRow.period_start, PlanRow.id)))
    return [
        Plan(r.id, r.title, r.period_start, r.period_end, r.updated, current=(n == len(rows) - 1))
        for n, r in enumerate(rows)
    ]


def current_year(session: Session, today: date) -> str:
    """See the module's note. Shared with the services that read inside their own transaction."""
    plans = _plans(session)
    if not plans:
        return plan_year_of(today)
    plan = plans[-1]
    started = session.scalar(
        select(func.max(ActionRow.plan_year)).where(
            ActionRow.plan_year.in_(plan.years), ActionRow.retired.is_(False)
        )
    )
    if started:
        return str(started)
    day = min(max(today, plan.start), plan.end)
    return plan_year_of(day)


def parse_priority(token: str) -> int | None:
    """ "P1", "p1", "P1:" and "1" are priority 1."""
    token = token.strip().rstrip(":.,").upper().removeprefix("PRIORITY").strip()
    token = token.removeprefix("P")
    return int(token) if token.isascii() and token.isdigit() and len(token) <= 2 else None  # not "²"


def _priority_hint(priorities: list[Priority]) -> str:
    return "The priorities are " + "; ".join(f"P{p.number} {p.title}" for p in priorities) + "."
