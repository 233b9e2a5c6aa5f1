"""The command parser and router: pure parsing, then every input gets a valid reply."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.container import Services
from bot.views.common import Reply
from handlers.context import CommandContext, OpenModal
from handlers.parsing import parse_definition, split_verb, unquote
from handlers.router import HELP_GROUPS, SUBCOMMANDS, closest_verb, dispatch, help_lines
from tests.harness import assert_valid_message, rendered_text


def test_split_verb() -> None:
    assert split_verb("  Acronym   MARAC ") == ("acronym", "MARAC")
    assert split_verb("") == ("", "")
    assert split_verb("help") == ("help", "")
    assert split_verb("define\u00a0hate crime") == ("define", "hate crime")


@pytest.mark.parametrize(
    ("text", "key", "meaning"),
    [
        ("NPS = National Probation Service", "NPS", "National Probation Service"),
        ('"Street Community Group"="A multi-agency group"', "Street Community Group", "A multi-agency group"),
        ("NPS - National Probation Service", "NPS", "National Probation Service"),
        ("Anti-Social Behaviour Team = x = y", "Anti-Social Behaviour Team", "x = y"),
        ("NPS", "NPS", None),
        ("NPS =", "NPS", None),
        ("", "", None),
    ],
)
def test_parse_definition(text: str, key: str, meaning: str | None) -> None:
    parsed = parse_definition(text)
    assert (parsed.key, parsed.meaning) == (key, meaning)


def test_unquote() -> None:
    assert unquote("“hate crime”") == "hate crime"
    assert unquote("'x'") == "x"


def test_closest_verb() -> None:
    assert closest_verb("serch") == "search"
    assert closest_verb("acronm") == "acronym"
    assert closest_verb("defin") == "define"
    assert closest_verb("marac") is None
    assert closest_verb("ad", ["add", "edit"]) == "add"


def test_help_lists_every_subcommand_from_the_table() -> None:
    usages = [line.usage for line in help_lines()]
    for sub in SUBCOMMANDS:
        assert usages.count(sub.usage) == 1, sub.name  # each under one heading, once
    assert len(usages) == len(SUBCOMMANDS) + 1  # and `/csp TERM`


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_parse_definition_never_raises(text: str) -> None:
    parsed = parse_definition(text)
    assert isinstance(parsed.key, str)


_COMMAND_TEXT = st.one_of(
    st.text(max_size=150),
    st.builds(
        lambda verb, rest: f"{verb} {rest}",
        st.sampled_from([s.name for s in SUBCOMMANDS] + ["glossary", "acronm", "serch", "<!channel>"]),
        st.text(max_size=80),
    ),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_COMMAND_TEXT)
# digits that are not ASCII: str.isdigit() says yes, int() says no (found by Hypothesis)
@example(text="priority edit ²")
@example(text="log P² something was done")
@example(text="risk R²")
@example(text="action add P³")
def test_every_input_gets_a_valid_escaped_reply(services: Services, text: str) -> None:
    ctx = CommandContext(services=services, user_id="U0NOBODY", channel_id="C0X", trigger_id="t")
    try:
        outcome = dispatch(ctx, text)
    except Exception as error:  # user-facing errors are rendered by the listener wrapper
        from bot.errors import UserFacingError
        from bot.privacy import PersonalDataError

        assert isinstance(error, (UserFacingError, PersonalDataError)), repr(error)
        return
    assert isinstance(outcome, (Reply, OpenModal))
    if isinstance(outcome, Reply):
        message = outcome.message()
        assert_valid_message(message)
        rendered = rendered_text(message)
        assert "<!" not in rendered and "<@" not in rendered.replace("<@U0NOBODY>", "")


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("members add <@U0ABC|jane> TVP", "members add <@U0ABC> TVP"),
        ("alerts channel <#C0ALERT|csp-alerts>", "alerts channel <#C0ALERT>"),
        ("A &amp; B &lt;script&gt;", "A & B <script>"),
        ("<!channel> MARAC", "@channel MARAC"),
        ("<!subteam^S0X|@coordinators> hi", "@coordinators hi"),
        ("see <https://example.org|example>", "see https://example.org"),
        ("mail <mailto:a@b.org|a@b.org>", "mail a@b.org"),
        ("plain MARAC", "plain MARAC"),
    ],
)
def test_from_slack(escaped: str, plain: str) -> None:
    from handlers.parsing import from_slack

    assert from_slack(escaped) == plain


@pytest.mark.parametrize(
    ("escaped", "looked_up"),
    [
        ("<!channel>", ""),
        ("<!here> MARAC", "MARAC"),
        ("hate <!everyone> crime", "hate crime"),
        ("&lt;!channel&gt;&amp;co", "<!channel>&co"),  # typed literally: the person's own words
        ("email@channel.example", "email@channel.example"),
        ("A  &amp;  B", "A  &  B"),  # nothing dropped, nothing else touched
    ],
)
def test_broadcast_mentions_are_not_looked_up(escaped: str, looked_up: str) -> None:
    from handlers.parsing import from_slack, lookup_words

    assert lookup_words(from_slack(escaped)) == looked_up


def test_user_id_of() -> None:
    from handlers.parsing import user_id_of

    assert user_id_of("<@U0ABC>") == "U0ABC"
    assert user_id_of("u0abc") == "U0ABC"
    assert user_id_of("TVP") is None


def test_from_slack_leaves_other_angle_brackets_alone() -> None:
    from handlers.parsing import from_slack

    assert from_slack("<script>x</script>") == "<script>x</script>"


def test_control_characters_never_get_in() -> None:
    from handlers.parsing import from_slack

    assert (
        from_slack("glossary suggest NPS\x00 = National\x07 Probation")
        == "glossary suggest NPS = National Probation"
    )


def test_help_reads_as_short_lists_under_headings_and_a_topic_picks_one() -> None:
    from bot.views.help import help_reply

    reply = help_reply(help_lines())
    sections = [b.text.text for b in reply.blocks if getattr(b, "text", None) and b.type == "section"]
    assert [s.split("\n", 1)[0] for s in sections] == [f"*{group}*" for group, _ in HELP_GROUPS]
    progress = help_reply(help_lines(), topic="progress")
    (only,) = [b.text.text for b in progress.blocks if b.type == "section"]
    assert only.startswith("*Report progress*") and "/csp log" in only and "/csp risk" not in only


@settings(max_examples=500, deadline=None)
@given(token=st.text(alphabet="0123456789/-٣２ aP", max_size=12))
def test_a_logs_date_word_is_read_exactly_as_strptime_reads_it(token: str) -> None:
    """``_date`` skips strptime for words that cannot be dates: the answers must not change."""
    from datetime import datetime

    from handlers.plan import _date

    expected = None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            expected = datetime.strptime(token, pattern).date()
            break
        except ValueError:
            continue
    assert _date(token) == expected
