"""Start-up cost of the CLI: a warm `csp-bot --help` and `csp-bot ask` against the import floor.

Run from the repository root::

    python bench/startup_bench.py                 # 7 runs of each, medians
    python bench/startup_bench.py --runs 15

The floor is a fresh interpreter that imports only what `ask` cannot do without (Bolt's App, SQLAlchemy's
ORM and pydantic's BaseModel) and exits. `ask` runs `/csp acronym MARAC` on an SQLite database in a temporary directory that
a first, untimed run migrates and seeds, so every timed run is warm (files cached, schema current).
Each command is a new process, timed from spawn to exit with ``perf_counter_ns``; runs are interleaved
(floor, help, ask, floor, …) so a busy machine slows all three alike. Nothing is asserted.
Target: `ask` ≤ 1.25 × the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pydantic's package is lazy: BaseModel is what the settings need, so it is in the floor
FLOOR = "from slack_bolt import App; import sqlalchemy.orm; from pydantic import BaseModel"
TARGET = 1.25


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter_ns()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:3])}… failed ({done.returncode}): {done.stderr.decode()[-400:]}"
        )
    return elapsed


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    python = sys.executable
    csp_bot = (
        [python, "-c", "from bot.cli import cli; cli()"]  # no console script: the same entry point
        if not (Path(python).parent / "csp-bot").exists()
        else [str(Path(python).parent / "csp-bot")]
    )
    with tempfile.TemporaryDirectory(prefix="csp-startup-") as tmp:
        # PYTHONDONTWRITEBYTECODE would have every run compile the project's modules again: not warm,
        # and not what an installed csp-bot does (pip compiles them); the floor's packages have theirs
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CSP_")) and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        ask = [*csp_bot, "ask", "acronym", "MARAC"]
        _timed(ask, env)  # migrates and seeds: not timed
        samples: dict[str, list[float]] = {"floor": [], "--help": [], "ask": []}
        commands = {"floor": [python, "-c", FLOOR], "--help": [*csp_bot, "--help"], "ask": ask}
        for command in commands.values():  # one warm-up each
            _timed(command, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                samples[name].append(_timed(command, env))
    floor = statistics.median(samples["floor"])
    print(f"{_load()}; {args.runs} runs each, interleaved; medians (min)")
    for name, values in samples.items():
        ratio = statistics.median(values) / floor
        print(
            f"  {name:<7} {statistics.median(values):7.0f} ms  (min {min(values):5.0f})  {ratio:4.2f}× floor"
        )
    ask_ratio = statistics.median(samples["ask"]) / floor
    print(f"target: ask ≤ {TARGET}× floor — {'met' if ask_ratio <= TARGET else 'NOT met'} ({ask_ratio:.2f}×)")
    print(
        f"RESULT floor_ms={floor:.0f} help_ms={statistics.median(samples['--help']):.0f} "
        f"ask_ms={statistics.median(samples['ask']):.0f} ask_ratio={ask_ratio:.2f}"
    )


if __name__ == "__main__":
    main()
