"""SQLAlchemy models. The schema itself is owned by the Alembic migrations in ``store/migrations``."""

# No ``from __future__ import annotations`` here: with it every ``Mapped[...]`` is a string that SQLAlchemy
# evaluates with ``eval`` when the class is mapped, about a quarter of this module's import (~30 ms of
# every command's start). A model that names one defined further down quotes it: ``Mapped["Later"]``.

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def stamp_column() -> Any:
    """A time stamp filled from the application's clock when the row is first flushed (``store.db``)."""
    return mapped_column(DateTime(timezone=True), info={"stamp": True})


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class GlossaryEntryRow(Base):
    """One meaning of one key. ``status`` is active, pending (a suggestion), rejected or removed."""

    __tablename__ = "glossary_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(120), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    context: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    see_also: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    #: the order entries were first loaded in; ties in a look-up go to the plan's own order
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = stamp_column()
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = stamp_column()


class GlossaryChange(Base):
    """History: every add, edit, removal, suggestion and decision, with before and after."""

    __tablename__ = "glossary_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_slug: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = stamp_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class GlossaryMiss(Base):
    """What people asked for and did not find (normalised, personal data never kept)."""

    __tablename__ = "glossary_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = stamp_column()
    last_seen: Mapped[datetime] = stamp_column()


class GlossaryHit(Base):
    """How often each entry was the answer: drives "most asked" on the App Home."""

    __tablename__ = "glossary_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_slug: Mapped[str] = mapped_column(String(80), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[datetime] = stamp_column()


class GlossaryPackSetting(Base):
    """Whether a shipped glossary pack answers for this partnership. No row: on (the default)."""

    __tablename__ = "glossary_pack_settings"

    pack: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = stamp_column()


class GlossaryIndexSnapshot(Base):
    """A built glossary index, saved for the next process to load (``glossary.snapshot``): derived
    data, made from the glossary at ``version`` by the code whose ``fingerprint`` it carries."""

    __tablename__ = "glossary_index_snapshots"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = stamp_column()


