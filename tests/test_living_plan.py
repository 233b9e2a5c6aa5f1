"""The living plan (issue 11): plans and plan years, a year's actions from a spreadsheet, rolling over,
joint leads, organisations, and the plan file's schema and export. Through the CLI and Slack."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.container import Services
from bot.permissions import Actor, Role
from bot.services.actions import ActionFilter, Status, lead_organisations
from bot.views import planning as planning_views
from store.models import ActionChange, ActionRow, AuditEvent, PlanRow, PriorityRow
from store.plan_data import PlanData, parse_plan
from tests.harness import SlackHarness, all_text, assert_valid_view, run_cli

HEADER = "priority,priority_title,ref,action,leads,due\n"
ACTIONS = HEADER + (
    "1,Reducing serious violence,P1.1,Run a knife crime awareness week in schools,TVP,2026-12-31\n"
    "1,Reducing serious violence,P1.2,Map violence hotspots with the council,BC;TVP,\n"
    "2,Tackling anti-social behaviour,P2.1,Hold four joint action days,BC,\n"
)
COORDINATOR = "U0COORD"
TVP_MEMBER = "U0TVP"
BC_MEMBER = "U0BCM"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _new_plan(capsys, tmp_path: Path) -> Path:
    assert run_cli(capsys, "orgs", "add", "BC", "Buckinghamshire Council")[0] == 0
    code, out, err = run_cli(
        capsys,
        "plan",
        "new",
        "Community Safety Plan 2026–2029",
        "--start",
        "2026-04-01",
        "--end",
        "2029-03-31",
    )
    assert code == 0, err
    assert "plan years 2026/27, 2027/28, 2028/29" in out
    return _write(tmp_path, "actions.csv", ACTIONS)


def test_the_done_when_walk_through(capsys, cli_env, tmp_path: Path) -> None:
    """Issue 11's "Done when", on a fresh store, end to end through the command line."""
    csv_file = _new_plan(capsys, tmp_path)
    code, out, _ = run_cli(capsys, "plan", "import", str(csv_file), "--year", "2026/27")
    assert code == 0 and "Would import 2026/27: 3 new" in out and "add --apply" in out
    code, out, _ = run_cli(capsys, "plan", "import", str(csv_file), "--year", "2026/27", "--apply")
    assert code == 0 and "Imported 2026/27: 3 new, 0 changed, 0 unchanged." in out
    assert "new priorities: P1 Reducing serious violence, P2 Tackling anti-social behaviour" in out

    for user, org in ((TVP_MEMBER, "TVP"), (BC_MEMBER, "BC")):
        assert run_cli(capsys, "members", "add", user, "--org", org)[0] == 0

    # "actions" lists the new year's actions, not 2018/19's
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "actions")
    assert code == 0
    assert "P1.2 (BC, TVP) Map violence hotspots" in out
    assert "Reduce the number of ASB" not in out and "2018" not in out

    # a member of the second of two lead organisations changes the joint action's status
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, 'action P1.2 amber "short of analysts"')
    assert code == 0 and "P1.2 is now" in out and "amber" in out
    # and a member of neither may not
    run_cli(capsys, "members", "add", "U0WDCM", "--org", "WDC")
    code, out, _ = run_cli(capsys, "ask", "--user", "U0WDCM", "action P1.2 green")
    assert "Only BC or TVP members and coordinators can update P1.2" in out
    # the action status file names both lead organisations in full
    report = tmp_path / "actions.csv"
    assert run_cli(capsys, "report", "actions", "--format", "csv", "--output", str(report))[0] == 0
    joint = next(r for r in csv.DictReader(report.open(encoding="utf-8")) if r["ref"] == "P1.2")
    assert joint["lead"] == "Buckinghamshire Council, Thames Valley Police"

    # log P1 files under the new plan's first priority
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "log P1 TVP ran a weapons amnesty")
    assert code == 0 and "Logged under P1 Reducing serious violence for TVP, 2026/27" in out

    run_cli(capsys, "ask", "--user", TVP_MEMBER, "action P1.1 complete")
    code, out, _ = run_cli(capsys, "plan", "rollover", "2027/28")
    assert "Would carry 2 open actions from 2026/27 into 2027/28: P1.2, P2.1." in out
    assert "Completed, staying in 2026/27: P1.1." in out
    code, out, _ = run_cli(capsys, "plan", "rollover", "2027/28", "--apply")
    assert code == 0 and "Carried 2 open actions" in out

    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "actions")
    assert "P1.2" in out and "P2.1" in out and "P1.1" not in out
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "action P1.2")
    assert "amber" in out and "Due: 31 March 2028" in out
    assert "carried forward from 2026/27 into 2027/28" in out and "short of analysts" in out  # its history
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "actions 2026/27")
    assert "✅ P1.1 (TVP)" in out  # completed, it stayed in its year
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "action P1.1 2026/27")
    assert "complete" in out and "[Green]" not in out  # an earlier year is read, not changed
    code, out, _ = run_cli(capsys, "ask", "--user", TVP_MEMBER, "action P1.1")
    assert "There is no action P1.1 in 2027/28" in out

    # the 2017/18 achievements report still reads as before
    code, out, _ = run_cli(capsys, "report", "achievements", "--year", "2017/18")
    assert code == 0
    assert out.startswith("# Our Achievements during 2017/18")
    assert "TVP have secured 4 Criminal Behaviour Orders and 2 Closure Orders." in out
    assert "weapons amnesty" not in out

    code, out, _ = run_cli(capsys, "plan", "show")
    assert "Plan year 2027/28: 2 actions" in out
    assert "Past plan: Wycombe Community Safety Partnership Plan 2017 – 2020" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            HEADER + "1,Violence,P1.1,Patrols,XYZ,\n",
            "row 2: 'XYZ' is not one of the partnership's organisations",
        ),
        (
            HEADER + "1,Violence,P1.1,Patrols,TVP,\n1,Violence,P1.1,Again,TVP,\n",
            "row 3: ref P1.1 is also on row 2",
        ),
        (HEADER + "1,Violence,P1.1,Patrols,TVP,31/02/2027\n", "row 2: due '31/02/2027' is not a date"),
        ("priority,ref,action,leads,due\n1,P1.1,Patrols,TVP,\n", "row 1: missing column priority_title"),
        (
            HEADER + "1,Violence,P1.1,Call Jane on 07700 900123,TVP,\n",
            "row 2: the action looks like it contains personal data",
        ),
        ("", "is empty"),
        (b"PK\x03\x04\x00\x00binary\x00", "is not a text CSV file"),
        (HEADER, "has a header but no actions"),
        (HEADER + "3,,P3.1,Something,TVP,\n", "row 2: P3 is a new priority: give its priority_title"),
        (HEADER + "1,Violence,P2.1,Patrols,TVP,\n", "row 2: ref P2.1 is not under priority 1"),
        (HEADER + "1,Violence,P1.01,Patrols,TVP,\n", "row 2: ref 'P1.01' is not like P1.2"),
        (
            HEADER + "1,Violence,P1.1,Patrols,TVP,2026-01-01\n",
            "row 2: due 1 January 2026 is before 2026/27 starts",
        ),
    ],
)
def test_a_bad_import_names_the_row_and_writes_nothing(
    capsys, cli_env, tmp_path: Path, content: str | bytes, expected: str
) -> None:
    _new_plan(capsys, tmp_path)
    bad = _write(tmp_path, "bad.csv", content)
    code, _, err = run_cli(capsys, "plan", "import", str(bad), "--year", "2026/27", "--apply")
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in err and "Jane" not in err and "07700" not in err
    services = Services.build(_settings(cli_env))
    try:
        with services.db.read() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(ActionRow).where(ActionRow.plan_year == "2026/27")
                )
                == 0
            )
            plan = session.scalars(select(PlanRow).order_by(PlanRow.id.desc())).first()
            assert session.scalar(select(func.count()).where(PriorityRow.plan_id == plan.id)) == 0
    finally:
        services.close()


