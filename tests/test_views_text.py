"""The escape every piece of typed text passes through, and the phrasing helpers views share:
London times, counts, names, sentences, mentions. Pure functions: no database, no Slack."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.permissions import Actor, Role
from bot.services.alerts import Raised
from bot.services.glossary import Change, Gap, GlossaryAnswer
from bot.views import alerts, glossary, members, plan, risks
from bot.views.text import (
    BIDI_CONTROLS,
    LOOKALIKES,
    QUOTE_LOOKALIKE,
    escape,
    inline_quote,
    local_time,
    markup,
    name_and_detail,
    plural,
    quote,
    then,
    time_and_day,
    unescape,
)
from glossary.model import LookupResult, LookupStatus
from tests import mrkdwn
from tests.view_samples import (
    ACTION,
    COORDINATOR,
    DIGEST,
    HISTORY,
    MEMBER,
    RATING_UP,
    RISK,
    SUGGESTED,
    SUMMER,
    alert,
    samples,
)

#: the characters that make mrkdwn, break lines or reorder text, mixed with ordinary ones
_NASTY = st.sampled_from(
    [
        *"*_~`<>&@!#|:. \t\n\r\x0b\x0c\x1c\x85\u2028\u2029\xa0\u200b\u2060\ufeff",
        *BIDI_CONTROLS,
        "a",
        "Z",
        "1",
        "&gt;",
        "&amp;",
        "<!channel>",
        "<@U0BOSS>",
        "```",
        "**",
        "é",
    ]
)
TYPED = st.one_of(st.text(), st.lists(_NASTY, max_size=40).map("".join))
_MARKUP = set("*_~`<>")
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _shown(reply: Any) -> str:
    """Every text of a reply as Slack gets it: fallback text and mrkdwn."""
    message = reply.message()
    return "\n".join([message["text"], *mrkdwn.mrkdwn_texts(message["blocks"])])


def _lines(text: str) -> list[str]:
    return text.splitlines() or [""]


def _starts_a_quote(line: str) -> bool:
    return line.lstrip(" \t\u00a0\u200b\u200c\u200d\u2060\ufeff\f\v").startswith((">", "&gt;"))


# ---------------------------------------------------------------------- the escape (property tests)


@given(TYPED)
def test_escaped_text_can_never_make_markup_a_mention_or_a_bidi_override(typed: str) -> None:
    shown = escape(typed)
    assert not _MARKUP & set(shown), "no bold, italic, strike, code, mention or link can form"
    assert not set(BIDI_CONTROLS) & set(shown)
    assert not any(_starts_a_quote(line) for line in _lines(shown)), "no line can open a block quote"
    # and none of it disturbs the app's own markup around it
    for template in ("*Reason:* {}", "• *R2* {} · _Used by_ {}", "*Owner:* {}\n*Next:* {}"):
        text = template.format(shown, shown)
        assert mrkdwn.problems(text) == [], text


@given(TYPED)
def test_escaped_text_still_reads_as_typed(typed: str) -> None:
    lookalikes = {*LOOKALIKES.values(), QUOTE_LOOKALIKE}
    if lookalikes & set(typed):
        return  # someone typing the lookalikes themselves reads them back as the plain characters
    assert unescape(escape(typed)) == "".join(ch for ch in typed if ch not in BIDI_CONTROLS)


@given(TYPED)
def test_a_quote_is_every_line_behind_one_quote_mark(typed: str) -> None:
    quoted = quote(typed)
    assert not _MARKUP - {">"} & set(quoted) and not set(BIDI_CONTROLS) & set(quoted)
    for line in quoted.split("\n"):
        assert line.startswith(">") and not _starts_a_quote(line[1:]), line
        assert ">" not in line[1:]
    assert not set(_LINE_BREAKS) - {"\n"} & set(quoted)


@given(TYPED)
def test_an_inline_quote_stays_on_its_line(typed: str) -> None:
    quoted = inline_quote(typed)
    assert quoted.startswith("“") and quoted.endswith("”")
    assert not set(_LINE_BREAKS) & set(quoted) and not _MARKUP & set(quoted)


@given(TYPED)
def test_app_text_keeps_its_markup_but_cannot_ping_or_reorder(typed: str) -> None:
    shown = markup(typed)
    assert "<" not in shown and ">" not in shown and not set(BIDI_CONTROLS) & set(shown)


def test_escape_examples() -> None:
    assert escape("*up* 40% <!channel>") == "\u2217up\u2217 40% &lt;!channel&gt;"
    assert escape("> not a quote\n  > nor this") == "\u203a not a quote\n  \u203a nor this"
    assert escape("Low \u202eHGIH\u202c") == "Low HGIH"
    assert escape("a > b & c") == "a &gt; b &amp; c"
    assert quote("one\n> two") == ">one\n>\u203a two"


# ---------------------------------------------------------------------- user text in the alert channel


def test_a_reason_in_an_alert_is_quoted_and_cannot_restyle_it() -> None:
    reason = "*URGENT* ```everyone out``` \u202ehgih\u202c"
    reply = alerts.alert_reply(alert("rating_up", {**RATING_UP.payload, "reason": reason}))
    why = next(
        b["text"]["text"]
        for b in reply.message()["blocks"]
        if "Changed by" in b.get("text", {}).get("text", "")
    )
    assert why == (
        "*Changed by* <@U0COORD>, who gave this reason:\n"
        ">\u2217URGENT\u2217 \u02cb\u02cb\u02cbeveryone out\u02cb\u02cb\u02cb hgih"
    )


def test_the_alert_headline_is_bold_once() -> None:
    first = alerts.alert_reply(RATING_UP).message()["blocks"][0]["text"]["text"]
    assert first == ":red_circle: *Risk R3: rating up, Low ↑ High*"
    new = alerts.alert_reply(alert("new_risk", {**RATING_UP.payload, "rating_from": None}))
    assert new.message()["blocks"][0]["text"]["text"] == ":red_circle: *New risk R3 at High*"
    assert alerts.alert_reply(RATING_UP).text.startswith("Risk R3: rating up, Low ↑ High: ")


# ---------------------------------------------------------------------- London time


def test_local_time_is_london_and_a_naive_time_is_utc() -> None:
    assert f"{local_time(datetime(2026, 7, 1, 13, 5, tzinfo=UTC)):%H:%M}" == "14:05"  # BST
    assert f"{local_time(datetime(2026, 7, 1, 13, 5)):%H:%M}" == "14:05"  # naive, from SQLite  # noqa: DTZ001
    assert f"{local_time(datetime(2026, 1, 15, 9, 30)):%H:%M}" == "09:30"  # GMT  # noqa: DTZ001
    assert time_and_day(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "00:30 on 2 Jul 2026"


def test_times_people_see_are_london_times() -> None:
    history = _shown(plan.action_reply(ACTION, HISTORY, can_update=False))
    assert "• 14:05 on 1 Jul 2026, <@U0TVP>" in history and "• 09:30 on 15 Jan 2026" in history
    acknowledged = _shown(alerts.alert_reply(alert("rating_up", RATING_UP.payload, acknowledged=True)))
    assert "Acknowledged by <@U0TVP> at 14:05 on 1 Jul 2026" in acknowledged
    assert "raised 09:30 on 15 Jan 2026" in acknowledged, "naive times from SQLite are shown too"
    changes = [Change("edit", "U0COORD", SUMMER, {"text": "a"}, {"text": "b"})]
    assert "• 14:05 on 1 Jul 2026: *edit* by <@U0COORD>" in _shown(glossary.history_reply("NPS", changes))
    gaps = _shown(glossary.gaps_reply([Gap("xqzw", 2, datetime(2026, 6, 30, 23, 30))]))  # noqa: DTZ001
    assert "last 1 Jul 2026" in gaps, "a date is London's date too"
    # a naive SQLite time just before midnight UTC is already the next day in summer
    assert "updated 1 Jul by" in plan.action_line(replace(ACTION, updated_at=datetime(2026, 6, 30, 23, 30)))  # noqa: DTZ001


# ---------------------------------------------------------------------- small slips


def test_counts_agree_with_their_nouns() -> None:
    assert (plural(1, "red action"), plural(2, "red action"), plural(0, "red action")) == (
        "1 red action",
        "2 red actions",
        "0 red actions",
    )
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"
    assert "1 red action, 1 achievement" in alerts.alert_reply(DIGEST).text
    assert glossary.pending_reply([(SUGGESTED, "U0TVP1")]).text == "1 glossary suggestion to review"
    assert members.members_reply([MEMBER]).text == "1 member"


def test_an_organisation_is_named_once_when_short_and_long_agree() -> None:
    assert name_and_detail("TVP", "TVP") == "TVP" and name_and_detail("TVP", None) == "TVP"
    assert name_and_detail("TVP", "Thames Valley Police") == "TVP (Thames Valley Police)"
    assert "*Owner:* TVP\n" in _shown(alerts.alert_reply(RATING_UP))
    assert "*Owner:* TVP\n" in _shown(risks.risk_reply(RISK, []))
    assert "for PCC." in members.whoami_reply(Actor("U0X", Role.MEMBER, "PCC"), "PCC").text
    assert (
        "for WDC (Wycombe District Council)."
        in members.whoami_reply(COORDINATOR, "Wycombe District Council").text
    )


def test_a_sentence_and_a_label_share_one_stop() -> None:
    assert then("burglary.", "Reason: x") == "burglary. Reason: x"
    assert then("burglary", "Reason: x") == "burglary. Reason: x"
    assert then("a &gt;", "R") == "a &gt;. R", "an escaped > is not a full stop"
    line = plan.action_line(replace(ACTION, text="Reduce burglary.", reason="officers redeployed"))
    assert "burglary. Reason: “officers redeployed”" in line and ".:" not in line
    assert ".." not in risks.risk_changed_reply(RISK, "owner now W.D.C.", Raised()).text


def test_people_are_mentions_never_bare_ids() -> None:
    found = GlossaryAnswer(LookupResult(query="x", status=LookupStatus.FOUND, matches=(SUGGESTED,)))
    footer = _shown(glossary.answer_reply(found))
    assert "Suggested in Slack by <@U0TVP1>" in footer
    bare_id = re.compile(r"(?<![@#\w])[UWCG]0[A-Z0-9]{2,}\b")  # users and channels
    for name, builds in samples().items():
        for build in builds:
            built = build()
            if isinstance(built, str):
                texts = [built]
            else:
                payload = built.message() if hasattr(built, "message") else built.to_dict()
                texts = [
                    payload.get("text") or "",
                    *mrkdwn.mrkdwn_texts(payload),
                    *mrkdwn.plain_texts(payload),
                ]
            for text in texts:
                assert not bare_id.search(text), (name, text)


def test_member_views_live_in_their_own_module() -> None:
    for name in ("whoami_reply", "members_reply", "member_saved_reply", "notice_removed"):
        assert callable(getattr(members, name)) and not hasattr(plan, name)
