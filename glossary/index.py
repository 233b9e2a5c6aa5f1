"""The in-memory glossary index: exact, partial, typo-tolerant and full-text matching.

Built once from the entries (the service rebuilds it after a change). A hit is
a few dictionary probes. Typos are matched against names (keys, aliases and
acronym expansions, never definitions, so a misspelt acronym meets acronyms):
one edit on a short name is found through a deletion-neighbourhood table
(dictionary probes again); longer names and second edits fall back to a
rapidfuzz scan of the names of about the query's length.

Memory matters at tens of thousands of entries, so owners are packed integers
(entry position * 4 + field) held in lists rather than objects and sets.
"""

from __future__ import annotations

import bisect
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal, overload

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from glossary.model import (
    EntryFields,
    EntryKind,
    GlossaryEntry,
    LookupResult,
    LookupStatus,
    entry_fields,
    trusted_entry,
)
from glossary.normalise import (
    compact,
    drop_acronym_plurals,
    fold,
    forms,
    singular,
    singular_word,
    strip_question,
)
from glossary.reverse import OFFER, SAME, ReverseIndex, WordMatch, align, differences, name_words

if TYPE_CHECKING:
    from glossary.letter_filter import LetterFilter

MAX_SUGGESTIONS = 5
MAX_AMBIGUOUS = 10
#: names up to this long get a deletion-neighbourhood entry (one-edit typos without scanning)
DELETION_INDEX_MAX = 12

# Bounds on how much of a text is read, so that a look-up's cost is linear in its length and capped
# (a pasted 8,000-character message once took 33 s). A query is a name or a question about one; a search
# is a few words; explain reads whole messages (Slack's largest is 40,000 characters).
#: how far a look-up goes before it gives up: see ``GlossaryIndex.lookup``
Depth = Literal["exact", "names", "all"]
MAX_LOOKUP_WORDS = 200
MAX_LOOKUP_CHARS = 2_000
MAX_SEARCH_WORDS = 12
MAX_SEARCH_CHARS = 150
#: a search word's typo fix scans the whole vocabulary: a few per search at most
MAX_SEARCH_TYPO_SCANS = 4
MAX_EXPLAIN_WORDS = 10_000
MAX_EXPLAIN_CHARS = 50_000
#: sub-phrase probing tries runs of at most this many words, however long the longest name
MAX_PHRASE_WORDS = 32

_SEARCH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "or",
        "by",
        "with",
        "is",
        "are",
        "at",
        "as",
        "be",
    ]
)


#: words around a name that never make it another name ("the MARAC process", "hate crime please")
_FILLER = frozenset(["please", "pls", "process", "meeting", "referral", "meaning"])


class Field(IntEnum):
    """Which part of an entry a name came from; lower ranks first."""

    KEY = 0
    ALIAS = 1
    EXPANSION = 2


def _owner(position: int, field: Field) -> int:
    return position * 4 + field


def _position(owner: int) -> int:
    return owner >> 2


def _field(owner: int) -> Field:
    return Field(owner & 3)


@dataclass(frozen=True, slots=True)
class ExplainedToken:
    """An acronym found in a message, as written there, with its entries."""

    token: str
    entries: tuple[GlossaryEntry, ...]


def max_typo_distance(length: int) -> int:
    """How many edits a query of this length may be from a name and still be suggested."""
    if length <= 1:
        return 0
    if length <= 4:
        return 1
    if length <= 8:
        return 2
    if length <= 13:
        return 3
    return 4


#: any word of letters this short may be an acronym, however it is typed
ACRONYM_MAX = 5
#: a word typed in capitals may be an acronym up to this long
CAPITALS_ACRONYM_MAX = 8


def looks_like_acronym(text: str, in_capitals: bool = False) -> bool:
    """Whether a folded query could itself be an acronym: one short run of letters."""
    letters = compact(text)
    limit = CAPITALS_ACRONYM_MAX if in_capitals else ACRONYM_MAX
    return letters.isalpha() and letters.isascii() and 2 <= len(letters) <= limit


