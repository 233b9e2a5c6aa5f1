"""The data-protection lifecycle: what is stored about one Slack user, erasing a leaver, retention.

* ``export``: everything the partnership's store holds about one Slack user (a subject access answer).
* ``erase``: the membership goes; what the person logged, changed and acknowledged stays as the
  partnership's record, attributed to "a former member of ORG"; the audit records the erasure under a
  keyed hash of the ID, never the ID itself, so a later export can still say the person was erased.
* ``purge``: deletes what is older than the retention settings; ``run_scheduled_purge`` runs it once
  a day from the alert worker, under a lease so that one process does it.

A user ID is looked for in every text and JSON column of the store, not only in the columns named for
people (``PEOPLE_COLUMNS``), so free text that mentions someone (``<@U…>``) and a column added later
are covered too. Only coordinators and the command line (the operator) may do any of this.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    MetaData,
    String,
    Table,
    Text,
    and_,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from bot.clock import Now
from bot.errors import InvalidInput
from bot.permissions import Actor, Role, require_coordinator
from bot.services.alerts import aware, release_lease, take_lease
from store import audit, glossary_repo, home_publishes
from store.db import Database
from store.models import (
    ActionRow,
    AlertRow,
    AppState,
    AuditEvent,
    Base,
    GlossaryMiss,
    Member,
    PartnershipRow,
    RequestKey,
    RiskRow,
)

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")

#: the actor the daily purge is recorded under
RETENTION_ACTOR = "retention"
PURGE_LEASE = "privacy_purge"
#: the London date the scheduled purge last ran
LAST_PURGE = "privacy_last_purge"
#: the key of the erasure records' hash; made on first use, kept in the store
SALT = "privacy_salt"
ERASED = "erased_member"

#: tables that exist in the main store only (bot.partnerships): a partnership's own store lacks them
MAIN_ONLY = frozenset({"partnership_directory", "workspace_links"})
#: rows that only mark something (a request already handled, a look-up that found nothing): an erasure
#: deletes the ones holding the ID instead of rewriting a unique key
DELETED_ON_ERASE = frozenset(
    {"members", "request_keys", "glossary_misses", "home_refresh_owed", "home_publishes"}
)

#: the columns that hold a Slack user ID by design; every other text column is searched too
PEOPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("user_id", "added_by"),
    "audit_events": ("actor", "target_id"),
    "glossary_entries": ("created_by", "updated_by"),
    "glossary_changes": ("actor",),
    "glossary_pack_settings": ("updated_by",),
    "glossary_pack_hidden": ("hidden_by",),
    "actions": ("updated_by",),
    "action_changes": ("actor",),
    "achievements": ("logged_by", "updated_by"),
    "achievement_changes": ("actor",),
    "risks": ("updated_by",),
    "risk_changes": ("actor",),
    "plans": ("created_by",),
    "alerts": ("acknowledged_by", "payload", "subject_id"),  # subject_id: a nudge's member
    "partnership_directory": ("created_by",),
    "workspace_links": ("linked_by",),
    "home_refresh_owed": ("user_id",),
    "home_publishes": ("user_id",),
}

#: Slack's install records (slack_sdk's own tables, in the main store): only the installer's ID is
#: searched, and no column holding a token or secret is ever exported
INSTALL_TABLES: dict[str, tuple[str, ...]] = {"slack_installations": ("user_id",)}
_SECRET_COLUMNS = ("token", "secret")

#: what each table is, for a reader of the export
TABLE_LABELS: dict[str, str] = {
    "members": "Membership (role and organisation)",
    "audit_events": "Audit trail: what they did, and what was done to their membership",
    "achievements": "Achievements they logged or last edited",
    "achievement_changes": "Changes they made to achievements",
    "actions": "Plan actions they last updated",
    "action_changes": "Action status, lead and due-date changes they made",
    "risks": "Risks they last changed",
    "risk_changes": "Risk register changes they made",
    "glossary_entries": "Glossary entries they added, suggested or last edited",
    "glossary_changes": "Glossary changes and suggestions they made",
    "glossary_pack_settings": "National glossary packs they last switched on or off",
    "glossary_pack_hidden": "National glossary entries they hid from the partnership",
    "alerts": "Alerts they acknowledged, or whose change they made; nudges sent to them",
    "request_keys": "Markers of requests just handled (kept an hour, against double clicks)",
    "glossary_misses": "Look-ups that found nothing and contain their ID (look-ups are not attributed)",
    "partnership_directory": "Partnerships they added",
    "workspace_links": "Slack workspaces they linked",
    "slack_installations": "Slack workspaces they installed the app in (tokens are never shown)",
    "home_refresh_owed": "An App Home refresh still to be published to them (kept until it is)",
    "home_publishes": "When their App Home was last published (kept a day, to space publishes)",
}


def check_user_id(user_id: str) -> str:
    user_id = user_id.strip().upper()
    if not _USER_ID.match(user_id):
        raise InvalidInput(
            f"`{user_id[:40]}` is not a Slack user ID.",
            "A user ID looks like U0123ABCD (in Slack: profile → ⋮ → Copy member ID).",
        )
    return user_id


def _token(user_id: str) -> re.Pattern[str]:
    """The ID as a whole token (U0AB is not found inside U0ABC), with the mention around it if any."""
    return re.compile(rf"(?:<@{user_id}(?:\|[^<>]*)?>|(?<![A-Za-z0-9]){user_id}(?![A-Za-z0-9]))")


def _replace(value: Any, pattern: re.Pattern[str], placeholder: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(placeholder, value)
    if isinstance(value, list):
        return [_replace(v, pattern, placeholder) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, pattern, placeholder) for k, v in value.items()}
    return value


def _contains(value: Any, pattern: re.Pattern[str]) -> bool:
    if isinstance(value, str):
        return pattern.search(value) is not None
    if isinstance(value, list):
        return any(_contains(v, pattern) for v in value)
    if isinstance(value, dict):
        return any(_contains(v, pattern) for v in value.values())
    return False


#: for a column too short for the full placeholder (slack_sdk's 32-character user_id)
SHORT_PLACEHOLDER = "a former member"


def _fitted(column: Column[Any], value: Any, pattern: re.Pattern[str], placeholder: str) -> Any:
    """The value with the ID replaced, in a form the column can hold (PostgreSQL enforces lengths)."""
    replaced = _replace(value, pattern, placeholder)
    limit = getattr(column.type, "length", None)
    if isinstance(replaced, str) and limit and len(replaced) > limit:
        replaced = _replace(value, pattern, SHORT_PLACEHOLDER)[:limit]
    return replaced


def _deleted_on_erase(table: str, row: dict[str, Any], user_id: str) -> bool:
    """The person's own membership goes; so do markers whose key holds the ID. Anything else they
    touched (another member's row they added, say) stays, with the ID replaced."""
    if table == "members":
        return row["user_id"] == user_id
    if table == "alerts":  # a nudge to them is keyed by their ID: it goes with them, like a marker
        return row.get("kind") == "nudge" and row.get("subject_id") == user_id
    return table in DELETED_ON_ERASE


def _plain(value: Any) -> Any:
    """A stored value as JSON can carry it."""
    if isinstance(value, datetime):
        return aware(value).isoformat()  # SQLite hands back UTC without its zone
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------- results


@dataclass(frozen=True)
class Found:
    """The rows of one table that hold the user's ID, each as column → value."""

    table: str
    label: str
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class SubjectAccess:
    """Everything stored about one user: a subject access answer (UK GDPR Art. 15)."""

    user_id: str
    partnership: str
    generated_at: datetime
    found: tuple[Found, ...]
    #: the audit rows that record this person's erasure (found by the keyed hash, not the ID)
    erasures: tuple[dict[str, Any], ...]
    retention: dict[str, int]

    @property
    def record_count(self) -> int:
        return sum(len(f.rows) for f in self.found)

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.user_id,
            "partnership": self.partnership,
            "generated_at": self.generated_at.isoformat(),
            "records": self.record_count,
            "data": {f.table: {"what": f.label, "rows": list(f.rows)} for f in self.found},
            "erasure_records": list(self.erasures),
            "retention_days": self.retention,
        }


