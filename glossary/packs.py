"""Glossary packs: vocabulary shipped with the app, beyond any one partnership's plan.

A pack is a folder under ``glossary/data/packs``: a ``pack.yaml`` naming it and any number of
``*.yaml`` files with ``entries:`` lists. Every entry carries the URL of the public page its
facts were checked against. Packs load on first use, validated, and each gets its own index,
built once per process: the partnership's own glossary is a separate index, so a pack entry can
never outrank it (the service asks the partnership's index first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, ValidationError, field_validator

from glossary.index import MAX_SUGGESTIONS, GlossaryIndex
from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.normalise import fold

#: a pack entry is shown to people as "<pack>:<id>" in buttons, so it never meets a partnership's id
REF_SEPARATOR = ":"


#: where a pack entry's facts may be checked: UK public bodies. A host matches a domain when it is that
#: domain or ends with "." and it (so a council's .gov.uk and legislation.gov.uk are covered by gov.uk).
PUBLIC_BODY_DOMAINS: tuple[str, ...] = (
    # government, Parliament, the courts, the police and the NHS, across the four nations
    "gov.uk",
    "parliament.uk",
    "judiciary.uk",
    "police.uk",
    "nhs.uk",
    "gov.wales",
    "llyw.cymru",
    "gov.scot",
    "hscni.net",  # Northern Ireland's health and social care bodies
    "sch.uk",  # state schools
    # national public bodies with domains of their own
    "cqc.org.uk",  # Care Quality Commission
    "nice.org.uk",  # National Institute for Health and Care Excellence
    "sentencingcouncil.org.uk",  # Sentencing Council for England and Wales
    "cjini.org",  # Criminal Justice Inspection Northern Ireland
    "nationalfirechiefs.org.uk",  # National Fire Chiefs Council: the fire service's NPCC
    "ukfrs.com",  # the National Fire Chiefs Council's guidance for fire and rescue services
    "jesip.org.uk",  # the emergency services' Joint Emergency Services Interoperability Principles
    "safeguarding.wales",  # Wales Safeguarding Procedures, of the national safeguarding boards
    # fire and rescue services (statutory authorities)
    "lancsfirerescue.org.uk",
    "hwfire.org.uk",
    # statutory safeguarding partnerships and boards, and a community safety partnership, on their own sites
    "hampshirescp.org.uk",
    "hampshiresab.org.uk",
    "seftonsab.org.uk",
    "seftonscp.org.uk",
    "safeguardingsomerset.org.uk",
    "somersetsafeguardingchildren.org.uk",
    "safeguardinghavering.org.uk",
    "warringtonsafeguardingpartnerships.org.uk",
    "blackpoolsafeguarding.org.uk",
    "newcastlesafeguardingchildren.org.uk",
    "plymouthscb.co.uk",
    "nsscp.co.uk",
    "buckssafeguarding.org.uk",
    "buckschildrensmapp.co.uk",
    "wirralsafeguarding.co.uk",
    "saferportsmouth.org.uk",
    # councils' services on domains of their own
    "surreyvirtualschool.org.uk",  # Surrey County Council's virtual school
    "healthysurrey.org.uk",  # Surrey County Council's public health
    "yor-ok.org.uk",  # City of York Council's children's services
    "lincolnshire.moderngov.co.uk",  # Lincolnshire County Council's committee papers
)


def is_public_body_url(url: str) -> bool:
    """Whether ``url`` is an https page on a UK public body's site (``PUBLIC_BODY_DOMAINS``)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(host == d or host.endswith("." + d) for d in PUBLIC_BODY_DOMAINS)


class Topic(StrEnum):
    POLICING_JUSTICE = "policing-justice"
    PROBATION_YOUTH_JUSTICE = "probation-youth-justice"
    DOMESTIC_ABUSE_VAWG = "domestic-abuse-vawg"
    SAFEGUARDING = "safeguarding"
    EXPLOITATION_MODERN_SLAVERY = "exploitation-modern-slavery"
    ASB_POWERS = "asb-powers"
    PUBLIC_HEALTH_SUBSTANCE_MISUSE = "public-health-substance-misuse"
    LOCAL_GOVERNMENT_FIRE = "local-government-fire"
    PREVENT_SERIOUS_VIOLENCE = "prevent-serious-violence"


