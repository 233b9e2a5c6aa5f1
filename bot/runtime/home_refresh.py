"""App Home refreshes after a change: one per person at a time, the latest state wins, the queue is
bounded, and a refresh still owed when the worker stops is recorded and made on the next start.

Each change someone makes asks for their Home tab to be republished. Ten logs in a row need one
publish, not ten: a person already waiting is not queued again (the refresh reads the state when it
runs, so it shows every change made before it starts), and a person whose refresh is under way gets
one more afterwards. A refresh waits DELAY before it starts, so a burst of changes is one publish, and
one person's publishes start at least SPACING apart, so someone logging steadily gets one every SPACING
rather than one per DELAY: in this process by its own clock, and across every worker by a claim in the
shared database (``store.home_publishes``), so four workers publish a busy Home no more often than one. At most ``limit`` people wait at once; past that, and whenever the process
stops with refreshes still to make, they are written to ``home_refresh_owed`` and published by the next
start's first pass (:meth:`HomeRefresher.replay_owed`) or when the person opens the tab.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from sqlalchemy import select

from bot.runtime.background import Background
from store import home_publishes
from store.db import Database, request_scope
from store.models import HomeRefreshOwed

log = logging.getLogger("csp_bot.home_refresh")

#: publishes one person's Home tab (``handlers.home.publish_home``, bound to its services)
Publish = Callable[[WebClient, str], None]

#: how long a refresh waits before it starts, so a burst of changes is one publish (the Home tab is
#: seldom in view while someone is typing commands; a fraction of a second later is unnoticed)
DELAY = 0.3
#: the least time between the starts of one person's publishes: a Home is about 17 ms of CPU to build
#: and publish, and a steady run of changes needs it caught up every couple of seconds, not every DELAY
SPACING = 2.0
#: refreshes waiting or under way at once, per process, before the rest are recorded as owed
LIMIT = 200
#: owed refreshes one start-up pass publishes (the rest wait for the next pass)
REPLAY_BATCH = 100


class HomeRefresher:
    def __init__(
        self,
        db: Database,
        background: Background,
        *,
        limit: int = LIMIT,
        delay: float = DELAY,
        spacing: float = SPACING,
    ) -> None:
        self._db = db
        self.delay = delay
        self.spacing = spacing
        self._background = background
        self._limit = limit
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[WebClient, Publish]] = {}  # queued, not yet started
        #: when each waiting refresh was last asked for (monotonic), and those already put off once
        self._asked_at: dict[str, float] = {}
        self._deferred: set[str] = set()
        self._running: set[str] = set()
        #: when each person's latest publish started (monotonic), while it is within SPACING
        self._started: dict[str, float] = {}
        self._closing = False
        self._finished_while_closing: set[str] = set()
        #: whether home_refresh_owed may hold rows (unknown until a replay pass has looked)
        self._maybe_owed = True
        #: owed refreshes this process has queued: each record is cleared once its publish is made, so a
        #: worker that dies first leaves it for the next (a second publish of a Home is harmless)
        self._replaying: set[str] = set()
        #: owed refreshes whose publish failed here: retried on the next start or when the tab is opened
        self._failed: set[str] = set()
        #: refreshes asked for, and publishes made (for the benchmark and tests)
        self.asked = 0
        self.published = 0

    def request(self, client: WebClient, user_id: str, publish: Publish) -> bool:
        """Refresh ``user_id``'s Home tab soon, off the request path. False when the queue was full and
        the refresh was recorded as owed instead."""
        with self._lock:
            self.asked += 1
            already = user_id in self._waiting
            pending = len(self._waiting) + len(self._running)
            if not already and (self._closing or pending >= self._limit):
                owe = True
            else:
                owe = False
                self._waiting[user_id] = (client, publish)  # the newest client (and token) is used
                self._asked_at[user_id] = time.monotonic()
            start = not owe and not already and user_id not in self._running
            wait = self._wait_for(user_id) if start else 0.0
        if owe:
            self._record_owed([user_id])
        elif start:
            self._background.submit_after(wait, "app home refresh", self._run, user_id)
        return not owe

    def _wait_for(self, user_id: str) -> float:
        """DELAY, or longer if this person's last publish started less than SPACING ago (under the lock)."""
        started = self._started.get(user_id)
        if started is None:
            return self.delay
        return max(self.delay, started + self.spacing - time.monotonic())

    def superseded(self, user_id: str) -> None:
        """The Home tab was just published with the latest state (opened, or answering its search box):
        a refresh still waiting would only repeat it, and would wipe the search answer under the box."""
        with self._lock:
            self._waiting.pop(user_id, None)
            self._asked_at.pop(user_id, None)
            self._deferred.discard(user_id)
        self.opened(user_id)

    def _run(self, user_id: str) -> None:
        with self._lock:
            item = self._waiting.pop(user_id, None)
            if item is None:
                return
            asked_at = self._asked_at.pop(user_id)
            deferred = user_id in self._deferred
            self._deferred.discard(user_id)
            self._running.add(user_id)
            now = time.monotonic()
            if len(self._started) >= self._limit:  # forget those whose spacing has passed
                self._started = {u: t for u, t in self._started.items() if now - t < self.spacing}
            self._started[user_id] = now
        client, publish = item
        turn = self._turn(user_id, asked_at, deferred)
        if turn is not None:  # another worker's publish shows this change, or it is not yet this one's turn
            with self._lock:
                self._running.discard(user_id)
                paid = turn == 0 and user_id in self._replaying  # an owed refresh the other publish made
                if paid:
                    self._replaying.discard(user_id)
                if turn > 0:
                    if user_id not in self._waiting:  # else a newer request asked while this one looked
                        self._waiting[user_id], self._asked_at[user_id] = item, asked_at
                    self._deferred.add(user_id)
                    retry_in: float | None = turn
                else:
                    retry_in = self._wait_for(user_id) if user_id in self._waiting else None
            if paid:
                self._clear_owed([user_id])
            if retry_in is not None:
                self._background.submit_after(retry_in, "app home refresh", self._run, user_id)
            return
        done = False
        try:
            with request_scope():  # outside any request: the versions are read once for the whole refresh
                publish(client, user_id)
            done = True
        finally:
            with self._lock:
                self._running.discard(user_id)
                replayed = user_id in self._replaying
                self._replaying.discard(user_id)
                if done:
                    self.published += 1
                    if self._closing:
                        self._finished_while_closing.add(user_id)
                elif replayed:
                    self._failed.add(user_id)
                again = user_id in self._waiting
                wait = self._wait_for(user_id) if again else 0.0
            if replayed and done:
                self._clear_owed([user_id])
            if again:  # changed again while this refresh ran: one more, with the newest state
                self._background.submit_after(wait, "app home refresh", self._run, user_id)

    def _turn(self, user_id: str, asked_at: float, deferred: bool) -> float | None:
        """Whether to publish now, across every worker (``store.home_publishes``): None to publish (its start
        is recorded); 0 when a publish that started after this refresh was asked for shows it already;
        else the seconds to wait for SPACING since the latest start. A refresh waits at most once: on
        its second try it publishes. When the database cannot say, it publishes: a Home shown twice
        beats one never shown."""
        if self.spacing <= 0:
            return None
        try:
            with self._db.statements() as connection:
                now, latest = home_publishes.latest_start(connection, user_id)
                # when it was asked for, by the server's clock: no earlier than it really was (the
                # statement's own latency only makes it later), so "started after" is never wrongly true
                asked = now - (time.monotonic() - asked_at)
                if latest is not None and latest > asked:
                    return 0.0
                if latest is not None and not deferred and latest > now - self.spacing:
                    return latest + self.spacing - now
                home_publishes.record_start(connection, user_id, now)
                return None
        except Exception as error:
            log.warning("could not space an App Home publish (%s): publishing", type(error).__name__)
            return None

    # ------------------------------------------------------------------ stopping and starting

    def close(self, timeout: float = 5.0) -> None:
        """Record every refresh still to make, let those under way finish (up to ``timeout``), then
        clear the records of the ones that did. Nothing owed is lost if the process is then killed."""
        with self._lock:
            self._closing = True
            owed = set(self._waiting) | self._running
        if not owed:
            return
        self._record_owed(owed)
        self._background.drain(timeout)
        with self._lock:
            made = self._finished_while_closing - set(self._waiting) - self._running
        if made:
            self._clear_owed(made)

    def replay_owed(self, client: WebClient, publish: Publish) -> int:
        """Queue up to REPLAY_BATCH owed refreshes. Each record stays until its publish is made, so none
        is lost to a worker that stops before publishing; two workers may both publish one, harmlessly."""
        with self._lock:
            skip = self._replaying | self._failed
        with self._db.read() as session:
            query = select(HomeRefreshOwed.user_id).order_by(HomeRefreshOwed.owed_since)
            if skip:
                query = query.where(HomeRefreshOwed.user_id.not_in(sorted(skip)))
            users = list(session.scalars(query.limit(REPLAY_BATCH)))
        if not users:
            self._maybe_owed = bool(skip)
            return 0  # the usual case: one cheap read
        queued = 0
        for user_id in users:
            with self._lock:
                self._replaying.add(user_id)
            if self.request(client, user_id, publish):
                queued += 1
            else:  # the queue is full: still owed, for a later pass
                with self._lock:
                    self._replaying.discard(user_id)
        log.info("%d owed App Home refreshes queued", queued)
        return queued

    def opened(self, user_id: str) -> None:
        """The person opened their Home tab and it is being published: nothing is owed to them now."""
        if not self._maybe_owed:
            return
        with self._db.read() as session:
            owed = session.get(HomeRefreshOwed, user_id) is not None
        if owed:
            self._clear_owed([user_id])

    def _record_owed(self, users: Iterable[str]) -> None:
        self._maybe_owed = True
        owed = sorted(set(users))
        try:
            with self._db.statements() as connection:
                home_publishes.record_owed(connection, owed, self._db.utcnow())
        except Exception as error:  # the tab is still refreshed when next opened
            log.warning("could not record %d owed App Home refreshes (%s)", len(owed), type(error).__name__)

    def _clear_owed(self, users: Iterable[str]) -> None:
        with self._db.statements() as connection:
            home_publishes.clear_owed(connection, list(users))
