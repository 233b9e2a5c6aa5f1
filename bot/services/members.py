"""Membership: which Slack users are coordinators or members."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import Conflict, InvalidInput, NotFound
from bot.permissions import Actor, Role, require_coordinator, require_member
from bot.services.plan import PlanService
from store import audit
from store.db import Database
from store.models import Member

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class MemberInfo:
    user_id: str
    role: Role
    org: str | None
    added_by: str
    added_at: datetime
    #: set on the result of a change that left no coordinator: only the operator (the CLI) can do
    #: that, and the CLI warns, because nobody can then manage the partnership from Slack
    no_coordinator_left: bool = False


def _info(row: Member) -> MemberInfo:
    return MemberInfo(row.user_id, Role(row.role), row.org, row.added_by, row.added_at)


class MemberService:
    def __init__(self, db: Database, plan: PlanService) -> None:
        self._db = db
        self._plan = plan
        # every write request asks who is acting: one small read, not a read transaction
        self._role_of = db.row_reader("members", ("role", "org"), "user_id")

    def actor(self, user_id: str) -> Actor:
        """The acting user with their role (no role: they can read, not write)."""
        row = self._role_of(user_id)
        if row is None:
            return Actor(user_id=user_id)
        return Actor(user_id=user_id, role=Role(row[0]), org=row[1])

    def add(self, actor: Actor, user_id: str, role: Role = Role.MEMBER, org: str | None = None) -> MemberInfo:
        require_coordinator(actor, "add members")
        user_id = user_id.strip().upper()
        if not _USER_ID.match(user_id):
            raise InvalidInput(
                f"`{user_id[:40]}` is not a Slack user ID.",
                "A user ID looks like U0123ABCD (in Slack: profile → ⋮ → Copy member ID).",
            )
        org = self._plan.organisation(org).short if org else None
        if role is Role.MEMBER and org is None:
            known = ", ".join(o.short for o in self._plan.organisations())
            raise InvalidInput("A member belongs to one partner organisation: name it.", f"One of: {known}.")
        with self._db.transaction() as session:
            last = self._last_coordinator_check(
                session, actor, user_id, stays_coordinator=role is Role.COORDINATOR
            )
            row = session.get(Member, user_id)
            before = None if row is None else {"role": row.role, "org": row.org}
            if row is None:
                row = Member(user_id=user_id, role=role.value, org=org, added_by=actor.user_id)
                session.add(row)
            else:
                row.role, row.org = role.value, org or row.org
            audit.record(
                session,
                actor=actor.user_id,
                action="member.add" if before is None else "member.update",
                target_type="member",
                target_id=user_id,
                detail={"before": before, "after": {"role": row.role, "org": row.org}},
            )
            session.flush()
            return replace(_info(row), no_coordinator_left=last)

    def remove(self, actor: Actor, user_id: str) -> MemberInfo:
        """Returns the member as they were, flagged when no coordinator is left."""
        require_coordinator(actor, "remove members")
        user_id = user_id.strip().upper()
        with self._db.transaction() as session:
            last = self._last_coordinator_check(session, actor, user_id, stays_coordinator=False)
            row = session.get(Member, user_id)
            if row is None:
                raise NotFound(f"{user_id} is not a member.", "See who is with `/csp members list`.")
            removed = replace(_info(row), no_coordinator_left=last)
            session.delete(row)
            audit.record(
                session,
                actor=actor.user_id,
                action="member.remove",
                target_type="member",
                target_id=user_id,
                detail={"before": {"role": row.role, "org": row.org}},
            )
            return removed

    def has_members(self) -> bool:
        """Whether anyone belongs to an organisation yet (a new partnership's App Home asks)."""
        with self._db.read() as session:
            return session.scalar(select(Member.user_id).where(Member.org.is_not(None)).limit(1)) is not None

    def list(self, actor: Actor) -> list[MemberInfo]:
        """Members and the operator only: the list says which Slack user works for which organisation,
        which is not for anyone else who happens to share the workspace."""
        require_member(
            actor,
            "see the member list",
            message="The member list is for partnership members, and you're not set up as one yet.",
        )
        with self._db.read() as session:
            return [_info(r) for r in session.scalars(select(Member).order_by(Member.role, Member.user_id))]

    def _last_coordinator_check(
        self, session: Session, actor: Actor, user_id: str, *, stays_coordinator: bool
    ) -> bool:
        """Refuse a change from Slack that would leave no coordinator; True when the operator makes one.

        The coordinator rows are locked first, so two coordinators removing each other at the same
        moment queue, and the second sees that only one is left (SQLite queues writers anyway)."""
        coordinators = set(
            session.scalars(
                select(Member.user_id).where(Member.role == Role.COORDINATOR.value).with_for_update()
            )
        )
        if stays_coordinator or coordinators != {user_id}:
            return False
        if actor.is_operator:
            return True  # the CLI is the recovery door: it may, and it warns
        who = "You're" if user_id == actor.user_id else f"{user_id} is"
        raise Conflict(
            f"{who} the only coordinator: add another coordinator first.",
            "Make someone else a coordinator with `/csp members add @someone ORG coordinator`, then try again.",
        )
