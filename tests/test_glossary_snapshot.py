"""A saved glossary index: loaded back, it is the index that was built, and answers every question the
same; the service saves one for a large glossary, loads it in the next process, never uses one made for
another glossary version or by other code, and builds again when the saved bytes are damaged."""

from __future__ import annotations

import logging
from itertools import islice

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.container import Services
from bot.permissions import Actor, Role
from bot.services import glossary as glossary_service
from glossary import snapshot
from glossary.index import GlossaryIndex
from glossary.loader import seed_entries
from glossary.model import GlossaryEntry
from glossary.packs import shipped_packs
from store import glossary_repo as repo
from store.models import GlossaryIndexSnapshot

COORDINATOR = Actor(user_id="U0COORD", role=Role.COORDINATOR)


def _real_entries() -> list[GlossaryEntry]:
    """The seed glossary and every shipped pack's entries, as plain partnership entries."""
    entries = list(seed_entries())
    fields = set(GlossaryEntry.model_fields)
    for pack in shipped_packs():
        for entry in pack.entries:
            entries.append(GlossaryEntry(**{k: v for k, v in entry.model_dump().items() if k in fields}))
    return entries


BUILT = GlossaryIndex(_real_entries())
LOADED = snapshot.loads(snapshot.dumps(BUILT))


def _names() -> list[str]:
    names: list[str] = []
    for entry in BUILT.entries:
        names.extend([entry.key, *entry.aliases])
        if entry.kind.value == "acronym":
            names.append(entry.text)
    return names


def _typos(name: str) -> list[str]:
    """A letter dropped, two swapped, one doubled: the slips the index corrects or suggests from."""
    if len(name) < 3:
        return []
    middle = len(name) // 2
    return [
        name[:middle] + name[middle + 1 :],
        name[: middle - 1] + name[middle] + name[middle - 1] + name[middle + 1 :],
        name[:middle] + name[middle] + name[middle:],
    ]


def test_a_loaded_index_holds_what_was_built() -> None:
    assert LOADED.state() == BUILT.state()
    assert LOADED.entries == BUILT.entries
    assert len(LOADED) == len(BUILT) > 500


def test_every_name_and_its_typos_get_the_same_answer() -> None:
    queries = [q for name in _names() for q in (name, name.lower(), f"what is {name}?", *_typos(name))]
    assert len(queries) > 3_000
    for query in queries:
        assert LOADED.lookup(query) == BUILT.lookup(query), query


def test_search_and_explain_give_the_same_answers() -> None:
    words = sorted({w for name in _names() for w in name.lower().split() if len(w) > 3})
    for word in islice(words, 0, None, 7):
        assert LOADED.search(word) == BUILT.search(word), word
        assert LOADED.search(word[:-1]) == BUILT.search(word[:-1]), word
    message = " ".join(e.key for e in BUILT.entries[:400]) + " and Econ, MARACs, CPN's"
    assert LOADED.explain(message) == BUILT.explain(message)
    entry = BUILT.entries[10]
    assert LOADED.linked(entry) == BUILT.linked(entry)
    assert LOADED.get(entry.id) == entry and entry.id in LOADED


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ-'?", max_size=40))
@example("C?C")  # one word of a name, repeated: the reverse look-up once failed to unpack its candidates
def test_any_text_gets_the_same_answer(text: str) -> None:
    assert LOADED.lookup(text) == BUILT.lookup(text)


@pytest.mark.parametrize("damage", [b"", b"not marshal", snapshot.dumps(BUILT)[:1000], b"\xe9" + bytes(50)])
def test_damaged_bytes_are_refused_not_trusted(damage: bytes) -> None:
    with pytest.raises(ValueError, match="not a saved glossary index"):
        snapshot.loads(damage)


def test_a_pack_index_is_not_saved() -> None:
    pack = next(iter(shipped_packs()))
    with pytest.raises(TypeError):
        pack.index.state()


# ---------------------------------------------------------------------- the service, both databases


def _saved(services: Services) -> list[tuple[int, str]]:
    with services.db.read() as session:
        rows = session.execute(select(GlossaryIndexSnapshot.version, GlossaryIndexSnapshot.fingerprint))
        return sorted(tuple(row) for row in rows)


def _version(services: Services) -> int:
    with services.db.read() as session:
        return repo.read_version(session)


def test_a_large_glossary_is_saved_and_the_next_process_loads_it(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = services.glossary
    first.save_index_from = 1  # the seeded glossary stands in for a large one
    assert first.answer("MARAC", count=False).result.found
    version = _version(services)
    assert _saved(services) == [(version, glossary_service.saved_index_key())]

    # a new process: it answers without reading a single entry row
    later = glossary_service.GlossaryService(services.db)
    monkeypatch.setattr(repo, "active_entries", _must_not_read)
    assert later.answer("MARAC", count=False) == first.answer("MARAC", count=False)
    assert later.lookup("hate crme", count=False) == first.lookup("hate crme", count=False)
    assert later.search("exploitation") == first.search("exploitation")


def _must_not_read(*_args: object) -> list[GlossaryEntry]:
    raise AssertionError("a saved index should have been loaded")


def test_a_change_to_the_glossary_saves_a_new_index_and_drops_the_old(services: Services) -> None:
    glossary = services.glossary
    glossary.save_index_from = 1
    glossary.answer("MARAC", count=False)
    glossary.add(COORDINATOR, "ZQXV", "Zonal quartet exchange venue")
    assert glossary.answer("ZQXV", count=False).result.found
    assert _saved(services) == [(_version(services), glossary_service.saved_index_key())]

    fresh = glossary_service.GlossaryService(services.db)
    assert fresh.answer("ZQXV", count=False).result.found


def test_an_index_saved_by_other_code_or_for_another_version_is_never_used(services: Services) -> None:
    glossary = services.glossary
    version = _version(services)
    empty = snapshot.dumps(GlossaryIndex([]))
    with services.db.transaction() as session:  # another build of the code, and a stale version
        repo.save_index_snapshot(session, version, "0" * 64, empty, services.db.utcnow())
        session.add(
            GlossaryIndexSnapshot(
                version=version - 1, fingerprint=glossary_service.saved_index_key(), data=empty
            )
        )
    assert glossary.answer("MARAC", count=False).result.found


def test_damaged_saved_bytes_are_built_again(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    version = _version(services)
    with services.db.transaction() as session:
        repo.save_index_snapshot(
            session, version, glossary_service.saved_index_key(), b"damaged", services.db.utcnow()
        )
    with caplog.at_level(logging.WARNING, logger="bot.services.glossary"):
        assert services.glossary.answer("MARAC", count=False).result.found
    assert "could not be read" in caplog.text
