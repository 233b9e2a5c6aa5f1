"""The glossary service: look-ups from an in-memory index, curated writes with history and audit.

Reads never touch the database on the request path: the index lives in memory
and usage counts are queued to a background writer. Writes (coordinators only;
suggestions from anyone) commit the entry, its history row, an audit row and a
version bump in one transaction, then the index is rebuilt.
"""

from __future__ import annotations

import gc
import logging
import queue
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import Conflict, InvalidInput, NotFound
from bot.permissions import Actor, require_coordinator
from bot.privacy import contains_personal_data, ensure_no_personal_data
from glossary.index import ExplainedToken, GlossaryIndex
from glossary.loader import slug
from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.normalise import fold
from store import audit
from store import glossary_repo as repo
from store.db import Database
from store.models import GlossaryEntryRow

log = logging.getLogger(__name__)

#: a suggested entry's source names who suggested it; views show the ID as a mention
SUGGESTED_BY = "Suggested in Slack by "

_ACRONYM_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9&.\-]{0,11}[A-Z0-9]s?$|^[A-Z]$")


def guess_kind(key: str) -> EntryKind:
    """MARAC, G-MAP and PSPOs look like acronyms; anything with a space or lower case is a term."""
    return EntryKind.ACRONYM if _ACRONYM_SHAPE.match(key.strip()) else EntryKind.TERM


@dataclass(frozen=True)
class Gap:
    query: str
    count: int
    last_seen: datetime


@dataclass(frozen=True)
class Change:
    action: str
    actor: str
    at: datetime
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class HomeSummary:
    entries: int
    most_asked: list[tuple[GlossaryEntry, int]]
    #: only for coordinators
    pending: int | None = None
    gaps: int | None = None


@dataclass(frozen=True)
class GlossaryAnswer:
    """A look-up result with what a reader needs next to it: cross-references per matched entry."""

    result: LookupResult
    #: (entry id, its cross-references), immutable so that an answer can key a cache of its view
    see_also: tuple[tuple[str, tuple[GlossaryEntry, ...]], ...] = ()

    def related(self, entry_id: str) -> tuple[GlossaryEntry, ...]:
        return next((others for owner, others in self.see_also if owner == entry_id), ())


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class UsageRecorder:
    """Counts hits and misses off the request path and writes them in batches."""

    def __init__(self, db: Database, interval: float = 2.0) -> None:
        self._db = db
        self._interval = interval
        self._queue: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def hit(self, entry_ids: list[str]) -> None:
        for entry_id in entry_ids:
            self._queue.put(("hit", entry_id))
        self._start()

    def miss(self, normalised_query: str) -> None:
        self._queue.put(("miss", normalised_query[:200]))
        self._start()

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="glossary-usage", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            self.flush()

    def flush(self) -> None:
        hits: Counter[str] = Counter()
        misses: Counter[str] = Counter()
        while True:
            try:
                kind, value = self._queue.get_nowait()
            except queue.Empty:
                break
            (hits if kind == "hit" else misses)[value] += 1
        if not hits and not misses:
            return
        try:
            with self._db.transaction() as session:
                repo.add_usage(session, dict(hits), dict(misses), self._db.utcnow())
        except Exception:  # usage counts are worth less than staying up; the text is never logged
            log.warning(
                "could not record %d glossary usage counts", sum(hits.values()) + sum(misses.values())
            )