def test_a_binary_xlsx_and_a_good_one(capsys, cli_env, tmp_path: Path) -> None:
    _new_plan(capsys, tmp_path)
    fake = _write(tmp_path, "actions.xlsx", b"\x00\x01 not a workbook")
    code, _, err = run_cli(capsys, "plan", "import", str(fake), "--year", "2026/27")
    assert code == 2 and "is not an Excel .xlsx file" in err

    book = Workbook()
    sheet = book.active
    for row in ACTIONS.strip().splitlines():
        sheet.append(row.split(","))
    sheet["F2"].value = datetime(2026, 12, 31, tzinfo=None)  # noqa: DTZ001 - a spreadsheet date has no zone
    buffer = io.BytesIO()
    book.save(buffer)
    good = _write(tmp_path, "actions.xlsx", buffer.getvalue())
    code, out, err = run_cli(capsys, "plan", "import", str(good), "--year", "2026/27", "--apply")
    assert code == 0, err
    assert "Imported 2026/27: 3 new" in out

    # a second import of a changed sheet changes what differs, with history
    changed = _write(
        tmp_path, "changed.csv", ACTIONS.replace("Hold four joint action days", "Hold six joint action days")
    )
    code, out, _ = run_cli(capsys, "plan", "import", str(changed), "--year", "2026/27", "--apply")
    assert "0 new, 1 changed, 2 unchanged" in out and "changed actions: P2.1" in out

    # the year's actions come back out in the spreadsheet's own columns
    out_file = tmp_path / "out.xlsx"
    assert run_cli(capsys, "plan", "export", "--format", "xlsx", "--output", str(out_file))[0] == 0
    rows = list(load_workbook(out_file).active.iter_rows(values_only=True))
    assert rows[0] == ("priority", "priority_title", "ref", "action", "leads", "due")
    assert rows[2] == (
        "1",
        "Reducing serious violence",
        "P1.2",
        "Map violence hotspots with the council",
        "BC;TVP",
        "2027-03-31",
    )
    assert rows[3][3] == "Hold six joint action days"


