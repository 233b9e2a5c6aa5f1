"""Who may do what, asked of the services themselves, and the same refusal through every door.

Handlers parse, call a service and render; the rules live in the services, so a slash command, a button,
a form and the command line all get them. The last test keeps role checks out of handlers/."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.container import Services
from bot.errors import Conflict, PermissionDenied
from bot.permissions import Actor, Role
from bot.services.actions import Status
from bot.services.audit_log import AuditQuery
from bot.views import alerts as alert_views
from bot.views import plan as plan_views
from bot.views import risks as risk_views
from glossary.model import GlossaryEntry
from tests.conftest import COORDINATOR, MEMBER, OUTSIDER
from tests.harness import SlackHarness, all_text, run_cli

ROOT = Path(__file__).resolve().parents[1]
WHO = ("outsider", "member", "coordinator", "operator")

# ---------------------------------------------------------------------- the matrix, service by service

# Each entry is set up as the operator, so every cell starts from the same state. The member is a TVP
# member; the achievement, action P1.6 and risk R2 are TVP's, so the member column is the best case.


def _tvp_achievement(s: Services) -> int:
    return s.achievements.log(s.members.actor(MEMBER), "4 ABCs issued", priority=1).id


def _deleted_tvp_achievement(s: Services) -> int:
    achievement_id = _tvp_achievement(s)
    s.achievements.delete(s.members.actor(MEMBER), achievement_id)
    return achievement_id


def _tvp_risk(s: Services) -> str:
    s.risks.set_owner(Actor.operator(), "R2", "TVP")  # a partner's short name makes it the owning org
    return "R2"


def _an_alert(s: Services) -> int:
    _new_risk(s, Actor.operator(), likelihood="High", impact="High")
    return s.alerts.list()[0].id


def _new_risk(s: Services, actor: Actor, *, likelihood: str = "Low", impact: str = "Low") -> Any:
    return s.risks.add(
        actor, description="Venue closures cut youth provision", likelihood=likelihood, impact=impact,
        preventative="Find other venues", contingent="Outreach work", owner="TVP", owner_org="TVP",
    )  # fmt: skip


_SHEET = b"priority,priority_title,ref,action,leads,due\n1,Violence,P1.1,Patrols,TVP,\n"


def _new_priority(s: Services) -> str:
    return f"P{s.planning.add_priority(Actor.operator(), 'Hate crime')}"


def _removed_entry(s: Services) -> str:
    return s.glossary.remove(Actor.operator(), "MARAC").id


def _suggestion(s: Services) -> str:
    return s.glossary.suggest(Actor(user_id=OUTSIDER), "ZZQ", "A made-up term").id


Call = Callable[[Services, Actor, Any], Any]
# method: (set-up returning what the call needs, the call, who may: outsider, member, coordinator, operator)
GUARDED: dict[str, tuple[Callable[[Services], Any] | None, Call, tuple[bool, bool, bool, bool]]] = {
    "members.add": (None, lambda s, a, _: s.members.add(a, "U0NEWBIE", Role.MEMBER, "BCC"), (0, 0, 1, 1)),
    "members.remove": (None, lambda s, a, _: s.members.remove(a, MEMBER), (0, 0, 1, 1)),
    "members.list": (None, lambda s, a, _: s.members.list(a), (0, 1, 1, 1)),
    "achievements.log": (
        None, lambda s, a, _: s.achievements.log(a, "5 ABCs issued", priority=1, organisation="TVP"), (0, 1, 1, 1),
    ),
    "achievements.edit": (
        _tvp_achievement, lambda s, a, i: s.achievements.edit(a, i, text="6 ABCs issued"), (0, 1, 1, 1),
    ),
    "achievements.delete": (_tvp_achievement, lambda s, a, i: s.achievements.delete(a, i), (0, 1, 1, 1)),
    "achievements.restore": (_deleted_tvp_achievement, lambda s, a, i: s.achievements.restore(a, i), (0, 1, 1, 1)),
    "actions.set_status": (None, lambda s, a, _: s.actions.set_status(a, "P1.6", Status.GREEN), (0, 1, 1, 1)),
    "actions.set_lead": (None, lambda s, a, _: s.actions.set_lead(a, "P1.6", "WDC"), (0, 0, 1, 1)),
    "actions.set_due": (None, lambda s, a, _: s.actions.set_due(a, "P1.6", date(2027, 3, 31)), (0, 0, 1, 1)),
    "actions.set_leads": (None, lambda s, a, _: s.actions.set_leads(a, "P1.6", ["TVP", "WDC"]), (0, 0, 1, 1)),
    "actions.add": (None, lambda s, a, _: s.actions.add(a, 1, "Run a weapons amnesty", ["TVP"]), (0, 0, 1, 1)),
    "actions.set_text": (None, lambda s, a, _: s.actions.set_text(a, "P1.6", "New wording"), (0, 0, 1, 1)),
    "actions.retire": (None, lambda s, a, _: s.actions.retire(a, "P1.6", "merged"), (0, 0, 1, 1)),
    "planning.new_plan": (None, lambda s, a, _: s.planning.new_plan(a, "Plan 2026–2029", date(2026, 4, 1), date(2029, 3, 31)), (0, 0, 1, 1)),
    "planning.add_priority": (None, lambda s, a, _: s.planning.add_priority(a, "Hate crime"), (0, 0, 1, 1)),
    "planning.edit_priority": (None, lambda s, a, _: s.planning.edit_priority(a, "P1", "Violence"), (0, 0, 1, 1)),
    "planning.retire_priority": (_new_priority, lambda s, a, ref: s.planning.retire_priority(a, ref), (0, 0, 1, 1)),
    "planning.import_actions": (
        None, lambda s, a, _: s.planning.import_actions(a, "a.csv", _SHEET, "2018/19", apply=False), (0, 0, 1, 1),
    ),
    "planning.rollover": (None, lambda s, a, _: s.planning.rollover(a, "2019/20", apply=False), (0, 0, 1, 1)),
    "planning.add_organisation": (None, lambda s, a, _: s.planning.add_organisation(a, "BC", "Buckinghamshire Council"), (0, 0, 1, 1)),
    "planning.rename_organisation": (
        None, lambda s, a, _: s.planning.rename_organisation(a, "CCCG", "BOBICB", "NHS Buckinghamshire ICB"), (0, 0, 1, 1),
    ),
    "planning.retire_organisation": (None, lambda s, a, _: s.planning.retire_organisation(a, "NPS"), (0, 0, 1, 1)),
    "risks.add": (None, lambda s, a, _: _new_risk(s, a), (0, 1, 1, 1)),
    "risks.set_level": (
        _tvp_risk, lambda s, a, ref: s.risks.set_level(a, ref, "likelihood", "Low", "patrols up"), (0, 1, 1, 1),
    ),
    "risks.set_owner": (_tvp_risk, lambda s, a, ref: s.risks.set_owner(a, ref, "TVP"), (0, 1, 1, 1)),
    "risks.review": (_tvp_risk, lambda s, a, ref: s.risks.review(a, ref, None, "checked"), (0, 1, 1, 1)),
    "risks.trigger": (_tvp_risk, lambda s, a, ref: s.risks.trigger(a, ref, "venue closed"), (0, 1, 1, 1)),
    "risks.close": (_tvp_risk, lambda s, a, ref: s.risks.close(a, ref, "no longer a risk"), (0, 1, 1, 1)),
    "alerts.set_channel": (None, lambda s, a, _: s.alerts.set_channel(a, "C0ALERTS"), (0, 0, 1, 1)),
    "alerts.acknowledge": (_an_alert, lambda s, a, i: s.alerts.acknowledge(a, i), (0, 1, 1, 1)),
    "glossary.add": (None, lambda s, a, _: s.glossary.add(a, "ZZQ", "A made-up term"), (0, 0, 1, 1)),
    "glossary.edit": (None, lambda s, a, _: s.glossary.edit(a, "MARAC", text="Changed"), (0, 0, 1, 1)),
    "glossary.remove": (None, lambda s, a, _: s.glossary.remove(a, "MARAC"), (0, 0, 1, 1)),
    "glossary.restore": (_removed_entry, lambda s, a, i: s.glossary.restore(a, i), (0, 0, 1, 1)),
    "glossary.suggest": (None, lambda s, a, _: s.glossary.suggest(a, "ZZQ", "A made-up term"), (1, 1, 1, 1)),
    "glossary.pending": (None, lambda s, a, _: s.glossary.pending(a), (0, 0, 1, 1)),
    "glossary.decide": (_suggestion, lambda s, a, i: s.glossary.decide(a, i, approve=True), (0, 0, 1, 1)),
    "glossary.gaps": (None, lambda s, a, _: s.glossary.gaps(a), (0, 0, 1, 1)),
    "glossary.set_pack": (None, lambda s, a, _: s.glossary.set_pack(a, "uk-national", enabled=False), (0, 0, 1, 1)),
    "glossary.adopt": (None, lambda s, a, _: s.glossary.adopt(a, "uk-national:idva"), (0, 0, 1, 1)),
    "glossary.hide": (None, lambda s, a, _: s.glossary.hide(a, "uk-national:idva"), (0, 0, 1, 1)),
    "glossary.import_entries": (
        None,
        lambda s, a, _: s.glossary.import_entries(a, [GlossaryEntry(id="zzq", kind="acronym", key="ZZQ", text="Made up", source="test")]),
        (0, 0, 1, 1),
    ),
    "audit.search": (None, lambda s, a, _: s.audit.search(a, AuditQuery()), (0, 0, 1, 1)),
    "data_protection.export": (None, lambda s, a, _: s.data_protection.export(a, MEMBER), (0, 0, 1, 1)),
    "data_protection.erase": (None, lambda s, a, _: s.data_protection.erase(a, MEMBER, apply=False), (0, 0, 1, 1)),
    "data_protection.purge": (None, lambda s, a, _: s.data_protection.purge(a, apply=False), (0, 0, 1, 1)),
}  # fmt: skip


def _actor(services: Services, who: str) -> Actor:
    if who == "operator":
        return Actor.operator()
    return services.members.actor({"outsider": OUTSIDER, "member": MEMBER, "coordinator": COORDINATOR}[who])


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method", list(GUARDED))
def test_each_guarded_service_method(services: Services, people, method: str, who: str) -> None:
    set_up, call, allowed = GUARDED[method]
    subject = set_up(services) if set_up else None
    actor = _actor(services, who)
    if allowed[WHO.index(who)]:
        call(services, actor, subject)
        return
    with pytest.raises(PermissionDenied) as refused:
        call(services, actor, subject)
    assert refused.value.message and "Traceback" not in refused.value.message
    assert refused.value.hint, "a refusal says what to do instead"
    if who == "outsider" and not method.startswith("glossary."):  # the glossary offers `suggest` instead
        assert "/csp members add" in refused.value.hint, "an outsider is told how to get access"


def test_the_matrix_covers_every_method_that_takes_an_actor(services: Services) -> None:
    """A new write (or a guarded read) taking an actor must join the matrix, so its rule is stated."""
    import inspect

    open_to_all = {
        "glossary.home_summary",
        "home.data",
        "achievements.other_organisation_named",
    }  # take an actor to tailor, not to guard
    pre_checks = {"achievements.may_log_for", "achievements.require_can_log", "achievements.require_can_change",
                  "actions.can_update", "actions.require_can_update", "actions.require_can_add", "risks.can_change", "risks.require_can_add",
                  "glossary.require_curator", "members.actor"}  # fmt: skip
    found = set()
    for name in (
        "members",
        "achievements",
        "actions",
        "risks",
        "alerts",
        "glossary",
        "home",
        "audit",
        "data_protection",
        "planning",
    ):
        service = getattr(services, name)
        for attr, method in inspect.getmembers(type(service), inspect.isfunction):
            if not attr.startswith("_") and "actor" in inspect.signature(method).parameters:
                found.add(f"{name}.{attr}")
    assert found - set(GUARDED) - open_to_all - pre_checks == set()


# ---------------------------------------------------------------------- each door refuses an outsider


def test_slash_command_refuses_an_outsider(slack: SlackHarness, people) -> None:
    reply = slack.ask("members add <@U0NEWBIE|newbie> TVP coordinator", user=OUTSIDER)
    assert "Only partnership coordinators can add members" in reply["text"]
    assert "/csp members add @you ORG" in all_text(reply)
    listing = slack.ask("members list", user=OUTSIDER)
    assert "The member list is for partnership members" in listing["text"]
    assert "U0COORD" not in all_text(listing)
    assert "U0COORD" in all_text(slack.ask("members list", user=MEMBER))
    assert "U0NEWBIE" not in {m.user_id for m in slack.services.members.list(Actor.operator())}


def test_button_refuses_an_outsider_before_the_form(slack: SlackHarness, people) -> None:
    slack.action(f"{plan_views.ACTION_STATUS_OPEN}_red", "P1.6|red", user=OUTSIDER)
    (refusal,) = slack.hook_posts("action")
    assert "not set up as a partnership member" in refusal["text"]
    assert not slack.calls("views.open")

    alert_id = _an_alert(slack.services)
    slack.action(alert_views.ACKNOWLEDGE, str(alert_id), user=OUTSIDER, hook="ack")
    assert "not set up as a partnership member" in slack.hook_posts("ack")[0]["text"]
    assert slack.services.alerts.get(alert_id).acknowledged_by is None


def test_achievement_edit_button_refuses_before_the_form(slack: SlackHarness, people) -> None:
    achievement_id = _tvp_achievement(slack.services)
    slack.action(plan_views.ACHIEVEMENT_EDIT, str(achievement_id), user=COORDINATOR)
    assert len(slack.calls("views.open")) == 1, "a coordinator may edit anyone's"
    slack.action(plan_views.ACHIEVEMENT_EDIT, str(achievement_id), user=OUTSIDER, hook="outsider")
    assert "not set up as a partnership member" in slack.hook_posts("outsider")[0]["text"]
    assert len(slack.calls("views.open")) == 1


def test_form_submission_refuses_an_outsider(slack: SlackHarness, people) -> None:
    slack.command("risk add", user=MEMBER)
    view = slack.calls("views.open")[0].args["view"]
    assert view["callback_id"] == risk_views.RISK_FORM
    before = len(slack.services.risks.register())
    values = {"description": "Venue closures cut youth provision", "likelihood": "Low", "impact": "Low",
              "preventative": "Find other venues", "contingent": "Outreach work", "owner": "TVP", "owner_org": "TVP"}  # fmt: skip
    refused = slack.submit_form(view, values, user=OUTSIDER)
    assert refused.json()["response_action"] == "errors"
    assert "not set up as a partnership member" in " ".join(refused.json()["errors"].values())
    assert len(slack.services.risks.register()) == before
    assert "not set up" in slack.ask("risk add", user=OUTSIDER)["text"], "nor does the form open"


def test_command_line_ask_refuses_an_outsider(capsys, cli_env, services: Services, people) -> None:
    before = services.risks.history("R2")
    code, out, _ = run_cli(capsys, "ask", "--user", OUTSIDER, 'risk R2 likelihood high "patrols cut"')
    assert code == 0 and "not set up as a partnership member" in out
    assert services.risks.history("R2") == before
    code, out, _ = run_cli(capsys, "ask", "--user", OUTSIDER, "members list")
    assert "The member list is for partnership members" in out and "U0COORD" not in out
    # the command line's own commands act as the operator
    assert "U0COORD\tcoordinator\tWDC" in run_cli(capsys, "members", "list")[1]


# ---------------------------------------------------------------------- the last coordinator stays


def test_the_only_coordinator_cannot_remove_or_demote_themselves(slack: SlackHarness, people) -> None:
    for text in ("members remove <@U0COORD|me>", "members add <@U0COORD|me> WDC"):
        reply = slack.ask(text, user=COORDINATOR)
        assert "You're the only coordinator: add another coordinator first." in reply["text"], text
        assert "/csp members add @someone ORG coordinator" in all_text(reply)
    assert slack.services.members.actor(COORDINATOR).role is Role.COORDINATOR
    slack.ask("members add <@U0SECOND|second> BCC coordinator", user=COORDINATOR)
    slack.ask("members add <@U0COORD|me> WDC", user=COORDINATOR)  # now they may step down
    assert slack.services.members.actor(COORDINATOR).role is Role.MEMBER
    reply = slack.ask("members remove <@U0SECOND|second>", user="U0SECOND")
    assert "You're the only coordinator" in reply["text"]


def test_the_operator_may_leave_no_coordinator_and_is_warned(
    capsys, cli_env, services: Services, people
) -> None:
    with pytest.raises(Conflict):
        services.members.remove(services.members.actor(COORDINATOR), COORDINATOR)
    code, out, err = run_cli(capsys, "members", "add", COORDINATOR, "--org", "WDC")
    assert code == 0 and out == "U0COORD is now a member (WDC).\n"
    assert "Warning: the partnership has no coordinator now" in err
    code, out, err = run_cli(capsys, "members", "add", COORDINATOR, "--role", "coordinator")
    assert code == 0 and not err
    code, out, err = run_cli(capsys, "members", "remove", COORDINATOR)
    assert code == 0 and out == "U0COORD removed.\n" and "no coordinator now" in err
    code, _, err = run_cli(capsys, "members", "remove", MEMBER)
    assert code == 0 and not err, "removing a member when there is no coordinator changes nothing about it"


def test_two_coordinators_removing_each_other_at_once_leave_one(services: Services, people) -> None:
    services.members.add(Actor.operator(), "U0SECOND", Role.COORDINATOR, "BCC")
    first, second = services.members.actor(COORDINATOR), services.members.actor("U0SECOND")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(actor: Actor, whom: str) -> None:
        start.wait()
        try:
            services.members.remove(actor, whom)
            outcomes.append("removed")
        except Conflict as refused:
            outcomes.append(refused.message)

    threads = [
        threading.Thread(target=remove, args=(first, "U0SECOND")),
        threading.Thread(target=remove, args=(second, COORDINATOR)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("removed") == 1, outcomes
    assert any("is the only coordinator: add another coordinator first." in o for o in outcomes), outcomes
    coordinators = [m for m in services.members.list(Actor.operator()) if m.role is Role.COORDINATOR]
    assert len(coordinators) == 1


# ---------------------------------------------------------------------- no handler checks roles

# What a role check looks like: the actor's role, organisation or operator flag compared, a
# permission helper called, or the permission error raised. Handlers ask a service instead
# (``services.risks.require_can_add(actor)``), so the rule has one home whichever door is used.
ROLE_CHECKS = re.compile(
    r"""\.role\b | \bis_coordinator\b | \bis_operator\b | \bRole\.\w+\s*(==|!=|\bis\b)
      | (==|!=|\bis\b)\s*Role\. | actor\.org\s*(==|!=) | (==|!=)\s*\w*\.?actor\.org\b
      | (?<!\.)\brequire_(coordinator|member)\b | \bPermissionDenied\b""",
    re.VERBOSE,
)


def test_no_handler_checks_roles() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_CHECKS.search(line.split("#", 1)[0])
    ]
    assert not offences, "handlers must leave permission checks to the services:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "line",
    [
        "if ctx.actor.role is Role.COORDINATOR:",
        "if actor.is_coordinator or actor.org == lead:",
        "require_member(ctx.actor, 'add risks')",
        "from bot.permissions import require_coordinator",
        "raise PermissionDenied('no')",
        "if ctx.actor.is_operator:",
    ],
)
def test_the_role_check_pattern_catches_the_usual_shapes(line: str) -> None:
    assert ROLE_CHECKS.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "ctx.services.risks.require_can_add(ctx.actor)",
        "role, org = Role.MEMBER, None",
        "default_org=ctx.actor.org",
        "services.glossary.require_curator(ctx.actor)",
    ],
)
def test_the_role_check_pattern_lets_service_calls_and_parsing_through(line: str) -> None:
    assert not ROLE_CHECKS.search(line)
