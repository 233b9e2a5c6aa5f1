"""People in report files: display names looked up through ``users.info`` when a report is sent from
Slack, role words ("a TVP member") when Slack will not say, never a raw user ID, never stored."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select, text

from bot.container import Services
from bot.documents.formats import ReportFormat
from bot.documents.people import named_people, person_words
from bot.documents.render import render_actions, render_board
from bot.offline.slack_standin import SlackStandIn
from bot.permissions import Actor, Role
from bot.runtime.app import web_client
from bot.runtime.display_names import display_names
from bot.services.actions import Status
from store.models import Member
from tests.harness import SlackHarness, all_text, run_cli

COORDINATOR = "U0COORD"
TVP_MEMBER = "U0TVP"
WDC_MEMBER = "U0WDC"
SAM = "Sam Patel"


@pytest.fixture
def team(services: Services) -> None:
    operator = Actor.operator()
    services.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    services.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")
    services.members.add(operator, WDC_MEMBER, Role.MEMBER, "WDC")


def _docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _achievements_docx_from_slack(slack: SlackHarness) -> str:
    # 31 March 2019 is in 2018/19, the seeded plan's current year: the report's default
    slack.ask("log P1 2019-03-31 TVP ran 3 knife amnesties", user=TVP_MEMBER)
    reply = slack.ask("report achievements docx", user=COORDINATOR)
    assert "Our Achievements during 2018/19" in all_text(reply)
    slack.services.background.drain()
    return _docx_text(slack.standin.uploaded("our-achievements-2018-19.docx"))


def test_a_report_sent_from_slack_names_people_by_display_name(slack: SlackHarness, team) -> None:
    slack.standin.set_profile(TVP_MEMBER, display_name=SAM, real_name="Samir Patel")
    shown = _achievements_docx_from_slack(slack)
    assert f"TVP ran 3 knife amnesties (Thames Valley Police, logged by {SAM} (TVP member))" in shown
    assert TVP_MEMBER not in shown
    (looked_up,) = slack.standin.calls_to("users.info")  # one person, looked up once
    assert looked_up.args["user"] == TVP_MEMBER
    # the name was used for the file and is kept nowhere
    with slack.services.db.read() as session:
        for table in ("members", "achievements", "achievement_changes", "audit_events"):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()
            assert not any(SAM in str(row) for row in rows), table


def test_without_the_users_read_scope_the_report_says_who_they_are_instead(slack: SlackHarness, team) -> None:
    slack.standin.set_profile(TVP_MEMBER, display_name=SAM)
    slack.standin.fail_next("users.info", error="missing_scope")
    shown = _achievements_docx_from_slack(slack)
    assert "TVP ran 3 knife amnesties (Thames Valley Police, logged by a TVP member)" in shown
    assert TVP_MEMBER not in shown and SAM not in shown


def test_a_person_slack_does_not_know_stays_a_role_and_the_others_are_named(standin: SlackStandIn) -> None:
    standin.set_profile("U0ONE", display_name="", real_name="Alex Brown")  # no display name set
    standin.set_profile("U0THREE", display_name="  Jo   Lee ")
    standin.fail_next("users.info", error="user_not_found")  # the first asked (U0NOTHERE, in order)
    client = web_client("xoxb-test", standin.base_url)
    names = display_names(client, ["U0THREE", "U0ONE", "U0NOTHERE", "U0ONE"])
    assert names == {"U0ONE": "Alex Brown", "U0THREE": "Jo Lee"}
    assert len(standin.calls_to("users.info")) == 3  # each person once
    # a refusal that holds for everyone stops the lookups at once
    standin.clear()
    standin.fail_next("users.info", error="invalid_auth")
    assert display_names(client, ["U0ONE", "U0THREE"]) == {}
    assert len(standin.calls_to("users.info")) == 1
    assert display_names(None, ["U0ONE"]) == {}


def test_person_words() -> None:
    assert person_words("a TVP member", SAM) == f"{SAM} (TVP member)"
    assert person_words("a former member", None) == "a former member"
    assert named_people({"U1": "a WDC coordinator", "U2": "a TVP member"}, {"U1": "Jo"}) == {
        "U1": "Jo (WDC coordinator)", "U2": "a TVP member",
    }  # fmt: skip


def test_the_board_pack_and_action_status_name_who_changed_what(services: Services, team) -> None:
    services.actions.set_status(services.members.actor(TVP_MEMBER), "P1.6", Status.RED, "Officers redeployed")
    board = services.reports.board()
    assert board.people == {TVP_MEMBER: "a TVP member"}
    named = _docx_text(render_board(board, ReportFormat.DOCX, {TVP_MEMBER: SAM}).content)
    assert f"{SAM} (TVP member)" in named and TVP_MEMBER not in named
    unnamed = _docx_text(render_board(board, ReportFormat.DOCX).content)
    assert "a TVP member" in unnamed and SAM not in unnamed and TVP_MEMBER not in unnamed

    actions = services.reports.actions()
    rows = render_actions(actions, ReportFormat.CSV, {TVP_MEMBER: SAM}).text.splitlines()
    p16 = next(r for r in rows if ",P1.6," in r)
    assert f"{SAM} (TVP member)" in p16 and TVP_MEMBER not in "\n".join(rows)
    # a member who has since left is a former member, by name or not
    with services.db.transaction() as session:
        session.delete(session.scalars(select(Member).where(Member.user_id == TVP_MEMBER)).one())
    assert services.reports.actions().people == {TVP_MEMBER: "a former member"}


def test_the_command_line_uses_role_words_without_a_bot_token(
    cli_env: None, services: Services, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    services.members.add(Actor.operator(), TVP_MEMBER, Role.MEMBER, "TVP")
    services.achievements.log(
        services.members.actor(TVP_MEMBER), "2 closure orders", priority=1, achieved_on=date(2019, 3, 1)
    )
    code, out, err = run_cli(capsys, "report", "achievements", "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[-1].endswith(",2 closure orders,2019-03-01,a TVP member")
    assert TVP_MEMBER not in out


def test_every_year_reads_as_the_seeded_2017_18_report_did(services: Services) -> None:
    from bot.documents.render import render_achievements

    seeded = render_achievements(services.reports.achievements("2017/18")).text
    assert render_achievements(services.reports.achievements("all")).text == seeded
    assert render_achievements(services.reports.achievements("ALL")).text == seeded
    # the default is the current plan year (2018/19 for the seeded plan), which has nothing yet
    current = services.reports.achievements()
    assert current.year == "2018/19" and not current.achievements


def test_the_command_line_looks_names_up_when_it_has_a_bot_token(
    cli_env: None,
    services: Services,
    standin: SlackStandIn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", standin.base_url)
    standin.set_profile(TVP_MEMBER, display_name=SAM)
    services.members.add(Actor.operator(), TVP_MEMBER, Role.MEMBER, "TVP")
    services.actions.set_status(services.members.actor(TVP_MEMBER), "P1.6", Status.GREEN, None)
    code, out, err = run_cli(capsys, "report", "actions", "--format", "csv")
    assert code == 0, err
    assert f"{SAM} (TVP member)" in next(r for r in out.splitlines() if ",P1.6," in r)
    assert TVP_MEMBER not in out
