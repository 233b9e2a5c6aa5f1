"""Slack retries and double clicks are handled once, through keys in the shared database."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from bot.offline.signing import signed_headers, slash_command_body
from bot.permissions import Actor, Role
from bot.services.dedupe import RequestKeys
from bot.views import glossary as views
from tests.harness import SECRET, SlackHarness


def test_a_double_clicked_share_posts_once(slack: SlackHarness) -> None:
    reply = slack.ask("acronym MARAC")
    share = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert slack.action(views.SHARE, share["value"], user="U0A").status == 200
    assert slack.action(views.SHARE, share["value"], user="U0A").status == 200
    shared = [p for p in slack.hook_posts("action") if p.get("response_type") == "in_channel"]
    assert len(shared) == 1


def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    envelope = {
        "team_id": "T0CSP",
        "api_app_id": "A0CSPBOT",
        "type": "event_callback",
        "event_id": "Ev0RETRIED",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U0A", "tab": "home"},
    }
    body = json.dumps(envelope)
    from bot.offline.signing import call_wsgi

    first = call_wsgi(
        slack.wsgi, body=body, headers=signed_headers(SECRET, body, content_type="application/json")
    )
    retry_headers = {**signed_headers(SECRET, body, content_type="application/json"), "X-Slack-Retry-Num": "1",
                     "X-Slack-Retry-Reason": "http_timeout"}  # fmt: skip
    retried = call_wsgi(slack.wsgi, body=body, headers=retry_headers)
    assert (first.status, retried.status) == (200, 200)
    assert len(slack.calls("views.publish")) == 1


def test_a_double_submitted_form_logs_once(slack: SlackHarness) -> None:
    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    slack.command("log", user="U0TVP")
    view = slack.calls("views.open")[0].args["view"]
    values = {"priority": "1", "text": "5 ABCs issued", "date": "2025-06-01"}
    before = len(slack.services.achievements.list())
    slack.submit_form(view, values, "U0TVP")
    slack.submit_form(view, values, "U0TVP")
    assert len(slack.services.achievements.list()) == before + 1
    slack.submit_form(view, {**values, "text": "6 ABCs issued"}, "U0TVP")  # different answers: a new one
    assert len(slack.services.achievements.list()) == before + 2


def test_a_key_is_new_again_after_its_window(services) -> None:  # type: ignore[no-untyped-def]
    keys = RequestKeys(services.db)
    assert keys.first("action:x", window=timedelta(seconds=60))
    assert not keys.first("action:x", window=timedelta(seconds=60))
    assert keys.first("action:x", window=timedelta(seconds=0))


def test_two_workers_claim_one_key_once(services) -> None:  # type: ignore[no-untyped-def]
    keys = [RequestKeys(services.db), RequestKeys(services.db)]
    start = threading.Barrier(2)
    results: list[bool] = []

    def claim(k: RequestKeys) -> None:
        start.wait()
        results.append(k.first("event:Ev0SAME"))

    threads = [threading.Thread(target=claim, args=(k,)) for k in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]


def _age_request_keys(slack: SlackHarness, by: timedelta) -> None:
    """As if ``by`` had passed since every key was claimed: no sleeping in tests."""
    from sqlalchemy import select

    from store.models import RequestKey

    with slack.services.db.transaction() as session:
        for row in session.scalars(select(RequestKey)):
            row.seen_at = row.seen_at - by


def test_a_replayed_slash_command_writes_once(slack: SlackHarness) -> None:
    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    body = slash_command_body(
        "log P2 TVP ran 3 workshops",
        user_id="U0TVP",
        channel_id="C0X",
        response_url=slack.standin.response_url(),
    )
    before = len(slack.services.achievements.list())
    first = slack.post(body)
    assert "workshops" in json.dumps(first.json())
    _age_request_keys(slack, timedelta(minutes=4))  # still inside Slack's five-minute signature window
    replies = [slack.post(body) for _ in range(3)]
    assert [(r.status, r.body) for r in replies] == [(200, b"")] * 3  # acknowledged, nothing done
    assert len(slack.services.achievements.list()) == before + 1


def test_a_replayed_look_up_is_answered_again(slack: SlackHarness) -> None:
    body = slash_command_body(
        "acronym MARAC", user_id="U0A", channel_id="C0X", response_url=slack.standin.response_url()
    )
    for _ in range(2):
        assert "Multi Agency Risk Assessment Committee" in json.dumps(slack.post(body).json())


def test_a_replayed_form_or_button_is_handled_once_even_after_the_double_click_window(
    slack: SlackHarness,
) -> None:
    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    slack.command("log", user="U0TVP")
    view = slack.calls("views.open")[0].args["view"]
    values = {"priority": "1", "text": "5 ABCs issued", "date": "2025-06-01"}
    before = len(slack.services.achievements.list())
    captured: list[str] = []
    original = slack.post

    def post_and_keep(body: str, **kwargs):  # type: ignore[no-untyped-def]
        captured.append(body)
        return original(body, **kwargs)

    slack.post = post_and_keep  # type: ignore[method-assign]
    slack.submit_form(view, values, "U0TVP")
    slack.post = original  # type: ignore[method-assign]
    _age_request_keys(slack, timedelta(minutes=4))  # the double-click key has lapsed; the trigger's has not
    assert slack.post(captured[0]).body == b""
    assert len(slack.services.achievements.list()) == before + 1

    reply = slack.ask("acronym MARAC")
    share = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    slack.post = post_and_keep  # type: ignore[method-assign]
    slack.action(views.SHARE, share["value"], user="U0A")
    slack.post = original  # type: ignore[method-assign]
    _age_request_keys(slack, timedelta(minutes=4))
    slack.post(captured[-1])
    shared = [p for p in slack.hook_posts("action") if p.get("response_type") == "in_channel"]
    assert len(shared) == 1
    # a new click (a new trigger_id) after the double-click window is a new share
    slack.action(views.SHARE, share["value"], user="U0A")
    assert len([p for p in slack.hook_posts("action") if p.get("response_type") == "in_channel"]) == 2


def _log_body(slack: SlackHarness, text: str, trigger: str) -> str:
    return slash_command_body(
        text, user_id="U0TVP", channel_id="C0X", response_url=slack.standin.response_url(), trigger_id=trigger
    )


def test_a_log_claims_its_key_in_its_own_transaction(slack: SlackHarness) -> None:
    """One write transaction holds the key's claim and the log: a copy of the command that slipped
    past the read (it raced the original) finds the key claimed inside its write and writes nothing."""
    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    keys = RequestKeys(slack.services.db)
    assert keys.first("trigger:T0RACED")  # the original's claim, committed first
    before = len(slack.services.achievements.list())
    # the copy read the key before the original's commit: simulate by not seeing it
    original_seen = RequestKeys.seen
    RequestKeys.seen = lambda self, key, window=None: False  # type: ignore[method-assign, assignment, misc]
    try:
        copy = slack.post(_log_body(slack, "log P2 TVP ran 3 workshops", "T0RACED"))
    finally:
        RequestKeys.seen = original_seen  # type: ignore[method-assign]
    assert (copy.status, copy.body) == (200, b"")  # acknowledged, not run
    assert len(slack.services.achievements.list()) == before
    assert not slack.calls("views.publish")  # nothing queued for the Home either


def test_a_command_that_writes_nothing_still_has_its_key_claimed(slack: SlackHarness) -> None:
    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    body = _log_body(slack, "log", "T0FORM")  # opens the achievement form: no write
    assert slack.post(body).status == 200
    assert len(slack.calls("views.open")) == 1
    assert RequestKeys(slack.services.db).seen("trigger:T0FORM")
    assert slack.post(body).body == b""  # the replay opens nothing
    assert len(slack.calls("views.open")) == 1


def test_a_refused_log_has_its_key_claimed_and_its_replay_is_not_run(slack: SlackHarness) -> None:
    """Personal data refused before any write: the key is claimed once the command is done."""
    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    body = _log_body(slack, "log P1 called 07700 900123 about the case", "T0REFUSED")
    first = slack.post(body)
    assert first.status == 200 and b"not logged" in first.body.lower()
    assert slack.post(body).body == b""
    assert not [a for a in slack.services.achievements.list() if "07700" in a.text]


def test_a_failed_write_rolls_its_claim_back_and_the_key_is_claimed_after(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import achievements

    slack.services.members.add(Actor.operator(), "U0TVP", Role.MEMBER, "TVP")
    before = len(slack.services.achievements.list())

    class Broken:
        def execute(self, *_args: object) -> None:
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(achievements, "_LOG_CHANGE", Broken())  # fails after the claim and the row
    body = _log_body(slack, "log P2 TVP ran 3 workshops", "T0BROKEN")
    reply = slack.post(body)
    assert reply.status == 200 and b"went wrong" in reply.body.lower()
    assert len(slack.services.achievements.list()) == before  # the claim and the row rolled back
    assert RequestKeys(slack.services.db).seen("trigger:T0BROKEN")  # claimed after: a replay is not run
    monkeypatch.undo()
    assert slack.post(body).body == b""
    assert len(slack.services.achievements.list()) == before


def test_a_first_write_runs_its_owed_statement_once_and_commits_or_rolls_back_with_it(services) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    db = services.db
    ran: list[str] = []

    def owed(connection) -> None:  # type: ignore[no-untyped-def]
        ran.append("owed")
        connection.execute(text("INSERT INTO request_keys (key, seen_at) VALUES ('owed', '2026-01-01')"))

    def stored() -> bool:
        with db.read() as session:
            return session.execute(text("SELECT 1 FROM request_keys WHERE key = 'owed'")).first() is not None

    with db.with_first_write(owed) as first:
        with pytest.raises(RuntimeError), db.statements():
            raise RuntimeError("rolled back")
        assert ran == ["owed"] and not first.done and not stored()
        with db.transaction():
            pass
        assert ran == ["owed", "owed"] and first.done and stored()
        with db.statements():
            pass
        assert ran == ["owed", "owed"]  # once committed, later writes do not run it again
    with db.statements():
        pass
    assert len(ran) == 2  # outside the block nothing is owed
