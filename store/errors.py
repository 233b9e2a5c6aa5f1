"""The store's errors that callers catch without needing the modules that raise them.

``bot.cli`` catches a bad plan file on every command; importing ``store.plan_data`` (its pydantic models)
just for the class cost every `csp-bot ask` 13 ms.
"""

from __future__ import annotations


class PlanFileError(ValueError):
    """A plan file that cannot be read; the message says where and why."""
