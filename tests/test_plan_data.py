"""The plan's structured data is the plan's, verbatim: members, priorities, actions, achievements, risks."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.privacy import find_personal_data
from store.plan_data import (
    Action,
    Level,
    PlanData,
    PlanFileError,
    load_plan,
    plan_year_bounds,
    plan_year_of,
)

PLAN = Path(__file__).resolve().parents[2] / "shared" / "seed" / "wycombe-csp-plan-2017-2020.txt"
needs_plan = pytest.mark.skipif(
    not PLAN.exists(), reason=f"the Wycombe CSP plan is not at {PLAN} (it lives outside the repository)"
)

DATA = load_plan()
ACTION = {a.ref: a for a in DATA.actions}
RISK = {r.ref: r for r in DATA.risks}


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def _plan_text() -> str:
    return PLAN.read_text(encoding="utf-8")


def _bullets(block: str) -> list[str]:
    return [line[2:] for line in block.split("\n") if line.startswith("- ")]


# --------------------------------------------------------------------------------------------------
# The packaged file


def test_packaged_plan_loads_with_the_plans_counts() -> None:
    assert len(DATA.organisations) == 8
    assert [p.number for p in DATA.priorities] == [1, 2, 3, 4]
    assert Counter(a.priority for a in DATA.actions) == {1: 6, 2: 6, 3: 6, 4: 5}
    assert len(DATA.actions) == 23
    assert Counter(a.priority for a in DATA.achievements) == {1: 8, 2: 6, 3: 6, 4: 5}
    assert len(DATA.achievements) == 25
    assert [r.ref for r in DATA.risks] == [f"R{n}" for n in range(1, 8)]


def test_partnership_and_plan_years() -> None:
    partnership = DATA.partnership
    assert partnership.name == "Wycombe Community Safety Partnership"
    assert partnership.short_name == "Wycombe CSP"
    assert partnership.plan_title == "Wycombe Community Safety Partnership Plan 2017 – 2020"
    assert partnership.plan_updated == "April 2018"
    assert (partnership.plan_start, partnership.plan_end) == (date(2017, 4, 1), date(2020, 3, 31))
    assert partnership.source == PLAN.name
    assert {a.plan_year for a in DATA.actions} == {"2018/19"}
    assert {a.plan_year for a in DATA.achievements} == {"2017/18"}


def test_organisations_short_names() -> None:
    assert [(o.short, o.short_is_from_plan) for o in DATA.organisations] == [
        ("BCC", True),
        ("BFRS", False),
        ("YOS", True),
        ("CCCG", False),
        ("NPS", False),
        ("TVCRC", True),
        ("TVP", True),
        ("WDC", True),
    ]


def test_priority_titles_and_achievement_headings() -> None:
    assert [p.title for p in DATA.priorities] == [
        "Tackling anti-social behaviour and crime",
        "Safeguarding our communities",
        "Working together to address Child Exploitation",
        "Building community resilience",
    ]
    assert [p.achievements_heading for p in DATA.priorities] == [
        "Priority one: Crime and anti-social behaviour",
        "Priority two: Safeguarding our communities",
        "Priority three: Working together to address Child Exploitation (CSE)",
        "Priority four: Building community resilience",
    ]
    exploitation = DATA.priorities[1].description
    assert "including:\n\n- criminal exploitation\n- domestic servitude\n" in exploitation
    assert "Year two actions" not in "".join(p.description for p in DATA.priorities)


def test_leads_and_organisations() -> None:
    assert ACTION["P1.6"].lead == "TVP"
    assert ACTION["P4.5"].lead == "TVP"
    (rahab,) = [a for a in DATA.actions if "Rahab" in a.text]
    assert rahab.text.startswith("Thames Valley Police and Crime Commissioner")
    assert rahab.lead is None
    for ref in ("P3.6", "P4.3"):  # two partners named
        assert ACTION[ref].lead is None
    assert {ref for ref, a in ACTION.items() if a.lead} == {"P1.3", "P1.5", "P1.6", "P4.5"}

    by_text = {a.text: a for a in DATA.achievements}
    orders = by_text["TVP have secured 4 Criminal Behaviour Orders and 2 Closure Orders."]
    assert (orders.priority, orders.organisation) == (1, "TVP")
    assert by_text["WDC has issued a Community Protection Notice."].organisation == "WDC"
    (bscb,) = [a for a in DATA.achievements if a.text.startswith("BSCB")]
    assert bscb.organisation is None
    (pcc,) = [a for a in DATA.achievements if a.text.startswith("The PCC has funded RAHAB")]
    assert pcc.organisation is None


def test_organised_crime_bullet_keeps_the_bold_markers() -> None:
    (ocg,) = [a for a in DATA.achievements if a.text.startswith("Organised Crime Groups")]
    assert ocg.organisation == "TVP"
    for word in ("Pursue", "Prevent", "Protect", "Prepare"):
        assert f"(**{word}**)" in ocg.text


def test_risk_levels() -> None:
    assert [(r.likelihood, r.impact) for r in DATA.risks] == [
        (Level.MEDIUM, Level.MEDIUM),
        (Level.MEDIUM, Level.MEDIUM),
        (Level.MEDIUM, Level.LOW),
        (Level.LOW, Level.LOW),
        (Level.MEDIUM, Level.MEDIUM),
        (Level.MEDIUM, Level.MEDIUM),
        (Level.LOW, Level.LOW),
    ]
    assert "partnership’s" in RISK["R3"].description  # the plan's curly apostrophe


def test_no_text_trips_the_personal_data_guard() -> None:
    texts = [a.text for a in DATA.actions] + [a.text for a in DATA.achievements]
    texts += [t for p in DATA.priorities for t in (p.title, p.description, p.achievements_heading)]
    texts += [t for r in DATA.risks for t in (r.description, r.preventative, r.contingent, r.owner)]
    assert [t for t in texts if find_personal_data(t)] == []


# --------------------------------------------------------------------------------------------------
# Verbatim against the plan


@needs_plan
def test_every_text_occurs_in_the_plan() -> None:
    plan = _collapsed(_plan_text())
    texts = [a.text for a in DATA.actions] + [a.text for a in DATA.achievements]
    texts += [t for p in DATA.priorities for t in (p.title, p.description, p.achievements_heading)]
    texts += [t for r in DATA.risks for t in (r.description, r.preventative, r.contingent, r.owner)]
    texts += [DATA.partnership.plan_title, f"Updated {DATA.partnership.plan_updated}"]
    # the line under the achievements heading, right under that heading
    intro, year = DATA.partnership.achievements_intro, DATA.partnership.achievements_intro_year
    assert intro and year
    texts.append(f"Our Achievements during {year} {intro}")
    split = RISK["R3"].contingent  # the one cell split by a page break: checked below
    missing = [t for t in texts if t != split and _collapsed(t) not in plan]
    assert missing == []


@needs_plan
def test_risk_3_contingent_is_the_two_halves_of_its_page_break() -> None:
    plan = _plan_text()
    first = "inform the partnership of new changes; ensure training/ new skills are"
    second = "provided to members of the partnership. Seek advice from relevant legal departments"
    assert f"Contingent Actions: {first}</p>" in plan
    assert re.search(rf"^\t+{re.escape(second)}\t*$", plan, re.M)
    assert RISK["R3"].contingent == f"{first} {second}"
    assert RISK["R3"].contingent not in _collapsed(plan)


@needs_plan
def test_actions_and_achievements_are_all_the_plans_bullets_in_order() -> None:
    plan = _plan_text()
    priorities = plan[plan.index("Wycombe Community Safety Partnership Plan Priorities 2017 - 2020") :]
    parts = re.split(r"^Priority (\d) – (.+)$", priorities, flags=re.M)
    assert [(int(parts[k]), parts[k + 1]) for k in range(1, len(parts), 3)] == [
        (p.number, p.title) for p in DATA.priorities
    ]
    for k, priority in zip(range(1, len(parts), 3), DATA.priorities, strict=True):
        description, marker, rest = parts[k + 2].partition("Year two actions include:")
        assert marker
        assert description.strip() == priority.description
        actions = _bullets(rest.strip().split("\n\n")[0])  # the list ends at the next blank line
        assert [a.text for a in DATA.actions if a.priority == priority.number] == actions

    section = plan[
        plan.index("Our Achievements during 2017/18") : plan.index("Strategic Assessment 2017\n\n")
    ]
    parts = re.split(r"^(Priority (?:one|two|three|four): .+)$", section, flags=re.M)
    headings = parts[1::2]
    assert headings == [p.achievements_heading for p in DATA.priorities]
    for heading, block in zip(headings, parts[2::2], strict=True):
        (number,) = [p.number for p in DATA.priorities if p.achievements_heading == heading]
        assert [a.text for a in DATA.achievements if a.priority == number] == _bullets(block)


@needs_plan
def test_organisations_are_the_members_list_in_order() -> None:
    plan = _plan_text()
    start = plan.index("The following are members of the Partnership:")
    members = _bullets(plan[start : plan.index("The partnership also works with", start)])
    assert len(members) == 8
    for member, organisation in zip(members, DATA.organisations, strict=True):
        assert member.startswith(organisation.name)
        suffix = member[len(organisation.name) :]
        assert suffix in ("", f" ({organisation.short})")
        if organisation.short_is_from_plan:
            in_brackets = suffix == f" ({organisation.short})"
            in_appendix_b = f"\n{organisation.short} - {organisation.name}\n" in plan
            assert in_brackets or in_appendix_b, organisation.short
        else:
            assert not re.search(rf"\b{organisation.short}\b", plan), organisation.short


@needs_plan
def test_risks_are_appendix_c_rows() -> None:
    plan = _plan_text()
    appendix = plan[plan.index("Risk Register/ Risk Log") :]
    rows = {int(m.group(1)): m.group(2).split("\t") for m in re.finditer(r"^(\d)\t(.+)$", appendix, re.M)}
    assert sorted(rows) == list(range(1, 8))
    for risk in DATA.risks:
        description, likelihood, impact, _, owner = rows[int(risk.ref[1:])]
        assert (risk.description, risk.likelihood.value, risk.impact.value, risk.owner) == (
            description,
            likelihood,
            impact,
            owner,
        )


# --------------------------------------------------------------------------------------------------
# Plan years


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2018, 4, 1), "2018/19"),
        (date(2019, 3, 31), "2018/19"),
        (date(2019, 4, 1), "2019/20"),
        (date(2018, 3, 31), "2017/18"),
        (date(2018, 1, 1), "2017/18"),
        (date(2018, 12, 31), "2018/19"),
        (date(2020, 2, 29), "2019/20"),
        (date(2024, 2, 29), "2023/24"),
        (date(2026, 11, 24), "2026/27"),
        (date(2099, 4, 1), "2099/00"),
        (date(2100, 3, 31), "2099/00"),
        (date(1999, 12, 31), "1999/00"),
        (date(9998, 12, 31), "9998/99"),
    ],
)
def test_plan_year_of(day: date, year: str) -> None:
    assert plan_year_of(day) == year
    first, last = plan_year_bounds(year)
    assert first <= day <= last


@pytest.mark.parametrize(
    ("year", "bounds"),
    [
        ("2018/19", (date(2018, 4, 1), date(2019, 3, 31))),
        ("2019/20", (date(2019, 4, 1), date(2020, 3, 31))),  # ends just after 29 February 2020
        ("2099/00", (date(2099, 4, 1), date(2100, 3, 31))),
        ("1999/00", (date(1999, 4, 1), date(2000, 3, 31))),
    ],
)
def test_plan_year_bounds(year: str, bounds: tuple[date, date]) -> None:
    assert plan_year_bounds(year) == bounds
    assert plan_year_of(bounds[0]) == plan_year_of(bounds[1]) == year


@pytest.mark.parametrize(
    "year",
    [
        *("2018/20", "2018/18", "2018-19", "18/19", "2018/2019", "2018/1", "abcd/ef", ""),
        *(" 2018/19", "2018/19 ", "2018/19\n", "２０１８/１９"),  # whitespace, non-ASCII digits
        *("0000/01", "9999/00", "2099/01"),  # before 1 April 1, after 31 March 9999, bad century rollover
    ],
)
def test_malformed_plan_years_raise(year: str) -> None:
    with pytest.raises(ValueError):
        plan_year_bounds(year)


def test_plan_year_of_refuses_unrepresentable_years() -> None:
    with pytest.raises(ValueError):
        plan_year_of(date(9999, 4, 1))
    with pytest.raises(ValueError):
        plan_year_of(date(1, 3, 31))


# --------------------------------------------------------------------------------------------------
# Validators


def _minimal(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "partnership": {
            "name": "Example Community Safety Partnership",
            "short_name": "Example CSP",
            "plan_title": "Example Community Safety Partnership Plan 2017 – 2020",
            "plan_updated": "April 2018",
            "plan_start": "2017-04-01",
            "plan_end": "2020-03-31",
            "source": "example.txt",
        },
        "organisations": [
            {"short": "TVP", "name": "Thames Valley Police", "short_is_from_plan": True},
            {"short": "WDC", "name": "Wycombe District Council", "short_is_from_plan": True},
        ],
        "priorities": [
            {"number": n, "title": f"P{n}", "description": "Text.", "achievements_heading": f"Priority {n}"}
            for n in (1, 2)
        ],
        "actions": [
            {"ref": "P1.1", "priority": 1, "text": "One.", "lead": "TVP", "plan_year": "2018/19"},
            {"ref": "P1.2", "priority": 1, "text": "Two.", "lead": None, "plan_year": "2018/19"},
            {"ref": "P2.1", "priority": 2, "text": "Three.", "lead": "WDC", "plan_year": "2018/19"},
        ],
        "achievements": [{"priority": 1, "plan_year": "2017/18", "text": "Done.", "organisation": "WDC"}],
        "risks": [
            {
                "ref": "R1",
                "description": "Risk.",
                "likelihood": "Low",
                "impact": "High",
                "preventative": "Prevent.",
                "contingent": "Contain.",
                "owner": "Coordinator",
            }
        ],
    }
    document.update(changes)
    return document


def _action(ref: str, priority: int, lead: str | None = None) -> dict[str, Any]:
    return {"ref": ref, "priority": priority, "text": "Text.", "lead": lead, "plan_year": "2018/19"}


def test_minimal_plan_is_valid() -> None:
    plan = PlanData.model_validate(_minimal())
    assert [a.ref for a in plan.actions] == ["P1.1", "P1.2", "P2.1"]
    assert plan.risks[0].impact is Level.HIGH


def test_rejects_a_duplicate_action_ref() -> None:
    actions = [_action("P1.1", 1), _action("P1.1", 1)]
    with pytest.raises(ValidationError, match=r"duplicate action ref: P1\.1"):
        PlanData.model_validate(_minimal(actions=actions))


def test_rejects_a_duplicate_risk_ref() -> None:
    risk = _minimal()["risks"][0]
    with pytest.raises(ValidationError, match="duplicate risk ref: R1"):
        PlanData.model_validate(_minimal(risks=[risk, risk]))


def test_rejects_an_unknown_lead() -> None:
    with pytest.raises(ValidationError, match="lead 'PCC' is not a member organisation"):
        PlanData.model_validate(_minimal(actions=[_action("P1.1", 1, lead="PCC")]))


def test_rejects_an_unknown_achievement_organisation() -> None:
    achievement = {"priority": 1, "plan_year": "2017/18", "text": "Done.", "organisation": "BSCB"}
    with pytest.raises(ValidationError, match="organisation 'BSCB' is not a member organisation"):
        PlanData.model_validate(_minimal(achievements=[achievement]))


@pytest.mark.parametrize(
    "refs",
    [
        [("P1.2", 1)],  # does not start at 1
        [("P1.1", 1), ("P1.3", 1)],  # skips a number
        [("P1.2", 1), ("P1.1", 1)],  # out of order
        [("P1.01", 1)],  # leading zero
    ],
)
def test_rejects_action_refs_numbered_out_of_order(refs: list[tuple[str, int]]) -> None:
    actions = [_action(ref, priority) for ref, priority in refs]
    with pytest.raises(ValidationError, match="out of order"):
        PlanData.model_validate(_minimal(actions=actions))


def test_numbering_restarts_in_each_priority_and_priorities_may_interleave() -> None:
    actions = [_action("P1.1", 1), _action("P2.1", 2), _action("P1.2", 1)]
    assert len(PlanData.model_validate(_minimal(actions=actions)).actions) == 3


def test_rejects_an_unknown_priority() -> None:
    with pytest.raises(ValidationError, match="there is no priority 3"):
        PlanData.model_validate(_minimal(actions=[_action("P3.1", 3)]))
    achievement = {"priority": 3, "plan_year": "2017/18", "text": "Done.", "organisation": None}
    with pytest.raises(ValidationError, match="there is no priority 3"):
        PlanData.model_validate(_minimal(achievements=[achievement]))


def test_action_ref_must_match_its_priority() -> None:
    with pytest.raises(ValidationError, match="must start P2"):
        Action(ref="P1.1", priority=2, text="Text.", plan_year="2018/19")


@pytest.mark.parametrize("plan_year", ["2018/20", "2018-19", "2020/21"])
def test_rejects_bad_or_out_of_period_plan_years(plan_year: str) -> None:
    action = {**_action("P1.1", 1), "plan_year": plan_year}
    with pytest.raises(ValidationError):
        PlanData.model_validate(_minimal(actions=[action]))


@pytest.mark.parametrize(
    "change",
    [
        {"plan_start": "2017-04-02"},
        {"plan_end": "2020-04-30"},
        {"plan_start": "2020-04-01", "plan_end": "2017-03-31"},
    ],
)
def test_plan_period_is_whole_plan_years(change: dict[str, str]) -> None:
    document = _minimal()
    document["partnership"] = {**document["partnership"], **change}
    with pytest.raises(ValidationError):
        PlanData.model_validate(document)


@pytest.mark.parametrize(
    "organisation",
    [
        {"short": "tvp", "name": "Thames Valley Police", "short_is_from_plan": True},
        {"short": "T", "name": "Thames Valley Police", "short_is_from_plan": True},
        {"short": "TVP", "name": " Thames Valley Police", "short_is_from_plan": True},
        {"short": "TVP", "name": "Thames Valley Police", "short_is_from_plan": True, "colour": "blue"},
    ],
)
def test_rejects_malformed_organisations(organisation: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PlanData.model_validate(_minimal(organisations=[organisation]))


def test_rejects_duplicate_organisations_and_priorities() -> None:
    document = _minimal()
    with pytest.raises(ValidationError, match="duplicate organisation short name: TVP"):
        PlanData.model_validate({**document, "organisations": document["organisations"][:1] * 2})
    with pytest.raises(ValidationError, match="duplicate priority number: 1"):
        PlanData.model_validate({**document, "priorities": document["priorities"][:1] * 2})


def test_models_are_frozen() -> None:
    with pytest.raises(ValidationError):
        DATA.actions[0].lead = "WDC"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# Loading


def test_load_plan_from_a_path(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(_minimal(), allow_unicode=True), encoding="utf-8")
    assert load_plan(path).partnership.short_name == "Example CSP"


@pytest.mark.parametrize("content", ["partnership: [", "- just\n- a list\n", "partnership: {}\n"])
def test_load_plan_reports_bad_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PlanFileError, match=re.escape(str(path))):
        load_plan(path)


def test_load_plan_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot be read"):
        load_plan(tmp_path / "absent.yaml")
