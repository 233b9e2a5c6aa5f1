"""The labelled glossary queries, scored: false answers and typo recall beside their targets.

    python bench/glossary_eval.py [FILE]

FILE defaults to tests/data/glossary_queries.csv. Exits 1 when a target is missed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from glossary.evaluation import evaluate, read_labelled, report
from glossary.index import GlossaryIndex
from glossary.loader import seed_entries
from glossary.packs import shipped_packs, tiered_lookup

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "glossary_queries.csv"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    index = GlossaryIndex(seed_entries())
    rows = read_labelled(path)
    passed = True
    for title, lookup in (
        ("the plan's glossary, then the national pack (a new partnership)", None),
        ("the plan's glossary alone (the pack switched off)", index.lookup),
    ):
        evaluation = evaluate(lookup or (lambda q: tiered_lookup(index, shipped_packs(), q)), rows)
        print(f"== {title}")
        for line in report(evaluation):
            print(line)
        passed = passed and evaluation.passed
    print("targets met" if passed else "TARGETS MISSED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
