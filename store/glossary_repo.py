"""Glossary persistence: rows ↔ :class:`GlossaryEntry`, history, usage counts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from glossary.model import GlossaryEntry, trusted_entry
from store.models import (
    AppState,
    GlossaryChange,
    GlossaryEntryRow,
    GlossaryHit,
    GlossaryIndexSnapshot,
    GlossaryMiss,
    GlossaryPackHidden,
    GlossaryPackSetting,
)
from store.upsert import insert_for

ACTIVE = "active"
PENDING = "pending"
REMOVED = "removed"
REJECTED = "rejected"

GLOSSARY_VERSION = "glossary_version"


def to_entry(row: GlossaryEntryRow) -> GlossaryEntry:
    return GlossaryEntry(
        id=row.slug,
        kind=row.kind,
        key=row.key,
        text=row.text,
        source=row.source,
        aliases=tuple(row.aliases or ()),
        context=row.context,
        note=row.note,
        see_also=tuple(row.see_also or ()),
    )


def snapshot(row: GlossaryEntryRow) -> dict[str, Any]:
    """The row as history keeps it (before/after)."""
    data = to_entry(row).model_dump(mode="json")
    data["status"] = row.status
    return data


def apply(row: GlossaryEntryRow, entry: GlossaryEntry) -> None:
    row.kind = entry.kind.value
    row.key = entry.key
    row.text = entry.text
    row.source = entry.source
    row.aliases = list(entry.aliases)
    row.context = entry.context
    row.note = entry.note
    row.see_also = list(entry.see_also)


def new_row(entry: GlossaryEntry, *, actor: str, status: str, position: int) -> GlossaryEntryRow:
    row = GlossaryEntryRow(
        slug=entry.id, status=status, position=position, created_by=actor, updated_by=actor
    )
    apply(row, entry)
    return row


#: the columns an entry is made of, in :func:`_stored_entry`'s order
_ENTRY_COLUMNS = (
    GlossaryEntryRow.slug,
    GlossaryEntryRow.kind,
    GlossaryEntryRow.key,
    GlossaryEntryRow.text,
    GlossaryEntryRow.source,
    GlossaryEntryRow.aliases,
    GlossaryEntryRow.context,
    GlossaryEntryRow.note,
    GlossaryEntryRow.see_also,
)


# The reads that open the index (read_version, index_snapshot, active_entries, pack_settings) go to the
# tables with Core, so a look-up starts without the ORM configuring every mapper (about a tenth of what a
# warm `csp-bot ask` does above its import floor). Core does not autoflush: call them in a read session,
# or after a flush, never to see objects added in the same unit of work.
_ENTRY = GlossaryEntryRow.__table__.c


def active_entries(session: Session) -> list[GlossaryEntry]:
    """The glossary, in load order: only the columns an entry needs, read with Core (no ORM rows)."""
    columns = [_ENTRY[column.key] for column in _ENTRY_COLUMNS]
    rows = session.execute(select(*columns).where(_ENTRY.status == ACTIVE).order_by(_ENTRY.position))
    return [trusted_entry(values) for values in rows]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """What an import needs of a stored row: its entry, status, who created it and its primary key."""

    row_id: int
    entry: GlossaryEntry
    status: str
    created_by: str


#: slugs per ``IN (…)``: well under SQLite's and PostgreSQL's limits on bound parameters
_IN_BATCH = 5_000


def stored_entries(
    session: Session, slugs: Collection[str], *, for_update: bool = False
) -> dict[str, StoredEntry]:
    """The stored rows with these slugs, by slug, in one query per 5,000 slugs (not one per entry).
    ``for_update`` locks them (PostgreSQL) for the rest of the transaction."""
    wanted = list(dict.fromkeys(slugs))
    found: dict[str, StoredEntry] = {}
    for start in range(0, len(wanted), _IN_BATCH):
        query = select(
            GlossaryEntryRow.id, GlossaryEntryRow.status, GlossaryEntryRow.created_by, *_ENTRY_COLUMNS
        ).where(GlossaryEntryRow.slug.in_(wanted[start : start + _IN_BATCH]))
        if for_update:
            query = query.with_for_update()
        for row_id, status, created_by, *values in session.execute(query):
            entry = trusted_entry(values)
            found[entry.id] = StoredEntry(row_id, entry, status, created_by)
    return found


def _entry_fields(entry: GlossaryEntry) -> dict[str, Any]:
    """The entry's own fields as plain values, shared by its history snapshot and its row."""
    return {
        "kind": entry.kind.value,
        "key": entry.key,
        "text": entry.text,
        "source": entry.source,
        "aliases": list(entry.aliases),
        "context": entry.context,
        "note": entry.note,
        "see_also": list(entry.see_also),
    }


