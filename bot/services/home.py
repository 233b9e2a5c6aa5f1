"""What the App Home shows one person: their organisation's actions, the plan at a glance, the glossary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from bot.permissions import Actor
from bot.privacy import screened
from bot.services.achievements import Achievement, AchievementService
from bot.services.actions import Action, ActionFilter, ActionService, Status, lead_organisations
from bot.services.alerts import Alert, AlertService
from bot.services.glossary import GlossaryService, HomeSummary
from bot.services.members import MemberService
from bot.services.nudges import NudgeService, ReportingDate
from bot.services.plan import PlanService, Priority
from bot.services.risks import RiskOverview, RiskService

#: alerts read for the Home; the total says how many more there are
HOME_ALERTS = 5


@dataclass(frozen=True)
class PriorityProgress:
    priority: Priority
    counts: dict[Status, int]
    overdue: int


@dataclass(frozen=True)
class RiskPanel:
    """The register on the Home, for everyone: risks with their trend, reviews due, alerts nobody acknowledged."""

    overview: RiskOverview
    unacknowledged: list[Alert]
    unacknowledged_total: int


@dataclass(frozen=True)
class SetupStep:
    done: bool
    what: str
    how: str


@dataclass(frozen=True)
class HomeData:
    actor: Actor
    glossary: HomeSummary
    org_actions: list[Action]
    progress: list[PriorityProgress]
    recent: list[Achievement]
    #: for coordinators: why risk alerts are not going out, when they are not
    alert_problem: str | None = None
    risks: RiskPanel | None = None
    #: the viewer's organisation's open actions with no update this quarter, and when they report
    stale: StaleForViewer | None = None
    #: until the plan's current year has actions: what is still to do to get going
    setup: tuple[SetupStep, ...] = ()


@dataclass(frozen=True)
class StaleForViewer:
    organisation: str
    quarter_title: str
    reporting: ReportingDate
    actions: list[Action]


class HomeService:
    def __init__(
        self,
        glossary: GlossaryService,
        plan: PlanService,
        actions: ActionService,
        achievements: AchievementService,
        alerts: AlertService,
        risks: RiskService,
        nudges: NudgeService,
        members: MemberService,
    ) -> None:
        self._alerts = alerts
        self._risks = risks
        self._nudges = nudges
        self._members = members
        self._glossary = glossary
        self._plan = plan
        self._actions = actions
        self._achievements = achievements

    def data(self, actor: Actor) -> HomeData:
        actions = self._actions.list(ActionFilter())
        progress = []
        for priority in self._plan.priorities():
            mine = [a for a in actions if a.priority == priority.number]
            progress.append(
                PriorityProgress(
                    priority, dict(Counter(a.status for a in mine)), sum(a.overdue for a in mine)
                )
            )
        org_actions = [a for a in actions if actor.org and actor.org in lead_organisations(a)]
        unacknowledged, waiting = self._alerts.unacknowledged(HOME_ALERTS)
        return HomeData(
            actor=actor,
            glossary=self._glossary.home_summary(actor),
            org_actions=org_actions,
            progress=progress,
            # shown in Slack: rows older than a rule are shown masked
            recent=[replace(a, text=screened(a.text) or "") for a in self._achievements.list(limit=5)],
            alert_problem=self._alerts.problem() if actor.is_coordinator else None,
            risks=RiskPanel(self._risks.overview(actor.org), unacknowledged, waiting),
            stale=self._stale_for(actor, actions),
            setup=() if actions else self._setup_steps(),
        )

    def _setup_steps(self) -> tuple[SetupStep, ...]:
        """A partnership with no plan, or a plan whose year has no actions yet: the way to a first update."""
        plan = self._plan.current_plan()
        year = self._plan.current_year()
        return (
            SetupStep(
                plan is not None,
                "Start the plan" + (f": {plan.title}" if plan else ""),
                '`csp-bot plan new "TITLE" --start 2026-04-01 --end 2029-03-31`',
            ),
            SetupStep(
                bool(self._plan.organisations()),
                "Add the partner organisations",
                '`/csp orgs add SHORT "Full name"`, or `csp-bot orgs add SHORT "Full name"`',
            ),
            SetupStep(
                False,
                f"Import {year}'s action spreadsheet (columns priority, priority_title, ref, action, leads, due)",
                f"`csp-bot plan import actions.csv --year {year} --apply`, or one by one: `/csp action add P1`",
            ),
            SetupStep(
                self._members.has_members(),
                "Add members with their organisation",
                "`/csp members add @someone ORG`",
            ),
            SetupStep(
                self._alerts.channel() is not None,
                "Choose the alert channel",
                "`/csp alerts channel #channel`",
            ),
        )

    def _stale_for(self, actor: Actor, actions: list[Action]) -> StaleForViewer | None:
        if not actor.org:
            return None
        quarter, reporting, stale = self._nudges.stale_among(actions, actor.org)  # not read twice
        return StaleForViewer(actor.org, quarter.title, reporting, stale)
