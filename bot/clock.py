"""Time as the partnership lives it: Europe/London. Services take a clock so tests can set the date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

Today = Callable[[], date]
Now = Callable[[], datetime]


def now_in_london() -> datetime:
    return datetime.now(LONDON)


def today_in_london() -> date:
    return now_in_london().date()
