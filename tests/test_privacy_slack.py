"""Issue 13 end to end: what officers really type into ``/csp log`` is refused with a masked rendering and a
**Log it like this** button, on the real signed request path; the button stores only the masked text; and
nothing the guard refused reaches the database, the logs, the outbox or any Slack call."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import MetaData, select, text

from bot.clock import LONDON
from bot.container import Services
from bot.permissions import Actor, Role
from bot.privacy import WITHHELD, find_personal_data, mask_personal_data, screened
from bot.views import plan as views
from store.models import AchievementRow
from tests.harness import SlackHarness, all_text, assert_valid_message, assert_valid_view

TVP_MEMBER = "U0TVP"

# Every example at the top of issue 13, with the parts that must never be stored, logged or echoed.
ISSUE_EXAMPLES: list[tuple[str, tuple[str, ...]]] = [
    ("Visited the Smith family at 22 Desborough Road, High Wycombe", ("Smith", "22 Desborough")),
    ("Victim (female, 34) from Castlefield referred to MARAC", ("female, 34",)),
    ("Missing girl Chloe, 14, found in Slough", ("Chloe",)),
    ("Tom Jones, 15, of Micklefield School excluded", ("Tom Jones",)),
    ("Vehicle reg AB12 CDE seen at the cuckooed flat", ("AB12 CDE",)),
    ("NI number QQ 12 34 56 C passed to DWP", ("QQ 12 34 56 C",)),
    ("the victim, Jane Smith, moved", ("Jane Smith",)),
    ("Victim jane smith", ("jane smith",)),
    ("VICTIM JANE SMITH", ("JANE SMITH",)),
    ("Jane Doe attended the panel", ("Jane Doe",)),
    ("Met Sarah Jones and her two children at the refuge", ("Sarah Jones",)),
    ("Flat 3, 45 Totteridge Road – closure order granted", ("45 Totteridge", "Flat 3")),
]
FRAGMENTS = sorted({fragment for _, fragments in ISSUE_EXAMPLES for fragment in fragments})


@pytest.fixture
def member(services: Services) -> str:
    services.members.add(Actor.operator(), TVP_MEMBER, Role.MEMBER, "TVP")
    return TVP_MEMBER


def _log_button(reply: dict[str, Any]) -> dict[str, Any]:
    for block in reply["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == views.ACHIEVEMENT_LOG_MASKED:
                return element
    raise AssertionError("no Log it like this button")


def _texts(services: Services) -> list[str]:
    with services.db.read() as session:
        return [
            row.text
            for row in session.scalars(select(AchievementRow).where(AchievementRow.logged_by == TVP_MEMBER))
        ]


def test_the_masked_renderings_say_where(services: Services) -> None:
    assert mask_personal_data(ISSUE_EXAMPLES[0][0]) == "Visited [a family] at [an address], High Wycombe"
    assert mask_personal_data("Flat 3, 45 Totteridge Road – closure order granted") == (
        "[an address] – closure order granted"
    )
    assert mask_personal_data("the victim, Jane Smith, moved") == "the victim, [a name], moved"
    for example, _ in ISSUE_EXAMPLES:
        assert find_personal_data(example), example
        assert mask_personal_data(example) and not find_personal_data(mask_personal_data(example))


@pytest.mark.parametrize(("example", "fragments"), ISSUE_EXAMPLES, ids=range(len(ISSUE_EXAMPLES)))
def test_each_issue_example_is_refused_and_the_button_logs_only_the_masked_text(
    slack: SlackHarness, member: str, example: str, fragments: tuple[str, ...]
) -> None:
    reply = slack.ask(f"log P1 {example}", user=member)
    shown = json.dumps(reply, ensure_ascii=False)
    for fragment in fragments:
        assert fragment not in shown
    masked = mask_personal_data(example)
    assert "I can't take that" in all_text(reply)
    button = _log_button(reply)
    assert json.loads(button["value"])["text"] == masked and json.loads(button["value"])["priority"] == 1
    assert _texts(slack.services) == []  # nothing saved yet

    clicked = slack.action(views.ACHIEVEMENT_LOG_MASKED, button["value"], user=member)
    assert clicked.status == 200
    assert _texts(slack.services) == [" ".join(masked.split())]
    (posted,) = slack.hook_posts("action")
    assert_valid_message(posted)
    assert "Logged under *P1" in all_text(posted)


def test_without_a_priority_the_refusal_comes_before_the_form_and_the_button_opens_it_masked(
    slack: SlackHarness, member: str
) -> None:
    example = ISSUE_EXAMPLES[0][0]
    reply = slack.ask(f"log {example}", user=member)
    assert not slack.calls("views.open")  # the form would have shown the text again
    button = _log_button(reply)
    assert json.loads(button["value"])["priority"] is None
    slack.action(views.ACHIEVEMENT_LOG_MASKED, button["value"], user=member)
    (call,) = slack.calls("views.open")
    view = call.args["view"]
    assert_valid_view(view)
    assert any(
        b.get("element", {}).get("initial_value") == mask_personal_data(example) for b in view["blocks"]
    )


def test_a_forged_button_is_still_checked_by_the_service(slack: SlackHarness, member: str) -> None:
    forged = json.dumps({"text": "Victim Jane Smith", "priority": 1, "organisation": None, "date": None})
    response = slack.action(views.ACHIEVEMENT_LOG_MASKED, forged, user=member)
    assert response.status == 200
    assert _texts(slack.services) == []
    assert "Jane Smith" not in json.dumps([c.args for c in slack.standin.calls])
    slack.action(views.ACHIEVEMENT_LOG_MASKED, "not json", user=member)
    assert "expired" in json.dumps(slack.hook_posts("action"))


def _database_dump(services: Services) -> str:
    metadata = MetaData()
    metadata.reflect(services.db.engine, schema=getattr(services.db, "schema", None))
    rows: list[str] = []
    with services.db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows.extend(repr(tuple(row)) for row in connection.execute(select(table)))
        connection.execute(text("SELECT 1"))
    return "\n".join(rows)


def test_refused_text_appears_nowhere(
    slack: SlackHarness, member: str, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    for example, _ in ISSUE_EXAMPLES:
        for command in (f"log P1 {example}", f"log {example}", f"log P2 2025-06-01 TVP {example}"):
            response = slack.command(command, user=member)
            bodies.append(response.body.decode("utf-8", "replace"))
            reply = response.json()
            if reply and any(b.get("type") == "actions" for b in reply.get("blocks", [])):
                slack.action(views.ACHIEVEMENT_LOG_MASKED, _log_button(reply)["value"], user=member)
    services.alerts.run_periodic("test")  # the outbox: alerts and any digest that is due
    stored = _database_dump(services)
    calls = json.dumps([c.args for c in slack.standin.calls], ensure_ascii=False)
    assert "[a name]" in stored and "[an address]" in stored  # the masked versions were logged
    for fragment in FRAGMENTS:
        assert fragment not in stored, fragment
        assert fragment not in caplog.text, fragment
        assert fragment not in calls, fragment
        assert all(fragment not in body for body in bodies), fragment


def test_the_digest_quotes_old_rows_only_masked(services: Services, clock: Any, member: str) -> None:
    clock.moment = datetime(2026, 11, 25, 14, 0, tzinfo=LONDON)
    services.achievements.log(services.members.actor(member), "12 ABCs issued", priority=1)
    with services.db.transaction() as session:  # a row from before a rule existed
        row = session.scalars(select(AchievementRow).where(AchievementRow.logged_by == member)).one()
        row.text = "12 ABCs issued, one to Tom Jones, 15, of 4 Mill End Close"
    clock.moment = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    services.alerts.run_periodic("test")
    (digest,) = [a for a in services.alerts.list() if a.kind == "digest"]
    quoted = [a["text"] for a in digest.payload["achievements"]]
    assert quoted == ["12 ABCs issued, one to [a name], of [an address]"]


def test_screened_passes_clean_text_and_masks_the_rest() -> None:
    assert screened(None) is None and screened("") == ""
    assert screened("12 ABCs issued in Castlefield") == "12 ABCs issued in Castlefield"
    assert screened("Mrs Smith") == "[a name]"
    assert WITHHELD and not find_personal_data(WITHHELD)


@pytest.mark.parametrize(
    "key", ["Victim Penalty", "Victim Support Unit", "Suspect Interview", "Child Penalty", "Offender Manager"]
)
def test_title_case_glossary_names_are_not_names(key: str) -> None:
    """Issue 14: synthetic glossary keys are Title Case word pairs, not people."""
    assert find_personal_data(key) == []
    assert find_personal_data(f"{key}: a term used in the partnership's reports") == []


def test_reports_quote_old_rows_only_masked(services: Services, member: str) -> None:
    services.achievements.log(services.members.actor(member), "12 ABCs issued", priority=1)
    with services.db.transaction() as session:  # a row from before a rule existed
        row = session.scalars(select(AchievementRow).where(AchievementRow.logged_by == member)).one()
        row.text = "12 ABCs issued, one to the Okafor family"
    texts = [a.text for a in services.reports.achievements("all").achievements if a.logged_by == member]
    assert texts == ["12 ABCs issued, one to [a family]"]
