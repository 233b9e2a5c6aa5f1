"""Nudges: before each reporting date the lead organisations' members get one direct message listing
their actions with no update this quarter, with working status buttons; a second a week before if
still not updated; never twice, across restarts and workers. Through the Slack stand-in throughout."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import date, datetime

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select, update

from bot.clock import LONDON, SettableClock
from bot.container import Services
from bot.offline.slack_standin import SlackStandIn
from bot.permissions import Actor, Role
from bot.runtime.alert_worker import run_pass
from bot.runtime.delivery import Deliverer, delivery_client
from bot.services.actions import Status
from bot.services.nudges import NUDGE
from bot.settings import Settings
from bot.views import plan as plan_views
from store.models import AlertRow
from tests.conftest import TEST_START
from tests.harness import SlackHarness, all_text, assert_valid_message, assert_valid_view, rendered_text

COORDINATOR = "U0COORD"  # WDC: leads P2.1 once a coordinator makes it so
TVP_ONE = "U0TVPONE"
TVP_TWO = "U0TVPTWO"
OUTSIDER = "U0OUTSIDE"
ALERT_CHANNEL = "C0ALERTS"
TVP_ACTIONS = ["P1.3", "P1.5", "P1.6", "P4.5"]  # the plan names TVP as their lead


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(TEST_START)  # frozen: these tests move the date themselves


@pytest.fixture
def services(settings: Settings, clock: SettableClock) -> Services:
    built = Services.build(settings.model_copy(update={"csp_alert_channel": ALERT_CHANNEL}), now=clock)
    operator = Actor.operator()
    built.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    built.members.add(operator, TVP_ONE, Role.MEMBER, "TVP")
    built.members.add(operator, TVP_TWO, Role.MEMBER, "TVP")
    built.actions.set_lead(operator, "P2.1", "WDC")  # a lead change is not a progress update
    yield built
    built.close()


@pytest.fixture
def outbound(standin: SlackStandIn):  # type: ignore[no-untyped-def]
    return delivery_client(
        "xoxb-test", standin.base_url, timeout=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )


def at(clock: SettableClock, *moment: int) -> None:
    clock.moment = datetime(*moment, tzinfo=LONDON)  # type: ignore[misc]


def dms(standin: SlackStandIn) -> Counter[str]:
    """Nudges that reached each member's direct messages (D + their ID in the stand-in)."""
    return Counter(
        c.args["channel"]
        for c in standin.calls_to("chat.postMessage")
        if c.status == 200 and str(c.args.get("channel", "")).startswith("D")
        and (c.args.get("metadata") or {}).get("event_payload", {}).get("alert_key", "").startswith("nudge:")
    )  # fmt: skip


def dm(user: str) -> str:
    return f"D{user[1:]}"


def message_ts(services: Services, member: str) -> str:
    """The ts Slack gave the (one) nudge posted to ``member``, as the outbox recorded it."""
    (row,) = [r for r in nudge_rows(services) if r.subject_id == member]
    assert row.status == "posted" and row.message_ts
    return row.message_ts


def press_in_dm(slack: SlackHarness, button: dict, *, user: str, ts: str):  # type: ignore[no-untyped-def]
    """A signed block_actions request for a button in a posted direct message, as Slack sends it."""
    from bot.offline.signing import interaction_body, new_trigger_id

    channel = dm(user)
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team, "domain": "csp"},
        "user": {"id": user, "team_id": slack.team},
        "api_app_id": "A0CSPBOT",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": new_trigger_id(),
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"ts": ts, "type": "message"},
        "response_url": slack.standin.response_url("dm"),
        "actions": [
            {"action_id": button["action_id"], "block_id": "b", "type": "button", "value": button["value"],
             "action_ts": "1700000000.2"}
        ],
    }  # fmt: skip
    return slack.post(interaction_body(payload))


def nudge_rows(services: Services) -> list[AlertRow]:
    with services.db.read() as session:
        return list(session.scalars(select(AlertRow).where(AlertRow.kind == NUDGE).order_by(AlertRow.id)))


# ---------------------------------------------------------------------- the schedule


