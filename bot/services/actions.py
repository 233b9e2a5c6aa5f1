"""The plan's actions and their RAG status, with a reason and a history for every change.

Statuses: not started, green (on track), amber (at risk), red (off track),
complete. Amber and red need a reason. Members of the lead organisation and
coordinators update status; coordinators set the lead and the due date. An
action past its due date and not complete is overdue, whatever its colour.
Each write returns an ``ActionUpdate``: the action, the change it recorded (None when
the action already was so, and nothing was written) and the alerts it raised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from bot.clock import Today
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.permissions import Actor, require_coordinator, require_member
from bot.privacy import ensure_no_personal_data
from bot.services.alerts import AlertService, Raised, action_payload, raise_alert
from bot.services.history import FieldChange, field_change
from bot.services.plan import PlanService, current_year
from store import audit
from store.db import Database
from store.models import ActionChange, ActionLeadRow, ActionRow
from store.plan_data import plan_year_bounds

MAX_REASON = 1000


class Status(StrEnum):
    NOT_STARTED = "not_started"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def needs_reason(self) -> bool:
        return self in (Status.AMBER, Status.RED)


_LABELS = {
    Status.NOT_STARTED: "not started",
    Status.GREEN: "green (on track)",
    Status.AMBER: "amber (at risk)",
    Status.RED: "red (off track)",
    Status.COMPLETE: "complete",
}
_WORDS = {
    "not started": Status.NOT_STARTED,
    "not-started": Status.NOT_STARTED,
    "notstarted": Status.NOT_STARTED,
    "green": Status.GREEN,
    "g": Status.GREEN,
    "on track": Status.GREEN,
    "amber": Status.AMBER,
    "a": Status.AMBER,
    "at risk": Status.AMBER,
    "red": Status.RED,
    "r": Status.RED,
    "off track": Status.RED,
    "complete": Status.COMPLETE,
    "completed": Status.COMPLETE,
    "done": Status.COMPLETE,
}


def parse_status(text: str) -> tuple[Status | None, str]:
    """The status word(s) at the start of ``text`` and what follows: ("amber", "staff shortages")."""
    lowered = text.strip().lower()
    for words in sorted(_WORDS, key=len, reverse=True):
        if lowered == words or lowered.startswith(words + " "):
            return _WORDS[words], text.strip()[len(words) :].strip()
    return None, text.strip()


@dataclass(frozen=True)
class Action:
    ref: str
    priority: int
    text: str
    leads: tuple[str, ...]
    status: Status
    reason: str | None
    due_date: date
    updated_by: str | None
    updated_at: datetime | None
    overdue: bool
    plan_year: str = ""
    id: int = 0
    carried_from: int | None = None
    retired: bool = False

    @property
    def lead(self) -> str | None:
        """The lead organisations as one label ("WDC, TVP"), or None when it has none."""
        return ", ".join(self.leads) or None


def lead_organisations(action: Action) -> tuple[str, ...]:
    """An action's lead organisations (short names, in the plan's order): their members may update it
    and are nudged about it. The one place that says who leads an action, so permissions, nudges and
    "mine" agree on joint actions."""
    return action.leads


@dataclass(frozen=True)
class ActionUpdate:
    """What one write did. ``change`` is None when the action already was so: nothing was written."""

    action: Action
    change: FieldChange | None
    raised: Raised = field(default_factory=Raised)

    @property
    def changed(self) -> bool:
        return self.change is not None


@dataclass(frozen=True)
class ActionFilter:
    plan_year: str | None = None  # None: the current plan year
    priority: int | None = None
    lead: str | None = None
    status: Status | None = None
    overdue: bool = False


class ActionService:
    def __init__(self, db: Database, plan: PlanService, alerts: AlertService, today: Today) -> None:
        self._db = db
        self._plan = plan
        self._alerts = alerts
        self._today = today

    def action_of(self, row: ActionRow) -> Action:
        """A stored action as callers see it (for services reading actions in their own transaction)."""
        return self._info(row)

    def _info(self, row: ActionRow) -> Action:
        status = Status(row.status)
        overdue = status is not Status.COMPLETE and not row.retired and row.due_date < self._today()
        return Action(
            row.ref, row.priority, row.text, row.leads, status, row.reason, row.due_date, row.updated_by,
            row.updated_at, overdue, row.plan_year, row.id, row.carried_from, row.retired,
        )  # fmt: skip

    # ------------------------------------------------------------------ reading

    def get(self, ref: str, year: str | None = None) -> Action:
        with self._db.read() as session:
            return self._info(self._row(session, ref, year=year))

    def history(self, ref: str, limit: int = 15, year: str | None = None) -> list[FieldChange]:
        """Its changes, newest first, reading on into the years it was carried from."""
        with self._db.read() as session:
            row = self._row(session, ref, year=year)
            ids = [row.id]
            while row.carried_from is not None:
                row = session.get(ActionRow, row.carried_from)
                ids.append(row.id)
            rows = session.scalars(
                select(ActionChange)
                .where(ActionChange.action_id.in_(ids))
                .order_by(ActionChange.at.desc(), ActionChange.id.desc())
                .limit(limit)
            )
            return [field_change(r) for r in rows]

    def list(self, wanted: ActionFilter | None = None) -> list[Action]:
        wanted = wanted or ActionFilter()
        year = (
            wanted.plan_year or self._plan.current_year()
        )  # this process's copy of the plan (see PlanService)
        with self._db.read() as session:
            query = (
                select(ActionRow)
                .where(ActionRow.plan_year == year, ActionRow.retired.is_(False))
                .order_by(ActionRow.priority, ActionRow.position)
            )
            if wanted.priority is not None:
                query = query.where(ActionRow.priority == wanted.priority)
            if wanted.status is not None:
                query = query.where(ActionRow.status == wanted.status.value)
            actions = [self._info(r) for r in session.scalars(query)]
        if wanted.lead is not None:
            actions = [a for a in actions if wanted.lead in lead_organisations(a)]
        return [a for a in actions if a.overdue] if wanted.overdue else actions

    def can_update(self, actor: Actor, action: Action) -> bool:
        return actor.is_coordinator or (actor.org is not None and actor.org in lead_organisations(action))

    def require_can_update(self, actor: Actor, action: Action) -> None:
        require_member(actor, "update actions")
        if self.can_update(actor, action):
            return
        if action.leads:
            raise PermissionDenied(
                f"Only {' or '.join(action.leads)} members and coordinators can update {action.ref}.",
                "Ask a coordinator if your organisation should lead it.",
            )
        raise PermissionDenied(
            f"{action.ref} has no lead organisation, so only coordinators can update it.",
            f"A coordinator can set one: `/csp action {action.ref} lead ORG`.",
        )

    # ------------------------------------------------------------------ writing

    def set_status(self, actor: Actor, ref: str, status: Status, reason: str | None = None) -> ActionUpdate:
        require_member(actor, "update actions")
        reason = " ".join((reason or "").split()) or None
        if status.needs_reason and not reason:
            raise InvalidInput(
                f"{status.label.capitalize()} needs a reason, so nothing has changed.",
                f'Add one: `/csp action {ref.upper()} {status.value} "what is getting in the way"`.',
            )
        if reason:
            if len(reason) > MAX_REASON:
                raise InvalidInput(f"A reason is at most {MAX_REASON} characters.")
            ensure_no_personal_data(reason)
        with self._db.transaction() as session:
            # the row lock makes simultaneous updates queue: each lands in history, the last one wins
            row = self._row(session, ref, for_update=True)
            self.require_can_update(actor, self._info(row))
            before = row.status
            if (before, row.reason) == (status.value, reason):
                return ActionUpdate(self._info(row), None)
            # the same status with a new reason is an update worth its history row ("still amber, because …")
            change = self._change(session, actor, row, "status", before, status.value, reason)
            row.status, row.reason = status.value, reason
            self._touch(row, actor)
            alert = None
            if status is Status.RED and before != Status.RED.value:
                alert = raise_alert(
                    session, key=f"action:{row.ref}:red:{change.id}", kind="action_red", subject_type="action",
                    subject_id=row.ref, severity="High",
                    payload=action_payload(row, status_from=before, actor=actor.user_id),
                )  # fmt: skip
            return ActionUpdate(self._info(row), field_change(change), self._alerts.raised(session, alert))

    def set_lead(self, actor: Actor, ref: str, lead: str | None) -> ActionUpdate:
        """One lead (or none); ``lead`` may also name several, separated by ``;``, ``,`` or ``+``."""
        names = [n for n in re.split(r"[;,+\s]+", lead or "") if n]
        return self.set_leads(actor, ref, names)

    def set_leads(self, actor: Actor, ref: str, leads: Sequence[str]) -> ActionUpdate:
        require_coordinator(actor, "set an action's lead organisations")
        shorts = list(dict.fromkeys(self._plan.organisation(name).short for name in leads))
        with self._db.transaction() as session:
            row = self._row(session, ref, for_update=True)
            before = ";".join(row.leads) or None
            after = ";".join(shorts) or None
            if before == after:
                return ActionUpdate(self._info(row), None)
            change = self._change(session, actor, row, "leads", before, after, None)
            row.lead_rows = [ActionLeadRow(organisation=short, position=n) for n, short in enumerate(shorts)]
            self._touch(row, actor)
            session.flush()
            return ActionUpdate(self._info(row), field_change(change))

    def set_due(self, actor: Actor, ref: str, due: date) -> ActionUpdate:
        require_coordinator(actor, "set an action's due date")
        with self._db.transaction() as session:
            row = self._row(session, ref, for_update=True)
            if row.due_date == due:
                return ActionUpdate(self._info(row), None)
            change = self._change(
                session, actor, row, "due_date", row.due_date.isoformat(), due.isoformat(), None
            )
            row.due_date = due
            self._touch(row, actor)
            return ActionUpdate(self._info(row), field_change(change))

    def require_can_add(self, actor: Actor) -> None:
        """Asked before the new-action form opens, so a member is told now, not after filling it in."""
        require_coordinator(actor, "add actions")

    def add(
        self, actor: Actor, priority: int, text: str, leads: Sequence[str] = (), due: date | None = None
    ) -> ActionUpdate:
        """A new action under ``priority`` in the current plan year, numbered after the last one."""
        require_coordinator(actor, "add actions")
        text = _checked_text(text)
        shorts = list(dict.fromkeys(self._plan.organisation(name).short for name in leads))
        with self._db.transaction() as session:
            year = current_year(session, self._today())
            self._plan.priority(priority, year)
            first, last = plan_year_bounds(year)
            if due is not None and due < first:
                raise InvalidInput(
                    f"{due:%-d %B %Y} is before {year} starts.", "Give a date within the year or later."
                )
            siblings = list(
                session.scalars(
                    select(ActionRow).where(ActionRow.plan_year == year, ActionRow.priority == priority)
                )
            )
            number = 1 + max((int(r.ref.partition(".")[2]) for r in siblings), default=0)
            position = 1 + max(
                (p for p in session.scalars(select(ActionRow.position).where(ActionRow.plan_year == year))),
                default=0,
            )
            row = ActionRow(
                ref=f"P{priority}.{number}", plan_year=year, priority=priority, position=position, text=text,
                due_date=due or last, status=Status.NOT_STARTED.value, retired=False, carried_forward=False,
                lead_rows=[ActionLeadRow(organisation=s, position=n) for n, s in enumerate(shorts)],
            )  # fmt: skip
            session.add(row)
            session.flush()
            change = self._change(session, actor, row, "added", None, text[:200], None)
            return ActionUpdate(self._info(row), field_change(change))

    def set_text(self, actor: Actor, ref: str, text: str) -> ActionUpdate:
        require_coordinator(actor, "edit actions")
        text = _checked_text(text)
        with self._db.transaction() as session:
            row = self._row(session, ref, for_update=True)
            if row.text == text:
                return ActionUpdate(self._info(row), None)
            change = self._change(session, actor, row, "text", row.text[:200], text[:200], None)
            row.text = text
            self._touch(row, actor)
            return ActionUpdate(self._info(row), field_change(change))

    def retire(self, actor: Actor, ref: str, reason: str | None = None) -> ActionUpdate:
        """No longer tracked: kept with its history, gone from lists, reports and alerts."""
        require_coordinator(actor, "retire actions")
        reason = " ".join((reason or "").split()) or None
        if reason:
            ensure_no_personal_data(reason)
        with self._db.transaction() as session:
            row = self._row(session, ref, for_update=True)
            change = self._change(session, actor, row, "retired", None, "retired", reason)
            row.retired = True
            self._touch(row, actor)
            return ActionUpdate(self._info(row), field_change(change))

    # ------------------------------------------------------------------ helpers

    def _row(self, session: Any, ref: str, *, year: str | None = None, for_update: bool = False) -> ActionRow:
        """The action ``ref`` of ``year`` (by default the current plan year); writes only ever reach
        the current year: earlier years are history."""
        wanted = ref.strip().upper()
        year = year or current_year(session, self._today())
        query = select(ActionRow).where(ActionRow.ref == wanted, ActionRow.plan_year == year)
        if for_update:
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None or (for_update and row.retired):
            raise NotFound(
                f"There is no action {ref[:20]} in {year}.", f"See them with `/csp actions {year}`."
            )
        return row

    def _touch(self, row: ActionRow, actor: Actor) -> None:
        row.updated_by, row.updated_at = actor.user_id, self._db.utcnow()

    def _change(
        self,
        session: Any,
        actor: Actor,
        row: ActionRow,
        field: str,
        before: Any,
        after: Any,
        reason: str | None,
    ) -> ActionChange:
        change = ActionChange(
            action_id=row.id,
            action_ref=row.ref,
            field=field,
            before=before,
            after=after,
            reason=reason,
            actor=actor.user_id,
        )
        session.add(change)
        session.flush()
        audit.record(
            session, actor=actor.user_id, action=f"action.{field}", target_type="action", target_id=row.ref,
            detail={"before": before, "after": after},
        )  # fmt: skip
        return change


def _checked_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("Say what the action is.", '`/csp action add P1 "what will be done"`.')
    if len(text) > MAX_REASON:
        raise InvalidInput(f"An action is at most {MAX_REASON} characters.")
    ensure_no_personal_data(text)
    return text
