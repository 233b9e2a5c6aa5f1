"""The personal-data guard: its catch and refusal rates on the labelled set, and its cost per line.

Run from the repository root::

    python bench/privacy_bench.py            # rates on tests/data, then latency (about 20 seconds)
    python bench/privacy_bench.py --rates    # only the rates and the misses

Rates: every line of ``tests/data/privacy_tuning.tsv`` (used while writing the rules) and
``tests/data/privacy_heldout.tsv`` (written first and kept aside) is checked; lines with personal data that
pass and clean lines that are refused are listed. Targets: caught ≥ 98 %, clean refused ≤ 2 %, on each part.

Latency: ``find_personal_data`` and ``mask_personal_data`` on 500-character lines built deterministically
from the labelled lines (``random.Random(seed)``), each call timed with ``time.perf_counter_ns``; then lines
of 1,000 to 64,000 characters, to show the cost grows in proportion to the length. Target: p99 ≤ 1 ms for
a 500-character line. Wall-clock and CPU-time percentiles are both printed: on a shared machine the wall
clock also counts the time the process waited for a core. Every figure is printed beside its target;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.privacy import find_personal_data, mask_personal_data

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PARTS = {"tuning": DATA / "privacy_tuning.tsv", "held out": DATA / "privacy_heldout.tsv"}
RECALL_TARGET = 0.98
FALSE_REFUSAL_TARGET = 0.02
P99_TARGET_MS = 1.0


@dataclass(frozen=True)
class Labelled:
    personal: bool
    text: str


@dataclass(frozen=True)
class Rates:
    personal: int
    caught: int
    clean: int
    refused: int
    misses: tuple[str, ...]
    false_refusals: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.caught / self.personal if self.personal else 1.0

    @property
    def false_refusal_rate(self) -> float:
        return self.refused / self.clean if self.clean else 0.0


def read_labelled(path: Path) -> list[Labelled]:
    """``P`` or ``C``, a tab, the line; ``#`` starts a comment."""
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, separator, text = line.partition("\t")
        if label not in {"P", "C"} or not separator or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected 'P' or 'C', a tab and a line")
        lines.append(Labelled(label == "P", text))
    return lines


def rates(lines: list[Labelled]) -> Rates:
    misses, refusals = [], []
    for line in lines:
        refused = bool(find_personal_data(line.text))
        if line.personal and not refused:
            misses.append(line.text)
        elif not line.personal and refused:
            refusals.append(line.text)
    personal = sum(line.personal for line in lines)
    return Rates(
        personal, personal - len(misses), len(lines) - personal, len(refusals), tuple(misses), tuple(refusals)
    )


def report_rates() -> bool:
    parts = {name: read_labelled(path) for name, path in PARTS.items()}
    parts = {"whole set": [line for lines in parts.values() for line in lines], **parts}
    ok = True
    for name, lines in parts.items():
        result = rates(lines)
        met = result.recall >= RECALL_TARGET and result.false_refusal_rate <= FALSE_REFUSAL_TARGET
        ok = ok and met
        print(
            f"{name:10} {len(lines):4} lines: personal caught {result.caught}/{result.personal} "
            f"= {result.recall:.1%} (target ≥ {RECALL_TARGET:.0%}); clean refused {result.refused}/{result.clean} "
            f"= {result.false_refusal_rate:.1%} (target ≤ {FALSE_REFUSAL_TARGET:.0%}) {'met' if met else 'MISSED'}"
        )
        if name != "whole set":
            for text in result.misses:
                print(f"    missed:  {text}")
            for text in result.false_refusals:
                print(f"    refused: {text}")
    return ok


def lines_of(length: int, rng: random.Random, pool: list[str]) -> str:
    parts: list[str] = []
    size = 0
    while size < length:
        part = rng.choice(pool)
        parts.append(part)
        size += len(part) + 2
    return ". ".join(parts)[:length]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report_latency(count: int, seed: int) -> float:
    rng = random.Random(seed)
    pool = [line.text for path in PARTS.values() for line in read_labelled(path)]
    samples = [lines_of(500, rng, pool) for _ in range(count)]
    for text in samples[:200]:  # warm-up
        find_personal_data(text)
    worst_p99 = 0.0
    for name, function in (
        ("find_personal_data", find_personal_data),
        ("mask_personal_data", mask_personal_data),
    ):
        timings, cpu = [], []
        for text in samples:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            function(text)
            cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
            timings.append((time.perf_counter_ns() - start) / 1e6)
        p99 = percentile(timings, 0.99)
        worst_p99 = max(worst_p99, p99) if name == "find_personal_data" else worst_p99
        # the wall clock also counts time spent waiting for a core; CPU time is the check's own cost
        print(
            f"{name:19} 500 chars × {count}: p50 {statistics.median(timings):.3f} ms, "
            f"p99 {p99:.3f} ms (target ≤ {P99_TARGET_MS} ms), max {max(timings):.3f} ms; "
            f"CPU time p50 {statistics.median(cpu):.3f} ms, p99 {percentile(cpu, 0.99):.3f} ms"
        )
    for length in (1_000, 4_000, 16_000, 64_000):
        text = lines_of(length, rng, pool)
        runs = []
        for _ in range(5):
            start = time.perf_counter_ns()
            find_personal_data(text)
            runs.append((time.perf_counter_ns() - start) / 1e6)
        median = statistics.median(runs)
        print(
            f"{length:6} chars: {median:.2f} ms, {median * 1000 / length:.3f} µs a character (linear: about flat)"
        )
    return worst_p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", action="store_true", help="only the labelled-set rates and misses")
    parser.add_argument("--count", type=int, default=5000, help="500-character lines to time")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    ok = report_rates()
    if args.rates:
        print(f"RESULT rates_met={ok}")
        return
    p99 = report_latency(args.count, args.seed)
    print(f"RESULT rates_met={ok} p99_ms={p99:.3f} target_ms={P99_TARGET_MS}")


if __name__ == "__main__":
    main()
