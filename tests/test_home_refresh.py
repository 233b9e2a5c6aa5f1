"""App Home refreshes coalesce (one per person at a time, the latest state wins), the queue is bounded,
and a refresh still owed when a worker stops is recorded and made on the next start."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.container import Services
from bot.runtime.background import Background
from bot.runtime.home_refresh import HomeRefresher
from bot.views.home import home_view
from store.models import HomeRefreshOwed
from tests.harness import SlackHarness

CLIENT = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/")  # never called: publish is ours


class Gate:
    """A publish that records who was published and, while closed, holds every publish."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.started = threading.Event()
        self.published: list[tuple[str, int]] = []
        self.state = 0  # stands for what the Home tab shows: read when the publish runs

    def __call__(self, _client: WebClient, user_id: str) -> None:
        self.started.set()
        assert self.open.wait(10), "the test never opened the gate"
        self.published.append((user_id, self.state))


@pytest.fixture
def refresher(services: Services) -> Iterator[tuple[HomeRefresher, Background]]:
    background = Background(workers=2)
    yield HomeRefresher(services.db, background, limit=3, delay=0), background
    background.shutdown()


def owed(services: Services) -> list[str]:
    with services.db.read() as session:
        return sorted(session.scalars(select(HomeRefreshOwed.user_id)))


def test_changes_in_a_row_are_one_refresh_after_the_one_under_way(
    refresher: tuple[HomeRefresher, Background],
) -> None:
    home, background = refresher
    gate = Gate()
    home.request(CLIENT, "U0ONE", gate)
    assert gate.started.wait(5)  # the first refresh is under way, held at the gate
    for change in range(1, 6):
        gate.state = change
        home.request(CLIENT, "U0ONE", gate)
    gate.open.set()
    background.drain()
    assert gate.published == [("U0ONE", 5), ("U0ONE", 5)], "one more refresh, showing the last change"
    assert home.asked == 6 and home.published == 2


def test_the_queue_is_bounded_and_the_overflow_is_owed_not_dropped(
    services: Services, refresher: tuple[HomeRefresher, Background]
) -> None:
    home, background = refresher
    gate = Gate()
    users = [f"U0P{n}" for n in range(6)]
    for user in users:
        home.request(CLIENT, user, gate)
    assert owed(services) == users[3:], "three wait (the limit); the rest are recorded"
    gate.open.set()
    background.drain()
    assert sorted(user for user, _ in gate.published) == users[:3]

    replayed = Gate()
    replayed.open.set()
    assert home.replay_owed(CLIENT, replayed) == 3
    background.drain()
    assert sorted(user for user, _ in replayed.published) == users[3:]
    assert owed(services) == []


def test_refreshes_a_stopping_worker_still_owes_are_made_on_the_next_start(services: Services) -> None:
    background = Background(workers=1)
    stopping = HomeRefresher(services.db, background, delay=0)
    gate = Gate()
    for user in ("U0A", "U0B", "U0C"):
        stopping.request(CLIENT, user, gate)
    assert gate.started.wait(5)
    stopping.close(timeout=0.2)  # U0A is stuck mid-publish, U0B and U0C never started
    assert owed(services) == ["U0A", "U0B", "U0C"]
    gate.open.set()
    background.shutdown()

    restarted_background = Background()
    restarted = HomeRefresher(services.db, restarted_background)
    after = Gate()
    after.open.set()
    assert restarted.replay_owed(CLIENT, after) == 3
    restarted_background.drain()
    assert sorted(user for user, _ in after.published) == ["U0A", "U0B", "U0C"]
    assert owed(services) == []
    assert restarted.replay_owed(CLIENT, after) == 0
    restarted_background.shutdown()


def test_a_refresh_finished_while_stopping_is_not_owed(services: Services) -> None:
    background = Background(workers=1)
    home = HomeRefresher(services.db, background, delay=0)
    gate = Gate()
    gate.open.set()
    home.request(CLIENT, "U0DONE", gate)
    home.close(timeout=5)
    background.shutdown()
    assert gate.published == [("U0DONE", 0)]
    assert owed(services) == []


def test_opening_the_home_tab_settles_what_was_owed(slack: SlackHarness, people: dict[str, str]) -> None:
    member = people["member"]
    with slack.services.db.transaction() as session:
        session.add(HomeRefreshOwed(user_id=member))
    slack.event({"type": "app_home_opened", "user": member, "tab": "home"})
    assert len(slack.calls("views.publish")) == 1
    assert owed(slack.services) == []


