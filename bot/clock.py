"""Time as the partnership lives it: Europe/London for people, UTC in the store.

The one place the application reads the real clock is :func:`system_now`. Everything else is handed
a ``Now`` (the app container passes the same one to the store and every service), so a test pins the
date with :class:`SettableClock` and ``faketime`` cannot change what a test expects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

Today = Callable[[], date]
#: an aware datetime in Europe/London
Now = Callable[[], datetime]


def system_now() -> datetime:
    """The real time, in London. Nothing else in the application calls ``datetime.now``."""
    return datetime.now(LONDON)


class SettableClock:
    """A clock that reads a moment we set: tests pin the date with it, whatever the machine's clock says.

    ``ticking`` lets real elapsed time pass from the set moment (``time.monotonic``, not the date), for
    code that waits out a lease or a retry; a frozen clock moves only when told (``advance``).
    """

    def __init__(self, moment: datetime, *, ticking: bool = False) -> None:
        self._ticking = ticking
        self.moment = moment

    @property
    def moment(self) -> datetime:
        elapsed = time.monotonic() - self._set_at if self._ticking else 0.0
        return self._moment + timedelta(seconds=elapsed)

    @moment.setter
    def moment(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock's moment needs a time zone")
        self._moment, self._set_at = moment, time.monotonic()

    def __call__(self) -> datetime:
        return self.moment.astimezone(LONDON)

    def advance(self, **delta: float) -> None:
        self._moment += timedelta(**delta)

    def today(self) -> date:
        return self().date()
