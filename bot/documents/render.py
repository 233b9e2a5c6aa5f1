"""One entry point per report: the data a report service gathered, in the format asked for."""

from __future__ import annotations

from dataclasses import replace

from bot.documents.formats import (
    ACHIEVEMENT_FORMATS,
    ACTION_FORMATS,
    BOARD_FORMATS,
    RISK_FORMATS,
    Report,
    ReportFormat,
)
from bot.documents.people import Names, named_people
from bot.documents.plan_reports import (
    ACTIONS_TITLE,
    achievements_report,
    achievements_report_title,
    actions_report,
)
from bot.errors import InvalidInput
from bot.services.reports import AchievementsData, ActionsData, BoardPackData, RiskRegisterData


def _check(fmt: ReportFormat, allowed: tuple[ReportFormat, ...], what: str) -> None:
    if fmt not in allowed:
        raise InvalidInput(f"The {what} comes as {', '.join(allowed)}.")


def render_achievements(
    data: AchievementsData, fmt: ReportFormat = ReportFormat.MD, names: Names | None = None
) -> Report:
    """``names``: display names looked up for this report (user ID -> name); without, role words."""
    _check(fmt, ACHIEVEMENT_FORMATS, "achievements report")
    return achievements_report(
        fmt, data.partnership, data.priorities, data.achievements, data.year, as_at=data.as_at,
        organisations={o.short: o.name for o in data.organisations}, quarter=data.quarter,
        people=named_people(data.people, names),
    )  # fmt: skip


def render_actions(
    data: ActionsData, fmt: ReportFormat = ReportFormat.MD, names: Names | None = None
) -> Report:
    _check(fmt, ACTION_FORMATS, "action status report")
    return actions_report(
        fmt, data.partnership, data.actions, as_at=data.as_at,
        organisations={o.short: o.name for o in data.organisations},
        priorities={p.number: f"P{p.number} {p.title}" for p in data.priorities},
        people=named_people(data.people, names),
    )  # fmt: skip


def render_risks(data: RiskRegisterData, fmt: ReportFormat = ReportFormat.MD) -> Report:
    """The register as a 3×3 heat map (png), a matrix and list (md), or the full register (docx, xlsx)."""
    from bot.documents.risk_register import heat_map_png, risks_markdown, summarise

    _check(fmt, RISK_FORMATS, "risk report")
    if fmt in (ReportFormat.DOCX, ReportFormat.XLSX):
        from bot.documents.register_files import register_report

        return register_report(fmt, data)
    summaries = [summarise(r) for r in data.risks]
    title = f"{data.partnership.short_name} risk register"
    rule = data.rule
    if fmt is ReportFormat.PNG:
        content = heat_map_png(
            summaries, title=title, rule_text=rule.describe(), cell_rating=rule.rate, today=data.as_at
        )
    else:
        content = risks_markdown(
            summaries, title=title, rule_text=rule.describe(), today=data.as_at, cell_rating=rule.rate
        ).encode()
    return Report(title=title, filename=f"risk-register.{fmt.value}", content=content)


def render_board(
    data: BoardPackData, fmt: ReportFormat = ReportFormat.DOCX, names: Names | None = None
) -> Report:
    """The quarterly board pack (docx or pdf); ``names`` turn "a TVP member" into "Sam Patel (TVP member)"."""
    from bot.documents.board_pack import board_report

    _check(fmt, BOARD_FORMATS, "board pack")
    if names:
        people = named_people(data.people, names)
        data = replace(
            data,
            action_changes=[replace(c, by=people.get(c.actor or "", c.by)) for c in data.action_changes],
            risk_changes=[replace(c, by=people.get(c.actor or "", c.by)) for c in data.risk_changes],
            alerts_acknowledged=[
                replace(a, acknowledged_by=people.get(a.acknowledged_by_id or "", a.acknowledged_by))
                for a in data.alerts_acknowledged
            ],
        )
    return board_report(fmt, data)


def render_report(
    data: AchievementsData | ActionsData | RiskRegisterData | BoardPackData,
    fmt: ReportFormat,
    names: Names | None = None,
) -> Report:
    """Any report from its data (the Slack handler renders after looking names up)."""
    if isinstance(data, AchievementsData):
        return render_achievements(data, fmt, names)
    if isinstance(data, ActionsData):
        return render_actions(data, fmt, names)
    if isinstance(data, BoardPackData):
        return render_board(data, fmt, names)
    return render_risks(data, fmt)


def report_title(
    data: AchievementsData | ActionsData | RiskRegisterData | BoardPackData, fmt: ReportFormat
) -> str:
    """The title the file will have, without making it."""
    if isinstance(data, AchievementsData):
        return achievements_report_title(data.year, data.quarter)[0]
    if isinstance(data, ActionsData):
        return ACTIONS_TITLE
    if isinstance(data, BoardPackData):
        from bot.documents.board_pack import board_report_title

        return board_report_title(data)
    return f"{data.partnership.short_name} risk register"
