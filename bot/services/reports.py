"""Gathers what each report needs; ``bot.documents.render`` turns it into a file.

The board pack looks back at one quarter: the actions and risks as they stood at its end (or today,
for the quarter in progress), rebuilt from their change history, with the quarter's updates,
achievements, register changes and alerts. Services name people by user ID plus the words for them
("a TVP member"); the Slack handler may look up display names for the file (``bot.documents.people``),
and a file never shows a Slack ID: a board paper is not the place for staff identifiers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from bot.clock import LONDON
from bot.errors import InvalidInput
from bot.permissions import Actor
from bot.privacy import screened
from bot.quarters import Quarter, parse_quarter, quarter_of
from bot.services.achievements import Achievement, AchievementService
from bot.services.actions import Action, ActionFilter, ActionService, Status
from bot.services.alerts import aware
from bot.services.history import field_change
from bot.services.plan import Organisation, Partnership, PlanService, Priority, checked_year
from bot.services.risk_rating import RatingRule
from bot.services.risks import Risk, RiskService
from store.db import Database
from store.models import ActionChange, AlertRow, Member, RiskChange
from store.seed import SEED_ACTOR

#: the word that asks for every plan year, newest first, where a year is otherwise the current one
ALL_YEARS = "all"


@dataclass(frozen=True)
class AchievementsData:
    partnership: Partnership
    priorities: Sequence[Priority]
    achievements: Sequence[Achievement]
    year: str | None  # None: every year
    as_at: date
    quarter: Quarter | None = None  # only this quarter's achievements
    organisations: Sequence[Organisation] = ()
    people: Mapping[str, str] = field(default_factory=dict)  # who logged them: user ID -> "a TVP member"


@dataclass(frozen=True)
class ActionsData:
    partnership: Partnership
    actions: Sequence[Action]
    as_at: date
    organisations: Sequence[Organisation] = ()
    priorities: Sequence[Priority] = ()
    people: Mapping[str, str] = field(default_factory=dict)  # who last updated them


@dataclass(frozen=True)
class RiskRegisterData:
    partnership: Partnership
    risks: Sequence[Risk]
    rule: RatingRule
    as_at: date
    organisations: Sequence[Organisation] = ()


@dataclass(frozen=True)
class Change:
    """One change to an action or a risk, with who made it as an organisation and role, not an ID."""

    subject: str  # "P2.3", "R2"
    field: str
    before: str | None
    after: str | None
    reason: str | None
    by: str
    at: datetime
    actor: str | None = None  # the user ID, for a display name in the file; never printed


@dataclass(frozen=True)
class AlertEntry:
    kind: str
    subject: str  # "R2", "P1.3", "" for a digest
    severity: str
    raised_at: datetime
    acknowledged_by: str | None  # "a TVP member", or None
    acknowledged_at: datetime | None
    acknowledged_by_id: str | None = None  # for a display name in the file; never printed


@dataclass(frozen=True)
class BoardPackData:
    partnership: Partnership
    priorities: Sequence[Priority]
    organisations: Sequence[Organisation]
    quarter: Quarter
    as_at: date  # the quarter's last day, or today while it is in progress
    actions: Sequence[Action]  # as they stood on ``as_at``
    action_changes: Sequence[Change]  # in the quarter, oldest first
    achievements: Sequence[Achievement]  # achieved in the quarter
    risks: Sequence[Risk]  # open on ``as_at``, levels as they stood then
    risk_changes: Sequence[Change]
    rule: RatingRule
    alerts_raised: Sequence[AlertEntry]
    alerts_acknowledged: Sequence[AlertEntry]

    @property
    def people(self) -> dict[str, str]:
        """Every member the pack names: user ID -> the words the service gave them."""
        found = {c.actor: c.by for c in (*self.action_changes, *self.risk_changes) if c.actor}
        for alert in self.alerts_acknowledged:
            if alert.acknowledged_by_id and alert.acknowledged_by:
                found[alert.acknowledged_by_id] = alert.acknowledged_by
        return {user_id: words for user_id, words in found.items() if is_member_id(user_id)}

    @property
    def stale_actions(self) -> list[Action]:
        """Not complete, and no status update this quarter (a reason given again with the same status
        counts; a new lead or due date does not): the same rule as the nudges."""
        touched = {c.subject for c in self.action_changes if c.field == "status"}
        return [a for a in self.actions if a.status is not Status.COMPLETE and a.ref not in touched]

    @property
    def in_progress(self) -> bool:
        return self.as_at < self.quarter.end


def _value_at(changes: Sequence[Any], field: str, moment: datetime, current: Any) -> Any:
    """A field's value at ``moment`` from its history (oldest first): the last change before it, else
    the value the first later change started from, else what it is now."""
    relevant = [c for c in changes if c.field == field]
    before = [c for c in relevant if aware(c.at) < moment]
    if before:
        return before[-1].after
    if relevant:
        return relevant[0].before
    return current


class ReportService:
    def __init__(
        self,
        plan: PlanService,
        achievements: AchievementService,
        actions: ActionService,
        risks: RiskService,
        db: Database | None = None,
    ) -> None:
        self._plan = plan
        self._achievements = achievements
        self._actions = actions
        self._risks = risks
        self._db = db

    def _today(self) -> date:
        return self._achievements.today()

    def quarter(self, text: str | None) -> Quarter:
        """The quarter asked for, or the current one by the clock."""
        return parse_quarter(text, self._today()) if text else quarter_of(self._today())

    def achievements(self, year: str | None = None, quarter: str | None = None) -> AchievementsData:
        """One plan year (by default the current one), one quarter, or every year (``year="all"``)."""
        every_year = year is not None and year.strip().lower() == ALL_YEARS
        year = checked_year(year) if year and not every_year else None
        wanted = parse_quarter(quarter, self._today()) if quarter else None
        if wanted is None and year is None and not every_year:
            year = self._plan.current_year()
        if wanted is not None:
            if year is not None and year != wanted.plan_year:
                raise InvalidInput(
                    f"{wanted.label} is not in {year}.", "Give the quarter alone, e.g. 2018/19-Q2."
                )
            year = wanted.plan_year
        entries = self._achievements.in_report_order(year)
        if wanted is not None:
            entries = [a for a in entries if wanted.contains(a.achieved_on)]
        # a report is shared beyond Slack: rows from before a rule existed go out masked
        entries = [replace(a, text=screened(a.text) or "") for a in entries]
        return AchievementsData(
            self._plan.partnership(year), self._plan.priorities(year), entries, year, as_at=self._today(),
            quarter=wanted, organisations=self._plan.organisations(),
            people=self._people(a.logged_by for a in entries),
        )  # fmt: skip

    def actions(self, year: str | None = None) -> ActionsData:
        year = self._plan.year(year)
        # shown beyond Slack: reasons from before a rule existed go out masked
        actions = [
            replace(a, reason=screened(a.reason)) for a in self._actions.list(ActionFilter(plan_year=year))
        ]
        return ActionsData(
            self._plan.partnership(year), actions, as_at=self._today(),
            organisations=self._plan.organisations(include_retired=True), priorities=self._plan.priorities(year),
            people=self._people(a.updated_by for a in actions),
        )  # fmt: skip

    def _people(self, user_ids: Iterable[str | None]) -> dict[str, str]:
        """The members among ``user_ids``, each as the words for them ("a TVP member", "a former member")."""
        wanted = {u for u in user_ids if u and is_member_id(u)}
        if not wanted or self._db is None:
            return dict.fromkeys(wanted, "a member")
        with self._db.read() as session:
            known = {
                m.user_id: _who(m) for m in session.scalars(select(Member).where(Member.user_id.in_(wanted)))
            }
        return {u: known.get(u, "a former member") for u in wanted}

    def risks(self) -> RiskRegisterData:
        return RiskRegisterData(
            self._plan.partnership(), self._risks.register(), self._risks.rule, as_at=self._today(),
            organisations=self._plan.organisations(),
        )  # fmt: skip

    # ------------------------------------------------------------------ the quarterly board pack

    def board(self, quarter: str | None = None) -> BoardPackData:
        if self._db is None:
            raise RuntimeError("the board pack needs the store")
        wanted = self.quarter(quarter)
        today = self._today()
        if wanted.start > today:
            raise InvalidInput(
                f"{wanted.label} has not started yet.", f"The current quarter is {quarter_of(today).label}."
            )
        as_at = min(today, wanted.end)
        begin, finish = wanted.utc_bounds()
        # the state "as at" a past quarter is the state at the end of its last day
        moment = finish if as_at == wanted.end else datetime.max.replace(tzinfo=UTC)
        with self._db.read() as session:
            people = {m.user_id: _who(m) for m in session.scalars(select(Member))}
            action_rows = list(session.scalars(select(ActionChange).order_by(ActionChange.id)))
            risk_rows = list(
                session.scalars(select(RiskChange).where(RiskChange.field != "seed").order_by(RiskChange.id))
            )
            alert_rows = list(session.scalars(select(AlertRow).order_by(AlertRow.created_at, AlertRow.id)))

        def person(user_id: str | None) -> str:
            if user_id is None:
                return ""
            if user_id == SEED_ACTOR:
                return "the plan"
            if user_id == Actor.operator().user_id:
                return "the operator (command line)"
            return people.get(user_id, "a former member")

        def within(at: datetime) -> bool:
            return begin <= aware(at) < finish

        def change(subject: str, row: Any) -> Change:
            c = field_change(row)
            return Change(
                subject, c.field, c.before, c.after, c.reason, person(c.actor), aware(c.at), c.actor
            )

        # the quarter's own plan year when it has actions, else the current year
        year = wanted.plan_year if wanted.plan_year in self._plan.started_years() else None
        actions = [self._action_at(a, [r for r in action_rows if r.action_ref == a.ref], moment, as_at)
                   for a in self._actions.list(ActionFilter(plan_year=year))]  # fmt: skip
        risks = []
        for risk in self._risks.register(include_closed=True):
            history = [r for r in risk_rows if r.risk_ref == risk.ref]
            if risk_added_after(history, moment):
                continue
            risks.append(self._risk_at(risk, history, moment, as_at))
        risks = [r for r in risks if not r.closed]
        achievements = [
            a for a in self._achievements.in_report_order(wanted.plan_year) if wanted.contains(a.achieved_on)
        ]
        # nudges are direct messages to members, not alerts the board hears about
        alert_list = [a for a in alert_rows if a.kind not in ("digest", "nudge")]
        return BoardPackData(
            partnership=self._plan.partnership(),
            priorities=self._plan.priorities(),
            organisations=self._plan.organisations(),
            quarter=wanted,
            as_at=as_at,
            actions=actions,
            action_changes=[change(r.action_ref, r) for r in action_rows if within(r.at)],
            achievements=achievements,
            risks=risks,
            risk_changes=[change(r.risk_ref, r) for r in risk_rows if within(r.at)],
            rule=self._risks.rule,
            alerts_raised=[_alert(a, person) for a in alert_list if within(a.created_at)],
            alerts_acknowledged=[
                _alert(a, person)
                for a in alert_list
                if a.acknowledged_at is not None and within(a.acknowledged_at)
            ],
        )

    def _action_at(
        self, action: Action, history: Sequence[ActionChange], moment: datetime, as_at: date
    ) -> Action:
        status = Status(_value_at(history, "status", moment, action.status.value))
        due_text = _value_at(history, "due_date", moment, action.due_date.isoformat())
        due = date.fromisoformat(due_text) if due_text else action.due_date
        statuses = [c for c in history if c.field == "status" and aware(c.at) < moment]
        reason = statuses[-1].reason if statuses else (None if history else action.reason)
        touched = [c for c in history if aware(c.at) < moment]
        return dataclasses.replace(
            action,
            status=status,
            reason=reason,
            leads=_leads_at(history, moment, action.leads),
            due_date=due,
            updated_at=aware(touched[-1].at) if touched else (None if history else action.updated_at),
            overdue=status is not Status.COMPLETE and due < as_at,
        )

    def _risk_at(self, risk: Risk, history: Sequence[RiskChange], moment: datetime, as_at: date) -> Risk:
        likelihood = _value_at(history, "likelihood", moment, risk.likelihood)
        impact = _value_at(history, "impact", moment, risk.impact)
        review = _value_at(history, "review", moment, risk.next_review.isoformat())
        next_review = date.fromisoformat(review) if review else risk.next_review
        closed = _value_at(history, "status", moment, "closed" if risk.closed else "open") == "closed"
        reviews = [c for c in history if c.field == "review" and aware(c.at) < moment]
        return dataclasses.replace(
            risk,
            likelihood=likelihood,
            impact=impact,
            rating=self._risks.rule.rate(likelihood, impact),
            score=self._risks.rule.score(likelihood, impact),
            owner=_value_at(history, "owner", moment, risk.owner),
            closed=closed,
            next_review=next_review,
            last_reviewed_on=_london_day(reviews[-1].at) if reviews else risk.last_reviewed_on,
            review_overdue=not closed and next_review < as_at,
        )


def _leads_at(history: Sequence[ActionChange], moment: datetime, current: tuple[str, ...]) -> tuple[str, ...]:
    """The lead organisations at ``moment``: one lead ("lead", before joint leads) or several ("leads")."""
    changes = [c for c in history if c.field in ("lead", "leads")]
    before = [c for c in changes if aware(c.at) < moment]
    if before:
        value = before[-1].after
    elif changes:
        value = changes[0].before
    else:
        return current
    return tuple(v for v in (value or "").split(";") if v)


def risk_added_after(history: Sequence[RiskChange], moment: datetime) -> bool:
    """A risk someone added (not the plan's own) after ``moment`` was not in the register then."""
    added = [c for c in history if c.field == "added"]
    return bool(added) and aware(added[0].at) >= moment


def _london_day(at: datetime) -> date:
    return aware(at).astimezone(LONDON).date()


def is_member_id(user_id: str) -> bool:
    """A person's Slack ID, not the plan's seed or the command line standing in as the actor."""
    return user_id not in (SEED_ACTOR, Actor.operator().user_id)


def _who(member: Member) -> str:
    org = member.org or "partnership"
    return f"a {org} coordinator" if member.role == "coordinator" else f"a {org} member"


def _alert(row: AlertRow, person: Any) -> AlertEntry:
    kind = row.payload.get("original_kind", row.kind) if row.kind == "reminder" else row.kind
    return AlertEntry(
        kind=kind,
        subject=str(row.payload.get("ref", row.subject_id)),
        severity=row.severity,
        raised_at=aware(row.created_at),
        acknowledged_by=person(row.acknowledged_by) if row.acknowledged_by else None,
        acknowledged_at=aware(row.acknowledged_at) if row.acknowledged_at else None,
        acknowledged_by_id=row.acknowledged_by,
    )
