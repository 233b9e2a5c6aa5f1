"""Alerts: raised into an outbox with the change that causes them, delivered afterwards.

``raise_alert`` is called inside the transaction of a change (a risk's rating rising, an action
turning red), so the change and its alert commit together or not at all. The periodic jobs
(overdue reviews and actions, re-raising unacknowledged High alerts, the weekly digest) run
under a lease, so several processes never raise the same alert twice; each alert's key is
unique besides, so raising is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import LONDON, Now
from bot.errors import NotFound
from bot.permissions import Actor, require_coordinator, require_member
from bot.privacy import screened
from store import audit
from store.db import Database
from store.models import (
    AchievementRow,
    ActionChange,
    ActionRow,
    AlertRow,
    AppState,
    Lease,
    RiskChange,
    RiskRow,
)

#: outbox rows that are not alerts to acknowledge: the weekly digest, and nudges (direct messages,
#: written by bot.services.nudges through the same outbox and deliverer)
DIGEST_KIND = "digest"
NUDGE_KIND = "nudge"

log = logging.getLogger("csp_bot.alerts")

ALERT_CHANNEL = "alert_channel"
DELIVERY_PROBLEM = "alert_delivery_problem"
WATCHING_SINCE = "alerts_watching_since"
PERIODIC_LEASE = "alerts_periodic"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Alert:
    id: int
    key: str
    kind: str
    subject_type: str
    subject_id: str
    severity: str
    payload: dict[str, Any]
    status: str
    created_at: datetime
    attempts: int
    last_error: str | None
    channel: str | None
    message_ts: str | None
    posted_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


def alert_from_row(row: AlertRow) -> Alert:
    return Alert(
        row.id, row.key, row.kind, row.subject_type, row.subject_id, row.severity, row.payload, row.status,
        row.created_at, row.attempts, row.last_error, row.channel, row.message_ts, row.posted_at,
        row.acknowledged_by, row.acknowledged_at,
    )  # fmt: skip


def raise_alert(
    session: Session,
    *,
    key: str,
    kind: str,
    subject_type: str,
    subject_id: str,
    severity: str,
    payload: dict[str, Any],
) -> Alert | None:
    """Queue an alert in the caller's transaction and return it; a key already queued raises nothing."""
    if session.scalar(select(AlertRow.id).where(AlertRow.key == key)) is not None:
        return None
    row = AlertRow(
        key=key,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        severity=severity,
        payload=payload,
    )
    session.add(row)
    session.flush()  # its id and defaults, so the caller can say what it raised
    return alert_from_row(row)


def _state(session: Session, name: str) -> str | None:
    return session.scalar(select(AppState.value).where(AppState.name == name))


def _set_state(session: Session, name: str, value: str | None) -> None:
    row = session.get(AppState, name)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(AppState(name=name, value=value))
    else:
        row.value = value


def read_state(session: Session, name: str) -> str | None:
    """A named setting kept in the partnership's store (the alert channel, the board's dates …)."""
    return _state(session, name)


def write_state(session: Session, name: str, value: str | None) -> None:
    """Set (or, with None, clear) a named setting, in the caller's transaction."""
    _set_state(session, name, value)


def key_taken(session: Session, key: str) -> bool:
    """Whether an alert (or nudge) with this key is already in the outbox."""
    return session.scalar(select(AlertRow.id).where(AlertRow.key == key)) is not None


@dataclass(frozen=True)
class Raised:
    """The alerts one write queued, and where they will be posted: read in the write's transaction."""

    alerts: tuple[Alert, ...] = ()
    channel: str | None = None  # None: no alert channel is set, so they wait in the outbox


@dataclass(frozen=True)
class AlertStatus:
    channel: str | None
    pending: int
    problem: str | None


@dataclass(frozen=True)
class PeriodicReport:
    ran: bool
    raised: int = 0


