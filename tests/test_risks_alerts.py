"""The risk register and its alerts: triggers, the outbox, delivery exactly once, acknowledgement, the digest."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import update

from bot.clock import LONDON, SettableClock
from bot.container import Services
from bot.offline.slack_standin import SlackStandIn
from bot.permissions import Actor, Role
from bot.runtime.delivery import Deliverer, delivery_client
from bot.services.actions import Status
from bot.services.risk_rating import RatingRule, RatingRuleError
from bot.settings import Settings
from bot.views import alerts as alert_views
from store.models import AlertRow
from tests.conftest import TEST_START
from tests.harness import SlackHarness, all_text, assert_valid_message, assert_valid_view, rendered_text

COORDINATOR = "U0COORD"
TVP_MEMBER = "U0TVP"
ALERT_CHANNEL = "C0ALERTS"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(TEST_START)  # frozen: these tests move time themselves


@pytest.fixture
def services(
    settings: Settings, clock: SettableClock
) -> Services:  # overrides the shared one: a clock we control
    built = Services.build(settings.model_copy(update={"csp_alert_channel": ALERT_CHANNEL}), now=clock)
    operator = Actor.operator()
    built.members.add(operator, COORDINATOR, Role.COORDINATOR, "WDC")
    built.members.add(operator, TVP_MEMBER, Role.MEMBER, "TVP")
    yield built
    built.close()


@pytest.fixture
def outbound(standin: SlackStandIn):  # type: ignore[no-untyped-def]
    """The deliverer's client, with short retry waits so fault tests stay quick."""
    return delivery_client(
        "xoxb-test", standin.base_url, timeout=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )


def coordinator(services: Services) -> Actor:
    return services.members.actor(COORDINATOR)


def alert_posts(standin: SlackStandIn) -> Counter[str]:
    """How many times each alert key reached the channel."""
    return Counter(
        c.args["metadata"]["event_payload"]["alert_key"]
        for c in standin.calls_to("chat.postMessage")
        if c.status == 200 and isinstance(c.args.get("metadata"), dict)
    )


def make_due_again(services: Services) -> None:
    """Time passing for the outbox: backoffs and stale claims expire."""
    with services.db.transaction() as session:
        session.execute(update(AlertRow).values(next_attempt_at=None, claimed_until=None))


# ---------------------------------------------------------------------- the rule


def test_default_rule_is_the_3x3_matrix() -> None:
    rule = RatingRule.parse()
    levels = ("Low", "Medium", "High")
    table = {
        (likelihood, impact): rule.rate(likelihood, impact) for likelihood in levels for impact in levels
    }
    assert table == {
        ("Low", "Low"): "Low", ("Low", "Medium"): "Low", ("Low", "High"): "Medium",
        ("Medium", "Low"): "Low", ("Medium", "Medium"): "Medium", ("Medium", "High"): "High",
        ("High", "Low"): "Medium", ("High", "Medium"): "High", ("High", "High"): "High",
    }  # fmt: skip
    assert "1–2 Low, 3–4 Medium, 6–9 High" in rule.describe()


def test_rule_is_configurable_and_checked() -> None:
    strict = RatingRule.parse("Low=1,Medium=2,High=3", "Low=1,Medium=2-3,High=4-9")
    assert strict.rate("Medium", "Medium") == "High"
    with pytest.raises(RatingRuleError, match="no band covers a score of 6"):
        RatingRule.parse(bands="Low=1-2,Medium=3-4")
    with pytest.raises(RatingRuleError):
        RatingRule.parse(scores="Low=1,High=3")


def test_help_states_the_rule(slack: SlackHarness) -> None:
    assert "Rating = likelihood × impact" in all_text(slack.ask("help risks"))


# ---------------------------------------------------------------------- the register in Slack


