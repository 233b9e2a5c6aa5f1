"""Reverse look-ups: a long name found by its words, whatever their order or spelling.

"prolific and priority offender" is the plan's "Priority and Prolific Offender"; "Multi-Agency Risk
Assessment Conference" is its "Multi Agency Risk Assessment Committee"; "wycombe council" is
"Wycombe District Council"; "Thames Valley CRC" spells out as "Thames Valley Community
Rehabilitation Company". Names and queries are reduced to the same bag of words (hyphens, "&",
US spellings and filler words ironed out), then compared word by word: the same words in any
order; an acronym of a run of the name's words; a typo in a long word; and at most one
difference, either a word changed in a name of four or more words, or an inner word of a
name of three or more left out when it only says where or which tier ("District"). Other
single differences ("youth service" is not the Youth Offending Service; a Youth Offending Team
may be) are only offered as "did you mean". Which words differ is kept, so the reply can say so.

Pure data: no Slack, no database. The index decides which match wins.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import OSA

from glossary.normalise import fold, singular, singular_word

if TYPE_CHECKING:
    from glossary.letter_filter import LetterFilter

#: words that join the next one when typed apart: "multi agency" is "multiagency"
_JOINING_PREFIXES = frozenset(["multi", "anti", "co", "non", "inter", "cross", "self", "sub", "pre", "post"])
_IGNORED = frozenset(["a", "an", "and", "the", "of", "for", "to", "in", "on", "or", "by", "with", "at", "as"])
#: national and US spellings of words found in community-safety names
_VARIANTS = {
    "behavior": "behaviour",
    "neighborhood": "neighbourhood",
    "center": "centre",
    "program": "programme",
    "offense": "offence",
    "defense": "defence",
    "counseling": "counselling",
    "advisor": "adviser",
    "labor": "labour",
    "honor": "honour",
    "judgement": "judgment",
    "enquiry": "inquiry",
    "practise": "practice",
}
_IZE = re.compile(r"iz(e|ed|es|ing|ation)$")
#: a changed word is tolerated only in a name at least this long (in words that count)
CHANGED_WORD_MIN = 4
#: a left-out word is tolerated only in a name at least this long
MISSING_WORD_MIN = 3
#: inner words that only place a body or give its tier: leaving one out still names the same body
QUALIFIERS = frozenset(
    [
        "district",
        "county",
        "borough",
        "city",
        "metropolitan",
        "national",
        "regional",
        "local",
        "area",
        "unitary",
    ]
)
#: how far a match is from its name: the same words; one tolerated difference; only worth offering
SAME, CLOSE, OFFER = 0, 1, 2
#: candidates checked word by word for one query, however common its words
MAX_CANDIDATES = 500
#: … and when only one of its words (of three or more) is in any name
MAX_CANDIDATES_ONE_WORD = 40
#: up to this many candidates, a query word's typos are checked name word by name word, not looked up
#: in the whole vocabulary at once (which costs about as much as checking 50 names)
PAIRWISE_MAX = 50


def _variant(word: str) -> str:
    word = _VARIANTS.get(word, word)
    if len(word) > 5 and "iz" in word:
        word = _IZE.sub(r"is\1", word)
    return word


def name_words(folded: str) -> list[str]:
    """The words of a folded name that count, in order: joined prefixes, singular, UK spelling."""
    raw = singular(folded).split()
    merged: list[str] = []
    i = 0
    while i < len(raw):
        word = raw[i]
        if word in _JOINING_PREFIXES and i + 1 < len(raw):
            word += raw[i + 1]
            i += 1
        merged.append(word)
        i += 1
    return [_variant(singular_word(w)) for w in merged if w not in _IGNORED]


@dataclass(frozen=True, slots=True)
class WordMatch:
    """How a query's words met one name's words."""

    name_id: int
    #: SAME (any order, spelling), CLOSE (one tolerated difference) or OFFER (only a "did you mean")
    differences: int
    #: a long word was matched with a typo
    typo: bool = False
    #: (the name's word, the query's word) when one word was changed
    changed: tuple[str, str] | None = None
    #: the name's word the query left out
    missing: str | None = None


def _initials_run(word: str, name: list[str], free: list[bool]) -> list[int] | None:
    """Positions of a run of unmatched name words whose initials spell ``word`` (CRC)."""
    if not word.isalpha() or not 2 <= len(word) <= 6:
        return None
    size = len(word)
    for start in range(len(name) - size + 1):
        span = range(start, start + size)
        if all(free[i] for i in span) and "".join(name[i][0] for i in span) == word:
            return list(span)
    return None


def _typo_allowed(query_word: str, name_word: str) -> bool:
    shortest, longest = sorted((len(query_word), len(name_word)))
    if shortest < 4:
        return False
    if longest == 4:  # only two letters swapped: "wokr" is "work", but "unit" is not "fund"
        return sorted(query_word) == sorted(name_word) and OSA.distance(query_word, name_word) == 1
    limit = 2 if len(name_word) >= 9 else 1
    return OSA.distance(query_word, name_word, score_cutoff=limit) <= limit


def _could_align(query: list[str], name: list[str], typos: _PairTypos | _VocabularyTypos) -> bool:
    """False when ``align`` is certain to say None; much cheaper than it, so most names never reach it.

    A query word no name word can take (not equal, no initials, no typo) always ends unmatched, and
    ``align`` allows one such word at most, and then only with one of the name's words left over and
    the name at least MISSING_WORD_MIN words long: so the other query words take all but one of its words,
    and each takes at most one (equal or a typo) or as many as its letters (initials).
    ``typos`` says whether a query word may be a typo of any of a set of name words."""
    present = set(name)
    initials: str | None = None
    unmatched = 0
    most_taken = 0
    for word in query:
        takes = 1 if word in present else 0
        if word.isalpha() and 2 <= len(word) <= min(6, len(name)):
            if initials is None:
                initials = "".join(w[0] for w in name)
            if word in initials:
                takes = len(word)
        if not takes and typos.any_of(word, present):
            takes = 1
        if not takes:
            unmatched += 1
            if unmatched > 1:
                return False
        most_taken += takes
    return not unmatched or (len(name) >= MISSING_WORD_MIN and len(name) - 1 <= most_taken)


def align(
    name_id: int,
    query: list[str],
    name: list[str],
    typo_allowed: Callable[[str, str], bool] = _typo_allowed,
) -> WordMatch | None:
    """Compare a query's words with a name's; None when they differ by more than one word."""
    free = [True] * len(name)
    left: list[str] = []
    for word in query:
        spot = next((i for i, w in enumerate(name) if free[i] and w == word), None)
        if spot is None:
            left.append(word)
        else:
            free[spot] = False
    unmatched: list[str] = []
    for word in left:
        run = _initials_run(word, name, free)
        if run is None:
            unmatched.append(word)
        else:
            for i in run:
                free[i] = False
    typo = False
    still: list[str] = []
    for word in unmatched:
        spot = next((i for i, w in enumerate(name) if free[i] and typo_allowed(word, w)), None)
        if spot is None:
            still.append(word)
        else:
            free[spot] = False
            typo = True
    missing = [i for i, f in enumerate(free) if f]
    if still and typo:
        return None  # a changed word and a typo: two differences
    if not still and not missing:
        return WordMatch(name_id, SAME, typo)
    if len(still) == 1 and len(missing) == 1 and len(name) >= MISSING_WORD_MIN:
        level = CLOSE if len(name) >= CHANGED_WORD_MIN else OFFER
        return WordMatch(name_id, level, typo, changed=(name[missing[0]], still[0]))
    if not still and len(missing) == 1 and len(name) >= MISSING_WORD_MIN:
        word = name[missing[0]]
        inner = 0 < missing[0] < len(name) - 1
        return WordMatch(name_id, CLOSE if inner and word in QUALIFIERS else OFFER, typo, missing=word)
    return None


class ReverseIndex:
    """Names of two or more words, by word, for reverse look-ups.

    Memory counts at 50,000 entries, so a name's words are not kept as a tuple: the index's own name
    string is split again when needed, and only names whose counted words differ from it ("multi
    agency" joined, "and" dropped) keep their words, as one string. Name ids are 4-byte integers.
    """

    def __init__(self, names: Sequence[str]) -> None:
        #: the index's names (singular folded), by name id; shared, not copied
        self._names = names
        self._forms: list[str | None] = []
        self._sizes = bytearray()
        self._by_word: dict[str, array[int]] = {}
        self._longest = 0

    def add(self, name_id: int, folded_name: str) -> None:
        """Called for each new name in id order."""
        words = name_words(folded_name)
        form = " ".join(words)
        self._forms.append(None if form == folded_name else sys.intern(form))
        self._sizes.append(min(len(words), 255) if len(words) >= 2 else 0)
        if len(words) < 2:
            return
        self._longest = max(self._longest, len(words))
        for word in dict.fromkeys(words):
            ids = self._by_word.get(word)
            if ids is None:
                ids = self._by_word[sys.intern(word)] = array("I")
            ids.append(name_id)

    def state(self) -> dict[str, object]:
        """What the index holds beside the shared names, as plain values (``GlossaryIndex.state``)."""
        vocabulary, letters = self._vocabulary_letters()
        return {
            "vocabulary": vocabulary,
            "vocabulary_letters": letters.state(),
            "forms": self._forms,
            "sizes": bytes(self._sizes),
            "by_word": {word: ids.tobytes() for word, ids in self._by_word.items()},
            "longest": self._longest,
        }

    @classmethod
    def from_state(cls, names: Sequence[str], state: dict[str, Any]) -> ReverseIndex:
        index = cls(names)
        index._forms = state["forms"]
        index._sizes = bytearray(state["sizes"])
        index._by_word = {word: array("I", ids) for word, ids in state["by_word"].items()}
        index._longest = state["longest"]
        from glossary.letter_filter import LetterFilter

        index._vocabulary_filter = (state["vocabulary"], LetterFilter.from_state(state["vocabulary_letters"]))
        return index

    def match(self, folded_query: str) -> list[WordMatch]:
        """Names the query's words meet with at most one difference."""
        query = name_words(folded_query)
        # every query word takes at least one word of the name, bar one: a longer query is no name
        if not 2 <= len(query) <= self._longest + 1:
            return []
        distinct = set(query)
        known = sorted((self._by_word[w] for w in distinct if w in self._by_word), key=len)
        if not known:
            return []
        # Which names can match. A word changed comes alone (no typo beside it), so when the query has a
        # word no name has (a typo, an acronym or the changed word itself) every other word is the
        # name's own. Otherwise the name holds all the query's words but one: two of its three rarest;
        # or, of two words (or one, repeated: "C C"), all (a name of one changed word and another is two
        # differences away).
        if len(known) < len(distinct) or len(known) <= 2:
            candidates = set(known[0]).intersection(*known[1:])
        else:
            a, b, c = (set(ids) for ids in known[:3])
            candidates = (a & b) | (a & c) | (b & c)
        # initials stand for several words of a name (CRC), so only they make a name longer than the query
        spare = sum(len(w) - 1 for w in query if w not in self._by_word and 2 <= len(w) <= 6) + 1
        size, sizes = len(query), self._sizes
        viable = [i for i in candidates if size - 1 <= sizes[i] <= size + spare]
        # a bound on the cost: names of the query's length first. When a single word of three or more is
        # known at all, every other word must be a typo or initials of the name's: few names can be it
        limit = MAX_CANDIDATES_ONE_WORD if len(known) == 1 and len(distinct) >= 3 else MAX_CANDIDATES
        if len(viable) > limit:
            # by (size difference, id), as one integer each: cheaper to sort than pairs
            nearest = sorted(abs(sizes[i] - size) << 32 | i for i in viable)[:limit]
            viable = [key & 0xFFFFFFFF for key in nearest]
        found = []
        # Each query word's typos worked out once, not once per name tried: for many names, from the whole
        # vocabulary at once; for a few, word by word as the names come (cheaper than the vocabulary).
        typos = _VocabularyTypos(self) if len(viable) > PAIRWISE_MAX else _PairTypos()
        for name_id in sorted(viable):
            name = (self._forms[name_id] or self._names[name_id]).split()
            if _could_align(query, name, typos):
                match = align(name_id, query, name, typos.allowed)
                if match is not None:
                    found.append(match)
        return found

    def typo_words(self, word: str) -> frozenset[str]:
        """Every word of the names that ``word`` may be a typo of (``_typo_allowed``): of the words
        within two edits, found through their letters (``glossary.letter_filter``), the allowed ones."""
        if len(word) < 4:  # too short for any typo (see _typo_allowed)
            return frozenset()
        vocabulary, letters = self._vocabulary_letters()
        near = letters.scan(word, 2)
        return frozenset(other for i in near if _typo_allowed(word, other := vocabulary[i]))

    def warm(self) -> None:
        self._vocabulary_letters()

    def _vocabulary_letters(self) -> tuple[list[str], LetterFilter]:
        """The words of the names and their letter signatures, made on the first typo looked for."""
        made: tuple[list[str], LetterFilter] | None = getattr(self, "_vocabulary_filter", None)
        if made is None or len(made[0]) != len(self._by_word):
            from glossary.letter_filter import LetterFilter

            vocabulary = list(self._by_word)
            # one tuple, assigned whole: a thread racing here only repeats the work
            made = self._vocabulary_filter = (vocabulary, LetterFilter(vocabulary))
        return made


class _VocabularyTypos(dict[str, frozenset[str]]):
    """A query's words → every name word each may be a typo of, each worked out on first need."""

    def __init__(self, index: ReverseIndex) -> None:
        super().__init__()
        self._index = index

    def __missing__(self, word: str) -> frozenset[str]:
        words = self[word] = self._index.typo_words(word)
        return words

    def allowed(self, query_word: str, name_word: str) -> bool:
        return name_word in self[query_word]

    def any_of(self, query_word: str, name_words: set[str]) -> bool:
        return not name_words.isdisjoint(self[query_word])


class _PairTypos(dict[tuple[str, str], bool]):
    """``_typo_allowed`` of (query word, name word) pairs, each worked out on first need."""

    def __missing__(self, pair: tuple[str, str]) -> bool:
        allowed = self[pair] = _typo_allowed(*pair)
        return allowed

    def allowed(self, query_word: str, name_word: str) -> bool:
        return self[query_word, name_word]

    def any_of(self, query_word: str, name_words: set[str]) -> bool:
        return any(self[query_word, other] for other in name_words)


def display_word(original: str, word: str) -> str:
    """The name's word as written in the original ("Committee" for "committee")."""
    for token in re.split(r"[\s\-–—/]+", original):
        cleaned = token.strip("()[],.;:'\"“”‘’")
        if name_words(fold(cleaned)) == [word]:
            return cleaned
    return word


def differences(match: WordMatch, original_name: str, original_query: str) -> tuple[str, ...]:
    """What the entry's wording has that the question did not, in a short phrase each."""
    if match.changed is not None:
        ours, theirs = match.changed
        return (
            f"the glossary calls it “{display_word(original_name, ours)}”, "
            f"not “{display_word(original_query, theirs)}”",
        )
    if match.missing is not None:
        return (f"the glossary's name also has “{display_word(original_name, match.missing)}”",)
    return ()


def words_of(names: Iterable[str]) -> list[list[str]]:
    """Each name as its counted words (for tests and the evaluation's normalisation)."""
    return [name_words(fold(n)) for n in names]
