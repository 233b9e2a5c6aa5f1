"""Nudges: before each reporting date, the lead organisations' members are asked, once, to update
the open actions nobody has updated this quarter, and once more a week before if still not done.

A reporting date is the end of a UK financial quarter, or one of the board's meeting dates when a
coordinator has set them (``set_board_dates``, stored per partnership). Two rounds go before each
date: the first ``first_days`` before, the second ``second_days`` before, to whoever's organisation
still has actions without an update. A nudge is an outbox row like an alert (``raise_alert``), keyed
by partnership, quarter, reporting date, member and round, so however many workers or restarts, or a
coordinator's ``/csp nudge`` on top, each member hears once a round; the alert worker delivers it to
the member's direct messages (``bot.runtime.delivery``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import LONDON, Now
from bot.errors import Conflict, InvalidInput
from bot.permissions import Actor, require_coordinator
from bot.quarters import Quarter, quarter_of
from bot.services.actions import Action, ActionService, Status, lead_organisations
from bot.services.alerts import (
    NUDGE_KIND,
    Alert,
    AlertService,
    Raised,
    alert_from_row,
    key_taken,
    raise_alert,
    read_state,
    release_lease,
    take_lease,
    write_state,
)
from bot.services.plan import current_year
from store import audit
from store.db import Database
from store.models import ActionChange, ActionRow, AlertRow, Member

NUDGE = NUDGE_KIND
BOARD_DATES = "nudge_board_dates"
NUDGE_LEASE = "nudges_periodic"
#: what AppState's value holds (11 characters a date), and more than a board meets in a year or two
MAX_BOARD_DATES = 16


@dataclass(frozen=True)
class ReportingDate:
    day: date
    board: bool  # one of the board's meeting dates; else a quarter's end

    @property
    def label(self) -> str:
        return ("the board meeting on " if self.board else "the quarter's end on ") + f"{self.day:%-d %B %Y}"


@dataclass(frozen=True)
class StaleGroup:
    organisation: str | None  # None: actions with no lead organisation (nobody to nudge)
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class StaleActions:
    """Open actions with no status update in ``quarter``, by lead organisation."""

    quarter: Quarter
    reporting: ReportingDate
    groups: tuple[StaleGroup, ...]

    @property
    def total(self) -> int:
        return len({a.ref for g in self.groups for a in g.actions})

    def of(self, organisation: str | None) -> tuple[Action, ...]:
        return next((g.actions for g in self.groups if g.organisation == organisation), ())


@dataclass(frozen=True)
class Nudge:
    member: str
    organisation: str
    refs: tuple[str, ...]
    already_sent: bool


@dataclass(frozen=True)
class NudgeRun:
    """What a round of nudges queued (``applied``) or would queue."""

    quarter: Quarter
    reporting: ReportingDate
    round: int
    nudges: tuple[Nudge, ...]
    applied: bool
    raised: Raised = field(default_factory=Raised)

    @property
    def queued(self) -> tuple[Nudge, ...]:
        return tuple(n for n in self.nudges if not n.already_sent)

    @property
    def already_sent(self) -> tuple[Nudge, ...]:
        return tuple(n for n in self.nudges if n.already_sent)


class NudgeService:
    def __init__(
        self,
        db: Database,
        actions: ActionService,
        alerts: AlertService,
        *,
        first_days: int = 14,
        second_days: int = 7,
        send_time: str = "09:00",
        now: Now,
    ) -> None:
        self._db = db
        self._actions = actions
        self._alerts = alerts
        self._leads = {1: timedelta(days=first_days), 2: timedelta(days=second_days)}
        hours, minutes = (int(part) for part in send_time.split(":"))
        self._send_time = time(hours, minutes)
        self._now = now

    @property
    def first_days(self) -> int:
        return self._leads[1].days

    @property
    def second_days(self) -> int:
        return self._leads[2].days

    # ------------------------------------------------------------------ board dates

    def board_dates(self) -> list[date]:
        with self._db.read() as session:
            return _board_dates(session)

    def set_board_dates(self, actor: Actor, dates: Sequence[date]) -> list[date]:
        """Replace the board's meeting dates (none: back to quarter ends). Dates already past are refused."""
        require_coordinator(actor, "set the board's meeting dates")
        today = self._now().date()
        wanted = sorted(set(dates))
        past = [d for d in wanted if d <= today]
        if past:
            raise InvalidInput(
                f"{past[0]:%-d %B %Y} is not in the future, so nothing was changed.",
                "Give the board's coming meeting dates, e.g. `/csp plan board-dates 2027-03-11 2027-06-10`.",
            )
        if len(wanted) > MAX_BOARD_DATES:
            raise InvalidInput(
                f"At most {MAX_BOARD_DATES} dates, so nothing was changed.",
                "Give the coming year's meetings; add more when they are set.",
            )
        with self._db.transaction() as session:
            before = read_state(session, BOARD_DATES)
            after = ",".join(d.isoformat() for d in wanted) or None
            write_state(session, BOARD_DATES, after)
            audit.record(
                session, actor=actor.user_id, action="nudges.board_dates", target_type="setting",
                target_id=BOARD_DATES, detail={"before": before, "after": after},
            )  # fmt: skip
        return wanted

    def reporting_date(self, today: date | None = None) -> ReportingDate:
        """The next date progress is reported on, after today: the board's next meeting when any are
        set and still to come, else the end of this quarter (the next one's on its last day)."""
        today = today or self._now().date()
        with self._db.read() as session:
            return _reporting_date(session, today)

    # ------------------------------------------------------------------ stale actions

    def stale(self) -> StaleActions:
        """Open actions with no status update this quarter, by lead organisation."""
        today = self._now().date()
        with self._db.read() as session:
            return self._stale(session, today)

    def stale_for(self, organisation: str | None) -> tuple[Action, ...]:
        """One organisation's part of ``stale()``: what the App Home shows its members."""
        return self.stale().of(organisation) if organisation else ()

    def stale_among(
        self, actions: Sequence[Action], organisation: str
    ) -> tuple[Quarter, ReportingDate, list[Action]]:
        """``stale().of(organisation)`` from the current plan year's actions the caller has already read
        (``ActionService.list()``: the year's actions that are not retired, in the plan's order), with
        the quarter and the reporting date: the App Home has the actions in hand, so they are not read
        again. Two small reads: which actions had a status update this quarter, and the board dates."""
        today = self._now().date()
        quarter = quarter_of(today)
        with self._db.read() as session:
            updated = _updated_in(session, quarter)
            reporting = _reporting_date(session, today)
        open_ = [a for a in actions if a.status is not Status.COMPLETE and a.id not in updated]
        return quarter, reporting, [a for a in open_ if organisation in lead_organisations(a)]

    def _stale(self, session: Session, today: date) -> StaleActions:
        quarter = quarter_of(today)
        updated = _updated_in(session, quarter)
        # the current plan year's open actions: earlier years are history, retired ones nobody's to do
        rows = session.scalars(
            select(ActionRow)
            .where(
                ActionRow.plan_year == current_year(session, today),
                ActionRow.retired.is_(False),
                ActionRow.status != Status.COMPLETE.value,
            )
            .order_by(ActionRow.priority, ActionRow.position)
        )
        by_org: dict[str | None, list[Action]] = {}
        for row in rows:
            if row.id in updated:
                continue
            action = self._actions.action_of(row)
            for organisation in lead_organisations(action) or (None,):
                by_org.setdefault(organisation, []).append(action)
        groups = tuple(
            StaleGroup(org, tuple(actions))
            for org, actions in sorted(by_org.items(), key=lambda item: (item[0] is None, item[0] or ""))
        )
        return StaleActions(quarter, _reporting_date(session, today), groups)

    # ------------------------------------------------------------------ sending

    def due_round(self, reporting: ReportingDate, now: datetime | None = None) -> int | None:
        """The round whose time has come before ``reporting`` (the later one if both have), else None."""
        now = now or self._now()
        for number in (2, 1):
            starts = datetime.combine(reporting.day - self._leads[number], self._send_time, tzinfo=LONDON)
            if now >= starts:
                return number
        return None

    def run_scheduled(self, holder: str, lease_seconds: int = 120) -> NudgeRun | None:
        """The alert worker's pass: queue the round that is due, if one is, under a lease."""
        if not take_lease(self._db, NUDGE_LEASE, holder, lease_seconds):
            return None
        try:
            now = self._now()
            with self._db.transaction() as session:
                reporting = _reporting_date(session, now.date())
                number = self.due_round(reporting, now)
                if number is None:
                    return None
                return self._queue(session, now.date(), reporting, number, apply=True)
        finally:
            release_lease(self._db, NUDGE_LEASE, holder)

    def nudge_now(self, actor: Actor, *, apply: bool = True) -> NudgeRun:
        """A coordinator's nudge: the round due now (the first, if none is due yet), to whoever has not
        had it; with ``apply`` False, what it would send."""
        require_coordinator(actor, "send nudges")
        today = self._now().date()
        if not apply:
            with self._db.read() as session:
                reporting = _reporting_date(session, today)
                number = self.due_round(reporting) or 1
                return self._queue(session, today, reporting, number, apply=False)
        # the scheduler's lease: the two (or two coordinators) never queue the same round at once
        holder = f"nudge-now-{uuid.uuid4().hex[:12]}"
        if not take_lease(self._db, NUDGE_LEASE, holder, 60):
            raise Conflict(
                "Nudges are being queued right now.", "Try again in a minute: nobody is nudged twice."
            )
        try:
            with self._db.transaction() as session:
                reporting = _reporting_date(session, today)
                number = self.due_round(reporting) or 1
                run = self._queue(session, today, reporting, number, apply=True)
                audit.record(
                    session, actor=actor.user_id, action="nudges.send", target_type="nudges",
                    target_id=f"{run.quarter.label}:r{number}",
                    detail={"reporting_date": reporting.day.isoformat(), "queued": len(run.queued),
                            "already_sent": len(run.already_sent)},
                )  # fmt: skip
                return run
        finally:
            release_lease(self._db, NUDGE_LEASE, holder)

    def _queue(
        self, session: Session, today: date, reporting: ReportingDate, number: int, *, apply: bool
    ) -> NudgeRun:
        """Every nudge of one round, in the caller's transaction: one outbox row per member."""
        stale = self._stale(session, today)
        members = session.execute(
            select(Member.user_id, Member.org).where(Member.org.is_not(None)).order_by(Member.user_id)
        ).all()
        nudges: list[Nudge] = []
        queued: list[Alert | None] = []
        for user_id, organisation in members:
            actions = stale.of(organisation)
            if not actions:
                continue
            key = self.key(stale.quarter, reporting, user_id, number)
            payload = _payload(stale.quarter, reporting, number, organisation, user_id, actions)
            if apply:
                alert = raise_alert(
                    session, key=key, kind=NUDGE, subject_type="member", subject_id=user_id,
                    severity="Low", payload=payload,
                )  # fmt: skip
                queued.append(alert)
                sent_before = alert is None
            else:
                sent_before = key_taken(session, key)
            nudges.append(Nudge(user_id, organisation, tuple(a.ref for a in actions), sent_before))
        raised = self._alerts.raised(session, *queued) if apply else Raised()
        return NudgeRun(stale.quarter, reporting, number, tuple(nudges), apply, raised)

    def as_it_stands(self, channel: str, ts: str) -> Alert | None:
        """The nudge posted as message ``ts`` in ``channel``, each action marked ``done`` once updated
        this quarter (with its status now); None when that message is not a nudge."""
        today = self._now().date()
        with self._db.read() as session:
            row = session.scalar(
                select(AlertRow).where(
                    AlertRow.kind == NUDGE, AlertRow.channel == channel, AlertRow.message_ts == ts
                )
            )
            if row is None:
                return None
            nudge = alert_from_row(row)
            still = {a.ref for a in self._stale(session, today).of(nudge.payload["organisation"])}
            statuses = dict(
                session.execute(
                    select(ActionRow.ref, ActionRow.status).where(
                        ActionRow.ref.in_([a["ref"] for a in nudge.payload["actions"]])
                    )
                ).all()
            )
        actions = [
            {**a, "status": statuses.get(a["ref"], a["status"]), "done": a["ref"] not in still}
            for a in nudge.payload["actions"]
        ]
        return dataclasses.replace(nudge, payload={**nudge.payload, "actions": actions})

    def key(self, quarter: Quarter, reporting: ReportingDate, member: str, number: int) -> str:
        partnership = self._db.partition_name or "default"
        return f"nudge:{partnership}:{quarter.label}:{reporting.day.isoformat()}:{member}:r{number}"


