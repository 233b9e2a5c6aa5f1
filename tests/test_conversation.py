"""Questions in plain words: @csp-bot in a channel (answered in the thread) and direct messages (in the DM).

Every request is a signed Events API body through the real app; the last test goes through a real
`csp-bot serve` over HTTP. What Slack would show is read back from the local Web API stand-in.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.offline.signing import call_wsgi, signed_headers
from bot.offline.slack_standin import SlackStandIn
from glossary.model import EntryKind
from handlers.questions import Ask, Question, clean_message, parse_question
from tests.conftest import COORDINATOR
from tests.harness import (
    SECRET,
    SIGNING_SECRET,
    SlackHarness,
    all_text,
    assert_valid_message,
    http_post,
    serving,
)

BOT = "UCSPBOT"  # the stand-in's bot user
ASKER = "U0ASKER"
CHANNEL = "C0GENERAL"
DM = "D0ASKER"

# ---------------------------------------------------------------------- the words


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (f"<@{BOT}> what does MARAC stand for?", Question(Ask.LOOKUP, "MARAC")),
        ("what is a cpn", Question(Ask.LOOKUP, "cpn")),
        ("What's a PCSO?", Question(Ask.LOOKUP, "PCSO")),
        ("IDVA?", Question(Ask.LOOKUP, "IDVA")),
        ("what does IDVA mean?", Question(Ask.LOOKUP, "IDVA")),
        ("what is CSE short for?", Question(Ask.LOOKUP, "CSE", EntryKind.ACRONYM)),
        ("define hate crime", Question(Ask.LOOKUP, "hate crime", EntryKind.TERM)),
        (
            "what's the meaning of anti-social behaviour",
            Question(Ask.LOOKUP, "anti-social behaviour", EntryKind.TERM),
        ),
        ("who are the YOS?", Question(Ask.LOOKUP, "YOS")),
        ("can you tell me what is a MARAC please", Question(Ask.LOOKUP, "MARAC")),
        ("tell me about county lines", Question(Ask.LOOKUP, "county lines")),
        ("please, please: what is MARAC? please!", Question(Ask.LOOKUP, "MARAC")),
        ("do you know what's an ASBI pls", Question(Ask.LOOKUP, "ASBI")),
        ("search exploitation", Question(Ask.SEARCH, "exploitation")),
        ("find domestic abuse", Question(Ask.SEARCH, "domestic abuse")),
        ("explain MARAC", Question(Ask.LOOKUP, "MARAC")),
        (
            "explain the MARAC and CPN update from the board",
            Question(Ask.EXPLAIN, "the MARAC and CPN update from the board"),
        ),
        ("Prolific and priority offender", Question(Ask.LOOKUP, "Prolific and priority offender")),
        ("hi", Question(Ask.CHAT)),
        (f"thanks <@{BOT}>!", Question(Ask.CHAT)),
        ("ok great, cheers", Question(Ask.CHAT)),
        ("what is", Question(Ask.CHAT)),
        ("define", Question(Ask.CHAT)),
        ("search for a", Question(Ask.CHAT)),
        ("", Question(Ask.CHAT)),
        ("I was wondering whether anyone knows where the meeting is today", Question(Ask.CHAT)),
    ],
)
def test_plain_words_become_the_slash_commands_call(typed: str, expected: Question) -> None:
    assert parse_question(typed) == expected


@given(st.text(max_size=300))
def test_any_message_parses_to_something_typed_in_it(typed: str) -> None:
    question = parse_question(typed)
    assert (question.ask is Ask.CHAT) == (question.text == "")
    assert question.text in clean_message(typed)
    assert "<@" not in question.text


# ---------------------------------------------------------------------- through the app


_EVENT_IDS = itertools.count(1)


def _event(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "deprecated",
            "team_id": "T0CSP",
            "api_app_id": "A0CSPBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev0{next(_EVENT_IDS)}",
            "event_time": 1764000000,  # Slack's, as sent; the app reads no time from it
            "authorizations": [{"team_id": "T0CSP", "user_id": BOT, "is_bot": True}],
        }
    )


def mention(text: str, ts: str = "1764000000.000100", **extra: Any) -> dict[str, Any]:
    return {"type": "app_mention", "user": ASKER, "text": f"<@{BOT}> {text}", "ts": ts, "channel": CHANNEL,
            "event_ts": ts, **extra}  # fmt: skip


def direct(text: str, ts: str = "1764000000.000200", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": ASKER, "text": text, "ts": ts, "channel": DM,
            "event_ts": ts, **extra}  # fmt: skip


def _send(slack: SlackHarness, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0) -> int:
    body = _event(event, event_id)
    headers = signed_headers(SECRET, body, content_type="application/json")
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return call_wsgi(slack.wsgi, body=body, headers=headers).status


def _posted(standin: SlackStandIn, count: int = 1, method: str = "chat.postMessage") -> list[dict[str, Any]]:
    standin.wait_for(method, count)
    time.sleep(0.2)  # nothing more may arrive
    return [c.args for c in standin.calls_to(method)]


def test_a_mention_is_answered_in_its_thread(slack: SlackHarness, standin: SlackStandIn) -> None:
    assert _send(slack, mention("what does MARAC stand for?")) == 200
    (posted,) = _posted(standin)
    assert (posted["channel"], posted["thread_ts"]) == (CHANNEL, "1764000000.000100")
    assert posted["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert_valid_message(posted)
    assert "glossary_share" not in all_text(posted)  # already public: no Share button
    assert standin.calls_to("chat.postEphemeral") == []


def test_a_mention_inside_a_thread_answers_in_that_thread(slack: SlackHarness, standin: SlackStandIn) -> None:
    _send(slack, mention("CPN?", ts="1764000000.000900", thread_ts="1764000000.000001"))
    (posted,) = _posted(standin)
    assert posted["thread_ts"] == "1764000000.000001"
    assert "Community Protection Notice" in all_text(posted)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("what is a cpn", "Community Protection Notice"),
        ("define hate crime", "Hate Crime"),
        ("search exploitation", "for *exploitation*"),
        ("what is the MASH?", "Multi Agency Safeguarding Hub"),
    ],
)
def test_a_direct_message_is_answered_in_the_dm(
    slack: SlackHarness, standin: SlackStandIn, typed: str, shown: str
) -> None:
    _send(slack, direct(typed))
    (posted,) = _posted(standin)
    assert posted["channel"] == DM and posted.get("thread_ts") is None
    assert shown in all_text(posted)
    assert_valid_message(posted)


def test_a_dm_written_in_a_thread_is_answered_in_that_thread(
    slack: SlackHarness, standin: SlackStandIn
) -> None:
    _send(slack, direct("and MASH?", ts="1764000000.000700", thread_ts="1764000000.000600"))
    (posted,) = _posted(standin)
    assert (posted["channel"], posted["thread_ts"]) == (DM, "1764000000.000600")
    assert "Multi Agency Safeguarding Hub" in posted["text"]


def test_an_unknown_acronym_is_offered_never_answered(
    slack: SlackHarness, standin: SlackStandIn, people: dict[str, str]
) -> None:
    """IDVA is not DVA with a letter more: the same "never invents" as the slash command. With the
    national pack on, IDVA is answered as what it is, labelled; with it off, DVA is only offered."""
    _send(slack, direct("IDVA?"))
    (posted,) = _posted(standin)
    assert posted["text"].startswith("IDVA: Independent Domestic Violence Adviser")
    assert "National usage" in all_text(posted)
    slack.ask("glossary packs off uk-national", user=people["coordinator"])
    _send(slack, direct("IDVA?", ts="1764000000.000300"))
    offered = _posted(standin, 2)[-1]
    assert offered["text"].startswith("I couldn't find IDVA. Did you mean:")
    assert offered["text"] == slack.ask("IDVA")["text"]  # the slash command's very words


def test_a_dm_that_asks_nothing_gets_a_friendly_line(slack: SlackHarness, standin: SlackStandIn) -> None:
    _send(slack, direct("hello!"))
    (posted,) = _posted(standin)
    assert posted["channel"] == DM and "what does MARAC stand for?" in posted["text"]


def test_a_mention_that_asks_nothing_is_answered_to_the_asker_only(
    slack: SlackHarness, standin: SlackStandIn
) -> None:
    _send(slack, mention("thanks!"))
    (private,) = _posted(standin, method="chat.postEphemeral")
    assert (private["channel"], private["user"], private["thread_ts"]) == (
        CHANNEL,
        ASKER,
        "1764000000.000100",
    )
    assert "@csp-bot what does MARAC stand for?" in private["text"]
    assert standin.calls_to("chat.postMessage") == []


def test_personal_data_is_refused_privately_and_never_counted(
    slack: SlackHarness, standin: SlackStandIn, people: dict[str, str]
) -> None:
    _send(slack, mention("what is 07700 900123"))
    (refusal,) = _posted(standin, method="chat.postEphemeral")
    assert "07700" not in all_text(refusal) and "phone number" in refusal["text"]
    _send(slack, direct("what is 07700 900123", ts="1764000000.000300"))
    _send(slack, direct("what is XQZW", ts="1764000000.000400"))
    posts = _posted(standin, 2)
    assert "07700" not in all_text(posts)
    slack.services.glossary.usage.flush()
    gaps = [g.query for g in slack.services.glossary.gaps(slack.services.members.actor(COORDINATOR))]
    assert "xqzw" in gaps
    assert not [g for g in gaps if "07700" in g or "900123" in g]


def test_own_messages_edits_and_retries_are_not_answered(slack: SlackHarness, standin: SlackStandIn) -> None:
    assert _send(slack, direct("MARAC", bot_id="BCSPBOT", user=BOT)) == 200  # the bot's own message
    assert _send(slack, direct("MARAC", bot_id="B0OTHER")) == 200  # another app's
    edited = {"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": DM,
              "message": {"user": ASKER, "text": "MARAC"}, "ts": "1764000000.000500"}  # fmt: skip
    assert _send(slack, edited) == 200
    assert _send(slack, direct("MARAC", subtype="thread_broadcast")) == 200
    assert _send(slack, {**mention("MARAC"), "channel": DM}) == 200  # a DM's mention: message.im answers it
    assert _send(slack, {**direct("MARAC"), "channel_type": "channel", "channel": CHANNEL}) == 200
    time.sleep(0.3)
    assert standin.calls_to("chat.postMessage") == []

    first = _send(slack, direct("MARAC"), event_id="Ev0RETRIED")
    again = [_send(slack, direct("MARAC"), event_id="Ev0RETRIED", retry=n) for n in (1, 2, 3)]
    assert first == 200 and again == [200, 200, 200]
    assert len(_posted(standin)) == 1


# ---------------------------------------------------------------------- the real HTTP path


def test_mentions_and_dms_through_a_real_server(database_url: str, standin: SlackStandIn) -> None:
    with serving(database_url, standin, SLACK_BOT_TOKEN="xoxb-serve-test") as (port, _):

        def post(event: dict[str, Any], event_id: str, retry: int = 0) -> int:
            body = _event(event, event_id)
            headers = signed_headers(SIGNING_SECRET, body, content_type="application/json")
            if retry:
                headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            return http_post(port, body, headers)[0]

        assert post(mention("what does MARAC stand for?"), "Ev0HTTP1") == 200
        assert post(direct("what is a cpn"), "Ev0HTTP2") == 200
        assert post(direct("what is a cpn"), "Ev0HTTP2", retry=1) == 200  # Slack's retry: handled once
        assert post(direct("MARAC", bot_id="BCSPBOT", user=BOT), "Ev0HTTP3") == 200
        calls = standin.wait_for("chat.postMessage", 2, timeout=10)
        time.sleep(0.5)
        calls = standin.calls_to("chat.postMessage")
    assert len(calls) == 2
    by_channel = {c.args["channel"]: c.args for c in calls}
    assert by_channel[CHANNEL]["thread_ts"] == "1764000000.000100"
    assert by_channel[CHANNEL]["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert by_channel[DM].get("thread_ts") is None
    assert "Community Protection Notice" in by_channel[DM]["text"] + all_text(by_channel[DM])
    assert "Community Psychiatric Nurse" in all_text(by_channel[DM])  # both meanings, as /csp cpn gives
    assert [c.status for c in calls] == [200, 200]


def test_a_did_you_mean_pick_under_a_posted_answer_replaces_it_without_share(
    slack: SlackHarness, standin: SlackStandIn
) -> None:
    from bot.offline.signing import interaction_body, new_trigger_id

    entry_id = slack.services.glossary.answer("MARAC").result.matches[0].id
    payload = {
        "type": "block_actions", "team": {"id": "T0CSP"}, "user": {"id": ASKER}, "api_app_id": "A0CSPBOT",
        "container": {"type": "message", "message_ts": "1764000000.000101", "channel_id": CHANNEL, "is_ephemeral": False},
        "trigger_id": new_trigger_id(), "channel": {"id": CHANNEL}, "response_url": standin.response_url("thread"),
        "actions": [{"action_id": "glossary_show_0", "block_id": "b", "type": "button", "value": entry_id}],
    }  # fmt: skip
    assert slack.post(interaction_body(payload)).status == 200
    (replaced,) = slack.hook_posts("thread")
    assert replaced["replace_original"] is True and "Multi Agency Risk Assessment" in replaced["text"]
    assert "glossary_share" not in all_text(replaced)
