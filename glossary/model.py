"""The glossary's vocabulary: what an entry is and what a look-up answers.

Pure data: no Slack, no database. The YAML files under ``glossary/data`` are
validated against :class:`GlossaryEntry` when they load.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL and the like mean nothing in a glossary


class EntryKind(StrEnum):
    ACRONYM = "acronym"
    TERM = "term"


class GlossaryEntry(BaseModel):
    """One meaning of one key. An acronym with two meanings is two entries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    kind: EntryKind
    key: str = Field(min_length=1, max_length=120)
    #: acronym: its expansion; term: its definition. The plan's own words.
    text: str = Field(min_length=1, max_length=3000)
    #: where it came from, e.g. "Appendix B – Glossary of Acronyms"
    source: str = Field(min_length=1, max_length=200)
    #: other spellings people type (national usage, older names)
    aliases: tuple[str, ...] = ()
    #: which meaning this is when a key has several ("health partners")
    context: str | None = None
    #: a short note where the plan's wording differs from national usage
    note: str | None = None
    #: ids of linked entries (a term and its acronym link to each other)
    see_also: tuple[str, ...] = ()

    @field_validator("key", "text", "source")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = " ".join(_CONTROL.sub("", value).split())
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: object) -> object:
        if value is None:
            return ()
        return value


#: an entry as plain values, in this order: what a saved index (``glossary.snapshot``) keeps of it
EntryFields = tuple[str, str, str, str, str, tuple[str, ...], str | None, str | None, tuple[str, ...]]
_KINDS = {kind.value: kind for kind in EntryKind}


def entry_fields(entry: GlossaryEntry) -> EntryFields:
    return (
        entry.id,
        entry.kind.value,
        entry.key,
        entry.text,
        entry.source,
        entry.aliases,
        entry.context,
        entry.note,
        entry.see_also,
    )


def trusted_entry(fields: Sequence[Any]) -> GlossaryEntry:
    """An entry from values that were a validated entry when they were stored (a database row, a saved
    index), without validating them again: at 50,000 entries validation costs seconds of a start-up.
    The kind still becomes the enum, as validation would make it."""
    id_, kind, key, text, source, aliases, context, note, see_also = fields
    return GlossaryEntry.model_construct(
        id=id_,
        kind=_KINDS[kind],
        key=key,
        text=text,
        source=source,
        aliases=tuple(aliases or ()),
        context=context,
        note=note,
        see_also=tuple(see_also or ()),
    )


class LookupStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    SUGGESTIONS = "suggestions"
    NOT_FOUND = "not_found"


class LookupResult(BaseModel):
    """What the matcher concluded about one query."""

    model_config = ConfigDict(frozen=True)

    query: str
    status: LookupStatus
    matches: tuple[GlossaryEntry, ...] = ()
    suggestions: tuple[GlossaryEntry, ...] = ()
    #: set when a confident typo correction answered: the text the user typed
    corrected_from: str | None = None
    #: the normalised form that was looked up (useful for counting misses)
    normalised: str = ""
    #: when a long name was found with a word changed or left out: how the entry's wording differs,
    #: one short phrase each ('the plan says "Committee" where you wrote "Conference"')
    differs: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.status is LookupStatus.FOUND
