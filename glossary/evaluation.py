"""Scoring look-ups against a labelled set of queries (tests/data/glossary_queries.csv).

Each row is a query, its truth (the real expansion or name; alternatives that name the same thing
are separated by " | "; empty when the query means nothing), its kind (typo, acronym, reverse,
nothing) and where it came from. The measure that matters is the false answer: a ``found`` result
none of whose entries is the truth. A real acronym that the glossary does not know must therefore
come back "not found" or "did you mean"; if a later tier (a national pack) answers it correctly,
that is a correct answer. Typo recall is the share of typos of real entries answered correctly or
offered among the suggestions.

Pure data: no Slack, no database. ``lookup`` is any function from a query to a LookupResult, so
the same scoring serves the plan's index and any tier built on it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.normalise import fold
from glossary.reverse import name_words

KINDS = ("typo", "acronym", "reverse", "nothing")
#: targets the labelled set is held to (the test fails when either slips)
MAX_FALSE_ANSWERS = 0
MIN_TYPO_RECALL = 0.97
MIN_ROWS = 300


class LabelledSetError(ValueError):
    """A labelled file that cannot be read; the message says which line and why."""


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    truths: tuple[str, ...]
    kind: str
    source: str


@dataclass(frozen=True)
class Outcome:
    row: LabelledQuery
    status: LookupStatus
    #: "correct" (answered right), "false" (answered wrong), "offered" (right one among the
    #: candidates), "declined" (not found, or candidates without the truth)
    verdict: str
    answered: tuple[str, ...] = ()


@dataclass
class Evaluation:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def false_answers(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict == "false"]

    def of_kind(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.row.kind == kind]

    @property
    def typo_recall(self) -> float:
        typos = self.of_kind("typo")
        good = sum(o.verdict in ("correct", "offered") for o in typos)
        return good / len(typos) if typos else 1.0

    @property
    def typo_misses(self) -> list[Outcome]:
        return [o for o in self.of_kind("typo") if o.verdict not in ("correct", "offered")]

    def verdicts(self, kind: str) -> Counter[str]:
        return Counter(o.verdict for o in self.of_kind(kind))

    @property
    def passed(self) -> bool:
        return len(self.false_answers) <= MAX_FALSE_ANSWERS and self.typo_recall >= MIN_TYPO_RECALL


def read_labelled(path: Path) -> list[LabelledQuery]:
    """The rows of a labelled CSV (lines starting with '#' are comments)."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledSetError(f"{path.name}: cannot read ({exc.__class__.__name__})") from None
    rows: list[LabelledQuery] = []
    for number, record in enumerate(csv.DictReader(lines), start=2):
        kind = (record.get("kind") or "").strip()
        query = (record.get("query") or "").strip()
        if kind not in KINDS or not query:
            raise LabelledSetError(
                f"{path.name} row {number}: needs a query and a kind from {', '.join(KINDS)}"
            )
        truths = tuple(t.strip() for t in (record.get("truth") or "").split(" | ") if t.strip())
        if (kind == "nothing") != (not truths):
            raise LabelledSetError(f"{path.name} row {number}: only 'nothing' rows have an empty truth")
        rows.append(LabelledQuery(query, truths, kind, (record.get("source") or "").strip()))
    return rows


def _normal(text: str) -> tuple[str, ...]:
    """Names compared as bags of words: case, punctuation, order, plurals and spelling ignored."""
    return tuple(sorted(name_words(fold(text))))


def _names(entry: GlossaryEntry) -> Iterable[str]:
    yield entry.key
    yield from entry.aliases
    if entry.kind is EntryKind.ACRONYM:
        yield entry.text


def is_truth(entry: GlossaryEntry, truths: Sequence[str]) -> bool:
    """Whether an entry's expansion (or name, or an alias) is one of the truths."""
    wanted = {_normal(t) for t in truths}
    return any(_normal(name) in wanted for name in _names(entry))


def judge(row: LabelledQuery, result: LookupResult) -> Outcome:
    if result.status is LookupStatus.FOUND:
        shown = tuple(f"{e.key}: {e.text[:60]}" for e in result.matches)
        good = bool(row.truths) and any(is_truth(e, row.truths) for e in result.matches)
        return Outcome(row, result.status, "correct" if good else "false", shown)
    candidates = result.matches if result.status is LookupStatus.AMBIGUOUS else result.suggestions
    shown = tuple(e.key for e in candidates)
    offered = bool(row.truths) and any(is_truth(e, row.truths) for e in candidates)
    return Outcome(row, result.status, "offered" if offered else "declined", shown)


def evaluate(lookup: Callable[[str], LookupResult], rows: Iterable[LabelledQuery]) -> Evaluation:
    return Evaluation([judge(row, lookup(row.query)) for row in rows])


def report(evaluation: Evaluation) -> list[str]:
    """The figures beside their targets, then every failure, as printable lines."""
    typos = evaluation.of_kind("typo")
    lines = [
        f"queries: {len(evaluation.outcomes)} (target ≥ {MIN_ROWS}); "
        + ", ".join(f"{k} {len(evaluation.of_kind(k))}" for k in KINDS),
        f"false answers: {len(evaluation.false_answers)} (target {MAX_FALSE_ANSWERS})",
        f"typo recall: {evaluation.typo_recall:.1%} of {len(typos)} "
        f"(target ≥ {MIN_TYPO_RECALL:.0%}; answered {evaluation.verdicts('typo')['correct']}, "
        f"offered {evaluation.verdicts('typo')['offered']})",
    ]
    for kind in ("acronym", "reverse", "nothing"):
        counts = evaluation.verdicts(kind)
        lines.append(
            f"{kind}: " + ", ".join(f"{v} {counts[v]}" for v in ("correct", "offered", "declined", "false"))
        )
    for outcome in evaluation.false_answers:
        lines.append(
            f"FALSE ANSWER: {outcome.row.query!r} → {'; '.join(outcome.answered)} (truth: {' | '.join(outcome.row.truths) or 'nothing'})"
        )
    for outcome in evaluation.typo_misses:
        lines.append(
            f"TYPO MISSED: {outcome.row.query!r} → {outcome.status.value} {', '.join(outcome.answered)} (truth: {outcome.row.truths[0]})"
        )
    return lines
