"""Reading the plan: the partnership, its plans and plan years, partner organisations and priorities.

A partnership has plans, one after another; the current plan is the one that starts last, and an
earlier plan is a past plan, kept for reading. Within a plan, plan years run 1 April to 31 March.
The current plan year is the newest year of the current plan that has actions (a year starts when
its actions are imported or rolled over into it); before any, the year today falls in.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from store.db import Database
from store.models import ActionRow, OrganisationRow, PartnershipRow, PlanRow, PriorityRow
from store.plan_data import plan_year_bounds, plan_year_of
from store.reference import REFERENCE_VERSION


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


@dataclass(frozen=True)
class _Reference:
    """What PlanService answers from: the plans, the partnership, its organisations and priorities, and
    which plan years have actions, as one reference-data version of the store held them."""

    version: str | None
    plans: tuple[Plan, ...]
    partnership: tuple[str, str] | None  # name, short name
    intros: dict[int, tuple[str | None, str | None]]  # plan id: achievements intro and its year
    organisations: tuple[Organisation, ...]  # retired too, in the plan's order
    priorities: dict[int, tuple[tuple[Priority, bool], ...]]  # plan id: (priority, retired), by number
    action_years: tuple[str, ...]  # with actions, retired ones too, oldest first
    live_action_years: frozenset[str]  # with actions not retired


def _load(session: Session, version: str | None) -> _Reference:
    partnership = session.execute(
        select(PartnershipRow.name, PartnershipRow.short_name).order_by(PartnershipRow.id).limit(1)
    ).first()
    plan_rows = list(session.scalars(select(PlanRow).order_by(PlanRow.period_start, PlanRow.id)))
    plans = _plans_of(plan_rows)
    organisations = tuple(
        Organisation(r.short, r.name, r.retired, r.successor)
        for r in session.scalars(
            select(OrganisationRow).order_by(OrganisationRow.position, OrganisationRow.short)
        )
    )
    priorities: dict[int, list[tuple[Priority, bool]]] = {}
    for r in session.scalars(select(PriorityRow).order_by(PriorityRow.plan_id, PriorityRow.number)):
        priority = Priority(r.number, r.title, r.description, r.achievements_heading)
        priorities.setdefault(r.plan_id, []).append((priority, r.retired))
    years = session.execute(select(ActionRow.plan_year, ActionRow.retired).distinct()).all()
    return _Reference(
        version=version,
        plans=plans,
        partnership=(partnership[0], partnership[1]) if partnership is not None else None,
        intros={r.id: (r.achievements_intro, r.achievements_intro_year) for r in plan_rows},
        organisations=organisations,
        priorities={plan: tuple(rows) for plan, rows in priorities.items()},
        action_years=tuple(sorted({year for year, _ in years})),
        live_action_years=frozenset(year for year, retired in years if not retired),
    )


class PlanService:
    """Plans, years, organisations and priorities. Coordinators change them at run time (plan import,
    rollover, orgs), so the copy this process keeps is checked against the store's reference-data version
    (``store.reference``) once per request: every worker sees an edit made through any other on its next
    request, and a log reads none of it from the database while nothing has changed."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._version = db.state_reader(REFERENCE_VERSION)
        self._lock = threading.Lock()
        self._held: _Reference | None = None

    def _reference(self) -> _Reference:
        version = self._version()
        held = self._held
        if held is not None and held.version == version:
            return held
        with self._lock:
            held = self._held
            if held is None or held.version != version:
                with self._db.read() as session:
                    # labelled with the version read before the rows: should an edit land in between,
                    # the rows are newer than their label and the next request reads them again
                    held = self._held = _load(session, version)
            return held

    # ------------------------------------------------------------------ plans and plan years

    def plans(self) -> list[Plan]:
        """Every plan, the current one last."""
        return list(self._reference().plans)

    def current_plan(self) -> Plan | None:
        plans = self._reference().plans
        return plans[-1] if plans else None

    def require_plan(self) -> Plan:
        plan = self.current_plan()
        if plan is None:
            raise no_plan_error()
        return plan

    def plan_for_year(self, year: str) -> Plan | None:
        """The plan that covers ``year``; for a year no plan covers, the current plan."""
        return _plan_for_year(self._reference().plans, year)

    def current_year(self) -> str:
        """See the module's note."""
        held = self._reference()
        started = (
            max((y for y in held.plans[-1].years if y in held.live_action_years), default=None)
            if held.plans
            else None
        )
        return _current_year(held.plans, started, self._db.today())

    def year(self, year: str | None) -> str:
        """The plan year asked for, checked, or the current one."""
        return checked_year(year) if year else self.current_year()

    def started_years(self) -> list[str]:
        """Plan years that have actions, oldest first."""
        return list(self._reference().action_years)

    # ------------------------------------------------------------------ the partnership

    def partnership_name(self) -> str:
        partnership = self._reference().partnership
        if partnership is None:
            raise InvalidInput("The partnership has not been set up.", "Run `csp-bot db upgrade`.")
        return partnership[0]

    def partnership(self, year: str | None = None) -> Partnership:
        held = self._reference()
        if held.partnership is None:
            raise InvalidInput("The partnership plan has not been loaded.", "Run `csp-bot db upgrade`.")
        if not held.plans:
            raise no_plan_error()
        plan = next((p for p in reversed(held.plans) if year and p.covers(year)), held.plans[-1])
        intro, intro_year = held.intros[plan.id]
        name, short_name = held.partnership
        return Partnership(name, short_name, plan.title, plan.start, plan.end, intro, intro_year)

    # ------------------------------------------------------------------ organisations

    def organisations(self, *, include_retired: bool = False) -> list[Organisation]:
        return [o for o in self._reference().organisations if include_retired or not o.retired]

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
        held = self._reference()
        plan = _plan_for_year(held.plans, year) if year else (held.plans[-1] if held.plans else None)
        if plan is None:
            return []
        return [p for p, retired in held.priorities.get(plan.id, ()) if include_retired or not retired]

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


