"""Concurrent mixed `/csp` traffic (look-ups and achievement logs) against `csp-bot serve` with several workers.

Run from the repository root::

    python bench/concurrency_bench.py                     # sqlite and postgresql × 1 and 4 workers, 2,000 requests
    python bench/concurrency_bench.py --requests 400 --databases sqlite --workers 4
    python bench/concurrency_bench.py --log-share 0.5     # half the requests are writes
    python bench/concurrency_bench.py --client wrk python # both load generators (the issue-14 re-measure)

For each database (an SQLite file in a temporary directory; a fresh PostgreSQL database made with
``CREATE DATABASE`` on ``--postgres-url`` and dropped afterwards) and each ``--workers`` value, members are
registered with ``csp-bot members add`` and a real ``csp-bot serve --workers W`` is started, its Web API calls
going to a local :class:`SlackStandIn`. ``--clients`` threads (default 8), each with its own keep-alive
connection, then send freshly signed slash commands at once: look-ups (``acronym MARAC``, ``define hate
crime``, ``search exploitation``, the typo ``acronym MARRAC``) and, for ``--log-share`` of them (default 20%),
``log P1 …`` with a text unique to the request. Round trips are timed with ``perf_counter_ns`` (signing is done
before the clock starts); every reply must be HTTP 200 and the right answer. Afterwards the database itself is
asked whether every logged text is stored exactly once with exactly one "log" history row. Nothing is asserted:
the figures are printed, with a ``RESULT …`` line at the end.

``--client wrk`` (the default when ``wrk`` is installed) sends the timed requests with wrk instead, pre-signed
and replayed over 8 keep-alive connections (``bench/wrk_client.py``): a few µs of CPU a request against the
Python threads' ~0.4 ms, which on two shared cores otherwise caps what more workers can show. Each run prints
the CPU per request of the server (s), the load generator (g) and the rest (o: the stand-in, PostgreSQL's
backends), and the ceiling ``cores·s/(s+g+o)`` they leave.

``--connection new`` (Python client) opens a new connection per request instead (connecting is then inside the timed round
trip), which spreads the clients over the workers: keep-alive connections stay with the worker that accepted
them, and one gunicorn worker may accept them all. Each run prints every worker's CPU seconds (from ``/proc``),
which shows how the load was shared.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # http_bench, when imported from elsewhere

from http_bench import SECRET, _tail, free_port, percentile, server_env, wait_healthy
from sqlalchemy.engine import make_url
from wrk_client import raw_request, run_wrk, write_inputs, wrk_path

from bot.clock import system_now
from bot.offline.signing import signed_headers, slash_command_body
from bot.offline.slack_standin import SlackStandIn

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: (command text, a phrase its reply must contain)
LOOKUPS: tuple[tuple[str, str], ...] = (
    ("acronym MARAC", "Multi Agency Risk Assessment Committee"),
    ("define hate crime", "Hate Crime"),
    ("search exploitation", "Child Sexual Exploitation"),
    ("acronym MARRAC", "Multi Agency Risk Assessment Committee"),  # a typo, answered with a correction
)
#: members who log achievements (an achievement needs a member with an organisation)
LOGGERS: tuple[tuple[str, str], ...] = (("U0BENCHTVP", "TVP"), ("U0BENCHWDC", "WDC"))
CHANNEL = "C0BENCH"


@dataclass(frozen=True)
class Planned:
    kind: str  # "lookup" or "log"
    text: str  # what follows /csp
    user: str
    expected: str  # lookup: a phrase in the reply; log: the reply's exact "text"
    log_text: str | None = None


@dataclass
class ClientResult:
    samples: list[tuple[str, int]] = field(default_factory=list)  # (kind, ns), timed requests only
    failures: list[str] = field(default_factory=list)
    warmup_failures: list[str] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)  # every log text sent, warm-up included
    attempted: int = 0  # timed requests sent, failed ones included
    connects: int = 0
    cpu_s: float = 0.0  # this client thread's CPU in the timed part (signing included)


@dataclass
class Writes:
    sent: int = 0
    exactly_once: int = 0
    missing: int = 0
    duplicated: int = 0
    history_wrong: int = 0  # stored, but without exactly one "log" history row
    unexpected: int = 0  # stored bench texts nobody sent


@dataclass
class RunResult:
    database: str
    workers: int
    threads: int | None
    clients: int
    connection: str  # "keep-alive" or "new"
    client: str = "python"  # the load generator: "python" (threads in this process) or "wrk"
    wall_s: float = 0.0
    samples: list[tuple[str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warmup_failures: int = 0
    attempted: int = 0
    connects: int = 0
    worker_cpu: list[float] = field(default_factory=list)  # each worker's CPU-s in the timed part, most first
    client_cpu_s: float = 0.0  # the load generator's CPU-s in the timed part
    standin_cpu_s: float = 0.0  # the Slack stand-in's (the rest of this process's CPU)
    postgres_cpu_s: float | None = None  # the PostgreSQL backends serving the run's database
    postgres_backends: tuple[int, int, int] = (0, 0, 0)  # backends as the timed part started, new, gone
    postgres_stats: dict[str, int] | None = None  # pg_stat_database over the timed part (--postgres-stats)
    #: context switches (voluntary, involuntary) in the timed part: the workers', PostgreSQL's backends'
    switches: dict[str, tuple[int, int]] = field(default_factory=dict)
    connections: list[int] = field(default_factory=list)  # keep-alive connections each worker held
    summary_ms: tuple[float, float, float] | None = None  # (p50, p99, max) when there are no samples (wrk)
    wrk_extra: int = 0  # GET /healthz fillers wrk asked for after its lists ran out (0: delay() held them)
    load_before: float = float("nan")  # the 1-minute load average as the timed part started
    machine_busy: float | None = None  # share of all cores busy during the timed part (/proc/stat)
    writes: Writes = field(default_factory=Writes)

    @property
    def worker_cpu_s(self) -> float | None:
        return sum(self.worker_cpu) if self.worker_cpu else None

    def per_request_ms(self) -> tuple[float, float, float]:
        """CPU per timed request: (server workers s, load generator g, other o: stand-in and PostgreSQL)."""
        n = self.n or 1
        other = self.standin_cpu_s + (self.postgres_cpu_s or 0.0)
        return 1000 * (self.worker_cpu_s or 0.0) / n, 1000 * self.client_cpu_s / n, 1000 * other / n

    def ceiling(self) -> float:
        """With one worker held to one core by the GIL, the most several workers can carry relative to it
        when the cores are shared with the load generator and the rest: cores × s / (s + g + o)."""
        s, g, other = self.per_request_ms()
        return (os.cpu_count() or 1) * s / (s + g + other) if s else float("nan")

    def latency_ms(self, p: float) -> float:
        if self.samples or self.summary_ms is None:
            return self.ms(p)
        return {50: self.summary_ms[0], 99: self.summary_ms[1]}.get(p, float("nan"))

    def max_ms(self) -> float:
        if self.samples or self.summary_ms is None:
            return max(self.ns(), default=0) / 1e6
        return self.summary_ms[2]

    def ns(self, kind: str | None = None) -> list[int]:
        return sorted(ns for k, ns in self.samples if kind is None or k == kind)

    def ms(self, p: float, kind: str | None = None) -> float:
        return percentile(self.ns(kind), p)

    @property
    def n(self) -> int:
        return self.attempted

    @property
    def rps(self) -> float:
        return self.n / self.wall_s if self.wall_s else float("nan")


# ---------------------------------------------------------------------- the traffic


def plan_traffic(
    run_tag: str, clients: int, per_client: Sequence[int], log_share: float, seed: int, phase: str
) -> list[list[Planned]]:
    """Each client's requests, drawn up front so the clients only send (deterministic with ``seed``)."""
    plans: list[list[Planned]] = []
    for client in range(clients):
        rng = random.Random(f"{seed}:{phase}:{client}")
        planned: list[Planned] = []
        for n in range(per_client[client]):
            if rng.random() < log_share:
                user, _ = LOGGERS[client % len(LOGGERS)]
                text = f"Bench run {run_tag} {phase} achievement {n} by client {client}"
                planned.append(Planned("log", f"log P1 {text}", user, f"Logged under P1: {text}", text))
            else:
                command, phrase = LOOKUPS[rng.randrange(len(LOOKUPS))]
                planned.append(Planned("lookup", command, f"U0BENCHC{client}", phrase))
        plans.append(planned)
    return plans


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def reply_problem(item: Planned, status: int, payload: bytes) -> str | None:
    """None when the reply is the right one; otherwise a short description."""
    if status != 200:
        return f"HTTP {status} ({item.kind}): {payload[:120]!r}"
    try:
        text = str(json.loads(payload).get("text", ""))
    except (ValueError, AttributeError):
        return f"HTTP 200 ({item.kind}) but not a JSON message: {payload[:120]!r}"
    if item.kind == "log" and text != item.expected:
        return f"HTTP 200 (log) but the reply was {text[:120]!r}"
    if item.kind == "lookup" and item.expected not in text:
        return f"HTTP 200 ({item.text}) but the reply was {text[:120]!r}"
    return None


