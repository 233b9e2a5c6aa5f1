"""Errors a person can act on. Every one carries a friendly message and, where useful, a hint."""

from __future__ import annotations


class UserFacingError(Exception):
    """Something the person asked for cannot be done; ``message`` says why, ``hint`` what to try."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class PermissionDenied(UserFacingError):
    pass


class NotFound(UserFacingError):
    pass


class InvalidInput(UserFacingError):
    pass


class Conflict(UserFacingError):
    pass
