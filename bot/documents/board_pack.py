"""The quarterly board pack: one document a CSP board reads without rework, as Word or PDF.

Cover, contents, a summary, progress by priority (actions, counts, a chart, the quarter's updates),
achievements, the risk register (heat map with its key, the full Appendix C table, the quarter's
changes), alerts, and the actions nobody updated. A section with nothing to report says so once.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.clock import LONDON
from bot.documents.formats import BOARD_FORMATS, Report, ReportFormat
from bot.documents.layout import (
    Beside,
    Block,
    Contents,
    Doc,
    Heading,
    Image,
    PageBreak,
    Para,
    Table,
    word_document,
)
from bot.documents.office import MARKING, long_date
from bot.documents.risk_register import heat_map_png, natural_key, ordered, summarise
from bot.services.actions import Action, Status
from bot.services.reports import AlertEntry, BoardPackData, Change
from bot.services.risks import Risk

STATUS_FILL = {
    Status.GREEN: "C6EFCE",
    Status.AMBER: "FFEB9C",
    Status.RED: "FFC7CE",
    Status.COMPLETE: "BDD7EE",
    Status.NOT_STARTED: "EDEDED",
}
RATING_FILL = {"Low": "C6EFCE", "Medium": "FFEB9C", "High": "FFC7CE"}
_COUNTED = (Status.GREEN, Status.AMBER, Status.RED, Status.COMPLETE, Status.NOT_STARTED)
_CHART_COLOUR = {
    Status.GREEN: "#4E9A51",
    Status.AMBER: "#E69F00",
    Status.RED: "#C0392B",
    Status.COMPLETE: "#2E75B6",
    Status.NOT_STARTED: "#9E9E9E",
}
_ALERT_WORDS = {
    "rating_up": "Risk rating went up",
    "new_risk": "New risk added",
    "contingency_triggered": "Contingency invoked",
    "review_overdue": "Risk review overdue",
    "action_red": "Action turned red",
    "action_overdue": "Action overdue",
}
_FIELD_WORDS = {
    "status": "status",
    "lead": "lead",
    "due_date": "due date",
    "likelihood": "likelihood",
    "impact": "impact",
    "owner": "owner",
    "review": "reviewed; next review",
    "trigger": "contingency",
    "added": "added",
}


def status_words(action: Action) -> str:
    """RAG in words as well as colour: "Amber (at risk), overdue"."""
    words = action.status.label[:1].upper() + action.status.label[1:]
    return words + (", overdue" if action.overdue else "")


def _day(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%d %b %Y") if moment else "–"


def _value(field: str, value: str | None) -> str:
    if value is None:
        return "none"
    if field == "status":
        try:
            return Status(value).label
        except ValueError:
            return value
    return value


def _change_words(change: Change) -> str:
    name = _FIELD_WORDS.get(change.field, change.field)
    if change.field == "trigger":
        return "Contingency invoked"
    if change.field == "added":
        return f"Added at {change.after or ''}".strip()
    if change.field == "review":
        return f"Reviewed; next review {change.after}"
    return (
        f"{name.capitalize()}: {_value(change.field, change.before)} → {_value(change.field, change.after)}"
    )


def counts(actions: Sequence[Action]) -> dict[str, int]:
    tally = Counter(a.status for a in actions)
    result = {s.label.split(" (")[0].capitalize(): tally.get(s, 0) for s in _COUNTED}
    result["Overdue"] = sum(1 for a in actions if a.overdue)
    return result


def counts_sentence(actions: Sequence[Action]) -> str:
    c = counts(actions)
    return (
        f"{len(actions)} actions: {c['Green']} green, {c['Amber']} amber, {c['Red']} red, "
        f"{c['Complete']} complete, {c['Not started']} not started; {c['Overdue']} overdue."
    )


def status_chart_png(actions: Sequence[Action], title: str) -> bytes:
    """A small horizontal bar chart of the actions by status, each bar labelled with its word and count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    c = counts(actions)
    labels = list(c)
    values = [c[label] for label in labels]
    colours = [*(_CHART_COLOUR[s] for s in _COUNTED), "#FFFFFF"]
    figure = Figure(figsize=(6.0, 1.9), dpi=150, facecolor="white")
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.2, 0.08, 0.72, 0.78))
    positions = list(range(len(labels)))[::-1]
    bars = ax.barh(positions, values, color=colours, edgecolor="#333333", linewidth=0.6)
    bars[-1].set_hatch("///")  # overdue cuts across the colours: hatched, not another hue
    ax.set_yticks(positions, labels, fontsize=8, fontfamily="DejaVu Sans")
    top = max([*values, 1])
    ax.set_xlim(0, top * 1.15 + 0.5)
    for position, value in zip(positions, values, strict=True):
        ax.text(
            value + top * 0.02 + 0.05, position, str(value), va="center", fontsize=8, fontfamily="DejaVu Sans"
        )
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    figure.text(0.02, 0.93, title, fontsize=9, fontweight="bold", fontfamily="DejaVu Sans", va="center")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=150, facecolor="white", metadata={"Software": None})
    return out.getvalue()