def entry_snapshot(entry: GlossaryEntry, status: str) -> dict[str, Any]:
    """An entry as history keeps it (before/after): what :func:`snapshot` of its row gives (its
    ``model_dump(mode="json")`` and the status), built directly: an import makes 50,000 of them."""
    return {"id": entry.id, **_entry_fields(entry), "status": status}


def row_values(entry: GlossaryEntry, **columns: Any) -> dict[str, Any]:
    """An entry as the values of its row, for a bulk insert or update; ``columns`` adds the rest."""
    return {"slug": entry.id, **_entry_fields(entry), **columns}


def insert_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many rows in a few statements (executemany), not a flush each: Core, on the table, as the ORM's
    bulk insert spent a third more on each row. The session does not stamp these: ``rows`` carry
    ``created_at`` and ``updated_at``."""
    if rows:
        session.execute(insert(GlossaryEntryRow.__table__), rows)


def update_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update rows by primary key (each dict has ``id``), as one executemany."""
    if rows:
        session.execute(update(GlossaryEntryRow), rows)


def rows_with_key(session: Session, key: str, statuses: Sequence[str] = (ACTIVE,)) -> list[GlossaryEntryRow]:
    return list(
        session.scalars(
            select(GlossaryEntryRow)
            .where(func.lower(GlossaryEntryRow.key) == key.strip().lower())
            .where(GlossaryEntryRow.status.in_(statuses))
            .order_by(GlossaryEntryRow.position)
        )
    )


def row_by_slug(session: Session, slug: str, *, for_update: bool = False) -> GlossaryEntryRow | None:
    query = select(GlossaryEntryRow).where(GlossaryEntryRow.slug == slug)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def pending_rows(session: Session) -> list[GlossaryEntryRow]:
    return list(
        session.scalars(
            select(GlossaryEntryRow).where(GlossaryEntryRow.status == PENDING).order_by(GlossaryEntryRow.id)
        )
    )


def next_position(session: Session) -> int:
    return (session.scalar(select(func.max(GlossaryEntryRow.position))) or 0) + 1


def free_slug(session: Session, wanted: str) -> str:
    taken = set(
        session.scalars(select(GlossaryEntryRow.slug).where(GlossaryEntryRow.slug.like(f"{wanted}%")))
    )
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def change_values(
    *, slug: str, action: str, actor: str, at: datetime, before: dict[str, Any] | None, after: dict[str, Any]
) -> dict[str, Any]:
    """A history row's values, for :func:`record_changes`."""
    return {"entry_slug": slug, "action": action, "actor": actor, "at": at, "before": before, "after": after}


def record_change(
    session: Session,
    *,
    slug: str,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(GlossaryChange(entry_slug=slug, action=action, actor=actor, before=before, after=after))


def record_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    """History rows (:func:`change_values`) in bulk, as :func:`insert_entries` writes entries."""
    if rows:
        session.execute(insert(GlossaryChange.__table__), rows)


def history(session: Session, slug: str, limit: int = 20) -> list[GlossaryChange]:
    return list(
        session.scalars(
            select(GlossaryChange)
            .where(GlossaryChange.entry_slug == slug)
            .order_by(GlossaryChange.at.desc(), GlossaryChange.id.desc())
            .limit(limit)
        )
    )


def bump_version(session: Session) -> int:
    """Count glossary changes, so any process can tell its index is stale with one cheap read."""
    state = session.get(AppState, GLOSSARY_VERSION, with_for_update=True)
    if state is None:
        state = AppState(name=GLOSSARY_VERSION, value="0")
        session.add(state)
    state.value = str(int(state.value) + 1)
    return int(state.value)


def read_version(session: Session) -> int:
    state = AppState.__table__.c
    value = session.scalar(select(state.value).where(state.name == GLOSSARY_VERSION))
    return int(value) if value is not None else 0


def index_snapshot(session: Session, version: int, fingerprint: str) -> bytes | None:
    """The index saved for this glossary version by this code (``glossary.snapshot``), if any."""
    saved = GlossaryIndexSnapshot.__table__.c
    return session.scalar(
        select(saved.data).where(saved.version == version, saved.fingerprint == fingerprint)
    )


def save_index_snapshot(session: Session, version: int, fingerprint: str, data: bytes, at: datetime) -> None:
    """Keep ``data`` as the index of glossary ``version``; indexes of older versions will never be read
    again and go. Two workers that built the same version at once: the first one's bytes stay."""
    session.execute(delete(GlossaryIndexSnapshot).where(GlossaryIndexSnapshot.version < version))
    stmt = _upsert(session)(GlossaryIndexSnapshot).values(
        version=version, fingerprint=fingerprint, data=data, saved_at=at
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["version", "fingerprint"]))


