"""Reports as files: the plan's "Our Achievements during <year>" section and the action status table.

Pure rendering from domain objects to bytes; the report service gathers the data.
Text from the plan keeps its own ``**bold**`` markers: Markdown shows them, the
Word document turns them into bold runs, CSV and spreadsheets drop them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import date

from bot.documents.cells import csv_safe_rows, put
from bot.documents.formats import ACHIEVEMENT_FORMATS, ACTION_FORMATS, Report, ReportFormat
from bot.documents.office import (
    MARKING,
    long_date,
    new_word_document,
    sheet_with_title,
    table_on_sheet,
    word_bytes,
)
from bot.quarters import Quarter
from bot.services.achievements import Achievement
from bot.services.actions import Action, Status
from bot.services.plan import Partnership, Priority
from store.seed import SEED_ACTOR

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
    quarter: Quarter | None = None,
) -> str:
    period = "quarter" if quarter else "year"
    lines: list[str] = [f"_{quarter.title} only._", ""] if quarter else []
    for year in years:
        lines += [f"# {achievements_title(year)}", ""]
        if partnership.achievements_intro and year == partnership.achievements_intro_year:
            lines += [partnership.achievements_intro, ""]
        empty = []
        for priority in priorities:
            entries = _by_priority(achievements, year, priority)
            if not entries:
                empty.append(priority.achievements_heading)
                continue
            lines += [f"## {priority.achievements_heading}", ""]
            lines += [f"- {a.text}" for a in entries]
            lines.append("")
        if len(empty) == len(priorities):
            lines += [f"_No achievements logged for this {period} yet._", ""]
        elif empty:
            lines += ["_Nothing logged yet under: " + "; ".join(empty) + "._", ""]
    if not years:
        lines += ["# Our Achievements", "", "_No achievements logged yet._", ""]
    return "\n".join(lines)


def achievements_csv(
    priorities: Sequence[Priority],
    achievements: Sequence[Achievement],
    organisations: dict[str, str],
    people: Mapping[str, str] | None = None,
) -> str:
    headings = {p.number: p.achievements_heading for p in priorities}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["plan_year", "priority", "priority_heading", "organisation", "organisation_name",
                     "achievement", "achieved_on", "logged_by"])  # fmt: skip
    rows = [
        [a.plan_year, f"P{a.priority}", headings.get(a.priority, ""), a.organisation or "",
         organisations.get(a.organisation or "", ""), _plain(a.text), a.achieved_on.isoformat(),
         logged_by_words(a, people or {})]
        for a in achievements
    ]  # fmt: skip
    writer.writerows(csv_safe_rows(rows))
    return out.getvalue()


def logged_by_words(achievement: Achievement, people: Mapping[str, str]) -> str:
    """Who logged it, as the report names them; "" for the plan's own entries (nobody logged them)."""
    if achievement.logged_by is None or achievement.logged_by == SEED_ACTOR:
        return ""
    return people.get(achievement.logged_by, "a member")


def organisation_words(achievement: Achievement, organisations: dict[str, str]) -> str:
    if achievement.organisation is None:
        return "the partnership"  # the plan names no single partner for it
    return organisations.get(achievement.organisation, achievement.organisation)


def achievements_docx(
    partnership: Partnership,
    priorities: Sequence[Priority],
    achievements: Sequence[Achievement],
    years: Sequence[str],
    *,
    title: str,
    as_at: date,
    organisations: dict[str, str],
    quarter: Quarter | None = None,
    people: Mapping[str, str] | None = None,
) -> bytes:
    from docx.shared import Pt, RGBColor

    document = new_word_document(
        title=title, partnership=partnership.name, subject=partnership.plan_title, as_at=as_at
    )
    intro = document.add_paragraph()
    intro.add_run(f"{partnership.plan_title}. As at {long_date(as_at)}.").italic = True
    if quarter is not None:
        intro.add_run(f" {quarter.title} only.").italic = True
    for year in years:
        document.add_heading(achievements_title(year), level=1)
        if partnership.achievements_intro and year == partnership.achievements_intro_year:
            document.add_paragraph(partnership.achievements_intro)
        if not any(a.plan_year == year for a in achievements):
            # one line for the year, not one under every priority
            document.add_paragraph(f"No achievements logged for this {'quarter' if quarter else 'year'} yet.")
            continue
        empty = []
        for priority in priorities:
            entries = _by_priority(achievements, year, priority)
            if not entries:
                empty.append(priority.achievements_heading)
                continue
            document.add_heading(priority.achievements_heading, level=2)
            for achievement in entries:
                paragraph = document.add_paragraph(style="List Bullet")
                for n, part in enumerate(_BOLD.split(achievement.text)):
                    paragraph.add_run(part).bold = n % 2 == 1  # odd parts were inside ** **
                logged_by = logged_by_words(achievement, people or {})
                logged = f", logged by {logged_by}" if logged_by else ""
                who = paragraph.add_run(f" ({organisation_words(achievement, organisations)}{logged})")
                who.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
                who.font.size = Pt(10)
        if empty:
            document.add_paragraph("Nothing logged yet under: " + "; ".join(empty) + ".").runs[
                0
            ].italic = True
    if not years:
        document.add_paragraph("No achievements logged yet.")
    return word_bytes(document)


def achievements_report_title(year: str | None, quarter: Quarter | None) -> tuple[str, str]:
    """The report's title and its file name without the extension."""
    if quarter is not None:
        return (
            f"Our Achievements, {quarter.title}",
            f"our-achievements-{quarter.label.replace('/', '-').lower()}",
        )
    if year:
        return achievements_title(year), f"our-achievements-{year.replace('/', '-')}"
    return "Our Achievements", "our-achievements"


