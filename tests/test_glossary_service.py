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


def test_a_did_you_mean_pick_is_no_gap_and_counts_never_go_below_nothing(services: Services) -> None:
    from store import glossary_repo

    glossary = services.glossary
    glossary.lookup("MRAC")
    glossary.usage.flush()
    for _ in range(3):
        glossary.picked("MRAC")
    glossary.picked("victim Jane Smith")  # personal data: never looked at, never stored
    glossary.usage.flush()
    assert glossary.gaps(COORDINATOR) == []
    with services.db.read() as session:
        assert [(m.query, m.count) for m in glossary_repo.top_misses(session)] == [("mrac", 0)]


def test_gaps_are_only_real_misses(services: Services) -> None:
    glossary = services.glossary
    for query in ("probation zqxv", "multi agency", "xqzw"):
        glossary.lookup(query)
    glossary.usage.flush()
    # "multi agency" listed several entries: answered, not a miss
    assert [g.query for g in glossary.gaps(COORDINATOR)] == ["probation zqxv", "xqzw"]
    # an entry that now answers a stored miss (here by its expansion) ends that gap
    glossary.add(COORDINATOR, "ZQXV", "Zonal Quartet Exchange Venture", aliases=("probation zqxv",))
    assert [g.query for g in glossary.gaps(COORDINATOR)] == ["xqzw"]
    assert glossary.home_summary(COORDINATOR).gaps == 1


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
    csv_text = "kind,key,text\nacronym,ZQXV,Zonal Quartet Exchange Venture\nacronym,IDVA,Independent Domestic Violence Adviser\n"
    report = services.glossary.import_entries(COORDINATOR, parse_csv(csv_text))
    assert report.applied and report.added == ["zqxv", "idva"] and report.refused == []
    assert services.glossary.lookup("ZQXV").matches[0].text == "Zonal Quartet Exchange Venture"
    assert services.glossary.lookup("MAPPA").status is LookupStatus.FOUND, "entries not in the file are left"


def test_import_preview_writes_nothing_and_shows_before_and_after(services: Services) -> None:
    entries = parse_csv("kind,key,text,source\nacronym,ZQXV,Zonal Quartet Exchange Venture,x\n")
    version = services.glossary.index
    report = services.glossary.import_entries(COORDINATOR, entries, apply=False)
    assert not report.applied
    assert report.added == ["zqxv"] and report.changed == report.unchanged == []
    assert report.new["zqxv"].text == "Zonal Quartet Exchange Venture"
    assert services.glossary.lookup("ZQXV").status is not LookupStatus.FOUND
    assert services.glossary.index is version, "nothing written, nothing rebuilt"
    edit = parse_csv("kind,key,text,id\nacronym,ZQXV,The Zonal Quartet Exchange Venture,zqxv\n")
    services.glossary.import_entries(COORDINATOR, entries)
    assert services.glossary.import_entries(COORDINATOR, entries, apply=False).unchanged == ["zqxv"]
    changed = services.glossary.import_entries(COORDINATOR, edit, apply=False)
    assert changed.changed == ["zqxv"]
    assert (changed.before["zqxv"].text, changed.new["zqxv"].text) == (
        "Zonal Quartet Exchange Venture",
        "The Zonal Quartet Exchange Venture",
    )
    assert changed.new["zqxv"].source == "x", "a file without a source keeps the stored one"


def test_a_csv_without_optional_columns_leaves_them_as_they_are(services: Services) -> None:
    plain = parse_csv("kind,key,text\nacronym,ASB,Anti Social Behaviour\nacronym,HBV,Honour Based Violence\n")
    report = services.glossary.import_entries(COORDINATOR, plain, apply=False)
    assert report.unchanged == ["asb", "hbv"], "see_also, aliases and sources stay"
    cleared = parse_csv("kind,key,text,aliases\nacronym,HBV,Honour Based Violence,\n")
    report = services.glossary.import_entries(COORDINATOR, cleared, apply=False)
    assert report.changed == ["hbv"] and report.new["hbv"].aliases == ()


def test_import_never_silently_replaces_the_plans_wording(services: Services) -> None:
    conference = parse_csv(
        "kind,key,text\nacronym,MARAC,Multi Agency Risk Assessment Conference\nacronym,ZQXV,Zonal Quartet Exchange Venture\n"
    )
    report = services.glossary.import_entries(COORDINATOR, conference)
    assert report.refused == ["marac"] and "--replace" in report.reasons["marac"]
    assert not report.applied, "all or nothing: ZQXV is not written either"
    assert services.glossary.lookup("ZQXV").status is not LookupStatus.FOUND
    assert services.glossary.lookup("MARAC").matches[0].text == "Multi Agency Risk Assessment Committee"
    replaced = services.glossary.import_entries(COORDINATOR, conference, replace=True)
    assert replaced.applied and replaced.replaced == ["marac"] and replaced.added == ["zqxv"]
    assert services.glossary.lookup("MARAC").matches[0].text == "Multi Agency Risk Assessment Conference"
    _, changes = services.glossary.history("MARAC")
    assert changes[0].action == "import-replace"
    assert changes[0].before["text"] == "Multi Agency Risk Assessment Committee"


def test_import_refuses_personal_data_and_repeats_and_writes_nothing(services: Services) -> None:
    entries = parse_csv(
        "kind,key,text\nacronym,ZQXV,Zonal Quartet Exchange Venture\nterm,Case,victim Jane Smith\nacronym,ZQXV,Again\n"
    )
    report = services.glossary.import_entries(COORDINATOR, entries)
    assert report.refused == ["case", "zqxv"]
    assert "personal data" in report.reasons["case"] and "Jane" not in report.reasons["case"]
    assert "twice" in report.reasons["zqxv"]
    assert not report.applied
    assert services.glossary.lookup("ZQXV").status is not LookupStatus.FOUND


def test_yaml_import_needs_no_id_or_source() -> None:
    entries = parse_yaml(
        "entries:\n  - kind: acronym\n    key: IDVA\n    text: Independent Domestic Violence Adviser\n"
    )
    assert (entries[0].id, entries[0].source) == ("idva", "Imported")


def test_csv_without_the_required_header_is_refused() -> None:
    from glossary.loader import GlossaryFileError

    with pytest.raises(GlossaryFileError, match="kind,key,text"):
        parse_csv("key,meaning\nNPS,x\n")