def forget_saved_indexes(session: Session) -> None:
    """Every saved index goes (an erasure rewrote entries: no copy of the old text may stay)."""
    session.execute(delete(GlossaryIndexSnapshot))


def _upsert(session: Session):  # type: ignore[no-untyped-def]
    return insert_for(session.get_bind().dialect.name)


def add_usage(session: Session, hits: dict[str, int], misses: dict[str, int], at: datetime) -> None:
    """Add counts in one statement per kind; concurrent writers add, never overwrite."""
    insert = _upsert(session)
    for slug, count in hits.items():
        stmt = insert(GlossaryHit).values(entry_slug=slug, count=count, last_seen=at)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[GlossaryHit.entry_slug],
                set_={"count": GlossaryHit.count + count, "last_seen": at},
            )
        )
    for query, count in misses.items():
        stmt = insert(GlossaryMiss).values(query=query, count=count, first_seen=at, last_seen=at)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[GlossaryMiss.query],
                set_={"count": GlossaryMiss.count + count, "last_seen": at},
            )
        )


def answered_misses(session: Session, answered: dict[str, int]) -> None:
    """Misses that a "did you mean" pick answered: each pick takes one off its count, never below 0."""
    for query, count in answered.items():
        session.execute(
            update(GlossaryMiss)
            .where(GlossaryMiss.query == query)
            .values(count=case((GlossaryMiss.count > count, GlossaryMiss.count - count), else_=0))
        )


def top_misses(session: Session, limit: int = 15) -> list[GlossaryMiss]:
    return list(
        session.scalars(
            select(GlossaryMiss)
            .order_by(GlossaryMiss.count.desc(), GlossaryMiss.last_seen.desc())
            .limit(limit)
        )
    )


def forget_misses(session: Session, queries: Iterable[str]) -> None:
    """A gap someone has now filled stops being a gap."""
    queries = list(queries)
    for start in range(0, len(queries), _IN_BATCH):
        batch = queries[start : start + _IN_BATCH]
        session.execute(update(GlossaryMiss).where(GlossaryMiss.query.in_(batch)).values(count=0))


def top_hits(session: Session, limit: int = 8) -> list[tuple[str, int]]:
    rows = session.execute(
        select(GlossaryHit.entry_slug, GlossaryHit.count)
        .join(GlossaryEntryRow, GlossaryEntryRow.slug == GlossaryHit.entry_slug)
        .where(GlossaryEntryRow.status == ACTIVE)
        .order_by(GlossaryHit.count.desc(), GlossaryHit.entry_slug)
        .limit(limit)
    )
    return [(slug, count) for slug, count in rows]


# ---------------------------------------------------------------------- packs


def pack_settings(session: Session) -> tuple[dict[str, bool], frozenset[tuple[str, str]]]:
    """Which packs are switched (absent: on) and which (pack, entry id) pairs are hidden."""
    setting, hiding = GlossaryPackSetting.__table__.c, GlossaryPackHidden.__table__.c
    enabled = dict(session.execute(select(setting.pack, setting.enabled)).all())
    hidden = frozenset((pack, entry) for pack, entry in session.execute(select(hiding.pack, hiding.entry_id)))
    return enabled, hidden


def set_pack_enabled(session: Session, pack: str, enabled: bool, actor: str, at: datetime) -> bool:
    """Switch a pack; returns whether that changed anything."""
    row = session.get(GlossaryPackSetting, pack, with_for_update=True)
    if row is None:
        if enabled:
            return False  # on already, by default
        session.add(GlossaryPackSetting(pack=pack, enabled=enabled, updated_by=actor, updated_at=at))
        return True
    if row.enabled == enabled:
        return False
    row.enabled, row.updated_by, row.updated_at = enabled, actor, at
    return True


def hide_pack_entry(session: Session, pack: str, entry_id: str, actor: str) -> bool:
    """Hide one pack entry; returns False when it was hidden already."""
    exists = session.scalar(
        select(GlossaryPackHidden.id).where(
            GlossaryPackHidden.pack == pack, GlossaryPackHidden.entry_id == entry_id
        )
    )
    if exists is not None:
        return False
    session.add(GlossaryPackHidden(pack=pack, entry_id=entry_id, hidden_by=actor))
    return True