def test_risks_shows_the_matrix_and_the_list(slack: SlackHarness) -> None:
    reply = slack.ask("risks")
    text = rendered_text(reply)
    assert "[M] R1 R2 R5 R6" in text and "[L] R4 R7" in text
    assert text.index("*R1* Medium") < text.index("*R3* Low")
    assert "review 24 Feb 2027" in text
    assert any(e.get("action_id") == "risks_heatmap" for b in reply["blocks"] for e in b.get("elements", []))


def test_one_risk_with_history(slack: SlackHarness) -> None:
    slack.ask('risk R2 likelihood high "PCC funding cut announced"', user=COORDINATOR)
    reply = slack.ask("risk r2")
    text = rendered_text(reply)
    assert "Funding/ finance" in text and "High (score 6)" in text
    assert "likelihood Medium → *High*" in text and "PCC funding cut announced" in text


def test_changes_need_a_coordinator_or_the_owning_organisation(
    slack: SlackHarness, services: Services
) -> None:
    refused = slack.ask('risk R2 likelihood high "x"', user=TVP_MEMBER)
    assert "Only coordinators can change R2" in refused["text"]
    slack.ask("risk R2 owner TVP", user=COORDINATOR)
    assert services.risks.get("R2").owner_org == "TVP"
    slack.ask('risk R2 likelihood high "burglary funding lost"', user=TVP_MEMBER)
    assert services.risks.get("R2").likelihood == "High"
    assert (
        "not set up as a partnership member" in slack.ask('risk R2 impact low "x"', user="U0NOBODY")["text"]
    )


def test_bad_risk_input_gets_a_usage_hint(slack: SlackHarness) -> None:
    assert "numbered R1" in slack.ask("risk 2")["text"]
    assert "There is no risk R99" in slack.ask("risk R99")["text"]
    assert "A reason is needed" in slack.ask("risk R2 likelihood high", user=COORDINATOR)["text"]
    assert "low, medium or high" in slack.ask('risk R2 likelihood extreme "x"', user=COORDINATOR)["text"]
    assert "I can't change `colour`" in slack.ask("risk R2 colour red", user=COORDINATOR)["text"]
    reply = slack.ask('risk R2 trigger "victim Jane Smith moved"', user=COORDINATOR)
    assert "Nothing was saved" in all_text(reply) and "Jane" not in all_text(reply)


def test_review_and_close(slack: SlackHarness, services: Services, clock: SettableClock) -> None:
    slack.ask("risk R3 review", user=COORDINATOR)
    assert services.risks.get("R3").next_review == date(2027, 2, 24)
    slack.ask("risk R3 review 2027-06-30 annual board review", user=COORDINATOR)
    assert services.risks.get("R3").next_review == date(2027, 6, 30)
    slack.ask('risk close R7 "merged into R6"', user=COORDINATOR)
    assert "R7" not in rendered_text(slack.ask("risks")).split("By rating")[1]
    assert "R7 is closed" in slack.ask('risk R7 impact high "x"', user=COORDINATOR)["text"]


def test_add_a_risk_with_the_form(slack: SlackHarness, services: Services) -> None:
    slack.command("risk add", user=COORDINATOR)
    view = slack.calls("views.open")[0].args["view"]
    assert_valid_view(view)
    values = {
        "description": "County lines activity displaces into the district",
        "likelihood": "High",
        "impact": "Medium",
        "preventative": "Joint disruption with TVP",
        "contingent": "Escalate to the county tasking group",
        "owner": "Community Safety and Prevent Coordinator",
        "owner_org": "",
    }
    bad = slack.submit_form(view, {**values, "description": "Victim Jane Smith at risk"}, COORDINATOR)
    assert bad.json()["response_action"] == "errors"
    assert slack.submit_form(view, values, COORDINATOR).status == 200
    added = services.risks.get("R8")
    assert (added.rating, added.likelihood) == ("High", "High")
    assert [a.kind for a in services.alerts.list()] == ["new_risk"]


