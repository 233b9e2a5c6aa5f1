"""Membership: which Slack users are coordinators or members."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.errors import InvalidInput, NotFound
from bot.permissions import Actor, Role, require_coordinator
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


def _info(row: Member) -> MemberInfo:
    return MemberInfo(row.user_id, Role(row.role), row.org, row.added_by, row.added_at)


class MemberService:
    def __init__(self, db: Database, plan: PlanService) -> None:
        self._db = db
        self._plan = plan

    def actor(self, user_id: str) -> Actor:
        """The acting user with their role (no role: they can read, not write)."""
        with self._db.read() as session:
            row = session.get(Member, user_id)
            if row is None:
                return Actor(user_id=user_id)
            return Actor(user_id=user_id, role=Role(row.role), org=row.org)

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
            return _info(row)

    def remove(self, actor: Actor, user_id: str) -> None:
        require_coordinator(actor, "remove members")
        user_id = user_id.strip().upper()
        with self._db.transaction() as session:
            row = session.get(Member, user_id)
            if row is None:
                raise NotFound(f"{user_id} is not a member.", "See who is with `/csp members list`.")
            session.delete(row)
            audit.record(
                session,
                actor=actor.user_id,
                action="member.remove",
                target_type="member",
                target_id=user_id,
                detail={"before": {"role": row.role, "org": row.org}},
            )

    def list(self) -> list[MemberInfo]:
        with self._db.read() as session:
            return [_info(r) for r in session.scalars(select(Member).order_by(Member.role, Member.user_id))]
