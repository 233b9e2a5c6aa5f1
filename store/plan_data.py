"""The partnership plan's structured data: members, priorities, year-two actions, achievements and risks.

Pure data: no Slack, no database. The YAML files under ``store/plans`` are validated against
:class:`PlanData` when they load. Every text is the plan's own wording; the only judgement in the
files is which partner an action or achievement names as its doer (``lead``/``organisation``).

Plan years run from 1 April to 31 March and are written ``"2018/19"``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from store.errors import PlanFileError

#: the packaged plan that :func:`load_plan` reads by default
DEFAULT_PLAN = "wycombe-2017-2020.yaml"

# ``[0-9]`` rather than ``\d``: ``\d`` also matches non-ASCII digits.
_PLAN_YEAR = re.compile(r"([0-9]{4})/([0-9]{2})")
PLAN_YEAR_PATTERN = r"^[0-9]{4}/[0-9]{2}$"
ORGANISATION_PATTERN = r"^[A-Z][A-Za-z0-9&]{1,11}$"
ACTION_REF_PATTERN = r"^P[0-9]+\.[0-9]+$"
RISK_REF_PATTERN = r"^R[0-9]+$"


# --------------------------------------------------------------------------------------------------
# Plan years


def plan_year_of(d: date) -> str:
    """The plan year (1 April – 31 March) that ``d`` falls in: ``date(2019, 3, 31)`` → ``"2018/19"``."""
    start = d.year if d.month >= 4 else d.year - 1
    if not 1 <= start < 9999:
        raise ValueError(f"{d.isoformat()} is outside the plan years this calendar can represent")
    return f"{start:04d}/{(start + 1) % 100:02d}"


def plan_year_bounds(year: str) -> tuple[date, date]:
    """First and last day of a plan year: ``"2018/19"`` → ``(2018-04-01, 2019-03-31)``.

    Raises ValueError when ``year`` is not ``YYYY/YY`` or its halves are not consecutive years.
    """
    if not isinstance(year, str):
        raise TypeError(f"a plan year is a string like '2018/19', not {type(year).__name__}")
    match = _PLAN_YEAR.fullmatch(year)
    if match is None:
        raise ValueError(f"{year!r} is not a plan year: expected YYYY/YY, e.g. '2018/19'")
    start, end = int(match.group(1)), int(match.group(2))
    if (start + 1) % 100 != end:
        raise ValueError(f"{year!r} is not a plan year: {end:02d} does not follow {start}")
    if not 1 <= start < 9999:
        raise ValueError(f"{year!r} is outside the plan years this calendar can represent")
    return date(start, 4, 1), date(start + 1, 3, 31)


def _plan_year(value: str) -> str:
    plan_year_bounds(value)
    return value


# --------------------------------------------------------------------------------------------------
# Text checks. The data is verbatim, so nothing is silently tidied: bad whitespace is an error.


def _trimmed(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if "\r" in value or "\t" in value:
        raise ValueError("must not contain tabs or carriage returns")
    return value


def _one_line(value: str) -> str:
    _trimmed(value)
    if "\n" in value:
        raise ValueError("must be a single line")
    return value


def _paragraphs(value: str) -> str:
    _trimmed(value)
    if "\n\n\n" in value:
        raise ValueError("paragraphs are separated by exactly one blank line")
    if any(line != line.rstrip() for line in value.split("\n")):
        raise ValueError("lines must not end with whitespace")
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
# The store's column widths, checked here so SQLite and PostgreSQL accept exactly the same files
Line80 = Annotated[str, Field(max_length=80), AfterValidator(_one_line)]
Line200 = Annotated[str, Field(max_length=200), AfterValidator(_one_line)]
Line300 = Annotated[str, Field(max_length=300), AfterValidator(_one_line)]
Paragraphs = Annotated[str, AfterValidator(_paragraphs)]
PlanYear = Annotated[str, Field(pattern=PLAN_YEAR_PATTERN), AfterValidator(_plan_year)]
PriorityNumber = Annotated[int, Field(ge=1, le=9)]
OrganisationShort = Annotated[str, Field(pattern=ORGANISATION_PATTERN)]


# --------------------------------------------------------------------------------------------------
# The plan's parts


class Level(StrEnum):
    """Likelihood or impact on the plan's 3×3 risk register."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class Partnership(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Line200
    short_name: Line80
    #: as printed on the cover, e.g. "Wycombe Community Safety Partnership Plan 2017 – 2020"
    plan_title: Line200
    #: as printed under the title, e.g. "April 2018"
    plan_updated: Line80
    #: first day of the first plan year (1 April)
    plan_start: date
    #: last day of the last plan year (31 March)
    plan_end: date
    #: the document transcribed, e.g. "wycombe-csp-plan-2017-2020.txt"
    source: Line300
    #: the plan's own line under its achievements heading, and the plan year of that heading
    achievements_intro: OneLine | None = None
    achievements_intro_year: PlanYear | None = None

    @model_validator(mode="after")
    def _whole_plan_years(self) -> Self:
        if self.plan_start >= self.plan_end:
            raise ValueError("plan_start must be before plan_end")
        if (self.plan_start.month, self.plan_start.day) != (4, 1):
            raise ValueError("plan_start must be 1 April, the first day of a plan year")
        if (self.plan_end.month, self.plan_end.day) != (3, 31):
            raise ValueError("plan_end must be 31 March, the last day of a plan year")
        return self

    def covers(self, plan_year: str) -> bool:
        """Whether ``plan_year`` lies wholly within the plan period."""
        first, last = plan_year_bounds(plan_year)
        return self.plan_start <= first and last <= self.plan_end


