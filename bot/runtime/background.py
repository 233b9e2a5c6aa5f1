"""Work that follows a reply (refreshing someone's App Home, uploading a report) off the request path."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from bot.logs import log_failure

log = logging.getLogger("csp_bot.background")

_Scheduled = tuple[float, int, "Future[None]", str, Callable[..., Any], tuple[Any, ...]]


class Background:
    def __init__(self, workers: int = 2) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="csp-background")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        # work to start later (submit_after): a heap by due time, started by one timer thread
        self._due = threading.Condition(self._lock)
        self._scheduled: list[_Scheduled] = []
        self._order = itertools.count()
        self._timer: threading.Thread | None = None
        self._stopped = False

    def submit(self, name: str, work: Callable[..., Any], *args: Any) -> None:
        future = self._executor.submit(self._run, name, work, *args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def submit_after(self, delay: float, name: str, work: Callable[..., Any], *args: Any) -> None:
        """Start ``work`` in ``delay`` seconds (at once if :meth:`drain` is called meanwhile)."""
        if delay <= 0:
            self.submit(name, work, *args)
            return
        placeholder: Future[None] = Future()  # pending from now, so drain() waits for it
        with self._lock:
            self._pending.add(placeholder)
            heapq.heappush(
                self._scheduled, (time.monotonic() + delay, next(self._order), placeholder, name, work, args)
            )
            if self._timer is None:
                self._timer = threading.Thread(
                    target=self._start_when_due, name="csp-background-timer", daemon=True
                )
                self._timer.start()
            self._due.notify()

    def _start_when_due(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and (not self._scheduled or self._scheduled[0][0] > time.monotonic()):
                    self._due.wait(self._scheduled[0][0] - time.monotonic() if self._scheduled else None)
                if self._stopped:
                    return
                ready = heapq.heappop(self._scheduled)
            self._start(ready)

    def _start(self, scheduled: _Scheduled) -> None:
        placeholder, name, work, args = scheduled[2:]

        def finished(_future: Future[None]) -> None:
            placeholder.set_result(None)
            self._forget(placeholder)

        self._executor.submit(self._run, name, work, *args).add_done_callback(finished)

    def _start_all_now(self) -> None:
        with self._lock:
            ready, self._scheduled = sorted(self._scheduled), []
        for scheduled in ready:
            self._start(scheduled)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    @staticmethod
    def _run(name: str, work: Callable[..., Any], *args: Any) -> None:
        try:
            work(*args)
        except Exception as error:
            log_failure(log, name, error)

    def drain(self, timeout: float = 30.0) -> None:
        """Start what is waiting for its time now, and wait for what is under way and for what it
        queues in turn (a refresh that found another change waiting), up to ``timeout`` in all.
        The CLI does, before it prints and exits."""
        deadline = time.monotonic() + timeout
        while True:
            self._start_all_now()
            with self._lock:
                pending = set(self._pending)
            left = deadline - time.monotonic()
            if not pending or left <= 0:
                return
            wait(pending, timeout=min(left, 0.05) if self._scheduled else left)

    def shutdown(self) -> None:
        self.drain()
        with self._lock:
            self._stopped = True
            self._due.notify()
        self._executor.shutdown(wait=True)
