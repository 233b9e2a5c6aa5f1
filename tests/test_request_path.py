"""The lean request path (issue 14): what a look-up builds, loads and checks, and what stays switched on.

A look-up builds only the services it uses, answers the partnership's own names before the national
packs are loaded, and memoises only what is safe to (a clean query's privacy check, a search reply for
one glossary version). The listeners beyond the glossary's are wired once, on first need, however many
requests arrive at once. Signature verification stays on, in front of Bolt and in Bolt.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable

import pytest
from slack_bolt.middleware.request_verification import RequestVerification
from slack_bolt.request import BoltRequest

import bot.privacy as privacy
from bot.container import Services
from bot.offline.signing import signed_headers
from bot.permissions import Actor, Role
from bot.privacy import PersonalDataError
from bot.runtime.authorization import TokenAuthorization
from glossary import packs
from glossary.model import LookupStatus
from handlers import glossary as glossary_handlers
from handlers import home
from handlers.context import CommandContext
from handlers.registry import WireTheRest
from tests.harness import SECRET, SlackHarness

COORDINATOR = Actor(user_id="U0COORD", role=Role.COORDINATOR)


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    """Behaviour of the process, not of the store: once is enough."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the request path does not depend on the database")


# ---------------------------------------------------------------------- what a look-up builds


def test_a_look_up_builds_only_the_glossary_service(sqlite_only: None, slack: SlackHarness) -> None:
    services = slack.services
    reply = slack.ask("acronym MARAC")
    assert "Multi Agency Risk Assessment" in reply["text"]
    assert services.built("glossary") is not None
    for unused in ("achievements", "risks", "plan", "actions", "alerts", "home", "reports", "background"):
        assert services.built(unused) is None, unused


def test_a_service_is_built_once_and_then_shared(sqlite_only: None, services: Services) -> None:
    assert services.built("achievements") is None
    first = services.achievements
    assert services.achievements is first
    assert services.built("plan") is services.plan  # built along the way, for the achievements


def test_concurrent_first_uses_build_a_service_once(sqlite_only: None, services: Services) -> None:
    start = threading.Barrier(8)
    seen: list[object] = []

    def use() -> None:
        start.wait()
        seen.append(services.risks)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(s) for s in seen}) == 1


def test_a_service_can_be_built_another_way_before_its_first_use(
    sqlite_only: None, services: Services
) -> None:
    stand_in = object()
    services.build_instead("deliverer", lambda _services: stand_in)
    assert services.deliverer is stand_in
    with pytest.raises(RuntimeError):
        services.build_instead("deliverer", lambda _services: object())


# ---------------------------------------------------------------------- packs only when needed