class Organisation(BaseModel):
    """A member of the partnership."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    short: OrganisationShort
    #: exactly as printed in the plan's members list
    name: Line200
    #: True when the plan itself gives ``short``; False for a conventional abbreviation
    short_is_from_plan: bool


class Priority(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: PriorityNumber
    #: as printed after "Priority N – "
    title: Line200
    #: the plan's paragraphs before "Year two actions include:", joined with a blank line
    description: Paragraphs
    #: the heading this priority has in the plan's achievements section
    achievements_heading: Line200


class Action(BaseModel):
    """One bullet of a priority's "Year two actions include:" list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: str = Field(pattern=ACTION_REF_PATTERN)
    priority: PriorityNumber
    text: OneLine
    #: the one partner the text names as doing the action; None when it names none or several
    lead: OrganisationShort | None = None
    #: a joint action's lead organisations (give ``lead`` or ``leads``, not both)
    leads: tuple[OrganisationShort, ...] = ()
    plan_year: PlanYear
    #: when it is due; by default the last day of its plan year
    due: date | None = None
    #: retired actions are kept, for their history, but no longer tracked
    retired: bool = False

    @property
    def lead_organisations(self) -> tuple[str, ...]:
        return self.leads or ((self.lead,) if self.lead else ())

    @model_validator(mode="after")
    def _ref_matches_priority(self) -> Self:
        if self.lead and self.leads:
            raise ValueError(f"action {self.ref}: give lead or leads, not both")
        _unique(f"lead of {self.ref}", list(self.leads))
        if self.ref.partition(".")[0] != f"P{self.priority}":
            raise ValueError(
                f"action {self.ref} is under priority {self.priority}: its ref must start P{self.priority}."
            )
        return self


class Achievement(BaseModel):
    """One bullet of the plan's achievements section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: PriorityNumber
    plan_year: PlanYear
    text: OneLine
    #: the one partner the text names as the doer; None when it names none or several
    organisation: OrganisationShort | None = None


class Risk(BaseModel):
    """One row of the plan's risk register (Appendix C)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: str = Field(pattern=RISK_REF_PATTERN)
    description: OneLine
    likelihood: Level
    impact: Level
    #: the text after "Preventative Actions:"
    preventative: OneLine
    #: the text after "Contingent Actions:"
    contingent: OneLine
    #: "Owner of the Risk", a role or body, never a person
    owner: Line200


class PlanData(BaseModel):
    """The whole plan, cross-checked: refs, priorities, partners and plan years agree."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partnership: Partnership
    organisations: tuple[Organisation, ...]
    priorities: tuple[Priority, ...]
    actions: tuple[Action, ...]
    achievements: tuple[Achievement, ...]
    risks: tuple[Risk, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _unique("organisation short name", [o.short for o in self.organisations])
        _unique("organisation name", [o.name for o in self.organisations])
        _unique("priority number", [p.number for p in self.priorities])
        _unique("action ref", [f"{a.ref} ({a.plan_year})" for a in self.actions])
        _unique("risk ref", [r.ref for r in self.risks])

        priorities = {p.number for p in self.priorities}
        shorts = {o.short for o in self.organisations}
        for action in self.actions:
            if action.priority not in priorities:
                raise ValueError(f"action {action.ref}: there is no priority {action.priority}")
            for lead in action.lead_organisations:
                if lead not in shorts:
                    raise ValueError(f"action {action.ref}: lead {lead!r} is not a member organisation")
        for n, achievement in enumerate(self.achievements, start=1):
            if achievement.priority not in priorities:
                raise ValueError(f"achievement {n}: there is no priority {achievement.priority}")
            if achievement.organisation is not None and achievement.organisation not in shorts:
                raise ValueError(
                    f"achievement {n}: organisation {achievement.organisation!r} is not a member organisation"
                )

        numbered: dict[tuple[str, int], int] = {}
        for action in self.actions:
            key = (action.plan_year, action.priority)
            numbered[key] = numbered.get(key, 0) + 1
            expected = f"P{action.priority}.{numbered[key]}"
            if action.ref != expected:
                raise ValueError(
                    f"action {action.ref} is out of order: actions are numbered 1, 2, … within their "
                    f"priority, so this one should be {expected}"
                )

        dated = [(a.ref, a.plan_year) for a in self.actions]
        dated += [(f"achievement {n}", a.plan_year) for n, a in enumerate(self.achievements, start=1)]
        for what, plan_year in dated:
            if not self.partnership.covers(plan_year):
                raise ValueError(f"{what}: plan year {plan_year} is outside the plan period")
        return self


def _unique(what: str, values: list[object]) -> None:
    repeated = sorted(str(v) for v, count in Counter(values).items() if count > 1)
    if repeated:
        raise ValueError(f"duplicate {what}: {', '.join(repeated)}")


# --------------------------------------------------------------------------------------------------
# Loading


def load_plan(path: Path | None = None) -> PlanData:
    """Read and validate a plan file; by default the packaged Wycombe plan 2017–2020."""
    if path is None:
        origin = f"store/plans/{DEFAULT_PLAN}"
        text = (resources.files("store") / "plans" / DEFAULT_PLAN).read_text(encoding="utf-8")
    else:
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlanFileError(f"{origin}: cannot be read ({exc.__class__.__name__})") from exc
    return parse_plan(text, origin=origin)


def parse_plan(text: str, origin: str = "YAML") -> PlanData:
    """Validate a plan given as YAML text."""
    import yaml  # only when a plan file is read: a look-up never reads one

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlanFileError(f"{origin}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise PlanFileError(f"{origin}: expected a mapping with partnership, organisations, priorities, …")
    try:
        return PlanData.model_validate(document)
    except ValidationError as exc:
        raise PlanFileError(f"{origin}: {exc}") from exc


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 May + 1 month is 30 June)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(day.day, last))
