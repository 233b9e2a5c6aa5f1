"""The plan's actions and their RAG status, with a reason and a history for every change.

Statuses: not started, green (on track), amber (at risk), red (off track),
complete. Amber and red need a reason. Members of the lead organisation and
coordinators update status; coordinators set the lead and the due date. An
action past its due date and not complete is overdue, whatever its colour.
Each write returns an ``ActionUpdate``: the action, the change it recorded (None when
the action already was so, and nothing was written) and the alerts it raised.
"""

from __future__ import annotations

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
from bot.services.history import FieldChange, field_change, recent_changes
from bot.services.plan import PlanService
from store import audit
from store.db import Database
from store.models import ActionChange, ActionRow

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
    lead: str | None
    status: Status
    reason: str | None
    due_date: date
    updated_by: str | None
    updated_at: datetime | None
    overdue: bool


def lead_organisations(action: Action) -> tuple[str, ...]:
    """The organisations leading an action: their members may update it and are nudged about it.
    The one place that answers this, so several leads per action (issue 11 §2) change only here."""
    return (action.lead,) if action.lead else ()


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
        overdue = status is not Status.COMPLETE and row.due_date < self._today()
        return Action(
            row.ref, row.priority, row.text, row.lead, status, row.reason, row.due_date, row.updated_by,
            row.updated_at, overdue,
        )  # fmt: skip

    # ------------------------------------------------------------------ reading

    def get(self, ref: str) -> Action:
        with self._db.read() as session:
            return self._info(self._row(session, ref))

    def history(self, ref: str, limit: int = 15) -> list[FieldChange]:
        with self._db.read() as session:
            row = self._row(session, ref)
            return recent_changes(session, ActionChange, ActionChange.action_ref, row.ref, limit)

    def list(self, wanted: ActionFilter | None = None) -> list[Action]:
        wanted = wanted or ActionFilter()
        query = select(ActionRow).order_by(ActionRow.priority, ActionRow.position)
        if wanted.priority is not None:
            query = query.where(ActionRow.priority == wanted.priority)
        if wanted.lead is not None:
            query = query.where(ActionRow.lead == wanted.lead)
        if wanted.status is not None:
            query = query.where(ActionRow.status == wanted.status.value)
        with self._db.read() as session:
            actions = [self._info(r) for r in session.scalars(query)]
        return [a for a in actions if a.overdue] if wanted.overdue else actions

    def can_update(self, actor: Actor, action: Action) -> bool:
        return actor.is_coordinator or (actor.org is not None and actor.org in lead_organisations(action))

    def require_can_update(self, actor: Actor, action: Action) -> None:
        require_member(actor, "update actions")
        if self.can_update(actor, action):
            return
        if action.lead:
            raise PermissionDenied(
                f"Only {action.lead} members and coordinators can update {action.ref}.",
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
        require_coordinator(actor, "set an action's lead organisation")
        short = self._plan.organisation(lead).short if lead else None
        with self._db.transaction() as session:
            row = self._row(session, ref, for_update=True)
            if row.lead == short:
                return ActionUpdate(self._info(row), None)
            change = self._change(session, actor, row, "lead", row.lead, short, None)
            row.lead = short
            self._touch(row, actor)
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

    # ------------------------------------------------------------------ helpers

    def _row(self, session: Any, ref: str, *, for_update: bool = False) -> ActionRow:
        wanted = ref.strip().upper()
        row = session.get(ActionRow, wanted, with_for_update=for_update)
        if row is None:
            raise NotFound(f"There is no action {ref[:20]}.", "See them all with `/csp actions`.")
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
            action_ref=row.ref, field=field, before=before, after=after, reason=reason, actor=actor.user_id
        )
        session.add(change)
        session.flush()
        audit.record(
            session, actor=actor.user_id, action=f"action.{field}", target_type="action", target_id=row.ref,
            detail={"before": before, "after": after},
        )  # fmt: skip
        return change
