"""Errors a person can act on. Every one carries a friendly message and, where useful, a hint."""

from __future__ import annotations


class UserFacingError(Exception):
    """Something the person asked for cannot be done; ``message`` says why, ``hint`` what to try."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class PermissionDenied(UserFacingError):
    """The person's role does not allow it; the hint says how to get access or whom to ask."""


class NotFound(UserFacingError):
    """The entry, action, risk or alert named does not exist (or no longer does)."""


class InvalidInput(UserFacingError):
    """What was typed cannot be understood; the hint shows the usage."""


class Conflict(UserFacingError):
    """It clashes with what is already there, e.g. a key already in the glossary."""