def test_reporting_dates_are_quarter_ends_until_the_board_sets_its_own(services: Services) -> None:
    nudges = services.nudges
    assert nudges.reporting_date(date(2026, 11, 24)).day == date(2026, 12, 31)
    assert nudges.reporting_date(date(2026, 12, 31)).day == date(2027, 3, 31), "on the day, the next one"
    assert nudges.reporting_date(date(2027, 3, 31)).day == date(2027, 6, 30)
    coordinator = services.members.actor(COORDINATOR)
    nudges.set_board_dates(coordinator, [date(2027, 3, 11), date(2026, 12, 10)])
    assert nudges.board_dates() == [date(2026, 12, 10), date(2027, 3, 11)]
    assert (nudges.reporting_date(date(2026, 11, 24)).day, nudges.reporting_date().board) == (
        date(2026, 12, 10),
        True,
    )
    assert nudges.reporting_date(date(2026, 12, 10)).day == date(2027, 3, 11)
    after_the_last = nudges.reporting_date(date(2027, 3, 12))
    assert (after_the_last.day, after_the_last.board) == (date(2027, 3, 31), False)


def test_rounds_before_a_quarter_end_reach_the_right_people_once(
    services: Services, clock: SettableClock, standin: SlackStandIn, outbound
) -> None:  # type: ignore[no-untyped-def]
    at(clock, 2026, 12, 17, 8, 59)  # a minute before the first round (14 days before 31 December, 09:00)
    assert run_pass(services, outbound).nudges is None and not dms(standin)
    at(clock, 2026, 12, 17, 9, 0)
    first = run_pass(services, outbound)
    assert first.nudges is not None and first.nudges.round == 1
    assert {(n.member, n.refs) for n in first.nudges.queued} == {
        (COORDINATOR, ("P2.1",)),
        (TVP_ONE, tuple(TVP_ACTIONS)),
        (TVP_TWO, tuple(TVP_ACTIONS)),
    }
    assert dms(standin) == {dm(COORDINATOR): 1, dm(TVP_ONE): 1, dm(TVP_TWO): 1}
    # nudges are direct messages: never "unacknowledged alerts" on the Home, nor pending channel posts
    assert services.alerts.unacknowledged()[1] == 0 and services.alerts.pending_count() == 0
    opened = {c.args["users"] for c in standin.calls_to("conversations.open")}
    assert opened == {COORDINATOR, TVP_ONE, TVP_TWO}, "nobody outside a lead organisation"
    (tvp_message,) = [
        c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == dm(TVP_ONE)
    ]
    assert_valid_message(tvp_message)
    text = rendered_text(tvp_message)
    assert "the quarter ends on 31 December 2026" in text and "since 1 October 2026" in text
    assert all(ref in text for ref in TVP_ACTIONS) and "P2.1" not in text
    in_channel = [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == ALERT_CHANNEL]
    assert in_channel and not [a for a in in_channel if "nudge" in all_text(a)], "the digest, never a nudge"

    at(clock, 2026, 12, 20, 9, 0)  # a restart later, still in the first round's days: nothing again
    restarted = Services.build(Settings(database_url=services.db.url), now=clock)
    try:
        run_pass(restarted, outbound)
    finally:
        restarted.close()
    assert dms(standin) == {dm(COORDINATOR): 1, dm(TVP_ONE): 1, dm(TVP_TWO): 1}

    tvp = services.members.actor(TVP_ONE)
    for ref in TVP_ACTIONS:  # TVP reports; WDC does not
        services.actions.set_status(tvp, ref, Status.GREEN)
    at(clock, 2026, 12, 24, 9, 0)  # 7 days before: the second round, only to whoever is still behind
    second = run_pass(services, outbound)
    assert second.nudges is not None and second.nudges.round == 2
    assert [(n.member, n.refs) for n in second.nudges.queued] == [(COORDINATOR, ("P2.1",))]
    run_pass(services, outbound)
    assert dms(standin) == {dm(COORDINATOR): 2, dm(TVP_ONE): 1, dm(TVP_TWO): 1}
    reminder = [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == dm(COORDINATOR)][
        -1
    ]
    assert reminder["text"].startswith("Reminder: 1 action WDC leads needs an update before the quarter ends")
    at(clock, 2026, 12, 31, 9, 0)  # the reporting date itself: aiming at the next quarter's end now
    assert run_pass(services, outbound).nudges is None
    assert all(row.status == "posted" for row in nudge_rows(services))