def test_a_burst_of_logs_publishes_the_home_tab_with_the_last_one(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    member = people["member"]
    for n in range(4):
        slack.ask(f"log P1 burst entry number {n} for the partnership", user=member)
    slack.services.background.drain()
    publishes = slack.calls("views.publish")
    assert 1 <= len(publishes) <= 4
    latest = home_view(slack.services.home.data(slack.services.members.actor(member))).to_dict()
    assert publishes[-1].args["view"] == latest, "the latest state wins"


def test_a_burst_within_the_delay_is_one_publish(services: Services) -> None:
    background = Background()
    home = HomeRefresher(services.db, background, delay=30)  # drain() starts it early
    gate = Gate()
    gate.open.set()
    for change in range(5):
        gate.state = change
        home.request(CLIENT, "U0BURST", gate)
    assert gate.published == [], "nothing starts before the delay"
    background.drain(timeout=5)
    assert gate.published == [("U0BURST", 4)]
    background.shutdown()


def test_one_persons_publishes_start_at_least_the_spacing_apart(services: Services) -> None:
    background = Background()
    home = HomeRefresher(services.db, background, delay=0, spacing=30)  # drain() starts it early
    gate = Gate()
    gate.open.set()
    home.request(CLIENT, "U0STEADY", gate)
    background.drain(timeout=5)
    assert gate.published == [("U0STEADY", 0)], "the first change is published after DELAY"
    for change in range(1, 4):
        gate.state = change
        home.request(CLIENT, "U0STEADY", gate)
    home.request(CLIENT, "U0OTHER", gate)  # someone else's first refresh does not wait for theirs
    assert gate.started.wait(5) and _published_soon(gate, ("U0OTHER", 3))
    assert ("U0STEADY", 3) not in gate.published, "not again within the spacing"
    background.drain(timeout=5)
    assert gate.published[-1] == ("U0STEADY", 3), "then once, with the latest state"
    assert home.published == 3
    background.shutdown()


def _published_soon(gate: Gate, expected: tuple[str, int]) -> bool:
    for _ in range(500):
        if expected in gate.published:
            return True
        threading.Event().wait(0.01)
    return False


def test_work_scheduled_for_later_runs_in_order_when_due() -> None:
    background = Background(workers=1)
    ran: list[str] = []
    done = threading.Event()
    background.submit_after(0.2, "second", ran.append, "second")
    background.submit_after(0.05, "first", ran.append, "first")
    background.submit_after(0.3, "last", lambda: done.set())
    assert done.wait(5)
    assert ran == ["first", "second"]
    background.shutdown()


def test_an_erasure_deletes_an_owed_refresh(services: Services, people: dict[str, str]) -> None:
    from bot.permissions import Actor

    member = people["member"]
    with services.db.transaction() as session:
        session.add(HomeRefreshOwed(user_id=member))
    services.data_protection.erase(Actor.operator(), member, apply=True)
    assert owed(services) == []


def test_an_owed_refresh_stays_owed_until_its_publish_is_made(services: Services) -> None:
    def add_owed() -> None:
        with services.db.transaction() as session:
            session.add_all(HomeRefreshOwed(user_id=user) for user in ("U0A", "U0B"))

    add_owed()
    background = Background(workers=1)
    home = HomeRefresher(services.db, background, delay=60)
    made = Gate()
    made.open.set()
    assert home.replay_owed(CLIENT, made) == 2
    assert home.replay_owed(CLIENT, made) == 0, "queued here already: not taken twice"
    assert owed(services) == ["U0A", "U0B"], "a worker killed now, before publishing, loses nothing"
    background.shutdown()  # publishes what waits
    assert sorted(user for user, _ in made.published) == ["U0A", "U0B"]
    assert owed(services) == []

    def failing(_client: WebClient, user_id: str) -> None:
        if user_id == "U0A":
            raise RuntimeError("Slack said no")

    add_owed()
    restarted_background = Background(workers=1)
    restarted = HomeRefresher(services.db, restarted_background, delay=0)
    assert restarted.replay_owed(CLIENT, failing) == 2
    restarted_background.drain()
    assert owed(services) == ["U0A"], "U0B was published; U0A's publish failed, so it is still owed"
    assert restarted.replay_owed(CLIENT, failing) == 0, "not retried in a loop by the same worker"
    restarted_background.shutdown()


# ---------------------------------------------------------------------- several workers


def test_a_publish_by_another_worker_after_the_change_is_not_repeated(services: Services) -> None:
    """Two workers, one store: B was asked first, A published after that, so A's Home shows B's change."""
    first, second = Background(), Background()
    # nothing starts before its drain(): the test orders the two workers' refreshes
    worker_a = HomeRefresher(services.db, first, delay=60, spacing=30)
    worker_b = HomeRefresher(services.db, second, delay=60, spacing=30)
    gate = Gate()
    gate.open.set()
    worker_b.request(CLIENT, "U0SHARED", gate)  # B's refresh is asked for, then A's
    gate.state = 1
    worker_a.request(CLIENT, "U0SHARED", gate)
    first.drain(timeout=5)
    second.drain(timeout=5)
    assert gate.published == [("U0SHARED", 1)]
    assert (worker_a.published, worker_b.published) == (1, 0)
    first.shutdown()
    second.shutdown()


def test_a_change_after_another_workers_publish_waits_for_the_spacing_once(services: Services) -> None:
    background = Background()
    worker_a = HomeRefresher(services.db, background, delay=0, spacing=30)
    worker_b = HomeRefresher(services.db, background, delay=0, spacing=30)
    gate = Gate()
    gate.open.set()
    worker_a.request(CLIENT, "U0SHARED", gate)
    background.drain(timeout=5)
    asked = time.monotonic()  # after A's publish started: A's Home may not show it
    wait = worker_b._turn("U0SHARED", asked, deferred=False)
    assert wait is not None and 25 < wait <= 30, "B waits for the spacing since A's start"
    assert worker_b._turn("U0SHARED", asked, deferred=True) is None, "and on its second try publishes"
    assert worker_a._turn("U0SHARED", asked, deferred=False) == 0, "now B's start shows it to A"
    background.shutdown()


def test_publishes_go_ahead_when_the_store_cannot_space_them(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store import home_publishes

    def broken(*_args: object) -> tuple[float, float | None]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(home_publishes, "latest_start", broken)
    background = Background()
    worker = HomeRefresher(services.db, background, delay=0, spacing=30)
    gate = Gate()
    gate.open.set()
    worker.request(CLIENT, "U0SHARED", gate)
    background.drain(timeout=5)
    assert gate.published == [("U0SHARED", 0)]
    background.shutdown()


def test_publish_starts_are_purged_after_a_day_and_erased_with_the_person(services: Services) -> None:
    from bot.permissions import Actor
    from store.models import HomePublish

    with services.db.transaction() as session:
        session.add_all(
            [HomePublish(user_id="U0LONGAGO", started=1.0), HomePublish(user_id="U0ERASED", started=4e9)]
        )
    services.data_protection.purge(Actor.operator(), apply=True)
    with services.db.read() as session:
        assert sorted(session.scalars(select(HomePublish.user_id))) == ["U0ERASED"]
    services.data_protection.erase(Actor.operator(), "U0ERASED", apply=True)
    with services.db.read() as session:
        assert list(session.scalars(select(HomePublish.user_id))) == []


def test_workers_stopping_together_lose_nothing_either_owed(
    services: Services, another_worker: Services
) -> None:
    """Two workers stop at once, both owing one person: the one whose insert meets the other's row still
    records everyone else it owed. (On PostgreSQL the first worker's row is not yet committed when the
    second reads who is recorded; a read-then-insert failed there and lost the second's whole batch.)"""
    background = Background(workers=1)
    second = HomeRefresher(services.db, background, delay=0)
    done = threading.Event()
    with another_worker.db.transaction() as session:  # the first worker records U0SHARED, not yet committed
        session.add(HomeRefreshOwed(user_id="U0SHARED"))
        session.flush()

        def stop_second() -> None:
            second._record_owed(["U0SHARED", "U0ONLYSECOND"])
            done.set()

        thread = threading.Thread(target=stop_second)
        thread.start()
        done.wait(0.5)  # PostgreSQL: the second waits on the uncommitted row; SQLite: on the write lock
    thread.join(10)
    assert done.is_set()
    background.shutdown()
    assert owed(services) == ["U0ONLYSECOND", "U0SHARED"]