# ---------------------------------------------------------------------- each trigger raises one alert; a non-change none


def test_rating_rise_raises_one_alert_and_a_non_change_none(services: Services) -> None:
    risks = services.risks
    risks.set_level(coordinator(services), "R4", "likelihood", "Medium", "more councillors standing down")
    assert services.alerts.list() == [], "Low × Low → Medium × Low is still Low"
    risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
    risks.set_level(coordinator(services), "R2", "likelihood", "High", "again")  # no change at all
    risks.set_level(coordinator(services), "R2", "impact", "Low", "cuts smaller than feared")  # down: none
    (alert,) = services.alerts.list()
    assert (alert.kind, alert.severity, alert.subject_id) == ("rating_up", "High", "R2")
    assert alert.payload["rating_from"] == "Medium" and alert.payload["rating_to"] == "High"
    assert alert.payload["change"] == "likelihood Medium → High" and alert.payload["reason"] == "funding cut"


def test_new_risk_and_contingency_alerts(services: Services) -> None:
    actor = coordinator(services)
    common = {"preventative": "p", "contingent": "c", "owner": "Coordinator"}
    services.risks.add(actor, description="Low one", likelihood="Low", impact="Low", **common)
    services.risks.add(actor, description="Medium one", likelihood="Medium", impact="Medium", **common)
    services.risks.trigger(actor, "R1", "two key staff left at once")
    kinds = sorted((a.kind, a.subject_id) for a in services.alerts.list())
    assert kinds == [("contingency_triggered", "R1"), ("new_risk", "R9")]


def test_action_turning_red_raises_one_alert(services: Services) -> None:
    tvp = services.members.actor(TVP_MEMBER)
    services.actions.set_status(tvp, "P1.6", Status.AMBER, "burglary up")
    services.actions.set_status(tvp, "P1.6", Status.RED, "burglary up 40%")
    services.actions.set_status(tvp, "P1.6", Status.RED, "still red")
    (alert,) = services.alerts.list()
    assert (alert.kind, alert.subject_id, alert.severity) == ("action_red", "P1.6", "High")
    assert alert.payload["status_from"] == "amber" and alert.payload["reason"] == "burglary up 40%"


def test_overdue_review_and_action_alerts_once(services: Services, clock: SettableClock) -> None:
    holder = "test"
    services.actions.set_due(coordinator(services), "P2.1", date(2026, 12, 31))
    services.alerts.run_periodic(holder)
    assert [a.kind for a in services.alerts.list()] == ["digest"], (
        "the plan's long-past due dates are the digest's business, not a flood of alerts"
    )
    clock.moment = datetime(
        2027, 2, 25, 8, 0, tzinfo=LONDON
    )  # a Thursday: past every review and P2.1's due date
    first = services.alerts.run_periodic(holder)
    again = services.alerts.run_periodic(holder)
    kinds = Counter(a.kind for a in services.alerts.list())
    assert kinds["review_overdue"] == 7 and kinds["action_overdue"] == 1
    assert first.raised == 9 and again.raised == 0  # 7 reviews, P2.1, and this week's digest
    services.risks.review(coordinator(services), "R1")
    clock.advance(days=1)
    assert services.alerts.run_periodic(holder).raised == 0


def test_unacknowledged_high_alert_is_raised_once_more(
    services: Services, clock: SettableClock, outbound
) -> None:  # type: ignore[no-untyped-def]
    services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
    services.deliverer.deliver_pending(outbound)
    with services.db.transaction() as session:  # posted four days ago
        session.execute(update(AlertRow).values(posted_at=clock() - timedelta(days=4)))
    services.alerts.run_periodic("test")
    services.alerts.run_periodic("test")
    reminders = [a for a in services.alerts.list() if a.kind == "reminder"]
    assert len(reminders) == 1 and reminders[0].payload["reminder_of"] == services.alerts.list()[-1].id
    assert "Reminder, not yet acknowledged" in alert_views.alert_reply(reminders[0]).text


