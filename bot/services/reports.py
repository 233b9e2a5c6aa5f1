"""Gathers what a report needs and renders it (see bot/reports.py)."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.reports import (
    ACHIEVEMENT_FORMATS,
    ACTION_FORMATS,
    RISK_FORMATS,
    Report,
    ReportFormat,
    achievements_report,
    actions_report,
)
from bot.services.achievements import AchievementService
from bot.services.actions import ActionService
from bot.services.plan import PlanService
from bot.services.risks import RiskService
from store.plan_data import plan_year_bounds


def parse_format(value: str, allowed: tuple[ReportFormat, ...]) -> ReportFormat:
    try:
        fmt = ReportFormat(value.strip().lower().lstrip("."))
    except ValueError:
        fmt = None
    if fmt not in allowed:
        raise InvalidInput(f"`{value[:10]}` is not a format for this report.", f"Use {', '.join(allowed)}.")
    return fmt


def checked_year(year: str) -> str:
    try:
        plan_year_bounds(year)
    except ValueError:
        raise InvalidInput(
            f"`{year[:12]}` is not a plan year.", "Plan years run April to March: write 2018/19."
        ) from None
    return year


class ReportService:
    def __init__(
        self, plan: PlanService, achievements: AchievementService, actions: ActionService, risks: RiskService
    ) -> None:
        self._plan = plan
        self._achievements = achievements
        self._actions = actions
        self._risks = risks

    def achievements(self, fmt: ReportFormat = ReportFormat.MD, year: str | None = None) -> Report:
        if fmt not in ACHIEVEMENT_FORMATS:
            raise InvalidInput(f"The achievements report comes as {', '.join(ACHIEVEMENT_FORMATS)}.")
        year = checked_year(year) if year else None
        entries = self._achievements.in_report_order(year)
        return achievements_report(fmt, self._plan.partnership(), self._plan.priorities(), entries, year)

    def actions(self, fmt: ReportFormat = ReportFormat.MD) -> Report:
        if fmt not in ACTION_FORMATS:
            raise InvalidInput(f"The action status report comes as {', '.join(ACTION_FORMATS)}.")
        return actions_report(fmt, self._plan.partnership(), self._actions.list())

    def risks(self, fmt: ReportFormat = ReportFormat.MD) -> Report:
        """The register as a 3×3 heat map (png) or a matrix and list (md)."""
        from bot.risk_report import heat_map_png, risks_markdown
        from bot.views.risks import summary

        if fmt not in RISK_FORMATS:
            raise InvalidInput(f"The risk report comes as {', '.join(RISK_FORMATS)}.")
        rule = self._risks.rule
        summaries = [summary(r) for r in self._risks.register()]
        title = f"{self._plan.partnership().short_name} risk register"
        today = self._achievements.today()
        if fmt is ReportFormat.PNG:
            content = heat_map_png(
                summaries, title=title, rule_text=rule.describe(), cell_rating=rule.rate, today=today
            )
        else:
            content = risks_markdown(
                summaries, title=title, rule_text=rule.describe(), today=today, cell_rating=rule.rate
            ).encode()
        return Report(title=title, filename=f"risk-register.{fmt.value}", content=content)
