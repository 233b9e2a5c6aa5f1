"""Change notices from PostgreSQL (LISTEN/NOTIFY), so that a worker can keep the small values it checks on
every request (the glossary and reference-data versions, who is a member) until one of them changes.

Every statement that writes ``app_state`` or ``members`` fires a trigger (migration 0019) that sends a notice
on :data:`CHANNEL`; PostgreSQL delivers it when, and only when, the writing transaction commits, to every
connection listening. One :class:`ChangeListener` per process and server holds such a connection and keeps
an *epoch*, a number that moves on whenever something may have changed. A value read while the epoch was E
may be answered again for as long as :meth:`ChangeListener.epoch` still says E (``store.db.Database``).

Why that is sound (an edit committed anywhere, then a look-up here):

* The listener starts listening, and only *then* says an epoch (PostgreSQL's rule for LISTEN: commit the
  LISTEN first, then read the state, then rely on notices). A value is kept only with the epoch sampled
  before it was read, so it was read while listening: any commit it did not see sends a notice.
* A notice reaching the listener's socket makes :meth:`ChangeListener.epoch` say None at once, before this
  process has read it (the socket is polled, without blocking, on each ask), and the listener moves the
  epoch on *before* it reads from the socket (and again after, for a notice read in the same call). So from
  the moment a notice reaches this process, no request answers from a value kept before it, however busy
  the listener's thread is.
* When the listener is not known to be good (starting, reconnecting after a loss, during its heartbeat, in a
  forked child, stopped, or behind a pooler that moves statements between server processes, which it
  checks as it starts and at every heartbeat) the epoch is None and every ask reads the database, as
  without a listener. A lost connection is seen at once when the server closes it (end of file on the
  socket), and within about ``HEARTBEAT_S`` plus the TCP keepalive/user timeouts when the network drops it
  silently. Each reconnection is a new epoch, so nothing read before a loss is answered after it.
* This process's own committed changes move the epoch on as the transaction returns
  (``Database.transaction``), so its own reply and next request never wait for the notice.

What remains is PostgreSQL's own delivery: the writer's backend signals every listening backend as it
commits, before the writer is told the commit succeeded, and each listening backend then writes the notice
to its socket as soon as it is scheduled (well under a millisecond on an idle server). A look-up on another
worker that reaches it after the editor's reply has gone back through Slack is far later than that.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import select
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows, where the write queue has no flock() either
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("csp_bot.store")

#: the channel the triggers of migration 0019 notify on
CHANNEL = "csp_changes"
#: tables whose every write sends a notice (migration 0019): values read from them may be kept
NOTIFYING_TABLES = frozenset({"app_state", "members"})
#: seconds between heartbeats on a quiet listener connection: one that died silently fails on the next
HEARTBEAT_S = 20.0
#: reconnection back-off after a loss, from the first retry to the longest wait
RETRY_S = (0.5, 30.0)

_LISTENERS: weakref.WeakSet[ChangeListener] = weakref.WeakSet()


class ChangeListener:
    """Listens on its own connection (``connect()`` returns a psycopg connection in autocommit mode) in a
    daemon thread, from :meth:`start` until :meth:`stop`. See the module's docstring for why its
    :meth:`epoch` may be trusted."""

    def __init__(self, connect: Callable[[], Any], *, heartbeat_s: float = HEARTBEAT_S) -> None:
        self._connect = connect
        self.heartbeat_s = heartbeat_s
        self._lock = threading.Lock()
        #: moves on at every notice, loss, reconnection, heartbeat and local change
        self._counter = 0
        #: listening is confirmed and no heartbeat is reading the socket
        self._trusted = False
        #: the counter while trusted; None otherwise
        self._epoch: int | None = None
        #: the listening connection's socket, -1 without one
        self._fd = -1
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._wake_r, self._wake_w = os.pipe()  # stop() wakes the thread's poll() through it
        #: notices received, connections made, and the server process listening (for tests and operators)
        self.notices = 0
        self.connections = 0
        self.backend_pid: int | None = None
        #: the connection cannot be listened on (a pooler in transaction mode): never trusted
        self.unsupported = False
        _LISTENERS.add(self)

    # ------------------------------------------------------------------ asked on every request

    def epoch(self) -> int | None:
        """The current epoch, or None when a kept value must not be trusted: not listening, or bytes
        (perhaps a notice) have reached the socket that the listener has not read yet."""
        fd = self._fd  # first the socket, then the epoch: see ``_listen``
        if fd < 0:
            return None
        waiting = select.poll()  # one per call: a poll object is not for several threads at once
        waiting.register(fd, select.POLLIN)
        try:
            if waiting.poll(0):  # readable, hung up or failed
                return None
        except OSError:
            return None
        return self._epoch

    def changed(self) -> None:
        """Something this process committed changed what is kept: forget it now, not at the notice."""
        self._move()

    # ------------------------------------------------------------------ running

    def start(self) -> ChangeListener:
        with self._lock:
            if not self.unsupported and (self._thread is None or not self._thread.is_alive()):
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name="csp-change-listener", daemon=True)
                self._thread.start()
        return self

    def wait_until_listening(self, timeout: float) -> bool:
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop listening; True once the thread has ended (it may still be connecting, up to its timeout)."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        ended = thread is None or not thread.is_alive()
        if ended:
            self._thread = None
        return ended

    def close(self) -> None:
        if self.stop():  # a thread still running keeps its wake-up pipe (never someone else's descriptor)
            for fd in (self._wake_r, self._wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _run(self) -> None:
        wait = RETRY_S[0]
        while not self._stopping.is_set():
            connection = None
            try:
                connection = self._connect()
                connection.execute(f"LISTEN {CHANNEL}")  # autocommit: listening once this returns
                self.backend_pid = self._confirm(connection, None)
                self._fd = connection.fileno()
                self._trust(True)
                self.connections += 1
                self._listening.set()
                wait = RETRY_S[0]
                self._listen(connection)
            except Exception as error:
                if not self._stopping.is_set():
                    log.warning(
                        "change notices from the database stopped (%s): checking on every request until "
                        "they are back",
                        type(error).__name__,
                    )
            finally:
                self._lost()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.close()
            self._stopping.wait(wait)
            wait = min(wait * 2, RETRY_S[1])

    def _listen(self, connection: Any) -> None:
        fd = self._fd
        events = select.poll()
        events.register(fd, select.POLLIN)
        events.register(self._wake_r, select.POLLIN)
        while not self._stopping.is_set():
            ready = {ready_fd for ready_fd, _ in events.poll(self.heartbeat_s * 1000)}
            if self._wake_r in ready:
                os.read(self._wake_r, 64)
                continue
            if fd in ready:
                # Before reading: a request that polls the socket empty after this sees the moved epoch,
                # and one that polled before saw the bytes waiting. And after: what was kept meanwhile
                # may predate a later notice read in the same call.
                self._move()
                self.notices += sum(1 for _ in connection.notifies(timeout=0))
                self._move()
            else:
                # A connection dropped without a word fails here. Whatever arrives during the statement
                # is read by it, not left on the socket: untrusted until it is done.
                self._trust(False)
                self._confirm(connection, self.backend_pid)
                self.notices += sum(1 for _ in connection.notifies(timeout=0))  # any read meanwhile
                self._trust(True)
            if connection.broken or connection.closed:
                raise ConnectionError("the listening connection closed")

    def _confirm(self, connection: Any, backend_pid: int | None) -> int:
        """The server process this connection reaches, which must be listening (and, on a heartbeat,
        the same one as before). A pooler that hands each statement to another server process (PgBouncer's
        transaction mode) would lose notices without a word: found once, the listener stops for good."""
        row = connection.execute(
            "SELECT pg_backend_pid(), %s IN (SELECT pg_listening_channels())", (CHANNEL,)
        ).fetchone()
        if row is None or not row[1] or (backend_pid is not None and row[0] != backend_pid):
            self.unsupported = True
            self._stopping.set()
            log.warning(
                "change notices need a session of their own on the database server (not a pooler in "
                "transaction mode): checking on every request instead"
            )
            raise ConnectionError("not listening on this connection")
        return int(row[0])

    # ------------------------------------------------------------------ the epoch

    def _move(self) -> None:
        with self._lock:
            self._counter += 1
            self._epoch = self._counter if self._trusted else None

    def _trust(self, trusted: bool) -> None:
        with self._lock:
            self._trusted = trusted and self._fd >= 0
            self._counter += 1
            self._epoch = self._counter if self._trusted else None

    def _lost(self) -> None:
        """Not listening any more: say so first, then let the socket go."""
        self._trust(False)
        self._fd = -1
        self._listening.clear()

    def _forked(self) -> None:
        """In a forked child the thread is gone and the connection is the parent's: trust nothing, and
        start afresh if asked to (the locks and the wake-up pipe may be in the parent's use)."""
        self._trusted = False
        self._epoch = None
        self._fd = -1
        self._thread = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listening = threading.Event()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r, self._wake_w = os.pipe()


def _after_fork_in_child() -> None:
    for listener in list(_LISTENERS):
        listener._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


class ChangeBeacon:
    """SQLite's counterpart of :class:`ChangeListener`: a counter in a small file beside the database
    (``<database>.changes``) that every csp-bot process on the machine maps into memory.

    A process that commits a write to a table whose writes would notify (``NOTIFYING_TABLES``; the same
    writes that move a listener's epoch on, ``Database.transaction``) moves the counter on as the write
    returns, before its reply is sent (:meth:`changed`). :meth:`epoch` is the counter, read from memory:
    no system call and no database read, where the read it replaces cost a look-up a third of its CPU
    behind gunicorn (each SQLite call lets go of the interpreter's lock, and other threads wake for it).

    Why that is sound: a value is kept with the epoch sampled *before* it was read, so any commit it did
    not see was counted after that sample, and the next ask reads again. What no csp-bot process writes
    (another program editing the file, a process killed between its commit and its count) is caught by
    the epoch also moving on every ``REFRESH_S`` seconds. Only a serving process trusts kept values
    (:meth:`start`, and ``Database.partition`` for its other partnerships' files); every process counts
    its changes, the command line's included.
    """

    #: the longest a value changed by a writer that does not count its changes is answered
    REFRESH_S = 5.0

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._map: mmap.mmap | None = None
        self._fd = -1
        self._pid = 0
        self._unavailable_in = 0  # the process that could not make the file: it reads every time
        #: kept values are trusted (a serving process); a one-off command reads each time
        self.serving = False

    def start(self) -> ChangeBeacon:
        self.serving = True
        self._mapped()
        return self

    def epoch(self) -> int | None:
        if not self.serving:
            return None
        counter = self._mapped()
        if counter is None:
            return None  # the file cannot be made (a read-only folder): read every time
        return int.from_bytes(counter[:8], "little") << 24 | int(time.monotonic() / self.REFRESH_S) & 0xFFFFFF

    def changed(self) -> None:
        """Count a committed change, so every process reads its kept values again. Processes take
        turns on the file's lock, so no count is lost."""
        counter = self._mapped()
        if counter is None:
            return
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                value = int.from_bytes(counter[:8], "little")
                counter[:8] = ((value + 1) % 2**64).to_bytes(8, "little")
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._map is not None and self._pid == os.getpid():
                self._map.close()
                os.close(self._fd)
            self._map, self._fd = None, -1

    def _mapped(self) -> mmap.mmap | None:
        if self._map is not None and self._pid == os.getpid():
            return self._map
        if self._unavailable_in == os.getpid():
            return None
        with self._lock:
            if self._map is None or self._pid != os.getpid():  # a forked worker maps (and locks) its own
                try:
                    fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                    try:
                        if os.fstat(fd).st_size < 8:
                            os.ftruncate(fd, 8)  # zeros: every process that does this agrees
                        self._map = mmap.mmap(fd, 8)
                    except BaseException:
                        os.close(fd)
                        raise
                except OSError as error:
                    log.warning(
                        "cannot keep a change counter beside the database (%s): reading on every request",
                        type(error).__name__,
                    )
                    self._map, self._unavailable_in = None, os.getpid()
                    return None
                self._fd, self._pid = fd, os.getpid()
        return self._map
