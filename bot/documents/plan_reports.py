"""Reports as files: the plan's "Our Achievements during <year>" section and the action status table.

Pure rendering from domain objects to bytes; the report service gathers the data.
Text from the plan keeps its own ``**bold**`` markers: Markdown shows them, the
Word document turns them into bold runs, CSV and spreadsheets drop them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from bot.documents.formats import ACHIEVEMENT_FORMATS, ACTION_FORMATS, Report, ReportFormat
from bot.services.achievements import Achievement
from bot.services.actions import Action, Status
from bot.services.plan import Partnership, Priority

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _plain(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def _years(achievements: Sequence[Achievement]) -> list[str]:
    return sorted({a.plan_year for a in achievements}, reverse=True)


def _by_priority(achievements: Sequence[Achievement], year: str, priority: Priority) -> list[Achievement]:
    return [a for a in achievements if a.plan_year == year and a.priority == priority.number]


def achievements_title(year: str) -> str:
    return f"Our Achievements during {year}"


# ---------------------------------------------------------------------- achievements


def achievements_markdown(
    partnership: Partnership,
    priorities: Sequence[Priority],
    achievements: Sequence[Achievement],
    years: Sequence[str],
) -> str:
    lines: list[str] = []
    for year in years:
        lines += [f"# {achievements_title(year)}", ""]
        for priority in priorities:
            lines += [f"## {priority.achievements_heading}", ""]
            entries = _by_priority(achievements, year, priority)
            lines += [f"- {a.text}" for a in entries] or ["_No achievements logged for this priority yet._"]
            lines.append("")
    if not years:
        lines += ["# Our Achievements", "", "_No achievements logged yet._", ""]
    return "\n".join(lines)


def achievements_csv(priorities: Sequence[Priority], achievements: Sequence[Achievement]) -> str:
    headings = {p.number: p.achievements_heading for p in priorities}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "plan_year",
            "priority",
            "priority_heading",
            "organisation",
            "achievement",
            "achieved_on",
            "logged_by",
        ]
    )
    for a in achievements:
        writer.writerow(
            [a.plan_year, f"P{a.priority}", headings.get(a.priority, ""), a.organisation or "", _plain(a.text),
             a.achieved_on.isoformat(), a.logged_by]
        )  # fmt: skip
    return out.getvalue()


def achievements_docx(
    partnership: Partnership,
    priorities: Sequence[Priority],
    achievements: Sequence[Achievement],
    years: Sequence[str],
) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = f"{partnership.name}: Our Achievements"
    for year in years:
        document.add_heading(achievements_title(year), level=1)
        for priority in priorities:
            document.add_heading(priority.achievements_heading, level=2)
            entries = _by_priority(achievements, year, priority)
            if not entries:
                document.add_paragraph("No achievements logged for this priority yet.")
            for achievement in entries:
                paragraph = document.add_paragraph(style="List Bullet")
                for n, part in enumerate(_BOLD.split(achievement.text)):
                    paragraph.add_run(part).bold = n % 2 == 1  # odd parts were inside ** **
    if not years:
        document.add_paragraph("No achievements logged yet.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def achievements_report(
    fmt: ReportFormat,
    partnership: Partnership,
    priorities: Sequence[Priority],
    achievements: Sequence[Achievement],
    year: str | None,
) -> Report:
    years = [year] if year else _years(achievements)
    title = achievements_title(year) if year else "Our Achievements"
    stem = f"our-achievements-{year.replace('/', '-')}" if year else "our-achievements"
    if fmt is ReportFormat.CSV:
        content = achievements_csv(priorities, achievements).encode()
    elif fmt is ReportFormat.DOCX:
        content = achievements_docx(partnership, priorities, achievements, years)
    elif fmt is ReportFormat.MD:
        content = achievements_markdown(partnership, priorities, achievements, years).encode()
    else:
        raise ValueError(f"achievements come as {', '.join(ACHIEVEMENT_FORMATS)}, not {fmt}")
    return Report(title=title, filename=f"{stem}.{fmt.value}", content=content)


# ---------------------------------------------------------------------- actions

ACTION_COLUMNS = ("Priority", "Ref", "Action", "Lead", "RAG", "Last update", "Reason")
_RAG_FILL = {Status.GREEN: "C6EFCE", Status.AMBER: "FFEB9C", Status.RED: "FFC7CE", Status.COMPLETE: "BDD7EE"}


def _action_row(action: Action) -> list[str]:
    rag = action.status.label + (" · overdue" if action.overdue else "")
    updated = action.updated_at.date().isoformat() if action.updated_at else ""
    return [
        f"P{action.priority}",
        action.ref,
        _plain(action.text),
        action.lead or "",
        rag,
        updated,
        action.reason or "",
    ]


def actions_markdown(partnership: Partnership, actions: Sequence[Action]) -> str:
    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    lines = [f"# Action status: {partnership.plan_title}", "", "| " + " | ".join(ACTION_COLUMNS) + " |"]
    lines.append("|" + "---|" * len(ACTION_COLUMNS))
    lines += ["| " + " | ".join(cell(v) or "–" for v in _action_row(a)) + " |" for a in actions]
    return "\n".join(lines) + "\n"


def actions_csv(actions: Sequence[Action]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.lower().replace(" ", "_") for c in ACTION_COLUMNS])
    writer.writerows(_action_row(a) for a in actions)
    return out.getvalue()


def actions_xlsx(actions: Sequence[Action]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Actions"
    sheet.append(list(ACTION_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for action in actions:
        sheet.append(_action_row(action))
        fill = _RAG_FILL.get(action.status)
        if fill:
            sheet.cell(row=sheet.max_row, column=5).fill = PatternFill(
                "solid", start_color=fill, end_color=fill
            )
    for column, width in zip("ABCDEFG", (9, 7, 70, 8, 22, 12, 50), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def actions_report(fmt: ReportFormat, partnership: Partnership, actions: Sequence[Action]) -> Report:
    if fmt is ReportFormat.CSV:
        content = actions_csv(actions).encode()
    elif fmt is ReportFormat.XLSX:
        content = actions_xlsx(actions)
    elif fmt is ReportFormat.MD:
        content = actions_markdown(partnership, actions).encode()
    else:
        raise ValueError(f"actions come as {', '.join(ACTION_FORMATS)}, not {fmt}")
    return Report(title="Action status", filename=f"action-status.{fmt.value}", content=content)
