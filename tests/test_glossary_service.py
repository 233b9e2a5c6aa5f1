"""The glossary service against a real database: permissions, history, audit, import and export."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import system_now
from bot.container import Services
from bot.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.permissions import Actor, Role
from bot.privacy import PersonalDataError
from bot.services.glossary import GlossaryService
from bot.settings import Settings
from glossary.loader import parse_csv, parse_yaml, to_csv, to_json, to_yaml
from glossary.model import EntryKind, LookupStatus
from store.db import Database
from store.models import AuditEvent, GlossaryEntryRow

COORDINATOR = Actor(user_id="U0COORD", role=Role.COORDINATOR)
MEMBER = Actor(user_id="U0MEMBER", role=Role.MEMBER)
NOBODY = Actor(user_id="U0NOBODY")


def test_add_edit_remove_keep_who_when_before_and_after(services: Services) -> None:
    glossary = services.glossary
    glossary.add(COORDINATOR, "NPS", "National Probation Service")
    glossary.edit(COORDINATOR, "NPS", text="The National Probation Service")
    glossary.remove(COORDINATOR, "NPS")
    key, changes = glossary.history("NPS")
    assert key == "NPS"
    assert [c.action for c in changes] == ["remove", "edit", "add"]
    edit = changes[1]
    assert edit.actor == "U0COORD"
    assert edit.before["text"] == "National Probation Service"
    assert edit.after["text"] == "The National Probation Service"
    assert changes[0].after["status"] == "removed"
    with services.db.transaction() as session:
        actions = [a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.target_id == "nps"))]
    assert actions == ["glossary.add", "glossary.edit", "glossary.remove"]


@pytest.mark.parametrize("actor", [MEMBER, NOBODY])
def test_writes_need_a_coordinator_and_change_nothing(services: Services, actor: Actor) -> None:
    glossary = services.glossary
    for attempt in (
        lambda: glossary.add(actor, "NPS", "National Probation Service"),
        lambda: glossary.edit(actor, "MARAC", text="changed"),
        lambda: glossary.remove(actor, "MARAC"),
        lambda: glossary.pending(actor),
        lambda: glossary.gaps(actor),
        lambda: glossary.import_entries(actor, []),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert glossary.lookup("MARAC").matches[0].text == "Multi Agency Risk Assessment Committee"


def test_adding_an_existing_key_is_refused_unless_it_is_another_meaning(services: Services) -> None:
    with pytest.raises(Conflict):
        services.glossary.add(COORDINATOR, "marac", "Something else")
    services.glossary.add(COORDINATOR, "MARAC", "Another meaning", context="a made-up context")
    assert len(services.glossary.lookup("MARAC").matches) == 2


def test_kind_is_guessed_from_the_shape_of_the_key(services: Services) -> None:
    assert services.glossary.add(COORDINATOR, "PSPOs", "x").kind is EntryKind.ACRONYM
    assert services.glossary.add(COORDINATOR, "Street Community Group", "y").kind is EntryKind.TERM


def test_personal_data_is_refused_before_anything_is_stored(services: Services) -> None:
    with pytest.raises(PersonalDataError):
        services.glossary.suggest(NOBODY, "Case", "victim Jane Smith of HP11 2BH")
    with pytest.raises(PersonalDataError):
        services.glossary.add(COORDINATOR, "NPS", "ring 07700 900123")
    with services.db.transaction() as session:
        texts = [row.text for row in session.scalars(select(GlossaryEntryRow))]
    assert not any("Jane" in t or "07700" in t for t in texts)


def test_suggestion_lifecycle(services: Services) -> None:
    glossary = services.glossary
    entry = glossary.suggest(NOBODY, "ZQXV", "Zone Quality Exchange Visit")
    assert glossary.lookup("ZQXV").status is not LookupStatus.FOUND
    with pytest.raises(Conflict):
        glossary.suggest(MEMBER, "ZQXV", "zone quality exchange visit")
    assert [e.key for e, _ in glossary.pending(COORDINATOR)] == ["ZQXV"]
    glossary.decide(COORDINATOR, entry.id, approve=True)
    assert glossary.lookup("ZQXV").status is LookupStatus.FOUND
    with pytest.raises(Conflict):
        glossary.decide(COORDINATOR, entry.id, approve=False)


def test_ambiguous_key_must_be_named_by_id(services: Services) -> None:
    with pytest.raises(InvalidInput, match="cpn-health"):
        services.glossary.edit(COORDINATOR, "CPN", text="x")
    services.glossary.edit(COORDINATOR, "cpn-health", note="Health usage.")
    with pytest.raises(NotFound):
        services.glossary.remove(COORDINATOR, "NOPE")


def test_misses_are_gaps_until_filled(services: Services) -> None:
    glossary = services.glossary
    glossary.lookup("XQZW")
    glossary.lookup("victim Jane Smith")  # personal data: not counted
    glossary.usage.flush()
    assert [g.query for g in glossary.gaps(COORDINATOR)] == ["xqzw"]
    glossary.add(COORDINATOR, "XQZW", "A test acronym")
    assert glossary.gaps(COORDINATOR) == []


def test_another_worker_sees_a_change_on_its_very_next_look_up(
    services: Services, settings: Settings
) -> None:
    other = GlossaryService(
        Database(settings.database_url, now=system_now)
    )  # another process: its own engine and index
    assert other.lookup("ZQXV").status is not LookupStatus.FOUND
    services.glossary.add(COORDINATOR, "ZQXV", "Zone Quality Exchange Visit")
    assert other.lookup("ZQXV").status is LookupStatus.FOUND
    services.glossary.remove(COORDINATOR, "ZQXV")
    assert other.lookup("ZQXV").status is not LookupStatus.FOUND


# ---------------------------------------------------------------------- import and export


def test_export_import_round_trip_in_every_format(services: Services) -> None:
    entries = services.glossary.export()
    assert parse_yaml(to_yaml(entries)) == entries
    assert parse_yaml(to_json(entries)) == entries
    assert parse_csv(to_csv(entries)) == entries
    report = services.glossary.import_entries(COORDINATOR, entries)
    assert report.added == report.changed == []
    assert len(report.unchanged) == len(entries)


def test_csv_import_merges_and_never_wipes(services: Services) -> None:
    csv_text = (
        "kind,key,text\n"
        "acronym,NPS,National Probation Service\n"
        "acronym,MARAC,Multi Agency Risk Assessment Conference\n"
        "term,Case,victim Jane Smith\n"
    )
    report = services.glossary.import_entries(COORDINATOR, parse_csv(csv_text))
    assert report.added == ["nps"]
    assert report.changed == ["marac"]
    assert report.refused == ["case"]
    assert services.glossary.lookup("MARAC").matches[0].text == "Multi Agency Risk Assessment Conference"
    assert services.glossary.lookup("MAPPA").status is LookupStatus.FOUND, "entries not in the file are left"


def test_csv_without_the_required_header_is_refused() -> None:
    from glossary.loader import GlossaryFileError

    with pytest.raises(GlossaryFileError, match="kind,key,text"):
        parse_csv("key,meaning\nNPS,x\n")