def test_export_yaml_reads_back_and_the_schema_is_the_models(capsys, cli_env, tmp_path: Path) -> None:
    csv_file = _new_plan(capsys, tmp_path)
    formula = _write(tmp_path, "formula.csv", ACTIONS.replace("Hold four joint action days", "=HYPERLINK(1)"))
    run_cli(capsys, "plan", "import", str(formula), "--year", "2026/27", "--apply")
    code, out, _ = run_cli(capsys, "plan", "export", "--format", "yaml")
    assert code == 0
    plan = parse_plan(out)
    assert plan.partnership.plan_title == "Community Safety Plan 2026–2029"
    assert [a.ref for a in plan.actions] == ["P1.1", "P1.2", "P2.1"]
    assert plan.actions[1].leads == ("BC", "TVP")
    out_file = tmp_path / "formula.xlsx"
    run_cli(capsys, "plan", "export", "--format", "xlsx", "--output", str(out_file))
    cell = load_workbook(out_file).active["D4"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s" and cell.quotePrefix

    code, out, _ = run_cli(capsys, "plan", "schema")
    assert json.loads(out) == PlanData.model_json_schema()
    assert csv_file.exists()


def test_import_refuses_a_year_outside_the_plan_and_earlier_years(capsys, cli_env, tmp_path: Path) -> None:
    csv_file = _new_plan(capsys, tmp_path)
    code, _, err = run_cli(capsys, "plan", "import", str(csv_file), "--year", "2030/31")
    assert code == 2 and "outside the current plan" in err
    code, _, err = run_cli(capsys, "plan", "import", str(csv_file), "--year", "2027/28")
    assert code == 2 and "row 2: due 31 December 2026 is before 2027/28 starts" in err
    later = _write(tmp_path, "later.csv", ACTIONS.replace("2026-12-31", ""))
    assert run_cli(capsys, "plan", "import", str(later), "--year", "2027/28", "--apply")[0] == 0
    code, _, err = run_cli(capsys, "plan", "import", str(csv_file), "--year", "2026/27")
    assert code == 2 and "earlier years are kept as they were" in err
    code, _, err = run_cli(capsys, "plan", "new", "Overlap", "--start", "2027-04-01", "--end", "2030-03-31")
    assert code == 2 and "overlaps" in err


def test_rollover_from_slack_is_a_preview_then_confirm(
    slack: SlackHarness, services: Services, tmp_path: Path
) -> None:
    operator = Actor.operator()
    services.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    services.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")
    services.planning.add_organisation(operator, "BC", "Buckinghamshire Council")
    services.planning.new_plan(operator, "Plan 2026–2029", *_period())
    result = services.planning.import_actions(operator, "a.csv", ACTIONS.encode(), "2026/27", apply=True)
    assert result.applied and not result.errors

    refused = slack.ask("plan rollover 2027/28", user=TVP_MEMBER)
    assert "Only partnership coordinators" in all_text(refused)
    preview = slack.ask("plan rollover 2027/28", user=COORDINATOR)
    assert "Start *2027/28*" in all_text(preview)
    (button,) = [e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert services.plan.current_year() == "2026/27"  # nothing yet
    slack.action(button["action_id"], button["value"], user=COORDINATOR)
    assert services.plan.current_year() == "2027/28"
    assert [a.ref for a in services.actions.list()] == ["P1.1", "P1.2", "P2.1"]
    (done,) = slack.hook_posts("action")
    assert "2027/28 has started" in all_text(done)
    # pressed twice (or by two coordinators): refused, nothing doubled
    slack.action(button["action_id"], button["value"], user=COORDINATOR)
    assert len(services.actions.list()) == 3

    shown = slack.ask("plan", user=TVP_MEMBER)
    assert "Plan year 2027/28:* 3 actions" in all_text(shown)
    listed = slack.ask("actions 2026/27 P1", user=TVP_MEMBER)
    assert "P1.1" in all_text(listed) and "P2.1" not in all_text(listed)


def _period() -> tuple[date, date]:
    return date(2026, 4, 1), date(2029, 3, 31)


def test_overdue_alerts_restart_from_the_new_dates(services: Services) -> None:
    operator = Actor.operator()
    services.planning.add_organisation(operator, "BC", "Buckinghamshire Council")
    services.planning.new_plan(operator, "Plan 2026–2029", *_period())
    services.planning.import_actions(operator, "a.csv", ACTIONS.encode(), "2026/27", apply=True)
    services.actions.set_due(operator, "P2.1", date(2026, 11, 1))  # overdue on the test's date
    assert [a.ref for a in services.actions.list() if a.overdue] == ["P2.1"]
    services.planning.rollover(operator, "2027/28", apply=True)
    carried = services.actions.get("P2.1")
    assert (carried.plan_year, carried.due_date, carried.overdue) == ("2027/28", date(2028, 3, 31), False)
    # the carried-from row is history: it no longer counts as an open, overdue action
    with services.db.read() as session:
        old = session.scalars(
            select(ActionRow).where(ActionRow.plan_year == "2026/27", ActionRow.ref == "P2.1")
        ).one()
        assert old.carried_forward and old.due_date == date(2026, 11, 1)


def test_coordinators_add_edit_and_retire_priorities_and_actions_in_slack(
    slack: SlackHarness, services: Services
) -> None:
    operator = Actor.operator()
    services.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    services.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")
    services.planning.new_plan(operator, "Plan 2026–2029", *_period())

    assert "Only partnership coordinators" in all_text(slack.ask('priority add "Violence"', user=TVP_MEMBER))
    assert "Added *P1* Violence" in all_text(slack.ask('priority add "Violence"', user=COORDINATOR))
    slack.ask('priority edit P1 "Reducing serious violence"', user=COORDINATOR)
    assert services.plan.priority("P1").title == "Reducing serious violence"

    added = slack.ask('action add P1 "Map violence hotspots" TVP;WDC', user=COORDINATOR)
    assert "Added *P1.1* to 2026/27" in all_text(added)
    action = services.actions.get("P1.1")
    assert lead_organisations(action) == ("TVP", "WDC") and action.lead == "TVP, WDC"

    # alone, a form, the priority already chosen
    slack.command("action add P1", user=COORDINATOR)
    view = slack.calls("views.open")[-1].args["view"]
    assert_valid_view(view)
    assert view["callback_id"] == planning_views.ACTION_FORM
    assert view["blocks"][0]["element"]["initial_option"]["value"] == "1"
    ok = slack.submit_form(
        view, {"priority": "1", "text": "Run a weapons amnesty", "leads": "TVP", "due": ""}, COORDINATOR
    )
    assert ok.status == 200 and not ok.body
    assert services.actions.get("P1.2").text == "Run a weapons amnesty"

    slack.ask('action P1.2 text "Run two weapons amnesties"', user=COORDINATOR)
    slack.ask('action P1.2 retire "merged into P1.1"', user=COORDINATOR)
    assert [a.ref for a in services.actions.list()] == ["P1.1"]
    with services.db.read() as session:
        fields = [
            c.field
            for c in session.scalars(
                select(ActionChange).where(ActionChange.action_ref == "P1.2").order_by(ActionChange.id)
            )
        ]
    assert fields == ["added", "text", "retired"]
    assert "still has 1 actions" in all_text(slack.ask("priority retire P1", user=COORDINATOR))


def test_orgs_merge_keeps_history_and_moves_members_when_asked(capsys, cli_env) -> None:
    run_cli(capsys, "members", "add", "U0WDCM", "--org", "WDC")
    run_cli(capsys, "members", "add", "U0BCCM", "--org", "BCC")
    run_cli(capsys, "action", "edit", "P3.6", "--leads", "WDC;TVP")
    code, out, _ = run_cli(capsys, "orgs", "rename", "WDC", "BC", "Buckinghamshire Council", "--move-members")
    assert code == 0 and "WDC is now BC" in out and "Moved 1 members" in out
    code, out, _ = run_cli(capsys, "orgs", "rename", "BCC", "BC", "Buckinghamshire Council")
    assert code == 0
    code, out, _ = run_cli(capsys, "orgs", "list", "--all")
    assert "WDC\tWycombe District Council\tretired, now BC" in out
    assert "BC\tBuckinghamshire Council" in out
    code, out, _ = run_cli(capsys, "members", "list")
    assert "U0WDCM\tmember\tBC" in out and "U0BCCM\tmember\tBCC" in out  # BCC's stay: not asked
    code, out, _ = run_cli(capsys, "ask", "--user", "U0WDCM", "action P3.6")
    assert "Lead: BC, TVP" in out
    code, out, _ = run_cli(capsys, "report", "achievements", "--year", "2017/18")
    assert "WDC has issued a Community Protection Notice." in out  # 2018's work still reads WDC
    code, _, err = run_cli(capsys, "orgs", "retire", "TVP")
    assert code == 2 and "TVP still leads" in err
    code, _, err = run_cli(capsys, "members", "add", "U0NEW", "--org", "WDC")
    assert code == 2


def test_history_and_audit_for_an_import(services: Services) -> None:
    operator = Actor.operator()
    services.planning.add_organisation(operator, "BC", "Buckinghamshire Council")
    services.planning.new_plan(operator, "Plan 2026–2029", *_period())
    preview = services.planning.import_actions(operator, "a.csv", ACTIONS.encode(), "2026/27", apply=False)
    assert preview.added == ["P1.1", "P1.2", "P2.1"] and not preview.applied
    with services.db.read() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(ActionRow).where(ActionRow.plan_year == "2026/27")
            )
            == 0
        )
    services.planning.import_actions(operator, "a.csv", ACTIONS.encode(), "2026/27", apply=True)
    with services.db.read() as session:
        assert session.scalar(select(func.count()).where(ActionChange.field == "added")) == 3
        assert session.scalar(select(func.count()).where(AuditEvent.action == "plan.import")) == 1
    assert services.actions.get("P1.1").status is Status.NOT_STARTED


