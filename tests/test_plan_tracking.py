"""Plan tracking end to end: achievements, action status, members, App Home and reports through Slack."""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Services
from bot.documents.formats import ReportFormat
from bot.documents.render import render_achievements, render_actions
from bot.permissions import Actor, Role
from bot.services.actions import Status
from bot.views import plan as views
from store.models import AchievementRow, ActionChange
from store.plan_data import load_plan, plan_year_of
from tests.harness import SlackHarness, all_text, assert_valid_message, assert_valid_view, rendered_text

PLAN = Path(__file__).resolve().parents[2] / "shared" / "seed" / "wycombe-csp-plan-2017-2020.txt"

COORDINATOR = "U0COORD"  # WDC coordinator
TVP_MEMBER = "U0TVP"
WDC_MEMBER = "U0WDC"
NOBODY = "U0NOBODY"


@pytest.fixture
def team(services: Services) -> dict[str, str]:
    operator = Actor.operator()
    services.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    services.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")
    services.members.add(operator, WDC_MEMBER, Role.MEMBER, "WDC")
    return {"coordinator": COORDINATOR, "tvp": TVP_MEMBER, "wdc": WDC_MEMBER, "nobody": NOBODY}


def _button(reply: dict, action_prefix: str) -> dict:
    for block in reply["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id", "").startswith(action_prefix):
                return element
    raise AssertionError(f"no {action_prefix} button")


# ---------------------------------------------------------------------- achievements


def test_log_an_achievement_keeps_the_sentence_and_finds_the_organisation(slack: SlackHarness, team) -> None:
    reply = slack.ask("log P1 TVP secured 4 Criminal Behaviour Orders", user=TVP_MEMBER)
    text = all_text(reply)
    assert "Logged under *P1 Tackling anti-social behaviour and crime* for TVP" in text
    assert ">TVP secured 4 Criminal Behaviour Orders" in text
    assert {e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]} == {
        views.ACHIEVEMENT_EDIT,
        views.ACHIEVEMENT_UNDO,
    }
    (latest,) = slack.services.achievements.list(limit=1)
    assert (latest.organisation, latest.priority, latest.logged_by) == ("TVP", 1, TVP_MEMBER)
    assert latest.plan_year == plan_year_of(latest.achieved_on), (
        "an entry logged today is in today's plan year"
    )


def test_organisation_defaults_to_the_members_own(slack: SlackHarness, team) -> None:
    slack.ask("log P4 Street Association Scheme extended to two more villages", user=WDC_MEMBER)
    (latest,) = slack.services.achievements.list(limit=1)
    assert latest.organisation == "WDC"
    # a WDC member mentioning TVP first is still logging for WDC
    slack.ask("log P1 TVP and WDC ran a joint licensing operation", user=WDC_MEMBER)
    (latest,) = slack.services.achievements.list(limit=1)
    assert latest.organisation == "WDC"


def test_log_with_a_date_puts_it_in_that_plan_year(slack: SlackHarness, team) -> None:
    slack.ask("log P2 2019-03-31 12 staff trained on modern slavery", user=WDC_MEMBER)
    slack.ask("log P2 01/04/2019 6 more staff trained on modern slavery", user=WDC_MEMBER)
    years = {a.text: a.plan_year for a in slack.services.achievements.list()}
    assert years["12 staff trained on modern slavery"] == "2018/19"
    assert years["6 more staff trained on modern slavery"] == "2019/20"


def test_log_without_a_priority_opens_the_form_with_the_text(slack: SlackHarness, team) -> None:
    response = slack.command("log Safe Place scheme relaunched", user=TVP_MEMBER)
    assert response.status == 200 and not response.body
    (call,) = slack.calls("views.open")
    view = call.args["view"]
    assert_valid_view(view)
    assert view["callback_id"] == views.ACHIEVEMENT_FORM
    assert any(
        b.get("element", {}).get("initial_value") == "Safe Place scheme relaunched" for b in view["blocks"]
    )


