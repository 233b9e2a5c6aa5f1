"""The letter filter in front of the typo scans drops only names that cannot be within the edits.

Each property compares the filtered scan with the unfiltered one it replaces: the same candidates, with
the same distances, in the same order (so rapidfuzz's ties break the same way), on random names and typos.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from glossary.index import MAX_SUGGESTIONS, GlossaryIndex, max_typo_distance
from glossary.letter_filter import LetterFilter, signature, signatures
from glossary.loader import seed_entries
from glossary.reverse import ReverseIndex, _could_align, _PairTypos, _typo_allowed, _VocabularyTypos, align

# few letters, so names share and repeat them; a digit, a space and a letter outside a–z for the other classes
ALPHABET = "abcdeiors 1é"
texts = st.text(alphabet=ALPHABET, min_size=0, max_size=14)
name_lists = st.lists(texts, min_size=1, max_size=60)


@st.composite
def typo_of(draw: st.DrawFn, text: str) -> str:
    """``text`` after up to four random edits (insert, delete, substitute, swap neighbours)."""
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(("insert", "delete", "substitute", "swap")))
        at = draw(st.integers(0, len(chars)))
        if kind == "insert":
            chars.insert(at, draw(st.sampled_from(ALPHABET)))
        elif chars and at < len(chars):
            if kind == "delete":
                del chars[at]
            elif kind == "substitute":
                chars[at] = draw(st.sampled_from(ALPHABET))
            elif at + 1 < len(chars):
                chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)


@st.composite
def names_and_query(draw: st.DrawFn) -> tuple[list[str], str]:
    names = draw(name_lists)
    query = draw(st.one_of(texts, st.sampled_from(names).flatmap(typo_of)))
    return names, query


def _reference_signature(text: str) -> int:
    """Bit c: class c at least once; bit 29 + c: at least twice (a–z, digits, space, anything else)."""

    def cls(ch: str) -> int:
        if "a" <= ch <= "z":
            return ord(ch) - ord("a")
        return 26 if ch.isascii() and ch.isdigit() else 27 if ch == " " else 28

    bits = 0
    for c, count in Counter(map(cls, text)).items():
        bits |= 1 << c
        if count > 1:
            bits |= 1 << (29 + c)
    return bits


@given(st.lists(st.text(alphabet=ALPHABET + "Zz9-", max_size=20), max_size=30))
def test_signatures_count_each_class_once_and_twice(strings: list[str]) -> None:
    assert signatures(strings) == [_reference_signature(s) for s in strings]
    assert [signature(s) for s in strings] == [_reference_signature(s) for s in strings]


@settings(max_examples=300)
@given(names_and_query(), st.integers(0, 4))
def test_the_filtered_scan_scores_what_the_unfiltered_scan_scores(
    case: tuple[list[str], str], limit: int
) -> None:
    names, query = case
    letters = LetterFilter(names)
    # the unfiltered scan: every name of about the query's length, shortest first, then in order
    window = sorted(
        (i for i, name in enumerate(names) if abs(len(name) - len(query)) <= limit),
        key=lambda i: len(names[i]),
    )
    within = [i for i in window if OSA.distance(query, names[i]) <= limit]
    kept = letters.scan(query, limit)
    assert set(within) <= set(kept) <= set(window)
    assert kept == [i for i in window if i in set(kept)]  # the unfiltered order, thinned
    assert letters.keep(query, limit, window) == kept
    assert letters.keep(query, limit, reversed(window)) == kept[::-1]
    # and so rapidfuzz finds the same names at the same distances, ties broken the same way
    for best in (3, None):
        assert process.extract(
            query, [names[i] for i in kept], scorer=OSA.distance, score_cutoff=limit, limit=best
        ) == [
            (name, score, kept.index(window[index]))
            for name, score, index in process.extract(
                query, [names[i] for i in window], scorer=OSA.distance, score_cutoff=limit, limit=best
            )
        ]


@st.composite
def multi_word_names(draw: st.DrawFn) -> list[str]:
    words = draw(st.lists(st.text(alphabet="abcdeiors", min_size=1, max_size=9), min_size=2, max_size=12))
    return [
        " ".join(draw(st.lists(st.sampled_from(words), min_size=1, max_size=5)))
        for _ in range(draw(st.integers(1, 40)))
    ]


@settings(max_examples=200)
@given(multi_word_names(), st.data())
def test_a_query_words_typos_are_every_vocabulary_word_it_may_be_a_typo_of(
    names: list[str], data: st.DataObject
) -> None:
    reverse = ReverseIndex(names)
    for name_id, name in enumerate(names):
        reverse.add(name_id, name)
    vocabulary = list(reverse._by_word)
    word = data.draw(
        st.one_of(st.text(alphabet="abcdeiors", max_size=11), st.sampled_from(names).flatmap(typo_of))
    )
    assert reverse.typo_words(word) == {other for other in vocabulary if _typo_allowed(word, other)}


@settings(max_examples=500)
@given(
    st.lists(st.text(alphabet="abcdr", min_size=1, max_size=6), min_size=1, max_size=5),
    st.lists(st.text(alphabet="abcdr", min_size=1, max_size=6), min_size=1, max_size=7),
)
def test_a_name_that_could_not_align_never_aligns(query: list[str], name: list[str]) -> None:
    indexed = " ".join([*name, "zzzz"])  # two words at least, so that the name's words are in the vocabulary
    reverse = ReverseIndex([indexed])
    reverse.add(0, indexed)
    answer = align(0, query, name)
    for typos in (_PairTypos(), _VocabularyTypos(reverse)):
        if answer is not None:
            assert _could_align(query, name, typos)
        # and the typos found once per query give align the same answer as asking word by word
        assert align(0, query, name, typos.allowed) == answer


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_index_typo_candidates_are_those_of_an_unfiltered_scan(data: st.DataObject) -> None:
    index = _seed_index()
    name = data.draw(st.sampled_from(index._names))
    query = data.draw(typo_of(name))
    limit = max_typo_distance(len(query))
    if limit == 0:
        return
    scanned = index._scan_candidates(query, limit)
    unfiltered = _unfiltered_scan(index, query, limit)
    assert scanned == [n for n in unfiltered if n in set(scanned)]
    assert {n for n in unfiltered if OSA.distance(query, n) <= limit} <= set(scanned)
    assert process.extract(
        query, scanned, scorer=OSA.distance, score_cutoff=limit, limit=MAX_SUGGESTIONS * 4
    ) == [
        (n, d, scanned.index(n))
        for n, d, _ in process.extract(
            query, unfiltered, scorer=OSA.distance, score_cutoff=limit, limit=MAX_SUGGESTIONS * 4
        )
    ]


def _unfiltered_scan(index: GlossaryIndex, query: str, limit: int) -> list[str]:
    """The scan as it was before the letter filter: names of about the query's length, or for several
    words those sharing one of its two rarest words."""
    from glossary.index import _ids

    words = set(query.split())
    shared = sorted((_ids(index._name_words[w]) for w in words if w in index._name_words), key=len)[:2]
    if len(words) >= 2 and shared:
        ids = {name_id for name_ids in shared for name_id in name_ids}
        return [n for i in ids if abs(len(n := index._names[i]) - len(query)) <= limit]
    by_length: dict[int, list[str]] = {}
    for name in index._names:
        by_length.setdefault(len(name), []).append(name)
    return [n for length in sorted(by_length) if abs(length - len(query)) <= limit for n in by_length[length]]


_SEED_INDEX: list[GlossaryIndex] = []


def _seed_index() -> GlossaryIndex:
    if not _SEED_INDEX:
        _SEED_INDEX.append(GlossaryIndex(seed_entries()))
    return _SEED_INDEX[0]
