"""Glossary packs: the shipped data, the loader's checks, and the tiers (the partnership always wins)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.clock import SettableClock
from bot.container import Services
from bot.errors import Conflict, NotFound, PermissionDenied
from bot.partnerships import Partnerships
from bot.permissions import Actor, Role
from bot.privacy import find_personal_data
from bot.settings import Settings
from glossary.model import LookupStatus
from glossary.packs import (
    PackEntry,
    PackError,
    Topic,
    is_public_body_url,
    load_pack,
    shipped_pack,
    shipped_packs,
)
from store.models import AuditEvent, GlossaryChange
from tests.harness import run_cli

COORDINATOR = Actor(user_id="U0COORD", role=Role.COORDINATOR)
MEMBER = Actor(user_id="U0MEMBER", role=Role.MEMBER)

_HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness|Baron|Cllr|Councillor)\.?\s+[A-Z]"
)

PACK = shipped_pack("uk-national")


def _pack_dir(tmp_path: Path, *files: tuple[str, str]) -> Path:
    folder = tmp_path / "test-pack"
    folder.mkdir(parents=True)
    (folder / "pack.yaml").write_text("name: test-pack\ntitle: Test\nlicence: ours\n", encoding="utf-8")
    for name, text in files:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


ENTRY = """
  - id: {id}
    kind: acronym
    key: {key}
    text: "Something"
    topic: safeguarding
    source: "{source}"
