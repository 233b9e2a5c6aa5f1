"""The labelled glossary queries (tests/data/glossary_queries.csv): never a false answer, and
typos of the plan's own entries answered or offered at least 97 % of the time."""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.evaluation import (
    MIN_ROWS,
    MIN_TYPO_RECALL,
    LabelledQuery,
    LabelledSetError,
    evaluate,
    judge,
    read_labelled,
    report,
)
from glossary.index import GlossaryIndex
from glossary.loader import seed_entries
from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.packs import shipped_packs, tiered_lookup

DATA = Path(__file__).parent / "data" / "glossary_queries.csv"
ROWS = read_labelled(DATA)
INDEX = GlossaryIndex(seed_entries())


def test_the_set_is_big_enough_and_every_row_says_where_it_came_from() -> None:
    assert len(ROWS) >= MIN_ROWS
    assert len({r.query for r in ROWS}) == len(ROWS), "each query once"
    for kind in ("typo", "acronym", "reverse", "nothing"):
        assert sum(r.kind == kind for r in ROWS) >= 20, kind
    assert all(r.source for r in ROWS)
    assert all(r.source.startswith("http") for r in ROWS if r.kind == "acronym")


def _with_the_packs(query: str) -> LookupResult:
    return tiered_lookup(INDEX, shipped_packs(), query)


@pytest.mark.parametrize("lookup", [_with_the_packs, INDEX.lookup], ids=["with-national-pack", "plan-only"])
def test_no_false_answers_and_typo_recall_on_target(lookup: object) -> None:
    """What a new partnership gets (its plan's glossary, then the national pack), and a partnership that
    switched the pack off."""
    evaluation = evaluate(lookup, ROWS)  # type: ignore[arg-type]
    lines = "\n".join(report(evaluation))
    assert evaluation.false_answers == [], lines
    assert evaluation.typo_recall >= MIN_TYPO_RECALL, lines
    assert evaluation.passed


def _entry(key: str, text: str) -> GlossaryEntry:
    return GlossaryEntry(id=key.lower(), kind=EntryKind.ACRONYM, key=key, text=text, source="t")


def test_scoring_counts_a_wrong_found_as_false_and_a_right_one_from_any_tier_as_correct() -> None:
    row = LabelledQuery("IDVA", ("Independent Domestic Violence Advisor",), "acronym", "http://x")
    wrong = LookupResult(
        query="IDVA", status=LookupStatus.FOUND, matches=(_entry("DVA", "Domestic Violence and Abuse"),)
    )
    assert judge(row, wrong).verdict == "false"
    # a national pack answering it (with "Adviser", in another order of words) is correct
    right = LookupResult(
        query="IDVA",
        status=LookupStatus.FOUND,
        matches=(_entry("IDVA", "Adviser, Independent Domestic Violence"),),
    )
    assert judge(row, right).verdict == "correct"
    offered = LookupResult(
        query="IDVA",
        status=LookupStatus.SUGGESTIONS,
        suggestions=(_entry("DVA", "Domestic Violence and Abuse"),),
    )
    assert judge(row, offered).verdict == "declined"
    nothing = LabelledQuery("banana", (), "nothing", "word")
    assert judge(nothing, wrong).verdict == "false"


def test_a_bad_labelled_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("query,truth,kind,source\nMARAC,,acronym,x\n", encoding="utf-8")
    with pytest.raises(LabelledSetError, match="row 2"):
        read_labelled(bad)