def test_acknowledged_high_alert_is_not_raised_again(services: Services, outbound) -> None:  # type: ignore[no-untyped-def]
    services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
    services.deliverer.deliver_pending(outbound)
    services.alerts.acknowledge(services.members.actor(TVP_MEMBER), services.alerts.list()[0].id)
    with services.db.transaction() as session:
        session.execute(update(AlertRow).values(posted_at=services.db.now() - timedelta(days=30)))
    services.alerts.run_periodic("test")
    assert [a for a in services.alerts.list() if a.kind == "reminder"] == []


def test_weekly_digest(services: Services, clock: SettableClock) -> None:
    clock.moment = datetime(2026, 11, 25, 14, 0, tzinfo=LONDON)  # Wednesday of the digest's week
    services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
    services.actions.set_status(services.members.actor(TVP_MEMBER), "P1.6", Status.RED, "burglary up")
    services.achievements.log(services.members.actor(TVP_MEMBER), "12 ABCs issued", priority=1)
    clock.moment = datetime(2026, 11, 30, 8, 59, tzinfo=LONDON)  # Monday, a minute before the slot
    services.alerts.run_periodic("test")
    assert not [a for a in services.alerts.list() if a.kind == "digest"]
    clock.moment = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    services.alerts.run_periodic("test")
    clock.advance(hours=3)
    services.alerts.run_periodic("test")
    (digest,) = [a for a in services.alerts.list() if a.kind == "digest"]
    payload = digest.payload
    assert (payload["start"], payload["end"]) == ("2026-11-23", "2026-11-30")
    assert any(c["ref"] == "R2" and c["after"] == "High" for c in payload["register_changes"])
    assert any(a["ref"] == "P1.6" and a["status"] == "red" for a in payload["actions"])
    assert [a["text"] for a in payload["achievements"]] == ["12 ABCs issued"]
    message = alert_views.alert_reply(digest).message()
    assert_valid_message(message)
    text = rendered_text(message)
    assert "Weekly digest" in text and "P1.6" in text and "12 ABCs issued" in text


# ---------------------------------------------------------------------- delivery: once, and never lost


def test_an_alert_goes_out_with_what_changed_and_what_to_do(
    services: Services, standin: SlackStandIn, outbound
) -> None:  # type: ignore[no-untyped-def]
    services.risks.set_level(
        coordinator(services), "R2", "likelihood", "High", "<!channel> funding cut & <@U123>"
    )
    report = services.deliverer.deliver_pending(outbound)
    assert len(report.posted) == 1
    (post,) = standin.calls_to("chat.postMessage")
    assert post.args["channel"] == ALERT_CHANNEL
    assert_valid_message(post.args)
    text = rendered_text(post.args)
    for part in ("*Risk R2: rating up, Medium ↑ High*", "Funding/ finance", "Preventative actions", "Contingent actions", "Next review",
                 f"<@{COORDINATOR}>", "OFFICIAL"):  # fmt: skip
        assert part in text, part
    assert "<!channel>" not in text and "<@U123>" not in text and "&lt;!channel&gt;" in text
    assert "link_names" not in post.args and post.args.get("parse") is None
    (alert,) = services.alerts.list()
    from slack_sdk import WebClient

    history = WebClient(token="xoxb-t", base_url=standin.base_url).conversations_history(
        channel=ALERT_CHANNEL
    )
    assert (alert.status, alert.message_ts, alert.channel) == (
        "posted",
        history["messages"][0]["ts"],
        ALERT_CHANNEL,
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "retry_after": 0, "times": 2},
        {"status": 500, "times": 2},
        {"status": 503, "times": 1},
    ],
)
def test_rate_limits_and_server_errors_then_recovery_deliver_exactly_once(
    services: Services,
    standin: SlackStandIn,
    outbound,
    fault: dict,  # type: ignore[no-untyped-def]
) -> None:
    for ref in ("R1", "R2", "R5"):
        services.risks.set_level(coordinator(services), ref, "impact", "High", "resources cut")
    standin.fail_next("chat.postMessage", **fault)
    for _ in range(3):  # a pass, then time passing, until nothing is left
        services.deliverer.deliver_pending(outbound)
        make_due_again(services)
    assert services.alerts.pending_count() == 0
    assert set(alert_posts(standin).values()) == {1} and len(alert_posts(standin)) == 3