def test_board_dates_from_slack_set_when_nudges_go(
    slack: SlackHarness, services: Services, clock: SettableClock, standin: SlackStandIn, outbound
) -> None:  # type: ignore[no-untyped-def]
    refused = slack.ask("plan board-dates 2026-12-10", user=TVP_ONE)
    assert "Only partnership coordinators can set the board's meeting dates" in refused["text"]
    assert "not a date" in slack.ask("plan board-dates 2026-12-10 tuesday", user=COORDINATOR)["text"]
    assert "not in the future" in slack.ask("plan board-dates 2026-01-10", user=COORDINATOR)["text"]
    assert services.nudges.board_dates() == [], "a refused list changes nothing"
    slack.ask("plan board-dates 2026-12-10 2027-03-11", user=COORDINATOR)
    listed = rendered_text(slack.ask("plan board-dates", user=TVP_ONE))
    assert "10 Dec 2026, 11 Mar 2027" in listed and "Next reporting date: 10 December 2026" in listed

    at(clock, 2026, 11, 26, 9, 0)  # 14 days before the December board
    assert run_pass(services, outbound).nudges.round == 1  # type: ignore[union-attr]
    at(clock, 2026, 12, 3, 9, 0)
    assert run_pass(services, outbound).nudges.round == 2  # type: ignore[union-attr]
    assert [row.key for row in nudge_rows(services) if row.subject_id == TVP_ONE] == [
        f"nudge:default:2026/27-Q3:2026-12-10:{TVP_ONE}:r1",
        f"nudge:default:2026/27-Q3:2026-12-10:{TVP_ONE}:r2",
    ]
    at(clock, 2027, 2, 25, 9, 0)  # 14 days before the March board, in the next quarter
    third = run_pass(services, outbound).nudges
    assert third is not None and (third.round, third.quarter.label) == (1, "2026/27-Q4")
    # (the retention purge has deleted the November nudge by now: its date is past, so nothing repeats)
    keys = [row.key for row in nudge_rows(services) if row.subject_id == TVP_ONE]
    assert keys[-1] == f"nudge:default:2026/27-Q4:2027-03-11:{TVP_ONE}:r1"
    assert dms(standin)[dm(TVP_ONE)] == 3
    assert "board meets on 11 March 2027" in rendered_text(
        [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == dm(TVP_ONE)][-1]
    )
    slack.ask("plan board-dates clear", user=COORDINATOR)
    assert services.nudges.board_dates() == []


# ---------------------------------------------------------------------- in Slack