def test_the_packaged_plan_is_the_seeded_demo_and_marked_past(services: Services) -> None:
    (only,) = services.plan.plans()
    assert only.current and only.title.startswith("Wycombe")
    assert services.plan.current_year() == "2018/19"
    assert len(services.actions.list()) == 23
    services.planning.new_plan(Actor.operator(), "Plan 2026–2029", *_period())
    past, current = services.plan.plans()
    assert not past.current and current.current
    assert services.plan.current_year() == "2026/27" and services.actions.list() == []
    assert len(services.actions.list(ActionFilter(plan_year="2018/19"))) == 23
    assert yaml.safe_load(services.planning.export_yaml())["partnership"]["plan_title"] == "Plan 2026–2029"


def _settings(url: str):  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    return Settings(database_url=url)


def test_a_member_naming_another_organisation_is_asked_whose_it_is(
    slack: SlackHarness, services: Services
) -> None:
    operator = Actor.operator()
    services.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")
    services.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    before = len(services.achievements.list())
    asked = slack.ask("log P1 WDC issued a Community Protection Notice", user=TVP_MEMBER)
    assert "This names *WDC*: which organisation is it for?" in all_text(asked)
    assert len(services.achievements.list()) == before  # nothing filed yet
    buttons = {e["text"]["text"]: e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert set(buttons) == {"For TVP", "For no organisation"}
    slack.action(
        buttons["For no organisation"]["action_id"], buttons["For no organisation"]["value"], user=TVP_MEMBER
    )
    (latest,) = services.achievements.list(limit=1)
    assert (latest.text, latest.organisation, latest.priority) == (
        "WDC issued a Community Protection Notice",
        None,
        1,
    )
    assert "Logged under *P1" in all_text(slack.hook_posts("action")[-1])

    slack.action(buttons["For TVP"]["action_id"], buttons["For TVP"]["value"], user=TVP_MEMBER)
    assert services.achievements.list(limit=1)[0].organisation == "TVP"
    # naming its own organisation too, or being a coordinator, files it straight away
    slack.ask("log P1 TVP and WDC ran a joint licensing operation", user=TVP_MEMBER)
    assert services.achievements.list(limit=1)[0].organisation == "TVP"
    slack.ask("log P1 WDC issued a Community Protection Notice", user=COORDINATOR)
    assert services.achievements.list(limit=1)[0].organisation == "WDC"
    # a pressed button cannot log for an organisation the presser does not belong to
    forged = json.loads(buttons["For TVP"]["value"]) | {"o": "WDC"}
    slack.action(buttons["For TVP"]["action_id"], json.dumps(forged), user=TVP_MEMBER)
    assert services.achievements.list(limit=1)[0].organisation == "WDC"  # unchanged: the coordinator's
    assert "not WDC" in all_text(slack.hook_posts("action")[-1])


def test_a_partnership_without_a_plan_starts_guided(capsys, cli_env, tmp_path: Path) -> None:
    """§4: added without --plan, its App Home says what to do, and the commands it names work."""
    code, out, err = run_cli(
        capsys, "partnership", "add", "newtown", "--name", "Newtown Community Safety Partnership"
    )
    assert code == 0, err
    assert "Added newtown: Newtown Community Safety Partnership." in out and "No plan yet" in out
    code, _, err = run_cli(capsys, "partnership", "add", "nameless")
    assert code == 2 and "needs its name" in err

    def newtown(*argv: str) -> tuple[int, str, str]:
        return run_cli(capsys, "--partnership", "newtown", *argv)

    assert newtown("members", "add", COORDINATOR, "--role", "coordinator")[0] == 0
    code, out, _ = newtown("ask", "--user", COORDINATOR, "actions")
    assert "No actions" in out
    code, out, _ = newtown("ask", "--user", COORDINATOR, "plan")
    assert "The partnership has no plan yet" in out and "csp-bot plan new" in out
    home = _home_text(cli_env, COORDINATOR)
    assert "Getting started" in home
    for step in ("Start the plan", "Add the partner organisations", "Import 2026/27's action spreadsheet",
                 "Add members with their organisation", "Choose the alert channel"):  # fmt: skip
        assert f":white_square: *{step}" in home, step

    # the steps, as the Home names them
    assert newtown("ask", "--user", COORDINATOR, 'orgs add NTC "Newtown Council"')[0] == 0
    assert newtown("orgs", "add", "NTP", "Newtown Police")[0] == 0
    assert (
        newtown("plan", "new", "Newtown Plan 2026–2029", "--start", "2026-04-01", "--end", "2029-03-31")[0]
        == 0
    )
    sheet = _write(tmp_path, "newtown.csv", HEADER + "1,Safer streets,P1.1,Light the underpass,NTC;NTP,\n")
    code, out, err = newtown("plan", "import", str(sheet), "--year", "2026/27", "--apply")
    assert code == 0, err
    assert newtown("members", "add", "U0NTP", "--org", "NTP")[0] == 0
    assert newtown("ask", "--user", COORDINATOR, "alerts channel <#C0NEWTOWN|alerts>")[0] == 0
    code, out, _ = newtown("ask", "--user", "U0NTP", "action P1.1 green")
    assert code == 0 and "P1.1 is now" in out  # install to first status update
    home = _home_text(cli_env, "U0NTP")
    assert "Getting started" not in home and "*P1.1* (NTC, NTP) Light the underpass" in home, home
    # the default partnership is untouched
    assert "Light the underpass" not in run_cli(capsys, "ask", "--user", COORDINATOR, "actions")[1]


def _home_text(url: str, user: str) -> str:
    """The App Home newtown's ``user`` would see, rendered as text."""
    import bot.cli
    from bot.partnerships import Partnerships
    from bot.views.home import home_view
    from tests.harness import rendered_text

    partnerships = Partnerships(_settings(url), now=bot.cli.now)  # the test's clock, as cli_env pins it
    try:
        services = partnerships.get("newtown")
        return rendered_text(home_view(services.home.data(services.members.actor(user))).to_dict())
    finally:
        partnerships.close()


def test_a_plan_file_is_checked_against_the_stores_column_widths() -> None:
    """SQLite and PostgreSQL accept exactly the same files: the model refuses what a column cannot hold."""
    from pydantic import ValidationError

    from store.plan_data import load_plan

    document = load_plan().model_dump(mode="json")
    document["risks"][0]["owner"] = "A" * 232
    with pytest.raises(ValidationError, match="at most 200 characters"):
        PlanData.model_validate(document)


def test_overdue_alerts_restart_from_the_carried_actions_new_dates(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter

    from bot.clock import LONDON

    operator = Actor.operator()
    services.planning.add_organisation(operator, "BC", "Buckinghamshire Council")
    services.planning.new_plan(operator, "Plan 2026–2029", *_period())
    services.planning.import_actions(operator, "a.csv", ACTIONS.encode(), "2026/27", apply=True)
    services.actions.set_status(operator, "P1.1", Status.COMPLETE)
    services.alerts.run_periodic("test")  # alerts switched on today
    clock.moment = datetime(2027, 1, 5, 9, 0, tzinfo=LONDON)  # P1.1 (complete) and nothing else is past due
    services.actions.set_due(operator, "P2.1", date(2027, 1, 1))
    services.alerts.run_periodic("test")

    def overdue() -> list[str]:
        return sorted(a.payload["due_date"] for a in services.alerts.list() if a.kind == "action_overdue")

    assert overdue() == ["2027-01-01"]
    services.planning.rollover(operator, "2027/28", apply=True)
    services.alerts.run_periodic("test")
    assert overdue() == ["2027-01-01"]  # the carried-from row is history: no second alert for it
    clock.moment = datetime(2028, 4, 3, 9, 0, tzinfo=LONDON)
    services.alerts.run_periodic("test")
    assert overdue() == ["2027-01-01", "2028-03-31", "2028-03-31"]  # P1.2 and P2.1, from their new dates
    assert Counter(a.payload["ref"] for a in services.alerts.list() if a.kind == "action_overdue") == {
        "P2.1": 2,
        "P1.2": 1,
    }


def test_a_partnership_can_be_removed_and_a_failed_add_leaves_nothing(
    capsys, cli_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ("partnership", "add", "newtown", "--name", "Newtown CSP", "--team", "T0NEWTOWN")
    assert run_cli(capsys, *add)[0] == 0
    assert run_cli(capsys, "--partnership", "newtown", "orgs", "add", "NTC", "Newtown Council")[0] == 0
    code, out, _ = run_cli(capsys, "partnership", "remove", "newtown")
    assert (
        code == 0
        and "Would remove newtown (Newtown CSP): its store with all its data, and 1 workspace link." in out
    )
    assert "newtown" in run_cli(capsys, "partnership", "list")[1]
    code, out, _ = run_cli(capsys, "partnership", "remove", "newtown", "--apply")
    assert code == 0 and "Removed newtown, its data and 1 workspace link." in out
    assert "newtown" not in run_cli(capsys, "partnership", "list")[1]
    assert run_cli(capsys, "partnership", "remove", "default", "--apply")[0] == 2

    # added again, it starts empty: the old store went with it
    assert run_cli(capsys, *add)[0] == 0
    assert "NTC" not in run_cli(capsys, "--partnership", "newtown", "orgs", "list")[1]
    run_cli(capsys, "partnership", "remove", "newtown", "--apply")

    import bot.partnerships

    def broken_seed(*_: object) -> None:
        raise RuntimeError("the store stopped half way")

    working_seed = bot.partnerships._seed
    monkeypatch.setattr(bot.partnerships, "_seed", broken_seed)
    code, _, err = run_cli(capsys, *add)
    assert code == 2 and "Traceback" not in err
    code, out, err = run_cli(capsys, "partnership", "list")
    assert code == 0 and "newtown" not in out, err
    monkeypatch.setattr(
        bot.partnerships, "_seed", working_seed
    )  # not undo(): that would drop cli_env's variables
    code, _, err = run_cli(capsys, *add)
    assert code == 0, err  # and it can be added again
