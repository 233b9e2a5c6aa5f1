"""Work that follows a reply (refreshing someone's App Home, uploading a report) off the request path."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from bot.logs import log_failure

log = logging.getLogger("csp_bot.background")


class Background:
    def __init__(self, workers: int = 2) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="csp-background")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, name: str, work: Callable[..., Any], *args: Any) -> None:
        future = self._executor.submit(self._run, name, work, *args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

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
        """Wait for what is under way, and for what it queues in turn (a refresh that found another
        change waiting), up to ``timeout`` in all. The CLI does, before it prints and exits."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._pending)
            left = deadline - time.monotonic()
            if not pending or left <= 0:
                return
            wait(pending, timeout=left)

    def shutdown(self) -> None:
        self.drain()
        self._executor.shutdown(wait=True)