def test_nudge_now_then_a_button_in_the_dm_updates_the_action(
    slack: SlackHarness, services: Services, clock: SettableClock, standin: SlackStandIn
) -> None:
    at(clock, 2026, 11, 26, 10, 0)  # 35 days before the quarter's end: no round due yet, so the first
    assert "Only partnership coordinators can send nudges" in slack.ask("nudge", user=TVP_ONE)["text"]
    reply = slack.ask("nudge", user=COORDINATOR)
    assert "Sent the first nudge to 3 members (WDC 1 member, TVP 2 members)" in rendered_text(reply)
    services.background.drain()
    assert dms(standin) == {dm(COORDINATOR): 1, dm(TVP_ONE): 1, dm(TVP_TWO): 1}

    (message,) = [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == dm(TVP_TWO)]
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    green = next(e for e in buttons if e["value"] == "P1.5|green")
    assert green["action_id"] == f"{plan_views.ACTION_STATUS_OPEN}_green"
    assert slack.action(green["action_id"], green["value"], user=OUTSIDER).status == 200
    assert not slack.calls("views.open"), "someone outside TVP gets no form"

    pressed = press_in_dm(slack, green, user=TVP_TWO, ts=message_ts(services, TVP_TWO))
    assert pressed.status == 200
    (opened,) = slack.calls("views.open")
    form = opened.args["view"]
    assert_valid_view(form)
    response = slack.submit_form(form, {"status": "green", "reason": "Joint operation under way"}, TVP_TWO)
    assert response.status == 200
    updated = services.actions.get("P1.5")
    assert (updated.status, updated.reason, updated.updated_by) == (
        Status.GREEN,
        "Joint operation under way",
        TVP_TWO,
    )
    services.background.drain()  # the nudge itself now shows P1.5 as updated, without its buttons
    (redrawn,) = [c.args for c in standin.calls_to("chat.update") if c.args["channel"] == dm(TVP_TWO)]
    assert redrawn["ts"] == message_ts(services, TVP_TWO)
    assert_valid_message(redrawn)
    assert "*P1.5*" in rendered_text(redrawn) and "_Updated:_ :large_green_circle: green (on track)" in (
        rendered_text(redrawn)
    )
    values = [e["value"] for b in redrawn["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "P1.3|green" in values and not [v for v in values if v.startswith("P1.5|")]
    stale = rendered_text(slack.ask("actions stale", user=TVP_ONE))
    assert "P1.5" not in stale and "P1.3" in stale and "*TVP* (3)" in stale and "*WDC* (1)" in stale

    again = rendered_text(slack.ask("nudge", user=COORDINATOR))
    assert "Nobody new to nudge: everyone has had the first nudge" in again
    services.background.drain()
    assert dms(standin) == {dm(COORDINATOR): 1, dm(TVP_ONE): 1, dm(TVP_TWO): 1}, "once per member per round"
    at(clock, 2026, 12, 17, 9, 0)  # the scheduled first round: already sent by hand
    assert run_pass(services, None).nudges.queued == ()  # type: ignore[union-attr]


def test_the_app_home_shows_my_organisations_stale_actions_first(
    slack: SlackHarness, services: Services, clock: SettableClock
) -> None:
    at(clock, 2026, 12, 1, 9, 0)
    services.actions.set_status(services.members.actor(TVP_ONE), "P1.6", Status.AMBER, "two officers off")
    slack.event({"type": "app_home_opened", "user": TVP_TWO, "tab": "home"})
    view = slack.calls("views.publish")[-1].args["view"]
    assert_valid_view(view)
    texts = [rendered_text(b) for b in view["blocks"]]
    assert "3 actions TVP leads need an update" in texts[2] and "31 December 2026" in texts[2]
    assert [b["elements"][0]["value"] for b in view["blocks"][:12] if b["type"] == "actions"] == [
        "P1.3|green",
        "P1.5|green",
        "P4.5|green",
    ]
    # the Home works them out from the year's actions it has already read: the same as the nudges' list
    shown = services.home.data(services.members.actor(TVP_TWO)).stale
    stale = services.nudges.stale()
    assert shown is not None and shown.actions == list(stale.of("TVP"))
    assert (shown.quarter_title, shown.reporting) == (stale.quarter.title, stale.reporting)
    slack.event({"type": "app_home_opened", "user": OUTSIDER, "tab": "home"})
    assert "need an update" not in all_text(slack.calls("views.publish")[-1].args["view"])


# ---------------------------------------------------------------------- delivery: once, and never lost


def test_a_worker_killed_after_posting_a_nudge_is_reconciled_not_repeated(
    services: Services, clock: SettableClock, standin: SlackStandIn, outbound, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    at(clock, 2026, 12, 17, 9, 0)
    services.nudges.run_scheduled("worker-1")

    def killed(self, alert, channel, ts):  # type: ignore[no-untyped-def]
        raise SystemExit("killed between posting and recording")

    monkeypatch.setattr(Deliverer, "_record", killed)
    with pytest.raises(SystemExit):
        services.deliverer.deliver_pending(outbound)
    monkeypatch.undo()
    with services.db.transaction() as session:  # its claim expires
        session.execute(update(AlertRow).values(claimed_until=None))
    report = Deliverer(services.db, services.alerts).deliver_pending(outbound)
    assert len(report.reconciled) == 1 and len(report.posted) == 2
    assert dms(standin) == {dm(COORDINATOR): 1, dm(TVP_ONE): 1, dm(TVP_TWO): 1}


def test_nudges_go_without_an_alert_channel_and_an_unreachable_member_is_not_retried(
    settings: Settings, clock: SettableClock, standin: SlackStandIn, outbound
) -> None:  # type: ignore[no-untyped-def]
    services = Services.build(settings, now=clock)  # no alert channel
    try:
        services.members.add(Actor.operator(), TVP_ONE, Role.MEMBER, "TVP")
        services.members.add(Actor.operator(), TVP_TWO, Role.MEMBER, "TVP")
        services.members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
        services.risks.set_level(services.members.actor(COORDINATOR), "R2", "likelihood", "High", "cuts")
        at(clock, 2026, 12, 1, 9, 0)  # coordinators hear once that no channel is set; no round is due
        assert run_pass(services, outbound).delivery.blocked == "no alert channel is set"
        at(clock, 2026, 12, 24, 9, 0)
        standin.fail_next("conversations.open", error="user_disabled")  # the first member, TVP_ONE
        report = run_pass(services, outbound).delivery
        assert report.blocked == "no alert channel is set" and len(report.posted) == 1
        with services.db.read() as session:
            rows = {r.subject_id: (r.status, r.last_error) for r in session.scalars(select(AlertRow))}
        assert rows[TVP_ONE] == ("undeliverable", "user_disabled")
        assert rows[TVP_TWO][0] == "posted" and rows["R2"][0] == "pending"
        run_pass(services, outbound)
        assert dms(standin) == {dm(TVP_TWO): 1}
    finally:
        services.close()


def _worker(database_url: str, base_url: str, moment: str, barrier, passes: int) -> None:  # type: ignore[no-untyped-def]
    """One worker process: its own services and store connections, the alert worker's pass in a loop."""
    clock = SettableClock(datetime.fromisoformat(moment))
    built = Services.build(Settings(database_url=database_url, csp_alert_channel=ALERT_CHANNEL), now=clock)
    client = delivery_client(
        "xoxb-test", base_url, timeout=5, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    try:
        barrier.wait(timeout=60)
        for _ in range(passes):
            run_pass(built, client)
    finally:
        built.close()


def test_two_worker_processes_nudge_each_member_once(
    services: Services, standin: SlackStandIn, database_url: str
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    moment = datetime(2026, 12, 17, 9, 30, tzinfo=LONDON).isoformat()
    workers = [
        context.Process(target=_worker, args=(database_url, standin.base_url, moment, barrier, 4))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert dms(standin) == {dm(COORDINATOR): 1, dm(TVP_ONE): 1, dm(TVP_TWO): 1}
    rows = nudge_rows(services)
    assert len(rows) == 3 and all(r.status == "posted" and r.message_ts for r in rows)


# ---------------------------------------------------------------------- the command line


def test_cli_nudge_stale_and_board_dates(
    capsys, cli_env: str, clock: SettableClock, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import bot.cli
    from tests.harness import run_cli

    monkeypatch.setattr(bot.cli, "now", clock)
    at(clock, 2026, 12, 18, 11, 0)
    run_cli(capsys, "members", "add", TVP_ONE, "--org", "TVP")
    code, out, _ = run_cli(capsys, "actions", "stale")
    assert code == 0 and out.startswith("23 open actions with no update in Quarter 3 2026/27")
    assert "next reporting date 2026-12-31 (quarter end)" in out and "TVP:\n  P1.3\tnot started" in out
    code, out, _ = run_cli(capsys, "nudge")
    assert code == 0 and f"{TVP_ONE}\tTVP\twould queue\tP1.3, P1.5, P1.6, P4.5" in out
    assert "add --apply" in out
    code, out, _ = run_cli(capsys, "nudge", "--apply")
    assert "The first nudge before the quarter's end on 31 December 2026 (2026/27-Q3)" in out
    assert f"{TVP_ONE}\tTVP\tqueued" in out
    assert f"{TVP_ONE}\tTVP\talready sent" in run_cli(capsys, "nudge", "--apply")[1]
    code, out, _ = run_cli(capsys, "plan", "board-dates", "2027-03-11", "2027-01-14")
    assert code == 0 and "Board meetings: 2027-01-14, 2027-03-11" in out
    assert "Next reporting date: 2027-01-14 (board meeting on 14 January 2027)" in out
    code, _, err = run_cli(capsys, "plan", "board-dates", "2026-12-01")
    assert code == 2 and "1 December 2026 is not in the future" in err
    code, out, _ = run_cli(capsys, "plan", "board-dates", "--clear")
    assert "No board dates set" in out and "2026-12-31" in out
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-test")
    monkeypatch.setenv("SLACK_API_URL", standin.base_url)
    code, out, _ = run_cli(capsys, "alerts", "run")  # delivers the queued nudge; the round has no one new
    assert code == 0 and "posted 1," in out and "queued" not in out
    assert run_cli(capsys, "alerts", "run")[0] == 0
    assert dms(standin) == {dm(TVP_ONE): 1}


def test_erasing_members_takes_their_nudges_with_them(services: Services, clock: SettableClock) -> None:
    at(clock, 2026, 12, 17, 9, 0)
    services.nudges.run_scheduled("worker")
    for user in (
        TVP_ONE,
        TVP_TWO,
    ):  # their keys would both read "a former member of TVP": deleted, not rewritten
        preview = services.data_protection.erase(Actor.operator(), user, apply=False)
        assert preview.deleted.get("alerts") == 1
        services.data_protection.erase(Actor.operator(), user, apply=True)
    assert [row.subject_id for row in nudge_rows(services)] == [COORDINATOR]
    assert services.data_protection.export(Actor.operator(), TVP_ONE).record_count == 0


def test_the_lead_times_are_settings_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("CSP_NUDGE_FIRST_DAYS", "10")
    monkeypatch.setenv("CSP_NUDGE_SECOND_DAYS", "3")
    monkeypatch.setenv("CSP_NUDGE_TIME", "08:30")
    loaded = load_settings()
    assert (loaded.csp_nudge_first_days, loaded.csp_nudge_second_days, loaded.csp_nudge_time) == (
        10,
        3,
        "08:30",
    )
    monkeypatch.setenv("CSP_NUDGE_SECOND_DAYS", "10")
    with pytest.raises(SettingsError, match="CSP_NUDGE_SECOND_DAYS must be fewer than CSP_NUDGE_FIRST_DAYS"):
        load_settings()


def test_shorter_lead_times_move_the_rounds(settings: Settings, clock: SettableClock) -> None:
    built = Services.build(
        settings.model_copy(update={"csp_nudge_first_days": 10, "csp_nudge_second_days": 3}), now=clock
    )
    try:
        built.members.add(Actor.operator(), TVP_ONE, Role.MEMBER, "TVP")
        at(clock, 2026, 12, 20, 9, 0)  # 11 days before 31 December: nothing yet
        assert built.nudges.run_scheduled("w") is None
        at(clock, 2026, 12, 21, 9, 0)
        assert built.nudges.run_scheduled("w").round == 1  # type: ignore[union-attr]
        at(clock, 2026, 12, 28, 9, 0)
        assert built.nudges.run_scheduled("w").round == 2  # type: ignore[union-attr]
    finally:
        built.close()


def test_a_retired_action_is_nobodys_to_update(
    capsys, cli_env: str, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import bot.cli
    from tests.harness import run_cli

    monkeypatch.setattr(bot.cli, "now", clock)
    at(clock, 2026, 12, 18, 11, 0)
    assert "TVP:\n  P1.3\tnot started" in run_cli(capsys, "actions", "stale")[1]
    code, _, err = run_cli(capsys, "action", "retire", "P1.3", "--reason", "merged into P1.5")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "actions", "stale")
    assert code == 0 and out.startswith("22 open actions") and "P1.3" not in out