def _payload(
    quarter: Quarter, reporting: ReportingDate, number: int, organisation: str, member: str,
    actions: Sequence[Action],
) -> dict[str, Any]:  # fmt: skip
    """All the direct message needs, as the outbox keeps it: the same message on every attempt."""
    return {
        "member": member,
        "organisation": organisation,
        "round": number,
        "quarter": quarter.label,
        "quarter_title": quarter.title,
        "quarter_start": quarter.start.isoformat(),
        "reporting_date": reporting.day.isoformat(),
        "board": reporting.board,
        "actions": [
            {
                "ref": a.ref,
                "text": a.text,
                "status": a.status.value,
                "due_date": a.due_date.isoformat(),
                "overdue": a.overdue,
            }
            for a in actions
        ],
    }


def _updated_in(session: Session, quarter: Quarter) -> set[int]:
    """The ids of the actions whose status was updated in ``quarter``."""
    begin, finish = quarter.utc_bounds()
    return set(
        session.scalars(
            select(ActionChange.action_id).where(
                ActionChange.field == "status", ActionChange.at >= begin, ActionChange.at < finish
            )
        )
    )


def _board_dates(session: Session) -> list[date]:
    value = read_state(session, BOARD_DATES)
    return [date.fromisoformat(part) for part in value.split(",")] if value else []


def _reporting_date(session: Session, today: date) -> ReportingDate:
    coming = [d for d in _board_dates(session) if d > today]
    if coming:
        return ReportingDate(coming[0], board=True)
    quarter = quarter_of(today)
    end = quarter.end if quarter.end > today else quarter_of(quarter.end + timedelta(days=1)).end
    return ReportingDate(end, board=False)
