"""One clock: only ``bot.clock.system_now`` reads the machine's date and time.

Everything else is handed the application's clock, so tests pin it and the suite passes whatever
the machine's clock says (CI also runs it under ``faketime`` at a plan-year boundary). Slack's request
signatures carry the real Unix time, which Bolt checks against its own ``time.time()``: signing them is
protocol, not domain time, and the only other reader allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("bot", "handlers", "store", "glossary", "tests", "bench")

#: (module, function) calls that read the machine's clock
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
}
#: where each read is allowed, and why
ALLOWED = {
    "bot/clock.py": {("datetime", "now")},  # system_now: the one real clock
    "bot/offline/signing.py": {("time", "time")},  # a Slack request's signature timestamp
    "bot/runtime/server.py": {("time", "time")},  # checking that timestamp, as Bolt does
    "tests/harness.py": {("time", "time"), ("time", "time_ns")},  # event_time and event ids Slack sends
    "tests/test_dedupe.py": {("time", "time")},  # event_time Slack sends
    "tests/test_slack_glossary.py": {("time", "time")},  # stale and fresh signature timestamps
    "tests/test_server_hardening.py": {("time", "time")},  # stale and fresh signature timestamps
}


def _clock_reads(path: Path) -> list[tuple[int, tuple[str, str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in CLOCK_READS:
                found.append((node.lineno, (name, node.func.attr)))
    return found


def test_only_the_clock_reads_the_machines_time() -> None:
    offenders = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            allowed = ALLOWED.get(relative, set())
            offenders += [
                f"{relative}:{line}: {owner}.{attr}()"
                for line, (owner, attr) in _clock_reads(path)
                if (owner, attr) not in allowed
            ]
    assert not offenders, "read the injected clock instead:\n" + "\n".join(offenders)


def test_the_scan_finds_a_clock_read(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import datetime, time\nfrom datetime import date\n"
        "a = datetime.datetime.now()\nb = date.today()\nc = time.time()\n"
    )
    assert [attr for _, attr in _clock_reads(planted)] == [
        ("datetime", "now"),
        ("date", "today"),
        ("time", "time"),
    ]