def test_log_form_submission_and_its_validation(slack: SlackHarness, team) -> None:
    slack.command("log", user=TVP_MEMBER)
    view = slack.calls("views.open")[0].args["view"]
    bad = slack.submit_form(
        view, {"priority": "1", "text": "Victim Jane Smith supported", "date": "2025-06-01"}, TVP_MEMBER
    )
    assert bad.json()["response_action"] == "errors" and "name" in bad.json()["errors"]["text"]
    future = slack.submit_form(view, {"priority": "1", "text": "Something", "date": "2999-01-01"}, TVP_MEMBER)
    assert "future" in future.json()["errors"]["date"]
    other_org = slack.submit_form(
        view, {"priority": "1", "organisation": "BCC", "text": "x", "date": "2025-06-01"}, TVP_MEMBER
    )
    assert "not BCC" in other_org.json()["errors"]["organisation"]
    ok = slack.submit_form(
        view,
        {"priority": "3", "text": "Hotel Watch extended to 5 more hotels", "date": "2025-06-01"},
        TVP_MEMBER,
    )
    assert ok.status == 200 and not ok.body
    (latest,) = slack.services.achievements.list(limit=1)
    assert (latest.priority, latest.organisation, latest.achieved_on) == (3, "TVP", date(2025, 6, 1))
    with slack.services.db.read() as session:
        texts = [r.text for r in session.scalars(select(AchievementRow))]
    assert not any("Jane" in t for t in texts)


def test_edit_and_undo_buttons(slack: SlackHarness, team) -> None:
    reply = slack.ask("log P1 TVP secured 4 Criminal Behaviour Orders", user=TVP_MEMBER)
    edit = _button(reply, views.ACHIEVEMENT_EDIT)
    slack.action(views.ACHIEVEMENT_EDIT, edit["value"], user=TVP_MEMBER)
    (call,) = slack.calls("views.open")
    view = call.args["view"]
    assert json.loads(view["private_metadata"])["id"] == int(edit["value"])
    slack.submit_form(view, {"priority": "1", "organisation": "TVP", "text": "TVP secured 5 Criminal Behaviour Orders", "date": "2025-06-02"}, TVP_MEMBER)  # fmt: skip
    assert (
        slack.services.achievements.get(int(edit["value"])).text == "TVP secured 5 Criminal Behaviour Orders"
    )

    slack.action(views.ACHIEVEMENT_UNDO, edit["value"], user=TVP_MEMBER)
    assert any("Undone" in all_text(p) for p in slack.hook_posts("action"))
    assert all(a.id != int(edit["value"]) for a in slack.services.achievements.list())
    actions = [c.action for c in slack.services.achievements.history(int(edit["value"]))]
    assert actions == ["log", "edit", "delete"]


def test_achievements_list_newest_first_with_filters(slack: SlackHarness, team) -> None:
    slack.ask("log P1 2025-05-01 first new thing", user=TVP_MEMBER)
    slack.ask("log P1 2025-06-01 second new thing", user=TVP_MEMBER)
    reply = slack.ask("achievements P1 all", user=NOBODY)
    text = rendered_text(reply)
    assert text.index("second new thing") < text.index("first new thing") < text.index("TVP have secured 4")
    # without a year: the current plan year only (the seeded plan's 2018/19), and it says which
    current = slack.ask("achievements P1", user=NOBODY)
    assert "(2018/19, P1)" in rendered_text(current)
    assert "first new thing" not in rendered_text(current) and "TVP have secured 4" not in rendered_text(
        current
    )
    assert f"<@{TVP_MEMBER}>" in text and "the plan" in text
    only_2017 = rendered_text(slack.ask("achievements 2017/18 WDC"))
    assert "WDC has issued a Community Protection Notice." in only_2017
    assert "first new thing" not in only_2017
    assert "no longer" not in rendered_text(slack.ask("achievements mine", user=TVP_MEMBER))
    assert "is not a plan year" in rendered_text(slack.ask("achievements 2018/20"))
    assert "is not one of the partnership's organisations" in rendered_text(slack.ask("achievements XYZ"))


# ---------------------------------------------------------------------- actions


