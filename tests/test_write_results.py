"""A write returns what it changed and the alerts it raised; a no-op writes nothing; replies say what happened."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.container import Services
from bot.permissions import Actor, Role
from bot.services.actions import Status
from bot.settings import Settings
from store.models import ActionChange, AlertRow, AuditEvent, RiskChange
from tests.harness import SlackHarness, all_text

ROOT = Path(__file__).resolve().parents[1]
COORDINATOR = "U0COORD"
TVP_MEMBER = "U0TVP"
ALERT_CHANNEL = "C0ALERTS"


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:  # overrides the shared one: with an alert channel
    built = Services.build(settings.model_copy(update={"csp_alert_channel": ALERT_CHANNEL}))
    built.members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
    built.members.add(Actor.operator(), TVP_MEMBER, Role.MEMBER, "TVP")
    yield built
    built.close()


def written(services: Services) -> tuple[int, int, int, int]:
    """Rows of history, audit and outbox: what a write leaves behind."""
    with services.db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (RiskChange, ActionChange, AuditEvent, AlertRow)
        )


# ---------------------------------------------------------------------- the contract, in the code


OUTBOX_READS = re.compile(r"pending_count|last_id|after_id|AlertRow|alerts\.list\(|alerts\.get\(")


def test_no_handler_or_offline_code_reads_the_outbox_to_learn_what_a_write_raised() -> None:
    """The write's result says what it raised; counting the outbox before and after is wrong under load."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("handlers", "bot/offline")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTBOX_READS.search(line)
    ]
    assert offenders == []


# ---------------------------------------------------------------------- services: the result is the truth


def test_a_rating_rise_returns_its_change_and_the_alert_it_raised(services: Services) -> None:
    result = services.risks.set_level(
        services.members.actor(COORDINATOR), "R2", "likelihood", "High", "funding cut"
    )
    assert result.changed and result.risk.rating == "High"
    assert result.change is not None
    assert (result.change.field, result.change.before, result.change.after) == (
        "likelihood",
        "Medium",
        "High",
    )
    (alert,) = result.raised.alerts
    assert result.raised.channel == ALERT_CHANNEL
    (stored,) = services.alerts.list()
    assert (alert.id, alert.key, alert.kind, alert.status) == (stored.id, stored.key, "rating_up", "pending")


def test_a_change_that_raises_nothing_returns_no_alerts(services: Services) -> None:
    result = services.risks.set_level(
        services.members.actor(COORDINATOR), "R2", "impact", "Low", "smaller cuts than feared"
    )
    assert result.changed and result.raised.alerts == () and result.raised.channel is None


def test_trigger_add_and_red_return_their_alerts(services: Services) -> None:
    coordinator = services.members.actor(COORDINATOR)
    triggered = services.risks.trigger(coordinator, "R1", "two key staff left")
    added = services.risks.add(
        coordinator, description="County lines", likelihood="High", impact="Medium", preventative="p",
        contingent="c", owner="Coordinator",
    )  # fmt: skip
    red = services.actions.set_status(services.members.actor(TVP_MEMBER), "P1.6", Status.RED, "funding cut")
    kinds = [r.raised.alerts[0].kind for r in (triggered, added, red)]
    assert kinds == ["contingency_triggered", "new_risk", "action_red"]
    assert {a.id for a in services.alerts.list()} == {r.raised.alerts[0].id for r in (triggered, added, red)}
    assert red.change is not None and (red.change.before, red.change.after) == ("not_started", "red")


def test_no_alert_channel_is_part_of_the_result(settings: Settings) -> None:
    services = Services.build(settings)
    try:
        services.members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
        result = services.risks.set_level(
            services.members.actor(COORDINATOR), "R2", "likelihood", "High", "funding cut"
        )
        assert len(result.raised.alerts) == 1 and result.raised.channel is None
    finally:
        services.close()


# ---------------------------------------------------------------------- a no-op writes nothing


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.risks.set_level(s.members.actor(COORDINATOR), "R2", "likelihood", "Medium", "x"),
        lambda s: s.risks.set_owner(s.members.actor(COORDINATOR), "R2", s.risks.get("R2").owner),
        lambda s: s.actions.set_status(s.members.actor(TVP_MEMBER), "P1.6", Status.NOT_STARTED),
        lambda s: s.actions.set_lead(s.members.actor(COORDINATOR), "P1.6", "TVP"),
        lambda s: s.actions.set_due(s.members.actor(COORDINATOR), "P1.6", s.actions.get("P1.6").due_date),
    ],
    ids=["risk level", "risk owner", "action status", "action lead", "action due date"],
)
def test_a_change_to_the_value_it_already_has_writes_nothing(services: Services, write) -> None:  # type: ignore[no-untyped-def]
    before = written(services)
    result = write(services)
    assert not result.changed and result.change is None and result.raised.alerts == ()
    assert written(services) == before


