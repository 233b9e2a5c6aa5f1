"""The risk register: ratings from the 3×3 rule, changes with reasons and history, alerts in the same transaction.

Coordinators, and members of a risk's owning organisation, change it. A change that raises the
combined rating, a new risk at Medium or High, and a triggered contingency each queue one alert;
a change that leaves the rating where it was raises nothing, and a "change" to the value a risk
already has writes nothing at all. Each write returns a ``RiskUpdate``: the risk, the change it
recorded and the alerts it raised, so a caller never re-reads the outbox to find out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from bot.clock import LONDON, Today
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.permissions import Actor, require_member
from bot.privacy import ensure_no_personal_data
from bot.services.alerts import AlertService, Raised, raise_alert, risk_payload
from bot.services.history import FieldChange, field_change, recent_changes
from bot.services.plan import PlanService
from bot.services.risk_rating import LEVELS, RatingRule, rank
from store import audit
from store.db import Database
from store.models import RiskChange, RiskRow
from store.plan_data import add_months

REVIEW_MONTHS = 3
MAX_TEXT = 2000
_REF = re.compile(r"^R\d{1,4}$", re.IGNORECASE)


@dataclass(frozen=True)
class Risk:
    ref: str
    description: str
    likelihood: str
    impact: str
    rating: str
    score: int
    preventative: str
    contingent: str
    owner: str
    owner_org: str | None
    closed: bool
    next_review: date
    last_reviewed_on: date | None
    triggered_at: datetime | None
    updated_by: str | None
    updated_at: datetime | None
    review_overdue: bool


@dataclass(frozen=True)
class RiskUpdate:
    """What one write did. ``change`` is None when the risk already had that value: nothing was written."""

    risk: Risk
    change: FieldChange | None
    raised: Raised = field(default_factory=Raised)

    @property
    def changed(self) -> bool:
        return self.change is not None


class Trend(StrEnum):
    """Which way a risk has moved over the trend window, by its likelihood × impact score."""

    UP = "up"
    DOWN = "down"
    SAME = "same"
    NEW = "new"  # added during the window: nothing to compare with


@dataclass(frozen=True)
class RiskTrend:
    risk: Risk
    trend: Trend
    #: the rating when the window began (None for a risk added since)
    rating_before: str | None


@dataclass(frozen=True)
class RiskOverview:
    """The register at a glance for one person (the App Home): what it shows and from when."""

    today: date
    #: trends compare each risk with itself on this day
    since: date
    #: reviews due on or before this day are listed (and any overdue)
    review_until: date
    #: the viewer's organisation, whose risks come first
    org: str | None
    #: open risks: the viewer's organisation's first, then highest score first
    risks: list[RiskTrend]
    #: open risks whose review is overdue or due by ``review_until``: the viewer's organisation's first, soonest first
    reviews_due: list[Risk]


#: trends are measured over a quarter, the register's review cycle
TREND_MONTHS = 3
REVIEW_WINDOW_DAYS = 30


def _number(ref: str) -> int:
    """R2 before R10."""
    return int(ref[1:]) if ref[1:].isascii() and ref[1:].isdigit() else 0


def is_risk_ref(text: str) -> bool:
    return bool(_REF.match(text.strip()))


class RiskService:
    def __init__(
        self,
        db: Database,
        plan: PlanService,
        rule: RatingRule,
        alerts: AlertService,
        today: Today,
    ) -> None:
        self._db = db
        self._plan = plan
        self.rule = rule
        self._alerts = alerts
        self._today = today

    def _info(self, row: RiskRow) -> Risk:
        return Risk(
            ref=row.ref,
            description=row.description,
            likelihood=row.likelihood,
            impact=row.impact,
            rating=self.rule.rate(row.likelihood, row.impact),
            score=self.rule.score(row.likelihood, row.impact),
            preventative=row.preventative,
            contingent=row.contingent,
            owner=row.owner,
            owner_org=row.owner_org,
            closed=row.status == "closed",
            next_review=row.next_review,
            last_reviewed_on=row.last_reviewed_on,
            triggered_at=row.triggered_at,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
            review_overdue=row.status != "closed" and row.next_review < self._today(),
        )

    # ------------------------------------------------------------------ reading

    def register(self, *, include_closed: bool = False) -> list[Risk]:
        query = select(RiskRow).order_by(RiskRow.position)
        if not include_closed:
            query = query.where(RiskRow.status == "open")
        with self._db.read() as session:
            return [self._info(r) for r in session.scalars(query)]

    def overview(
        self, org: str | None, *, review_days: int = REVIEW_WINDOW_DAYS, trend_months: int = TREND_MONTHS
    ) -> RiskOverview:
        """Open risks with their trend, and the reviews falling due: one read, dates from the clock."""
        today = self._today()
        since = add_months(today, -trend_months)
        start = datetime.combine(since, time(0), tzinfo=LONDON).astimezone(UTC)
        with self._db.read() as session:
            rows = list(session.scalars(select(RiskRow).where(RiskRow.status == "open")))
            changes = session.scalars(
                select(RiskChange)
                .where(RiskChange.at >= start, RiskChange.field.in_(("likelihood", "impact", "added")))
                .order_by(RiskChange.id)
            )
            # the value each field had when the window began is the "before" of its first change since
            earliest: dict[tuple[str, str], str | None] = {}
            for change in changes:
                earliest.setdefault((change.risk_ref, change.field), change.before)
            trends = [self._trend(row, earliest) for row in rows]

        def mine_first(risk: Risk) -> bool:
            return org is None or risk.owner_org != org

        trends.sort(
            key=lambda t: (mine_first(t.risk), -rank(t.risk.rating), -t.risk.score, _number(t.risk.ref))
        )
        until = today + timedelta(days=review_days)
        due = sorted(
            (t.risk for t in trends if t.risk.next_review <= until),
            key=lambda r: (mine_first(r), r.next_review, _number(r.ref)),
        )
        return RiskOverview(today, since, until, org, trends, due)

    def _trend(self, row: RiskRow, earliest: dict[tuple[str, str], str | None]) -> RiskTrend:
        risk = self._info(row)
        if (row.ref, "added") in earliest:
            return RiskTrend(risk, Trend.NEW, None)
        likelihood = earliest.get((row.ref, "likelihood")) or row.likelihood
        impact = earliest.get((row.ref, "impact")) or row.impact
        before = self.rule.score(likelihood, impact)
        trend = Trend.UP if risk.score > before else Trend.DOWN if risk.score < before else Trend.SAME
        return RiskTrend(risk, trend, self.rule.rate(likelihood, impact))

    def get(self, ref: str) -> Risk:
        with self._db.read() as session:
            return self._info(self._row(session, ref))

    def history(self, ref: str, limit: int = 15) -> list[FieldChange]:
        with self._db.read() as session:
            row = self._row(session, ref)
            return recent_changes(session, RiskChange, RiskChange.risk_ref, row.ref, limit)

    def require_can_add(self, actor: Actor) -> None:
        """Also asked before the form opens, so nobody fills in a form they cannot submit."""
        require_member(actor, "add risks")

    def can_change(self, actor: Actor, risk: Risk) -> bool:
        return actor.is_coordinator or (actor.org is not None and actor.org == risk.owner_org)

    # ------------------------------------------------------------------ changing

    def set_level(self, actor: Actor, ref: str, field: str, level: str, reason: str | None) -> RiskUpdate:
        if field not in ("likelihood", "impact"):
            raise InvalidInput("Change the likelihood or the impact.")
        if level not in LEVELS:
            raise InvalidInput(f"{field.capitalize()} is Low, Medium or High.")
        reason = self._reason(
            reason, required=f'Say why: `/csp risk {ref.upper()} {field} {level.lower()} "why"`.'
        )
        with self._db.transaction() as session:
            row = self._writable(session, actor, ref)
            before_level, before_rating = getattr(row, field), self.rule.rate(row.likelihood, row.impact)
            if before_level == level:
                return RiskUpdate(self._info(row), None)
            setattr(row, field, level)
            after_rating = self.rule.rate(row.likelihood, row.impact)
            change = self._change(session, actor, row, field, before_level, level, reason)
            alert = None
            if rank(after_rating) > rank(before_rating):
                alert = raise_alert(
                    session,
                    key=f"risk:{row.ref}:rating:{change.id}",
                    kind="rating_up",
                    subject_type="risk",
                    subject_id=row.ref,
                    severity=after_rating,
                    payload=risk_payload(
                        row, rating_from=before_rating, rating_to=after_rating, change=f"{field} {before_level} → {level}",
                        actor=actor.user_id, reason=reason,
                    ),
                )  # fmt: skip
            return RiskUpdate(self._info(row), field_change(change), self._alerts.raised(session, alert))

    def set_owner(self, actor: Actor, ref: str, owner: str) -> RiskUpdate:
        owner = " ".join(owner.split())
        if not owner:
            raise InvalidInput(
                "Who owns it?", f"Name a role or a partner: `/csp risk {ref.upper()} owner WDC`."
            )
        ensure_no_personal_data(owner)
        known = {o.short.upper(): o.short for o in self._plan.organisations()}
        with self._db.transaction() as session:
            row = self._writable(session, actor, ref)
            owner_org = known.get(owner.upper())
            if (row.owner, row.owner_org) == (owner, owner_org):
                return RiskUpdate(self._info(row), None)
            change = self._change(session, actor, row, "owner", row.owner, owner, None)
            row.owner, row.owner_org = owner, owner_org
            return RiskUpdate(self._info(row), field_change(change))

    def review(
        self, actor: Actor, ref: str, next_review: date | None = None, reason: str | None = None
    ) -> RiskUpdate:
        reason = self._reason(reason, required=None)
        today = self._today()
        next_review = next_review or add_months(today, REVIEW_MONTHS)
        if next_review <= today:
            raise InvalidInput(
                "The next review must be after today.",
                "Give a date such as 2027-03-31, or none for a quarter.",
            )
        with self._db.transaction() as session:
            row = self._writable(session, actor, ref)
            # a review is an event (someone looked at it today) even when the next date stays the same
            change = self._change(
                session, actor, row, "review", row.next_review.isoformat(), next_review.isoformat(), reason
            )
            row.last_reviewed_on, row.next_review = today, next_review
            return RiskUpdate(self._info(row), field_change(change))

    def trigger(self, actor: Actor, ref: str, reason: str | None) -> RiskUpdate:
        reason = self._reason(reason, required=f'Say what happened: `/csp risk {ref.upper()} trigger "why"`.')
        with self._db.transaction() as session:
            row = self._writable(session, actor, ref)
            change = self._change(session, actor, row, "trigger", None, "contingency invoked", reason)
            row.triggered_at = self._db.utcnow()
            alert = raise_alert(
                session,
                key=f"risk:{row.ref}:trigger:{change.id}",
                kind="contingency_triggered",
                subject_type="risk",
                subject_id=row.ref,
                severity=self.rule.rate(row.likelihood, row.impact),
                payload=risk_payload(row, actor=actor.user_id, reason=reason),
            )
            return RiskUpdate(self._info(row), field_change(change), self._alerts.raised(session, alert))

    def close(self, actor: Actor, ref: str, reason: str | None) -> RiskUpdate:
        reason = self._reason(reason, required=f'Say why: `/csp risk close {ref.upper()} "why"`.')
        with self._db.transaction() as session:
            row = self._writable(session, actor, ref)
            change = self._change(session, actor, row, "status", row.status, "closed", reason)
            row.status = "closed"
            return RiskUpdate(self._info(row), field_change(change))

    def add(
        self,
        actor: Actor,
        *,
        description: str,
        likelihood: str,
        impact: str,
        preventative: str,
        contingent: str,
        owner: str,
        owner_org: str | None = None,
    ) -> RiskUpdate:
        self.require_can_add(actor)
        owner_org = self._plan.organisation(owner_org).short if owner_org else None
        if not actor.is_coordinator and (owner_org is None or owner_org != actor.org):
            raise PermissionDenied(
                "Members add risks their own organisation owns; coordinators add any.",
                f"Choose {actor.org or 'your organisation'} as the owning organisation, or ask a coordinator.",
            )
        if likelihood not in LEVELS or impact not in LEVELS:
            raise InvalidInput("Likelihood and impact are each Low, Medium or High.")
        texts = {
            "description": description,
            "preventative": preventative,
            "contingent": contingent,
            "owner": owner,
        }
        for name, text in texts.items():
            if not text.strip():
                raise InvalidInput(f"The {name} is needed.")
            if len(text) > MAX_TEXT:
                raise InvalidInput(f"The {name} is at most {MAX_TEXT} characters.")
            ensure_no_personal_data(text)
        today = self._today()
        with self._db.transaction() as session:
            number = (session.scalar(select(func.count()).select_from(RiskRow)) or 0) + 1
            while session.get(RiskRow, f"R{number}") is not None:
                number += 1
            row = RiskRow(
                ref=f"R{number}",
                position=number,
                description=" ".join(description.split()),
                likelihood=likelihood,
                impact=impact,
                preventative=" ".join(preventative.split()),
                contingent=" ".join(contingent.split()),
                owner=" ".join(owner.split()),
                owner_org=owner_org,
                status="open",
                next_review=add_months(today, REVIEW_MONTHS),
            )
            session.add(row)
            session.flush()
            change = self._change(session, actor, row, "added", None, f"{likelihood}/{impact}", None)
            rating = self.rule.rate(likelihood, impact)
            alert = None
            if rank(rating) >= rank("Medium"):
                alert = raise_alert(
                    session, key=f"risk:{row.ref}:new", kind="new_risk", subject_type="risk", subject_id=row.ref,
                    severity=rating, payload=risk_payload(row, rating_from=None, rating_to=rating, actor=actor.user_id),
                )  # fmt: skip
            return RiskUpdate(self._info(row), field_change(change), self._alerts.raised(session, alert))

    # ------------------------------------------------------------------ helpers

    def _reason(self, reason: str | None, *, required: str | None) -> str | None:
        reason = " ".join((reason or "").split()) or None
        if reason is None and required:
            raise InvalidInput("A reason is needed, so nothing has changed.", required)
        if reason:
            if len(reason) > 1000:
                raise InvalidInput("A reason is at most 1,000 characters.")
            ensure_no_personal_data(reason)
        return reason

    def _row(self, session: Any, ref: str, *, for_update: bool = False) -> RiskRow:
        row = session.get(RiskRow, ref.strip().upper(), with_for_update=for_update)
        if row is None:
            raise NotFound(f"There is no risk {ref[:12]}.", "See the register with `/csp risks`.")
        return row

    def _writable(self, session: Any, actor: Actor, ref: str) -> RiskRow:
        require_member(actor, "change the risk register")
        row = self._row(session, ref, for_update=True)
        if row.status == "closed":
            raise InvalidInput(f"{row.ref} is closed.", "Closed risks stay on record but are not changed.")
        if not self.can_change(actor, self._info(row)):
            raise PermissionDenied(
                f"Only coordinators{' and ' + row.owner_org + ' members' if row.owner_org else ''} can change {row.ref}.",
                "Ask a coordinator.",
            )
        return row

    def _change(
        self, session: Any, actor: Actor, row: RiskRow, field: str, before: str | None, after: str | None,
        reason: str | None,
    ) -> RiskChange:  # fmt: skip
        change = RiskChange(
            risk_ref=row.ref, field=field, before=before, after=after, reason=reason, actor=actor.user_id
        )
        session.add(change)
        row.updated_by, row.updated_at = actor.user_id, self._db.utcnow()
        session.flush()
        audit.record(
            session, actor=actor.user_id, action=f"risk.{field}", target_type="risk", target_id=row.ref,
            detail={"before": before, "after": after},
        )  # fmt: skip
        return change