class PackError(ValueError):
    """A pack that cannot be loaded; the message says which file and entry, and why."""


class PackEntry(GlossaryEntry):
    """A glossary entry from a pack: national usage, with its public source and topic.

    A subclass, so the index and every view take it like any entry; ``pack`` tells them apart.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)
    topic: Topic
    #: a sentence or two in our own words, beyond the expansion
    definition: str | None = Field(default=None, max_length=600)
    #: set for a body that no longer exists: what became of it
    historic: str | None = Field(default=None, max_length=300)

    @field_validator("source")
    @classmethod
    def _https_source(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or " " in value:
            raise ValueError("must be the https URL of the page the entry was checked against")
        return value

    @property
    def ref(self) -> str:
        """How buttons name this entry: its pack and id, never confused with a partnership's slug."""
        return f"{self.pack}{REF_SEPARATOR}{self.id}"

    @property
    def source_host(self) -> str:
        return (urlsplit(self.source).hostname or "").removeprefix("www.")


@dataclass(frozen=True, eq=False)
class Pack:
    name: str
    title: str
    licence: str
    entries: tuple[PackEntry, ...]
    #: built with the pack, once per process (the pack never changes while the app runs)
    index: GlossaryIndex = field(repr=False)

    def get(self, entry_id: str) -> PackEntry | None:
        entry = self.index.get(entry_id)
        return entry if isinstance(entry, PackEntry) else None


def tiered_lookup(
    own: GlossaryIndex,
    packs: Sequence[Pack] | Callable[[], Sequence[Pack]],
    query: str,
    prefer: EntryKind | None = None,
    hidden: frozenset[tuple[str, str]] = frozenset(),
) -> LookupResult:
    """The partnership's glossary (``own``) first; a pack answers only when it has nothing.

    An answer or a choice between entries from ``own`` always stands, except that a pack's exact key
    comes before ``own``'s typo fixes (typing a real acronym exactly is no typo). Otherwise only a "did
    you mean" or a miss lets the packs try, in order, each with the same matcher and the same rules (so never a confident
    correction a partnership look-up would not make). When no pack answers either, ``own``'s
    suggestions come before any pack's. ``hidden`` holds (pack, entry id) pairs that never answer.
    ``packs`` may be a function that loads them: it is called only when ``own`` has no exact name.
    """
    answered = (LookupStatus.FOUND, LookupStatus.AMBIGUOUS)
    # The partnership's exact names stand whatever a pack holds, so they are answered before any pack
    # is loaded or asked (the exact probe is cheap: repeated below when it misses, it costs nothing).
    own_exact = own.lookup(query, prefer, upto="exact")
    if own_exact.status in answered:
        return own_exact
    loaded = packs() if callable(packs) else packs
    # A key a pack holds exactly ("IDVA") beats a typo fix in the partnership's glossary, but not its
    # long names asked another way; and the typo search, the dearest step in a large glossary, is
    # then not needed at all.
    for pack in loaded:
        exact = _visible(pack, pack.index.lookup(query, prefer, upto="exact"), hidden)
        if exact.status in answered:
            own_names = own.lookup(query, prefer, upto="names")
            return own_names if own_names.status in answered else exact
    result = own.lookup(query, prefer)
    if result.status in answered:
        return result
    suggestions = list(result.suggestions)
    for pack in loaded:
        answer = _visible(pack, pack.index.lookup(query, prefer), hidden)
        if answer.status in answered:
            return answer
        suggestions.extend(e for e in answer.suggestions if not _said_already(e, suggestions))
    if not suggestions:
        return result
    return result.model_copy(
        update={"status": LookupStatus.SUGGESTIONS, "suggestions": tuple(suggestions[:MAX_SUGGESTIONS])}
    )


def _said_already(entry: GlossaryEntry, suggestions: Sequence[GlossaryEntry]) -> bool:
    """A pack entry that repeats a suggestion already made (the plan's ABC and the nation's ABC, both
    "Acceptable Behaviour Contract") would be the same button twice; the partnership's wording stands."""
    return any(fold(s.key) == fold(entry.key) and fold(s.text) == fold(entry.text) for s in suggestions)