class AlertService:
    def __init__(
        self,
        db: Database,
        *,
        default_channel: str | None = None,
        realert_days: int = 3,
        digest_day: str = "monday",
        digest_time: str = "09:00",
        now: Now,
    ) -> None:
        self._db = db
        self._default_channel = default_channel
        self._realert = timedelta(days=realert_days)
        self._digest_weekday = WEEKDAYS.index(digest_day)
        hours, minutes = (int(part) for part in digest_time.split(":"))
        self._digest_time = time(hours, minutes)
        self._now = now

    def now(self) -> datetime:
        return self._now()

    # ------------------------------------------------------------------ the channel

    def channel(self) -> str | None:
        """Set from Slack by a coordinator, else CSP_ALERT_CHANNEL."""
        with self._db.read() as session:
            return self.channel_in(session)

    def channel_in(self, session: Session) -> str | None:
        return _state(session, ALERT_CHANNEL) or self._default_channel

    def raised(self, session: Session, *alerts: Alert | None) -> Raised:
        """What a write raised (``raise_alert``'s answers), for its result; in the write's own transaction."""
        queued = tuple(a for a in alerts if a is not None)
        return Raised(queued, self.channel_in(session) if queued else None)

    def status(self) -> AlertStatus:
        """Where alerts go, how many wait and why: one read."""
        with self._db.read() as session:
            pending = session.scalar(
                select(func.count()).select_from(AlertRow).where(AlertRow.status == "pending")
            )
            return AlertStatus(self.channel_in(session), pending or 0, _state(session, DELIVERY_PROBLEM))

    def set_channel(self, actor: Actor, channel_id: str) -> None:
        require_coordinator(actor, "choose the alert channel")
        with self._db.transaction() as session:
            before = _state(session, ALERT_CHANNEL)
            _set_state(session, ALERT_CHANNEL, channel_id)
            _set_state(session, DELIVERY_PROBLEM, None)
            # alerts held back for want of a channel go at once
            session.execute(update(AlertRow).where(AlertRow.status == "pending").values(next_attempt_at=None))
            audit.record(
                session, actor=actor.user_id, action="alerts.channel", target_type="setting",
                target_id=ALERT_CHANNEL, detail={"before": before, "after": channel_id},
            )  # fmt: skip

    # ------------------------------------------------------------------ delivery problems

    def problem(self) -> str | None:
        with self._db.read() as session:
            return _state(session, DELIVERY_PROBLEM)

    def record_problem(self, problem: str | None) -> bool:
        """Remember (or clear) why alerts are stuck; True when this is news (so coordinators are told once)."""
        with self._db.transaction() as session:
            before = _state(session, DELIVERY_PROBLEM)
            _set_state(session, DELIVERY_PROBLEM, problem)
            return problem is not None and problem != before

    # ------------------------------------------------------------------ reading and acknowledging

    def list(self, *, pending_only: bool = False, limit: int = 100) -> list[Alert]:
        query = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
        if pending_only:
            query = query.where(AlertRow.status == "pending")
        with self._db.read() as session:
            return [alert_from_row(r) for r in session.scalars(query)]

    def get(self, alert_id: int) -> Alert:
        with self._db.read() as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise NotFound("That alert no longer exists.")
            return alert_from_row(row)

    def unacknowledged(self, limit: int = 10) -> tuple[list[Alert], int]:
        """Alerts nobody has acknowledged yet, newest first (at most ``limit``), and how many there are.
        A digest asks for no acknowledgement; an alert raised again as a reminder counts once, as the reminder."""
        waiting = (
            AlertRow.acknowledged_by.is_(None),
            # a digest asks for no acknowledgement, and a nudge is a direct message, not a channel alert
            AlertRow.kind.not_in((DIGEST_KIND, NUDGE_KIND)),
            AlertRow.reraised_as.is_(None),
        )
        with self._db.read() as session:
            total = session.scalar(select(func.count()).select_from(AlertRow).where(*waiting)) or 0
            rows = session.scalars(select(AlertRow).where(*waiting).order_by(AlertRow.id.desc()).limit(limit))
            return [alert_from_row(r) for r in rows], total

    def pending_count(self) -> int:
        """Alerts waiting to be posted to the alert channel (nudges go to people's DMs, not there)."""
        with self._db.read() as session:
            waiting = (AlertRow.status == "pending", AlertRow.kind != NUDGE_KIND)
            return session.scalar(select(func.count()).select_from(AlertRow).where(*waiting)) or 0

    def acknowledge(self, actor: Actor, alert_id: int) -> tuple[Alert, bool]:
        """Who saw it and when. Returns the alert and whether this acknowledgement was the first."""
        require_member(actor, "acknowledge alerts")
        with self._db.transaction() as session:
            row = session.get(AlertRow, alert_id, with_for_update=True)
            if row is None:
                raise NotFound("That alert no longer exists.")
            if row.acknowledged_by:
                return alert_from_row(row), False
            row.acknowledged_by, row.acknowledged_at = actor.user_id, self._db.utcnow()
            audit.record(
                session,
                actor=actor.user_id,
                action="alert.acknowledge",
                target_type="alert",
                target_id=str(row.id),
            )
            return alert_from_row(row), True

    # ------------------------------------------------------------------ periodic work

    def run_periodic(self, holder: str, lease_seconds: int = 120) -> PeriodicReport:
        """Overdue reviews and actions, re-raising, the digest: one process at a time."""
        if not self._take_lease(PERIODIC_LEASE, holder, lease_seconds):
            return PeriodicReport(ran=False)
        try:
            now = self._now()
            with self._db.transaction() as session:
                raised = (
                    self._overdue_reviews(session, now)
                    + self._overdue_actions(session, now)
                    + self._reraise(session, now)
                    + self._digest(session, now)
                )
            return PeriodicReport(ran=True, raised=raised)
        finally:
            self._release_lease(PERIODIC_LEASE, holder)

    def _take_lease(self, name: str, holder: str, seconds: int) -> bool:
        return take_lease(self._db, name, holder, seconds)

    def _release_lease(self, name: str, holder: str) -> None:
        release_lease(self._db, name, holder)

    def _watching_since(self, session: Session, today: date) -> date:
        """Things already overdue when alerts were first switched on are in the digest, not a flood of alerts."""
        value = _state(session, WATCHING_SINCE)
        if value is None:
            _set_state(session, WATCHING_SINCE, today.isoformat())
            return today
        return date.fromisoformat(value)

    def _overdue_reviews(self, session: Session, now: datetime) -> int:
        today = now.date()
        raised = 0
        for risk in session.scalars(
            select(RiskRow).where(RiskRow.status == "open", RiskRow.next_review < today)
        ):
            alert = raise_alert(
                session,
                key=f"risk:{risk.ref}:review-overdue:{risk.next_review.isoformat()}",
                kind="review_overdue",
                subject_type="risk",
                subject_id=risk.ref,
                severity="Medium",
                payload=risk_payload(
                    risk, why=f"Its review was due on {risk.next_review:%-d %B %Y} and has not been done."
                ),
            )
            raised += alert is not None
        return raised

    def _overdue_actions(self, session: Session, now: datetime) -> int:
        today = now.date()
        since = self._watching_since(session, today)
        raised = 0
        overdue = select(ActionRow).where(
            ActionRow.status != "complete", ActionRow.due_date < today, *live_action_conditions()
        )
        for action in session.scalars(overdue.where(ActionRow.due_date >= since)):
            alert = raise_alert(
                session,
                key=f"action:{action.ref}:overdue:{action.due_date.isoformat()}",
                kind="action_overdue",
                subject_type="action",
                subject_id=action.ref,
                severity="Medium",
                payload=action_payload(
                    action, why=f"It was due on {action.due_date:%-d %B %Y} and is not complete."
                ),
            )
            raised += alert is not None
        return raised

    def _reraise(self, session: Session, now: datetime) -> int:
        cutoff = _utc(now - self._realert)
        stale = select(AlertRow).where(
            AlertRow.severity == "High",
            AlertRow.status == "posted",
            AlertRow.acknowledged_by.is_(None),
            AlertRow.reraised_as.is_(None),
            AlertRow.kind != "reminder",
            AlertRow.posted_at < cutoff,
        )
        raised = 0
        for original in session.scalars(stale):
            payload = {**original.payload, "reminder_of": original.id, "original_kind": original.kind}
            reminder = raise_alert(
                session, key=f"reminder:{original.id}", kind="reminder", subject_type=original.subject_type,
                subject_id=original.subject_id, severity="High", payload=payload,
            )  # fmt: skip
            if reminder is not None:
                original.reraised_as = reminder.id
                raised += 1
        return raised

    def digest_due(self, now: datetime) -> tuple[date, date] | None:
        """This week's digest window (the 7 days before the slot), once the slot has passed."""
        local = now.astimezone(LONDON)
        slot_day = local.date() - timedelta(days=(local.weekday() - self._digest_weekday) % 7)
        slot = datetime.combine(slot_day, self._digest_time, tzinfo=LONDON)
        if local < slot:
            return None
        return slot_day - timedelta(days=7), slot_day

    def _digest(self, session: Session, now: datetime) -> int:
        window = self.digest_due(now)
        if window is None:
            return 0
        start, end = window
        digest = raise_alert(
            session,
            key=f"digest:{end.isoformat()}",
            kind=DIGEST_KIND,
            subject_type="digest",
            subject_id=end.isoformat(),
            severity="Low",
            payload=digest_payload(session, start, end, now.date()),
        )
        return int(digest is not None)


