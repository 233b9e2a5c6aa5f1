"""Changing the plan: new plans, priorities, a year's actions from a spreadsheet, rolling over to the
next plan year, exporting the plan, and the partner organisations.

Coordinators (and the operator at the command line) only. Every write is all or nothing, with a
history row per action and an audit row; the texts go through the personal-data guard.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.permissions import Actor, require_coordinator
from bot.privacy import PersonalDataError, ensure_no_personal_data
from bot.services.plan import Plan, PlanService, checked_year, current_year, no_plan_error
from store import audit
from store.db import Database
from store.models import (
    AchievementRow,
    ActionChange,
    ActionLeadRow,
    ActionRow,
    Member,
    OrganisationRow,
    PartnershipRow,
    PlanRow,
    PriorityRow,
    RiskRow,
)
from store.plan_data import ORGANISATION_PATTERN, PlanData, plan_year_bounds

#: the spreadsheet's columns, in the order ``plan export --format xlsx`` writes them
COLUMNS = ("priority", "priority_title", "ref", "action", "leads", "due")
MAX_TEXT = 1000
MAX_TITLE = 200
MAX_ROWS = 2000
_REF = re.compile(r"^P([1-9])\.([1-9][0-9]{0,2})$")  # no leading zeros: P1.01 would not be P1.1
_ORG_SHORT = re.compile(ORGANISATION_PATTERN)


@dataclass(frozen=True)
class ImportRow:
    row: int  # as the spreadsheet numbers it: the header is row 1
    priority: int
    priority_title: str
    ref: str
    text: str
    leads: tuple[str, ...]
    due: date


@dataclass
class ImportResult:
    year: str
    applied: bool = False
    new_priorities: list[str] = field(default_factory=list)
    renamed_priorities: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RolloverResult:
    year: str
    from_year: str
    carried: list[str]
    completed: list[str]
    applied: bool


@dataclass(frozen=True)
class Progress:
    plan: Plan
    year: str
    counts: dict[str, int]
    overdue: int
    total: int
    priorities: int
    past_plans: list[Plan]


class PlanningService:
    def __init__(self, db: Database, plan: PlanService) -> None:
        self._db = db
        self._plan = plan

    # ------------------------------------------------------------------ plans

    def new_plan(self, actor: Actor, title: str, start: date, end: date) -> Plan:
        require_coordinator(actor, "start a plan")
        title = _one_line(title, "The plan's title", MAX_TITLE)
        if (start.month, start.day) != (4, 1) or (end.month, end.day) != (3, 31) or start >= end:
            raise InvalidInput(
                "A plan runs in whole plan years: from 1 April to a later 31 March.",
                "For example --start 2026-04-01 --end 2029-03-31.",
            )
        with self._db.transaction() as session:
            for other in session.scalars(select(PlanRow)):
                if start <= other.period_end and other.period_start <= end:
                    raise InvalidInput(
                        f"That period overlaps “{other.title[:80]}” ({other.period_start:%Y}–{other.period_end:%Y}).",
                        "Plans follow one another: start the new one after the last one ends.",
                    )
                if start < other.period_start:
                    raise InvalidInput(
                        "A new plan starts after the plans before it.",
                        f"The latest runs to {other.period_end:%-d %B %Y}.",
                    )
            if session.scalar(select(PartnershipRow.id)) is None:
                raise InvalidInput("The partnership has not been set up.", "Run `csp-bot db upgrade`.")
            row = PlanRow(
                title=title, updated=None, period_start=start, period_end=end, source=None,
                created_by=actor.user_id,
            )  # fmt: skip
            session.add(row)
            session.flush()
            audit.record(
                session, actor=actor.user_id, action="plan.new", target_type="plan", target_id=str(row.id),
                detail={"start": start.isoformat(), "end": end.isoformat()},
            )  # fmt: skip
        plan = self._plan.current_plan()
        assert plan is not None
        return plan

    def progress(self, year: str | None = None) -> Progress:
        plan = self._plan.require_plan()
        year = self._plan.year(year)
        with self._db.read() as session:
            rows = list(
                session.scalars(
                    select(ActionRow).where(ActionRow.plan_year == year, ActionRow.retired.is_(False))
                )
            )
            today = self._db.today()
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        overdue = sum(r.status != "complete" and r.due_date < today for r in rows)
        return Progress(
            plan, year, counts, overdue, len(rows), len(self._plan.priorities()),
            [p for p in self._plan.plans() if not p.current],
        )  # fmt: skip

    # ------------------------------------------------------------------ priorities

    def add_priority(self, actor: Actor, title: str, number: int | None = None) -> int:
        require_coordinator(actor, "add priorities")
        title = _one_line(title, "A priority's title", MAX_TITLE)
        with self._db.transaction() as session:
            plan = _current_plan_row(session)
            taken = set(session.scalars(select(PriorityRow.number).where(PriorityRow.plan_id == plan.id)))
            number = number or (max(taken, default=0) + 1)
            if number in taken:
                raise InvalidInput(
                    f"P{number} exists already.", f"`/csp priority edit P{number} TITLE` renames it."
                )
            if not 1 <= number <= 9:
                raise InvalidInput("A plan has at most nine priorities, P1 to P9.")
            session.add(_priority_row(plan.id, number, title))
            session.flush()
            audit.record(
                session, actor=actor.user_id, action="priority.add", target_type="priority",
                target_id=f"P{number}", detail={"title": title},
            )  # fmt: skip
            return number

    def edit_priority(self, actor: Actor, ref: str, title: str) -> None:
        require_coordinator(actor, "edit priorities")
        title = _one_line(title, "A priority's title", MAX_TITLE)
        with self._db.transaction() as session:
            row = self._priority_row(session, ref)
            before = row.title
            row.title = title
            if row.achievements_heading == before:
                row.achievements_heading = title
            audit.record(
                session, actor=actor.user_id, action="priority.edit", target_type="priority",
                target_id=f"P{row.number}", detail={"before": before, "after": title},
            )  # fmt: skip

    def retire_priority(self, actor: Actor, ref: str) -> None:
        require_coordinator(actor, "retire priorities")
        with self._db.transaction() as session:
            row = self._priority_row(session, ref)
            year = current_year(session, self._db.today())
            open_actions = session.scalar(
                select(func.count()).where(
                    ActionRow.plan_year == year,
                    ActionRow.priority == row.number,
                    ActionRow.retired.is_(False),
                )
            )
            if open_actions:
                raise InvalidInput(
                    f"P{row.number} still has {open_actions} actions in {year}.",
                    f"Retire them first: `/csp action P{row.number}.1 retire`.",
                )
            row.retired = True
            audit.record(
                session, actor=actor.user_id, action="priority.retire", target_type="priority",
                target_id=f"P{row.number}", detail=None,
            )  # fmt: skip

    def _priority_row(self, session: Session, ref: str) -> PriorityRow:
        from bot.services.plan import parse_priority

        plan = _current_plan_row(session)
        number = parse_priority(ref)
        row = session.scalars(
            select(PriorityRow).where(PriorityRow.plan_id == plan.id, PriorityRow.number == number)
        ).first()
        if row is None or row.retired:
            raise InvalidInput(f"The current plan has no priority {ref[:12]}.", "`/csp plan` lists them.")
        return row

    # ------------------------------------------------------------------ a year's actions from a spreadsheet

    def import_actions(
        self, actor: Actor, filename: str, content: bytes, year: str, *, apply: bool
    ) -> ImportResult:
        """Preview (``apply=False``) or load a year's actions; any error and nothing is written."""
        require_coordinator(actor, "import a year's actions")
        year = checked_year(year)
        result = ImportResult(year)
        records = _read_table(filename, content)  # raises InvalidInput for a file that is not a table
        with self._db.transaction() as session:
            plan = _current_plan_row(session)
            self._check_year_open(session, plan, year)
            rows = self._checked_rows(session, records, year, result)
            if result.errors:
                return result
            priorities = {
                p.number: p
                for p in session.scalars(select(PriorityRow).where(PriorityRow.plan_id == plan.id))
            }
            existing = {
                a.ref: a for a in session.scalars(select(ActionRow).where(ActionRow.plan_year == year))
            }
            titles: dict[int, str] = {}
            for r in rows:
                if r.priority_title:
                    titles.setdefault(r.priority, r.priority_title)
            for number, title in sorted(titles.items()):
                known = priorities.get(number)
                if known is None:
                    result.new_priorities.append(f"P{number} {title}")
                elif known.title != title:
                    result.renamed_priorities.append(f"P{number} {known.title} → {title}")
            for r in rows:
                if r.priority not in priorities and r.priority not in titles:
                    result.errors.append(
                        f"row {r.row}: P{r.priority} is a new priority: give its priority_title."
                    )
            if result.errors:
                return result
            for r in rows:
                row = existing.get(r.ref)
                if row is None:
                    result.added.append(r.ref)
                elif row.retired:
                    result.errors.append(f"row {r.row}: {r.ref} was retired in {year}; give it a new ref.")
                elif (row.priority, row.text, row.leads, row.due_date) != (
                    r.priority,
                    r.text,
                    r.leads,
                    r.due,
                ):
                    result.changed.append(r.ref)
                else:
                    result.unchanged.append(r.ref)
            if result.errors or not apply:
                return result
            for number, title in sorted(titles.items()):
                known = priorities.get(number)
                if known is None:
                    session.add(_priority_row(plan.id, number, title))
                elif known.title != title:
                    if known.achievements_heading == known.title:
                        known.achievements_heading = title
                    known.title = title
            session.flush()
            position = max((a.position for a in existing.values()), default=0)
            for r in rows:
                row = existing.get(r.ref)
                if row is None:
                    position += 1
                    row = ActionRow(
                        ref=r.ref, plan_year=year, priority=r.priority, position=position, text=r.text,
                        due_date=r.due, status="not_started", retired=False, carried_forward=False,
                        lead_rows=[ActionLeadRow(organisation=o, position=n) for n, o in enumerate(r.leads)],
                    )  # fmt: skip
                    session.add(row)
                    session.flush()
                    _history(
                        session, actor, row, "added", None, r.text[:200], f"imported from {filename[:60]}"
                    )
                    continue
                for name, before, after in (
                    ("text", row.text, r.text),
                    ("leads", ";".join(row.leads) or None, ";".join(r.leads) or None),
                    ("due_date", row.due_date.isoformat(), r.due.isoformat()),
                ):
                    if before != after:
                        _history(
                            session,
                            actor,
                            row,
                            name,
                            _clip(before),
                            _clip(after),
                            f"imported from {filename[:60]}",
                        )
                row.priority, row.text, row.due_date = r.priority, r.text, r.due
                if row.leads != r.leads:
                    row.lead_rows = [ActionLeadRow(organisation=o, position=n) for n, o in enumerate(r.leads)]
                row.updated_by, row.updated_at = actor.user_id, self._db.utcnow()
            audit.record(
                session, actor=actor.user_id, action="plan.import", target_type="plan_year", target_id=year,
                detail={"added": len(result.added), "changed": len(result.changed)},
            )  # fmt: skip
            result.applied = True
            return result

    def _check_year_open(self, session: Session, plan: PlanRow, year: str) -> None:
        first, last = plan_year_bounds(year)
        if not (plan.period_start <= first and last <= plan.period_end):
            raise InvalidInput(
                f"{year} is outside the current plan ({plan.period_start:%Y}–{plan.period_end:%Y}).",
                'Start a new plan for it: `csp-bot plan new "TITLE" --start … --end …`.',
            )
        current = current_year(session, self._db.today())
        started = session.scalar(select(func.count()).where(ActionRow.plan_year == current))
        if started and year < current:
            raise InvalidInput(
                f"{year} is an earlier plan year than {current}: earlier years are kept as they were.",
                f"Import into {current} or a later year.",
            )

    def _checked_rows(
        self, session: Session, records: list[tuple[int, dict[str, str]]], year: str, result: ImportResult
    ) -> list[ImportRow]:
        orgs = {o.short.upper(): o for o in session.scalars(select(OrganisationRow))}
        first, last = plan_year_bounds(year)
        rows: list[ImportRow] = []
        seen: dict[str, int] = {}
        for number, record in records:
            problems: list[str] = []
            priority_text = record.get("priority", "").strip().upper().removeprefix("P")
            priority = (
                int(priority_text)
                if priority_text.isascii() and priority_text.isdigit() and len(priority_text) == 1
                else 0
            )
            if not 1 <= priority <= 9:
                problems.append(f"priority {record.get('priority', '')[:10]!r} is not a number from 1 to 9")
            ref = record.get("ref", "").strip().upper()
            match = _REF.fullmatch(ref)
            if match is None:
                problems.append(f"ref {ref[:16]!r} is not like P1.2")
            elif priority and int(match.group(1)) != priority:
                problems.append(f"ref {ref} is not under priority {priority}")
            elif ref in seen:
                problems.append(f"ref {ref} is also on row {seen[ref]}")
            else:
                seen[ref] = number
            text = " ".join(record.get("action", "").split())
            title = " ".join(record.get("priority_title", "").split())
            if not text:
                problems.append("the action is empty")
            elif len(text) > MAX_TEXT:
                problems.append(f"the action is {len(text)} characters; at most {MAX_TEXT}")
            if len(title) > MAX_TITLE:
                problems.append(f"the priority_title is {len(title)} characters; at most {MAX_TITLE}")
            for label, value in (("action", text), ("priority_title", title)):
                try:
                    ensure_no_personal_data(value)
                except PersonalDataError as error:
                    kinds = ", ".join(f.description for f in error.findings)
                    problems.append(f"the {label} looks like it contains personal data ({kinds})")
            leads: list[str] = []
            for name in (n.strip() for n in record.get("leads", "").split(";")):
                if not name:
                    continue
                org = orgs.get(name.upper())
                if org is None:
                    problems.append(f"{name[:16]!r} is not one of the partnership's organisations")
                elif org.retired:
                    problems.append(
                        f"{org.short} is retired" + (f" (now {org.successor})" if org.successor else "")
                    )
                elif org.short not in leads:
                    leads.append(org.short)
            due_text = record.get("due", "").strip()
            due = _parse_date(due_text) if due_text else last
            if due is None:
                problems.append(f"due {due_text[:20]!r} is not a date like 2027-03-31 or 31/03/2027")
            elif due < first:
                problems.append(f"due {due:%-d %B %Y} is before {year} starts")
            if problems:
                result.errors.append(f"row {number}: " + "; ".join(problems) + ".")
                continue
            assert due is not None
            rows.append(ImportRow(number, priority, title, ref, text, tuple(leads), due))
        if not records:
            result.errors.append("The file has a header but no actions.")
        return rows

    # ------------------------------------------------------------------ the next plan year

    def rollover(self, actor: Actor, year: str, *, apply: bool) -> RolloverResult:
        require_coordinator(actor, "start the next plan year")
        year = checked_year(year)
        with self._db.transaction() as session:
            plan = _current_plan_row(session)
            current = current_year(session, self._db.today())
            start, _ = plan_year_bounds(current)
            expected = f"{start.year + 1:04d}/{(start.year + 2) % 100:02d}"
            if year != expected:
                raise InvalidInput(
                    f"The current plan year is {current}, so the next one is {expected}, not {year}.",
                    f"`csp-bot plan rollover {expected}`.",
                )
            first, last = plan_year_bounds(year)
            if last > plan.period_end:
                raise InvalidInput(
                    f"{year} is after the current plan ends ({plan.period_end:%-d %B %Y}).",
                    'Start the next plan: `csp-bot plan new "TITLE" --start … --end …`.',
                )
            if session.scalar(select(func.count()).where(ActionRow.plan_year == year)):
                raise InvalidInput(
                    f"{year} has started already.", f"`/csp actions {year}` lists its actions."
                )
            rows = list(
                session.scalars(
                    select(ActionRow)
                    .where(ActionRow.plan_year == current, ActionRow.retired.is_(False))
                    .order_by(ActionRow.position)
                )
            )
            if not rows:
                raise InvalidInput(f"{current} has no actions to carry forward.", f"Import {year}'s instead.")
            carried = [r for r in rows if r.status != "complete"]
            completed = [r.ref for r in rows if r.status == "complete"]
            if apply:
                for old in carried:
                    # a due date set beyond the old year stays; the default (the old year's end) moves on
                    due = old.due_date if old.due_date >= first else last
                    new = ActionRow(
                        ref=old.ref, plan_year=year, priority=old.priority, position=old.position, text=old.text,
                        due_date=due, status=old.status, reason=old.reason, updated_by=old.updated_by,
                        updated_at=old.updated_at, retired=False, carried_from=old.id, carried_forward=False,
                        lead_rows=[ActionLeadRow(organisation=o, position=n) for n, o in enumerate(old.leads)],
                    )  # fmt: skip
                    session.add(new)
                    old.carried_forward = True
                    session.flush()
                    _history(session, actor, new, "carried", current, year, None)
                audit.record(
                    session, actor=actor.user_id, action="plan.rollover", target_type="plan_year", target_id=year,
                    detail={"from": current, "carried": len(carried), "completed": len(completed)},
                )  # fmt: skip
            return RolloverResult(year, current, [r.ref for r in carried], completed, apply)

    # ------------------------------------------------------------------ export

    def plan_data(self) -> PlanData:
        """The current plan as the plan file format (``store/plans/…``): validated, so it reads back in."""
        with self._db.read() as session:
            plan = _current_plan_row(session)
            partnership = session.scalars(select(PartnershipRow).order_by(PartnershipRow.id)).first()
            assert partnership is not None
            years = [
                f"{y:04d}/{(y + 1) % 100:02d}" for y in range(plan.period_start.year, plan.period_end.year)
            ]
            priorities = list(
                session.scalars(
                    select(PriorityRow).where(PriorityRow.plan_id == plan.id).order_by(PriorityRow.number)
                )
            )
            actions = list(
                session.scalars(
                    select(ActionRow)
                    .where(ActionRow.plan_year.in_(years))
                    .order_by(ActionRow.plan_year, ActionRow.priority, ActionRow.id)
                )
            )
            achievements = list(
                session.scalars(
                    select(AchievementRow)
                    .where(AchievementRow.plan_year.in_(years), AchievementRow.status == "active")
                    .order_by(AchievementRow.plan_year, AchievementRow.position, AchievementRow.id)
                )
            )
            orgs = list(session.scalars(select(OrganisationRow).order_by(OrganisationRow.position)))
            risks = list(session.scalars(select(RiskRow).order_by(RiskRow.position)))
            document: dict[str, Any] = {
                "partnership": {
                    "name": partnership.name,
                    "short_name": partnership.short_name,
                    "plan_title": plan.title,
                    "plan_updated": plan.updated or f"{plan.created_at:%B %Y}",
                    "plan_start": plan.period_start,
                    "plan_end": plan.period_end,
                    "source": plan.source or "csp-bot plan export",
                    **({"achievements_intro": plan.achievements_intro} if plan.achievements_intro else {}),
                    **(
                        {"achievements_intro_year": plan.achievements_intro_year}
                        if plan.achievements_intro_year
                        else {}
                    ),
                },
                "organisations": [
                    {"short": o.short, "name": o.name, "short_is_from_plan": o.short_is_from_plan}
                    for o in orgs
                ],
                "priorities": [
                    {
                        "number": p.number,
                        "title": p.title,
                        "description": p.description,
                        "achievements_heading": p.achievements_heading,
                    }
                    for p in priorities
                ],
                "actions": [
                    _action_document(a)
                    for a in sorted(
                        actions, key=lambda a: (a.plan_year, a.priority, int(a.ref.partition(".")[2]))
                    )
                ],
                "achievements": [
                    {
                        "priority": a.priority,
                        "plan_year": a.plan_year,
                        "text": a.text,
                        **({"organisation": a.organisation} if a.organisation else {}),
                    }
                    for a in achievements
                ],
                "risks": [
                    {
                        "ref": r.ref,
                        "description": r.description,
                        "likelihood": r.likelihood,
                        "impact": r.impact,
                        "preventative": r.preventative,
                        "contingent": r.contingent,
                        "owner": r.owner,
                    }
                    for r in risks
                ],
            }
        try:
            return PlanData.model_validate(document)
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidInput(
                f"The plan cannot be written as a plan file: {first['msg'][:200]}",
                "Action refs number 1, 2, 3 … within each priority and year.",
            ) from None

    def export_yaml(self) -> str:
        data = self.plan_data().model_dump(mode="json", exclude_defaults=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def export_rows(self, year: str | None = None) -> tuple[str, list[list[str]]]:
        """A year's actions as the import spreadsheet's rows (header first)."""
        year = self._plan.year(year)
        titles = {p.number: p.title for p in self._plan.priorities(year, include_retired=True)}
        with self._db.read() as session:
            actions = list(
                session.scalars(
                    select(ActionRow)
                    .where(ActionRow.plan_year == year, ActionRow.retired.is_(False))
                    .order_by(ActionRow.priority, ActionRow.position)
                )
            )
            rows = [list(COLUMNS)] + [
                [
                    str(a.priority), titles.get(a.priority, ""), a.ref, a.text, ";".join(a.leads),
                    a.due_date.isoformat(),
                ]
                for a in actions
            ]  # fmt: skip
        return year, rows

    # ------------------------------------------------------------------ organisations

    def add_organisation(self, actor: Actor, short: str, name: str) -> None:
        require_coordinator(actor, "add organisations")
        short, name = _org_short(short), _one_line(name, "The organisation's name", 200)
        with self._db.transaction() as session:
            if session.get(OrganisationRow, short) is not None:
                raise InvalidInput(f"{short} exists already.", "`/csp orgs` lists them.")
            _unique_name(session, name)
            position = (session.scalar(select(func.max(OrganisationRow.position))) or 0) + 1
            session.add(
                OrganisationRow(
                    short=short, name=name, short_is_from_plan=True, position=position, retired=False
                )
            )
            audit.record(
                session, actor=actor.user_id, action="org.add", target_type="organisation", target_id=short,
                detail={"name": name},
            )  # fmt: skip

    def rename_organisation(
        self, actor: Actor, old: str, new: str, name: str, *, move_members: bool = False
    ) -> int:
        """``old`` becomes (or merges into) ``new``: old records keep reading ``old``; the current year's
        actions it leads pass to ``new``; members move only when asked. Returns how many moved."""
        require_coordinator(actor, "rename organisations")
        new, name = _org_short(new), _one_line(name, "The organisation's name", 200)
        with self._db.transaction() as session:
            before = session.get(OrganisationRow, old.strip().upper()) or next(
                (
                    o
                    for o in session.scalars(select(OrganisationRow))
                    if o.short.upper() == old.strip().upper()
                ),
                None,
            )
            if before is None or before.retired:
                raise InvalidInput(f"`{old[:16]}` is not a current organisation.", "`/csp orgs` lists them.")
            target = session.get(OrganisationRow, new)
            if target is None:
                _unique_name(session, name, allow=before.short)
                position = (session.scalar(select(func.max(OrganisationRow.position))) or 0) + 1
                target = OrganisationRow(
                    short=new, name=name, short_is_from_plan=True, position=position, retired=False
                )
                session.add(target)
            elif target.retired:
                raise InvalidInput(f"{new} is retired.", "Rename into a current organisation.")
            before.retired, before.successor = True, new
            session.flush()
            year = current_year(session, self._db.today())
            for action in session.scalars(select(ActionRow).where(ActionRow.plan_year == year)):
                if before.short in action.leads:
                    leads = [new if o == before.short else o for o in action.leads]
                    leads = list(dict.fromkeys(leads))
                    _history(
                        session,
                        actor,
                        action,
                        "leads",
                        ";".join(action.leads),
                        ";".join(leads),
                        f"{before.short} became {new}",
                    )
                    action.lead_rows = [
                        ActionLeadRow(organisation=o, position=n) for n, o in enumerate(leads)
                    ]
            moved = 0
            if move_members:
                for member in session.scalars(select(Member).where(Member.org == before.short)):
                    member.org = new
                    moved += 1
            audit.record(
                session, actor=actor.user_id, action="org.rename", target_type="organisation", target_id=before.short,
                detail={"to": new, "members_moved": moved},
            )  # fmt: skip
            return moved

    def retire_organisation(self, actor: Actor, short: str) -> None:
        require_coordinator(actor, "retire organisations")
        with self._db.transaction() as session:
            row = session.get(OrganisationRow, short.strip().upper())
            if row is None or row.retired:
                raise InvalidInput(
                    f"`{short[:16]}` is not a current organisation.", "`/csp orgs` lists them."
                )
            year = current_year(session, self._db.today())
            leading = [
                a.ref
                for a in session.scalars(
                    select(ActionRow).where(ActionRow.plan_year == year, ActionRow.retired.is_(False))
                )
                if row.short in a.leads
            ]
            if leading:
                raise InvalidInput(
                    f"{row.short} still leads {', '.join(leading[:5])} in {year}.",
                    f"Give them another lead first, or rename {row.short} into the body that took it over.",
                )
            row.retired = True
            audit.record(
                session, actor=actor.user_id, action="org.retire", target_type="organisation", target_id=row.short,
                detail=None,
            )  # fmt: skip


# ---------------------------------------------------------------------- helpers


def _current_plan_row(session: Session) -> PlanRow:
    row = session.scalars(select(PlanRow).order_by(PlanRow.period_start.desc(), PlanRow.id.desc())).first()
    if row is None:
        raise no_plan_error()
    return row


def _priority_row(plan_id: int, number: int, title: str) -> PriorityRow:
    return PriorityRow(
        plan_id=plan_id,
        number=number,
        title=title,
        description=title,
        achievements_heading=title,
        retired=False,
    )


def _history(
    session: Session,
    actor: Actor,
    row: ActionRow,
    name: str,
    before: str | None,
    after: str | None,
    reason: str | None,
) -> None:
    session.add(
        ActionChange(
            action_id=row.id, action_ref=row.ref, field=name, before=before, after=after, reason=reason,
            actor=actor.user_id,
        )
    )  # fmt: skip
    audit.record(
        session, actor=actor.user_id, action=f"action.{name}", target_type="action", target_id=row.ref,
        detail={"year": row.plan_year, "before": before, "after": after},
    )  # fmt: skip


def _clip(value: str | None) -> str | None:
    return value[:200] if value else value


def _one_line(value: str, what: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise InvalidInput(f"{what} is empty.")
    if len(value) > limit:
        raise InvalidInput(f"{what} is {len(value)} characters; at most {limit}.")
    ensure_no_personal_data(value)
    return value


def _org_short(value: str) -> str:
    short = value.strip().upper()
    if not _ORG_SHORT.fullmatch(short):
        raise InvalidInput(
            f"`{value[:16]}` cannot be a short name.",
            "2 to 12 letters or digits, starting with a letter: BC, TVP, NHSBOB.",
        )
    return short


def _unique_name(session: Session, name: str, allow: str | None = None) -> None:
    for org in session.scalars(select(OrganisationRow).where(OrganisationRow.retired.is_(False))):
        if org.name.casefold() == name.casefold() and org.short != allow:
            raise InvalidInput(f"{org.short} is already called “{org.name}”.")


def _action_document(a: ActionRow) -> dict[str, Any]:
    document: dict[str, Any] = {"ref": a.ref, "priority": a.priority, "text": a.text}
    if len(a.leads) == 1:
        document["lead"] = a.leads[0]
    elif a.leads:
        document["leads"] = list(a.leads)
    document["plan_year"] = a.plan_year
    if a.due_date != plan_year_bounds(a.plan_year)[1]:
        document["due"] = a.due_date
    if a.retired or a.carried_forward:
        document["retired"] = True
    return document


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if " " in text:  # a spreadsheet date read as "2027-03-31 00:00:00"
        text = text.split(" ", 1)[0]
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _read_table(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The spreadsheet's data rows, numbered as a spreadsheet numbers them, keyed by column name."""
    if not content.strip():
        raise InvalidInput(
            f"{filename} is empty.",
            "Give a .csv or .xlsx file with a header row: " + ", ".join(COLUMNS) + ".",
        )
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        table = _xlsx_rows(filename, content)
    elif lower.endswith(".csv"):
        if b"\x00" in content:
            raise InvalidInput(
                f"{filename} is not a text CSV file.", "Save the spreadsheet as CSV (UTF-8) or .xlsx."
            )
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{filename} is not UTF-8 text.", "Save it as CSV (UTF-8) or .xlsx.") from None
        table = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise InvalidInput(f"{filename} is neither .csv nor .xlsx.", "Give a .csv or .xlsx file.")
    if not any(any(c.strip() for c in r) for r in table):
        raise InvalidInput(f"{filename} has no rows.", "Give a header row: " + ", ".join(COLUMNS) + ".")
    if not any(c.strip() for c in table[0]):
        raise InvalidInput(
            f"{filename} has no header row.", "The first row names the columns: " + ", ".join(COLUMNS) + "."
        )
    header = [c.strip().lower() for c in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{filename}, row 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.",
            "The header row names: " + ", ".join(COLUMNS) + ".",
        )
    if len(table) - 1 > MAX_ROWS:
        raise InvalidInput(f"{filename} has {len(table) - 1} rows; at most {MAX_ROWS}.")
    records = []
    for number, row in enumerate(table[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        records.append((number, {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)}))
    return records


def _xlsx_rows(filename: str, content: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput(
            f"{filename} is not an Excel .xlsx file.", "Save it from Excel as .xlsx, or as CSV."
        ) from None
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        rows.append([_cell_text(v) for v in values])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_bytes(rows: Sequence[Sequence[str]], title: str) -> bytes:
    """The import spreadsheet's layout: one sheet, the header row, text cells that never turn into formulas."""
    from openpyxl import Workbook

    from bot.documents.cells import put

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = re.sub(r"[\\/*?:\[\]]", "-", title)[:31]  # Excel forbids these in a sheet's name
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            put(sheet.cell(row=r, column=c), value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