def _one_edit(query: str, name: str) -> str:
    """Which single edit turns ``name`` into ``query``: "doubled", "transposed", "end",
    "inside" (a letter added or lost inside), "substituted", or "" when it is not one edit."""
    if abs(len(query) - len(name)) == 1:
        longer, shorter = (query, name) if len(query) > len(name) else (name, query)
        spots = [i for i in range(len(longer)) if longer[:i] + longer[i + 1 :] == shorter]
        if not spots:
            return ""
        if any(i > 0 and longer[i - 1] == longer[i] for i in spots):
            return "doubled"  # MARRAC, maracc: a key held down or not held long enough
        # Any spot will do when several give the same string: they are all doubles, handled above.
        return "end" if spots[0] in (0, len(longer) - 1) else "inside"
    if len(query) != len(name):
        return ""
    diff = [i for i, (a, b) in enumerate(zip(query, name, strict=True)) if a != b]
    if len(diff) == 1:
        return "substituted"
    if (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and query[diff[0]] == name[diff[1]]
        and query[diff[1]] == name[diff[0]]
    ):
        return "transposed"
    return ""


def is_confident_correction(query: str, name: str, distance: int, *, in_capitals: bool = False) -> bool:
    """Whether a typo correction is safe to answer directly rather than ask "did you mean".

    Acronyms are built from each other by a letter: IDVA is not DVA, CSPR is not CSP,
    OPCC is not PCC, MATAC is not MARAC, PPE is not PPO. So when either side could be an
    acronym only a slip of the fingers is corrected: a swapped pair in 5+ letters (MRAAC),
    a doubled or undoubled letter in 6+ (MARRAC, maracc), a letter lost or added inside
    6+ letters. Longer words and names keep the looser, length-scaled allowance.
    """
    length = len(query)
    if distance <= 0:
        return True
    if looks_like_acronym(query, in_capitals) or looks_like_acronym(name):
        if distance != 1:
            return False
        edit = _one_edit(compact(query), compact(name))
        shortest = min(len(compact(query)), len(compact(name)))
        if edit == "doubled":
            # only in 6+ letters: in a short acronym a doubled letter is another acronym (NPCC is not NPC)
            return max(len(compact(query)), len(compact(name))) >= 6
        if edit == "transposed":
            return shortest >= 5
        if edit == "inside":
            return shortest > ACRONYM_MAX
        return False  # a letter at either end, or a changed letter: a different acronym
    if distance == 1:
        return length >= 5 or (length == 4 and Indel.distance(query, name) == 1)
    if distance == 2:
        return length >= 9
    if distance == 3:
        return length >= 14
    return length >= 20 and distance <= length // 6


# Most keys in these tables have exactly one owner, so a bare int stands for one and a tuple
# for several (a list while building): at 50,000 entries that halves the index's memory.
Ids = int | tuple[int, ...] | list[int]


def _ids(value: Ids | None) -> Sequence[int]:
    if value is None:
        return ()
    return (value,) if isinstance(value, int) else value


def _add_id(table: dict[str, Ids], key: str, value: int) -> None:
    current = table.get(key)
    if current is None:
        table[key] = value
    elif isinstance(current, int):
        if current != value:
            table[key] = [current, value]
    elif current[-1] != value:  # ids arrive in order, so a repeat can only be the last one
        current.append(value)  # type: ignore[union-attr]


def _freeze_ids(table: dict[str, Ids], order: Callable[[int], object] | None = None) -> None:
    for key, value in table.items():
        if isinstance(value, list):
            table[key] = tuple(sorted(value, key=order) if order else value)


def first_words(text: str, max_words: int, max_chars: int) -> tuple[str, int | None]:
    """The start of ``text`` that is read: the text itself and None when it fits, else its first
    words (at most ``max_words``, at most ``max_chars`` characters) and how many they are.

    The views call this too, to say when a text was too long to read whole.
    """
    head = text[:max_chars]
    words = head.split(maxsplit=max_words)  # the rest of the text stays in one last piece
    if len(text) <= max_chars and len(words) <= max_words:
        return text, None
    kept = words[:max_words]
    # a word cut by the character limit is not a word of the text
    cut_mid_word = len(words) <= max_words and not text[max_chars].isspace() and not head[-1:].isspace()
    if cut_mid_word and len(kept) > 1:
        kept.pop()
    return " ".join(kept), len(kept)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


class _SavedEntries(Sequence[GlossaryEntry]):
    """The entries of a loaded index, each made from its saved values when first asked for: a look-up
    reads a handful of 50,000, and making them all would cost half a second of a process's start."""

    def __init__(self, fields: list[EntryFields]) -> None:
        self._fields = fields
        self._made: list[GlossaryEntry | None] = [None] * len(fields)

    def __len__(self) -> int:
        return len(self._fields)

    @overload
    def __getitem__(self, position: int) -> GlossaryEntry: ...
    @overload
    def __getitem__(self, position: slice) -> list[GlossaryEntry]: ...
    def __getitem__(self, position: int | slice) -> GlossaryEntry | list[GlossaryEntry]:
        if isinstance(position, slice):
            return [self[p] for p in range(len(self))[position]]
        entry = self._made[position]
        if entry is None:  # two threads may both make it: equal entries, either will do
            entry = self._made[position] = trusted_entry(self._fields[position])
        return entry

    def fields(self, position: int) -> EntryFields:
        return self._fields[position]


