"""The glossary service: look-ups from an in-memory index, curated writes with history and audit.

Reads never touch the database on the request path: the index lives in memory
and usage counts are queued to a background writer. Writes (coordinators only;
suggestions from anyone) commit the entry, its history row, an audit row and a
version bump in one transaction, then the index is rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import Conflict, InvalidInput, NotFound
from bot.permissions import Actor, require_coordinator
from bot.privacy import contains_personal_data, ensure_no_personal_data, find_personal_data
from glossary import snapshot
from glossary.index import (
    MAX_EXPLAIN_CHARS,
    MAX_EXPLAIN_WORDS,
    ExplainedToken,
    GlossaryIndex,
    first_words,
)
from glossary.index import _acronym_like_tokens as acronym_like_tokens  # the same words explain reads
from glossary.loader import IMPORTED, slug
from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.normalise import fold
from glossary.packs import Pack, PackEntry, shipped_packs, split_ref, tiered_lookup
from store import audit
from store import glossary_repo as repo
from store.db import Database, packaged_head
from store.models import GlossaryEntryRow
from store.seed import SEED_ACTOR

log = logging.getLogger(__name__)

#: below this many entries the index builds in well under a tenth of a second: nothing worth saving
SAVE_INDEX_FROM = 2_000


@cache
def saved_index_key() -> str:
    """Which saved indexes this process may load: made by this code (``snapshot.fingerprint``) from a
    store at this schema revision, so a migration that rewrote glossary rows is never answered from
    an index of the rows before it."""
    return hashlib.sha256(f"{snapshot.fingerprint()} {packaged_head()}".encode()).hexdigest()


#: a suggested entry's source names who suggested it; views show the ID as a mention
SUGGESTED_BY = "Suggested in Slack by "
#: replies ``GlossaryService.remembered`` keeps for one glossary version
MAX_REMEMBERED = 1024
T = TypeVar("T")

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


@dataclass(frozen=True)
class PackStatus:
    """A shipped pack as one partnership sees it."""

    name: str
    title: str
    entries: int
    enabled: bool
    hidden: int


@dataclass(frozen=True)
class Explanation:
    """The acronyms of a message: those some glossary knows, and those nobody does."""

    found: tuple[ExplainedToken, ...]
    unknown: tuple[str, ...] = ()


#: at most this many unknown acronyms are named under an explanation
MAX_UNKNOWN = 10
#: and only words of at least this many letters
MIN_UNKNOWN_LETTERS = 3


@dataclass
class ImportReport:
    """What an import adds, changes, leaves and refuses (ids), with the detail a preview shows."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: the entries as they would be (added) or are now (the "before" of changed)
    new: dict[str, GlossaryEntry] = field(default_factory=dict)
    before: dict[str, GlossaryEntry] = field(default_factory=dict)
    #: why each refused entry was refused
    reasons: dict[str, str] = field(default_factory=dict)
    #: changed entries whose plan wording is replaced (only with ``replace``)
    replaced: list[str] = field(default_factory=list)
    #: whether it was written: never when anything is refused (all or nothing)
    applied: bool = False
    #: the stored rows of changed entries, as planned (what the write updates)
    stored: dict[str, repo.StoredEntry] = field(default_factory=dict, repr=False)


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

    def answered(self, normalised_query: str) -> None:
        """A miss that a "did you mean" pick answered after all: one fewer for the gaps list."""
        self._queue.put(("answered", normalised_query[:200]))
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
        counts: dict[str, Counter[str]] = {"hit": Counter(), "miss": Counter(), "answered": Counter()}
        while True:
            try:
                kind, value = self._queue.get_nowait()
            except queue.Empty:
                break
            counts[kind][value] += 1
        hits, misses, answered = counts["hit"], counts["miss"], counts["answered"]
        if not hits and not misses and not answered:
            return
        try:
            with self._db.transaction() as session:
                repo.add_usage(session, dict(hits), dict(misses), self._db.utcnow())
                repo.answered_misses(session, dict(answered))
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
        #: a glossary at least this large has its built index saved for the next process to load
        self.save_index_from = SAVE_INDEX_FROM
        #: whether a saved copy of the current index is in the store (loaded from one, or saved)
        self._index_saved = False
        self._version_reader = db.state_reader(repo.GLOSSARY_VERSION)
        self._lock = threading.Lock()
        # pack switches and hidden entries, read with the index (a change to them bumps the version)
        self._packs_enabled: dict[str, bool] = {}
        self._packs_hidden: frozenset[tuple[str, str]] = frozenset()
        # what ``remembered`` keeps, valid for one glossary version (a lock of its own: never waits
        # behind an index build)
        self._remembered: dict[Hashable, Any] = {}
        self._remembered_version = -1
        self._remembered_lock = threading.Lock()

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
            built = None
            with self._db.read() as session:
                version = repo.read_version(session)
                if force or self._index is None or version != self._version:
                    self._index, built = self._open_index(session, version)
                    self._index_saved = built is None  # loaded: a saved copy is there
                    self._index.warm()
                    self._packs_enabled, self._packs_hidden = repo.pack_settings(session)
                    self._version = version
                    # The index is long-lived and acyclic: keep it out of the cyclic collector's
                    # full passes, which otherwise stall a request for a large glossary.
                    gc.freeze()
            if built is not None:
                self._index_saved = len(built) >= self.save_index_from and self._save_index(version, built)
            return self._index

    def prepare(self) -> bool:
        """Make the current glossary's index now, and save it when the glossary is large, so that the
        bot's workers load it instead of building it inside someone's look-up (the command line runs
        this after an import). True when a saved index is there for them."""
        self._refresh()
        return self._index_saved

    def _open_index(self, session, version: int) -> tuple[GlossaryIndex, GlossaryIndex | None]:  # type: ignore[no-untyped-def]
        """The index of this glossary version: the one a process saved, else built (and returned twice,
        for the caller to save). A saved index that cannot be read is built again, never trusted."""
        saved = repo.index_snapshot(session, version, saved_index_key())
        if saved is not None:
            try:
                return snapshot.loads(saved), None
            except ValueError:
                log.warning("the saved index of glossary version %d could not be read: building it", version)
        index = GlossaryIndex(repo.active_entries(session))
        return index, index

    def _save_index(self, version: int, index: GlossaryIndex) -> bool:
        """Save the index for the next process (a worker starting, a command): best effort, since it
        is only a copy of what the glossary rows already say. True when saved."""
        try:
            data = snapshot.dumps(index)
            with self._db.transaction() as session:
                repo.save_index_snapshot(session, version, saved_index_key(), data, self._db.utcnow())
        except SQLAlchemyError:
            log.warning("could not save the index of glossary version %d", version, exc_info=True)
            return False
        return True

    def lookup(self, query: str, prefer: EntryKind | None = None, *, count: bool = True) -> LookupResult:
        result = self.tiered_lookup(query, prefer)
        if count:
            self.count(result)
        return result

    def count(self, result: LookupResult) -> None:
        """Count a look-up: a hit, or a miss for the gaps list. Only a query left without an answer is a
        miss: several entries listed (ambiguous) answered it, and so did a pack; personal data is never
        stored. Only the partnership's own entries count towards "most asked"."""
        if result.status is LookupStatus.FOUND:
            self.usage.hit([e.id for e in result.matches[:1] if not isinstance(e, PackEntry)])
        elif result.status is LookupStatus.AMBIGUOUS:
            return
        elif result.normalised and not contains_personal_data(result.query):
            self.usage.miss(result.normalised)

    def tiered_lookup(self, query: str, prefer: EntryKind | None = None) -> LookupResult:
        """The partnership's glossary first; its packs only where it has nothing (``glossary.packs``)."""
        index = self.index  # first, and once: it refreshes the pack settings too
        # the packs are loaded (once per process) only for a query the partnership's names do not answer
        return tiered_lookup(index, self._enabled_packs, query, prefer, self._packs_hidden)

    def active_packs(self) -> list[Pack]:
        """The shipped packs switched on for this partnership, in name order."""
        self.index  # noqa: B018 - refreshes the pack settings along with the index when they change
        return self._enabled_packs()

    def _enabled_packs(self) -> list[Pack]:
        return [p for p in shipped_packs() if self._packs_enabled.get(p.name, True)]

    def answer(self, query: str, prefer: EntryKind | None = None, *, count: bool = True) -> GlossaryAnswer:
        """A look-up for a person. A query holding personal data is refused rather than echoed back.
        ``count=False`` leaves counting to the caller (``count``), which may find it was no look-up."""
        ensure_no_personal_data(query)
        return self._with_see_also(self.lookup(query, prefer, count=count))

    def picked(self, query: str) -> None:
        """A "did you mean" pick for ``query``: the glossary answered it, so it is no gap."""
        if query.strip() and not contains_personal_data(query):
            normalised = self.index.lookup(query).normalised
            if normalised:
                self.usage.answered(normalised)

    def show(self, entry_ids: list[str], query: str = "") -> GlossaryAnswer:
        """Re-show chosen entries (a "did you mean" pick, a shared answer) without counting a look-up."""
        entries = tuple(e for i in entry_ids if (e := self.entry(i)) is not None)
        status = LookupStatus.FOUND if entries else LookupStatus.NOT_FOUND
        return self._with_see_also(LookupResult(query=query, status=status, matches=entries))

    def _with_see_also(self, result: LookupResult) -> GlossaryAnswer:
        """Cross-references per matched entry (keyed by id; a pack entry by its reference). A national
        answer also names the partnership's own entries with the same key, first: the plan's MAPPA
        beside the national one, the plan's PPO beside the Prisons and Probation Ombudsman."""
        index = self.index
        shown = {_ref(e) for e in result.matches}
        see_also: list[tuple[str, tuple[GlossaryEntry, ...]]] = []
        for entry in result.matches:
            home = entry_pack.index if (entry_pack := _pack_of(entry)) else index
            others = tuple(
                o for i in entry.see_also if (o := home.get(i)) is not None and _ref(o) not in shown
            )
            if entry_pack is not None:
                others = tuple(o for o in _with_key(index, entry.key) if o.id not in shown) + others
            if others:
                see_also.append((_ref(entry), others))
        return GlossaryAnswer(result=result, see_also=tuple(see_also))

    def remembered(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, kept for ``key`` until the glossary's version changes (a rendered search reply),
        so a question asked again costs a dictionary look-up. A failed ``make()`` (personal data) keeps
        nothing; at most ``MAX_REMEMBERED`` values are kept."""
        self.index  # noqa: B018 - checks the stored version, rebuilding on a change
        version = self._version
        with self._remembered_lock:
            if self._remembered_version != version:
                self._remembered.clear()
                self._remembered_version = version
            if key in self._remembered:
                return self._remembered[key]  # type: ignore[no-any-return]
        value = make()
        with self._remembered_lock:
            if self._remembered_version == version:  # no change meanwhile: still the answer
                if len(self._remembered) >= MAX_REMEMBERED:
                    self._remembered.pop(next(iter(self._remembered)))
                self._remembered[key] = value
        return value

    def search(self, query: str, limit: int = 10) -> list[GlossaryEntry]:
        ensure_no_personal_data(query)
        return self.index.search(query, limit)

    def explain(self, message: str) -> list[ExplainedToken]:
        return list(self.explain_text(message).found)

    def explain_text(self, message: str) -> Explanation:
        """The acronyms in a message, from the partnership's glossary first and then the packs, in
        the order written; and the acronym-like words that neither knows."""
        found = {fold(item.token): item for item in self.index.explain(message)}
        for pack in self.active_packs():
            for item in pack.index.explain(message):
                key = fold(item.token)
                entries = tuple(e for e in item.entries if (pack.name, e.id) not in self._packs_hidden)
                if key not in found and entries:
                    found[key] = ExplainedToken(token=item.token, entries=entries)
        head, _ = first_words(message, MAX_EXPLAIN_WORDS, MAX_EXPLAIN_CHARS)
        unknown: dict[str, str] = {}
        order: dict[str, int] = {}
        for number, token in enumerate(acronym_like_tokens(head, frozenset())):
            key = fold(token)
            order.setdefault(key, number)
            # two capitals are as often initials or "UK" as an acronym: only 3+ letters are named
            letters = sum(ch.isalpha() for ch in token)
            if key and key not in found and letters >= MIN_UNKNOWN_LETTERS and len(unknown) < MAX_UNKNOWN:
                unknown.setdefault(key, token)
        ranked = sorted(found.items(), key=lambda item: order.get(item[0], len(order)))
        return Explanation(found=tuple(item for _, item in ranked), unknown=tuple(unknown.values()))

    def entry(self, entry_id: str) -> GlossaryEntry | None:
        """An entry by id, or a pack entry by its reference ("uk-national:idva")."""
        ref = split_ref(entry_id)
        if ref is None:
            return self.index.get(entry_id)
        pack = next((p for p in shipped_packs() if p.name == ref[0]), None)
        return pack.get(ref[1]) if pack is not None else None

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
            gaps = sum(1 for m in repo.top_misses(session, 100) if m.count > 0 and not self._answers(m.query))
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
        return self._insert(actor, entry, "add")

    def _insert(self, actor: Actor, entry: GlossaryEntry, how: str) -> GlossaryEntry:
        """A new active entry, with its history (``how``: add, adopt) and its misses forgotten."""
        with self._db.transaction() as session:
            self._refuse_duplicate(session, entry)
            entry = entry.model_copy(update={"id": repo.free_slug(session, entry.id)})
            row = repo.new_row(
                entry, actor=actor.user_id, status=repo.ACTIVE, position=repo.next_position(session)
            )
            session.add(row)
            self._log(session, actor, how, row, before=None)
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
        """Real misses only: a query that the glossary answers now (an entry added or changed since,
        or one answered after correction) is no longer a gap."""
        require_coordinator(actor, "see glossary gaps")
        with self._db.read() as session:
            misses = repo.top_misses(session, limit * 4)
        return [
            Gap(m.query, m.count, m.last_seen) for m in misses if m.count > 0 and not self._answers(m.query)
        ][:limit]

    def _answers(self, query: str) -> bool:
        return self.tiered_lookup(query).status in (LookupStatus.FOUND, LookupStatus.AMBIGUOUS)

    # ------------------------------------------------------------------ packs (coordinators switch)

    def packs(self) -> list[PackStatus]:
        self.index  # noqa: B018 - the settings come with a fresh index
        return [
            PackStatus(
                name=p.name,
                title=p.title,
                entries=len(p.entries),
                enabled=self._packs_enabled.get(p.name, True),
                hidden=sum(1 for name, _ in self._packs_hidden if name == p.name),
            )
            for p in shipped_packs()
        ]

    def set_pack(self, actor: Actor, name: str, *, enabled: bool) -> tuple[PackStatus, bool]:
        """Switch a pack on or off for this partnership; returns it and whether anything changed."""
        require_coordinator(actor, "switch glossary packs on or off")
        pack = self._shipped(name)
        with self._db.transaction() as session:
            changed = repo.set_pack_enabled(session, pack.name, enabled, actor.user_id, self._db.utcnow())
            if changed:
                audit.record(
                    session,
                    actor=actor.user_id,
                    action=f"glossary.pack_{'on' if enabled else 'off'}",
                    target_type="glossary_pack",
                    target_id=pack.name,
                )
                repo.bump_version(session)
        self._refresh(force=True)
        status = next(p for p in self.packs() if p.name == pack.name)
        return status, changed

    def adopt(self, actor: Actor, ref: str) -> GlossaryEntry:
        """Copy a pack entry into the partnership's glossary, as a coordinator's own addition."""
        require_coordinator(actor, "adopt national entries into the glossary")
        found = self.entry(ref)
        if not isinstance(found, PackEntry):
            raise NotFound("That national entry is no longer in its pack.")
        note = " ".join(part for part in (found.definition, found.historic) if part) or None
        origin = f"National pack {found.pack}: {found.source}"
        entry = self._new_entry(
            found.key,
            found.text,
            found.kind,
            None,
            note,
            found.aliases,
            source=origin if len(origin) <= 200 else found.source,
        )
        return self._insert(actor, entry, "adopt")

    def hide(self, actor: Actor, ref: str) -> PackEntry:
        """Stop a pack entry answering for this partnership."""
        require_coordinator(actor, "hide national entries")
        found = self.entry(ref)
        if not isinstance(found, PackEntry):
            raise NotFound("That national entry is no longer in its pack.")
        with self._db.transaction() as session:
            if repo.hide_pack_entry(session, found.pack, found.id, actor.user_id):
                audit.record(
                    session,
                    actor=actor.user_id,
                    action="glossary.pack_hide",
                    target_type="glossary_pack_entry",
                    target_id=found.ref,
                )
                repo.bump_version(session)
        self._refresh(force=True)
        return found

    def _shipped(self, name: str) -> Pack:
        pack = next((p for p in shipped_packs() if p.name == name.strip().lower()), None)
        if pack is None:
            names = ", ".join(f"`{p.name}`" for p in shipped_packs()) or "none"
            raise NotFound(f"There is no glossary pack called `{name.strip()[:40]}`.", f"Packs: {names}.")
        return pack

    # ------------------------------------------------------------------ import

    def import_entries(
        self, actor: Actor, entries: list[GlossaryEntry], *, apply: bool = True, replace: bool = False
    ) -> ImportReport:
        """Merge: add new entries, update changed ones, leave the rest; never deletes.

        Without ``apply`` it only says what it would do. It writes all or nothing: when any entry is
        refused (personal data, twice in the file, or a change to the plan's own wording without
        ``replace``) nothing is written. A replaced plan wording is recorded as such in the history.
        """
        require_coordinator(actor, "import glossary entries")
        if not apply:
            with self._db.read() as session:
                return self._plan_import(session, entries, replace=replace)
        with self._db.transaction() as session:
            # the rows are locked as they are read (PostgreSQL), so the plan is what gets written
            report = self._plan_import(session, entries, replace=replace, lock=True)
            if report.refused:
                return report
            self._write_import(session, actor, entries, report)
            report.applied = True
        # The next look-up rebuilds the index (the version moved); an import from the command line
        # never looks anything up, so it does not wait for a 50,000-entry rebuild.
        self._index = None
        return report

    def _write_import(
        self, session, actor: Actor, entries: list[GlossaryEntry], report: ImportReport
    ) -> None:  # type: ignore[no-untyped-def]
        """Write a planned import in bulk: new rows, changed rows, and a history and an audit row per
        entry, a few statements per thousand entries; the glossary version moves once."""
        now = self._db.utcnow()
        added, changed, replaced = set(report.added), set(report.changed), set(report.replaced)
        position = repo.next_position(session) if added else 0
        new_rows: list[dict] = []
        updates: list[dict] = []
        history: list[dict] = []
        audits: list[dict] = []
        who = actor.user_id
        for entry in entries:
            if entry.id in added:
                new_rows.append(
                    repo.row_values(
                        entry,
                        status=repo.ACTIVE,
                        position=position,
                        created_by=who,
                        updated_by=who,
                        created_at=now,
                        updated_at=now,
                    )
                )
                position += 1
                before, action = None, "import"
            elif entry.id in changed:
                stored = report.stored[entry.id]
                merged = report.new[entry.id]
                updates.append(
                    repo.row_values(
                        merged, id=stored.row_id, status=repo.ACTIVE, updated_by=who, updated_at=now
                    )
                )
                before = repo.entry_snapshot(stored.entry, stored.status)
                action = "import-replace" if entry.id in replaced else "import"
                entry = merged
            else:
                continue
            after = repo.entry_snapshot(entry, repo.ACTIVE)
            history.append(
                repo.change_values(
                    slug=entry.id, action=action, actor=who, at=now, before=before, after=after
                )
            )
            audits.append(
                audit.values(
                    actor=who,
                    action=f"glossary.{action}",
                    target_type="glossary_entry",
                    target_id=entry.id,
                    at=now,
                )
            )
        repo.insert_entries(session, new_rows)
        repo.update_entries(session, updates)
        repo.record_changes(session, history)
        audit.record_many(session, audits)
        if history:
            repo.bump_version(session)
        repo.forget_misses(session, list(dict.fromkeys(fold(e.key) for e in entries if e.id in added)))

    def _plan_import(  # type: ignore[no-untyped-def]
        self, session, entries: list[GlossaryEntry], *, replace: bool, lock: bool = False
    ) -> ImportReport:
        report = ImportReport()
        # one read for the whole file, not one per entry
        stored_rows = repo.stored_entries(session, [e.id for e in entries], for_update=lock)
        screened: dict[str, str | None] = {}
        seen: set[str] = set()
        for entry in entries:
            reason = self._refusal(entry, seen, screened)
            seen.add(entry.id)
            stored = None if reason else stored_rows.get(entry.id)
            if reason is None and stored is not None:
                current = stored.entry
                merged = self._merged(entry, current)
                if merged == current and stored.status == repo.ACTIVE:
                    report.unchanged.append(entry.id)
                    continue
                plan_wording = stored.created_by == SEED_ACTOR and (current.key, current.text) != (
                    merged.key,
                    merged.text,
                )
                if plan_wording and not replace:
                    reason = "it would replace the plan's own wording (use --replace to do so)"
                else:
                    report.changed.append(entry.id)
                    report.before[entry.id] = current
                    report.new[entry.id] = merged
                    report.stored[entry.id] = stored
                    if plan_wording:
                        report.replaced.append(entry.id)
                    continue
            if reason is not None:
                report.refused.append(entry.id)
                report.reasons[entry.id] = reason
                continue
            report.added.append(entry.id)
            report.new[entry.id] = entry
        return report

    @staticmethod
    def _refusal(entry: GlossaryEntry, seen: set[str], screened: dict[str, str | None]) -> str | None:
        """Why an entry is refused, or None. ``screened`` remembers each distinct text's verdict, so a
        text a file repeats (a source, a context, an alias) is screened once."""
        if entry.id in seen:
            return "the file has it twice"
        for value in (entry.key, entry.text, entry.context, entry.note, *entry.aliases):
            if not value:
                continue
            if value not in screened:
                findings = find_personal_data(value)
                screened[value] = ", ".join(f.description for f in findings) if findings else None
            if screened[value] is not None:
                return f"it looks like personal data ({screened[value]})"
        return None

    @staticmethod
    def _merged(entry: GlossaryEntry, stored: GlossaryEntry) -> GlossaryEntry:
        """What the file does not say is kept: a file that names no source keeps the stored one (a plain
        CSV does not re-attribute the plan's entries), and a CSV without an aliases, note, context or
        see_also column leaves those as they are."""
        keep: dict[str, object] = {
            name: getattr(stored, name)
            for name in ("aliases", "context", "note", "see_also")
            if name not in entry.model_fields_set
        }
        if entry.source == IMPORTED:
            keep["source"] = stored.source
        return entry.model_copy(update=keep) if keep else entry

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


def _pack_of(entry: GlossaryEntry) -> Pack | None:
    if not isinstance(entry, PackEntry):
        return None
    return next((p for p in shipped_packs() if p.name == entry.pack), None)


def _ref(entry: GlossaryEntry) -> str:
    return entry.ref if isinstance(entry, PackEntry) else entry.id


def _with_key(index: GlossaryIndex, key: str) -> list[GlossaryEntry]:
    """The entries of ``index`` whose key is ``key`` (as typed differently, never a correction)."""
    result = index.lookup(key)
    if not result.found or result.corrected_from:
        return []
    return [e for e in result.matches if fold(e.key) == fold(key)]
