"""A large glossary import, written in bulk: still all or nothing, with history and audit per entry, one
version bump, a handful of statements per thousand entries, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.container import Services
from bot.permissions import Actor, Role
from glossary.loader import MAX_IMPORT_BYTES, GlossaryFileError, parse_file
from glossary.model import EntryKind, GlossaryEntry, LookupStatus
from store import audit
from store import glossary_repo as repo
from store.models import AuditEvent, GlossaryChange, GlossaryEntryRow

COORDINATOR = Actor(user_id="U0COORD", role=Role.COORDINATOR)


def _entries(
    n: int, *, prefix: str = "ZQ", text: str = "Zonal quartet exchange number"
) -> list[GlossaryEntry]:
    """``n`` new entries whose words pass the personal-data guard; every tenth with aliases."""
    return [
        GlossaryEntry(
            id=f"{prefix.lower()}{i}",
            kind=EntryKind.TERM if i % 5 == 0 else EntryKind.ACRONYM,
            key=f"{prefix}{i}",
            text=f"{text} {i}",
            source="Bulk test glossary",
            aliases=(f"{prefix}X{i}", f"Another name {i}") if i % 10 == 0 else (),
        )
        for i in range(n)
    ]


def _counts(services: Services) -> tuple[int, int, int, int]:
    with services.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(GlossaryEntryRow)) or 0,
            session.scalar(select(func.count()).select_from(GlossaryChange)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            repo.read_version(session),
        )


@contextmanager
def _statements(services: Services) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)


def test_a_file_with_one_bad_entry_writes_nothing(services: Services) -> None:
    entries = _entries(300)
    entries[150] = GlossaryEntry(
        id="zq150", kind=EntryKind.TERM, key="ZQ150", text="Victim Jane Smith rang", source="x"
    )
    before = _counts(services)
    report = services.glossary.import_entries(COORDINATOR, entries)
    assert not report.applied and report.refused == ["zq150"] and len(report.added) == 299
    assert _counts(services) == before, "no entry, history, audit row or version bump"
    assert services.glossary.lookup("ZQ1", count=False).status is not LookupStatus.FOUND


def test_a_failure_while_writing_leaves_nothing_behind(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _counts(services)

    def fail(*_args: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(audit, "record_many", fail)  # after the entries and history are written
    with pytest.raises(RuntimeError):
        services.glossary.import_entries(COORDINATOR, _entries(200))
    assert _counts(services) == before, "one transaction: the rows written before the failure are gone"


def test_each_entry_gets_history_and_audit_and_the_version_moves_once(services: Services) -> None:
    entries_before, changes_before, audits_before, version_before = _counts(services)
    report = services.glossary.import_entries(COORDINATOR, _entries(1200))
    assert report.applied and len(report.added) == 1200
    entries_after, changes_after, audits_after, version_after = _counts(services)
    assert entries_after - entries_before == 1200
    assert changes_after - changes_before == 1200
    assert audits_after - audits_before == 1200
    assert version_after == version_before + 1
    with services.db.read() as session:
        row = session.scalars(select(GlossaryEntryRow).where(GlossaryEntryRow.slug == "zq10")).one()
        change = session.scalars(select(GlossaryChange).where(GlossaryChange.entry_slug == "zq10")).one()
        event_ = session.scalars(select(AuditEvent).where(AuditEvent.target_id == "zq10")).one()
        positions = list(
            session.scalars(select(GlossaryEntryRow.position).where(GlossaryEntryRow.slug.like("zq%")))
        )
    assert row.aliases == ["ZQX10", "Another name 10"] and row.created_by == row.updated_by == "U0COORD"
    assert row.created_at is not None and change.at == row.created_at == event_.at, "the clock's time, once"
    assert change.action == "import" and change.before is None and change.after == repo.snapshot(row)
    assert (event_.action, event_.target_type, event_.actor) == (
        "glossary.import",
        "glossary_entry",
        "U0COORD",
    )
    assert len(set(positions)) == 1200, "each new entry its own place in the load order"
    assert services.glossary.lookup("ZQ10", count=False).matches[0].text == "Zonal quartet exchange number 10"
    assert services.glossary.lookup("Another name 10", count=False).matches[0].id == "zq10"


def test_the_same_file_again_is_all_unchanged_and_writes_nothing(services: Services) -> None:
    entries = _entries(600)
    services.glossary.import_entries(COORDINATOR, entries)
    before = _counts(services)
    again = services.glossary.import_entries(COORDINATOR, entries)
    assert again.applied and again.added == again.changed == [] and len(again.unchanged) == 600
    assert _counts(services) == before, "no history, audit or version bump for nothing"


def test_changed_entries_are_updated_in_bulk_with_before_and_after(services: Services) -> None:
    services.glossary.import_entries(COORDINATOR, _entries(500))
    entries_before, changes_before, audits_before, version = _counts(services)
    edited = _entries(500, text="Zonal quartet exchange, renumbered")
    edited[7] = edited[7].model_copy(update={"key": "ZQ7", "text": "Victim Jane Smith"})  # refused: nothing
    assert not services.glossary.import_entries(COORDINATOR, edited).applied
    edited[7] = _entries(8)[7]  # as stored: unchanged
    report = services.glossary.import_entries(COORDINATOR, edited)
    assert report.applied and len(report.changed) == 499 and report.unchanged == ["zq7"]
    entries_after, changes_after, audits_after, version_after = _counts(services)
    assert (entries_after, changes_after - changes_before, audits_after - audits_before) == (
        entries_before,
        499,
        499,
    )
    assert version_after == version + 1
    _, history = services.glossary.history("zq3")
    assert history[0].before["text"] == "Zonal quartet exchange number 3"
    assert history[0].after["text"] == "Zonal quartet exchange, renumbered 3"
    assert history[0].after["status"] == "active"
    assert (
        services.glossary.lookup("ZQ3", count=False).matches[0].text == "Zonal quartet exchange, renumbered 3"
    )


def test_an_import_costs_a_few_statements_not_several_per_entry(services: Services) -> None:
    services.glossary.index  # noqa: B018 - built first, so only the import's own statements are counted
    with _statements(services) as statements:
        report = services.glossary.import_entries(COORDINATOR, _entries(1000))
    assert report.applied
    # read the file's rows (1), position (1), entries, history, audit (1 each, or 1 a 1,000 on
    # PostgreSQL's batched VALUES), version (2), misses (1): was 6 a row before issue 14
    assert len(statements) <= 15, statements
    with _statements(services) as statements:
        services.glossary.import_entries(COORDINATOR, _entries(1000))
    assert len(statements) <= 3, "an unchanged file is one read"


def test_stored_entries_come_back_as_validated_entries(services: Services) -> None:
    """Rows become entries without validating again (model_construct): they must equal validated ones."""
    services.glossary.import_entries(COORDINATOR, _entries(50))
    with services.db.read() as session:
        stored = repo.active_entries(session)
    assert len(stored) > 50
    for entry in stored:
        assert isinstance(entry.kind, EntryKind) and isinstance(entry.aliases, tuple)
        assert entry == GlossaryEntry(**entry.model_dump()), entry.id
        assert hash(entry) == hash(GlossaryEntry(**entry.model_dump()))
        assert repo.entry_snapshot(entry, "active") == {**entry.model_dump(mode="json"), "status": "active"}


def test_a_50000_entry_file_is_not_too_large_but_a_larger_one_is_named(tmp_path: Path) -> None:
    """A 50,000-entry glossary as CSV is about 6 MB: it reads; a file over the limit is one clear line."""
    fits = tmp_path / "large.csv"
    text = "Zonal quartet exchange venture for the partnership's area and its communities " * 4
    fits.write_text("kind,key,text\n" + "".join(f"term,ZQ{n},{text}{n}\n" for n in range(20_000)))
    assert fits.stat().st_size > 6_000_000
    assert len(parse_file(fits)) == 20_000
    too_large = tmp_path / "too-large.csv"
    too_large.write_bytes(b"kind,key,text\n" + b"x" * MAX_IMPORT_BYTES)
    with pytest.raises(GlossaryFileError, match="larger than 20 MB"):
        parse_file(too_large)