# ---------------------------------------------------------------------- the document


def board_title(data: BoardPackData) -> str:
    return f"Board report {data.quarter.label}"


def board_report_title(data: BoardPackData) -> str:
    return f"{board_title(data)}: {data.partnership.short_name}"


def board_blocks(data: BoardPackData) -> list[Block]:
    p = data.partnership
    q = data.quarter
    blocks: list[Block] = [
        Para(p.name, "title"),
        Para(p.plan_title, "subtitle"),
        Para(f"Quarterly report to the partnership board: {q.title}", "cover"),
        Para(f"As at {long_date(data.as_at)}", "cover"),
        Para(
            "This quarter is still in progress: figures are as at the date above."
            if data.in_progress
            else "Figures are as they stood at the end of the quarter.",
            "note",
        ),
        Para(f"Classification: {MARKING}. Prepared from the partnership's records in csp-bot.", "note"),
        PageBreak(),
        Contents(),
        PageBreak(),
    ]
    blocks += _summary(data)
    blocks += _priorities(data)
    blocks += _achievements(data)
    blocks += _alerts_and_stale(data)
    blocks += _register(data)
    return blocks


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary(data: BoardPackData) -> list[Block]:
    rows = []
    for priority in data.priorities:
        mine = [a for a in data.actions if a.priority == priority.number]
        c = counts(mine)
        rows.append([f"P{priority.number} {priority.title}", *(str(v) for v in c.values())])
    c = counts(data.actions)
    rows.append(["All priorities", *(str(v) for v in c.values())])
    columns = ("Priority", *counts([]).keys())
    high = [r for r in data.risks if r.rating == "High"]
    updates = len({ch.subject for ch in data.action_changes})
    return [
        Heading(1, "1. Summary"),
        Table(columns, rows, (5.2, 1.5, 1.6, 1.2, 2.0, 2.3, 1.9)),
        Para(
            f"{updates} of {len(data.actions)} actions were updated in the quarter; "
            f"{_plural(len(data.achievements), 'achievement')} recorded; "
            f"{len(data.risks)} open risks ({len(high)} rated High); "
            f"{_plural(len(data.alerts_raised), 'alert')} raised and {len(data.alerts_acknowledged)} acknowledged."
        ),
    ]


def _action_rows(
    actions: Sequence[Action], organisations: dict[str, str]
) -> tuple[list[list[str]], dict[tuple[int, int], str]]:
    return _rows_of(actions, organisations, lambda action: f"{action.due_date:%d %b %Y}")


def _rows_of(
    actions: Sequence[Action], organisations: dict[str, str], last: Callable[[Action], str]
) -> tuple[list[list[str]], dict[tuple[int, int], str]]:
    """Ref, action, lead organisations in full, status in words (and colour), and ``last``."""
    rows, fills = [], {}
    for n, action in enumerate(actions, start=1):
        lead = ", ".join(organisations.get(o, o) for o in action.leads) or "No lead set"
        rows.append([action.ref, action.text.replace("**", ""), lead, status_words(action), last(action)])
        fills[(n, 3)] = STATUS_FILL[action.status]
    return rows, fills


