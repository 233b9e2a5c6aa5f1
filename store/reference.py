"""The reference-data version: one counter in ``app_state`` that every write to the plans, their
priorities and plan years, the organisations, the partnership or the members moves on, in the same
transaction as the write.

A worker keeps that data per process (``bot.services.plan.PlanService``) and compares the counter once
per request (``Database.state_reader``), so an edit made through any worker or the CLI is seen by every
other on its next request. The counter is moved by session events rather than by each service, so a
write added later cannot forget it: an ORM change to one of those rows, or a Core ``insert``/``update``/
``delete`` of their tables run through a Session (the data-protection erase), bumps it once per
transaction, just before it commits. Writes that bypass the Session (raw SQL in a migration) do not; a worker starts afresh
after those.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, cast, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from store.models import ActionRow, AppState, Member, OrganisationRow, PartnershipRow, PlanRow, PriorityRow
from store.upsert import insert_for

REFERENCE_VERSION = "reference_version"

#: session.info: this transaction's writes need a bump / have had it (cleared when the next one starts)
PENDING = "csp_reference_pending"
BUMPED = "csp_reference_bumped"

#: rows whose every change is reference data
_WHOLE = (PartnershipRow, PlanRow, PriorityRow, OrganisationRow, Member)
_TABLES = frozenset(cls.__tablename__ for cls in (*_WHOLE, ActionRow))
#: an action's status changes all day and is not reference data; which plan year and priority it
#: belongs to, and whether it is retired, is (the current plan year is the newest year with actions)
_ACTION_MEMBERSHIP = ("plan_year", "priority", "ref", "retired")


def _changes_reference(row: object, *, dirty: bool) -> bool:
    if isinstance(row, _WHOLE):
        return True
    if not isinstance(row, ActionRow):
        return False
    if not dirty:
        return True
    state = inspect(row)
    return any(state.attrs[name].history.has_changes() for name in _ACTION_MEMBERSHIP)


def bump(session: Session) -> None:
    """Move the counter on, in the session's transaction (an upsert: no read, no race on the first)."""
    dialect = session.get_bind().dialect.name
    insert = insert_for(dialect)
    statement = insert(AppState).values(name=REFERENCE_VERSION, value="1")
    statement = statement.on_conflict_do_update(
        index_elements=[AppState.name], set_={"value": cast(cast(AppState.value, Integer) + 1, String)}
    )
    session.connection().execute(statement)
    session.info[BUMPED] = True


def _new_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost: a flush's own subtransaction is part of it
        session.info.pop(PENDING, None)
        session.info.pop(BUMPED, None)


def _note_reference_rows(session: Session, _context: object, _instances: object) -> None:
    added = (*session.new, *session.deleted)
    if any(_changes_reference(r, dirty=False) for r in added) or any(
        _changes_reference(r, dirty=True) for r in session.dirty if session.is_modified(r)
    ):
        session.info[PENDING] = True


def _note_reference_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TABLES:
        state.session.info[PENDING] = True


def _bump_before_commit(session: Session) -> None:
    """The bump is the transaction's last statement: its lock on the counter's row is taken after every
    other row's and held only until the commit, so two writers cannot deadlock over it."""
    session.flush()  # what is still to be written may be reference data too
    if session.info.get(PENDING) and not session.info.get(BUMPED):
        bump(session)


_LISTENERS = (
    ("after_transaction_create", _new_transaction),
    ("before_flush", _note_reference_rows),
    ("do_orm_execute", _note_reference_statements),
    ("before_commit", _bump_before_commit),
)


def install() -> None:
    """Listen on every Session (once per process; ``store.db.Database`` calls it)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def session_bumped(session: Session) -> bool:
    """Whether this session's transaction moved the counter on (``Database.transaction`` asks after
    the commit, to drop the request's remembered value so the reply sees the change)."""
    return bool(session.info.get(BUMPED))