def test_actions_list_and_filters(slack: SlackHarness, team) -> None:
    reply = slack.ask("actions")
    assert reply["text"].startswith("23 actions")
    assert len(re.findall(r"\*P\d\.\d\*", rendered_text(reply))) == 23
    assert "6 actions under P2" in slack.ask("actions P2")["text"]
    mine = slack.ask("actions mine", user=TVP_MEMBER)
    assert "led by TVP" in mine["text"] and "P1.6" in rendered_text(mine)
    slack.ask('action P1.6 red "two burglary officers off sick"', user=TVP_MEMBER)
    red = rendered_text(slack.ask("actions red"))
    assert "P1.6" in red and "P1.5" not in red
    assert "overdue" in slack.ask("actions overdue")["text"]


def test_action_status_needs_a_reason_for_amber_and_red(slack: SlackHarness, team) -> None:
    reply = slack.ask("action P1.6 amber", user=TVP_MEMBER)
    assert "Amber (at risk) needs a reason, so nothing has changed." in reply["text"]
    assert slack.services.actions.get("P1.6").status is Status.NOT_STARTED
    slack.ask('action P1.6 amber "burglary up 20% since May"', user=TVP_MEMBER)
    slack.ask("action P1.6 green", user=TVP_MEMBER)
    action = slack.services.actions.get("P1.6")
    assert (action.status, action.reason, action.updated_by) == (Status.GREEN, None, TVP_MEMBER)
    shown = slack.ask("action p1.6", user=TVP_MEMBER)
    assert_valid_message(shown)
    text = rendered_text(shown)
    assert "burglary up 20% since May" in text and "amber (at risk) → *green (on track)*" in text
    assert _button(shown, views.ACTION_STATUS_OPEN)
    assert not [b for b in slack.ask("action P1.6", user=WDC_MEMBER)["blocks"] if b["type"] == "actions"]


def test_bad_action_input_gets_a_usage_hint(slack: SlackHarness, team) -> None:
    assert "numbered P1.1" in slack.ask("action 2.3", user=TVP_MEMBER)["text"]
    assert "There is no action P9.9" in slack.ask("action P9.9")["text"]
    assert "I don't know the status `purple`" in slack.ask("action P1.6 purple", user=TVP_MEMBER)["text"]
    reason_with_data = slack.ask('action P1.6 red "suspect John Smith arrested"', user=TVP_MEMBER)
    assert "Nothing was saved" in all_text(reason_with_data) and "Smith" not in all_text(reason_with_data)


def test_status_buttons_open_a_form_whose_errors_show_in_it(slack: SlackHarness, team) -> None:
    shown = slack.ask("action P1.6", user=TVP_MEMBER)
    button = _button(shown, f"{views.ACTION_STATUS_OPEN}_red")
    slack.action(button["action_id"], button["value"], user=TVP_MEMBER)
    view = slack.calls("views.open")[0].args["view"]
    assert_valid_view(view)
    missing = slack.submit_form(view, {"status": "red", "reason": ""}, TVP_MEMBER)
    assert "needs a reason" in missing.json()["errors"]["reason"]
    ok = slack.submit_form(view, {"status": "red", "reason": "Funding withdrawn"}, TVP_MEMBER)
    assert ok.status == 200 and not ok.body
    assert slack.services.actions.get("P1.6").status is Status.RED
    (confirmation,) = slack.calls("chat.postEphemeral")
    assert "P1.6" in confirmation.args["text"]


def test_coordinators_set_lead_and_due_date(slack: SlackHarness, team) -> None:
    assert "Only partnership coordinators" in slack.ask("action P3.3 lead WDC", user=WDC_MEMBER)["text"]
    slack.ask("action P3.3 lead WDC", user=COORDINATOR)
    slack.ask("action P3.3 due 2027-03-31", user=COORDINATOR)
    action = slack.services.actions.get("P3.3")
    assert (action.lead, action.due_date, action.overdue) == ("WDC", date(2027, 3, 31), False)
    slack.ask('action P3.3 amber "trainer left"', user=WDC_MEMBER)
    assert slack.services.actions.get("P3.3").status is Status.AMBER