# ---------------------------------------------------------------------- payloads: all an alert message needs


# An alert is posted to a channel: every free text in its payload goes through the guard once more, so a
# row written before a rule existed is quoted masked, never as it was typed.


def _screened_extra(extra: dict[str, Any]) -> dict[str, Any]:
    return {key: screened(value) if isinstance(value, str) else value for key, value in extra.items()}


def risk_payload(risk: RiskRow, **extra: Any) -> dict[str, Any]:
    return {
        "ref": risk.ref,
        "description": screened(risk.description),
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "owner": screened(risk.owner),
        "owner_org": risk.owner_org,
        "preventative": screened(risk.preventative),
        "contingent": screened(risk.contingent),
        "next_review": risk.next_review.isoformat(),
        **_screened_extra(extra),
    }


def live_action_conditions() -> tuple[Any, ...]:
    """Actions still tracked: not retired, and not carried into a newer plan year (the newer row is
    the one that alerts, from its own due date)."""
    return (ActionRow.retired.is_(False), ActionRow.carried_forward.is_(False))


def action_payload(action: ActionRow, **extra: Any) -> dict[str, Any]:
    return {
        "ref": action.ref,
        "text": screened(action.text),
        "lead": action.lead,
        "status": action.status,
        "reason": screened(action.reason),
        "due_date": action.due_date.isoformat(),
        **_screened_extra(extra),
    }


