"""The matcher on the real glossary: pure functions, no Slack, no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glossary.index import GlossaryIndex, is_confident_correction
from glossary.loader import seed_entries
from glossary.model import EntryKind, GlossaryEntry, LookupStatus
from glossary.normalise import fold, singular, strip_question


@pytest.fixture(scope="module")
def index() -> GlossaryIndex:
    return GlossaryIndex(seed_entries())


def keys(entries: tuple[GlossaryEntry, ...] | list[GlossaryEntry]) -> list[str]:
    return [e.key for e in entries]


# ---------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("M.A.R.A.C", "marac"),
        ("MARAC?", "marac"),
        ("CPN's", "cpn"),
        ("CPN’s", "cpn"),
        ("anti-social  behaviour", "anti social behaviour"),
        ("Drug & Alcohol", "drug and alcohol"),
        ("G-MAP", "g map"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("question", "core"),
    [
        ("what does MARAC stand for?", "marac"),
        ("What's a PCSO", "pcso"),
        ("what is the YOS", "yos"),
        ("define hate crime", "hate crime"),
        ("meaning of CSE", "cse"),
        ("what is meant by responsible authorities", "responsible authorities"),
        ("MARAC please", "marac"),
    ],
)
def test_question_wrappers_are_stripped(question: str, core: str) -> None:
    assert strip_question(question) == core


def test_singular_is_consistent_not_clever() -> None:
    assert singular("maracs") == "marac"
    assert singular("authorities") == "authority"
    assert singular("yos") == "yos"  # too short to touch
    assert singular("abuse") == "abuse"


# ---------------------------------------------------------------------- exact and forgiving matches


@pytest.mark.parametrize(
    "query",
    [
        "MARAC",
        "marac",
        "M.A.R.A.C",
        "MARACs",
        "MARAC's",
        "marac?",
        "what does marac stand for",
        "MARAC referral",
        "Multi Agency Risk Assessment Committee",
        "multi-agency risk assessment committee",
    ],
)
def test_marac_in_every_spelling(index: GlossaryIndex, query: str) -> None:
    result = index.lookup(query)
    assert result.status is LookupStatus.FOUND
    assert result.matches[0].key == "MARAC"
    assert result.corrected_from is None


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("antisocial behaviour", "Anti social behaviour"),
        ("anti-social behaviour", "Anti social behaviour"),
        ("hate crimes", "Hate Crime"),
        ("Hate-Crime", "Hate Crime"),
        ("G-MAP", "GMAP"),
        ("HBA", "HBV"),
        ("Criminal Behaviour Orders", "CBO"),
        ("Child and Adolescent Mental Health Services", "CAMHS"),
        ("homicide review", "DHR"),
        ("night safe", "Nightsafe"),
        ("Thames Valley Police", "TVP"),
    ],
)
def test_variants_aliases_and_partial_names(index: GlossaryIndex, query: str, key: str) -> None:
    result = index.lookup(query)
    assert result.status is LookupStatus.FOUND, result
    assert key in keys(result.matches)


def test_term_and_acronym_are_linked_both_ways(index: GlossaryIndex) -> None:
    acronym = index.lookup("ASB", EntryKind.ACRONYM)
    assert keys(acronym.matches) == ["ASB", "Anti social behaviour"]
    term = index.lookup("anti social behaviour", EntryKind.TERM)
    assert keys(term.matches)[0] == "Anti social behaviour"
    assert "ASB" in keys(term.matches)


def test_one_key_several_meanings(index: GlossaryIndex) -> None:
    result = index.lookup("CPN")
    assert result.status is LookupStatus.FOUND
    assert [e.text for e in result.matches] == ["Community Protection Notice", "Community Psychiatric Nurse"]
    assert {e.context for e in result.matches} == {"anti-social behaviour powers", "health partners"}


def test_reverse_lookup_finds_one_meaning(index: GlossaryIndex) -> None:
    result = index.lookup("community psychiatric nurse")
    assert [e.id for e in result.matches] == ["cpn-health"]


# ---------------------------------------------------------------------- typos


@pytest.mark.parametrize(
    ("typo", "key"),
    [
        ("MARRAC", "MARAC"),
        ("maracc", "MARAC"),
        ("hate crme", "Hate Crime"),
        ("domestc abuse", "Domestic abuse"),
        ("Nightsaef", "Nightsafe"),
    ],
)
def test_confident_corrections_answer_and_say_so(index: GlossaryIndex, typo: str, key: str) -> None:
    result = index.lookup(typo)
    assert result.status is LookupStatus.FOUND
    assert result.matches[0].key == key
    assert result.corrected_from == typo


@pytest.mark.parametrize("query", ["PPE", "PCS", "ABD", "WDX", "CSQ"])
def test_short_unknown_acronyms_are_never_answered(index: GlossaryIndex, query: str) -> None:
    result = index.lookup(query)
    assert result.status is not LookupStatus.FOUND, result
    assert not result.matches


def test_ppe_suggests_ppo_but_does_not_answer_it(index: GlossaryIndex) -> None:
    result = index.lookup("PPE")
    assert result.status is LookupStatus.SUGGESTIONS
    assert keys(result.suggestions)[0] == "PPO"


def test_weak_match_offers_at_most_five(index: GlossaryIndex) -> None:
    result = index.lookup("ASBO")
    assert result.status is LookupStatus.SUGGESTIONS
    assert {"ASB", "ASBI"} <= set(keys(result.suggestions))
    assert len(index.lookup("CS").suggestions) <= 5


def test_nothing_close(index: GlossaryIndex) -> None:
    assert index.lookup("xyzzy plugh").status is LookupStatus.NOT_FOUND
    assert index.lookup("?").status is LookupStatus.NOT_FOUND


def test_equal_fits_are_listed(index: GlossaryIndex) -> None:
    result = index.lookup("multi agency")
    assert result.status is LookupStatus.AMBIGUOUS
    assert set(keys(result.matches)) == {"GMAP", "MAPPA", "MARAC", "MASH"}


@pytest.mark.parametrize(
    ("query", "name", "distance", "confident"),
    [
        ("ppe", "ppo", 1, False),
        ("marc", "marac", 1, False),  # a letter added inside a short acronym makes another acronym
        ("idva", "dva", 1, False),
        ("matac", "marac", 1, False),
        ("mraac", "marac", 1, True),
        ("mapa", "mappa", 1, False),
        ("stakeholdr", "stakeholder", 1, True),
        ("mrac", "marc", 1, False),
        ("marrac", "marac", 1, True),
        ("hatecrme", "hatecrime", 1, True),
        ("domestc abus", "domestic abuse", 2, True),
        ("abcd", "abce", 1, False),
    ],
)
def test_confidence_rule(query: str, name: str, distance: int, confident: bool) -> None:
    assert is_confident_correction(query, name, distance) is confident


# ---------------------------------------------------------------------- search and explain


def test_search_finds_key_expansion_and_definition_best_first(index: GlossaryIndex) -> None:
    found = keys(index.search("exploitation"))
    assert set(found) == {"Child Sexual Exploitation", "CE", "CSE"}
    assert "Domestic abuse" in keys(index.search("intimate partners"))  # only in the definition
    assert keys(index.search("burglary"))[0] == "Property Related Crime"


def test_search_tolerates_prefixes_and_typos(index: GlossaryIndex) -> None:
    assert "CSE" in keys(index.search("exploit"))
    assert "Property Related Crime" in keys(index.search("burglery"))
    assert index.search("the of and") == []


def test_explain_finds_each_acronym_once_in_order(index: GlossaryIndex) -> None:
    found = index.explain("MARAC on Tuesday, then the CPN's and M.A.R.A.C notes; G-MAP and Econ data. NAG")
    assert [t.token for t in found] == ["MARAC", "CPN's", "G-MAP", "Econ", "NAG"]
    assert len(found[1].entries) == 2


def test_explain_ignores_ordinary_words(index: GlossaryIndex) -> None:
    assert index.explain("we will nag the team about the econ figures") == []


# ---------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_every_input_gets_a_status_and_never_crashes(query: str) -> None:
    result = GLOBAL_INDEX.lookup(query)
    assert result.status in LookupStatus
    if result.status is LookupStatus.FOUND:
        assert result.matches
    if result.status is LookupStatus.SUGGESTIONS:
        assert 0 < len(result.suggestions) <= 5
    GLOBAL_INDEX.search(query)
    GLOBAL_INDEX.explain(query)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([e for e in seed_entries() if e.kind is EntryKind.ACRONYM]),
    st.sampled_from(["{}", "{}s", "{}'s", "what does {} stand for?", "{} referral", "  {}  ", "{}."]),
)
def test_every_acronym_is_found_however_it_is_wrapped(entry: GlossaryEntry, template: str) -> None:
    result = GLOBAL_INDEX.lookup(template.format(entry.key))
    assert result.status is LookupStatus.FOUND
    assert entry.key in keys(result.matches)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(seed_entries()), st.sampled_from(["upper", "lower", "title"]))
def test_every_key_is_found_in_any_case(entry: GlossaryEntry, case: str) -> None:
    query = getattr(entry.key, case)()
    result = GLOBAL_INDEX.lookup(query)
    assert result.status is LookupStatus.FOUND, query
    assert entry.key in keys(result.matches)


GLOBAL_INDEX = GlossaryIndex(seed_entries())


def _entry(entry_id: str, key: str, text: str, kind: EntryKind = EntryKind.ACRONYM) -> GlossaryEntry:
    return GlossaryEntry(id=entry_id, kind=kind, key=key, text=text, source="test")


def test_a_misspelt_name_beats_a_shorter_key_inside_it() -> None:
    index = GlossaryIndex(
        [
            _entry("financial", "Financial", "Money matters", EntryKind.TERM),
            _entry("ftow", "FTOW", "Financial Trading Online Work"),
        ]
    )
    result = index.lookup("Financial Trading Online Wokr")
    assert result.status is LookupStatus.FOUND
    assert result.matches[0].key == "FTOW"
    assert result.corrected_from == "Financial Trading Online Wokr"
    assert index.lookup("Financial referral").matches[0].key == "Financial", "extra words still work"


@pytest.mark.parametrize("key", ["THE", "ON", "IS", "IN", "FOR"])
def test_acronyms_that_are_also_filler_words(key: str) -> None:
    index = GlossaryIndex([_entry(key.lower(), key, f"The {key} thing")])
    assert index.lookup(key).status is LookupStatus.FOUND
    assert index.lookup(f"{key}'s").status is LookupStatus.FOUND
    assert index.lookup(f"what is {key}").status is LookupStatus.FOUND


def test_one_edit_is_found_for_every_kind_of_edit() -> None:
    index = GlossaryIndex([_entry("mappa", "MAPPA", "Multi Agency Public Protection Assessment")])
    for typo in ("MAPA", "MAPPPA", "MAPPB", "MPAPA", "AMPPA"):
        result = index.lookup(typo)
        assert result.status in (LookupStatus.FOUND, LookupStatus.SUGGESTIONS), typo
        assert "MAPPA" in keys(result.matches or result.suggestions), typo


def test_linked_is_the_concept_not_a_scan() -> None:
    index = GlossaryIndex(seed_entries())
    asb = index.get("asb")
    assert asb is not None
    assert [e.id for e in index.linked(asb)] == ["anti-social-behaviour"]