def _visible(pack: Pack, result: LookupResult, hidden: frozenset[tuple[str, str]]) -> LookupResult:
    """A pack's result without the entries a partnership hid."""
    if not hidden:
        return result
    matches = tuple(e for e in result.matches if (pack.name, e.id) not in hidden)
    suggestions = tuple(e for e in result.suggestions if (pack.name, e.id) not in hidden)
    if matches == result.matches and suggestions == result.suggestions:
        return result
    status = result.status
    if status in (LookupStatus.FOUND, LookupStatus.AMBIGUOUS) and not matches:
        status = LookupStatus.NOT_FOUND
    return result.model_copy(update={"status": status, "matches": matches, "suggestions": suggestions})


def packs_root() -> Traversable:
    return resources.files("glossary") / "data" / "packs"


@cache
def shipped_packs() -> tuple[Pack, ...]:
    """Every pack shipped with the app, loaded and validated once per process."""
    root = packs_root()
    if not root.is_dir():
        return ()
    return tuple(
        load_pack(folder) for folder in sorted(root.iterdir(), key=lambda f: f.name) if folder.is_dir()
    )


def shipped_pack(name: str) -> Pack | None:
    return next((p for p in shipped_packs() if p.name == name), None)


def split_ref(ref: str) -> tuple[str, str] | None:
    """("uk-national", "idva") for "uk-national:idva"; None for a partnership's own id."""
    pack, sep, entry_id = ref.partition(REF_SEPARATOR)
    return (pack, entry_id) if sep and pack and entry_id else None


def load_pack(folder: Traversable) -> Pack:
    """Read one pack folder. Duplicate ids, a missing https source or an unknown field are errors."""
    meta_file = folder / "pack.yaml"
    if not meta_file.is_file():
        raise PackError(f"{folder.name}: no pack.yaml")
    meta = _yaml(meta_file.read_text(encoding="utf-8"), f"{folder.name}/pack.yaml")
    if not isinstance(meta, dict):
        raise PackError(f"{folder.name}/pack.yaml: expected a mapping")
    name, title, licence = (str(meta.get(k) or "").strip() for k in ("name", "title", "licence"))
    if not name or not title or not licence:
        raise PackError(f"{folder.name}/pack.yaml: name, title and licence are all needed")
    if name != folder.name:
        raise PackError(f"{folder.name}/pack.yaml: its name ({name}) must be its folder's")
    files = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".yaml") and f.name != "pack.yaml"),
        key=lambda f: f.name,
    )
    entries: list[PackEntry] = []
    seen: dict[str, str] = {}
    for file in files:
        where = f"{name}/{file.name}"
        for entry in parse_pack_entries(file.read_text(encoding="utf-8"), name, where):
            if entry.id in seen:
                raise PackError(f"{where}: id {entry.id!r} is already used in {seen[entry.id]}")
            seen[entry.id] = where
            entries.append(entry)
    return Pack(name=name, title=title, licence=licence, entries=tuple(entries), index=GlossaryIndex(entries))


def parse_pack_entries(text: str, pack: str, where: str) -> list[PackEntry]:
    document = _yaml(text, where)
    items = document.get("entries") if isinstance(document, dict) else None
    if items is None:
        return []  # a colleague's file with no entries yet
    if not isinstance(items, list):
        raise PackError(f"{where}: expected a list under 'entries'")
    entries = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise PackError(f"{where} entry {n}: expected a mapping")
        try:
            entries.append(PackEntry(**{**item, "pack": pack}))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            label = item.get("id") or item.get("key") or n
            raise PackError(f"{where} entry {label}: {problems}") from None
    return entries


def _yaml(text: str, where: str) -> object:
    # imported when a pack is first loaded: the partnership's own exact answers come before the packs
    import yaml

    try:
        # libyaml's safe loader, where PyYAML was built with it: the same documents ten times faster
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise PackError(f"{where}: not valid YAML ({exc.__class__.__name__})") from None


__all__ = [
    "PUBLIC_BODY_DOMAINS",
    "Pack",
    "PackEntry",
    "PackError",
    "Topic",
    "is_public_body_url",
    "load_pack",
    "parse_pack_entries",
    "shipped_pack",
    "shipped_packs",
    "split_ref",
    "tiered_lookup",
]
