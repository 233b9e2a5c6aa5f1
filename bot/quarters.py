"""UK financial quarters of a plan year: Q1 April–June, Q2 July–September, Q3 October–December,
Q4 January–March. A quarter is written ``2026/27-Q3``; a bare ``Q3`` is that quarter of the plan
year a given day falls in. Pure functions: the caller passes today from the one clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import LONDON
from bot.errors import InvalidInput
from store.plan_data import plan_year_bounds, plan_year_of

_QUARTER = re.compile(r"^(?:(\d{4}/\d{2})[\s\-_]*)?Q([1-4])$", re.IGNORECASE)
_FIRST_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


@dataclass(frozen=True, order=True)
class Quarter:
    plan_year: str  # "2026/27"
    number: int  # 1 … 4

    @property
    def label(self) -> str:
        return f"{self.plan_year}-Q{self.number}"

    @property
    def start(self) -> date:
        first_year = plan_year_bounds(self.plan_year)[0].year
        month = _FIRST_MONTH[self.number]
        return date(first_year + (1 if self.number == 4 else 0), month, 1)

    @property
    def end(self) -> date:
        start = self.start
        following = date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def months(self) -> str:
        """ "October to December 2026", "January to March 2027"."""
        return f"{self.start:%B} to {self.end:%B %Y}"

    @property
    def title(self) -> str:
        """ "Quarter 3 2026/27 (October to December 2026)"."""
        return f"Quarter {self.number} {self.plan_year} ({self.months})"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """From London midnight on the first day to London midnight after the last, in UTC: the store's time."""
        begin = datetime.combine(self.start, time(0), tzinfo=LONDON)
        finish = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=LONDON)
        return begin.astimezone(UTC), finish.astimezone(UTC)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def quarter_of(day: date) -> Quarter:
    return Quarter(plan_year_of(day), (day.month - 4) % 12 // 3 + 1)


def parse_quarter(text: str, today: date) -> Quarter:
    """ "2026/27-Q3", "2026/27 Q3" or "Q3" (this plan year's third quarter)."""
    match = _QUARTER.match(text.strip())
    if match is None:
        raise InvalidInput(
            f"`{text[:14]}` is not a quarter.",
            "Write Q3 (this plan year's October to December) or 2018/19-Q2. Quarters run Q1 April–June … Q4 January–March.",
        )
    year = match.group(1) or plan_year_of(today)
    try:
        plan_year_bounds(year)
    except ValueError:
        raise InvalidInput(
            f"`{year}` is not a plan year.", "Plan years run April to March: write 2018/19."
        ) from None
    return Quarter(year, int(match.group(2)))
