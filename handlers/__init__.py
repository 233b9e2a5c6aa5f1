"""Slack adapters. ``register(app, partnerships)`` (handlers/registry.py) wires every listener at once."""

from __future__ import annotations

from handlers.command import COMMAND
from handlers.registry import register

__all__ = ["COMMAND", "register"]
