"""A cheap load generator for `concurrency_bench.py`: `wrk` replaying pre-signed raw requests.

With the load generator on the same two cores as the server, the most W workers can add over one is about
``cores × s / (s + g)`` (s: the server's CPU per request, g: the generator's). Python client threads cost
about a quarter of what the server does per request, which caps the ratio near ×1.6 whatever the server
does; wrk costs a few microseconds a request.

Every request is built and signed before wrk starts (the signatures' timestamps are then seconds old, well
inside Slack's 5-minute window). Each wrk thread reads its own list from a file, its connections take the
next request from it (keep-alive, one request in flight per connection), and once every request has been
answered the thread writes what it counted to a file and stops. A connection whose thread has sent its
whole list waits (``delay()``) rather than send more; should wrk ask for one anyway it gets a ``GET /healthz``,
not counted. The benchmark sends SIGINT to wrk when every thread is done, since
wrk's main thread otherwise sleeps for the whole ``-d``.

Debian/Ubuntu: ``apt-get install wrk`` (a bench tool, not a dependency of csp-bot).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

#: Each thread keeps its own Lua state; the clock is CLOCK_MONOTONIC through LuaJIT's FFI (wrk's Lua has
#: no sub-second clock of its own), so the span is first request sent to last answer received.
LUA_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_ns()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e9 + tonumber(clock.tv_nsec)
end

local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local FILLER_BODY = '{"ok": true}'
local LOOKUP_PHRASES = {%(phrases)s}
local LOG_PHRASE = %(log_phrase)s

function init(args)
  dir = args[1]
  local f = assert(io.open(dir .. "/requests-" .. id, "rb"))
  count, logs = f:read("*n", "*n")
  requests = {}
  for i = 1, count do
    local length = f:read("*n")
    f:read(1)  -- the newline after the length
    requests[i] = f:read(length)
  end
  f:close()
  filler = "GET /healthz HTTP/1.1\r\nHost: " .. wrk.host .. "\r\n\r\n"
  sent, answered, logs_ok, lookups_ok, non200, other, fillers = 0, 0, 0, 0, 0, 0, 0
  -- wrk calls thread 0's request() once before the run, to count pipelined requests
  -- (script_verify_request): that call must not use up a request
  verifying = (id == 0)
end

-- once its list is sent, a connection waits (the thread stops when the last answer is in) instead of
-- loading the server with fillers while the other thread finishes
function delay()
  if sent >= count then return 600000 end
  return 0
end

function request()
  if verifying then verifying = false; return requests[1] end
  if sent == 0 then started = now_ns() end
  sent = sent + 1
  if sent <= count then return requests[sent] end
  return filler
end

local function finish()
  local f = assert(io.open(dir .. "/done-" .. id .. ".tmp", "w"))
  f:write(string.format(
    "count=%%d\nlogs=%%d\nanswered=%%d\nlogs_ok=%%d\nlookups_ok=%%d\nnon200=%%d\nother=%%d\nfillers=%%d\n" ..
    "started_ns=%%.0f\nfinished_ns=%%.0f\n",
    count, logs, answered, logs_ok, lookups_ok, non200, other, fillers, started, now_ns()))
  f:close()
  os.rename(dir .. "/done-" .. id .. ".tmp", dir .. "/done-" .. id)
  wrk.thread:stop()
end

local function note_unexpected(status, body)
  if non200 + other == 1 then
    local f = io.open(dir .. "/unexpected-" .. id, "w")
    if f then f:write(status .. " " .. string.sub(body or "", 1, 200)); f:close() end
  end
end

function response(status, headers, body)
  if status == 200 and body == FILLER_BODY then fillers = fillers + 1; return end
  answered = answered + 1
  if status ~= 200 then
    non200 = non200 + 1; note_unexpected(status, body)
  elseif string.find(body, LOG_PHRASE, 1, true) then
    logs_ok = logs_ok + 1
  else
    local found = false
    for _, phrase in ipairs(LOOKUP_PHRASES) do
      if string.find(body, phrase, 1, true) then found = true; break end
    end
    if found then lookups_ok = lookups_ok + 1 else other = other + 1; note_unexpected(status, body) end
  end
  if answered == count then finish() end
end

function done(summary, latency, requests)
  io.write(string.format("BENCH-WRK requests=%%d p50_us=%%d p99_us=%%d max_us=%%d timeouts=%%d read_errors=%%d\n",
    summary.requests, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.timeout, summary.errors.read))
end
"""


