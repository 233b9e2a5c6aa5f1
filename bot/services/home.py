"""What the App Home shows one person: their organisation's actions, the plan at a glance, the glossary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.permissions import Actor
from bot.services.achievements import Achievement, AchievementService
from bot.services.actions import Action, ActionFilter, ActionService, Status, lead_org_ids
from bot.services.alerts import AlertService
from bot.services.glossary import GlossaryService, HomeSummary
from bot.services.plan import PlanService, Priority


@dataclass(frozen=True)
class PriorityProgress:
    priority: Priority
    counts: dict[Status, int]
    overdue: int


@dataclass(frozen=True)
class HomeData:
    actor: Actor
    glossary: HomeSummary
    org_actions: list[Action]
    progress: list[PriorityProgress]
    recent: list[Achievement]
    #: for coordinators: why risk alerts are not going out, when they are not
    alert_problem: str | None = None


class HomeService:
    def __init__(
        self,
        glossary: GlossaryService,
        plan: PlanService,
        actions: ActionService,
        achievements: AchievementService,
        alerts: AlertService,
    ) -> None:
        self._alerts = alerts
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
        org_actions = [a for a in actions if actor.org and actor.org in lead_org_ids(a)]
        return HomeData(
            actor=actor,
            glossary=self._glossary.home_summary(actor),
            org_actions=org_actions,
            progress=progress,
            recent=self._achievements.list(limit=5),
            alert_problem=self._alerts.problem() if actor.is_coordinator else None,
        )