class GlossaryPackHidden(Base):
    """A pack entry a coordinator hid: it never answers for this partnership."""

    __tablename__ = "glossary_pack_hidden"
    __table_args__ = (UniqueConstraint("pack", "entry_id", name="uq_glossary_pack_hidden_entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[str] = mapped_column(String(80))
    hidden_by: Mapped[str] = mapped_column(String(64))
    hidden_at: Mapped[datetime] = stamp_column()


class Member(Base):
    """A Slack user's role in the partnership (and, from plan tracking on, their organisation)."""

    __tablename__ = "members"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    org: Mapped[str | None] = mapped_column(String(16))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = stamp_column()


class AuditEvent(Base):
    """Who did what, when: one row per write, in the same transaction as the write."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = stamp_column()
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AppState(Base):
    """Small named counters and flags, e.g. the glossary version other workers compare against."""

    __tablename__ = "app_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


# ---------------------------------------------------------------------- the plan


class PartnershipRow(Base):
    """The partnership itself; its plans (the current one and those before it) are ``PlanRow``."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))


class PlanRow(Base):
    """One partnership plan and its period (whole plan years, 1 April to 31 March).

    The current plan is the one that starts last; earlier plans stay as they were, for reading.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    updated: Mapped[str | None] = mapped_column(String(80))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(300))
    achievements_intro: Mapped[str | None] = mapped_column(Text)
    achievements_intro_year: Mapped[str | None] = mapped_column(String(7))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = stamp_column()


class OrganisationRow(Base):
    __tablename__ = "organisations"

    short: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_is_from_plan: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: a retired organisation keeps its history (what WDC did in 2018 still reads WDC) but leads nothing new
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the body it became, when it was renamed or merged
    successor: Mapped[str | None] = mapped_column(String(16))


class PriorityRow(Base):
    """A priority of one plan: P1 of the 2026 plan is not P1 of the 2017 plan."""

    __tablename__ = "priorities"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_priorities_plan_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    achievements_heading: Mapped[str] = mapped_column(String(200))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class ActionLeadRow(Base):
    """One lead organisation of an action; an action may have several (a joint action)."""

    __tablename__ = "action_leads"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), primary_key=True)
    organisation: Mapped[str] = mapped_column(ForeignKey("organisations.short"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ActionRow(Base):
    """One action of one plan year (P2.3 of 2026/27) with its current RAG status; ``history`` keeps
    every change. An open action carried into the next year is a new row with ``carried_from`` set;
    the old row is kept as it was, marked ``carried_forward``."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("plan_year", "ref", name="uq_actions_year_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(16))
    plan_year: Mapped[str] = mapped_column(String(7), index=True)
    #: the priority's number within the plan that covers ``plan_year``
    priority: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="not_started", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    carried_from: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    carried_forward: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_rows: Mapped[list[ActionLeadRow]] = relationship(
        order_by=ActionLeadRow.position, cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def leads(self) -> tuple[str, ...]:
        return tuple(r.organisation for r in self.lead_rows)

    @property
    def lead(self) -> str | None:
        """The leads as one label ("WDC, TVP"), or None: for messages and alert payloads."""
        return ", ".join(self.leads) or None


class ActionChange(Base):
    """History of an action: status, leads, due date, text and retirement, each with who, when and why."""

    __tablename__ = "action_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    #: the ref as it was (a carried action keeps its ref, so its history reads on across years)
    action_ref: Mapped[str] = mapped_column(String(16), index=True)
    field: Mapped[str] = mapped_column(
        String(16)
    )  # status | lead | leads | due_date | text | retired | added
    before: Mapped[str | None] = mapped_column(String(200))
    after: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = stamp_column()


class AchievementRow(Base):
    """Something achieved against a priority, as the plan's "Our Achievements" lists them."""

    __tablename__ = "achievements"
    __table_args__ = (Index("ix_achievements_year_priority", "plan_year", "priority"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the priority's number within the plan that covers ``plan_year``
    priority: Mapped[int] = mapped_column(Integer)
    organisation: Mapped[str | None] = mapped_column(ForeignKey("organisations.short"), index=True)
    text: Mapped[str] = mapped_column(Text)
    achieved_on: Mapped[date] = mapped_column(Date)
    plan_year: Mapped[str] = mapped_column(String(7))
    #: seed entries keep the plan's order within a year; later ones sort by date
    position: Mapped[int] = mapped_column(Integer, default=0)
    # active | deleted; no index of its own: ix_achievements_recent starts with it
    status: Mapped[str] = mapped_column(String(16), default="active")
    logged_by: Mapped[str] = mapped_column(String(64))
    logged_at: Mapped[datetime] = stamp_column()
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# "Recent achievements" on every App Home: newest first, read straight off this index (no sort of the
# whole table); the directions match AchievementService.list's ORDER BY.
Index(
    "ix_achievements_recent",
    AchievementRow.status,
    AchievementRow.plan_year.desc(),
    AchievementRow.achieved_on.desc(),
    AchievementRow.position,
    AchievementRow.logged_at.desc(),
    AchievementRow.id.desc(),
)


class AchievementChange(Base):
    __tablename__ = "achievement_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # log | edit | delete | restore | seed
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = stamp_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# ---------------------------------------------------------------------- risks and alerts


class RiskRow(Base):
    """A risk on the register: the plan's Appendix C, and risks added since."""

    __tablename__ = "risks"

    ref: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[str] = mapped_column(String(8))
    impact: Mapped[str] = mapped_column(String(8))
    preventative: Mapped[str] = mapped_column(Text)
    contingent: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    #: the partner organisation whose members may update it, when the owner is one
    owner_org: Mapped[str | None] = mapped_column(ForeignKey("organisations.short"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | closed
    next_review: Mapped[date] = mapped_column(Date, index=True)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    triggered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RiskChange(Base):
    """History of a risk: every field change, review, trigger and closure, with who, when and why."""

    __tablename__ = "risk_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_ref: Mapped[str] = mapped_column(ForeignKey("risks.ref"), index=True)
    field: Mapped[str] = mapped_column(String(16))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = stamp_column()


class AlertRow(Base):
    """The outbox: an alert is written with the change that raised it and delivered after the commit.

    ``key`` makes raising idempotent; ``claimed_until`` lets one deliverer at a time work on it;
    ``attempts`` is counted before each post, so a deliverer that died after posting is noticed
    and the next one reconciles (looks for the message by its metadata) instead of posting again.
    """

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))  # risk | action | digest
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | posted
    created_at: Mapped[datetime] = stamp_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reraised_as: Mapped[int | None] = mapped_column(Integer)


class Lease(Base):
    """A named lease, so that of several processes only one runs a periodic job at a time."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HomePublish(Base):
    """When someone's App Home publish last started, by the database server's clock (seconds since the
    epoch), shared by every worker: one person's publishes start at least SPACING apart whichever
    worker makes them (``bot.runtime.home_refresh``). Deleted on erasure; kept a day at most."""

    __tablename__ = "home_publishes"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started: Mapped[float] = mapped_column(Float)


class RequestKey(Base):
    """Requests already handled (an event's id, a button press), shared by every worker, so a
    Slack retry or a double click is handled once whichever process receives it."""

    __tablename__ = "request_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class HomeRefreshOwed(Base):
    """Someone whose App Home a stopping worker still owed a refresh: published on the next start
    (or when they next open the tab), so no change they made is missing from it."""

    __tablename__ = "home_refresh_owed"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owed_since: Mapped[datetime] = stamp_column()


# ---------------------------------------------------------------------- partnerships (main store only)


class PartnershipListing(Base):
    """A partnership this deployment serves besides the default one, and where its plan came from."""

    __tablename__ = "partnership_directory"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    plan_source: Mapped[str] = mapped_column(String(300))
    glossary_source: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = stamp_column()


class WorkspaceLink(Base):
    """Which partnership a Slack workspace (or an Enterprise Grid organisation) belongs to.

    An id that does not apply is stored as "" rather than NULL, so the pair stays unique on both
    databases (PostgreSQL treats NULLs as distinct).
    """

    __tablename__ = "workspace_links"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", name="uq_workspace_links_workspace"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    team_id: Mapped[str] = mapped_column(String(32), default="")
    partnership: Mapped[str] = mapped_column(String(40), index=True)
    linked_by: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = stamp_column()
