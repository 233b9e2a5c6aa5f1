"""Gathers what each report needs; ``bot.documents.render`` turns it into a file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.errors import InvalidInput
from bot.privacy import screened
from bot.services.achievements import Achievement, AchievementService
from bot.services.actions import Action, ActionService
from bot.services.plan import Partnership, PlanService, Priority
from bot.services.risk_rating import RatingRule
from bot.services.risks import Risk, RiskService
from store.plan_data import plan_year_bounds


def checked_year(year: str) -> str:
    try:
        plan_year_bounds(year)
    except ValueError:
        raise InvalidInput(
            f"`{year[:12]}` is not a plan year.", "Plan years run April to March: write 2018/19."
        ) from None
    return year


@dataclass(frozen=True)
class AchievementsData:
    partnership: Partnership
    priorities: Sequence[Priority]
    achievements: Sequence[Achievement]
    year: str | None  # None: every year
    as_at: date


@dataclass(frozen=True)
class ActionsData:
    partnership: Partnership
    actions: Sequence[Action]
    as_at: date


@dataclass(frozen=True)
class RiskRegisterData:
    partnership: Partnership
    risks: Sequence[Risk]
    rule: RatingRule
    as_at: date


class ReportService:
    def __init__(
        self, plan: PlanService, achievements: AchievementService, actions: ActionService, risks: RiskService
    ) -> None:
        self._plan = plan
        self._achievements = achievements
        self._actions = actions
        self._risks = risks

    def _today(self) -> date:
        return self._achievements.today()

    def achievements(self, year: str | None = None) -> AchievementsData:
        year = checked_year(year) if year else None
        # a report is shared beyond Slack: rows from before a rule existed go out masked
        entries = [replace(a, text=screened(a.text) or "") for a in self._achievements.in_report_order(year)]
        return AchievementsData(
            self._plan.partnership(), self._plan.priorities(), entries, year, as_at=self._today()
        )

    def actions(self) -> ActionsData:
        actions = [replace(a, reason=screened(a.reason)) for a in self._actions.list()]
        return ActionsData(self._plan.partnership(), actions, as_at=self._today())

    def risks(self) -> RiskRegisterData:
        return RiskRegisterData(
            self._plan.partnership(), self._risks.register(), self._risks.rule, as_at=self._today()
        )