def test_a_timeout_after_slack_posted_is_not_posted_again(services: Services, standin: SlackStandIn) -> None:
    client = delivery_client(
        "xoxb-test", standin.base_url, timeout=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
    standin.fail_next("chat.postMessage", status=200, delay=2)  # Slack posts it, the answer comes too late
    first = services.deliverer.deliver_pending(client)
    assert first.deferred and services.alerts.pending_count() == 1
    make_due_again(services)
    second = services.deliverer.deliver_pending(client)
    assert second.reconciled == first.deferred
    assert list(alert_posts(standin).values()) == [1]


def test_a_deliverer_killed_after_posting_is_reconciled_on_restart(
    services: Services,
    standin: SlackStandIn,
    outbound,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")

    def killed(self, alert, channel, ts):  # type: ignore[no-untyped-def]
        raise SystemExit("killed between posting and recording")

    monkeypatch.setattr(Deliverer, "_record", killed)
    with pytest.raises(SystemExit):
        services.deliverer.deliver_pending(outbound)
    monkeypatch.undo()
    restarted = Deliverer(services.db, services.alerts)
    assert restarted.deliver_pending(outbound).posted == [], "its claim holds until it expires"
    make_due_again(services)  # the claim expires
    report = restarted.deliver_pending(outbound)
    assert len(report.reconciled) == 1 and report.posted == []
    assert list(alert_posts(standin).values()) == [1]
    assert services.alerts.list()[0].status == "posted"


def test_two_deliverers_at_once_post_each_alert_once(
    services: Services, standin: SlackStandIn, outbound
) -> None:  # type: ignore[no-untyped-def]
    tvp = services.members.actor(TVP_MEMBER)
    actor = coordinator(services)
    for ref in ("P1.3", "P1.5", "P1.6", "P4.5"):
        services.actions.set_status(tvp, ref, Status.RED, "off track")
    for ref in ("R1", "R2", "R5", "R6"):
        services.risks.set_level(actor, ref, "impact", "High", "cuts")
    deliverers = [Deliverer(services.db, services.alerts, holder=f"worker-{n}") for n in range(2)]
    start = threading.Barrier(2)

    def run(deliverer: Deliverer) -> None:
        start.wait()
        for _ in range(3):
            deliverer.deliver_pending(outbound, limit=2)

    threads = [threading.Thread(target=run, args=(d,)) for d in deliverers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    posts = alert_posts(standin)
    assert len(posts) == 8 and set(posts.values()) == {1}
    assert services.alerts.pending_count() == 0


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "channel_not_found"])
def test_a_blocked_channel_keeps_alerts_and_tells_coordinators_once(
    slack: SlackHarness,
    services: Services,
    standin: SlackStandIn,
    outbound,
    error: str,  # type: ignore[no-untyped-def]
) -> None:
    services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
    services.risks.set_level(coordinator(services), "R1", "likelihood", "High", "staff leaving")
    standin.block_channel(ALERT_CHANNEL, error)
    for _ in range(2):
        report = services.deliverer.deliver_pending(outbound)
        assert report.blocked and services.alerts.pending_count() == 2
        make_due_again(services)
    dms = [c for c in standin.calls_to("chat.postMessage") if str(c.args.get("channel", "")).startswith("D")]
    assert len(dms) == 1 and dms[0].args["channel"] == f"D{COORDINATOR[1:]}"
    assert "waiting to be posted" in rendered_text(dms[0].args)
    slack.event({"type": "app_home_opened", "user": COORDINATOR, "tab": "home"})
    assert "Risk alerts are waiting to be posted" in rendered_text(
        slack.calls("views.publish")[-1].args["view"]
    )
    standin.unblock_channel(ALERT_CHANNEL)  # someone invites the bot back
    services.deliverer.deliver_pending(outbound)
    assert services.alerts.pending_count() == 0 and services.alerts.problem() is None


def test_no_channel_set_keeps_alerts_queued(
    settings: Settings, clock: SettableClock, standin: SlackStandIn, outbound
) -> None:  # type: ignore[no-untyped-def]
    services = Services.build(settings, now=clock)
    try:
        services.members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
        services.risks.set_level(coordinator(services), "R2", "likelihood", "High", "funding cut")
        assert services.deliverer.deliver_pending(outbound).blocked == "no alert channel is set"
        assert services.alerts.pending_count() == 1
        services.alerts.set_channel(coordinator(services), "C0LATER")
        services.deliverer.deliver_pending(outbound)
        assert services.alerts.pending_count() == 0
        assert standin.calls_to("chat.postMessage")[-1].args["channel"] == "C0LATER"
    finally:
        services.close()


# ---------------------------------------------------------------------- through Slack


def test_a_change_in_slack_posts_its_alert_and_acknowledge_updates_it(
    slack: SlackHarness, services: Services
) -> None:
    reply = slack.ask('risk R2 likelihood high "PCC funding cut announced"', user=COORDINATOR)
    assert f"Alert queued for <#{ALERT_CHANNEL}>" in all_text(reply)
    services.background.drain()
    (post,) = [c for c in slack.calls("chat.postMessage") if c.args.get("channel") == ALERT_CHANNEL]
    ack_button = next(e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["action_id"] == alert_views.ACKNOWLEDGE)  # fmt: skip
    assert slack.action(alert_views.ACKNOWLEDGE, ack_button["value"], user=TVP_MEMBER).status == 200
    (updated,) = slack.calls("chat.update")
    assert updated.args["channel"] == ALERT_CHANNEL
    text = rendered_text(updated.args)
    assert f"Acknowledged by <@{TVP_MEMBER}>" in text
    assert not any(
        e.get("action_id") == alert_views.ACKNOWLEDGE
        for b in updated.args["blocks"]
        for e in b.get("elements", [])
    )
    slack.action(alert_views.ACKNOWLEDGE, ack_button["value"], user=COORDINATOR)
    assert "Already acknowledged" in all_text(slack.hook_posts("action"))
    assert len(slack.calls("chat.update")) == 1
    slack.action(alert_views.VIEW, "risk:R2", user=COORDINATOR)
    assert "Funding/ finance" in all_text(slack.hook_posts("action"))


def test_alerts_channel_from_slack(slack: SlackHarness, services: Services) -> None:
    assert (
        "Only partnership coordinators" in slack.ask("alerts channel <#C0NEW|new>", user=TVP_MEMBER)["text"]
    )
    slack.ask("alerts channel <#C0NEW|csp-alerts>", user=COORDINATOR)
    assert services.alerts.channel() == "C0NEW"
    assert "<#C0NEW>" in rendered_text(slack.ask("alerts"))


def test_heat_map_button_sends_a_png(slack: SlackHarness, services: Services) -> None:
    slack.action("risks_heatmap", "png", user=TVP_MEMBER)
    services.background.drain()
    (completed,) = slack.calls("files.completeUploadExternal")
    assert "risk-register.png" in json.dumps(completed.args) or slack.calls("upload")


# ---------------------------------------------------------------------- the command line


def test_ask_shows_the_alert_it_raised(capsys, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.harness import run_cli as run

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CSP_ALERT_CHANNEL", ALERT_CHANNEL)
    run(capsys, "members", "add", COORDINATOR, "--role", "coordinator")
    code, out, _ = run(
        capsys, "ask", "--json", "--user", COORDINATOR, 'risk R2 likelihood high "funding cut"'
    )
    calls = [c for c in json.loads(out)["api_calls"] if c["method"] == "chat.postMessage"]
    assert code == 0 and len(calls) == 1 and calls[0]["args"]["channel"] == ALERT_CHANNEL
    assert calls[0]["args"]["metadata"]["event_payload"]["alert_key"].startswith("risk:R2:rating:")
    assert calls[0]["preview"] is True, "no token: shown, not posted"


def test_ask_without_a_token_leaves_the_alert_for_a_real_deliverer(
    capsys, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process recorder is not Slack: only a real Slack's answer marks an alert posted."""
    from tests.harness import run_cli as run

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CSP_ALERT_CHANNEL", ALERT_CHANNEL)
    run(capsys, "members", "add", COORDINATOR, "--role", "coordinator")
    code, out, _ = run(capsys, "ask", "--user", COORDINATOR, 'risk R2 likelihood high "funding cut"')
    assert code == 0 and f"Alert queued for <#{ALERT_CHANNEL}>" in out
    assert "(not posted: chat.postMessage to C0ALERTS" in out
    pending = run(capsys, "alerts", "list", "--pending")[1]
    assert "rating_up\tR2\tpending, 0 attempts" in pending
    with SlackStandIn() as real_slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
        monkeypatch.setenv("SLACK_API_URL", real_slack.base_url)
        code, out, _ = run(capsys, "alerts", "run")
        assert code == 0 and "waiting 0." in out
        code, out, _ = run(capsys, "alerts", "run")
        assert code == 0 and "posted 0," in out
        posts = alert_posts(real_slack)  # the periodic pass may add this week's digest: posted once too
        assert [k for k in posts if k.startswith("risk:R2:rating:")] != [] and set(posts.values()) == {1}
    assert run(capsys, "alerts", "list", "--pending")[1].strip() == "Nothing waiting."


def test_slack_unreachable_then_alerts_run_delivers(
    capsys, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.harness import run_cli as run
    from tests.test_cli import _closed_port

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CSP_ALERT_CHANNEL", ALERT_CHANNEL)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{_closed_port()}/api/")
    run(capsys, "members", "add", COORDINATOR, "--role", "coordinator")
    code, out, _ = run(capsys, "ask", "--user", COORDINATOR, 'risk R2 likelihood high "funding cut"')
    assert code == 0 and "now High" in out, "the change is saved"
    assert "pending, 1 attempt," in run(capsys, "alerts", "list", "--pending")[1]
    with SlackStandIn() as slack_back:
        monkeypatch.setenv("SLACK_API_URL", slack_back.base_url)
        with Services.build(Settings(database_url=database_url)).db.transaction() as session:
            session.execute(update(AlertRow).values(next_attempt_at=None))  # the backoff has passed
        code, out, _ = run(capsys, "alerts", "run")
        assert code == 0 and "posted" in out
        assert [k for k in alert_posts(slack_back) if k.startswith("risk:R2:")] != []
        assert set(alert_posts(slack_back).values()) == {1}
    assert run(capsys, "alerts", "list", "--pending")[1].strip() == "Nothing waiting."


def test_alerts_run_needs_a_token_and_report_risks(
    capsys, database_url: str, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.harness import run_cli as run

    monkeypatch.setenv("DATABASE_URL", database_url)
    code, _, err = run(capsys, "alerts", "run")
    assert code == 2 and "SLACK_BOT_TOKEN is not set: it is needed to post alerts" in err
    target = tmp_path / "register.png"
    assert run(capsys, "report", "risks", "--output", str(target))[0] == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    code, out, _ = run(capsys, "report", "risks", "--format", "md")
    assert "R1, R2, R5, R6" in out and "## Risks by rating" in out
