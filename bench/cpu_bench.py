"""Worker CPU per request: csp-bot against a minimal Bolt app behind the same server, interleaved.

Run from the repository root::

    python bench/cpu_bench.py                       # 6 rounds of 400 requests to each server
    python bench/cpu_bench.py --rounds 3 --burst 300 --achievements 3000

Two servers run side by side, one worker and 8 threads each, as `csp-bot serve` runs by default:
`csp-bot serve` (SQLite in a temporary directory, `--achievements` achievements already stored, two
members registered) and `bench/minimal_app.py` (one `/csp` listener that acks fixed text, on the same
gunicorn settings and guard). Web API calls go to a local SlackStandIn. Each round sends a burst of
8 keep-alive clients' requests to one server, then the same burst to the other: an 80/20 mix of look-ups
(`acronym MARAC`, `define hate crime`, `search exploitation`, the typo `acronym MARRAC`) and
`log P1 …` achievement logs, every request freshly signed. The same bodies go to the minimal app, which
answers every one with its fixed text. Interleaving the bursts gives both servers the same share of
whatever else the machine is doing.

Worker CPU is each gunicorn worker's user + system time from ``/proc``: everything the worker process
does, so background work (App Home refreshes after a log, glossary usage counts, the alert worker's
passes) is included. After the last burst the benchmark waits until csp-bot's worker has been idle for
a second (its background work finished) before the last reading. Then a log-only burst measures CPU per
achievement log, refreshes included. Nothing is asserted. Targets: csp-bot ≤ 2× the minimal app's
CPU per request for the mix; a log ≤ 2.5 ms of CPU with 3,000 achievements in the table.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from concurrency_bench import (
    CHANNEL,
    LOGGERS,
    Planned,
    machine_ticks,
    plan_traffic,
    register_members,
    reply_problem,
    send,
    split,
    worker_cpu_seconds,
)
from http_bench import _tail, free_port, server_env, wait_healthy
from minimal_app import REPLY

from bot.clock import system_now
from bot.offline.signing import slash_command_body
from bot.offline.slack_standin import SlackStandIn

TARGET_RATIO = 2.0
TARGET_LOG_MS = 2.5


@dataclass
class Burst:
    requests: int = 0
    failures: list[str] = field(default_factory=list)


def preload_achievements(database_url: str, count: int) -> None:
    """``count`` achievements from the benchmark's members, spread over the last two years."""
    from store.db import Database
    from store.models import AchievementRow
    from store.plan_data import plan_year_of

    if count <= 0:
        return
    db = Database(database_url, now=system_now)
    today = db.today()
    with db.transaction() as session:
        for n in range(count):
            day = today - timedelta(days=n % 700)
            user, org = LOGGERS[n % len(LOGGERS)]
            session.add(
                AchievementRow(
                    priority=1 + n % 4,
                    organisation=org,
                    text=f"Preloaded bench achievement {n}",
                    achieved_on=day,
                    plan_year=plan_year_of(day),
                    logged_by=user,
                )
            )
    db.dispose()