def _priorities(data: BoardPackData) -> list[Block]:
    organisations = {o.short: o.name for o in data.organisations}
    blocks: list[Block] = [Heading(1, "2. Progress by priority")]
    if not data.action_changes:
        blocks.append(Para(f"No action was updated in {data.quarter.label}; statuses are unchanged.", "note"))
    for priority in data.priorities:
        mine = [a for a in data.actions if a.priority == priority.number]
        blocks.append(Heading(2, f"Priority {priority.number}: {priority.title}"))
        sentence = counts_sentence(mine)
        blocks.append(Para(sentence, keep_with_next=True))
        blocks.append(
            Image(
                status_chart_png(mine, f"P{priority.number} actions by status"),
                f"Bar chart of priority {priority.number}'s {sentence}",
                width_cm=12.0,
                height_cm=3.8,
            )
        )
        rows, fills = _action_rows(mine, organisations)
        blocks.append(
            Table(("Ref", "Action", "Lead", "Status", "Due"), rows, (1.1, 7.4, 3.0, 2.5, 1.9), fills)
        )
        updates = [c for c in data.action_changes if c.subject in {a.ref for a in mine}]
        if updates:
            blocks.append(Heading(3, f"Updates in {data.quarter.label}"))
            blocks.append(
                Table(
                    ("Date", "Action", "Change", "Reason", "By"),
                    [[_day(c.at), c.subject, _change_words(c), c.reason or "–", c.by] for c in updates],
                    (2.1, 1.5, 4.6, 5.0, 2.7),
                )
            )
        elif data.action_changes:
            blocks.append(Para(f"No updates to priority {priority.number}'s actions in the quarter.", "note"))
    return blocks


def _achievements(data: BoardPackData) -> list[Block]:
    organisations = {o.short: o.name for o in data.organisations}
    blocks: list[Block] = [PageBreak(), Heading(1, "3. Achievements this quarter")]
    if not data.achievements:
        blocks.append(Para(f"No achievements were recorded for {data.quarter.label}.", "note"))
        return blocks
    for priority in data.priorities:
        mine = [a for a in data.achievements if a.priority == priority.number]
        if not mine:
            continue
        blocks.append(Heading(2, priority.achievements_heading))
        for achievement in mine:
            org = organisations.get(achievement.organisation or "", "the partnership")
            blocks.append(Para(f"{achievement.text.replace('**', '')} ({org})", "bullet"))
    return blocks


def _alert_row(alert: AlertEntry) -> list[str]:
    acknowledged = (
        f"{alert.acknowledged_by}, {_day(alert.acknowledged_at)}" if alert.acknowledged_by else "Not yet"
    )
    return [
        _day(alert.raised_at),
        _ALERT_WORDS.get(alert.kind, alert.kind),
        alert.subject,
        alert.severity,
        acknowledged,
    ]


def _alerts_and_stale(data: BoardPackData) -> list[Block]:
    organisations = {o.short: o.name for o in data.organisations}
    blocks: list[Block] = [Heading(1, "4. Alerts")]
    columns = ("Raised", "Alert", "About", "Severity", "Acknowledged")
    widths = (2.2, 4.6, 1.6, 1.9, 5.6)
    if data.alerts_raised:
        blocks.append(Heading(2, "Raised in the quarter"))
        blocks.append(Table(columns, [_alert_row(a) for a in data.alerts_raised], widths))
    raised = {(a.raised_at, a.subject, a.kind) for a in data.alerts_raised}
    earlier = [a for a in data.alerts_acknowledged if (a.raised_at, a.subject, a.kind) not in raised]
    if earlier:
        blocks.append(Heading(2, "Raised earlier, acknowledged in the quarter"))
        blocks.append(Table(columns, [_alert_row(a) for a in earlier], widths))
    if not data.alerts_raised and not earlier:
        blocks.append(Para(f"No alerts were raised or acknowledged in {data.quarter.label}.", "note"))

    stale = data.stale_actions
    blocks.append(Heading(1, "5. Actions with no update this quarter"))
    if not stale:
        blocks.append(Para("Every action that is not complete was updated in the quarter.", "note"))
        return blocks
    blocks.append(
        Para(
            f"{len(stale)} of {len(data.actions)} actions are not complete and had no update in {data.quarter.label}.",
            keep_with_next=True,
        )
    )
    rows, fills = _rows_of(
        stale, organisations, lambda action: _day(action.updated_at) if action.updated_at else "Never"
    )
    blocks.append(
        Table(("Ref", "Action", "Lead", "Status", "Last update"), rows, (1.1, 7.4, 3.0, 2.5, 1.9), fills)
    )
    return blocks