def _plan_for_year(plans: tuple[Plan, ...], year: str) -> Plan | None:
    for plan in reversed(plans):
        if plan.covers(year):
            return plan
    return plans[-1] if plans else None


def _plans_of(rows: Sequence[PlanRow]) -> tuple[Plan, ...]:
    return tuple(
        Plan(r.id, r.title, r.period_start, r.period_end, r.updated, current=(n == len(rows) - 1))
        for n, r in enumerate(rows)
    )


def _current_year(plans: Sequence[Plan], started: str | None, today: date) -> str:
    """The module's note: the current plan's newest year with live actions, else today's year within it."""
    if not plans:
        return plan_year_of(today)
    if started:
        return started
    plan = plans[-1]
    return plan_year_of(min(max(today, plan.start), plan.end))


def current_year(session: Session, today: date) -> str:
    """See the module's note. Shared with the services that read inside their own transaction."""
    plans = _plans_of(list(session.scalars(select(PlanRow).order_by(PlanRow.period_start, PlanRow.id))))
    started = (
        session.scalar(
            select(func.max(ActionRow.plan_year)).where(
                ActionRow.plan_year.in_(plans[-1].years), ActionRow.retired.is_(False)
            )
        )
        if plans
        else None
    )
    return _current_year(plans, None if started is None else str(started), today)


def parse_priority(token: str) -> int | None:
    """ "P1", "p1", "P1:" and "1" are priority 1."""
    token = token.strip().rstrip(":.,").upper().removeprefix("PRIORITY").strip()
    token = token.removeprefix("P")
    return int(token) if token.isascii() and token.isdigit() and len(token) <= 2 else None  # not "²"


def _priority_hint(priorities: list[Priority]) -> str:
    return "The priorities are " + "; ".join(f"P{p.number} {p.title}" for p in priorities) + "."
