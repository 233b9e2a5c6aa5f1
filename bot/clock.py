"""Dates as the partnership lives them: Europe/London."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

Today = Callable[[], date]


def today_in_london() -> date:
    return datetime.now(LONDON).date()