def register_key(risks: Sequence[Risk]) -> Table:
    """What R1 … R7 are, in ref order, to read beside the heat map."""
    rows = sorted(
        ([s.ref, s.description] for s in map(summarise, risks)), key=lambda row: natural_key(row[0])
    )
    return Table(("Ref", "Risk"), rows, (1.1, 11.4), font_pt=8)


def ordered_risks(risks: Sequence[Risk]) -> list[Risk]:
    by_ref = {r.ref: r for r in risks}
    return [by_ref[s.ref] for s in ordered([summarise(r) for r in risks])]


def register_table(risks: Sequence[Risk]) -> Table:
    """Every Appendix C column, plus the rating and the review dates."""
    rows, fills = [], {}
    for n, risk in enumerate(ordered_risks(risks), start=1):
        last = f"{risk.last_reviewed_on:%d %b %Y}" if risk.last_reviewed_on else "Not yet"
        due = f"{risk.next_review:%d %b %Y}" + (" (overdue)" if risk.review_overdue else "")
        rows.append([risk.ref, risk.description, risk.likelihood, risk.impact, f"{risk.rating} ({risk.score})",
                     risk.preventative, risk.contingent, risk.owner, last, due])  # fmt: skip
        fills[(n, 4)] = RATING_FILL.get(risk.rating, "FFFFFF")
    columns = ("Ref", "Risk", "Likelihood", "Impact", "Rating", "Preventative actions", "Contingent actions",
               "Owner", "Last review", "Next review")  # fmt: skip
    return Table(columns, rows, (1.0, 4.2, 2.0, 1.5, 1.8, 3.7, 3.7, 2.8, 1.9, 1.9), fills, font_pt=8)


def heat_map_image(
    risks: Sequence[Risk], rule_text: str, cell_rating: object, as_at: object, title: str, width_cm: float
) -> Image:
    summaries = [summarise(r) for r in risks]
    png = heat_map_png(summaries, title=title, rule_text=rule_text, cell_rating=cell_rating, today=as_at)  # type: ignore[arg-type]
    placed = "; ".join(
        f"{r.ref} likelihood {r.likelihood}, impact {r.impact}, rated {r.rating}"
        for r in ordered_risks(risks)
    )
    alt = f"Heat map of the risk register, likelihood against impact. {placed or 'No open risks'}."
    return Image(png, alt, width_cm=width_cm, height_cm=width_cm * 7 / 9)


def _register(data: BoardPackData) -> list[Block]:
    blocks: list[Block] = [PageBreak(landscape=True), Heading(1, "6. Risk register")]
    if not data.risks:
        return [*blocks, Para("There are no open risks in the register.", "note")]
    blocks.append(Para(data.rule.describe()))
    image = heat_map_image(
        data.risks,
        data.rule.describe(),
        data.rule.rate,
        data.as_at,
        f"{data.partnership.short_name} risk register",
        10.5,
    )
    blocks.append(Beside(image, register_key(data.risks)))
    blocks.append(PageBreak(landscape=True))
    blocks.append(Heading(2, "The register"))
    blocks.append(register_table(data.risks))
    blocks.append(Heading(2, f"Changes to the register in {data.quarter.label}"))
    if data.risk_changes:
        blocks.append(
            Table(
                ("Date", "Risk", "Change", "Reason", "By"),
                [[_day(c.at), c.subject, _change_words(c), c.reason or "–", c.by] for c in data.risk_changes],
                (2.2, 1.3, 6.5, 10.0, 4.0),
            )
        )
    else:
        blocks.append(Para("No changes to the register in the quarter.", "note"))
    return blocks


def board_report(fmt: ReportFormat, data: BoardPackData) -> Report:
    title = board_title(data)
    doc = Doc(
        title=title,
        partnership=data.partnership.name,
        subject=f"{data.partnership.plan_title}: {data.quarter.title}",
        as_at=data.as_at,
        blocks=board_blocks(data),
    )
    if fmt is ReportFormat.DOCX:
        content = word_document(doc)
    elif fmt is ReportFormat.PDF:
        from bot.documents.pdf import pdf_document

        content = pdf_document(doc)
    else:
        raise ValueError(f"the board pack comes as {', '.join(BOARD_FORMATS)}, not {fmt}")
    stem = f"board-report-{data.quarter.label.replace('/', '-').lower()}"
    return Report(title=board_report_title(data), filename=f"{stem}.{fmt.value}", content=content)