def test_the_partnerships_own_hit_is_answered_before_the_packs_load(
    sqlite_only: None, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    real = packs.shipped_packs

    def counted() -> tuple[packs.Pack, ...]:
        loads.append(1)
        return real()

    monkeypatch.setattr("bot.services.glossary.shipped_packs", counted)
    assert services.glossary.lookup("MARAC").status is LookupStatus.FOUND
    assert loads == []
    answer = services.glossary.lookup("AMHP")  # only the national pack holds it
    assert answer.status is LookupStatus.FOUND and isinstance(answer.matches[0], packs.PackEntry)
    assert loads


# ---------------------------------------------------------------------- wiring the rest once


def _app_home_opened(slack: SlackHarness, user: str) -> int:
    body = {
        "type": "event_callback",
        "team_id": slack.team,
        "api_app_id": "A0CSPBOT",
        "event_id": f"Ev{user}{uuid.uuid4().hex}",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
    }
    return slack.post(json.dumps(body), content_type="application/json").status


def test_the_rest_is_wired_once_under_concurrent_first_requests(
    sqlite_only: None, slack: SlackHarness
) -> None:
    app = slack.app
    wiring = next(m for m in app._middleware_list if isinstance(m, WireTheRest))
    assert not wiring.wired
    before = len(app._listeners)
    slack.ask("acronym MARAC")  # a slash command needs none of them
    assert not wiring.wired and len(app._listeners) == before

    calls: list[int] = []
    real = wiring.wire

    def counted() -> None:
        calls.append(1)
        real()

    wiring.wire = counted  # type: ignore[method-assign]
    start = threading.Barrier(6)
    statuses: list[int] = []

    def first_request(n: int) -> None:
        start.wait()
        statuses.append(_app_home_opened(slack, f"U0HOME{n}"))

    threads = [threading.Thread(target=first_request, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.services.background.drain()
    assert statuses == [200] * 6
    assert wiring.wired and calls  # some requests raced to wire; the lock let one do it
    wired = [
        listener for listener in app._listeners if listener.ack_function.__wrapped__ is home.app_home_opened
    ]
    assert len(wired) == 1
    count = len(app._listeners)
    assert _app_home_opened(slack, "U0HOMELATE") == 200
    assert len(app._listeners) == count


# ---------------------------------------------------------------------- memoised, and invalidated


def _search(services: Services, query: str) -> object:
    ctx = CommandContext(services=services, user_id="U0ANYONE", channel_id="C0", trigger_id=None, client=None)  # type: ignore[arg-type]
    return glossary_handlers.search(ctx, query)


def test_a_glossary_change_invalidates_the_remembered_search_reply(
    sqlite_only: None, services: Services
) -> None:
    first = _search(services, "exploitation")
    assert _search(services, "exploitation") is first  # remembered: the same reply, not rendered again
    services.glossary.add(COORDINATOR, "CCE", "Child Criminal Exploitation")
    after = _search(services, "exploitation")
    assert after is not first
    assert "CCE" in after.text and "CCE" not in first.text  # type: ignore[attr-defined]


def test_a_remembered_look_up_is_still_counted_and_a_change_answers_it_anew(
    sqlite_only: None, slack: SlackHarness
) -> None:
    glossary = slack.services.glossary
    first = slack.ask("acronym ZQXV")
    assert slack.ask("acronym ZQXV") == first  # the same reply, from memory
    glossary.usage.flush()
    assert [(gap.query, gap.count) for gap in glossary.gaps(COORDINATOR)] == [("zqxv", 2)]  # both counted
    glossary.add(COORDINATOR, "ZQXV", "Zonal Quarterly Review")
    assert "Zonal Quarterly Review" in slack.ask("acronym ZQXV")["text"]
    assert "Zonal Quarterly Review" in slack.ask("ZQXV")["text"]  # the bare look-up too


def test_a_search_refused_for_personal_data_is_not_remembered(sqlite_only: None, services: Services) -> None:
    query = "jane.doe@example.com"
    for _ in range(2):
        with pytest.raises(PersonalDataError):
            _search(services, query)
    assert all(query not in str(key) for key in services.glossary._remembered)


def test_a_clean_query_is_checked_once_and_personal_data_is_never_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks: list[str] = []
    real: Callable[[str], list[privacy.PersonalDataFinding]] = privacy.find_personal_data

    def counted(text: str) -> list[privacy.PersonalDataFinding]:
        checks.append(text)
        return real(text)

    monkeypatch.setattr(privacy, "find_personal_data", counted)
    # new to this process, and letters only: a run of digits could look like a phone number
    clean = "acronym MARAC " + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
    privacy.ensure_no_personal_data(clean)
    privacy.ensure_no_personal_data(clean)
    assert not privacy.contains_personal_data(clean)
    assert checks == [clean]

    personal = "call 07700 900123 about it"
    for _ in range(2):
        with pytest.raises(PersonalDataError):
            privacy.ensure_no_personal_data(personal)
    assert checks.count(personal) == 2
    assert personal not in privacy._CLEAN


# ---------------------------------------------------------------------- what stays switched on


def test_signature_verification_still_rejects_a_bad_signature(sqlite_only: None, slack: SlackHarness) -> None:
    body = "command=%2Fcsp&text=MARAC&user_id=U1&team_id=T0CSP&trigger_id=1.2.3"
    assert slack.post(body, secret="not-the-secret").status == 401  # the guard in front of Bolt
    # and Bolt's own check, for a request that reached it some other way
    assert any(isinstance(m, RequestVerification) for m in slack.app._middleware_list)
    forged = BoltRequest(body=body, headers=signed_headers("not-the-secret", body))
    assert slack.app.dispatch(forged).status == 401
    signed = BoltRequest(body=body, headers=signed_headers(SECRET, body))
    assert slack.app.dispatch(signed).status == 200


def test_bolt_calls_the_token_authorization_directly(sqlite_only: None, slack: SlackHarness) -> None:
    assert isinstance(slack.app._authorize, TokenAuthorization)
    assert slack.ask("acronym MARAC")["text"]
    assert slack.ask("acronym MARAC")["text"]
    # the bot's identity is asked of Slack once, then each workspace's answer is reused
    assert sum(1 for call in slack.standin.calls if call.method == "auth.test") == 1
