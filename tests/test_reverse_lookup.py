"""Reverse look-ups: a long name found by its words, answered only when one entry clearly wins.

Word order, hyphens, "&", US spellings, an acronym inside a name and a changed or left-out word
are tolerated; the reply says which words differ. Near misses are "did you mean", never answers.
All against the real seeded glossary.
"""

from __future__ import annotations

import pytest

from glossary.index import GlossaryIndex
from glossary.loader import seed_entries
from glossary.model import EntryKind, GlossaryEntry, LookupStatus
from glossary.reverse import name_words

INDEX = GlossaryIndex(seed_entries())


@pytest.mark.parametrize(
    ("query", "key", "differs"),
    [
        ("prolific and priority offender", "PPO", ""),  # the plan says "Priority and Prolific"
        ("Prolific & Priority Offenders", "PPO", ""),
        ("Multi-Agency Risk Assessment Conference", "MARAC", "calls it “Committee”, not “Conference”"),
        ("wycombe council", "WDC", "also has “District”"),
        ("Thames Valley CRC", "TVCRC", ""),  # CRC spells out three of the name's words
        ("Multi-Agency Public Protection Arrangements", "MAPPA", "“Assessment”, not “Arrangements”"),
        ("anti-social behavior", "ASB", ""),
        ("Neighborhood Action Group", "NAG", ""),
        ("alcohol and drug action team", "DAAT", ""),
        ("Council, Wycombe District", "WDC", ""),
    ],
)
def test_long_names_answer_whatever_the_order_and_spelling(query: str, key: str, differs: str) -> None:
    result = INDEX.lookup(query)
    assert result.status is LookupStatus.FOUND, result
    assert result.matches[0].key == key
    if differs:
        assert any(differs in phrase for phrase in result.differs), result.differs
    else:
        assert result.differs == ()


@pytest.mark.parametrize(
    ("query", "offered"),
    [
        ("Community Mental Health Team", "MHT"),  # another team, with the plan's name inside
        ("Anti Social Behaviour Order", "ASBI"),  # an ASBO, not anti-social behaviour itself
        ("Community Safety Unit", "CSF"),  # a few letters from "Fund", but another word
        ("Youth Offending Team", "YOS"),  # a changed word in a short name: only offered
        ("youth service", "YOS"),  # a left-out word that is not a tier: only offered
        ("Child Sexual Abuse", "CSE"),
    ],
)
def test_a_neighbouring_long_name_is_offered_never_answered(query: str, offered: str) -> None:
    result = INDEX.lookup(query)
    assert result.status is LookupStatus.SUGGESTIONS, result
    assert not result.matches
    assert offered in [e.key for e in result.suggestions]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("tell me about domestic homicide reviews in wycombe", "Domestic Homicide Review"),
        ("domestic homicide review process", "Domestic Homicide Review"),
        ("G-MAP referral", "GMAP"),  # an acronym's key inside a question is still the answer
        ("MARAC referral", "MARAC"),
    ],
)
def test_a_name_inside_a_question_is_still_the_answer(query: str, key: str) -> None:
    result = INDEX.lookup(query)
    assert result.status is LookupStatus.FOUND, result
    assert result.matches[0].key == key


def test_two_close_entries_are_a_did_you_mean() -> None:
    index = GlossaryIndex(
        [
            GlossaryEntry(
                id="a",
                kind=EntryKind.ACRONYM,
                key="LSCB",
                text="Local Safeguarding Children Board",
                source="t",
            ),
            GlossaryEntry(
                id="b", kind=EntryKind.ACRONYM, key="LSAB", text="Local Safeguarding Adults Board", source="t"
            ),
        ]
    )
    result = index.lookup("Local Safeguarding Young People Board")  # two words away from both
    assert result.status is not LookupStatus.FOUND
    tie = index.lookup("Local Safeguarding Partnership Board")  # one word changed in either
    assert tie.status is LookupStatus.SUGGESTIONS, tie
    assert {e.key for e in tie.suggestions} == {"LSCB", "LSAB"}
    assert index.lookup("board safeguarding local adults").matches[0].key == "LSAB"


def test_a_typo_inside_a_word_is_a_correction_and_says_so() -> None:
    result = INDEX.lookup("prolifc and priority offender")
    assert result.status is LookupStatus.FOUND
    assert result.matches[0].key == "PPO"
    assert result.corrected_from == "prolifc and priority offender"


def test_words_are_compared_after_the_same_normalisation() -> None:
    assert name_words("multi agency risk assessment conferences") == [
        "multiagency",
        "risk",
        "assessment",
        "conference",
    ]
    assert name_words("anti social behavior") == name_words("antisocial behaviour")
    assert name_words("organized crime") == name_words("organised crime")