def achievements_report(
    fmt: ReportFormat,
    partnership: Partnership,
    priorities: Sequence[Priority],
    achievements: Sequence[Achievement],
    year: str | None,
    *,
    as_at: date,
    organisations: dict[str, str] | None = None,
    quarter: Quarter | None = None,
    people: Mapping[str, str] | None = None,
) -> Report:
    organisations = organisations or {}
    years = [year] if year else _years(achievements)
    title, stem = achievements_report_title(year, quarter)
    if fmt is ReportFormat.CSV:
        content = achievements_csv(priorities, achievements, organisations, people).encode()
    elif fmt is ReportFormat.DOCX:
        content = achievements_docx(
            partnership, priorities, achievements, years, title=title, as_at=as_at,
            organisations=organisations, quarter=quarter, people=people,
        )  # fmt: skip
    elif fmt is ReportFormat.MD:
        content = achievements_markdown(partnership, priorities, achievements, years, quarter).encode()
    else:
        raise ValueError(f"achievements come as {', '.join(ACHIEVEMENT_FORMATS)}, not {fmt}")
    return Report(title=title, filename=f"{stem}.{fmt.value}", content=content)


# ---------------------------------------------------------------------- actions

ACTIONS_TITLE = "Action status"
NO_ACTIONS = "No actions in this plan year."
ACTION_COLUMNS = (
    "Priority",
    "Ref",
    "Action",
    "Lead",
    "Status",
    "Overdue",
    "Due date",
    "Last update",
    "Updated by",
    "Reason",
)
_RAG_FILL = {
    Status.GREEN: "C6EFCE", Status.AMBER: "FFEB9C", Status.RED: "FFC7CE", Status.COMPLETE: "BDD7EE",
    Status.NOT_STARTED: "EDEDED",
}  # fmt: skip


def _action_row(
    action: Action, organisations: dict[str, str], priorities: dict[int, str], people: Mapping[str, str]
) -> list[str | date]:
    # dates stay dates: the workbook stores real date cells (sortable, filterable), the CSV ISO text
    updated: date | str = action.updated_at.date() if action.updated_at else ""
    if action.updated_by is None or action.updated_by == SEED_ACTOR:
        updated_by = ""  # the plan's own status: nobody updated it
    else:
        updated_by = people.get(action.updated_by, "a member")
    lead = ", ".join(organisations.get(o, o) for o in action.leads)
    return [
        priorities.get(action.priority, f"P{action.priority}"),
        action.ref,
        _plain(action.text),
        lead,
        action.status.label[:1].upper() + action.status.label[1:],
        "Overdue" if action.overdue else "No",
        action.due_date,
        updated,
        updated_by,
        action.reason or "",
    ]


def actions_markdown(partnership: Partnership, rows: Sequence[Sequence[str | date]], as_at: date) -> str:
    def cell(value: str | date) -> str:
        if isinstance(value, date):
            return f"{value:%d %b %Y}"
        return value.replace("|", "\\|").replace("\n", " ")

    lines = [f"# Action status: {partnership.plan_title}", "", f"As at {long_date(as_at)}.", ""]
    lines.append("| " + " | ".join(ACTION_COLUMNS) + " |")
    lines.append("|" + "---|" * len(ACTION_COLUMNS))
    lines += ["| " + " | ".join(cell(v) or "–" for v in row) + " |" for row in rows]
    if not rows:
        lines += ["", NO_ACTIONS]
    return "\n".join(lines) + "\n"


def actions_csv(rows: Sequence[Sequence[str | date]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.lower().replace(" ", "_") for c in ACTION_COLUMNS])
    writer.writerows(
        csv_safe_rows([[v.isoformat() if isinstance(v, date) else v for v in row] for row in rows])
    )
    return out.getvalue()


def actions_xlsx(
    partnership: Partnership, actions: Sequence[Action], rows: Sequence[Sequence[str | date]], as_at: date
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    title = f"Action status: {partnership.plan_title}"
    sheet = sheet_with_title(
        workbook, "Actions", title=title, subtitle=f"{partnership.name}. As at {long_date(as_at)}. {MARKING}."
    )
    fills = {(n, 4): _RAG_FILL[a.status] for n, a in enumerate(actions, start=1)}
    fills.update({(n, 5): "FFC7CE" for n, a in enumerate(actions, start=1) if a.overdue})
    table_on_sheet(
        sheet,
        ACTION_COLUMNS,
        rows,
        (18, 5.5, 50, 16, 13, 8.5, 11.5, 11.5, 20, 32),
        fills=fills,
        page_title=title,
    )
    if not rows:  # an empty table reads as a broken file: say why it is empty
        put(sheet.cell(row=5, column=1), NO_ACTIONS)
    workbook.properties.title = title
    workbook.properties.creator = partnership.name
    workbook.properties.lastModifiedBy = partnership.name
    workbook.properties.keywords = MARKING
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def actions_report(
    fmt: ReportFormat,
    partnership: Partnership,
    actions: Sequence[Action],
    *,
    as_at: date,
    organisations: dict[str, str] | None = None,
    priorities: dict[int, str] | None = None,
    people: Mapping[str, str] | None = None,
) -> Report:
    rows = [_action_row(a, organisations or {}, priorities or {}, people or {}) for a in actions]
    if fmt is ReportFormat.CSV:
        content = actions_csv(rows).encode()
    elif fmt is ReportFormat.XLSX:
        content = actions_xlsx(partnership, actions, rows, as_at)
    elif fmt is ReportFormat.MD:
        content = actions_markdown(partnership, rows, as_at).encode()
    else:
        raise ValueError(f"actions come as {', '.join(ACTION_FORMATS)}, not {fmt}")
    return Report(title=ACTIONS_TITLE, filename=f"action-status.{fmt.value}", content=content)
