"""Reading and writing glossary files: the repo's YAML format, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from glossary.model import EntryKind, GlossaryEntry

#: the seed files, in the order their entries are loaded (and so ranked on ties)
SEED_FILES = ("acronyms.yaml", "terms.yaml", "plan_body.yaml")

#: an imported file larger than this is refused before it is read
MAX_IMPORT_BYTES = 20_000_000  # a 50,000-entry glossary as CSV is about 6 MB
#: the source an imported entry gets when its file names none
IMPORTED = "Imported"
CSV_COLUMNS = ("kind", "key", "text", "id", "source", "aliases", "context", "note", "see_also")
_LIST_SEPARATOR = ";"


class GlossaryFileError(ValueError):
    """A glossary file that cannot be read; the message says where and why."""


def seed_entries() -> list[GlossaryEntry]:
    """The partnership plan's glossary as shipped in ``glossary/data``."""
    data = resources.files("glossary") / "data"
    entries: list[GlossaryEntry] = []
    for name in SEED_FILES:
        entries.extend(parse_yaml(data.joinpath(name).read_text(encoding="utf-8"), origin=name))
    return entries


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:80] or "entry"


def parse_yaml(text: str, origin: str = "YAML") -> list[GlossaryEntry]:
    import yaml  # here, not at the top: a look-up from a warm store never reads YAML

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GlossaryFileError(f"{origin}: not valid YAML ({exc.__class__.__name__})") from None
    except RecursionError:
        raise GlossaryFileError(f"{origin}: nested too deeply to be a glossary") from None
    items = document.get("entries") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise GlossaryFileError(f"{origin}: expected a list under 'entries'")
    return [_entry(_with_defaults(item), f"{origin} entry {n}") for n, item in enumerate(items, start=1)]


def _with_defaults(item: object) -> object:
    """An id from the key (and context) and a source, when the file gives none: as CSV does."""
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        return item
    context = item.get("context")
    defaults = {
        "id": _default_id(item["key"], context if isinstance(context, str) else None),
        "source": IMPORTED,
        # set, not left out: a YAML or JSON entry says all there is to it (see parse_csv)
        "aliases": (),
        "see_also": (),
        "context": None,
        "note": None,
    }
    return {**defaults, **{k: v for k, v in item.items() if v is not None}}


def parse_csv(text: str, origin: str = "CSV") -> list[GlossaryEntry]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _csv_entries(reader, origin)
    except csv.Error as exc:
        raise GlossaryFileError(f"{origin}: not readable as CSV ({exc})") from None


def _csv_entries(reader: csv.DictReader[str], origin: str) -> list[GlossaryEntry]:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("kind", "key", "text") if c not in header]
    if missing:
        raise GlossaryFileError(
            f"{origin}: the header must include kind,key,text (missing: {', '.join(missing)})"
        )
    entries = []
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        item: dict[str, object] = {k: row.get(k) or None for k in ("key", "text")}
        item["kind"] = (row.get("kind") or "").lower()
        item["id"] = row.get("id") or _default_id(row.get("key") or "", row.get("context"))
        item["source"] = row.get("source") or IMPORTED
        item = {k: v for k, v in item.items() if v is not None}
        # Optional columns are set only when the file has them, even empty: an import leaves the
        # stored aliases or note of an entry alone when its file has no such column.
        for name in ("context", "note"):
            if name in header:
                item[name] = row.get(name) or None
        for name in ("aliases", "see_also"):
            if name in header:
                item[name] = _split(row.get(name))
        entries.append(_entry(item, f"{origin} line {n}"))
    return entries


def parse_file(path: Path) -> list[GlossaryEntry]:
    """A glossary file's entries; any problem is one GlossaryFileError naming it, never a traceback."""
    text = read_text(path)
    if path.suffix.lower() == ".csv":
        return parse_csv(text, origin=path.name)
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GlossaryFileError(f"{path.name}: not valid JSON (line {exc.lineno})") from None
        except RecursionError:
            raise GlossaryFileError(f"{path.name}: nested too deeply to be a glossary") from None
        items = document.get("entries") if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise GlossaryFileError(f"{path.name}: expected a list under 'entries'")
        return [
            _entry(_with_defaults(item), f"{path.name} entry {n}") for n, item in enumerate(items, start=1)
        ]
    return parse_yaml(text, origin=path.name)


def read_text(path: Path) -> str:
    """A file's text, which must be UTF-8: other encodings are named rather than misread."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise GlossaryFileError(f"{path.name}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_IMPORT_BYTES:
        raise GlossaryFileError(f"{path.name}: larger than {MAX_IMPORT_BYTES // 1_000_000} MB; split it")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise GlossaryFileError(f"{path.name}: is UTF-16 (or another two-byte encoding); save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GlossaryFileError(
            f"{path.name}: not UTF-8 at line {line} (Latin-1 or Windows-1252?); save it as UTF-8"
        ) from None


def _default_id(key: str, context: str | None) -> str:
    return slug(f"{key} {context}") if context else slug(key)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(_LIST_SEPARATOR) if part.strip()]


def _entry(item: object, where: str) -> GlossaryEntry:
    if not isinstance(item, dict):
        raise GlossaryFileError(f"{where}: expected a mapping")
    try:
        return GlossaryEntry(**item)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
        raise GlossaryFileError(f"{where}: {problems}") from None
    except TypeError as exc:
        raise GlossaryFileError(f"{where}: {exc}") from None


def _plain(entry: GlossaryEntry) -> dict[str, object]:
    data = entry.model_dump(mode="json", exclude_defaults=True)
    data["kind"] = entry.kind.value
    ordered = {k: data[k] for k in ("id", "kind", "key", "text", "source") if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return ordered


def to_yaml(entries: Iterable[GlossaryEntry]) -> str:
    import yaml

    document = {"entries": [_plain(e) for e in entries]}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def to_json(entries: Iterable[GlossaryEntry]) -> str:
    return json.dumps({"entries": [_plain(e) for e in entries]}, ensure_ascii=False, indent=2) + "\n"


def to_csv(entries: Iterable[GlossaryEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.kind.value,
                e.key,
                e.text,
                e.id,
                e.source,
                _LIST_SEPARATOR.join(e.aliases),
                e.context or "",
                e.note or "",
                _LIST_SEPARATOR.join(e.see_also),
            ]
        )
    return out.getvalue()


__all__ = [
    "SEED_FILES",
    "EntryKind",
    "GlossaryFileError",
    "parse_csv",
    "parse_file",
    "parse_yaml",
    "seed_entries",
    "slug",
    "to_csv",
    "to_json",
    "to_yaml",
]