def send(conn: http.client.HTTPConnection, body: bytes) -> tuple[int, int, bytes]:
    """One POST of a freshly signed body; returns (ns, status, reply). Signing is outside the clock."""
    headers = signed_headers(SECRET, body.decode())
    t0 = time.perf_counter_ns()
    conn.request("POST", "/slack/events", body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return time.perf_counter_ns() - t0, response.status, payload


def client(
    number: int,
    port: int,
    warmup: list[Planned],
    timed: list[Planned],
    response_url: str,
    ready: threading.Barrier,
    go: threading.Event,
    result: ClientResult,
    keep_alive: bool = True,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sequence = 0

    def one(item: Planned, timed_phase: bool) -> None:
        nonlocal conn, sequence
        sequence += 1
        body = slash_command_body(
            item.text,
            user_id=item.user,
            channel_id=CHANNEL,
            response_url=response_url,
            trigger_id=f"{number}.{sequence}.bench",
        ).encode()
        if item.log_text is not None:
            result.logged.append(item.log_text)
        if timed_phase:
            result.attempted += 1
            result.connects += conn.sock is None
        failures = result.failures if timed_phase else result.warmup_failures
        try:
            ns, status, payload = send(conn, body)
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"{type(exc).__name__} ({item.kind}): {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            return
        if not keep_alive:
            conn.close()  # the next request opens a new connection
        if timed_phase:
            result.samples.append((item.kind, ns))
        problem = reply_problem(item, status, payload)
        if problem:
            failures.append(problem)

    try:
        for item in warmup:
            one(item, False)
        ready.wait()  # every client has warmed up
        go.wait()  # and the benchmark has taken its "before" readings
        cpu_start = time.thread_time()
        for item in timed:
            one(item, True)
        result.cpu_s = time.thread_time() - cpu_start
    except threading.BrokenBarrierError:
        result.failures.append("the start barrier broke (another client failed)")
    finally:
        conn.close()


# ---------------------------------------------------------------------- databases


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="csp-conc-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"


def postgres_problem(admin_url: str) -> str | None:
    """None when the server takes connections; otherwise why not."""
    try:
        from sqlalchemy import create_engine, text
    except ImportError as exc:  # pragma: no cover
        return str(exc)
    try:
        engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
    except Exception as exc:  # a missing driver, a malformed URL
        return f"{type(exc).__name__}: {exc}"
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    finally:
        engine.dispose()


def _admin(admin_url: str, statement: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards (with FORCE: the server may still hold connections)."""
    from sqlalchemy.engine import make_url

    name = f"csp_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count_writes(database_url: str, sent: Sequence[str], run_tag: str) -> Writes:
    """Ask the database: is every logged text there exactly once, with exactly one "log" history row?"""
    from sqlalchemy import func, select

    from store.db import Database
    from store.models import AchievementChange, AchievementRow

    database = Database(database_url, now=system_now)
    try:
        with database.read() as session:
            rows = session.execute(
                select(AchievementRow.id, AchievementRow.text).where(
                    AchievementRow.text.like(f"Bench run {run_tag} %")
                )
            ).all()
            log_rows = Counter(
                dict(
                    session.execute(
                        select(AchievementChange.achievement_id, func.count())
                        .join(AchievementRow, AchievementRow.id == AchievementChange.achievement_id)
                        .where(
                            AchievementRow.text.like(f"Bench run {run_tag} %"),
                            AchievementChange.action == "log",
                        )
                        .group_by(AchievementChange.achievement_id)
                    ).all()
                )
            )
    finally:
        database.dispose()
    stored = Counter(text for _, text in rows)
    wanted = Counter(sent)
    writes = Writes(sent=len(sent))
    writes.missing = sum(1 for text in wanted if stored[text] == 0)
    writes.duplicated = sum(1 for text in wanted if stored[text] > wanted[text])
    writes.unexpected = sum(1 for text in stored if text not in wanted)
    ids_by_text: dict[str, list[int]] = {}
    for row_id, text in rows:
        ids_by_text.setdefault(text, []).append(row_id)
    for text in wanted:
        ids = ids_by_text.get(text, [])
        if len(ids) == 1:
            if log_rows[ids[0]] == 1:
                writes.exactly_once += 1
            else:
                writes.history_wrong += 1
    return writes


# ---------------------------------------------------------------------- the server


def serve_flags(csp_bot: Path) -> set[str]:
    """The options `csp-bot serve --help` lists (so the benchmark passes only flags that exist)."""
    shown = subprocess.run(
        [str(csp_bot), "serve", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return {word.rstrip(",") for word in shown.split() if word.startswith("--")}


def register_members(csp_bot: Path, env: dict[str, str]) -> None:
    """Through the CLI, as an operator would (this also migrates and seeds the new database)."""
    for user, org in LOGGERS:
        done = subprocess.run(
            [str(csp_bot), "members", "add", user, "--org", org],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"csp-bot members add {user} failed: {done.stderr.strip() or done.stdout.strip()}"
            )


def worker_cpu_seconds(master_pid: int) -> dict[int, float] | None:
    """User + system CPU seconds of each of the master's child processes (the gunicorn workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    found: dict[int, float] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == master_pid:  # ppid
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return found or None


def context_switches(pids: Iterable[int]) -> tuple[int, int]:
    """(voluntary, involuntary) context switches so far of every thread of ``pids``, from /proc: each wait
    for a database reply or a client is a voluntary one, each preemption an involuntary one."""
    voluntary = involuntary = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                status = Path(f"/proc/{pid}/task/{task}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    involuntary += int(line.split()[1])
    return voluntary, involuntary


def wait_for_workers(master_pid: int, workers: int, timeout: float = 20.0) -> None:
    """Until every worker has started, and a second more for it to load the app: the first healthy
    answer comes from the first worker, and long-lived connections made before the others bind their
    sockets (SO_REUSEPORT) would all stay with the early ones, which no long-running server sees."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(worker_cpu_seconds(master_pid) or {}) < workers:
        time.sleep(0.1)
    if workers > 1:
        time.sleep(1.0)


def machine_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all cores so far, from the first line of /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def connections_per_worker(worker_pids: Sequence[int], port: int) -> dict[int, int]:
    """How many established connections to ``port`` each worker holds (from /proc/net/tcp and each fd)."""
    inodes: set[str] = set()
    try:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(fields[9])
    except (OSError, ValueError, IndexError):
        return {}
    held: dict[int, int] = {}
    for pid in worker_pids:
        count = 0
        with suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    count += target.startswith("socket:[") and target[8:-1] in inodes
        held[pid] = count
    return held


class BackendWatch:
    """PostgreSQL's backends serving one database through the timed part, polled from a thread of its own
    every ``interval_s``: a backend that exits during the run (a pool's overflow connection, closed as it is
    returned) still counts, up to its last poll, where readings only before and after the run lost it
    (and with it most of the CPU its start-up cost). The thread's own CPU is kept apart (``own_cpu_s``)."""

    def __init__(self, database_name: str, interval_s: float = 0.05) -> None:
        self.database_name = database_name
        self.interval_s = interval_s
        self.first: dict[int, tuple[float, int, int]] = {}  # pid: (CPU s, voluntary, involuntary) at start
        self.last: dict[int, tuple[float, int, int]] = {}
        self.own_cpu_s = 0.0
        self._others: set[int] = set()  # processes seen not to be backends of the database
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-backend-watch", daemon=True)

    def _poll(self) -> dict[int, tuple[float, int, int]]:
        ticks = os.sysconf("SC_CLK_TCK")
        found: dict[int, tuple[float, int, int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in self._others:
                continue
            try:
                title = Path(f"/proc/{entry}/cmdline").read_bytes()
                if not title.startswith(b"postgres: ") or f" {self.database_name} ".encode() not in title:
                    self._others.add(int(entry))
                    continue
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            voluntary, involuntary = context_switches([int(entry)])
            found[int(entry)] = ((int(fields[11]) + int(fields[12])) / ticks, voluntary, involuntary)
        return found

    def start(self) -> BackendWatch:
        self.first = self.last = self._poll()
        self._thread.start()
        return self

    def _run(self) -> None:
        began = time.thread_time()
        while not self._stop.wait(self.interval_s):
            self.last = {**self.last, **self._poll()}
        self.own_cpu_s = time.thread_time() - began

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.last = {**self.last, **self._poll()}

    def spent(self) -> tuple[float, int, int]:
        """(CPU s, voluntary, involuntary) over the run, every backend seen included."""
        zero = (0.0, 0, 0)
        totals = [sum(self.last[p][k] - self.first.get(p, zero)[k] for p in self.last) for k in range(3)]
        return float(totals[0]), int(totals[1]), int(totals[2])

    def counts(self) -> tuple[int, int, int]:
        """Backends at the start, opened during the run, and gone by its end."""
        now = self.last.keys() - {p for p in self.last if not Path(f"/proc/{p}").exists()}
        return len(self.first), len(self.last.keys() - self.first.keys()), len(self.last.keys() - now)


#: pg_stat_database's counters that say what the requests asked of the database
POSTGRES_STATS = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "blks_hit",
    "blks_read",
)
#: a backend reports its counters when it goes idle, but at most once a second and, when it could not, within
#: PostgreSQL's idle interval (10 s): waiting this long before each reading counts what came before it
POSTGRES_STATS_SETTLE_S = 11.0


def postgres_stats(database_url: str) -> dict[str, int]:
    """The run's database's counters in ``pg_stat_database``, and the rows each table gave scans
    (``pg_stat_user_tables``: ``rows:TABLE``, sequential and by index). Statistics only: no timing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    f"SELECT {', '.join(POSTGRES_STATS)} FROM pg_stat_database WHERE datname = current_database()"
                )
            ).one()
            tables = connection.execute(
                text(
                    "SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables"
                )
            ).all()
    finally:
        engine.dispose()
    stats = dict(zip(POSTGRES_STATS, (int(v or 0) for v in row), strict=True))
    stats.update((f"rows:{name}", int(rows)) for name, rows in tables)
    return stats


def wrk_requests(
    plans: Sequence[Sequence[Planned]], port: int, response_url: str
) -> list[list[tuple[bytes, bool]]]:
    """Each wrk thread's raw requests, signed now (Slack's window is 5 minutes; a run takes seconds)."""
    per_thread: list[list[tuple[bytes, bool]]] = []
    for number, plan in enumerate(plans):
        requests: list[tuple[bytes, bool]] = []
        for sequence, item in enumerate(plan, start=1):
            body = slash_command_body(
                item.text,
                user_id=item.user,
                channel_id=CHANNEL,
                response_url=response_url,
                trigger_id=f"wrk{number}.{sequence}.bench",
            )
            raw = raw_request(f"127.0.0.1:{port}", body.encode(), signed_headers(SECRET, body))
            requests.append((raw, item.kind == "log"))
        per_thread.append(requests)
    return per_thread


def bench_one(
    database: str,
    database_url: str,
    workers: int,
    threads: int | None,
    args: argparse.Namespace,
    standin: SlackStandIn,
    csp_bot: Path,
    flags: set[str],
    load_client: str,
) -> RunResult:
    # digits only: a random tag like "w1-b7d6ff" can read as a postcode, and the privacy check refuses it
    run_tag = f"{database}-{workers}x-{uuid.uuid4().int % 10**8:08d}"
    result = RunResult(database, workers, threads, args.clients, args.connection, load_client)
    env = server_env(database_url, standin.base_url)
    register_members(csp_bot, env)
    port = free_port()
    command = [str(csp_bot), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if threads is not None and "--threads" in flags:
        command += ["--threads", str(threads)]
    warm = plan_traffic(
        run_tag, args.clients, split(args.warmup, args.clients), args.log_share, args.seed, "warm-up"
    )
    # the Python clients send the timed requests too; wrk's threads each take one list
    timed_lists = args.clients if load_client == "python" else args.wrk_threads
    timed = plan_traffic(
        run_tag, timed_lists, split(args.requests, timed_lists), args.log_share, args.seed, "timed"
    )
    clients = [ClientResult() for _ in range(args.clients)]
    database_name = make_url(database_url).database if database == "postgresql" else None
    wrk_logged: list[str] = []
    with tempfile.TemporaryDirectory(prefix="csp-conc-serve-") as tmp:
        log_path = Path(tmp) / "serve.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            ready_s = wait_healthy(port, proc, timeout=60)
            wait_for_workers(proc.pid, workers)
            calls_before = Counter(c.method for c in standin.calls)
            python_timed = timed if load_client == "python" else [[] for _ in range(args.clients)]
            ready, go = threading.Barrier(args.clients + 1), threading.Event()
            pool = [
                threading.Thread(
                    target=client,
                    args=(
                        i,
                        port,
                        warm[i],
                        python_timed[i],
                        standin.response_url(),
                        ready,
                        go,
                        clients[i],
                        # wrk's connections are its own, placed on workers by a hash of their ports: the
                        # warm-up opens a connection per request so that every worker is warm, not only those
                        # the warm-up's connections happened to land on (a cold worker's first requests cost more)
                        args.connection == "keep-alive" and load_client == "python",
                    ),
                    name=f"bench-client-{i}",
                )
                for i in range(args.clients)
            ]
            for thread in pool:
                thread.start()
            with suppress(threading.BrokenBarrierError):  # a client that failed is reported by it
                ready.wait(timeout=300)
            worker_pids = sorted(worker_cpu_seconds(proc.pid) or {})

            def count_connections() -> None:
                result.connections = sorted(connections_per_worker(worker_pids, port).values(), reverse=True)

            if load_client == "wrk":
                go.set()  # the warm-up clients close their connections and stop
                for thread in pool:
                    thread.join()
                wrk_dir = Path(tmp) / "wrk"
                wrk_dir.mkdir()
                per_thread = wrk_requests(timed, port, standin.response_url())
                wrk_logged = [item.log_text for plan in timed for item in plan if item.log_text is not None]
                script = write_inputs(
                    wrk_dir, per_thread, [phrase for _, phrase in LOOKUPS], "Logged under P1: Bench run"
                )
            elif args.connection == "keep-alive":
                count_connections()
            with suppress(OSError):
                result.load_before = os.getloadavg()[0]
            stats_before = None
            if database_name and args.postgres_stats:
                time.sleep(POSTGRES_STATS_SETTLE_S)
                stats_before = postgres_stats(database_url)
            cpu_before = worker_cpu_seconds(proc.pid)
            watch = BackendWatch(database_name).start() if database_name else None
            switches_before = context_switches(cpu_before or {})
            own_before = time.process_time()
            machine_before = machine_ticks()
            if load_client == "wrk":
                outcome = run_wrk(
                    port,
                    wrk_dir,
                    script,
                    args.wrk_threads,
                    args.clients,
                    while_running=count_connections,
                    timeout_s=60 + args.requests * 0.05,  # a lost answer must not hang the benchmark
                )
                result.wall_s = outcome.wall_s
                result.client_cpu_s = outcome.cpu_s
                result.attempted = outcome.attempted
                result.failures.extend(outcome.failures)
                result.summary_ms = (outcome.p50_ms, outcome.p99_ms, outcome.max_ms)
                result.wrk_extra = sum(t.fillers for t in outcome.threads)
            else:
                t0 = time.perf_counter_ns()
                go.set()
                for thread in pool:
                    thread.join()
                result.wall_s = (time.perf_counter_ns() - t0) / 1e9
                result.client_cpu_s = sum(one.cpu_s for one in clients)
                result.attempted = sum(one.attempted for one in clients)
            if watch is not None:
                watch.stop()
            own_cpu_s = time.process_time() - own_before
            # the Python clients are threads of this process (and so is the backends' watch); what else
            # it spent is the stand-in's
            result.standin_cpu_s = (
                own_cpu_s
                - (result.client_cpu_s if load_client == "python" else 0.0)
                - (watch.own_cpu_s if watch is not None else 0.0)
            )
            machine_after = machine_ticks()
            if machine_before and machine_after and machine_after[1] > machine_before[1]:
                result.machine_busy = (machine_after[0] - machine_before[0]) / (
                    machine_after[1] - machine_before[1]
                )
            cpu_after = worker_cpu_seconds(proc.pid)
            after_v, after_i = context_switches(cpu_after or {})
            result.switches["workers"] = (after_v - switches_before[0], after_i - switches_before[1])
            if cpu_before is not None and cpu_after is not None:
                spent = [cpu - cpu_before.get(pid, 0.0) for pid, cpu in cpu_after.items()]
                result.worker_cpu = sorted(spent, reverse=True)
            if watch is not None:
                result.postgres_cpu_s, voluntary, involuntary = watch.spent()
                result.switches["backends"] = (voluntary, involuntary)
                result.postgres_backends = watch.counts()
            if stats_before is not None:
                time.sleep(POSTGRES_STATS_SETTLE_S)  # background work finishing meanwhile is counted too
                after = postgres_stats(database_url)
                result.postgres_stats = {name: after[name] - stats_before.get(name, 0) for name in after}
            calls = Counter(c.method for c in standin.calls) - calls_before
            print(
                f"{database}, --workers {workers}"
                + (f" --threads {threads}" if threads is not None and "--threads" in flags else "")
                + f", port {port}: healthy after {ready_s:.2f} s; client {describe_client(load_client, args)}; "
                f"Web API calls during the run: {dict(calls) or 'none'}"
            )
            print_cpu(result)
        except Exception:
            print(f"{database} --workers {workers}: the server failed; its log:", file=sys.stderr)
            print(_tail(log_path), file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        errors = [
            line for line in _tail(log_path, 400).splitlines() if "ERROR" in line or "Traceback" in line
        ]
        if errors:
            print(f"  server log errors ({len(errors)}): " + " | ".join(errors[:5]))
    for one in clients:
        result.samples.extend(one.samples)
        result.failures.extend(one.failures)
        result.warmup_failures += len(one.warmup_failures)
        result.connects += one.connects
    print(
        f"  timed requests: {result.n:,}; TCP connections opened for them: {result.connects:,}"
        + (f"; wrk's untimed extra requests: {result.wrk_extra}" if load_client == "wrk" else "")
    )
    sent = [text for one in clients for text in one.logged] + wrk_logged
    result.writes = count_writes(database_url, sent, run_tag)
    w = result.writes
    print(
        f"  writes: {w.sent:,} sent, {w.exactly_once:,} stored exactly once, {w.missing:,} missing, "
        f"{w.duplicated:,} duplicated"
        + (f", {w.history_wrong:,} without exactly one log history row" if w.history_wrong else "")
        + (f", {w.unexpected:,} stored that were never sent" if w.unexpected else "")
        + f" (warm-up included; {result.warmup_failures} warm-up failures)"
    )
    return result


def describe_client(load_client: str, args: argparse.Namespace) -> str:
    if load_client == "wrk":
        return f"wrk -t{args.wrk_threads} -c{args.clients}, keep-alive, pre-signed requests"
    return f"python, {args.clients} threads (http.client), {args.connection} connections"


def print_cpu(r: RunResult) -> None:
    """Who spent the cores' time during the timed part, per request, and what that allows W workers."""
    if not r.worker_cpu or not r.n:
        return
    cores = os.cpu_count() or 1
    print(
        f"  CPU during the timed part ({r.wall_s:.2f} s): workers "
        f"{' + '.join(f'{c:.2f}' for c in r.worker_cpu)} s"
        + (f" (connections held: {' + '.join(str(c) for c in r.connections)})" if r.connections else "")
        + f"; the {r.client} client {r.client_cpu_s:.2f} s; the stand-in {r.standin_cpu_s:.2f} s"
        + (
            f"; PostgreSQL's backends {r.postgres_cpu_s:.2f} s ({r.postgres_backends[0]} at the start, "
            f"{r.postgres_backends[1]} new, {r.postgres_backends[2]} gone)"
            if r.postgres_cpu_s is not None
            else ""
        )
        + (
            f"; the machine's {cores} cores were {r.machine_busy:.0%} busy"
            if r.machine_busy is not None
            else ""
        )
        + f" (load average {r.load_before:.2f} as it started)"
    )
    s, g, other = r.per_request_ms()
    print(
        f"  CPU per request: server s = {s:.3f} ms (workers), load generator g = {g:.3f} ms, "
        f"other o = {other:.3f} ms (stand-in{', PostgreSQL' if r.postgres_cpu_s is not None else ''}); "
        f"ceiling for several workers over one on {cores} cores: {cores}s/(s+g+o) = ×{r.ceiling():.2f}"
    )
    if r.switches and r.n:
        print(
            "  context switches per request (voluntary + involuntary, /proc): "
            + "; ".join(
                f"{who} {v / r.n:.1f} + {i / r.n:.1f}"
                for who, (v, i) in r.switches.items()
                if who == "workers" or r.postgres_cpu_s is not None
            )
        )
    if r.postgres_stats:
        print(
            "  PostgreSQL per request (pg_stat_database, the timed part and what it left running): "
            + ", ".join(f"{name} {r.postgres_stats[name] / r.n:.2f}" for name in POSTGRES_STATS)
        )
        tables = sorted(
            (
                (value, name[5:])
                for name, value in r.postgres_stats.items()
                if name.startswith("rows:") and value
            ),
            reverse=True,
        )
        print(
            "  rows scanned per request, by table (pg_stat_user_tables): "
            + (", ".join(f"{name} {value / r.n:.2f}" for value, name in tables[:6]) or "none")
        )


# ---------------------------------------------------------------------- report


def print_table(results: Sequence[RunResult]) -> None:
    header = (
        f"{'database':<11}{'client':>7}{'workers':>8}{'threads':>8}{'clients':>8}{'connection':>11}{'n':>7}{'wall s':>8}{'req/s':>8}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'look-up p50/p99':>17}{'log p50/p99':>15}{'max ms':>8}"
        f"{'fail':>6}{'writes ok':>12}{'s ms':>7}{'g ms':>7}{'o ms':>7}{'ceiling':>8}{'load':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        lookup = f"{r.ms(50, 'lookup'):.2f}/{r.ms(99, 'lookup'):.2f}" if r.samples else "-"
        logs = f"{r.ms(50, 'log'):.2f}/{r.ms(99, 'log'):.2f}" if r.samples else "-"
        writes = f"{r.writes.exactly_once:,}/{r.writes.sent:,}"
        s, g, other = r.per_request_ms()
        print(
            f"{r.database:<11}{r.client:>7}{r.workers:>8}{'' if r.threads is None else r.threads:>8}{r.clients:>8}"
            f"{r.connection:>11}{r.n:>7,}"
            f"{r.wall_s:>8.2f}{r.rps:>8.0f}{r.latency_ms(50):>8.2f}{r.latency_ms(99):>8.2f}{lookup:>17}{logs:>15}"
            f"{r.max_ms():>8.1f}{len(r.failures):>6,}{writes:>12}{s:>7.3f}{g:>7.3f}{other:>7.3f}{r.ceiling():>8.2f}{r.load_before:>6.1f}"
        )
    for r in results:
        if r.failures:
            shown = Counter(r.failures).most_common(5)
            print(
                f"failures, {r.database} --workers {r.workers} ({r.client} client): "
                + "; ".join(f"{n}× {f}" for f, n in shown)
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2_000, help="timed requests per run (default 2,000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first (default 200)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument(
        "--log-share", type=float, default=0.2, help="share of requests that log an achievement (default 0.2)"
    )
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=["sqlite", "postgresql"],
        default=["sqlite", "postgresql"],
        help="default: both",
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 4], help="gunicorn workers (default 1 4)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads per worker, passed as --threads if serve has it (default 8)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CSP_BENCH_POSTGRES_URL")
        or os.environ.get("CSP_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL,
        help="a server the benchmark may create and drop databases on (default: $CSP_BENCH_POSTGRES_URL, "
        f"$CSP_TEST_POSTGRES_URL, else {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument(
        "--connection",
        choices=["keep-alive", "new"],
        default="keep-alive",
        help="each client keeps one connection (default), or opens a new one per request",
    )
    installed = wrk_path() is not None
    parser.add_argument(
        "--client",
        nargs="+",
        choices=["wrk", "python"],
        default=["wrk"] if installed else ["python"],
        help="the load generator(s): wrk replaying pre-signed requests (default when installed: it costs the "
        "shared cores a few µs a request), or Python threads with http.client",
    )
    parser.add_argument(
        "--wrk-threads",
        type=int,
        default=2,
        help="wrk threads (-t); --clients is its connections (default 2)",
    )
    parser.add_argument(
        "--postgres-stats",
        action="store_true",
        help="also print PostgreSQL's transactions, rows and blocks per request (pg_stat_database; adds "
        f"{2 * POSTGRES_STATS_SETTLE_S:.0f} s a run, waiting for the backends to report)",
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if not 0 <= args.log_share <= 1:
        parser.error("--log-share is between 0 and 1")
    if args.clients < 1 or args.requests < 1:
        parser.error("--clients and --requests must be at least 1")
    if "wrk" in args.client:
        if not installed:
            parser.error("--client wrk needs wrk (apt-get install wrk)")
        if args.connection != "keep-alive":
            parser.error("--client wrk keeps its connections alive; --connection new is for --client python")
        if not 1 <= args.wrk_threads <= args.clients:
            parser.error("--wrk-threads is between 1 and --clients (each thread needs a connection)")

    csp_bot = Path(sys.executable).parent / "csp-bot"
    flags = serve_flags(csp_bot)
    threads = args.threads if "--threads" in flags else None
    print(
        f"csp-bot concurrency benchmark: python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"{args.clients} clients, {args.requests:,} timed requests per run after {args.warmup:,} warm-up, "
        f"{args.log_share:.0%} `log P1 …`, the rest look-ups ({', '.join(c for c, _ in LOOKUPS)})"
    )
    print(f"`csp-bot serve` flags: {' '.join(sorted(flags))}; load average before: {_load()}")
    if threads is None:
        print("note: `csp-bot serve` has no --threads: the server's default is used")

    results: list[RunResult] = []
    skipped: list[str] = []
    standin = SlackStandIn().start()
    try:
        for database in args.databases:
            if database == "postgresql":
                problem = postgres_problem(args.postgres_url)
                if problem:
                    message = f"postgresql skipped: cannot reach {_redacted(args.postgres_url)} ({problem})"
                    print(message)
                    skipped.append(message)
                    continue
            for load_client in args.client:
                for workers in args.workers:
                    databases = (
                        sqlite_database() if database == "sqlite" else postgres_database(args.postgres_url)
                    )
                    with databases as url:
                        results.append(
                            bench_one(
                                database, url, workers, threads, args, standin, csp_bot, flags, load_client
                            )
                        )
    finally:
        standin.stop()

    print()
    print(f"load average after: {_load()} (other work on the machine shares its {os.cpu_count()} cores)")
    print_table(results)
    for message in skipped:
        print(message)
    if not results:
        print("RESULT no runs")
        return 1

    print()
    sent = sum(r.writes.sent for r in results)
    once = sum(r.writes.exactly_once for r in results)
    missing = sum(r.writes.missing for r in results)
    duplicated = sum(r.writes.duplicated for r in results)
    print(
        f"writes: {sent:,} sent, {once:,} stored exactly once, {missing:,} missing, {duplicated:,} duplicated"
    )
    cores = os.cpu_count() or 1
    groups = list(dict.fromkeys((r.database, r.client) for r in results))
    ratios: dict[tuple[str, str], float] = {}
    for database, load_client in groups:
        ones = [r for r in results if (r.database, r.client) == (database, load_client) and r.workers == 1]
        if not ones:
            continue
        one = ones[0]
        cpu = (
            f"; its worker used {one.worker_cpu_s:.1f} CPU-s for {one.n:,} requests, "
            f"≈ {one.n / one.worker_cpu_s:,.0f} requests per CPU-second"
            if one.worker_cpu_s
            else ""
        )
        more = [r for r in results if (r.database, r.client) == (database, load_client) and r.workers > 1]
        scale = "".join(
            f"; {r.workers} workers: {r.rps:,.0f} req/s (×{r.rps / one.rps:.2f})" for r in more if one.rps
        )
        print(
            f"per core, {database}, {load_client} client: one worker carries {one.rps:,.0f} req/s with "
            f"{one.clients} concurrent connections{cpu}{scale}. This machine has {cores} cores "
            f"(os.cpu_count()), shared with the load generator, the stand-in"
            + (" and PostgreSQL." if database == "postgresql" else ".")
        )
    print("targets (issue 14):")
    for database, load_client in groups:
        same = [r for r in results if (r.database, r.client) == (database, load_client)]
        ones = [r for r in same if r.workers == 1]
        for r in same:
            if r.workers == 4 and ones and ones[0].rps:
                ratio = ratios[(database, load_client)] = r.rps / ones[0].rps
                s1, g4, o4 = ones[0].per_request_ms()[0], *r.per_request_ms()[1:]
                s4 = r.per_request_ms()[0]
                print(
                    f"  {database}, {load_client} client: 4 workers ×{ratio:.2f} one worker's throughput "
                    f"(target ≥ ×1.8); the ceiling {cores}·s1/(s4+g+o) = {cores}·{s1:.3f}/"
                    f"({s4:.3f}+{g4:.3f}+{o4:.3f}) ms = ×{cores * s1 / (s4 + g4 + o4):.2f}"
                )
        if database == "sqlite":
            for r in same:
                if r.ns("log"):
                    logs, p99, worst = len(r.ns("log")), r.ms(99, "log"), max(r.ns("log")) / 1e6
                elif args.log_share == 1 and r.summary_ms is not None:  # wrk: every request is a log
                    logs, p99, worst = r.n, r.latency_ms(99), r.max_ms()
                else:
                    continue
                print(
                    f"  sqlite --workers {r.workers} ({r.client} client): {logs:,} logs over {r.clients} "
                    f"connections, p99 {p99:.1f} ms, max {worst:.1f} ms (target p99 ≤ 100 ms, never near 3,000 ms)"
                )
    for r in results:
        if r.workers > 1 and r.worker_cpu_s:
            busiest = r.worker_cpu[0] / r.worker_cpu_s
            if busiest > 0.6:
                print(
                    f"note: {r.database} --workers {r.workers} ({r.client} client, {r.connection} connections): "
                    f"{busiest:.0%} of the workers' CPU was one worker's: the kernel places each keep-alive "
                    f"connection on a worker's socket by a hash, so a few can all land on one worker"
                )
    figures = " ".join(
        f"{r.database}_{r.client}_w{r.workers}_rps={r.rps:.0f} "
        f"{r.database}_{r.client}_w{r.workers}_p99_ms={r.latency_ms(99):.2f}"
        for r in results
    )
    figures += "".join(f" {db}_{cl}_ratio={ratio:.2f}" for (db, cl), ratio in ratios.items())
    failures = sum(len(r.failures) for r in results)
    print()
    print(
        f"RESULT {figures} failures={failures} writes_sent={sent} writes_missing={missing} "
        f"writes_duplicated={duplicated}" + (" (postgresql skipped)" if skipped else "")
    )
    return 0


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _redacted(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the PostgreSQL URL"


if __name__ == "__main__":
    sys.exit(main())
