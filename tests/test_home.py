"""The App Home: risks with their trend, reviews due and unacknowledged alerts (issue 12 §3), and the
glossary search box that answers in place (issue 10 §3). Dates come from the pinned clock only."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from bot.clock import LONDON, SettableClock
from bot.container import Services
from bot.offline.signing import interaction_body, new_trigger_id
from bot.permissions import Actor, Role
from bot.services.risks import Trend
from bot.views.home import HOME_BLOCK_LIMIT, PICK, SEARCH, SEARCH_BLOCK
from tests.conftest import COORDINATOR, MEMBER
from tests.harness import SlackHarness, all_text, assert_valid_view, rendered_text
from tests.mrkdwn import mrkdwn_texts, problems

# ---------------------------------------------------------------------- the service


def test_trends_compare_each_risk_with_itself_a_quarter_ago(
    services: Services, people: dict[str, str], clock: SettableClock
) -> None:
    coordinator = services.members.actor(COORDINATOR)
    services.risks.set_level(coordinator, "R2", "likelihood", "High", "county lines displacement")
    services.risks.set_level(coordinator, "R5", "impact", "Low", "funding secured")
    services.risks.set_level(coordinator, "R6", "likelihood", "High", "partner restructure")
    services.risks.set_level(coordinator, "R6", "likelihood", "Medium", "restructure postponed")
    added = services.risks.add(
        coordinator, description="Exploitation moves online", likelihood="Medium", impact="High",
        preventative="Online safety sessions", contingent="Escalate to the county group", owner="CSP coordinator",
    ).risk  # fmt: skip

    overview = services.risks.overview("TVP")
    assert (overview.today, overview.since, overview.review_until) == (
        date(2026, 11, 24),
        date(2026, 8, 24),
        date(2026, 12, 24),
    )
    trends = {t.risk.ref: t for t in overview.risks}
    assert (trends["R2"].trend, trends["R2"].rating_before, trends["R2"].risk.rating) == (
        Trend.UP,
        "Medium",
        "High",
    )
    assert (trends["R5"].trend, trends["R5"].rating_before) == (Trend.DOWN, "Medium")
    assert trends["R6"].trend is Trend.SAME  # up and back down again within the quarter
    assert trends["R1"].trend is Trend.SAME
    assert trends[added.ref].trend is Trend.NEW and trends[added.ref].rating_before is None
    ratings = [t.risk.score for t in overview.risks]
    assert ratings == sorted(ratings, reverse=True)  # nobody at TVP owns one yet: highest first
    assert overview.reviews_due == []  # the first reviews fall due on 24 February 2027

    clock.moment = datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)  # the changes are now over a quarter old
    later = services.risks.overview("TVP")
    assert {t.risk.ref: t.trend for t in later.risks}["R2"] is Trend.SAME
    assert {t.risk.ref: t.trend for t in later.risks}[added.ref] is Trend.SAME


def test_reviews_due_within_30_days_and_the_viewers_risks_first(
    services: Services, people: dict[str, str], clock: SettableClock
) -> None:
    coordinator = services.members.actor(COORDINATOR)
    services.risks.set_owner(coordinator, "R6", "TVP")
    services.risks.review(coordinator, "R4", date(2027, 6, 30))

    clock.moment = datetime(2027, 1, 25, 9, 0, tzinfo=LONDON)  # 24 Feb is 30 days away: due
    overview = services.risks.overview("TVP")
    assert overview.risks[0].risk.ref == "R6"  # TVP's own first, though others are rated higher
    assert [r.ref for r in overview.reviews_due] == ["R6", "R1", "R2", "R3", "R5", "R7"]
    assert services.risks.overview("WDC").reviews_due[0].ref == "R1"

    clock.moment = datetime(2027, 1, 24, 9, 0, tzinfo=LONDON)  # 31 days away: not yet
    assert services.risks.overview("TVP").reviews_due == []

    clock.moment = datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
    overdue = services.risks.overview(None).reviews_due
    assert [r.ref for r in overdue] == ["R1", "R2", "R3", "R5", "R6", "R7"]
    assert all(r.review_overdue for r in overdue)


def test_unacknowledged_alerts_newest_first_each_once(services: Services, people: dict[str, str]) -> None:
    coordinator = services.members.actor(COORDINATOR)
    first = services.risks.set_level(coordinator, "R1", "impact", "High", "staff cuts").raised.alerts[0]
    second = services.risks.set_level(coordinator, "R6", "impact", "High", "buy-in lost").raised.alerts[0]
    alerts, total = services.alerts.unacknowledged()
    assert total == 2 and [a.id for a in alerts] == [second.id, first.id]
    services.alerts.acknowledge(services.members.actor(MEMBER), first.id)
    alerts, total = services.alerts.unacknowledged(limit=1)
    assert total == 1 and [a.id for a in alerts] == [second.id]


# ---------------------------------------------------------------------- what people see


def _home(slack: SlackHarness, user: str) -> dict[str, Any]:
    slack.standin.clear()
    slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    view = slack.calls("views.publish")[-1].args["view"]
    assert_valid_view(view)
    for text in mrkdwn_texts(view):
        assert problems(text) == [], text
    return view


def test_the_home_shows_risks_trends_reviews_and_alerts_to_everyone(
    slack: SlackHarness, people: dict[str, str], clock: SettableClock
) -> None:
    services = slack.services
    coordinator = services.members.actor(COORDINATOR)
    services.risks.set_owner(coordinator, "R3", "TVP")
    services.risks.set_level(coordinator, "R2", "likelihood", "High", "county lines displacement")
    clock.moment = datetime(2027, 2, 1, 9, 0, tzinfo=LONDON)

    member = rendered_text(_home(slack, MEMBER))
    own, others = member.index("*TVP's risks*"), member.index("*Other risks, highest rating first*")
    assert (
        own
        < others
        < member.index("*Reviews due by 3 March 2027*")
        < member.index("*Alerts not yet acknowledged*")
    )
    assert ":large_green_circle: Low *R3*" in member[own:others]  # rating in words beside its colour
    assert ":red_circle: High *R2* (High × Medium) · ↑ up from Medium" in member
    assert "• *R3* 24 February 2027 (in 23 days) · TVP" in member
    assert "Risk R2: rating up, Medium ↑ High · waiting to be posted" in member
    assert "against 1 November 2026" in member

    outsider = rendered_text(_home(slack, "U0NOBODY"))  # for everyone, members or not
    assert "*Top risks, highest rating first*" in outsider and "TVP's risks" not in outsider
    assert "Risk R2: rating up" in outsider

    services.alerts.acknowledge(services.members.actor(MEMBER), services.alerts.unacknowledged()[0][0].id)
    assert "None: every alert has been acknowledged." in rendered_text(_home(slack, MEMBER))


def test_a_crowded_register_stays_within_block_kits_limits(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    services = slack.services
    coordinator = services.members.actor(COORDINATOR)
    for n in range(40):
        services.risks.add(
            coordinator, description=f"Risk number {n} " + "long words " * 40, likelihood="High", impact="High",
            preventative="Something preventative", contingent="Something contingent", owner="WDC", owner_org="WDC",
        )  # fmt: skip
    view = _home(slack, COORDINATOR)
    assert len(view["blocks"]) < HOME_BLOCK_LIMIT / 2
    text = rendered_text(view)
    assert "…and 34 more: `/csp risks` shows them all." in text  # WDC's: six shown of 40
    assert "…and 35 more: members acknowledge them in the alert channel." in text  # 5 of 40 alerts shown
    assert "*For coordinators*" in text  # nothing cut from the end
    assert all(len(t) <= 3000 for t in mrkdwn_texts(view))


# ---------------------------------------------------------------------- the search box


def _typed(slack: SlackHarness, value: str | None, *, user: str = "U0ANYONE", action: str = SEARCH) -> int:
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team, "domain": "csp"},
        "user": {"id": user, "team_id": slack.team},
        "api_app_id": "A0CSPBOT",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": new_trigger_id(),
        "view": {"id": "V0HOME", "type": "home", "hash": "1.2", "blocks": []},
        "actions": [
            {"type": "plain_text_input", "action_id": action, "block_id": SEARCH_BLOCK, "value": value,
             "action_ts": "1764000000.000001"}
            if action == SEARCH
            else {"type": "button", "action_id": action, "block_id": "b", "value": value, "action_ts": "1.1"}
        ],
    }  # fmt: skip
    slack.standin.clear()
    return slack.post(interaction_body(payload)).status


def _published(slack: SlackHarness, user: str = "U0ANYONE") -> tuple[dict[str, Any], str]:
    (call,) = slack.calls("views.publish")
    assert call.args["user_id"] == user
    view = call.args["view"]
    assert_valid_view(view)
    for text in mrkdwn_texts(view):
        assert problems(text) == [], text
    return view, rendered_text(view)


def _answer_part(text: str) -> str:
    """What sits between the search box and the guide under it."""
    return text.split("*More ways to ask*")[0]


def test_the_search_box_answers_in_place(slack: SlackHarness) -> None:
    assert _typed(slack, "what does MARAC stand for?") == 200
    view, text = _published(slack)
    assert view["blocks"][2]["block_id"] == SEARCH_BLOCK and view["blocks"][2]["dispatch_action"] is True
    answer = _answer_part(text)
    assert "*MARAC*: Multi Agency Risk Assessment Committee" in answer
    assert "Source: Appendix B" in answer
    assert "glossary_share" not in all_text(view) and "glossary_search" not in all_text(view)
    assert "*Alerts not yet acknowledged*" in text  # the rest of the Home is still there


def test_the_search_box_never_invents_and_its_picks_answer_in_place(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    _typed(slack, "IDVA")
    _, text = _published(slack)
    assert "*IDVA*: Independent Domestic Violence Adviser" in _answer_part(text)  # the national pack's
    slack.ask("glossary packs off uk-national", user=people["coordinator"])
    assert _typed(slack, "IDVA") == 200
    view, text = _published(slack)
    assert "I couldn't find *IDVA*. Did you mean:" in _answer_part(text)
    picks = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [p["action_id"] for p in picks] == [f"{PICK}_0"] and picks[0]["text"]["text"] == "DVA"

    _typed(slack, picks[0]["value"], action=picks[0]["action_id"])
    _, text = _published(slack)
    assert "*DVA*: Domestic Violence and Abuse" in _answer_part(text)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("search exploitation", "for *exploitation*, best first"),
        ("define hate crime", "*Hate Crime*"),
        ("*bold* <b> ~x~", "I don't have *∗bold∗ &lt;b&gt; ∼x∼* in the glossary"),
        ("hello", "Type an acronym, a term or a question"),
    ],
)
def test_the_search_box_reads_plain_words_and_escapes_them(
    slack: SlackHarness, typed: str, shown: str
) -> None:
    _typed(slack, typed)
    _, text = _published(slack)
    assert shown in _answer_part(text)


def test_the_search_box_refuses_personal_data_and_never_counts_it(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    _typed(slack, "what is 07700 900123")
    view, text = _published(slack)
    assert "phone number" in _answer_part(text) and "07700" not in json.dumps(view)
    _typed(slack, None)  # Enter on an empty box: the Home without an answer
    view, _ = _published(slack)
    assert view["blocks"][3]["text"]["text"].startswith("*More ways to ask*")  # straight after the box
    slack.services.glossary.usage.flush()
    assert slack.services.glossary.gaps(slack.services.members.actor(COORDINATOR)) == []


def test_the_search_box_works_for_a_member_and_keeps_their_dashboard(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    slack.services.members.add(Actor.operator(), "U0YOS", Role.MEMBER, "YOS")
    _typed(slack, "CPN", user="U0YOS")
    _, text = _published(slack, "U0YOS")
    assert "*CPN* has 2 meanings:" in _answer_part(text)
    assert "*YOS's actions*" in text and "*YOS's risks*" in text


def test_a_search_answer_is_not_wiped_by_a_refresh_still_waiting(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    member = people["member"]
    slack.services.home_refresh.delay = 30  # so the refresh is surely still waiting when the search comes
    slack.ask("log P1 ran a street-drinking patrol", user=member)  # queues a Home refresh for a moment later
    assert _typed(slack, "MARAC", user=member) == 200
    slack.services.background.drain()  # starts whatever still waits at once
    *_, last = slack.calls("views.publish")  # the search box's answer is still what the tab shows
    assert "Multi Agency Risk Assessment Committee" in rendered_text(last.args["view"])
    assert "ran a street-drinking patrol" in rendered_text(last.args["view"])  # and the log is on it