def burst(port: int, plans: Sequence[Sequence[Planned]], response_url: str, minimal: bool) -> Burst:
    """Every client sends its planned requests over one keep-alive connection; all start together."""
    result = Burst()
    lock = threading.Lock()
    once = uuid.uuid4().hex[:8]  # trigger ids are request keys: a repeated one is answered as a retry
    start = threading.Barrier(len(plans))

    def one_client(number: int, planned: Sequence[Planned]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        for sequence, item in enumerate(planned):
            body = slash_command_body(
                item.text,
                user_id=item.user,
                channel_id=CHANNEL,
                response_url=response_url,
                trigger_id=f"{number}.{sequence}.{once}",
            ).encode()
            try:
                _ns, status, payload = send(conn, body)
            except (OSError, http.client.HTTPException) as exc:
                problem: str | None = f"{type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            else:
                if minimal:
                    problem = None if status == 200 and REPLY.encode() in payload else f"HTTP {status}"
                else:
                    problem = reply_problem(item, status, payload)
            with lock:
                result.requests += 1
                if problem:
                    result.failures.append(problem)
        conn.close()

    threads = [threading.Thread(target=one_client, args=(i, p)) for i, p in enumerate(plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def cpu(master: subprocess.Popen[bytes]) -> float:
    found = worker_cpu_seconds(master.pid)
    if not found:
        raise RuntimeError("cannot read the workers' CPU time from /proc")
    return sum(found.values())


def settle(master: subprocess.Popen[bytes], quiet_s: float = 1.0, limit_s: float = 30.0) -> float:
    """The worker's CPU once it has used none for ``quiet_s`` (its background work is done)."""
    deadline = time.monotonic() + limit_s
    last = cpu(master)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = cpu(master)
        if now - last < 0.011:  # less than one clock tick: idle
            return now
        last = now
    return last


def start(command: list[str], env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, proc, timeout=60)
    except Exception:
        print(_tail(log_path), file=sys.stderr)
        proc.terminate()
        raise
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--burst", type=int, default=400, help="requests per burst, over all clients")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--log-share", type=float, default=0.2)
    parser.add_argument("--logs", type=int, default=400, help="requests in the log-only burst")
    parser.add_argument("--achievements", type=int, default=3000, help="stored before the server starts")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    csp_bot = Path(sys.executable).parent / "csp-bot"
    here = Path(__file__).resolve().parent
    tag = f"{uuid.uuid4().int % 10**8:08d}-"  # digits: a hex tag can read as a postcode
    machine_before = machine_ticks()
    print(
        f"cpu bench: {args.rounds} rounds × {args.burst} requests to each server, {args.clients} keep-alive "
        f"clients, {args.log_share:.0%} logs; {args.achievements:,} achievements stored; "
        f"load average before: {_load()} on {os.cpu_count()} cores"
    )
    with SlackStandIn() as standin, tempfile.TemporaryDirectory(prefix="csp-cpu-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env = server_env(url, standin.base_url)
        register_members(csp_bot, env)
        preload_achievements(url, args.achievements)
        csp_port, minimal_port = free_port(), free_port()
        common = ["--host", "127.0.0.1", "--workers", "1", "--threads", "8"]
        csp = start(
            [str(csp_bot), "serve", "--port", str(csp_port), *common], env, csp_port, Path(tmp) / "csp.log"
        )
        minimal = start(
            [sys.executable, str(here / "minimal_app.py"), "--port", str(minimal_port), *common],
            env,
            minimal_port,
            Path(tmp) / "minimal.log",
        )
        try:
            warm = plan_traffic(
                f"{tag}w", args.clients, split(200, args.clients), args.log_share, args.seed, "w"
            )
            burst(csp_port, warm, standin.response_url(), minimal=False)
            burst(minimal_port, warm, standin.response_url(), minimal=True)
            settle(csp)
            # Each server's CPU over the whole mixed phase: it is idle during the other's bursts, so
            # this is its own work, background work that overlapped the other's burst included.
            sent = {"csp": 0, "minimal": 0}
            failures: list[str] = []
            calls_before = Counter(c.method for c in standin.calls)
            start_cpu = {"csp": cpu(csp), "minimal": cpu(minimal)}
            for round_ in range(args.rounds):
                plans = plan_traffic(
                    f"{tag}r{round_}", args.clients, split(args.burst, args.clients), args.log_share,
                    args.seed + round_, "timed",
                )  # fmt: skip
                for name, port in (("csp", csp_port), ("minimal", minimal_port)):
                    done = burst(port, plans, standin.response_url(), minimal=name == "minimal")
                    sent[name] += done.requests
                    failures += [f"{name}: {f}" for f in done.failures]
            spent = {"csp": settle(csp) - start_cpu["csp"], "minimal": settle(minimal) - start_cpu["minimal"]}
            calls = Counter(c.method for c in standin.calls) - calls_before
            per = {name: 1000 * spent[name] / max(1, sent[name]) for name in spent}

            logs = plan_traffic(
                f"{tag}L", args.clients, split(args.logs, args.clients), 1.0, args.seed, "logs"
            )
            before = settle(csp)
            publishes_before = sum(1 for c in standin.calls if c.method == "views.publish")
            done = burst(csp_port, logs, standin.response_url(), minimal=False)
            log_ms = 1000 * (settle(csp) - before) / max(1, done.requests)
            publishes = sum(1 for c in standin.calls if c.method == "views.publish") - publishes_before
            failures += [f"logs: {f}" for f in done.failures]
        finally:
            stop(csp)
            stop(minimal)
    machine_after = machine_ticks()
    busy = (
        (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
        if machine_before and machine_after and machine_after[1] > machine_before[1]
        else float("nan")
    )
    ratio = per["csp"] / per["minimal"]
    print(f"Web API calls during the mixed rounds: {dict(calls)}")
    print(f"failures: {len(failures)}" + (f" (first: {failures[:3]})" if failures else ""))
    print(f"the machine's cores were {busy:.0%} busy over the run; load average after: {_load()}")
    print(f"{'server':<10} {'requests':>9} {'worker CPU s':>13} {'CPU ms/request':>15}")
    for name in ("csp", "minimal"):
        print(f"{name:<10} {sent[name]:>9,} {spent[name]:>13.2f} {per[name]:>15.3f}")
    mix = f"{1 - args.log_share:.0%} look-ups, {args.log_share:.0%} logs"
    print(
        f"csp-bot / minimal Bolt app, CPU per request ({mix}): {ratio:.2f}× (target ≤ {TARGET_RATIO}× at 80/20)"
    )
    print(
        f"a log, App Home refreshes included: {log_ms:.2f} ms CPU ({done.requests} logs, {publishes} "
        f"views.publish) (target ≤ {TARGET_LOG_MS} ms, {args.achievements:,} achievements stored)"
    )
    print(
        f"RESULT csp_ms_per_request={per['csp']:.3f} minimal_ms_per_request={per['minimal']:.3f} "
        f"ratio={ratio:.2f} log_cpu_ms={log_ms:.2f} failures={len(failures)}"
    )


if __name__ == "__main__":
    main()
