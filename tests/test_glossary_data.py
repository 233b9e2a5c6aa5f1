"""The seed glossary is the plan's, verbatim: every acronym and term, in the plan's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from glossary.loader import seed_entries
from glossary.model import EntryKind

PLAN = Path(__file__).resolve().parents[2] / "shared" / "seed" / "wycombe-csp-plan-2017-2020.txt"
needs_plan = pytest.mark.skipif(not PLAN.exists(), reason=f"the plan is not present at {PLAN}")

ENTRIES = seed_entries()
BY_ID = {e.id: e for e in ENTRIES}


def _collapsed(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def test_counts_and_unique_ids() -> None:
    appendix_b = [e for e in ENTRIES if e.source == "Appendix B – Glossary of Acronyms"]
    appendix_a = [e for e in ENTRIES if e.source == "Appendix A – Glossary of Terms"]
    assert len(appendix_b) == 35
    assert len(appendix_a) == 20
    assert len(BY_ID) == len(ENTRIES)


def test_links_point_at_real_entries_and_terms_link_back() -> None:
    for entry in ENTRIES:
        for other in entry.see_also:
            assert other in BY_ID, f"{entry.id} → {other}"
            if BY_ID[other].kind is not entry.kind:
                assert entry.id in BY_ID[other].see_also, f"{other} does not link back to {entry.id}"
    assert "anti-social-behaviour" in BY_ID["asb"].see_also


def test_plan_wording_is_kept_where_national_usage_differs() -> None:
    assert BY_ID["camhs"].text == "Child and Adult Mental Health Service"
    assert "Child and Adolescent Mental Health Services" in BY_ID["camhs"].aliases
    assert BY_ID["cbo"].text == "Community Behaviour Order"
    assert BY_ID["cbo"].note and "Criminal Behaviour Order" in BY_ID["cbo"].note
    assert BY_ID["dppo"].note and "PSPO" in BY_ID["dppo"].note


@needs_plan
def test_every_acronym_is_the_plans_line() -> None:
    plan = PLAN.read_text(encoding="utf-8")
    start = plan.index("\nGlossary of Acronyms\n")
    appendix_b = plan[start : plan.index("Appendix C", start)]
    lines = {m.group(1): m.group(2).strip() for m in re.finditer(r"^(\S+) - (.+)$", appendix_b, re.M)}
    assert len(lines) == 35
    for key, text in lines.items():
        (entry,) = [e for e in ENTRIES if e.key == key and e.source.startswith("Appendix B")]
        assert entry.text == text


@needs_plan
def test_every_term_is_verbatim() -> None:
    plan = _collapsed(PLAN.read_text(encoding="utf-8"))
    for entry in ENTRIES:
        if entry.kind is EntryKind.TERM:
            assert entry.key in plan
            assert _collapsed(entry.text) in plan, entry.key


@needs_plan
def test_body_definitions_are_in_the_plan() -> None:
    plan = _collapsed(PLAN.read_text(encoding="utf-8"))
    for entry in ENTRIES:
        if not entry.source.startswith(("Appendix", "National usage")):
            assert f"{entry.text} ({entry.key})" in plan, entry.id
