"""SQLite's change counter (``store.changes.ChangeBeacon``): a serving process keeps its per-request checks
(the glossary and reference-data versions, who is a member) until a csp-bot process counts a change in the
file beside the database, which every process maps into memory; an edit through another store, the command
line or an erasure is answered by the next request; a write no csp-bot process counted, within
``REFRESH_S``; a process that cannot make the file reads every time."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.container import Services
from bot.permissions import Actor, Role
from store import changes
from store.changes import ChangeBeacon
from tests.harness import SideReads, found, run_csp_bot

OPERATOR = Actor.operator()


@pytest.fixture
def sqlite_services(services: Services) -> Services:
    if not services.db.is_sqlite:
        pytest.skip("SQLite's change counter (PostgreSQL has notices: test_change_notices.py)")
    return services


def _serving(services: Services) -> ChangeBeacon:
    beacon = services.db.listen_for_changes()
    assert isinstance(beacon, ChangeBeacon)
    return beacon


def test_a_serving_store_reads_its_checks_once_until_a_change(
    sqlite_services: Services, another_worker: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = sqlite_services
    _serving(services)
    assert found(services, "MARAC")
    assert services.members.actor("U0NOBODY").role is None
    assert found(services, "MARAC")  # with the checks every service added: read once more, and kept
    reads = SideReads(services.db, monkeypatch)
    for _ in range(5):
        assert found(services, "MARAC")
        assert services.members.actor("U0NOBODY").role is None
    assert reads.count == 0, reads.sql
    another_worker.glossary.add(
        OPERATOR, "ZQXV", "Test entry ZQXV"
    )  # another worker's edit, counted as it commits
    assert found(services, "ZQXV")
    assert reads.count == 1, reads.sql  # the versions, once
    another_worker.glossary.remove(OPERATOR, "ZQXV")
    assert not found(services, "ZQXV")


def test_a_one_off_command_reads_every_time(
    sqlite_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not serving (``csp-bot ask``): nothing is kept, as before the counter."""
    assert found(sqlite_services, "MARAC")
    reads = SideReads(sqlite_services.db, monkeypatch)
    for _ in range(3):
        assert found(sqlite_services, "MARAC")
    assert reads.count == 3


def test_a_member_added_by_the_command_line_is_seen_by_the_next_request(
    sqlite_services: Services, database_url: str
) -> None:
    services = sqlite_services
    _serving(services)
    assert services.members.actor("U0TWOPROC").role is None  # kept
    done = run_csp_bot(
        "members", "add", "U0TWOPROC", "--role", "coordinator", "--org", "WDC", database_url=database_url
    )
    assert done.returncode == 0, done.stderr
    assert services.members.actor("U0TWOPROC").role is Role.COORDINATOR


def test_an_erased_member_is_no_member_at_the_next_request(
    sqlite_services: Services, another_worker: Services
) -> None:
    """The erasure deletes the row with a statement through the session, not the ORM's unit of work."""
    services = sqlite_services
    another_worker.members.add(OPERATOR, "U0ERASED", Role.MEMBER, "TVP")
    _serving(services)
    assert services.members.actor("U0ERASED").role is Role.MEMBER  # kept
    another_worker.data_protection.erase(OPERATOR, "U0ERASED", apply=True)
    assert services.members.actor("U0ERASED").role is None


def test_a_write_no_process_counted_is_answered_within_the_refresh(
    sqlite_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = sqlite_services
    now = [1000.0]
    monkeypatch.setattr(changes.time, "monotonic", lambda: now[0])
    _serving(services)
    assert services.members.actor("U0RAW").role is None
    with services.db.engine.begin() as connection:  # as another program would: no count
        connection.execute(
            text(
                "INSERT INTO members (user_id, role, org, added_by, added_at) VALUES ('U0RAW', 'member', 'TVP', 'U0OP', '2026-01-05 09:00:00')"
            )
        )
    assert services.members.actor("U0RAW").role is None  # kept: nothing counted it
    now[0] += ChangeBeacon.REFRESH_S
    assert services.members.actor("U0RAW").role is Role.MEMBER


def test_a_folder_where_the_counter_cannot_be_made_means_reading_every_time(tmp_path: Path) -> None:
    beacon = ChangeBeacon(tmp_path / "missing" / "csp.sqlite3.changes").start()
    assert beacon.epoch() is None
    beacon.changed()  # nothing to count in, and no error
    assert beacon.epoch() is None


def _count(path: str, times: int) -> None:
    beacon = ChangeBeacon(Path(path))
    for _ in range(times):
        beacon.changed()


def test_processes_counting_at_once_lose_no_count(tmp_path: Path) -> None:
    path = tmp_path / "csp.sqlite3.changes"
    beacon = ChangeBeacon(path).start()
    before = beacon.epoch()
    assert before is not None
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_count, args=(str(path), 300)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert int.from_bytes(path.read_bytes()[:8], "little") == 900
    assert beacon.epoch() != before