@dataclass
class ThreadCounts:
    count: int = 0
    logs: int = 0
    answered: int = 0
    logs_ok: int = 0
    lookups_ok: int = 0
    non200: int = 0
    other: int = 0
    fillers: int = 0
    started_ns: int = 0
    finished_ns: int = 0


@dataclass
class WrkOutcome:
    threads: list[ThreadCounts] = field(default_factory=list)
    wall_s: float = 0.0  # the first request sent to the last answer, over all threads
    cpu_s: float = 0.0  # wrk's own CPU (user + system), start-up included
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    failures: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return sum(t.count for t in self.threads)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def lua_string(text: str) -> str:
    if not text.isascii() or any(c in text for c in '"\\\n\r'):
        raise ValueError(f"not a plain ASCII phrase: {text!r}")
    return f'"{text}"'


def raw_request(host: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def write_inputs(
    directory: Path,
    per_thread: Sequence[Sequence[tuple[bytes, bool]]],
    lookup_phrases: Sequence[str],
    log_phrase: str,
) -> Path:
    """The Lua script and one request file per thread ((raw request, is a log) pairs); returns the script."""
    script = directory / "bench.lua"
    script.write_text(
        LUA_SCRIPT
        % {"phrases": ", ".join(lua_string(p) for p in lookup_phrases), "log_phrase": lua_string(log_phrase)}
    )
    for number, requests in enumerate(per_thread):
        with open(directory / f"requests-{number}", "wb") as out:
            out.write(f"{len(requests)} {sum(is_log for _, is_log in requests)}\n".encode())
            for raw, _ in requests:
                out.write(f"{len(raw)}\n".encode() + raw)
    return script


def _process_cpu_s(pid: int) -> float:
    """CPU seconds of a running process: its threads' schedstat (nanoseconds), else /proc/PID/stat (ticks)."""
    with suppress(OSError, ValueError, IndexError):
        tasks = Path(f"/proc/{pid}/task")
        return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks.iterdir()) / 1e9
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read_counts(path: Path) -> ThreadCounts:
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return ThreadCounts(**{name: int(float(value)) for name, value in values.items()})


def run_wrk(
    port: int,
    directory: Path,
    script: Path,
    threads: int,
    connections: int,
    *,
    while_running: Callable[[], None] | None = None,
    timeout_s: float = 600.0,
) -> WrkOutcome:
    """Run wrk until every thread has had every request answered (or ``timeout_s``)."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(timeout_s)}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/slack/events",
        "--",
        str(directory),
    ]
    outcome = WrkOutcome()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = [directory / f"done-{n}" for n in range(threads)]
    deadline = time.monotonic() + timeout_s
    sampled = False
    started = time.monotonic()
    try:
        while not all(path.exists() for path in done):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            if not sampled and while_running is not None and time.monotonic() - started > 0.3:
                while_running()
                sampled = True
            time.sleep(0.02)
        if proc.poll() is None:
            outcome.cpu_s = _process_cpu_s(proc.pid)
            proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    for number, path in enumerate(done):
        if not path.exists():
            outcome.failures.append(
                f"wrk thread {number} did not finish; wrk said: {output.strip()[-300:]!r}"
            )
            continue
        counts = _read_counts(path)
        outcome.threads.append(counts)
        wrong = counts.count - counts.logs_ok - counts.lookups_ok
        if counts.logs_ok != counts.logs or wrong:
            unexpected = directory / f"unexpected-{number}"
            sample = unexpected.read_text() if unexpected.exists() else ""
            # one entry per wrong reply, as the Python client counts its failures
            outcome.failures += [
                f"wrk thread {number}: {counts.non200} non-200, {counts.other} unexpected replies, "
                f"{counts.logs_ok} of {counts.logs} logs confirmed; first: {sample[:160]!r}"
            ] * max(wrong, 1)
    if outcome.threads:
        outcome.wall_s = (
            max(t.finished_ns for t in outcome.threads) - min(t.started_ns for t in outcome.threads)
        ) / 1e9
    for line in output.splitlines():
        if line.startswith("BENCH-WRK "):
            values = dict(part.split("=", 1) for part in line.split()[1:])
            outcome.p50_ms = int(values["p50_us"]) / 1000
            outcome.p99_ms = int(values["p99_us"]) / 1000
            outcome.max_ms = int(values["max_us"]) / 1000
            if int(values["timeouts"]):
                outcome.failures.append(f"wrk counted {values['timeouts']} timeouts (over 30 s)")
    return outcome
