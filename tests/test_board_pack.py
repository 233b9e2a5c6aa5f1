"""The quarterly board pack and the report files done properly (issue 12 §1 and §2): what the files
contain, how they print (A4, OFFICIAL, page numbers, print set-up), and that user text stays text."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.clock import LONDON, SettableClock
from bot.container import Services
from bot.documents.cells import csv_safe, put
from bot.documents.formats import ReportFormat
from bot.documents.render import render_achievements, render_actions, render_board, render_risks
from bot.errors import InvalidInput
from bot.permissions import Actor, Role
from bot.quarters import Quarter, parse_quarter, quarter_of
from bot.services.actions import Status
from tests.harness import SlackHarness, all_text, run_cli

COORDINATOR = "U0COORD"  # WDC coordinator
TVP_MEMBER = "U0TVP"
PARTNERSHIP = "Wycombe Community Safety Partnership"
INJECTION = "=cmd|' /C calc'!A0"
EMU_PER_CM = 360000


@pytest.fixture
def team(services: Services) -> None:
    operator = Actor.operator()
    services.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    services.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")


def _cm(length: int) -> float:
    return round(length / EMU_PER_CM, 2)


# ---------------------------------------------------------------------- quarters


def test_uk_financial_quarters() -> None:
    assert quarter_of(date(2026, 11, 24)) == Quarter("2026/27", 3)
    assert quarter_of(date(2027, 3, 31)) == Quarter("2026/27", 4)
    assert quarter_of(date(2027, 4, 1)) == Quarter("2027/28", 1)
    assert quarter_of(date(2018, 9, 30)) == Quarter("2018/19", 2)
    q4 = Quarter("2017/18", 4)
    assert (q4.start, q4.end, q4.label) == (date(2018, 1, 1), date(2018, 3, 31), "2017/18-Q4")
    q3 = Quarter("2026/27", 3)
    assert (q3.start, q3.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q3.title == "Quarter 3 2026/27 (October to December 2026)"
    # London midnight: 1 July is still BST, so the quarter starts at 23:00 UTC the day before
    assert Quarter("2018/19", 2).utc_bounds()[0].isoformat() == "2018-06-30T23:00:00+00:00"


def test_parse_quarter() -> None:
    today = date(2026, 11, 24)
    assert parse_quarter("Q3", today) == Quarter("2026/27", 3)
    assert parse_quarter("q1", today) == Quarter("2026/27", 1)
    assert parse_quarter("2018/19-Q2", today) == Quarter("2018/19", 2)
    assert parse_quarter("2018/19 Q2", today) == Quarter("2018/19", 2)
    for bad in ("Q5", "2018/20-Q1", "third", "2018-Q1", ""):
        with pytest.raises(InvalidInput):
            parse_quarter(bad, today)


# ---------------------------------------------------------------------- no formula injection


def test_cells_that_look_like_formulas_stay_text() -> None:
    from openpyxl import Workbook

    for risky in (INJECTION, "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(risky) == "'" + risky
    assert csv_safe("Safe text") == "Safe text" and csv_safe(3) == 3 and csv_safe("") == ""
    cell = Workbook().active["A1"]
    put(cell, INJECTION)
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", INJECTION, True)


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(
            archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")
        )


def test_a_reason_like_a_formula_is_inert_in_every_export(services: Services, team) -> None:
    from openpyxl import load_workbook

    coordinator = services.members.actor(COORDINATOR)
    services.actions.set_status(coordinator, "P1.1", Status.AMBER, INJECTION)
    services.achievements.log(
        services.members.actor(TVP_MEMBER),
        "@SUM(1+1) officers trained",
        priority=1,
        achieved_on=date(2026, 10, 2),
    )
    services.risks.set_owner(coordinator, "R1", "-1+1 Community Safety Manager")

    actions_csv = render_actions(services.reports.actions(), ReportFormat.CSV).text
    row = next(r for r in csv.reader(io.StringIO(actions_csv)) if r[1] == "P1.1")
    assert row[-1] == "'" + INJECTION
    achievements_csv = render_achievements(services.reports.achievements("2026/27"), ReportFormat.CSV).text
    assert "'@SUM(1+1) officers trained" in achievements_csv

    for content in (
        render_actions(services.reports.actions(), ReportFormat.XLSX).content,
        render_risks(services.reports.risks(), ReportFormat.XLSX).content,
    ):
        xml = _sheet_xml(content)
        assert "<f>" not in xml and "<f " not in xml
    workbook = load_workbook(
        io.BytesIO(render_actions(services.reports.actions(), ReportFormat.XLSX).content)
    )
    reason = next(r[-1] for r in workbook.active.iter_rows(min_row=5) if r[1].value == "P1.1")
    assert (reason.value, reason.data_type, reason.quotePrefix) == (INJECTION, "s", True)
    register = load_workbook(io.BytesIO(render_risks(services.reports.risks(), ReportFormat.XLSX).content))
    owners = [r[7] for r in register["Register"].iter_rows(min_row=5)]
    owner = next(c for c in owners if c.value and c.value.startswith("-1+1"))
    assert owner.data_type == "s" and owner.quotePrefix


# ---------------------------------------------------------------------- Word files (§2)


def _assert_word_page(document, title: str) -> None:
    section = document.sections[0]
    assert sorted((_cm(section.page_width), _cm(section.page_height))) == [21.0, 29.7]  # A4, either way
    assert {
        _cm(m) for m in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    } == {2.54}
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "OFFICIAL" in header and PARTNERSHIP in header and title in header
    footer_xml = section.footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml and "OFFICIAL" in footer_xml
    properties = document.core_properties
    assert properties.author == PARTNERSHIP and properties.title == title
    assert "python-docx" not in (properties.author + properties.last_modified_by + properties.comments)


def test_achievements_word_file(services: Services, team) -> None:
    from docx import Document

    services.achievements.log(
        services.members.actor(TVP_MEMBER), "TVP secured 5 ABCs", priority=1, achieved_on=date(2025, 5, 1)
    )
    document = Document(
        io.BytesIO(render_achievements(services.reports.achievements("all"), ReportFormat.DOCX).content)
    )
    _assert_word_page(document, "Our Achievements")
    texts = [p.text for p in document.paragraphs]
    assert "No achievements logged for this priority yet." not in texts
    # 2025/26 has one entry under priority 1: one line names the three empty priorities, once
    assert sum(t.startswith("Nothing logged yet under:") for t in texts) == 1
    # who logged it: by role here (no Slack to ask for a name); the plan's own entries name nobody
    assert "TVP secured 5 ABCs (Thames Valley Police, logged by a TVP member)" in texts
    assert (
        "TVP have secured 4 Criminal Behaviour Orders and 2 Closure Orders. (Thames Valley Police)" in texts
    )
    # the plan's own line under its 2017/18 heading
    heading = texts.index("Our Achievements during 2017/18")
    assert texts[heading + 1].startswith("As a result of the last Partnership Plan significant steps")
    assert texts.count("As a result of the last Partnership Plan significant steps were taken to address crime "
                       "and disorder issues. A few examples of activities undertaken in relation to the priorities "
                       "from the last Plan are highlighted below.") == 1  # fmt: skip


def test_achievements_by_quarter(services: Services, team) -> None:
    from docx import Document

    q4 = render_achievements(services.reports.achievements(quarter="2017/18-Q4"))
    assert len(re.findall(r"^- ", q4.text, re.M)) == 25  # the plan's own, dated the end of 2017/18
    q3 = render_achievements(services.reports.achievements(quarter="2017/18-Q3"))
    assert "- " not in q3.text and q3.text.count("No achievements logged for this quarter yet.") == 1
    document = Document(
        io.BytesIO(
            render_achievements(
                services.reports.achievements(quarter="2017/18-Q3"), ReportFormat.DOCX
            ).content
        )
    )
    assert [p.text for p in document.paragraphs].count("No achievements logged for this quarter yet.") == 1
    with pytest.raises(InvalidInput, match="not in 2018/19"):
        services.reports.achievements(year="2018/19", quarter="2017/18-Q4")


# ---------------------------------------------------------------------- spreadsheets (§2)


def test_action_spreadsheet_prints_on_a4_one_page_wide(services: Services, team) -> None:
    from openpyxl import load_workbook

    services.actions.set_status(services.members.actor(COORDINATOR), "P2.4", Status.RED, "Funding withdrawn")
    sheet = load_workbook(
        io.BytesIO(render_actions(services.reports.actions(), ReportFormat.XLSX).content)
    ).active
    assert sheet["A1"].value.startswith("Action status: ") and sheet["A1"].font.b
    assert sheet["A2"].value == f"{PARTNERSHIP}. As at 24 November 2026. OFFICIAL."
    header = [c.value for c in sheet[4]]
    assert header == [
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
    ]
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight)) == (
        "landscape", 9, 1, 0,
    )  # fmt: skip
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.auto_filter.ref == "A4:J27"
    assert "OFFICIAL" in sheet.oddHeader.center.text and "&P" in sheet.oddFooter.center.text
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=5)}
    p24 = rows["P2.4"]
    assert [c.value for c in p24[:2]] == ["P2 Safeguarding our communities", "P2.4"]
    assert (p24[4].value, p24[5].value) == ("Red (off track)", "Overdue")
    # the due date is a date cell (sorts and filters as a date), shown the British way
    assert p24[6].value.date() == date(2019, 3, 31) and p24[6].number_format == "d mmm yyyy"
    assert rows["P1.3"][3].value == "Thames Valley Police"  # names, not IDs
    assert (p24[8].value, p24[9].value) == ("a WDC coordinator", "Funding withdrawn")  # a role, not an ID
    # P2.4's long text wraps onto several lines: its row is taller than a one-line row
    assert sheet.row_dimensions[p24[0].row].height > 3 * sheet.row_dimensions[rows["P1.4"][0].row].height / 2


def test_a_plan_year_without_actions_says_so(services: Services) -> None:
    from openpyxl import load_workbook

    data = services.reports.actions(year="2017/18")  # the demo plan's actions are in 2018/19
    assert not data.actions
    sheet = load_workbook(io.BytesIO(render_actions(data, ReportFormat.XLSX).content)).active
    assert sheet["A5"].value == "No actions in this plan year."
    assert render_actions(data, ReportFormat.MD).content.decode().endswith("No actions in this plan year.\n")


def test_risk_register_as_word_and_excel(services: Services, team) -> None:
    from docx import Document
    from openpyxl import load_workbook

    data = services.reports.risks()
    workbook = load_workbook(io.BytesIO(render_risks(data, ReportFormat.XLSX).content))
    register = workbook["Register"]
    assert [c.value for c in register[4]] == [
        "Ref", "Risk", "Likelihood", "Impact", "Rating", "Preventative actions", "Contingent actions",
        "Owner", "Last review", "Next review",
    ]  # fmt: skip
    rows = {r[0].value: [c.value for c in r] for r in register.iter_rows(min_row=5)}
    assert sorted(rows) == [f"R{n}" for n in range(1, 8)]
    assert rows["R1"][5] == "Ensure progress on projects is documented, contact lists stored"
    assert rows["R1"][6] == "Ensure a handover takes place"
    assert register.page_setup.orientation == "landscape" and register.print_title_rows == "$4:$4"
    heat = workbook["Heat map"]
    assert len(heat._images) == 1
    key = {heat.cell(row=n, column=10).value: heat.cell(row=n, column=11).value for n in range(5, 12)}
    assert key["R3"] == "Legislation changes – could change the partnership’s focus"

    document = Document(io.BytesIO(render_risks(data, ReportFormat.DOCX).content))
    _assert_word_page(document, "Wycombe CSP risk register")
    assert _cm(document.sections[0].page_width) == 29.7  # landscape A4
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Contingent actions" in cells and "Ensure a handover takes place" in cells
    assert "Legislation changes – could change the partnership’s focus" in cells  # the key
    described = [e.get("descr") for e in document.element.body.iter() if e.tag.endswith("}docPr")]
    assert described and described[0].startswith("Heat map of the risk register")


# ---------------------------------------------------------------------- the board pack (§1)


def _a_quarter_of_work(services: Services, clock: SettableClock) -> None:
    """Q3 2026/27: P1.1 amber, R2 up, an achievement; Q4: P1.1 red (an alert, acknowledged), R2 back."""
    coordinator = services.members.actor(COORDINATOR)
    tvp = services.members.actor(TVP_MEMBER)
    services.actions.set_status(coordinator, "P1.1", Status.AMBER, "Two officers moved on")
    services.risks.set_level(coordinator, "R2", "likelihood", "High", "PCC grant cut")
    services.achievements.log(
        tvp, "TVP secured 4 Criminal Behaviour Orders", priority=1, achieved_on=date(2026, 10, 15)
    )
    clock.moment = datetime(2027, 1, 12, 10, 0, tzinfo=LONDON)
    update = services.actions.set_status(coordinator, "P1.1", Status.RED, "No cover found")
    services.alerts.acknowledge(tvp, update.raised.alerts[0].id)
    services.risks.set_level(coordinator, "R2", "likelihood", "Medium", "Grant restored")


def test_board_data_looks_back_at_a_quarter(services: Services, team, clock: SettableClock) -> None:
    _a_quarter_of_work(services, clock)
    q3 = services.reports.board("2026/27-Q3")
    assert q3.as_at == date(2026, 12, 31) and not q3.in_progress
    p11 = next(a for a in q3.actions if a.ref == "P1.1")
    assert (p11.status, p11.reason) == (Status.AMBER, "Two officers moved on")  # as it stood then
    assert [(c.subject, c.after, c.by) for c in q3.action_changes] == [("P1.1", "amber", "a WDC coordinator")]
    assert len(q3.stale_actions) == 22 and "P1.1" not in {a.ref for a in q3.stale_actions}
    assert [a.text for a in q3.achievements] == ["TVP secured 4 Criminal Behaviour Orders"]
    r2 = next(r for r in q3.risks if r.ref == "R2")
    assert (r2.likelihood, r2.rating) == ("High", "High")
    assert [(c.subject, c.after) for c in q3.risk_changes] == [("R2", "High")]
    assert q3.alerts_acknowledged == [] and all(a.kind != "action_red" for a in q3.alerts_raised)

    q4 = services.reports.board()  # the current quarter, by the clock
    assert q4.quarter.label == "2026/27-Q4" and q4.as_at == date(2027, 1, 12) and q4.in_progress
    assert next(a for a in q4.actions if a.ref == "P1.1").status is Status.RED
    assert next(r for r in q4.risks if r.ref == "R2").likelihood == "Medium"
    (red,) = [a for a in q4.alerts_raised if a.kind == "action_red"]
    assert red.acknowledged_by == "a TVP member" and red.subject == "P1.1"
    assert q4.achievements == []
    with pytest.raises(InvalidInput, match="has not started"):
        services.reports.board("2027/28-Q1")


def test_board_pack_word_document(services: Services, team, clock: SettableClock) -> None:
    from docx import Document

    _a_quarter_of_work(services, clock)
    built = render_board(services.reports.board("2026/27-Q3"), ReportFormat.DOCX)
    assert built.filename == "board-report-2026-27-q3.docx"
    document = Document(io.BytesIO(built.content))
    _assert_word_page(document, "Board report 2026/27-Q3")
    for section in document.sections:  # every section (the register is landscape) carries the marking
        assert "OFFICIAL" in section.header.paragraphs[0].text
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == [PARTNERSHIP, "Wycombe Community Safety Partnership Plan 2017 – 2020"]
    assert "As at 31 December 2026" in texts
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == [
        "1. Summary",
        "2. Progress by priority",
        "Priority 1: Tackling anti-social behaviour and crime",
    ]
    for wanted in (
        "3. Achievements this quarter",
        "4. Alerts",
        "5. Actions with no update this quarter",
        "6. Risk register",
    ):
        assert wanted in headings
    assert " TOC " in document.element.body.xml  # a real contents field
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Amber (at risk), overdue" in cells  # RAG in words, not only colour (due in 2019)
    assert "Two officers moved on" in cells and "PCC grant cut" in cells
    assert "TVP secured 4 Criminal Behaviour Orders (Thames Valley Police)" in texts
    described = [e.get("descr") for e in document.element.body.iter() if e.tag.endswith("}docPr")]
    assert len(described) == 5 and all(described)  # four charts and the heat map, each described
    assert any("1 amber" in d for d in described)


def test_an_empty_quarter_says_so_once_per_section(services: Services, team) -> None:
    from docx import Document

    document = Document(io.BytesIO(render_board(services.reports.board(), ReportFormat.DOCX).content))
    texts = [p.text for p in document.paragraphs]
    assert texts.count("No action was updated in 2026/27-Q3; statuses are unchanged.") == 1
    assert texts.count("No achievements were recorded for 2026/27-Q3.") == 1
    assert texts.count("No alerts were raised or acknowledged in 2026/27-Q3.") == 1
    assert texts.count("No changes to the register in the quarter.") == 1
    assert not any(t.startswith("No updates to priority") for t in texts)


def _pdftotext(path: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


@pytest.mark.skipif(
    not shutil.which("pdftoppm") or not shutil.which("pdftotext"), reason="poppler-utils not installed"
)
def test_board_pack_pdf_pages_render_and_read(
    services: Services, team, clock: SettableClock, tmp_path: Path
) -> None:
    from PIL import Image

    _a_quarter_of_work(services, clock)
    built = render_board(services.reports.board("Q3"), ReportFormat.PDF)
    assert built.content.startswith(b"%PDF") and built.filename.endswith(".pdf")
    path = tmp_path / built.filename
    path.write_bytes(built.content)
    for entry in (
        b"/Title (Board report 2026/27-Q3)",
        b"/Author (Wycombe Community Safety Partnership)",
        b"/Lang (en-GB)",
        b"/Title (6. Risk register)",
    ):  # properties, language, a bookmark
        assert entry in built.content
    sizes = set(re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", built.content))
    assert {(round(float(w)), round(float(h))) for w, h in sizes} <= {(595, 842), (842, 595)}  # A4 either way

    cover, contents, summary = (" ".join(_pdftotext(path, n).split()) for n in (1, 2, 3))
    assert PARTNERSHIP in cover and "Quarter 3 2026/27 (October to December 2026)" in cover
    assert "As at 31 December 2026" in cover
    assert "Contents" in contents and re.search(r"6\. Risk register\s*\.*\s*\d+", contents)
    assert "1. Summary" in summary and "Page 3 of" in summary
    pages = int(re.search(r"Page 1 of (\d+)", cover).group(1))
    for n in range(1, pages + 1):
        assert _pdftotext(path, n).strip().startswith("OFFICIAL"), f"page {n} is not marked"

    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "3", str(path), str(tmp_path / "page")],
                   check=True, timeout=120)  # fmt: skip
    renders = sorted(tmp_path.glob("page-*.png"))
    assert len(renders) == 3
    for render in renders:
        with Image.open(render) as image:
            assert image.width < image.height  # portrait A4 pages
            assert image.convert("L").getextrema()[0] < 100  # there is dark ink on it, not a blank page


# ---------------------------------------------------------------------- CLI and Slack


def test_board_pack_from_the_command_line(capsys, cli_env: str, tmp_path: Path) -> None:
    target = tmp_path / "board.pdf"
    code, _, err = run_cli(
        capsys, "report", "board", "--quarter", "2017/18-Q4", "--format", "pdf", "--output", str(target)
    )
    assert code == 0 and target.read_bytes().startswith(b"%PDF") and "Board report 2017/18-Q4" in err
    target = tmp_path / "risks.docx"
    assert run_cli(capsys, "report", "risks", "--format", "docx", "--output", str(target))[0] == 0
    assert target.read_bytes()[:2] == b"PK"
    code, _, err = run_cli(capsys, "report", "board", "--quarter", "Q9")
    assert code == 2 and "is not a quarter" in err and "Traceback" not in err


def _uploaded_names(slack: SlackHarness) -> list[str]:
    return [c.args.get("filename") for c in slack.calls("files.getUploadURLExternal")]


def test_board_pack_and_register_from_slack_arrive_as_dms(slack: SlackHarness, team) -> None:
    reply = slack.ask("report board Q3", user=TVP_MEMBER)
    assert "Board report 2026/27-Q3" in all_text(reply)
    slack.ask("report board 2017/18-Q4 pdf", user=TVP_MEMBER)
    slack.ask("report risks", user=TVP_MEMBER)
    slack.ask("report risks xlsx", user=TVP_MEMBER)
    slack.services.background.drain()
    # each file is made in the background after the reply, so they may arrive in any order
    assert sorted(_uploaded_names(slack)) == [
        "board-report-2017-18-q4.pdf", "board-report-2026-27-q3.docx", "risk-register.docx", "risk-register.xlsx",
    ]  # fmt: skip
    assert {c.args["users"] for c in slack.calls("conversations.open")} == {TVP_MEMBER}
    assert "is not a quarter" in all_text(slack.ask("report board Q9"))
    assert "Use docx, pdf" in all_text(slack.ask("report board csv"))
    assert "Which report" in all_text(slack.ask("report minutes"))