def test_the_same_status_with_the_same_reason_writes_nothing_but_a_new_reason_is_an_update(
    services: Services,
) -> None:
    tvp = services.members.actor(TVP_MEMBER)
    services.actions.set_status(tvp, "P1.6", Status.RED, "funding cut")
    before = written(services)
    assert not services.actions.set_status(tvp, "P1.6", Status.RED, "  funding   cut ").changed
    assert written(services) == before
    again = services.actions.set_status(tvp, "P1.6", Status.RED, "funding cut, and the lead left")
    assert again.changed and again.raised.alerts == (), "still red: no second alert"


def test_permission_is_checked_before_a_no_op_is_recognised(services: Services) -> None:
    from bot.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.risks.set_level(services.members.actor(TVP_MEMBER), "R2", "likelihood", "Medium", "x")


# ---------------------------------------------------------------------- through Slack


@pytest.fixture
def slack(standin, settings: Settings, services: Services) -> SlackHarness:  # type: ignore[no-untyped-def]
    return SlackHarness(settings, services, standin)


def test_the_reply_says_where_the_alert_went_and_it_is_posted(
    slack: SlackHarness, services: Services
) -> None:
    reply = slack.ask('risk R2 likelihood high "funding cut"', user=COORDINATOR)
    assert f"Alert queued for <#{ALERT_CHANNEL}>" in all_text(reply)
    services.background.drain()
    (post,) = [c for c in slack.calls("chat.postMessage") if c.args.get("channel") == ALERT_CHANNEL]
    assert post.args["metadata"]["event_payload"]["alert_key"] == services.alerts.list()[0].key
    assert services.alerts.pending_count() == 0


def test_an_alert_raised_elsewhere_meanwhile_is_not_claimed_as_this_changes(
    slack: SlackHarness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker's alert lands between this write and its reply: the reply must not take it as its own."""
    original = services.risks.set_level

    def and_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(*args, **kwargs)
        services.actions.set_status(services.members.actor(TVP_MEMBER), "P1.6", Status.RED, "funding cut")
        return result

    monkeypatch.setattr(services.risks, "set_level", and_meanwhile)
    reply = slack.ask('risk R2 impact low "smaller cuts"', user=COORDINATOR)
    assert "now Low" in all_text(reply) and "alert" not in all_text(reply).lower()


def test_an_alert_posted_elsewhere_meanwhile_does_not_hide_this_ones(
    slack: SlackHarness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deliverer posts a waiting alert while this write raises one: the count stays the same, the truth not."""
    services.actions.set_status(services.members.actor(TVP_MEMBER), "P1.6", Status.RED, "funding cut")
    original = services.risks.set_level

    def and_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(*args, **kwargs)
        with services.db.transaction() as session:
            session.execute(update(AlertRow).where(AlertRow.kind == "action_red").values(status="posted"))
        return result

    monkeypatch.setattr(services.risks, "set_level", and_meanwhile)
    reply = slack.ask('risk R2 likelihood high "funding cut"', user=COORDINATOR)
    assert f"Alert queued for <#{ALERT_CHANNEL}>" in all_text(reply)


def test_no_alert_channel_is_said_plainly(settings: Settings, standin) -> None:  # type: ignore[no-untyped-def]
    services = Services.build(settings)
    try:
        services.members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
        slack = SlackHarness(settings, services, standin)
        text = all_text(slack.ask('risk R2 likelihood high "funding cut"', user=COORDINATOR))
        assert "The alert channel has been told" not in text
        assert "No alert channel is set, so no alert was posted" in text
        assert "/csp alerts channel #channel" in text
        services.background.drain()
        assert services.alerts.pending_count() == 1
    finally:
        services.close()


def test_no_op_changes_in_slack_are_friendly_and_write_nothing(
    slack: SlackHarness, services: Services
) -> None:
    before = written(services)
    reply = slack.ask('risk R2 likelihood medium "x"', user=COORDINATOR)
    assert reply["text"] == "R2's likelihood is already Medium; nothing changed."
    reply = slack.ask("action P1.6 not started", user=TVP_MEMBER)
    assert reply["text"] == "P1.6 is already not started; nothing changed."
    reply = slack.ask("action P1.6 lead TVP", user=COORDINATOR)
    assert reply["text"] == "P1.6's lead is already TVP; nothing changed."
    due = services.actions.get("P1.6").due_date
    reply = slack.ask(f"action P1.6 due {due.isoformat()}", user=COORDINATOR)
    assert reply["text"] == f"P1.6 is already due {due:%-d %B %Y}; nothing changed."
    assert written(services) == before
    slack.ask("action P1.6 due 2031-03-31", user=COORDINATOR)  # a real change still lands
    assert services.actions.get("P1.6").due_date == date(2031, 3, 31) and written(services) != before