@dataclass(frozen=True)
class Erasure:
    """What an erasure changes (a preview) or changed (``applied``)."""

    placeholder: str
    org: str | None
    was_member: bool
    #: table → rows rewritten to the placeholder
    anonymised: dict[str, int]
    #: table → rows deleted (the membership, request markers)
    deleted: dict[str, int]
    applied: bool
    already_erased: bool = False
    no_coordinator_left: bool = False

    @property
    def nothing_stored(self) -> bool:
        return not self.anonymised and not self.deleted


@dataclass(frozen=True)
class Purge:
    """What the retention schedule deletes (a preview) or deleted (``applied``)."""

    audit_rows: int
    glossary_misses: int
    delivered_alerts: int
    request_keys: int
    #: delivered alerts past their retention kept because deleting them would raise them again
    alerts_kept_while_overdue: int
    cutoffs: dict[str, str]
    applied: bool

    @property
    def total(self) -> int:
        return self.audit_rows + self.glossary_misses + self.delivered_alerts + self.request_keys

    def counts(self) -> dict[str, int]:
        return {
            "audit_rows": self.audit_rows,
            "glossary_misses": self.glossary_misses,
            "delivered_alerts": self.delivered_alerts,
            "request_keys": self.request_keys,
            "alerts_kept_while_overdue": self.alerts_kept_while_overdue,
        }


