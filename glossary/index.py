"""The in-memory glossary index: exact, partial, typo-tolerant and full-text matching.

Built once from the entries (the database rebuilds it after a change); every
look-up after that is dictionary probes plus, only on a miss, a bounded
rapidfuzz scan of names of about the query's length. Names are keys, aliases
and acronym expansions: never definitions, so a misspelt acronym is matched
against acronyms (the mistake a peer bot made was fuzzing the definitions).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.normalise import compact, drop_acronym_plurals, fold, forms, singular, strip_question

MAX_SUGGESTIONS = 5
MAX_AMBIGUOUS = 10

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


class Field(IntEnum):
    """Which part of an entry a name came from; lower ranks first."""

    KEY = 0
    ALIAS = 1
    EXPANSION = 2


@dataclass(frozen=True, slots=True)
class _Owner:
    entry_id: str
    field: Field


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


def is_confident_correction(query: str, name: str, distance: int) -> bool:
    """Whether a typo correction is safe to answer directly rather than ask "did you mean".

    Short strings are where inventing happens: PPE is one substitution from PPO
    and must never be answered as PPO. A single insertion or deletion in a
    4-letter query (MARC → MARAC) is a typo; a substitution in 3 or 4 letters
    is a different acronym.
    """
    length = len(query)
    if distance <= 0:
        return True
    if distance == 1:
        return length >= 5 or (length == 4 and Indel.distance(query, name) == 1)
    if distance == 2:
        return length >= 9
    if distance == 3:
        return length >= 14
    return length >= 20 and distance <= length // 6


class GlossaryIndex:
    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self._entries: dict[str, GlossaryEntry] = {}
        for entry in entries:
            self._entries[entry.id] = entry
        self._order = {entry_id: n for n, entry_id in enumerate(self._entries)}
        self._concept = self._link_concepts()
        # three probe tiers: folded, singular, compact singular → owners
        self._exact: tuple[dict[str, list[_Owner]], ...] = ({}, {}, {})
        # names (singular folded) → owners, bucketed by length for the typo scan
        self._name_owners: dict[str, list[_Owner]] = defaultdict(list)
        self._names_by_length: dict[int, list[str]] = defaultdict(list)
        # word → names containing it, for partial-name matches
        self._name_words: dict[str, set[str]] = defaultdict(set)
        # word → {entry id: weight}, for search
        self._search_words: dict[str, dict[str, int]] = defaultdict(dict)
        self._vocabulary: list[str] = []
        self._build()

    # ------------------------------------------------------------------ build

    def _link_concepts(self) -> dict[str, str]:
        """Union a term and its acronym into one concept."""
        parent = {entry_id: entry_id for entry_id in self._entries}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        # Only a term and an acronym for the same thing are one concept (ASB ↔ Anti social
        # behaviour); other see-also links (PPO → IOM, CPN → CPN health) stay cross-references.
        for entry in self._entries.values():
            for other in entry.see_also:
                if other in parent and self._entries[other].kind is not entry.kind:
                    a, b = find(entry.id), find(other)
                    if a != b:
                        # keep the earliest-loaded entry as the root so order is stable
                        if self._order[a] > self._order[b]:
                            a, b = b, a
                        parent[b] = a
        return {entry_id: find(entry_id) for entry_id in self._entries}

    def _names_of(self, entry: GlossaryEntry) -> Iterable[tuple[str, Field]]:
        yield entry.key, Field.KEY
        for alias in entry.aliases:
            yield alias, Field.ALIAS
        if entry.kind is EntryKind.ACRONYM:
            yield entry.text, Field.EXPANSION

    def _build(self) -> None:
        seen_exact: tuple[set[tuple[str, str]], ...] = (set(), set(), set())
        for entry in self._entries.values():
            for name, field in self._names_of(entry):
                folded = fold(name)
                if not folded:
                    continue
                owner = _Owner(entry.id, field)
                for tier, form in enumerate(forms(folded)):
                    if (form, entry.id) not in seen_exact[tier]:
                        seen_exact[tier].add((form, entry.id))
                        self._exact[tier].setdefault(form, []).append(owner)
                sing = singular(folded)
                if not self._name_owners[sing]:
                    self._names_by_length[len(sing)].append(sing)
                    for word in sing.split():
                        self._name_words[word].add(sing)
                self._name_owners[sing].append(owner)
            self._index_for_search(entry)
        for owners in self._exact:
            for form_owners in owners.values():
                form_owners.sort(key=lambda o: (o.field, self._order[o.entry_id]))
        self._lengths = sorted(self._names_by_length)
        self._vocabulary = sorted(self._search_words)

    def _index_for_search(self, entry: GlossaryEntry) -> None:
        weighted = [(entry.key, 10), *((alias, 8) for alias in entry.aliases)]
        weighted.append((entry.text, 6 if entry.kind is EntryKind.ACRONYM else 3))
        if entry.context:
            weighted.append((entry.context, 2))
        if entry.note:
            weighted.append((entry.note, 1))
        for text, weight in weighted:
            for word in singular(fold(text)).split():
                if word in _SEARCH_STOPWORDS:
                    continue
                postings = self._search_words[word]
                if postings.get(entry.id, 0) < weight:
                    postings[entry.id] = weight

    # ------------------------------------------------------------------ access

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> GlossaryEntry | None:
        return self._entries.get(entry_id)

    @property
    def entries(self) -> Sequence[GlossaryEntry]:
        return list(self._entries.values())

    def linked(self, entry: GlossaryEntry) -> list[GlossaryEntry]:
        """The other entries of the same concept (a term's acronym, an acronym's term)."""
        root = self._concept[entry.id]
        return [e for e in self._entries.values() if self._concept[e.id] == root and e.id != entry.id]

    # ------------------------------------------------------------------ look-up

    def lookup(self, query: str, prefer: EntryKind | None = None) -> LookupResult:
        """Answer one query: exact, then part of it, then part of a name, then typos."""
        text = strip_question(query)
        if not text:
            return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised="")

        owners = self._probe(text) or self._probe(strip_question(drop_acronym_plurals(query)))
        if owners:
            return self._result(query, text, LookupStatus.FOUND, owners, prefer)

        owners = self._probe_sub_phrases(text)
        if owners:
            return self._result(query, text, LookupStatus.FOUND, owners, prefer)

        owners = self._partial_names(text)
        if owners:
            status = LookupStatus.FOUND if self._concept_count(owners) == 1 else LookupStatus.AMBIGUOUS
            return self._result(query, text, status, owners, prefer)

        return self._typos(query, text, prefer)

    def _probe(self, folded: str) -> list[_Owner]:
        for tier, form in enumerate(forms(folded)):
            owners = self._exact[tier].get(form)
            if owners:
                return owners
        return []

    def _probe_sub_phrases(self, folded: str) -> list[_Owner]:
        """Longest runs of words that are a name: "MARAC referral" → MARAC."""
        words = folded.split()
        for size in range(len(words) - 1, 0, -1):
            found: list[_Owner] = []
            for start in range(len(words) - size + 1):
                phrase = words[start : start + size]
                if size == 1 and (phrase[0] in _SEARCH_STOPWORDS or len(phrase[0]) < 2):
                    continue
                found.extend(o for o in self._probe(" ".join(phrase)) if o not in found)
            if found:
                return found
        return []

    def _partial_names(self, folded: str) -> list[_Owner]:
        """Names that contain the query as whole words: "homicide review" → DHR."""
        sing = singular(folded)
        words = [w for w in sing.split() if w not in _SEARCH_STOPWORDS]
        if not words or len(compact(sing)) < 4:
            return []
        candidates = set.intersection(*(self._name_words.get(w, set()) for w in words))
        padded = f" {sing} "
        owners: list[_Owner] = []
        for name in candidates:
            if padded in f" {name} ":
                owners.extend(self._name_owners[name])
        owners.sort(key=lambda o: (self._order[o.entry_id], o.field))
        return owners

    def _typos(self, query: str, text: str, prefer: EntryKind | None) -> LookupResult:
        sing = singular(text)
        length = len(sing)
        limit = max_typo_distance(length)
        if limit == 0:
            return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised=text)
        scored: list[tuple[int, str]] = []
        lo = bisect.bisect_left(self._lengths, length - limit)
        hi = bisect.bisect_right(self._lengths, length + limit)
        for name_length in self._lengths[lo:hi]:
            bucket = self._names_by_length[name_length]
            for name, distance, _ in process.extract(
                sing, bucket, scorer=OSA.distance, score_cutoff=limit, limit=MAX_SUGGESTIONS * 4
            ):
                scored.append((int(distance), name))
        if not scored:
            return LookupResult(query=query, status=LookupStatus.NOT_FOUND, normalised=text)
        scored.sort(key=lambda item: (item[0], self._first_order(item[1])))
        best_distance, best_name = scored[0]
        best_concepts = {
            self._concept[o.entry_id] for d, n in scored if d == best_distance for o in self._name_owners[n]
        }
        # one concept at the best distance, and a safe kind of edit: answer; otherwise ask
        if len(best_concepts) == 1 and is_confident_correction(sing, best_name, best_distance):
            return self._result(
                query, text, LookupStatus.FOUND, self._name_owners[best_name], prefer, corrected=True
            )
        owners: list[_Owner] = []
        for _, name in scored:
            owners.extend(self._name_owners[name])
        suggestions = self._concept_heads(owners, prefer)[:MAX_SUGGESTIONS]
        return LookupResult(
            query=query, status=LookupStatus.SUGGESTIONS, suggestions=tuple(suggestions), normalised=text
        )

    def _first_order(self, name: str) -> int:
        return min(self._order[o.entry_id] for o in self._name_owners[name])

    def _concept_count(self, owners: list[_Owner]) -> int:
        return len({self._concept[o.entry_id] for o in owners})

    def _concept_heads(self, owners: list[_Owner], prefer: EntryKind | None) -> list[GlossaryEntry]:
        """One entry per concept (the directly matched one, preferred kind first), in order."""
        heads: dict[str, GlossaryEntry] = {}
        for owner in owners:
            entry = self._entries[owner.entry_id]
            root = self._concept[entry.id]
            current = heads.get(root)
            if current is None or (prefer and current.kind is not prefer and entry.kind is prefer):
                heads[root] = entry
        return list(heads.values())

    def _result(
        self,
        query: str,
        text: str,
        status: LookupStatus,
        owners: list[_Owner],
        prefer: EntryKind | None,
        *,
        corrected: bool = False,
    ) -> LookupResult:
        direct: list[str] = []
        for owner in owners:
            if owner.entry_id not in direct:
                direct.append(owner.entry_id)
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

    def _with_linked(self, direct: list[str], prefer: EntryKind | None) -> list[GlossaryEntry]:
        """Direct matches (preferred kind first), then the rest of each matched concept."""
        ordered = sorted(direct, key=lambda i: (prefer is not None and self._entries[i].kind is not prefer,))
        result = [self._entries[i] for i in ordered]
        for entry_id in ordered:
            for other in self.linked(self._entries[entry_id]):
                if other not in result:
                    result.append(other)
        return result

    # ------------------------------------------------------------------ search

    def search(self, query: str, limit: int = 10) -> list[GlossaryEntry]:
        """Entries whose key, aliases, expansion or definition mention the words, best first."""
        words = [w for w in singular(fold(query)).split() if w not in _SEARCH_STOPWORDS]
        if not words:
            return []
        scores: dict[str, float] = defaultdict(float)
        matched_words: dict[str, int] = defaultdict(int)
        for word in dict.fromkeys(words):
            for term, factor in self._expand_search_word(word):
                for entry_id, weight in self._search_words[term].items():
                    scores[entry_id] += weight * factor
                    matched_words[entry_id] += 1
        if not scores:
            return []
        phrase = singular(fold(query))
        for entry_id in scores:
            entry = self._entries[entry_id]
            if phrase in singular(fold(entry.key)):
                scores[entry_id] += 20
        wanted = len(dict.fromkeys(words))
        ranked = sorted(
            scores,
            key=lambda i: (-min(matched_words[i], wanted), -scores[i], self._order[i]),
        )
        return [self._entries[i] for i in ranked[:limit]]

    def _expand_search_word(self, word: str) -> list[tuple[str, float]]:
        """The word itself, words it prefixes ("exploit" → "exploitation"), or its typo fix."""
        found: list[tuple[str, float]] = []
        if word in self._search_words:
            found.append((word, 1.0))
        if len(word) >= 4:
            start = bisect.bisect_left(self._vocabulary, word)
            for term in self._vocabulary[start : start + 50]:
                if not term.startswith(word):
                    break
                if term != word:
                    found.append((term, 0.8))
        if not found and len(word) >= 4:
            limit = 1 if len(word) < 8 else 2
            for term, _, _ in process.extract(
                word, self._vocabulary, scorer=OSA.distance, score_cutoff=limit, limit=3
            ):
                found.append((term, 0.6))
        # one word may reach the same term twice (prefix and exact): keep the best
        best: dict[str, float] = {}
        for term, factor in found:
            best[term] = max(best.get(term, 0.0), factor)
        return list(best.items())

    # ------------------------------------------------------------------ explain

    def explain(self, message: str) -> list[ExplainedToken]:
        """Every known acronym in a message, in the order written, once each."""
        found: dict[str, ExplainedToken] = {}
        for token in _acronym_like_tokens(message, self._mixed_case_keys()):
            folded = fold(token)
            if not folded or folded in found:
                continue
            owners = [
                o
                for o in self._probe(folded)
                if o.field is not Field.EXPANSION and self._entries[o.entry_id].kind is EntryKind.ACRONYM
            ]
            if owners:
                entries = tuple(dict.fromkeys(self._entries[o.entry_id] for o in owners))
                found[folded] = ExplainedToken(token=token, entries=entries)
        return list(found.values())

    def _mixed_case_keys(self) -> frozenset[str]:
        cached = getattr(self, "_mixed_keys", None)
        if cached is None:
            cached = frozenset(
                e.key for e in self._entries.values() if e.kind is EntryKind.ACRONYM and not e.key.isupper()
            )
            self._mixed_keys = cached
        return cached


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
