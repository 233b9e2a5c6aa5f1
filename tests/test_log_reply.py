"""The log's reply is written out by its view, not by slack_sdk's validating ``to_dict()`` (issue 14):
the two must agree, for every shape of achievement a log can reply about."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services.achievements import MAX_TEXT, Achievement
from bot.services.plan import Priority
from bot.views import plan as views
from bot.views.common import Reply
from store.seed import SEED_ACTOR

P1 = Priority(1, "Tackling anti-social behaviour & <crime>", "", "Priority one")


def _achievement(text: str, organisation: str | None = "TVP", logged_by: str = "U0MEMBER") -> Achievement:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    return Achievement(42, 1, organisation, text, date(2026, 11, 24), "2026/27", logged_by, at)


@pytest.mark.parametrize(
    ("achievement", "verb"),
    [
        (_achievement("secured 4 Criminal Behaviour Orders"), "Logged"),
        (_achievement("no organisation <!channel> *bold* > quote", organisation=None), "Updated"),
        (_achievement("two\nlines & more"), "Logged"),
        (_achievement("x" * MAX_TEXT), "Logged"),
        (_achievement("the plan's **own** words", logged_by=SEED_ACTOR), "Logged"),
    ],
)
def test_the_written_out_reply_is_what_slack_sdk_would_write(achievement: Achievement, verb: str) -> None:
    reply = views.achievement_logged_reply(achievement, P1, verb)
    validated = Reply(text=reply.text, blocks=reply.blocks).message()  # to_dict(): validated
    assert reply.message() == validated
    assert reply.message() is not reply.message()  # a fresh top level each time, as Reply gives
