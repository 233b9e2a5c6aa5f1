"""Start-up cost of the CLI: a warm `csp-bot --help` and `csp-bot ask` against the import floor.

Run from the repository root::

    python bench/startup_bench.py                 # 7 runs of each, medians
    python bench/startup_bench.py --runs 15
    python bench/startup_bench.py --breakdown 5   # and where ask's CPU above the floor goes

The floor is a fresh interpreter that imports only what `ask` cannot do without (Bolt's App, SQLAlchemy's
ORM and pydantic's BaseModel) and exits. `ask` runs `/csp acronym MARAC` on an SQLite database in a temporary directory that
a first, untimed run migrates and seeds, so every timed run is warm (files cached, schema current).
Each command is a new process, timed from spawn to exit with ``perf_counter_ns``, and its CPU time (user +
system, from ``os.wait4``) is read too: on a busy machine the wall clock measures the other processes as
much as this one, the CPU time much less so. Runs are interleaved (floor, help, ask, floor, …) so a busy
machine slows all three alike. Nothing is asserted. Target: `ask` ≤ 1.25 × the floor.

``--breakdown N`` then runs `ask` N times in a process that has imported the floor first, and prints the CPU
(``time.process_time``) each module's own import took, by package, and what running the command took:
the median of the N runs, so the lead can see what is left above the floor on any machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pydantic's package is lazy: BaseModel is what the settings need, so it is in the floor
FLOOR = "from slack_bolt import App; import sqlalchemy.orm; from pydantic import BaseModel"
TARGET = 1.25

# Run in a fresh process after the floor's imports: each module's import CPU without its own imports'
# (by wrapping importlib's loader step, a private but long-stable hook), then the command's remaining CPU.
BREAKDOWN = (
    FLOOR
    + """
import importlib._bootstrap as bootstrap, json, sys, time
load, stack, own = bootstrap._load_unlocked, [[0.0]], {}
def timed(spec):
    stack.append([0.0]); start = time.process_time()
    try:
        return load(spec)
    finally:
        spent = time.process_time() - start
        own[spec.name] = own.get(spec.name, 0.0) + spent - stack.pop()[0]
        stack[-1][0] += spent
bootstrap._load_unlocked = timed
start = time.process_time()
from bot.cli import main
try:
    main(["ask", "acronym", "MARAC"])
except SystemExit:
    pass
print(json.dumps({"total": time.process_time() - start, "imports": stack[0][0], "own": own}), file=sys.stderr)
"""
)


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """Wall-clock and CPU milliseconds of one run (CPU None where ``os.wait4`` is missing)."""
    with tempfile.TemporaryFile() as stderr:  # a file, not a pipe: nothing can block the child
        start = time.perf_counter_ns()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu: float | None = (usage.ru_utime + usage.ru_stime) * 1000
        else:
            process.wait()
            cpu = None
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if process.returncode != 0:
            stderr.seek(0)
            raise SystemExit(
                f"{' '.join(command[:3])}… failed ({process.returncode}): {stderr.read().decode()[-400:]}"
            )
    return elapsed, cpu


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _package(module: str) -> str:
    """The project's modules one by one; anything else by its top-level package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in {"bot", "store", "handlers", "glossary"} else parts[0]


def _breakdown(runs: int, python: str, env: dict[str, str]) -> None:
    samples = []
    for _ in range(runs + 1):  # the first compiles nothing new but warms the caches: not counted
        done = subprocess.run(
            [python, "-c", BREAKDOWN], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"the breakdown run failed: {done.stderr[-400:]}")
        samples.append(json.loads(done.stderr.strip().splitlines()[-1]))
    samples = samples[1:]
    total = statistics.median(s["total"] for s in samples) * 1000
    imports = statistics.median(s["imports"] for s in samples) * 1000
    running = statistics.median(s["total"] - s["imports"] for s in samples) * 1000
    print(
        f"\nask above the floor, in process (CPU, medians of {runs}): {total:.0f} ms; its imports {imports:.0f} ms "
        f"(those it makes while running included), the rest of running the command {running:.0f} ms. The whole "
        "process's CPU above the floor's is less: the floor's exit collects every object it made, while a "
        "csp-bot command leaves them to the OS (gc.freeze at exit)"
    )
    by_package: dict[str, list[float]] = {}
    for sample in samples:
        own: Counter[str] = Counter()
        for module, spent in sample["own"].items():
            own[_package(module)] += spent
        for package in own.keys() | by_package.keys():
            by_package.setdefault(package, []).append(own.get(package, 0.0))
    ranked = sorted(((statistics.median(v) * 1000, k) for k, v in by_package.items()), reverse=True)
    shown = [f"{name} {ms:.1f}" for ms, name in ranked if ms >= 0.5]
    print("  own import CPU by module or package (ms): " + ", ".join(shown))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--breakdown", type=int, default=0, metavar="N", help="then N in-process runs of ask, by module"
    )
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
        wall: dict[str, list[float]] = {"floor": [], "--help": [], "ask": []}
        cpu: dict[str, list[float]] = {name: [] for name in wall}
        commands = {"floor": [python, "-c", FLOOR], "--help": [*csp_bot, "--help"], "ask": ask}
        for command in commands.values():  # one warm-up each
            _timed(command, env)
        before = _load()
        for _ in range(args.runs):
            for name, command in commands.items():
                elapsed, spent = _timed(command, env)
                wall[name].append(elapsed)
                if spent is not None:
                    cpu[name].append(spent)
        print(f"{before} before, {_load()} after; {args.runs} runs each, interleaved; medians (min)")
        floor = statistics.median(wall["floor"])
        floor_cpu = statistics.median(cpu["floor"]) if cpu["floor"] else None
        for name, values in wall.items():
            line = f"  {name:<7} wall {statistics.median(values):6.0f} ms (min {min(values):5.0f})  "
            line += f"{statistics.median(values) / floor:4.2f}× floor"
            if floor_cpu:
                spent = statistics.median(cpu[name])
                line += f"   CPU {spent:6.0f} ms (min {min(cpu[name]):5.0f})  {spent / floor_cpu:4.2f}× floor"
            print(line)
        ask_ratio = statistics.median(wall["ask"]) / floor
        cpu_ratio = statistics.median(cpu["ask"]) / floor_cpu if floor_cpu else None
        verdict = "met" if ask_ratio <= TARGET else "NOT met"
        print(f"target: ask ≤ {TARGET}× floor — {verdict} ({ask_ratio:.2f}× wall clock", end="")
        print(f", {cpu_ratio:.2f}× in CPU time)" if cpu_ratio else ")")
        if args.breakdown:
            _breakdown(args.breakdown, python, env)
    print(
        f"RESULT floor_ms={floor:.0f} help_ms={statistics.median(wall['--help']):.0f} "
        f"ask_ms={statistics.median(wall['ask']):.0f} ask_ratio={ask_ratio:.2f}"
        + (f" ask_cpu_ratio={cpu_ratio:.2f}" if cpu_ratio else "")
    )


if __name__ == "__main__":
    main()