@dataclass(frozen=True)
class Retention:
    audit_days: int = 2190
    glossary_misses_days: int = 365
    outbox_days: int = 90

    def as_dict(self) -> dict[str, int]:
        return {
            "audit": self.audit_days,
            "glossary_misses": self.glossary_misses_days,
            "delivered_alerts": self.outbox_days,
        }


@dataclass
class _Scan:
    """Rows holding the ID, per table: (table, primary key values, row as a dict)."""

    hits: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = field(default_factory=dict)


# ---------------------------------------------------------------------- the service


class DataProtectionService:
    def __init__(self, db: Database, retention: Retention, now: Now) -> None:
        self._db = db
        self.retention = retention
        self._now = now
        #: slack_sdk's tables, read from the database when first needed (``store`` does not model them)
        self._installs = MetaData()

    # ------------------------------------------------------------------ subject access

    def export(self, actor: Actor, user_id: str) -> SubjectAccess:
        require_coordinator(actor, "export what is stored about a person")
        user_id = check_user_id(user_id)
        with self._db.read() as session:
            scan = self._scan(session, user_id)
            erasures = self._erasure_records(session, user_id)
            partnership = session.scalar(select(PartnershipRow.name)) or "the partnership"
        found = tuple(
            Found(table, TABLE_LABELS.get(table, table), tuple(row for _, row in rows))
            for table, rows in scan.hits.items()
        )
        return SubjectAccess(user_id, partnership, self._now(), found, erasures, self.retention.as_dict())

    # ------------------------------------------------------------------ erasure

    def erase(self, actor: Actor, user_id: str, *, apply: bool) -> Erasure:
        """Without ``apply`` a preview; with it, everything in one transaction."""
        require_coordinator(actor, "erase a person's data")
        user_id = check_user_id(user_id)
        if not apply:
            with self._db.read() as session:
                return self._erase(session, actor, user_id, apply=False)
        with self._db.transaction() as session:
            return self._erase(session, actor, user_id, apply=True)

    def _erase(self, session: Session, actor: Actor, user_id: str, *, apply: bool) -> Erasure:
        pattern = _token(user_id)
        member = session.get(Member, user_id, with_for_update=apply)
        org = member.org if member is not None else self._last_known_org(session, user_id)
        placeholder = f"a former member of {org}" if org else "a former member of the partnership"
        scan = self._scan(session, user_id)
        anonymised: dict[str, int] = {}
        deleted: dict[str, int] = {}
        for table_name, rows in scan.hits.items():
            for _, row in rows:
                goes = _deleted_on_erase(table_name, row, user_id)
                tally = deleted if goes else anonymised
                tally[table_name] = tally.get(table_name, 0) + 1
        coordinators = session.scalar(
            select(func.count()).select_from(Member).where(Member.role == Role.COORDINATOR.value)
        )
        result = Erasure(
            placeholder=placeholder,
            org=org,
            was_member=member is not None,
            anonymised=anonymised,
            deleted=deleted,
            applied=apply,
            already_erased=bool(self._erasure_records(session, user_id)),
            no_coordinator_left=member is not None
            and member.role == Role.COORDINATOR.value
            and coordinators == 1,
        )
        if not apply or result.nothing_stored:
            return result
        for table_name, rows in scan.hits.items():
            table = self._table(table_name)
            keys = list(table.primary_key.columns)
            searchable = self._searchable(table)
            for key, row in rows:
                where = and_(*(c == v for c, v in zip(keys, key, strict=True)))
                if _deleted_on_erase(table_name, row, user_id):
                    session.execute(delete(table).where(where))
                    continue
                changed = {
                    name: _fitted(table.c[name], row[name], pattern, placeholder)
                    for name in searchable
                    if _contains(row[name], pattern)
                }
                session.execute(update(table).where(where).values(**changed))
        if "glossary_entries" in scan.hits:
            # Entries changed: no saved copy of the old text may stay (glossary.snapshot), and every
            # worker's index in memory is built again from the erased rows on its next look-up.
            glossary_repo.forget_saved_indexes(session)
            glossary_repo.bump_version(session)
        audit.record(
            session,
            actor=actor.user_id,
            action="privacy.erase",
            target_type=ERASED,
            target_id=self._subject_hash(session, user_id, create=True) or "",
            detail={"org": org, "anonymised": anonymised, "deleted": deleted},
        )
        return result

    # ------------------------------------------------------------------ retention

    def purge(self, actor: Actor, *, apply: bool) -> Purge:
        require_coordinator(actor, "purge old records")
        if not apply:
            with self._db.read() as session:
                return self._purge(session, apply=False)
        with self._db.transaction() as session:
            result = self._purge(session, apply=True)
            self._record_purge(session, actor.user_id, result)
            return result

    def run_scheduled_purge(self, holder: str, lease_seconds: int = 300) -> Purge | None:
        """The daily purge, from the alert worker: once a London day, by one process; None when not due."""
        today = self._now().date().isoformat()
        with self._db.read() as session:
            if session.scalar(select(AppState.value).where(AppState.name == LAST_PURGE)) == today:
                return None
        if not take_lease(self._db, PURGE_LEASE, holder, lease_seconds):
            return None
        try:
            with self._db.transaction() as session:
                last = session.get(AppState, LAST_PURGE, with_for_update=True)
                if last is not None and last.value == today:  # another process ran it meanwhile
                    return None
                result = self._purge(session, apply=True)
                self._record_purge(session, RETENTION_ACTOR, result)
                if last is None:
                    session.add(AppState(name=LAST_PURGE, value=today))
                else:
                    last.value = today
                return result
        finally:
            release_lease(self._db, PURGE_LEASE, holder)

    def _purge(self, session: Session, *, apply: bool) -> Purge:
        now = self._db.utcnow()
        audit_cutoff = now - timedelta(days=self.retention.audit_days)
        misses_cutoff = now - timedelta(days=self.retention.glossary_misses_days)
        outbox_cutoff = now - timedelta(days=self.retention.outbox_days)
        keys_cutoff = now - timedelta(hours=1)
        old_audit = AuditEvent.at < audit_cutoff
        old_misses = GlossaryMiss.last_seen < misses_cutoff
        old_keys = RequestKey.seen_at < keys_cutoff
        # only what was delivered: an alert still waiting for its channel is never purged
        delivered = select(AlertRow).where(
            AlertRow.status == "posted", AlertRow.posted_at.is_not(None), AlertRow.posted_at < outbox_cutoff
        )
        today = self._now().date()
        purged, kept = [], 0
        for alert in session.scalars(delivered):
            if self._would_raise_again(session, alert, today):
                kept += 1
            else:
                purged.append(alert.id)
        counts = {
            "audit": session.scalar(select(func.count()).select_from(AuditEvent).where(old_audit)) or 0,
            "misses": session.scalar(select(func.count()).select_from(GlossaryMiss).where(old_misses)) or 0,
            "keys": session.scalar(select(func.count()).select_from(RequestKey).where(old_keys)) or 0,
        }
        if apply:
            session.execute(delete(AuditEvent).where(old_audit))
            session.execute(delete(GlossaryMiss).where(old_misses))
            session.execute(delete(RequestKey).where(old_keys))
            home_publishes.forget_stale(session.connection())  # a day old: they space nothing now
            for chunk in _chunks(purged, 500):
                # a reminder's original may go first: the link is a plain number, not a foreign key
                session.execute(delete(AlertRow).where(AlertRow.id.in_(chunk)))
        return Purge(
            audit_rows=counts["audit"],
            glossary_misses=counts["misses"],
            delivered_alerts=len(purged),
            request_keys=counts["keys"],
            alerts_kept_while_overdue=kept,
            cutoffs={
                "audit": audit_cutoff.isoformat(),
                "glossary_misses": misses_cutoff.isoformat(),
                "delivered_alerts": outbox_cutoff.isoformat(),
            },
            applied=apply,
        )

    @staticmethod
    def _would_raise_again(session: Session, alert: AlertRow, today: date) -> bool:
        """An overdue alert's key stops it being raised again while the thing stays overdue; deleting
        the row would post the same alert anew, so it is kept until the review or action is done."""
        due = alert.key.rsplit(":", 1)[-1]
        if alert.kind == "review_overdue":
            risk = session.get(RiskRow, alert.subject_id)
            return risk is not None and risk.status == "open" and risk.next_review.isoformat() == due
        if alert.kind == "action_overdue":
            # an action is its ref in some plan year: the one with this due date, still tracked
            action = session.scalars(
                select(ActionRow).where(
                    ActionRow.ref == alert.subject_id,
                    ActionRow.due_date == date.fromisoformat(due),
                    ActionRow.retired.is_(False),
                    ActionRow.carried_forward.is_(False),
                )
            ).first()
            return (
                action is not None
                and action.status != "complete"
                and action.due_date.isoformat() == due
                and action.due_date < today
            )
        return False

    def _record_purge(self, session: Session, actor: str, result: Purge) -> None:
        audit.record(
            session,
            actor=actor,
            action="privacy.purge",
            target_type="retention",
            target_id="schedule",
            detail={**result.counts(), "retention_days": self.retention.as_dict()},
        )

    # ------------------------------------------------------------------ finding a person

    def _tables(self, session: Session) -> Iterator[Table]:
        for table in Base.metadata.sorted_tables:
            if self._db.partition_name is not None and table.name in MAIN_ONLY:
                continue
            yield table
        if self._db.partition_name is not None:
            return
        connection = session.connection()
        for name in INSTALL_TABLES:
            if name not in self._installs.tables and sa_inspect(connection).has_table(name):
                Table(name, self._installs, autoload_with=connection)
            if name in self._installs.tables:
                yield self._installs.tables[name]

    def _table(self, name: str) -> Table:
        return self._installs.tables[name] if name in INSTALL_TABLES else Base.metadata.tables[name]

    @staticmethod
    def _searchable(table: Table) -> list[str]:
        if table.name in INSTALL_TABLES:
            return list(INSTALL_TABLES[table.name])
        return [c.name for c in table.columns if isinstance(c.type, String | Text | JSON)]

    def _scan(self, session: Session, user_id: str) -> _Scan:
        """Every row, in every table, that holds the ID in a text or JSON column."""
        pattern = _token(user_id)
        scan = _Scan()
        for table in self._tables(session):
            columns: list[Column[Any]] = [table.c[name] for name in self._searchable(table)]
            if not columns:
                continue
            # a cheap filter in the database, then the exact token test here
            candidates = or_(
                *(
                    (cast(c, Text) if isinstance(c.type, JSON) else c).contains(user_id, autoescape=True)
                    for c in columns
                )
            )
            keys = list(table.primary_key.columns)
            query = select(table).where(candidates).order_by(*keys)
            if table.name == "audit_events":
                query = query.where(AuditEvent.target_type != ERASED)
            for row in session.execute(query).mappings():
                if any(_contains(row[c.name], pattern) for c in columns):
                    data = {
                        name: _plain(value)
                        for name, value in row.items()
                        if not any(secret in name for secret in _SECRET_COLUMNS)
                    }
                    scan.hits.setdefault(table.name, []).append((tuple(row[k.name] for k in keys), data))
        order = list(TABLE_LABELS)
        scan.hits = dict(
            sorted(
                scan.hits.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)
            )
        )
        return scan

    def _last_known_org(self, session: Session, user_id: str) -> str | None:
        """A member removed earlier: the organisation their membership last had, from the audit."""
        details = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.target_type == "member", AuditEvent.target_id == user_id)
            .order_by(AuditEvent.id.desc())
        )
        for detail in details:
            for side in ("after", "before"):
                org = ((detail or {}).get(side) or {}).get("org")
                if org:
                    return str(org)
        return None

    # ------------------------------------------------------------------ the erasure record

    def _subject_hash(self, session: Session, user_id: str, *, create: bool = False) -> str | None:
        """A keyed hash of the ID: the same person is recognised again, but the record alone names nobody."""
        row = session.get(AppState, SALT)
        if row is None:
            if not create:
                return None
            row = AppState(name=SALT, value=secrets.token_hex(32))
            session.add(row)
        return hmac.new(row.value.encode(), user_id.encode(), hashlib.sha256).hexdigest()

    def _erasure_records(self, session: Session, user_id: str) -> tuple[dict[str, Any], ...]:
        subject = self._subject_hash(session, user_id)
        if subject is None:
            return ()
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == ERASED, AuditEvent.target_id == subject)
            .order_by(AuditEvent.id)
        )
        return tuple(
            {"at": _plain(r.at), "actor": r.actor, "action": r.action, "detail": r.detail} for r in rows
        )


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