def digest_payload(session: Session, start: date, end: date, today: date) -> dict[str, Any]:
    begin = _utc(datetime.combine(start, time(0), tzinfo=LONDON))
    finish = _utc(datetime.combine(end, time(0), tzinfo=LONDON))
    changes = session.scalars(
        select(RiskChange).where(RiskChange.at >= begin, RiskChange.at < finish, RiskChange.field != "seed")
    )
    overdue_reviews = session.scalars(
        select(RiskRow)
        .where(RiskRow.status == "open", RiskRow.next_review < today)
        .order_by(RiskRow.position)
    )
    actions = session.scalars(
        select(ActionRow)
        .where(
            or_(ActionRow.status == "red", and_(ActionRow.status != "complete", ActionRow.due_date < today)),
            *live_action_conditions(),
        )
        .order_by(ActionRow.priority, ActionRow.position)
    )
    achievements = session.scalars(
        select(AchievementRow)
        .where(
            AchievementRow.status == "active",
            AchievementRow.logged_at >= begin,
            AchievementRow.logged_at < finish,
            AchievementRow.logged_by
            != "plan",  # the plan's own, loaded at install, were not "logged this week"
        )
        .order_by(AchievementRow.logged_at)
    )
    action_updates = session.scalars(
        select(ActionChange).where(
            ActionChange.at >= begin, ActionChange.at < finish, ActionChange.field == "status"
        )
    )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "register_changes": [
            {
                "ref": c.risk_ref,
                "field": c.field,
                "before": screened(c.before),
                "after": screened(c.after),
                "reason": screened(c.reason),
            }
            for c in changes
        ],
        "overdue_reviews": [
            {"ref": r.ref, "next_review": r.next_review.isoformat()} for r in overdue_reviews
        ],
        "actions": [
            {
                "ref": a.ref,
                "status": a.status,
                "overdue": a.status != "complete" and a.due_date < today,
                "lead": a.lead,
            }
            for a in actions
        ],
        "action_updates": len(list(action_updates)),
        "achievements": [
            {"priority": a.priority, "organisation": a.organisation, "text": screened(a.text)}
            for a in achievements
        ],
    }


def take_lease(db: Database, name: str, holder: str, seconds: int) -> bool:
    """Hold the named lease for ``seconds``: True when ours (free, expired or already ours)."""
    now = db.utcnow()
    try:
        with db.transaction() as session:
            lease = session.get(Lease, name, with_for_update=True)
            if lease is not None and lease.holder != holder and aware(lease.expires_at) > now:
                return False
            if lease is None:
                session.add(Lease(name=name, holder=holder, expires_at=now + timedelta(seconds=seconds)))
            else:
                lease.holder, lease.expires_at = holder, now + timedelta(seconds=seconds)
            return True
    except IntegrityError:  # another process created the lease at the same moment: it is theirs
        return False


def release_lease(db: Database, name: str, holder: str) -> None:
    with db.transaction() as session:
        lease = session.get(Lease, name, with_for_update=True)
        if lease is not None and lease.holder == holder:
            session.delete(lease)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    """Compare with stored times in UTC: SQLite keeps the wall-clock digits and drops the zone."""
    return moment.astimezone(UTC)
