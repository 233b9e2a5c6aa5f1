"""Never a confident wrong answer: an acronym one letter from another is a different acronym.

Acronyms are built from each other by a letter at an end (IDVA from DVA, OPCC from PCC) or
a changed letter (MATAC, MARAC), so those queries are offered a "did you mean", never answered.
Real slips of the fingers are still corrected. All against the real seeded glossary.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glossary.index import GlossaryIndex
from glossary.loader import seed_entries
from glossary.model import EntryKind, GlossaryEntry, LookupStatus
from glossary.normalise import fold

ENTRIES = seed_entries()
INDEX = GlossaryIndex(ENTRIES)
NAMES = {fold(name) for e in ENTRIES for name in (e.key, *e.aliases)}


def keys(entries: tuple[GlossaryEntry, ...]) -> list[str]:
    return [e.key for e in entries]


@pytest.mark.parametrize(
    ("query", "near"),
    [
        ("IDVA", "DVA"),  # Independent Domestic Violence Adviser
        ("idva", "DVA"),
        ("what does IDVA stand for?", "DVA"),
        ("LSCP", "LSP"),  # Local Safeguarding Children Partnership
        ("CSPR", "CSP"),  # Child Safeguarding Practice Review
        ("CSEA", "CSE"),  # Child Sexual Exploitation and Abuse
        ("OPCC", "PCC"),
        ("APCC", "PCC"),
        ("NPCC", "PCC"),
        ("MATAC", "MARAC"),  # a different process
        ("CMHT", "MHT"),  # Community Mental Health Team
        ("MARC", "MARAC"),  # was answered as MARAC; a letter inside a short acronym is not a typo
        ("marach", "MARAC"),
        ("PPE", "PPO"),
        ("MAPA", "MAPPA"),  # a doubled letter in a short acronym may be another acronym
    ],
)
def test_a_neighbouring_acronym_is_offered_never_answered(query: str, near: str) -> None:
    result = INDEX.lookup(query)
    assert result.status in (LookupStatus.SUGGESTIONS, LookupStatus.NOT_FOUND), result
    assert not result.matches
    assert result.corrected_from is None
    if result.status is LookupStatus.SUGGESTIONS:
        assert near in keys(result.suggestions)


@pytest.mark.parametrize(
    ("query", "key", "corrected"),
    [
        ("MRAAC", "MARAC", True),  # transpositions
        ("MAARC", "MARAC", True),
        ("Nightsaef", "Nightsafe", True),
        ("stakehloder", "Stakeholder", True),
        ("MARRAC", "MARAC", True),  # doubled letters
        ("maracc", "MARAC", True),
        ("MARRACs", "MARAC", True),
        ("Stakeholdr", "Stakeholder", True),  # a letter lost inside a longer word
        ("Child Sexual Exploitaton", "Child Sexual Exploitation", True),  # long names
        ("domestc abuse", "Domestic abuse", True),
        ("hate crme", "Hate Crime", True),
        ("MARACs", "MARAC", False),  # plurals and punctuation are exact hits, not corrections
        ("PCCs", "PCC", False),
        ("M.A.R.A.C.", "MARAC", False),
        ("marac?", "MARAC", False),
    ],
)
def test_real_typos_are_still_answered(query: str, key: str, corrected: bool) -> None:
    result = INDEX.lookup(query)
    assert result.status is LookupStatus.FOUND, result
    assert key in keys(result.matches)
    assert (result.corrected_from is not None) is corrected


@pytest.mark.parametrize(
    ("word", "typo"), [("Safeguarding", "safegaurding"), ("Exploitation", "exploitaton")]
)
def test_long_single_words_keep_their_typo_allowance(word: str, typo: str) -> None:
    entry = GlossaryEntry(id=word.lower(), kind=EntryKind.TERM, key=word, text="A word.", source="test")
    result = GlossaryIndex([*ENTRIES, entry]).lookup(typo)
    assert result.status is LookupStatus.FOUND
    assert keys(result.matches) == [word]


SHORT_ACRONYMS = sorted(
    e.key for e in ENTRIES if e.kind is EntryKind.ACRONYM and e.key.isalpha() and 3 <= len(e.key) <= 5
)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(SHORT_ACRONYMS), st.sampled_from(LETTERS), st.booleans())
def test_a_letter_added_at_either_end_is_never_answered_as_the_key(
    key: str, letter: str, front: bool
) -> None:
    query = letter + key if front else key + letter
    # Not a key itself; "CSPs" is a plural (an exact hit); "MARACC" a doubled letter in 6 (a kept typo).
    neighbour = key[0] if front else key[-1]
    if (
        fold(query) in NAMES
        or (not front and letter == "S")
        or (letter == neighbour.upper() and len(query) >= 6)
    ):
        return
    for typed in (query, query.lower()):
        result = INDEX.lookup(typed)
        assert not (result.status is LookupStatus.FOUND and key in keys(result.matches)), (typed, result)


def test_an_acronym_ending_in_s_is_not_the_plural_of_a_shorter_one() -> None:
    """DVDS is not the plural of a DVD, nor LEDS of an LED: the shorter query is at most offered."""
    index = GlossaryIndex(
        [
            GlossaryEntry(id="dvds", kind=EntryKind.ACRONYM, key="DVDS", text="Domestic Violence Disclosure Scheme", source="t"),
            GlossaryEntry(id="camhs", kind=EntryKind.ACRONYM, key="CAMHS", text="Child and Adolescent Mental Health Services", source="t"),
            GlossaryEntry(id="marac", kind=EntryKind.ACRONYM, key="MARAC", text="Multi Agency Risk Assessment Conference", source="t"),
        ]
    )  # fmt: skip
    assert index.lookup("DVD").status is not LookupStatus.FOUND
    assert index.lookup("CAMH").status is not LookupStatus.FOUND
    for query, key in (
        ("DVDS", "DVDS"),
        ("camhs", "CAMHS"),
        ("CMAHS", "CAMHS"),
        ("MARACs", "MARAC"),
        ("MARACS", "MARAC"),
    ):
        result = index.lookup(query)
        assert result.status is LookupStatus.FOUND and result.matches[0].key == key, query