class GlossaryService:
    def __init__(self, db: Database, usage: UsageRecorder | None = None) -> None:
        self._db = db
        self.usage = usage or UsageRecorder(db)
        self._index: GlossaryIndex | None = None
        self._version = -1
        self._version_reader = db.state_reader(repo.GLOSSARY_VERSION)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ reading

    @property
    def index(self) -> GlossaryIndex:
        """The index, checked against the stored version on every use: a change made through any
        worker is answered by every other on its next request. The check is one indexed read on a
        connection of its own (``Database.state_reader``); the rebuild happens only on a change."""
        index = self._index
        if index is None or self._stored_version() != self._version:
            index = self._refresh()
        return index

    def _stored_version(self) -> int:
        value = self._version_reader()
        return int(value) if value is not None else 0

    def _refresh(self, force: bool = False) -> GlossaryIndex:
        with self._lock:
            with self._db.read() as session:
                version = repo.read_version(session)
                if force or self._index is None or version != self._version:
                    self._index = GlossaryIndex(repo.active_entries(session))
                    self._version = version
                    # The index is long-lived and acyclic: keep it out of the cyclic collector's
                    # full passes, which otherwise stall a request for a large glossary.
                    gc.freeze()
            return self._index

    def lookup(self, query: str, prefer: EntryKind | None = None) -> LookupResult:
        result = self.index.lookup(query, prefer)
        if result.status is LookupStatus.FOUND:
            self.usage.hit([e.id for e in result.matches[:1]])
        elif result.normalised and not contains_personal_data(query):
            self.usage.miss(result.normalised)
        return result

    def answer(self, query: str, prefer: EntryKind | None = None) -> GlossaryAnswer:
        """A look-up for a person. A query holding personal data is refused rather than echoed back."""
        ensure_no_personal_data(query)
        return self._with_see_also(self.lookup(query, prefer))

    def show(self, entry_ids: list[str], query: str = "") -> GlossaryAnswer:
        """Re-show chosen entries (a "did you mean" pick, a shared answer) without counting a look-up."""
        index = self.index
        entries = tuple(e for i in entry_ids if (e := index.get(i)) is not None)
        status = LookupStatus.FOUND if entries else LookupStatus.NOT_FOUND
        return self._with_see_also(LookupResult(query=query, status=status, matches=entries))

    def _with_see_also(self, result: LookupResult) -> GlossaryAnswer:
        index = self.index
        shown = {e.id for e in result.matches}
        see_also: list[tuple[str, tuple[GlossaryEntry, ...]]] = []
        for entry in result.matches:
            others = tuple(o for i in entry.see_also if i not in shown and (o := index.get(i)) is not None)
            if others:
                see_also.append((entry.id, others))
        return GlossaryAnswer(result=result, see_also=tuple(see_also))

    def search(self, query: str, limit: int = 10) -> list[GlossaryEntry]:
        ensure_no_personal_data(query)
        return self.index.search(query, limit)

    def explain(self, message: str) -> list[ExplainedToken]:
        return self.index.explain(message)

    def entry(self, entry_id: str) -> GlossaryEntry | None:
        return self.index.get(entry_id)

    def most_asked(self, limit: int = 8) -> list[tuple[GlossaryEntry, int]]:
        with self._db.read() as session:
            counts = repo.top_hits(session, limit)
        index = self.index
        return [(entry, count) for entry_id, count in counts if (entry := index.get(entry_id)) is not None]

    def home_summary(self, actor: Actor) -> HomeSummary:
        most_asked = self.most_asked()
        if not actor.is_coordinator:
            return HomeSummary(entries=len(self.index), most_asked=most_asked)
        with self._db.read() as session:
            pending = len(repo.pending_rows(session))
            gaps = sum(1 for m in repo.top_misses(session, 100) if m.count > 0)
        return HomeSummary(entries=len(self.index), most_asked=most_asked, pending=pending, gaps=gaps)

    def history(self, ref: str) -> tuple[str, list[Change]]:
        """The key as stored and its changes, newest first (removed and pending entries too)."""
        with self._db.read() as session:
            rows = self._resolve_any(session, ref)
            if not rows:
                raise NotFound(f"There is no glossary entry `{ref}`.", "Try `/csp search` to find it.")
            changes = [
                Change(c.action, c.actor, c.at, c.before, c.after)
                for c in repo.history(session, rows[0].slug)
            ]
            return rows[0].key, changes

    def export(self) -> list[GlossaryEntry]:
        with self._db.read() as session:
            return repo.active_entries(session)

    # ------------------------------------------------------------------ writing (coordinators)

    def require_curator(self, actor: Actor) -> None:
        """Checked before opening the add/edit form, so nobody fills in a form they cannot submit."""
        require_coordinator(
            actor,
            "add or change glossary entries",
            "You can suggest one: `/csp glossary suggest TERM = meaning`.",
        )

    def current(self, ref: str) -> GlossaryEntry:
        with self._db.read() as session:
            return repo.to_entry(self._resolve_one(session, ref))

    def add(
        self,
        actor: Actor,
        key: str,
        text: str,
        *,
        kind: EntryKind | None = None,
        context: str | None = None,
        note: str | None = None,
        aliases: tuple[str, ...] = (),
    ) -> GlossaryEntry:
        require_coordinator(
            actor,
            "add glossary entries",
            "You can suggest one instead: `/csp glossary suggest TERM = meaning`.",
        )
        entry = self._new_entry(key, text, kind, context, note, aliases, source="Added in Slack")
        with self._db.transaction() as session:
            self._refuse_duplicate(session, entry)
            entry = entry.model_copy(update={"id": repo.free_slug(session, entry.id)})
            row = repo.new_row(
                entry, actor=actor.user_id, status=repo.ACTIVE, position=repo.next_position(session)
            )
            session.add(row)
            self._log(session, actor, "add", row, before=None)
            repo.forget_misses(session, [fold(entry.key)])
        self._refresh(force=True)
        return entry

    def edit(
        self,
        actor: Actor,
        ref: str,
        *,
        text: str | None = None,
        key: str | None = None,
        context: str | None = None,
        note: str | None = None,
        aliases: tuple[str, ...] | None = None,
    ) -> GlossaryEntry:
        require_coordinator(
            actor, "edit glossary entries", "You can suggest a change: `/csp glossary suggest`."
        )
        with self._db.transaction() as session:
            row = self._resolve_one(session, ref, for_update=True)
            current = repo.to_entry(row)
            changes: dict[str, object] = {}
            if text is not None:
                changes["text"] = text
            if key is not None:
                changes["key"] = key
            if context is not None:
                changes["context"] = context or None
            if note is not None:
                changes["note"] = note or None
            if aliases is not None:
                changes["aliases"] = aliases
            updated = self._validated(current.model_copy(update=changes))
            if updated == current:
                return current
            self._change(session, actor, row, "edit", entry=updated)
        self._refresh(force=True)
        return updated

    def remove(self, actor: Actor, ref: str) -> GlossaryEntry:
        require_coordinator(actor, "remove glossary entries")
        with self._db.transaction() as session:
            row = self._resolve_one(session, ref, for_update=True)
            entry = self._change(session, actor, row, "remove", status=repo.REMOVED)
        self._refresh(force=True)
        return entry

    def restore(self, actor: Actor, entry_id: str) -> GlossaryEntry:
        """Undo a removal."""
        require_coordinator(actor, "restore glossary entries")
        with self._db.transaction() as session:
            row = repo.row_by_slug(session, entry_id, for_update=True)
            if row is None or row.status != repo.REMOVED:
                raise NotFound("That entry is not removed, so there is nothing to undo.")
            entry = self._change(session, actor, row, "restore", status=repo.ACTIVE)
        self._refresh(force=True)
        return entry

    # ------------------------------------------------------------------ suggestions (anyone)

    def suggest(self, actor: Actor, key: str, text: str, *, context: str | None = None) -> GlossaryEntry:
        entry = self._new_entry(key, text, None, context, None, (), source=SUGGESTED_BY + actor.user_id)
        with self._db.transaction() as session:
            for row in repo.rows_with_key(session, entry.key, (repo.PENDING,)):
                if fold(row.text) == fold(entry.text):
                    raise Conflict(f"*{entry.key}* has already been suggested with that meaning.")
            entry = entry.model_copy(update={"id": repo.free_slug(session, entry.id)})
            row = repo.new_row(
                entry, actor=actor.user_id, status=repo.PENDING, position=repo.next_position(session)
            )
            session.add(row)
            self._log(session, actor, "suggest", row, before=None)
        return entry

    def pending(self, actor: Actor) -> list[tuple[GlossaryEntry, str]]:
        require_coordinator(actor, "review suggestions")
        with self._db.read() as session:
            return [(repo.to_entry(r), r.created_by) for r in repo.pending_rows(session)]

    def decide(self, actor: Actor, entry_id: str, *, approve: bool) -> GlossaryEntry:
        require_coordinator(actor, "approve or reject suggestions")
        with self._db.transaction() as session:
            row = repo.row_by_slug(session, entry_id, for_update=True)
            if row is None or row.status != repo.PENDING:
                raise Conflict("That suggestion has already been dealt with.")
            if approve:
                self._refuse_duplicate(session, repo.to_entry(row))
                repo.forget_misses(session, [fold(row.key)])
                entry = self._change(session, actor, row, "approve", status=repo.ACTIVE)
            else:
                entry = self._change(session, actor, row, "reject", status=repo.REJECTED)
        if approve:
            self._refresh(force=True)
        return entry

    def gaps(self, actor: Actor, limit: int = 15) -> list[Gap]:
        require_coordinator(actor, "see glossary gaps")
        with self._db.read() as session:
            return [
                Gap(m.query, m.count, m.last_seen) for m in repo.top_misses(session, limit) if m.count > 0
            ]

    # ------------------------------------------------------------------ import

    def import_entries(self, actor: Actor, entries: list[GlossaryEntry]) -> ImportReport:
        """Merge: add new entries, update changed ones, leave the rest. Never deletes."""
        require_coordinator(actor, "import glossary entries")
        report = ImportReport()
        with self._db.transaction() as session:
            position = repo.next_position(session)
            for entry in entries:
                if any(
                    contains_personal_data(value)
                    for value in (
                        entry.key,
                        entry.text,
                        entry.context or "",
                        entry.note or "",
                        *entry.aliases,
                    )
                ):
                    report.refused.append(entry.id)
                    continue
                row = repo.row_by_slug(session, entry.id, for_update=True)
                if row is None:
                    row = repo.new_row(entry, actor=actor.user_id, status=repo.ACTIVE, position=position)
                    position += 1
                    session.add(row)
                    self._log(session, actor, "import", row, before=None)
                    report.added.append(entry.id)
                    continue
                if repo.to_entry(row) == entry and row.status == repo.ACTIVE:
                    report.unchanged.append(entry.id)
                    continue
                self._change(session, actor, row, "import", entry=entry, status=repo.ACTIVE)
                report.changed.append(entry.id)
        self._refresh(force=True)
        return report

    # ------------------------------------------------------------------ helpers

    def _new_entry(
        self,
        key: str,
        text: str,
        kind: EntryKind | None,
        context: str | None,
        note: str | None,
        aliases: tuple[str, ...],
        *,
        source: str,
    ) -> GlossaryEntry:
        key, text = " ".join(key.split()), " ".join(text.split())
        if not key or not text:
            raise InvalidInput("Both the term and its meaning are needed.", "Write it as `TERM = meaning`.")
        kind = kind or guess_kind(key)
        draft = {
            "id": slug(f"{key} {context}" if context else key),
            "kind": kind,
            "key": key,
            "text": text,
            "source": source,
            "context": context or None,
            "note": note or None,
            "aliases": aliases,
        }
        try:
            entry = GlossaryEntry(**draft)
        except ValueError:
            raise InvalidInput(
                "That entry is too long or has an empty part.",
                "Keys are up to 120 characters and meanings up to 3,000.",
            ) from None
        return self._validated(entry)

    def _validated(self, entry: GlossaryEntry) -> GlossaryEntry:
        for value in (entry.key, entry.text, entry.context or "", entry.note or "", *entry.aliases):
            ensure_no_personal_data(value)
        return entry

    def _refuse_duplicate(self, session, entry: GlossaryEntry) -> None:  # type: ignore[no-untyped-def]
        for row in repo.rows_with_key(session, entry.key):
            if (row.context or "").casefold() == (entry.context or "").casefold():
                raise Conflict(
                    f"*{row.key}* is already in the glossary.",
                    f"Change it with `/csp glossary edit {row.key} = new meaning`, or add another "
                    "meaning from the form (`/csp glossary add`) with a context.",
                )

    def _resolve_any(self, session, ref: str) -> list[GlossaryEntryRow]:  # type: ignore[no-untyped-def]
        row = repo.row_by_slug(session, ref.strip().lower())
        if row is not None:
            return [row]
        return repo.rows_with_key(session, ref, (repo.ACTIVE, repo.REMOVED, repo.PENDING, repo.REJECTED))

    def _resolve_one(self, session, ref: str, *, for_update: bool = False) -> GlossaryEntryRow:  # type: ignore[no-untyped-def]
        """A key with one meaning, or an entry id; a key with several meanings asks which."""
        rows = repo.rows_with_key(session, ref)
        if len(rows) > 1:
            ids = ", ".join(f"`{r.slug}` ({r.context or r.text[:40]})" for r in rows)
            raise InvalidInput(
                f"{rows[0].key} has {len(rows)} meanings: {ids}.", "Name the one you mean by its id."
            )
        if not rows:
            row = repo.row_by_slug(session, ref.strip().lower())
            if row is None or row.status != repo.ACTIVE:
                raise NotFound(
                    f"There is no glossary entry `{ref}`.", "Check the spelling with `/csp search`."
                )
            rows = [row]
        if for_update:
            session.refresh(rows[0], with_for_update=True)
        return rows[0]

    def _change(  # type: ignore[no-untyped-def]
        self,
        session,
        actor: Actor,
        row: GlossaryEntryRow,
        action: str,
        *,
        entry: GlossaryEntry | None = None,
        status: str | None = None,
    ) -> GlossaryEntry:
        """Change an existing row and record it: history with before and after, audit, version."""
        before = repo.snapshot(row)
        if entry is not None:
            repo.apply(row, entry)
        if status is not None:
            row.status = status
        row.updated_by = actor.user_id
        row.updated_at = self._db.utcnow()
        self._log(session, actor, action, row, before=before)
        return repo.to_entry(row)

    def _log(self, session, actor: Actor, action: str, row: GlossaryEntryRow, *, before) -> None:  # type: ignore[no-untyped-def]
        after = repo.snapshot(row)
        repo.record_change(
            session, slug=row.slug, action=action, actor=actor.user_id, before=before, after=after
        )
        audit.record(
            session,
            actor=actor.user_id,
            action=f"glossary.{action}",
            target_type="glossary_entry",
            target_id=row.slug,
            detail=None,
        )
        repo.bump_version(session)
