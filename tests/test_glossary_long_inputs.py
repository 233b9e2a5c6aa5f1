"""Long texts (issue 10 §4): look-up, search and explain do work linear in the text and bounded,
and the reply says when a text was too long to read whole. Work is counted, never timed."""

from __future__ import annotations

import pytest

import glossary.index as glossary_index
from glossary.index import (
    MAX_EXPLAIN_CHARS,
    MAX_LOOKUP_WORDS,
    MAX_SEARCH_WORDS,
    GlossaryIndex,
    first_words,
)
from glossary.loader import seed_entries
from glossary.model import LookupStatus
from glossary.normalise import fold
from tests.harness import SlackHarness, all_text

# words that are no glossary name, so that sub-phrase probing tries every run it may
_FILLER = [
    "the",
    "panel",
    "then",
    "discussed",
    "progress",
    "with",
    "housing",
    "colleagues",
    "before",
    "agreeing",
    "next",
    "steps",
]


@pytest.fixture(scope="module")
def index() -> GlossaryIndex:
    return GlossaryIndex(seed_entries())


def filler(words: int) -> str:
    return " ".join(f"{_FILLER[i % len(_FILLER)]}{i // len(_FILLER)}" for i in range(words))


class Counter:
    def __init__(self) -> None:
        self.calls = 0


def test_sub_phrase_probing_is_linear_in_the_words(
    index: GlossaryIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes, normalised = Counter(), Counter()
    probe_run = GlossaryIndex._probe_run
    singular_word = glossary_index.singular_word

    def counting_probe(self: GlossaryIndex, *args: object) -> object:
        probes.calls += 1
        return probe_run(self, *args)  # type: ignore[arg-type]

    def counting_singular(word: str) -> str:
        normalised.calls += 1
        return singular_word(word)

    monkeypatch.setattr(GlossaryIndex, "_probe_run", counting_probe)
    monkeypatch.setattr(glossary_index, "singular_word", counting_singular)
    words = 2_000
    assert index._probe_sub_phrases(fold(filler(words))) == []
    longest = index._max_name_words
    assert 2 <= longest <= 15  # the seed glossary's longest name, in words
    assert probes.calls <= longest * words  # the cube was ~1.3 billion joins for 2,000 words
    assert normalised.calls == words  # each word singularised once


def test_a_long_look_up_reads_its_first_words_only(
    index: GlossaryIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes = Counter()
    probe_run = GlossaryIndex._probe_run

    def counting_probe(self: GlossaryIndex, *args: object) -> object:
        probes.calls += 1
        return probe_run(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(GlossaryIndex, "_probe_run", counting_probe)
    result = index.lookup(f"{filler(30)} MARAC referral {filler(6_000)}")
    assert result.status is LookupStatus.FOUND
    assert result.matches[0].key == "MARAC"
    assert probes.calls <= index._max_name_words * MAX_LOOKUP_WORDS


def test_search_and_explain_are_bounded(index: GlossaryIndex) -> None:
    # a word beyond the limit is not read, nor is an acronym
    base = f"exploitation {filler(MAX_SEARCH_WORDS - 1)}"
    assert index.search(f"{base} partnership") == index.search(base)
    huge = f"MARAC and CPN {filler(12_000)} TVP"
    assert len(huge) > MAX_EXPLAIN_CHARS
    assert [t.token for t in index.explain(huge)] == ["MARAC", "CPN"]


@pytest.mark.parametrize(
    ("text", "max_words", "expected"),
    [
        ("MARAC ref", 5, ("MARAC ref", None)),  # fits: the text itself
        ("one\ntwo", 3, ("one\ntwo", None)),
        ("one two three four", 2, ("one two", 2)),
        ("abc defghij", 5, ("abc defghij", None)),
        ("abc defghijk", 5, ("abc", 1)),  # a word cut by the character limit is dropped
        ("abc defghi jk", 5, ("abc defghi", 2)),
        ("abcdefghijkl", 5, ("abcdefghijk", 1)),  # unless it is the only one
    ],
)
def test_first_words(text: str, max_words: int, expected: tuple[str, int | None]) -> None:
    assert first_words(text, max_words, 11) == expected


def test_too_long_look_up_says_so_and_still_answers(slack: SlackHarness) -> None:
    reply = slack.ask(f"acronym MARAC {filler(1_000)}")
    text = all_text(reply)
    assert f"That's too long to look up whole: I looked at the first {MAX_LOOKUP_WORDS} words." in text
    assert "Multi Agency Risk Assessment Committee" in text
    short = all_text(slack.ask("acronym MARAC"))
    assert "too long" not in short


def test_too_long_search_says_so(slack: SlackHarness) -> None:
    text = all_text(slack.ask(f"search exploitation {filler(100)}"))
    assert "too long to search for whole" in text
    assert "Child Sexual Exploitation" in text


def test_explain_of_a_huge_message_explains_its_start_and_says_so(slack: SlackHarness) -> None:
    from handlers.glossary import EXPLAIN_SHORTCUT

    message = f"MARAC on Tuesday; PCSO and TVP to attend. {filler(12_000)} CPN"
    assert len(message) > MAX_EXPLAIN_CHARS
    response = slack.message_shortcut(EXPLAIN_SHORTCUT, message)
    assert response.status == 200
    (post,) = slack.hook_posts("shortcut")
    text = all_text(post)
    for expansion in (
        "Multi Agency Risk Assessment Committee",
        "Police Community Support Officer",
        "Thames Valley Police",
    ):
        assert expansion in text
    assert "That's too long to read whole: I looked at the first" in text
    assert "Community Protection Notice" not in text  # CPN comes after the part read
