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

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "glossary_queries.csv"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    index = GlossaryIndex(seed_entries())
    evaluation = evaluate(index.lookup, read_labelled(path))
    for line in report(evaluation):
        print(line)
    print("targets met" if evaluation.passed else "TARGETS MISSED")
    return 0 if evaluation.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