"""


# ---------------------------------------------------------------------- the loader


def test_a_pack_loads_every_entry_file_in_order(tmp_path: Path) -> None:
    folder = _pack_dir(
        tmp_path,
        ("b.yaml", "entries:" + ENTRY.format(id="bbb", key="BBB", source="https://www.gov.uk/b")),
        ("a.yaml", "entries:" + ENTRY.format(id="aaa", key="AAA", source="https://www.gov.uk/a")),
        ("empty.yaml", "entries:\n"),
    )
    pack = load_pack(folder)
    assert [e.id for e in pack.entries] == ["aaa", "bbb"]
    assert pack.index.lookup("AAA").matches[0].pack == "test-pack"


def test_a_duplicate_id_across_files_is_a_load_error(tmp_path: Path) -> None:
    folder = _pack_dir(
        tmp_path,
        ("a.yaml", "entries:" + ENTRY.format(id="same", key="AAA", source="https://www.gov.uk/a")),
        ("b.yaml", "entries:" + ENTRY.format(id="same", key="BBB", source="https://www.gov.uk/b")),
    )
    with pytest.raises(PackError, match=r"test-pack/b.yaml: id 'same' is already used in test-pack/a.yaml"):
        load_pack(folder)


@pytest.mark.parametrize(
    "source",
    ["http://www.gov.uk/page", "Appendix B", "www.gov.uk/page", "https://", "https://www.gov.uk/a page"],
)
def test_an_entry_without_an_https_source_is_a_load_error(tmp_path: Path, source: str) -> None:
    folder = _pack_dir(tmp_path, ("a.yaml", "entries:" + ENTRY.format(id="aaa", key="AAA", source=source)))
    with pytest.raises(PackError, match=r"a.yaml entry aaa: source"):
        load_pack(folder)


def test_a_missing_source_unknown_topic_or_stray_field_is_a_load_error(tmp_path: Path) -> None:
    no_source = "entries:\n  - {id: aaa, kind: acronym, key: AAA, text: x, topic: safeguarding}\n"
    bad_topic = (
        "entries:\n  - {id: aaa, kind: acronym, key: AAA, text: x, topic: misc, source: 'https://a.gov.uk'}\n"
    )
    stray = (
        "entries:\n  - {id: aaa, kind: acronym, key: AAA, text: x, topic: safeguarding,"
        " source: 'https://a.gov.uk', colour: red}\n"
    )
    for n, text in enumerate((no_source, bad_topic, stray)):
        folder = _pack_dir(tmp_path / str(n), ("a.yaml", text))
        with pytest.raises(PackError, match=r"a\.yaml entry aaa"):
            load_pack(folder)


def test_a_pack_needs_its_description(tmp_path: Path) -> None:
    folder = tmp_path / "nameless"
    folder.mkdir()
    (folder / "pack.yaml").write_text("title: Nameless\n", encoding="utf-8")
    with pytest.raises(PackError, match="name, title and licence"):
        load_pack(folder)


# ---------------------------------------------------------------------- the shipped pack


def test_the_national_pack_ships_with_the_app() -> None:
    assert PACK is not None
    assert PACK.title == "UK community safety (national usage)"
    assert "Open Government Licence v3.0" in PACK.licence
    assert [p.name for p in shipped_packs()].count("uk-national") == 1


def test_every_entry_is_sourced_from_a_uk_public_body() -> None:
    assert PACK is not None
    elsewhere = [
        f"{e.id}: {urlsplit(e.source).hostname}" for e in PACK.entries if not is_public_body_url(e.source)
    ]
    assert elsewhere == []


def test_the_public_body_check_is_strict() -> None:
    assert is_public_body_url("https://www.legislation.gov.uk/ukpga/2014/12")
    assert is_public_body_url("https://www.wycombe.gov.uk/page")
    assert is_public_body_url("https://www.college.police.uk/app")
    for url in (
        "http://www.gov.uk/page",
        "https://gov.uk.example.com/page",
        "https://notgov.uk/page",
        "https://www.example.org.uk/gov.uk",
        "https://en.wikipedia.org/wiki/MARAC",
    ):
        assert not is_public_body_url(url), url


def test_every_topic_is_one_of_the_list_and_no_entry_names_a_person() -> None:
    assert PACK is not None
    for entry in PACK.entries:
        assert entry.topic in set(Topic)
        for text in (entry.key, entry.text, entry.definition or "", entry.historic or "", *entry.aliases):
            assert not _HONORIFIC.search(text), entry.id
            # the guard that every adoption goes through must pass every entry, or Adopt would refuse it
            kinds = {f.kind for f in find_personal_data(text)}
            assert not kinds, (entry.id, kinds)


def test_ids_are_slugs_of_their_keys() -> None:
    assert PACK is not None
    for entry in PACK.entries:
        base = re.sub(r"[^a-z0-9]+", "-", entry.key.casefold()).strip("-")
        assert re.fullmatch(rf"{re.escape(base)}(?:-\d+)?", entry.id), entry.id


def test_historic_bodies_say_what_became_of_them() -> None:
    assert PACK is not None
    for entry_id, ended in (("crc", "2021"), ("ccg", "2022"), ("lscb", "2019")):
        entry = PACK.get(entry_id)
        assert entry is not None and entry.historic and ended in entry.historic


def test_the_pack_holds_at_least_400_entries() -> None:
    assert PACK is not None
    assert len(PACK.entries) >= 400


# ---------------------------------------------------------------------- tiers


def test_the_pack_answers_what_the_partnership_glossary_does_not(services: Services) -> None:
    glossary = services.glossary
    for query, key in (
        ("IDVA", "IDVA"),
        ("LSCP", "LSCP"),
        ("CSPR", "CSPR"),
        ("CSEA", "CSEA"),
        ("CMHT", "CMHT"),
    ):
        result = glossary.lookup(query)
        assert result.status is LookupStatus.FOUND, query
        assert result.matches[0].key == key
        assert isinstance(result.matches[0], PackEntry)
    for query in ("OPCC", "APCC", "NPCC"):
        assert glossary.lookup(query).matches[0].key == query
    assert glossary.lookup("MATAC").matches[0].text == "Multi-Agency Tasking and Co-ordination"


def test_the_partnership_glossary_always_wins(services: Services) -> None:
    glossary = services.glossary
    marac = glossary.lookup("MARAC")
    assert marac.matches[0].text == "Multi Agency Risk Assessment Committee"
    assert not isinstance(marac.matches[0], PackEntry)
    glossary.add(COORDINATOR, "IDVA", "Independent Domestic Violence Advocate (our service)")
    idva = glossary.lookup("IDVA")
    assert [e.text for e in idva.matches] == ["Independent Domestic Violence Advocate (our service)"]
    assert not any(isinstance(e, PackEntry) for e in idva.matches)


def test_a_pack_never_corrects_one_acronym_into_another(services: Services) -> None:
    glossary = services.glossary
    for query in ("IDV", "MATA", "NPC", "CSE A"):
        result = glossary.lookup(query)
        assert not (result.found and result.corrected_from), query
    assert glossary.lookup("ICMHT").status is not LookupStatus.FOUND


def test_switching_a_pack_off_and_on(services: Services) -> None:
    glossary = services.glossary
    status, changed = glossary.set_pack(COORDINATOR, "uk-national", enabled=False)
    assert changed and not status.enabled
    assert glossary.lookup("IDVA").status is not LookupStatus.FOUND
    assert glossary.explain_text("IDVA update").unknown == ("IDVA",)
    _, changed = glossary.set_pack(COORDINATOR, "uk-national", enabled=False)
    assert not changed
    status, changed = glossary.set_pack(COORDINATOR, "uk-national", enabled=True)
    assert changed and status.enabled
    assert glossary.lookup("IDVA").found
    with services.db.transaction() as session:
        actions = [
            a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.target_id == "uk-national"))
        ]
    assert actions == ["glossary.pack_off", "glossary.pack_on"]


def test_packs_are_on_by_default_and_listed(services: Services) -> None:
    (status,) = [p for p in services.glossary.packs() if p.name == "uk-national"]
    assert status.enabled and status.hidden == 0 and status.entries == len(PACK.entries if PACK else ())


def test_only_coordinators_switch_hide_or_adopt(services: Services) -> None:
    glossary = services.glossary
    for attempt in (
        lambda: glossary.set_pack(MEMBER, "uk-national", enabled=False),
        lambda: glossary.hide(MEMBER, "uk-national:idva"),
        lambda: glossary.adopt(MEMBER, "uk-national:idva"),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert glossary.lookup("IDVA").found
    assert isinstance(glossary.lookup("IDVA").matches[0], PackEntry)


def test_an_unknown_pack_or_entry_is_a_friendly_not_found(services: Services) -> None:
    with pytest.raises(NotFound, match="no glossary pack called `nope`"):
        services.glossary.set_pack(COORDINATOR, "nope", enabled=False)
    with pytest.raises(NotFound):
        services.glossary.adopt(COORDINATOR, "uk-national:no-such-entry")


def test_hiding_an_entry_stops_it_answering(services: Services) -> None:
    glossary = services.glossary
    hidden = glossary.hide(COORDINATOR, "uk-national:idva")
    assert hidden.key == "IDVA"
    assert glossary.lookup("IDVA").status is not LookupStatus.FOUND
    assert glossary.lookup("ISVA").found  # only that entry
    assert [t.token for t in glossary.explain_text("IDVA and ISVA").found] == ["ISVA"]
    glossary.hide(COORDINATOR, "uk-national:idva")  # twice: nothing more happens
    with services.db.transaction() as session:
        hides = session.scalars(select(AuditEvent).where(AuditEvent.action == "glossary.pack_hide")).all()
    assert len(hides) == 1
    assert next(p for p in glossary.packs() if p.name == "uk-national").hidden == 1


def test_adopting_copies_the_entry_with_history_and_audit(services: Services) -> None:
    glossary = services.glossary
    adopted = glossary.adopt(COORDINATOR, "uk-national:crc")
    assert (adopted.id, adopted.key, adopted.text) == ("crc", "CRC", "Community Rehabilitation Company")
    assert adopted.source.startswith("National pack uk-national: https://")
    assert adopted.note and "2021" in adopted.note
    result = glossary.lookup("CRC")
    assert not isinstance(result.matches[0], PackEntry)
    _, changes = glossary.history("CRC")
    assert [c.action for c in changes] == ["adopt"]
    with services.db.transaction() as session:
        assert session.scalars(select(GlossaryChange).where(GlossaryChange.entry_slug == "crc")).one()
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "glossary.adopt")).one()
    with pytest.raises(Conflict):
        glossary.adopt(COORDINATOR, "uk-national:crc")


def test_explain_uses_the_pack_and_names_what_nobody_knows(services: Services) -> None:
    explanation = services.glossary.explain_text(
        "MARAC referral, IDVA and ZQXV to attend; also QQRT, JS, UK."
    )
    assert [t.token for t in explanation.found] == ["MARAC", "IDVA"]
    assert isinstance(explanation.found[1].entries[0], PackEntry)
    assert explanation.unknown == ("ZQXV", "QQRT")


def test_pack_answers_are_not_gaps_nor_most_asked(services: Services) -> None:
    glossary = services.glossary
    glossary.lookup("IDVA")
    glossary.lookup("ZQXVW")
    glossary.usage.flush()
    assert [g.query for g in glossary.gaps(COORDINATOR)] == ["zqxvw"]
    assert all(not isinstance(e, PackEntry) for e, _ in glossary.most_asked())


# ---------------------------------------------------------------------- the command line


def test_cli_lookup_json_names_the_pack(capsys, cli_env) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "glossary", "lookup", "--json", "IDVA")
    record = json.loads(out)
    assert code == 0 and record["status"] == "found"
    match = record["matches"][0]
    assert (match["key"], match["pack"]) == ("IDVA", "uk-national")
    assert match["source"].startswith("https://www.gov.uk/")
    own = json.loads(run_cli(capsys, "glossary", "lookup", "--json", "MARAC")[1])
    assert own["matches"][0]["pack"] is None


def test_cli_lookup_text_labels_national_usage_and_history(capsys, cli_env) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "glossary", "lookup", "CCG")
    assert code == 0
    assert out.startswith(
        "CCG: Clinical Commissioning Group\n  National usage, not in the partnership's glossary"
    )
    assert "Abolished on 1 July 2022" in out


def test_cli_packs_list_and_switch(capsys, cli_env) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "glossary", "packs")
    assert code == 0 and re.search(r"^uk-national  on   \d+ entries  UK community safety", out, re.M)
    assert run_cli(capsys, "glossary", "packs", "off", "uk-national")[1] == "uk-national is now off.\n"
    assert "uk-national  off" in run_cli(capsys, "glossary", "packs")[1]
    assert json.loads(run_cli(capsys, "glossary", "lookup", "--json", "IDVA")[1])["status"] != "found"
    assert run_cli(capsys, "glossary", "packs", "off", "uk-national")[1] == "uk-national is already off.\n"
    assert run_cli(capsys, "glossary", "packs", "on", "uk-national")[1] == "uk-national is now on.\n"
    code, _, err = run_cli(capsys, "glossary", "packs", "off", "nope")
    assert code != 0 and "no glossary pack called `nope`" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "glossary", "packs", "off")
    assert code == 2 and "Name the pack" in err


# ---------------------------------------------------------------------- each partnership its own


def test_a_new_partnership_has_the_pack_on_and_its_switches_are_its_own(
    settings: Settings, clock: SettableClock
) -> None:
    partnerships = Partnerships(settings, now=clock)
    try:
        chiltern = partnerships.add("chiltern", plan_path=Path("store/plans/wycombe-2017-2020.yaml"))
        assert [p.enabled for p in chiltern.glossary.packs() if p.name == "uk-national"] == [True]
        assert chiltern.glossary.lookup("IDVA").found
        chiltern.glossary.set_pack(COORDINATOR, "uk-national", enabled=False)
        chiltern.glossary.hide(COORDINATOR, "uk-national:isva")
        assert not chiltern.glossary.lookup("IDVA").found
        main = partnerships.main.glossary
        assert main.lookup("IDVA").found and main.lookup("ISVA").found
        assert [(p.enabled, p.hidden) for p in main.packs() if p.name == "uk-national"] == [(True, 0)]
    finally:
        partnerships.close()


@pytest.mark.parametrize(
    ("query", "expansion"),
    [
        # the table in issue 10: each was once answered as a different acronym
        ("IDVA", "Independent Domestic Violence Adviser"),
        ("LSCP", "Local Safeguarding Children Partnership"),
        ("CSPR", "Child Safeguarding Practice Review"),
        ("CSEA", "Child Sexual Exploitation and Abuse"),
        ("OPCC", "Office of the Police and Crime Commissioner"),
        ("APCC", "Association of Police and Crime Commissioners"),
        ("NPCC", "National Police Chiefs' Council"),
        ("MATAC", "Multi-Agency Tasking and Co-ordination"),
        ("CMHT", "Community Mental Health Team"),
    ],
)
def test_the_acronyms_once_answered_wrongly_get_their_national_meaning(
    services: Services, query: str, expansion: str
) -> None:
    result = services.glossary.lookup(query)
    assert result.status is LookupStatus.FOUND and result.corrected_from is None
    assert result.matches[0].key == query
    assert result.matches[0].text.casefold().startswith(expansion.casefold())


def test_a_packs_exact_key_beats_a_typo_fix_but_never_the_partnerships_own_names() -> None:
    from glossary.index import GlossaryIndex
    from glossary.model import EntryKind, GlossaryEntry
    from glossary.packs import Pack, PackEntry, tiered_lookup

    def own(key: str, text: str) -> GlossaryEntry:
        return GlossaryEntry(id=key.lower(), kind=EntryKind.ACRONYM, key=key, text=text, source="plan")

    def national(key: str, text: str) -> PackEntry:
        return PackEntry(
            id=key.lower(), kind=EntryKind.ACRONYM, key=key, text=text, source="https://www.gov.uk/x",
            pack="test", topic=Topic.SAFEGUARDING,
        )  # fmt: skip

    partnership = GlossaryIndex(
        [
            own("CAMHS", "Child and Adolescent Mental Health Services"),
            own("MARAC", "Multi Agency Risk Assessment Committee"),
        ]
    )
    entries = (
        national("CMAHS", "A made-up national body"),
        national("MARAC", "Multi-Agency Risk Assessment Conference"),
    )
    pack = Pack("test", "Test", "ours", entries, GlossaryIndex(list(entries)))
    # typed exactly, the national key answers, though the partnership would read it as CAMHS mistyped
    assert partnership.lookup("CMAHS").matches[0].key == "CAMHS"
    answer = tiered_lookup(partnership, [pack], "CMAHS")
    assert answer.status is LookupStatus.FOUND and answer.matches[0].text == "A made-up national body"
    # the partnership's own key, and its long name asked another way, always win
    assert tiered_lookup(partnership, [pack], "MARAC").matches[0].source == "plan"
    reverse = tiered_lookup(partnership, [pack], "Multi-Agency Risk Assessment Conference")
    assert reverse.matches[0].source == "plan" and reverse.differs
