"""Who is acting, and what their role lets them do. Services check; handlers never do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import PermissionDenied


class Role(StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Actor:
    """A Slack user (with the role the store gives them), or the command line run by an operator."""

    user_id: str
    role: Role | None = None
    org: str | None = None
    is_operator: bool = False

    @classmethod
    def operator(cls) -> Actor:
        return cls(user_id="cli", is_operator=True)

    @property
    def label(self) -> str:
        return "command line" if self.is_operator else f"<@{self.user_id}>"

    @property
    def is_coordinator(self) -> bool:
        return self.is_operator or self.role is Role.COORDINATOR


_GET_ACCESS = (
    "Ask a coordinator to add you with `/csp members add @you ORG`; `/csp whoami` shows your access."
)


def require_coordinator(actor: Actor, doing: str, alternative: str | None = None) -> None:
    if not actor.is_coordinator:
        fallback = (
            _GET_ACCESS
            if actor.role is None
            else "Ask a coordinator, or see `/csp help` for what you can do."
        )
        raise PermissionDenied(f"Only partnership coordinators can {doing}.", alternative or fallback)


def require_member(actor: Actor, doing: str, *, message: str | None = None) -> None:
    """Anyone can read; writing needs a membership, and the refusal says how to get one.
    ``message`` replaces the wording for the few reads that are for members only."""
    if actor.is_operator or actor.role is not None:
        return
    raise PermissionDenied(
        message or f"You're not set up as a partnership member yet, so you can read but not {doing}.",
        _GET_ACCESS,
    )