def test_two_updates_at_the_same_moment_both_land_and_the_later_wins(services: Services, team) -> None:
    start = threading.Barrier(2)
    tvp = services.members.actor(TVP_MEMBER)
    coordinator = services.members.actor(COORDINATOR)
    errors: list[BaseException] = []

    def update(actor: Actor, status: Status, reason: str) -> None:
        try:
            start.wait()
            services.actions.set_status(actor, "P1.6", status, reason)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=update, args=(tvp, Status.AMBER, "first")),
        threading.Thread(target=update, args=(coordinator, Status.RED, "second")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with services.db.read() as session:
        changes = list(
            session.scalars(
                select(ActionChange).where(ActionChange.action_ref == "P1.6").order_by(ActionChange.id)
            )
        )
    assert len(changes) == 2
    assert changes[1].before == changes[0].after, "each update saw the one before it"
    final = services.actions.get("P1.6")
    assert (final.status.value, final.reason) == (changes[1].after, changes[1].reason)


# ---------------------------------------------------------------------- the permission matrix


WRITES = {
    "log for TVP (form)": lambda s, a: s.achievements.log(a, "5 ABCs issued", priority=1, organisation="TVP"),
    "edit a TVP member's achievement": lambda s, a: s.achievements.edit(
        a, _tvp_achievement(s), text="6 ABCs issued"
    ),
    "delete a TVP member's achievement": lambda s, a: s.achievements.delete(a, _tvp_achievement(s)),
    "status of P1.6 (TVP leads)": lambda s, a: s.actions.set_status(a, "P1.6", Status.GREEN),
    "lead of P1.6": lambda s, a: s.actions.set_lead(a, "P1.6", "TVP"),
    "due date of P1.6": lambda s, a: s.actions.set_due(a, "P1.6", date(2027, 3, 31)),
    "add a member": lambda s, a: s.members.add(a, "U0NEWBIE", Role.MEMBER, "BCC"),
    "remove a member": lambda s, a: s.members.remove(a, WDC_MEMBER),
}
ALLOWED = {
    # write: (member of the lead organisation, member of another, coordinator, no membership)
    "log for TVP (form)": (True, False, True, False),
    "edit a TVP member's achievement": (True, False, True, False),
    "delete a TVP member's achievement": (True, False, True, False),
    "status of P1.6 (TVP leads)": (True, False, True, False),
    "lead of P1.6": (False, False, True, False),
    "due date of P1.6": (False, False, True, False),
    "add a member": (False, False, True, False),
    "remove a member": (False, False, True, False),
}


def _tvp_achievement(services: Services) -> int:
    mine = [a for a in services.achievements.list() if a.logged_by == TVP_MEMBER]
    if mine:
        return mine[0].id
    return services.achievements.log(services.members.actor(TVP_MEMBER), "4 ABCs issued", priority=1).id


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("who", ["lead member", "other member", "coordinator", "no membership"])
def test_permission_matrix(services: Services, team, write: str, who: str) -> None:
    from bot.errors import PermissionDenied

    user = {
        "lead member": TVP_MEMBER,
        "other member": WDC_MEMBER,
        "coordinator": COORDINATOR,
        "no membership": NOBODY,
    }[who]
    _tvp_achievement(services)
    allowed = ALLOWED[write][["lead member", "other member", "coordinator", "no membership"].index(who)]
    actor = services.members.actor(user)
    if allowed:
        WRITES[write](services, actor)
    else:
        with pytest.raises(PermissionDenied) as refused:
            WRITES[write](services, actor)
        if who == "no membership":
            assert "/csp members add" in (refused.value.hint or "")


def test_no_membership_is_told_how_to_get_access_in_slack(slack: SlackHarness, team) -> None:
    for text in ("log P1 5 ABCs issued", 'action P1.6 amber "x"', "log"):
        reply = slack.ask(text, user=NOBODY)
        assert "not set up as a partnership member" in reply["text"], text
        assert "/csp members add @you ORG" in all_text(reply)
    assert not slack.calls("views.open")


# ---------------------------------------------------------------------- members, whoami


def test_members_from_slack(slack: SlackHarness, team) -> None:
    assert "You are a *coordinator* for WDC" in all_text(slack.ask("whoami", user=COORDINATOR))
    assert "not a partnership member yet" in slack.ask("whoami", user=NOBODY)["text"]
    added = slack.ask("members add jane BCC", user=COORDINATOR)  # a name is not a user: a mention or an ID is
    assert "Who should I add?" in added["text"]
    added = slack.ask("members add <@U0JANE|jane> BCC", user=COORDINATOR)
    assert "<@U0JANE> is now a member for BCC" in rendered_text(added)
    slack.ask("members add <@U0JANE|jane> BCC coordinator", user=COORDINATOR)
    listing = rendered_text(slack.ask("members list", user=TVP_MEMBER))
    assert "<@U0JANE>: coordinator, BCC" in listing
    assert "Only partnership coordinators" in slack.ask("members add <@U0X|x> TVP", user=TVP_MEMBER)["text"]
    assert (
        "belongs to one partner organisation" in slack.ask("members add <@U0Y|y>", user=COORDINATOR)["text"]
    )
    slack.ask("members remove <@U0JANE|jane>", user=COORDINATOR)
    assert "U0JANE" not in rendered_text(slack.ask("members list", user=TVP_MEMBER))


# ---------------------------------------------------------------------- App Home


def test_app_home_dashboard_and_refresh_after_a_change(slack: SlackHarness, team) -> None:
    slack.event({"type": "app_home_opened", "user": TVP_MEMBER, "tab": "home"})
    view = slack.calls("views.publish")[0].args["view"]
    assert_valid_view(view)
    text = rendered_text(view)
    assert "TVP's actions" in text and "P1.6" in text and "P2.1" not in text.split("The plan at a glance")[0]
    assert text.count(":white_circle:") >= 4
    assert "Recent achievements" in text

    slack.ask('action P1.6 amber "burglary up"', user=TVP_MEMBER)
    slack.services.background.drain()
    refreshed = slack.calls("views.publish")[-1].args
    assert refreshed["user_id"] == TVP_MEMBER
    assert ":large_orange_circle: *P1.6*" in rendered_text(refreshed["view"])


# ---------------------------------------------------------------------- reports


def _sections(markdown: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    heading = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            heading = line[3:]
            found[heading] = []
        elif line.startswith("- "):
            found[heading].append(line[2:])
    return found


def test_the_2017_18_report_reproduces_the_plans_achievements(services: Services) -> None:
    report = render_achievements(services.reports.achievements(year="2017/18"))
    assert report.text.startswith("# Our Achievements during 2017/18\n")
    plan = load_plan()
    expected = {
        p.achievements_heading: [a.text for a in plan.achievements if a.priority == p.number]
        for p in plan.priorities
    }
    assert _sections(report.text) == expected
    if PLAN.exists():
        text = " ".join(PLAN.read_text(encoding="utf-8").split())
        for heading, bullets in _sections(report.text).items():
            section_start = text.index(heading)
            for bullet in bullets:
                assert text.index(" ".join(bullet.split()), section_start) > section_start


def test_reports_in_every_format(services: Services, team) -> None:
    from docx import Document
    from openpyxl import load_workbook

    services.achievements.log(
        services.members.actor(TVP_MEMBER), "5 ABCs issued", priority=1, achieved_on=date(2025, 5, 1)
    )
    every_year = render_achievements(services.reports.achievements("all")).text
    assert every_year.index("# Our Achievements during 2025/26") < every_year.index(
        "# Our Achievements during 2017/18"
    )
    # without a year, the current plan year (the seeded plan's 2018/19) alone
    current = render_achievements(services.reports.achievements()).text
    assert "# Our Achievements during 2018/19" in current and "2017/18" not in current
    csv_text = render_achievements(services.reports.achievements("all"), ReportFormat.CSV).text
    assert csv_text.splitlines()[0] == (
        "plan_year,priority,priority_heading,organisation,organisation_name,achievement,achieved_on,logged_by"
    )
    assert "**" not in csv_text
    # who logged it, by role (no display names without Slack); the plan's own rows name nobody
    assert csv_text.splitlines()[1].endswith(",2025-05-01,a TVP member") and TVP_MEMBER not in csv_text
    assert csv_text.splitlines()[-1].endswith(",")

    document = Document(
        io.BytesIO(render_achievements(services.reports.achievements("2017/18"), ReportFormat.DOCX).content)
    )
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Our Achievements during 2017/18"
    assert "Priority three: Working together to address Child Exploitation (CSE)" in headings
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert {"Pursue", "Prevent", "Protect", "Prepare"} <= set(bold)

    workbook = load_workbook(
        io.BytesIO(render_actions(services.reports.actions(), ReportFormat.XLSX).content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Action status: Wycombe Community Safety Partnership Plan 2017 – 2020"
    assert rows[3] == (
        "Priority", "Ref", "Action", "Lead", "Status", "Overdue", "Due date", "Last update", "Updated by",
        "Reason",
    )  # fmt: skip
    assert len(rows) == 4 + 23 and rows[9][1] == "P1.6"
    table = render_actions(services.reports.actions(), ReportFormat.MD).text
    assert len(re.findall(r"^\| P\d [^|]+ \| P\d\.\d", table, re.M)) == 23


def test_report_from_slack_arrives_as_a_dm(slack: SlackHarness, team) -> None:
    reply = slack.ask("report achievements 2017/18", user=TVP_MEMBER)
    assert "Preparing *Our Achievements during 2017/18*" in all_text(reply)
    slack.services.background.drain()
    (opened,) = slack.calls("conversations.open")
    assert opened.args["users"] == TVP_MEMBER
    (completed,) = slack.calls("files.completeUploadExternal")
    assert completed.args["channel_id"] == f"D{TVP_MEMBER[1:]}"
    assert "our-achievements-2017-18.docx" in json.dumps(completed.args) or slack.calls("upload")
    assert "Use md, csv, docx" in all_text(slack.ask("report achievements xlsx"))
    assert "Which report" in slack.ask("report")["text"]


def test_report_cli(capsys, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.harness import run_cli as run

    monkeypatch.setenv("DATABASE_URL", database_url)
    code, out, _ = run(capsys, "report", "achievements", "--year", "2017/18")
    assert code == 0 and out.startswith("# Our Achievements during 2017/18")
    target = tmp_path / "actions.xlsx"
    assert run(capsys, "report", "actions", "--format", "xlsx", "--output", str(target))[0] == 0
    assert target.read_bytes()[:2] == b"PK"
    code, _, err = run(capsys, "report", "achievements", "--year", "2018/20")
    assert code == 2 and "is not a plan year" in err


def test_cli_ask_works_exactly_as_in_slack(
    capsys, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.harness import run_cli as run

    monkeypatch.setenv("DATABASE_URL", database_url)
    run(capsys, "members", "add", "U0TVP", "--org", "TVP")
    code, out, _ = run(capsys, "ask", "--user", "U0TVP", "log P1 TVP secured 4 Criminal Behaviour Orders")
    assert code == 0 and "Logged under P1 Tackling anti-social behaviour and crime for TVP" in out
    code, out, _ = run(capsys, "ask", "--json", "--user", "U0TVP", 'action P1.6 amber "burglary up"')
    data = json.loads(out)
    assert "P1.6* is now :large_orange_circle: amber (at risk)" in json.dumps(
        data["response"], ensure_ascii=False
    )
    assert [c["method"] for c in data["api_calls"]] == ["views.publish"], "the App Home refresh is part of it"


@pytest.mark.parametrize(
    "command",
    [
        "log P2 Supported victim Jane Smith, DOB 03/04/2009, at HP11 2BH",
        "log P1 Call 07700 900123 about case ref 43/12345/18",
        'action P1.6 red "suspect John Bloggs re-offended"',
        "log P2 Referral for NHS number 943 476 5919",
    ],
)
def test_planted_personal_data_reaches_no_database_log_or_slack(
    slack: SlackHarness, team, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    reply = slack.ask(command, user=TVP_MEMBER)
    slack.services.background.drain()
    assert "Nothing was saved" in all_text(reply)
    planted = ("Jane", "Smith", "2009", "HP11 2BH", "07700", "43/12345", "Bloggs", "943 476")
    shown = all_text(reply) + json.dumps([c.args for c in slack.standin.calls])
    with slack.services.db.read() as session:
        stored = json.dumps(
            [r.text for r in session.scalars(select(AchievementRow))]
            + [c.reason for c in session.scalars(select(ActionChange))]
        )
    for datum in planted:
        if datum in command:
            assert datum not in shown, datum
            assert datum not in stored, datum
            assert datum not in caplog.text, datum