class GlossaryIndex:
    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self._entries: Sequence[GlossaryEntry] = []
        self._position: dict[str, int] = {}
        read: list[GlossaryEntry] = []
        for entry in entries:
            if entry.id in self._position:
                read[self._position[entry.id]] = entry
            else:
                self._position[entry.id] = len(read)
                read.append(entry)
        self._entries = read
        self._concept = self._link_concepts()
        self._members = _members_of(self._concept)
        # every probe form (folded, singular, compact) of every name → owners
        self._exact: dict[str, Ids] = {}
        # distinct names (singular folded) and their owners
        self._names: list[str] = []
        self._name_owners: list[Ids] = []
        self._name_id: dict[str, int] = {}
        self._deletes: dict[str, Ids] = {}
        self._name_words: dict[str, Ids] = {}
        # word → packed (entry position * 16 + weight), for search
        self._postings: dict[str, array[int]] = {}
        self._key_phrase: list[str] = []
        # the most words in any probe form of a name: longer runs of a query cannot be one
        self._max_name_words = 1
        # long names by their words, for reverse look-ups ("prolific and priority offender")
        self._reverse = ReverseIndex(self._names)
        self._build()

    # ------------------------------------------------------------------ build

    def _link_concepts(self) -> list[int]:
        """Union a term and its acronym into one concept; the earliest-loaded entry is the root."""
        parent = list(range(len(self._entries)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        # Only a term and an acronym for the same thing are one concept (ASB ↔ Anti social
        # behaviour); other see-also links (PPO → IOM, CPN → CPN health) stay cross-references.
        for position, entry in enumerate(self._entries):
            for other_id in entry.see_also:
                other = self._position.get(other_id)
                if other is not None and self._entries[other].kind is not entry.kind:
                    a, b = sorted((find(position), find(other)))
                    parent[b] = a
        return [find(p) for p in range(len(self._entries))]

    @staticmethod
    def _names_of(entry: GlossaryEntry) -> Iterable[tuple[str, Field]]:
        yield entry.key, Field.KEY
        for alias in entry.aliases:
            yield alias, Field.ALIAS
        if entry.kind is EntryKind.ACRONYM:
            yield entry.text, Field.EXPANSION

    def _build(self) -> None:
        for position, entry in enumerate(self._entries):
            key_phrase = ""
            for name, field in self._names_of(entry):
                folded = fold(name)
                if not folded:
                    continue
                owner = _owner(position, field)
                # an acronym written in capitals stands as written: DVDS is not the plural of a DVD,
                # so its singular is no form of it (a plural typed by a user is still read as one)
                name_forms = (folded, folded, folded) if _written_as_acronym(name) else forms(folded)
                for form in dict.fromkeys(name_forms):
                    _add_id(self._exact, form, owner)
                self._max_name_words = max(self._max_name_words, folded.count(" ") + 1)
                self._add_name(name_forms[1], owner)
                if field is Field.KEY:
                    key_phrase = name_forms[1]
            self._key_phrase.append(key_phrase)
            self._index_for_search(position, entry)
        _freeze_ids(self._exact, order=lambda o: (_field(o), _position(o)))
        _freeze_ids(self._deletes)
        _freeze_ids(self._name_words)
        self._name_owners = [tuple(v) if isinstance(v, list) else v for v in self._name_owners]
        self._vocabulary = sorted(self._postings)
        self._mixed_keys = frozenset(
            e.key for e in self._entries if e.kind is EntryKind.ACRONYM and not e.key.isupper()
        )

    def _add_name(self, name: str, owner: int) -> None:
        name_id = self._name_id.get(name)
        if name_id is None:
            name_id = len(self._names)
            self._name_id[name] = name_id
            self._names.append(name)
            self._name_owners.append(owner)
            for word in dict.fromkeys(name.split()):
                _add_id(self._name_words, word, name_id)
            self._reverse.add(name_id, name)
            if len(name) <= DELETION_INDEX_MAX:
                for deleted in _deletions(name):
                    _add_id(self._deletes, deleted, name_id)
            return
        current = self._name_owners[name_id]
        if isinstance(current, int):
            if current != owner:
                self._name_owners[name_id] = [current, owner]
        elif current[-1] != owner:
            current.append(owner)  # type: ignore[union-attr]

    def _index_for_search(self, position: int, entry: GlossaryEntry) -> None:
        weighted = [(entry.key, 10), *((alias, 8) for alias in entry.aliases)]
        weighted.append((entry.text, 6 if entry.kind is EntryKind.ACRONYM else 3))
        if entry.context:
            weighted.append((entry.context, 2))
        if entry.note:
            weighted.append((entry.note, 1))
        best: dict[str, int] = {}
        for text, weight in weighted:
            for word in singular(fold(text)).split():
                if word not in _SEARCH_STOPWORDS and best.get(word, 0) < weight:
                    best[word] = weight
        for word, weight in best.items():
            postings = self._postings.get(word)
            if postings is None:
                postings = self._postings[word] = array("I")
            postings.append(position * 16 + weight)

    # ------------------------------------------------------------------ access

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._position

    def get(self, entry_id: str) -> GlossaryEntry | None:
        position = self._position.get(entry_id)
        return None if position is None else self._entries[position]

    @property
    def entries(self) -> Sequence[GlossaryEntry]:
        return list(self._entries)

    def linked(self, entry: GlossaryEntry) -> list[GlossaryEntry]:
        """The other entries of the same concept (a term's acronym, an acronym's term)."""
        position = self._position[entry.id]
        return [self._entries[p] for p in self._members[self._concept[position]] if p != position]

    # ------------------------------------------------------------------ look-up

    def lookup(self, query: str, prefer: EntryKind | None = None, *, upto: Depth = "all") -> LookupResult:
        """Answer one query: exact; a long name by its words; a confident typo fix; part of it; part of
        a name; else suggestions. ``upto`` stops early, with nothing found: after the exact look-up
        ("exact") or after the long names ("names"); the tiers of ``glossary.packs`` use it."""
        # A long text is read from its start only, so that its cost is bounded (the view says so).
        head, _ = first_words(query, MAX_LOOKUP_WORDS, MAX_LOOKUP_CHARS)
        text = strip_question(head)
        if not text:
            return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised="")

        owners = self._probe(text) or self._probe(strip_question(drop_acronym_plurals(head)))
        if owners:
            return self._result(query, text, LookupStatus.FOUND, owners, prefer)
        if upto == "exact":
            return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised=text)

        # A long name by its words, in any order and spelling, or with one word changed or left out.
        # Near misses by words are only offered, and only when nothing below answers.
        reverse, offered = self._reverse_lookup(query, text, prefer)
        if reverse is not None:
            return reverse
        if upto == "names":
            return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised=text)

        # A misspelt name as a whole comes before any shorter name inside it: "Domestic Abuse Servces"
        # is the service, not the word "Domestic" that happens to be a key.
        # (an acronym typed in capitals keeps its final S, as its entry does: CMAHS is CAMHS mistyped)
        typed = text if _written_as_acronym(query.strip()) else singular(text)
        scored = self._typo_candidates(typed)
        correction = self._confident(typed, scored, _typed_in_capitals(query, text))
        if correction is not None:
            return self._result(query, text, LookupStatus.FOUND, correction, prefer, corrected=True)

        owners, runs = self._sub_phrase_runs(text)
        if owners:
            if self._more_than_a_name(text, owners, runs):
                offered = owners + offered
            else:
                return self._result(query, text, LookupStatus.FOUND, owners, prefer)

        owners = self._partial_names(text)
        if owners:
            status = LookupStatus.FOUND if self._concept_count(owners) == 1 else LookupStatus.AMBIGUOUS
            return self._result(query, text, status, owners, prefer)

        if scored or offered:
            found = list(offered)
            for _, name_id in scored:
                found.extend(_ids(self._name_owners[name_id]))
            suggestions = self._concept_heads(found, prefer)[:MAX_SUGGESTIONS]
            return LookupResult(
                query=query, status=LookupStatus.SUGGESTIONS, suggestions=tuple(suggestions), normalised=text
            )
        return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised=text)

    def _reverse_lookup(
        self, query: str, text: str, prefer: EntryKind | None
    ) -> tuple[LookupResult | None, list[int]]:
        """An answer when one concept's name clearly wins on words; else the owners worth offering."""
        matches = self._reverse.match(text)
        if not matches:
            return None, []
        best: dict[int, WordMatch] = {}
        for match in sorted(matches, key=lambda m: (m.differences, m.typo, self._first_owner(m.name_id))):
            for owner in _ids(self._name_owners[match.name_id]):
                best.setdefault(self._concept[_position(owner)], match)
        fewest = min(m.differences for m in best.values())
        winners = [m for m in best.values() if m.differences == fewest]
        if len(winners) > 1 or fewest == OFFER:
            return None, [o for m in winners for o in _ids(self._name_owners[m.name_id])]
        match = winners[0]
        owners = list(_ids(self._name_owners[match.name_id]))
        result = self._result(query, text, LookupStatus.FOUND, owners, prefer, corrected=match.typo)
        differs = differences(match, self._original_name(owners[0], self._names[match.name_id]), query)
        return (result.model_copy(update={"differs": differs}) if differs else result), []

    def _original_name(self, owner: int, name: str = "") -> str:
        """The name an owner stands for, as written in its entry (for an alias, the one that is ``name``)."""
        entry = self._entries[_position(owner)]
        field = _field(owner)
        if field is Field.KEY:
            return entry.key
        if field is Field.EXPANSION:
            return entry.text
        return next((a for a in entry.aliases if singular(fold(a)) == name), entry.aliases[0])

    def _probe(self, folded: str) -> list[int]:
        for form in forms(folded):
            owners = self._exact.get(form)
            if owners is not None:
                return list(_ids(owners))
        return []

    def _probe_sub_phrases(self, folded: str) -> list[int]:
        """Longest runs of words that are a name: "MARAC referral" → MARAC."""
        return self._sub_phrase_runs(folded)[0]

    def _sub_phrase_runs(self, folded: str) -> tuple[list[int], list[tuple[int, int]]]:
        """The owners of the longest runs of words that are a name, and where those runs are.

        Only runs as long as the longest name are tried, and each word is singularised once, so the
        cost is words × that length rather than the cube of the words.
        """
        words = folded.split()
        sing = [singular_word(w) for w in words]
        longest = min(len(words) - 1, self._max_name_words, MAX_PHRASE_WORDS)
        for size in range(longest, 0, -1):
            found: list[int] = []
            runs: list[tuple[int, int]] = []
            seen: set[int] = set()
            for start in range(len(words) - size + 1):
                if size == 1 and (words[start] in _SEARCH_STOPWORDS or len(words[start]) < 2):
                    continue
                owners = self._probe_run(words, sing, start, start + size)
                if owners:
                    runs.append((start, start + size))
                for owner in owners:
                    if owner not in seen:
                        seen.add(owner)
                        found.append(owner)
            if found:
                return found, runs
        return [], []

    def _more_than_a_name(self, text: str, owners: list[int], runs: list[tuple[int, int]]) -> bool:
        """Whether a long name was found inside a longer one: a word of the query right before or after
        it may make another body ("Community" + "Mental Health Team", "Anti Social Behaviour" +
        "Order"), as a letter makes another acronym. An acronym's key inside a question ("MARAC
        referral", "G-MAP referral") and a name followed by "in Wycombe" are still the answer."""
        if any(
            _field(o) is Field.KEY and self._entries[_position(o)].kind is EntryKind.ACRONYM for o in owners
        ):
            return False
        if max(len(name_words(fold(self._original_name(o)))) for o in owners) < 2:
            return False
        words = text.split()

        def joins(i: int) -> bool:
            return 0 <= i < len(words) and words[i] not in _SEARCH_STOPWORDS and words[i] not in _FILLER

        return any(joins(start - 1) or joins(end) for start, end in runs)

    def _probe_run(self, words: list[str], sing: list[str], start: int, end: int) -> Sequence[int]:
        """``_probe`` of words[start:end], from words already singularised: the same three forms."""
        singular_run = sing[start:end]
        for form in (" ".join(words[start:end]), " ".join(singular_run), "".join(singular_run)):
            owners = self._exact.get(form)
            if owners is not None:
                return _ids(owners)
        return ()

    def _partial_names(self, folded: str) -> list[int]:
        """Names that contain the query as whole words: "homicide review" → DHR."""
        sing = singular(folded)
        words = [w for w in sing.split() if w not in _SEARCH_STOPWORDS]
        if not words or len(compact(sing)) < 4:
            return []
        lists = sorted((_ids(self._name_words.get(w)) for w in dict.fromkeys(words)), key=len)
        candidates = set(lists[0])
        for other in lists[1:]:
            candidates.intersection_update(other)
            if not candidates:
                return []
        padded = f" {sing} "
        owners: list[int] = []
        for name_id in candidates:
            if padded in f" {self._names[name_id]} ":
                owners.extend(_ids(self._name_owners[name_id]))
        owners.sort(key=lambda o: (_position(o), _field(o)))
        return owners

    def _typo_candidates(self, query: str) -> list[tuple[int, int]]:
        """(distance, name id) within the query's typo allowance, nearest and earliest first."""
        limit = max_typo_distance(len(query))
        if limit == 0:
            return []
        found: dict[int, int] = {}
        if len(query) <= DELETION_INDEX_MAX:
            # One edit: the query, or one deletion of it, meets a name or one deletion of a name.
            probes = {query} | _deletions(query)
            for probe in probes:
                name_id = self._name_id.get(probe)
                if name_id is not None:
                    found[name_id] = 0
                found.update(dict.fromkeys(_ids(self._deletes.get(probe)), 0))
            for name_id in list(found):
                distance = OSA.distance(query, self._names[name_id], score_cutoff=1)
                if distance <= 1:
                    found[name_id] = distance
                else:
                    del found[name_id]
        if not found and (limit > 1 or len(query) > DELETION_INDEX_MAX):
            for name, distance, _ in process.extract(
                query,
                self._scan_candidates(query, limit),
                scorer=OSA.distance,
                score_cutoff=limit,
                limit=MAX_SUGGESTIONS * 4,
            ):
                found[self._name_id[name]] = int(distance)
        return sorted(
            ((d, n) for n, d in found.items()), key=lambda item: (item[0], self._first_owner(item[1]))
        )

    def _scan_candidates(self, query: str, limit: int) -> list[str]:
        """Names worth an edit-distance check: of about the query's length and, for several words,
        sharing one of its two rarest indexed words (a typo leaves the other words intact); of those,
        only the ones whose letters allow ``limit`` edits (``glossary.letter_filter``), in the same order."""
        letters = self._name_letters()
        words = set(query.split())
        shared = sorted((_ids(self._name_words[w]) for w in words if w in self._name_words), key=len)[:2]
        if len(words) >= 2 and shared:
            ids = {name_id for name_ids in shared for name_id in name_ids}
            positions = letters.keep(query, limit, ids)
        else:
            positions = letters.scan(query, limit)
        names = self._names
        return [names[i] for i in positions]

    def warm(self) -> None:
        """Make now what the first typo would otherwise make (the letter filters of the names, the search
        words and the long names' words): a process's first look-ups then cost what later ones do."""
        self._name_letters()
        self._vocabulary_letters()
        self._reverse.warm()

    def _name_letters(self) -> LetterFilter:
        """The names' letter signatures, made on the first scan: an exact hit never pays for them."""
        letters: LetterFilter | None = getattr(self, "_letters", None)
        if letters is None:
            from glossary.letter_filter import LetterFilter

            # built whole before it is shared, so threads racing here only repeat the work
            letters = self._letters = LetterFilter(self._names)
        return letters

    def _confident(self, query: str, scored: list[tuple[int, int]], in_capitals: bool) -> list[int] | None:
        """The owners of the single nearest name, when correcting to it is safe; else None."""
        if not scored:
            return None
        best_distance, best_name = scored[0]
        concepts = {
            self._concept[_position(o)]
            for d, n in scored
            if d == best_distance
            for o in _ids(self._name_owners[n])
        }
        name = self._names[best_name]
        if " " in query:
            # In a name of several words, only typos inside words: "Community Safety Unit" is a
            # few letters from "Community Safety Fund", but a changed word is another body.
            match = align(best_name, name_words(query), name_words(name))
            if match is None or match.differences != SAME:
                return None
        if len(concepts) == 1 and is_confident_correction(
            query, name, best_distance, in_capitals=in_capitals
        ):
            return list(_ids(self._name_owners[best_name]))
        return None

    def _first_owner(self, name_id: int) -> int:
        return min(_position(o) for o in _ids(self._name_owners[name_id]))

    def _concept_count(self, owners: list[int]) -> int:
        return len({self._concept[_position(o)] for o in owners})

    def _concept_heads(self, owners: list[int], prefer: EntryKind | None) -> list[GlossaryEntry]:
        """One entry per concept (the directly matched one, preferred kind first), in order."""
        heads: dict[int, GlossaryEntry] = {}
        for owner in owners:
            entry = self._entries[_position(owner)]
            root = self._concept[_position(owner)]
            current = heads.get(root)
            if current is None or (prefer and current.kind is not prefer and entry.kind is prefer):
                heads[root] = entry
        return list(heads.values())

    def _result(
        self,
        query: str,
        text: str,
        status: LookupStatus,
        owners: list[int],
        prefer: EntryKind | None,
        *,
        corrected: bool = False,
    ) -> LookupResult:
        direct = list(dict.fromkeys(_position(o) for o in owners))
        if status is LookupStatus.AMBIGUOUS:
            matches = self._concept_heads(owners, prefer)[:MAX_AMBIGUOUS]
        else:
            matches = self._with_linked(direct, prefer)
        return LookupResult(
            query=query,
            status=status,
            matches=tuple(matches),
            corrected_from=query.strip() if corrected else None,
            normalised=text,
        )

    def _with_linked(self, direct: list[int], prefer: EntryKind | None) -> list[GlossaryEntry]:
        """Direct matches (preferred kind first), then the rest of each matched concept."""
        ordered = sorted(direct, key=lambda p: prefer is not None and self._entries[p].kind is not prefer)
        result = list(ordered)
        for position in ordered:
            for member in self._members[self._concept[position]]:
                if member not in result:
                    result.append(member)
        return [self._entries[p] for p in result]

    # ------------------------------------------------------------------ search

    def search(self, query: str, limit: int = 10) -> list[GlossaryEntry]:
        """Entries whose key, aliases, expansion or definition mention the words, best first."""
        query, _ = first_words(query, MAX_SEARCH_WORDS, MAX_SEARCH_CHARS)  # bounded; the view says so
        words = list(dict.fromkeys(w for w in singular(fold(query)).split() if w not in _SEARCH_STOPWORDS))
        if not words:
            return []
        scores: dict[int, float] = defaultdict(float)
        matched_words: dict[int, int] = defaultdict(int)
        for number, word in enumerate(words):
            reached: dict[int, float] = {}
            for term, factor in self._expand_search_word(word, fuzzy=number < MAX_SEARCH_TYPO_SCANS):
                for packed in self._postings[term]:
                    position, weight = packed >> 4, packed & 15
                    reached[position] = max(reached.get(position, 0.0), weight * factor)
            for position, score in reached.items():
                scores[position] += score
                matched_words[position] += 1
        if not scores:
            return []
        phrase = singular(fold(query))
        for position in scores:
            if phrase in self._key_phrase[position]:
                scores[position] += 20
        ranked = sorted(scores, key=lambda p: (-matched_words[p], -scores[p], p))
        return [self._entries[p] for p in ranked[:limit]]

    def _expand_search_word(self, word: str, fuzzy: bool = True) -> list[tuple[str, float]]:
        """The word itself, words it prefixes ("exploit" → "exploitation"), or its typo fix."""
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = 1.0
        if len(word) >= 4:
            start = bisect.bisect_left(self._vocabulary, word)
            for term in self._vocabulary[start : start + 50]:
                if not term.startswith(word):
                    break
                found.setdefault(term, 0.8)
        if not found and fuzzy and len(word) >= 4:
            limit = 1 if len(word) < 8 else 2
            letters = self._vocabulary_letters()
            # only the words whose letters allow it, in the vocabulary's order (which breaks ties)
            near = sorted(letters.scan(word, limit))
            vocabulary = self._vocabulary
            for term, _, _ in process.extract(
                word, [vocabulary[i] for i in near], scorer=OSA.distance, score_cutoff=limit, limit=3
            ):
                found[term] = 0.6
        return list(found.items())

    def _vocabulary_letters(self) -> LetterFilter:
        """The search vocabulary's letter signatures, made on the first typo fix of a search word."""
        letters: LetterFilter | None = getattr(self, "_vocabulary_letter_filter", None)
        if letters is None:
            from glossary.letter_filter import LetterFilter

            letters = self._vocabulary_letter_filter = LetterFilter(self._vocabulary)
        return letters

    # ------------------------------------------------------------------ explain

    def explain(self, message: str) -> list[ExplainedToken]:
        """Every known acronym in a message, in the order written, once each."""
        found: dict[str, ExplainedToken] = {}
        message, _ = first_words(message, MAX_EXPLAIN_WORDS, MAX_EXPLAIN_CHARS)  # bounded; the view says so
        for token in _acronym_like_tokens(message, self._mixed_case_keys()):
            folded = fold(token)
            if not folded or folded in found:
                continue
            positions = [
                _position(o)
                for o in self._probe(folded)
                if _field(o) is not Field.EXPANSION and self._entries[_position(o)].kind is EntryKind.ACRONYM
            ]
            if positions:
                entries = tuple(self._entries[p] for p in dict.fromkeys(positions))
                found[folded] = ExplainedToken(token=token, entries=entries)
        return list(found.values())

    def _mixed_case_keys(self) -> frozenset[str]:
        """Acronym keys not all in capitals ("Econ"): a message's word is one only if written so."""
        return self._mixed_keys

    # ------------------------------------------------------------------ saving and loading

    def state(self) -> dict[str, Any]:
        """The whole index as plain values (strings, integers, bytes, tuples, lists and dicts), which
        ``marshal`` writes and reads back fast: ``glossary.snapshot`` saves it so that the next process
        loads in a fraction of a second what took seconds to build. ``from_state`` is its inverse."""
        entries = self._entries
        fields = (
            [entries.fields(p) for p in range(len(entries))]
            if isinstance(entries, _SavedEntries)
            else [entry_fields(e) for e in entries]
        )
        if not isinstance(entries, _SavedEntries) and any(type(e) is not GlossaryEntry for e in entries):
            # a pack's entries carry more than the nine fields: its index is built from the pack instead
            raise TypeError("only an index of plain glossary entries is saved")
        return {
            "entries": fields,
            "position": self._position,
            "concept": self._concept,
            "exact": self._exact,
            "names": self._names,
            "name_owners": self._name_owners,
            "name_id": self._name_id,
            "deletes": self._deletes,
            "name_words": self._name_words,
            "postings": {word: postings.tobytes() for word, postings in self._postings.items()},
            "key_phrase": self._key_phrase,
            "max_name_words": self._max_name_words,
            "vocabulary": self._vocabulary,
            "mixed_keys": self._mixed_keys,
            "reverse": self._reverse.state(),
            # the filters too, so that a loaded index's first typo costs what later ones do
            "name_letters": self._name_letters().state(),
            "vocabulary_letters": self._vocabulary_letters().state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> GlossaryIndex:
        """An index equal to the one whose ``state()`` this is (the tests compare their answers)."""
        index = cls.__new__(cls)
        index._entries = _SavedEntries(state["entries"])
        index._position = state["position"]
        index._concept = state["concept"]
        index._members = _members_of(index._concept)
        index._exact = state["exact"]
        index._names = state["names"]
        index._name_owners = state["name_owners"]
        index._name_id = state["name_id"]
        index._deletes = state["deletes"]
        index._name_words = state["name_words"]
        index._postings = {word: array("I", packed) for word, packed in state["postings"].items()}
        index._key_phrase = state["key_phrase"]
        index._max_name_words = state["max_name_words"]
        index._vocabulary = state["vocabulary"]
        index._mixed_keys = state["mixed_keys"]
        index._reverse = ReverseIndex.from_state(index._names, state["reverse"])
        from glossary.letter_filter import LetterFilter

        index._letters = LetterFilter.from_state(state["name_letters"])
        index._vocabulary_letter_filter = LetterFilter.from_state(state["vocabulary_letters"])
        return index


def _members_of(concept: list[int]) -> dict[int, list[int]]:
    """Each concept's root → the positions of its entries, in order."""
    members: dict[int, list[int]] = defaultdict(list)
    for position, root in enumerate(concept):
        members[root].append(position)
    return members


def _written_as_acronym(name: str) -> bool:
    """A name that is one word in capitals ending in S (DVDS, CAMHS, LEDS): its S is part of it."""
    return name.isalpha() and name.isupper() and len(name) <= 8 and name.endswith("S")


def _typed_in_capitals(query: str, core: str) -> bool:
    """Whether the looked-up word was written in capitals (IDVA, MARACs): typed as an acronym."""
    if " " in core:
        return False
    for raw in drop_acronym_plurals(query).split():
        letters = [ch for ch in raw if ch.isalpha()]
        if len(letters) >= 2 and all(ch.isupper() for ch in letters) and fold(raw) == core:
            return True
    return False


def _acronym_like_tokens(message: str, mixed_case_keys: frozenset[str]) -> Iterable[str]:
    """Words written like acronyms: MARAC, MARACs, CPN's, G-MAP, M.A.R.A.C (and keys such as "Econ")."""
    for raw in message.replace("\n", " ").split(" "):
        token = raw.strip("()[]{}\"'“”‘’,;:!?*_~`<>")
        token = token.rstrip(".")
        if not token:
            continue
        bare = token
        for suffix in ("'s", "’s", "s"):
            if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
                stem = bare[: -len(suffix)]
                if sum(ch.isupper() for ch in stem) >= 2 and not any(ch.islower() for ch in stem):
                    bare = stem
                    break
        letters = [ch for ch in bare if ch.isalpha()]
        uppers = sum(ch.isupper() for ch in letters)
        if (uppers >= 2 and uppers == len(letters)) or token in mixed_case_keys:
            yield token
