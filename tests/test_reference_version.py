"""The plan data a worker keeps (issue 14): every write to the plans, priorities, plan years,
organisations or members moves the reference-data version on in its own transaction, and a worker
that kept a copy sees an edit made through another worker (a second container on the same database)
on its next request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select, update

from bot.clock import SettableClock
from bot.container import Services
from bot.permissions import Actor, Role
from bot.services.actions import Status
from bot.settings import Settings
from store.db import request_scope
from store.models import AppState, OrganisationRow
from store.reference import REFERENCE_VERSION
from tests.harness import SlackHarness, all_text

ACTIONS = (
    "priority,priority_title,ref,action,leads,due\n"
    "1,Reducing serious violence,P1.1,Run a knife crime awareness week in schools,TVP,2026-12-31\n"
    "2,Tackling anti-social behaviour,P2.1,Hold four joint action days,WDC,\n"
)
OPERATOR = Actor.operator()


@pytest.fixture
def other(settings: Settings, clock: SettableClock, services: Services) -> Iterator[Services]:
    """Another worker: its own container, engine and caches, on the same database."""
    built = Services.build(settings, now=clock)
    yield built
    built.close()


def _version(services: Services) -> str | None:
    with services.db.read() as session:
        return session.scalar(select(AppState.value).where(AppState.name == REFERENCE_VERSION))


def _log(slack: SlackHarness, text: str, user: str) -> str:
    return all_text(slack.ask(f"log {text}", user=user))


def test_a_renamed_priority_is_seen_by_the_next_log_in_another_worker(
    slack: SlackHarness, other: Services, people: dict[str, str]
) -> None:
    member = people["member"]
    before = _log(slack, "P1 secured four Criminal Behaviour Orders", member)
    title = slack.services.plan.priority(1).title
    assert f"P1 {title}" in before
    other.planning.edit_priority(OPERATOR, "P1", "Reducing serious violence")
    after = _log(slack, "P1 ran a knife crime week", member)
    assert "P1 Reducing serious violence" in after and title not in after


def test_an_organisation_added_or_retired_elsewhere_is_seen_by_the_next_log(
    slack: SlackHarness, other: Services, people: dict[str, str]
) -> None:
    coordinator = people["coordinator"]
    assert "for BC" not in _log(slack, "P1 BC opened a youth hub", coordinator)
    other.planning.add_organisation(OPERATOR, "BC", "Buckinghamshire Council")
    assert "for BC" in _log(slack, "P1 BC opened a second youth hub", coordinator)
    other.planning.retire_organisation(OPERATOR, "BC")
    assert "for BC" not in _log(slack, "P1 BC opened a third youth hub", coordinator)


def test_a_new_plan_and_a_rollover_elsewhere_are_seen_by_the_next_request(
    slack: SlackHarness, other: Services, people: dict[str, str]
) -> None:
    coordinator = people["coordinator"]
    assert "Logged under P1" in _log(slack, "P1 secured four Criminal Behaviour Orders", coordinator)
    other.planning.new_plan(OPERATOR, "Plan 2026–2029", date(2026, 4, 1), date(2029, 3, 31))
    assert "no priorities yet" in _log(slack, "P1 ran a knife crime week", coordinator)
    other.planning.import_actions(OPERATOR, "a.csv", ACTIONS.encode(), "2026/27", apply=True)
    assert "P1 Reducing serious violence" in _log(slack, "P1 ran a knife crime week", coordinator)
    with request_scope():
        assert slack.services.plan.current_year() == "2026/27"
    other.planning.rollover(OPERATOR, "2027/28", apply=True)
    with request_scope():
        assert slack.services.plan.current_year() == "2027/28"


def test_every_kind_of_reference_write_moves_the_version_on_and_a_status_change_does_not(
    services: Services, people: dict[str, str]
) -> None:
    seen = [_version(services)]

    def moved() -> bool:
        seen.append(_version(services))
        return seen[-1] != seen[-2]

    services.planning.add_organisation(OPERATOR, "BC", "Buckinghamshire Council")
    assert moved()
    services.planning.new_plan(OPERATOR, "Plan 2026–2029", date(2026, 4, 1), date(2029, 3, 31))
    assert moved()
    services.planning.add_priority(OPERATOR, "Violence")
    assert moved()
    services.planning.edit_priority(OPERATOR, "P1", "Reducing serious violence")
    assert moved()
    services.planning.import_actions(OPERATOR, "a.csv", ACTIONS.encode(), "2026/27", apply=True)
    assert moved()
    services.actions.set_status(OPERATOR, "P1.1", Status.GREEN)
    assert not moved(), "an action's status is not reference data"
    services.planning.rollover(OPERATOR, "2027/28", apply=True)
    assert moved()
    services.members.add(OPERATOR, "U0NEWBIE", Role.MEMBER, "BC")
    assert moved()
    services.members.remove(OPERATOR, "U0NEWBIE")
    assert moved()
    services.data_protection.erase(OPERATOR, people["member"], apply=True)
    assert moved(), "the erasure deletes a member"
    services.achievements.log(Actor(people["coordinator"], Role.COORDINATOR, "WDC"), "ran a week", priority=1)
    assert not moved(), "an achievement is not reference data"


def test_a_change_made_in_a_request_is_read_back_in_the_same_request(services: Services) -> None:
    with request_scope():
        assert services.plan.organisation("TVP").short == "TVP"
        services.planning.add_organisation(OPERATOR, "BC", "Buckinghamshire Council")
        assert services.plan.organisation("BC").name == "Buckinghamshire Council"


def test_a_write_outside_the_services_moves_the_version_on_too(services: Services) -> None:
    """A session's events move it, so a write added later cannot forget to: a change to a row read first,
    an insert or a Core statement as the transaction's first statement, each once per transaction."""
    versions = [_version(services)]
    with services.db.transaction() as session:
        session.get_one(OrganisationRow, "TVP").name = "Thames Valley Police (renamed)"
    versions.append(_version(services))
    with services.db.transaction() as session:
        session.add(OrganisationRow(short="BC", name="Buckinghamshire Council", position=99))
    versions.append(_version(services))
    with services.db.transaction() as session:
        session.execute(
            update(OrganisationRow).where(OrganisationRow.short == "BC").values(name="BC Council")
        )
        session.add(OrganisationRow(short="FIRE", name="Fire and Rescue", position=100))
    versions.append(_version(services))
    assert [int(v or 0) - int(versions[0] or 0) for v in versions] == [0, 1, 2, 3]
    assert services.plan.organisation("TVP").name == "Thames Valley Police (renamed)"
    assert services.plan.organisation("BC").name == "BC Council"
