"""Many workspaces: OAuth installs, one partnership per workspace, and nothing crossing between them.

Every request here goes through the real app: signed, authorised from the installation store that
Bolt's OAuth flow filled (against the stand-in's ``oauth.v2.access``), routed to its partnership.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from sqlalchemy import select, text

from bot.clock import system_now
from bot.offline.signing import call_wsgi
from bot.offline.slack_standin import SlackStandIn
from bot.partnerships import PartnershipError, Partnerships
from bot.permissions import Actor, Role
from bot.runtime.alert_worker import DeliveryClients, run_pass
from bot.settings import Settings
from handlers.partnership import NOT_LINKED
from handlers.router import SUBCOMMANDS
from store.db import Database
from store.models import AchievementRow, Base
from tests.harness import SECRET, SlackHarness, all_text

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "oauth-client-secret"
REDIRECT = "https://csp.example/slack/oauth_redirect"
WYCOMBE_TEAM, CHILTERN_TEAM, STRAY_TEAM = "T0WYC", "T0CHI", "T0STRAY"
COORDINATOR = "U0COORD"  # the same Slack user id in both workspaces: their roles must not travel
CHILTERN_ONLY = "Chiltern CSP ran 12 street safety walks with residents"


@pytest.fixture
def chiltern_plan(tmp_path: Path) -> Path:
    """Another partnership's plan: its own name, achievements and an action worded its own way."""
    data = yaml.safe_load(Path("store/plans/wycombe-2017-2020.yaml").read_text(encoding="utf-8"))
    data["partnership"].update(name="Chiltern Community Safety Partnership", short_name="Chiltern CSP")
    data["achievements"] = [
        {"priority": 1, "plan_year": "2018/19", "organisation": "TVP", "text": CHILTERN_ONLY}
    ]
    data["actions"][0]["text"] = "Chiltern's own first action."
    path = tmp_path / "chiltern.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def oauth(database_url: str, standin: SlackStandIn) -> Settings:
    standin.register_oauth_app(CLIENT_ID, CLIENT_SECRET)
    return Settings(
        database_url=database_url,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SECRET,
        slack_redirect_uri=REDIRECT,
        slack_api_url=standin.base_url,
    )


@pytest.fixture
def partnerships(oauth: Settings, chiltern_plan: Path) -> Iterator[Partnerships]:
    built = Partnerships(oauth)
    built.add("chiltern", plan_path=chiltern_plan)
    built.link("default", team_id=WYCOMBE_TEAM, enterprise_id=None)
    built.link("chiltern", team_id=CHILTERN_TEAM, enterprise_id=None)
    for slug in ("default", "chiltern"):
        built.get(slug).members.add(Actor.operator(), COORDINATOR, Role.COORDINATOR, "WDC")
    yield built
    built.close()


@pytest.fixture
def app(oauth: Settings, partnerships: Partnerships, standin: SlackStandIn) -> SlackHarness:
    return SlackHarness(oauth, partnerships, standin, team=WYCOMBE_TEAM)


def start_install(app: SlackHarness) -> tuple[str, str]:
    """GET /slack/install: Bolt's page with the Add to Slack link; returns (state, cookie)."""
    page = call_wsgi(app.wsgi, method="GET", path="/slack/install")
    assert page.status == 200
    link = re.search(r'href="(https://slack.com/oauth/v2/authorize\?[^"]+)"', page.body.decode()).group(1)
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) >= {"commands", "chat:write"}
    cookie = page.headers["set-cookie"].split(";")[0]
    return query["state"][0], cookie


def finish_install(app: SlackHarness, code: str, state: str, cookie: str | None) -> Any:
    headers = {"cookie": cookie} if cookie else {}
    return call_wsgi(
        app.wsgi,
        method="GET",
        path="/slack/oauth_redirect",
        query=f"code={code}&state={state}",
        headers=headers,
    )


def install(app: SlackHarness, standin: SlackStandIn, team: str, name: str = "Workspace") -> Any:
    state, cookie = start_install(app)
    code = standin.authorize_install(team, team_name=name, redirect_uri=REDIRECT)
    return finish_install(app, code, state, cookie)


def bots(database_url: str) -> list[tuple[str, str]]:
    with Database(database_url, now=system_now).engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT team_id, bot_token FROM slack_bots"))]


# ---------------------------------------------------------------------- the OAuth flow


def test_an_install_stores_the_workspace_and_its_requests_reach_its_partnership(
    app: SlackHarness, standin: SlackStandIn, database_url: str
) -> None:
    done = install(app, standin, CHILTERN_TEAM, "Chiltern")
    assert done.status == 200
    assert "Chiltern Community Safety Partnership" in done.body.decode()
    assert [team for team, _ in bots(database_url)] == [CHILTERN_TEAM]
    (exchange,) = standin.calls_to("oauth.v2.access")
    assert exchange.headers["authorization"] == "Basic ***"  # the client secret, sent and never recorded

    chiltern = app.for_team(CHILTERN_TEAM)
    reply = chiltern.ask("achievements", user=COORDINATOR)
    assert CHILTERN_ONLY in all_text(reply)
    auth_tests = len(standin.calls_to("auth.test"))
    chiltern.ask("acronym MARAC")
    assert len(standin.calls_to("auth.test")) == auth_tests  # authorised from the store, not by asking Slack


def test_an_installed_workspace_nobody_has_linked_is_told_so_and_shown_nothing(
    app: SlackHarness, standin: SlackStandIn
) -> None:
    done = install(app, standin, STRAY_TEAM, "Stray")
    assert "partnership link SLUG --team T0STRAY" in done.body.decode()
    reply = app.for_team(STRAY_TEAM).ask("achievements")
    assert NOT_LINKED in all_text(reply)
    assert "Wycombe" not in all_text(reply) and CHILTERN_ONLY not in all_text(reply)


def test_a_workspace_that_never_installed_is_refused(app: SlackHarness) -> None:
    response = app.command("acronym MARAC")  # T0WYC is linked, but has no installation
    assert "Multi Agency" not in response.body.decode()


@pytest.mark.parametrize("tamper", ["wrong state", "no cookie", "state used twice", "bad secret", "bad code"])
def test_the_redirect_refuses_what_it_cannot_trust(
    app: SlackHarness, standin: SlackStandIn, database_url: str, tamper: str
) -> None:
    state, cookie = start_install(app)
    code = standin.authorize_install(CHILTERN_TEAM, redirect_uri=REDIRECT)
    if tamper == "wrong state":
        response = finish_install(app, code, "not-the-state", cookie)
    elif tamper == "no cookie":
        response = finish_install(app, code, state, None)
    elif tamper == "state used twice":
        assert finish_install(app, code, state, cookie).status == 200
        second = standin.authorize_install(CHILTERN_TEAM, redirect_uri=REDIRECT)
        response = finish_install(app, second, state, cookie)
        assert len(bots(database_url)) == 1  # only the first went through
    elif tamper == "bad secret":
        standin.register_oauth_app(CLIENT_ID, "another-secret")
        response = finish_install(app, code, state, cookie)
    else:
        response = finish_install(app, "made-up-code", state, cookie)
    assert response.status >= 400
    assert "was not installed" in response.body.decode()
    if tamper != "state used twice":
        assert bots(database_url) == []


def test_uninstalling_removes_the_installation_and_keeps_the_partnerships_data(
    app: SlackHarness, standin: SlackStandIn, partnerships: Partnerships, database_url: str
) -> None:
    install(app, standin, CHILTERN_TEAM)
    install(app, standin, WYCOMBE_TEAM)
    chiltern = app.for_team(CHILTERN_TEAM)
    chiltern.ask(f"log P1 {CHILTERN_ONLY} again", user=COORDINATOR)
    before = _count_achievements(partnerships, "chiltern")

    standin.revoke_tokens(CHILTERN_TEAM)
    assert chiltern.event({"type": "app_uninstalled"}).status == 200
    assert [team for team, _ in bots(database_url)] == [WYCOMBE_TEAM]
    assert _count_achievements(partnerships, "chiltern") == before  # the partnership's record stays
    assert "Multi Agency" not in chiltern.command("acronym MARAC").body.decode()
    assert "Multi Agency" in all_text(app.ask("acronym MARAC"))  # the other workspace is untouched

    install(app, standin, CHILTERN_TEAM)  # reinstalled: the same partnership, its data as it was
    assert _count_achievements(partnerships, "chiltern") == before
    assert f"{CHILTERN_ONLY} again" in all_text(chiltern.ask("achievements all", user=COORDINATOR))


def test_revoked_bot_tokens_remove_the_installation(
    app: SlackHarness, standin: SlackStandIn, database_url: str
) -> None:
    install(app, standin, CHILTERN_TEAM)
    assert len(bots(database_url)) == 1
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT1", "UBOT2", "UBOT3"]}}
    assert app.for_team(CHILTERN_TEAM).event(event).status == 200
    assert bots(database_url) == []


def _count_achievements(partnerships: Partnerships, slug: str) -> int:
    with partnerships.get(slug).db.read() as session:
        return len(session.scalars(select(AchievementRow.id)).all())


# ---------------------------------------------------------------------- isolation, through every command


def isolation_script(channel_alerts: str) -> list[str]:
    """Every subcommand, with arguments, as a coordinator would use them (writes included)."""
    return [
        "acronym MARAC",
        "define hate crime",
        "search exploitation",
        "explain MARAC and CPN update",
        "glossary add ZZQ = Zebra Zone Quorum",
        "glossary edit ZZQ = Zebra Zone Quorum, revised",
        "glossary suggest YYQ = Yak Yard Quorum",
        "glossary pending",
        "glossary gaps",
        "glossary history ZZQ",
        "glossary remove ZZQ",
        "glossary add QQB = Quorum Board Bravo",
        "glossary packs off uk-national",
        "log P1 secured 2 closure orders in the town centre",
        "achievements",
        "actions",
        "actions stale",
        'action P1.1 red "no resources this quarter"',
        "nudge",
        "plan board-dates",  # listed only: a date set here would depend on the machine's clock
        'action add P1 "Run a weapons amnesty" TVP',
        "plan",
        "plan rollover 2019/20",
        'priority add "Hate crime"',
        'priority edit P1 "Tackling crime"',
        "priority retire P9",
        'orgs add BC "Buckinghamshire Council"',
        "report achievements",
        "risks",
        'risk R2 likelihood high "funding cut"',
        "risk add",
        'risk close R7 "no longer relevant"',
        f"alerts channel <#{channel_alerts}|alerts>",
        "alerts",
        "members add <@U0NEWBIE|newbie> TVP",
        "members list",
        "members remove <@U0NEWBIE|newbie>",
        "whoami",
        "audit P1.1",
        "help",
    ]


def test_the_isolation_script_uses_every_subcommand() -> None:
    used = {line for line in isolation_script("C0X")}
    missing = [
        s.name for s in SUBCOMMANDS if not any(u == s.name or u.startswith(s.name + " ") for u in used)
    ]
    assert missing == []


def snapshot(partnerships: Partnerships, slug: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of one partnership's store."""
    services = partnerships.get(slug)
    services.background.drain()
    services.glossary.usage.flush()
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with services.db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in {"partnership_directory", "workspace_links"}:
                continue
            rows[table.name] = [tuple(r) for r in session.execute(select(table)).all()]
    return rows


@pytest.mark.parametrize("acting, other", [("chiltern", "default"), ("default", "chiltern")])
def test_one_partnership_can_never_read_or_change_anothers_data(
    app: SlackHarness, standin: SlackStandIn, partnerships: Partnerships, acting: str, other: str
) -> None:
    teams = {"default": WYCOMBE_TEAM, "chiltern": CHILTERN_TEAM}
    install(app, standin, CHILTERN_TEAM)
    install(app, standin, WYCOMBE_TEAM)
    actor, bystander = app.for_team(teams[acting]), app.for_team(teams[other])
    untouched = snapshot(partnerships, other)
    changed_before = snapshot(partnerships, acting)

    for line in isolation_script("C0ALERTS"):
        response = actor.command(line, user=COORDINATOR)
        assert response.status == 200, (line, response.body)
        assert NOT_LINKED not in response.body.decode()
    partnerships.get(acting).background.drain()

    assert snapshot(partnerships, other) == untouched
    mine = snapshot(partnerships, acting)
    assert mine != changed_before
    for table in ("achievements", "action_changes", "risk_changes", "glossary_entries", "audit_events"):
        assert len(mine[table]) > len(changed_before[table]), table

    # what one wrote, the other cannot see
    assert "Quorum Board Bravo" in all_text(actor.ask("acronym QQB"))
    assert "Quorum Board Bravo" not in all_text(bystander.ask("acronym QQB"))
    assert "closure orders" in all_text(actor.ask("achievements all", user=COORDINATOR))
    assert "closure orders" not in all_text(bystander.ask("achievements all", user=COORDINATOR))
    assert "C0ALERTS" in all_text(actor.ask("alerts", user=COORDINATOR))
    assert "C0ALERTS" not in all_text(bystander.ask("alerts", user=COORDINATOR))
    assert "action.status" in all_text(actor.ask("audit", user=COORDINATOR))
    assert "action.status" not in all_text(bystander.ask("audit", user=COORDINATOR))
    # plan texts are each partnership's own
    first_action = all_text(app.for_team(CHILTERN_TEAM).ask("action P1.1"))
    assert "Chiltern's own first action." in first_action
    assert "Chiltern's own first action." not in all_text(app.for_team(WYCOMBE_TEAM).ask("action P1.1"))


def test_roles_belong_to_one_partnership(
    app: SlackHarness, standin: SlackStandIn, partnerships: Partnerships
) -> None:
    install(app, standin, CHILTERN_TEAM)
    partnerships.get("chiltern").members.remove(Actor.operator(), COORDINATOR)
    reply = app.for_team(CHILTERN_TEAM).ask("members add <@U0X|x> TVP", user=COORDINATOR)
    assert "Only partnership coordinators" in all_text(reply)  # a coordinator elsewhere is nobody here


def test_alerts_go_out_with_the_partnerships_own_workspace_token(
    app: SlackHarness, standin: SlackStandIn, partnerships: Partnerships, oauth: Settings
) -> None:
    install(app, standin, CHILTERN_TEAM)
    chiltern = app.for_team(CHILTERN_TEAM)
    chiltern.ask("alerts channel <#C0CHIALERTS|alerts>", user=COORDINATOR)
    chiltern.ask('risk R2 likelihood high "funding cut"', user=COORDINATOR)
    partnerships.get("chiltern").background.drain()
    clients = DeliveryClients(oauth, partnerships)
    assert clients.client("default") is None  # Wycombe's workspace has not installed: nothing to post with
    run_pass(partnerships.get("chiltern"), clients.client("chiltern"))
    posts = [
        c
        for c in standin.calls_to("chat.postMessage")
        if c.status == 200 and c.args.get("channel") == "C0CHIALERTS"
    ]
    assert posts and {c.workspace for c in posts} == {CHILTERN_TEAM}
    keys = [json.dumps(c.args.get("metadata"), sort_keys=True) for c in posts]
    assert len(keys) == len(set(keys))


# ---------------------------------------------------------------------- the directory


def test_adding_refuses_bad_names_bad_files_and_duplicates(
    partnerships: Partnerships, chiltern_plan: Path, tmp_path: Path
) -> None:
    for slug in ("default", "Chiltern", "1st", "a-b", "x" * 41):
        with pytest.raises(PartnershipError):
            partnerships.add(slug, plan_path=chiltern_plan)
    broken = tmp_path / "broken.yaml"
    broken.write_text("partnership: {}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        partnerships.add("broken", plan_path=broken)
    assert "broken" not in partnerships.slugs()
    with pytest.raises(PartnershipError, match="already"):
        partnerships.add("chiltern", plan_path=chiltern_plan)
    with pytest.raises(PartnershipError, match="no partnership"):
        partnerships.link("nowhere", team_id="T0X", enterprise_id=None)


def test_grid_links_cover_their_workspaces_and_a_workspace_link_wins(partnerships: Partnerships) -> None:
    partnerships.link("chiltern", enterprise_id="E0ORG", team_id=None)
    assert partnerships.for_workspace("E0ORG", "T0ANY") is partnerships.get("chiltern")
    assert partnerships.for_workspace("E0ORG", None) is partnerships.get("chiltern")
    partnerships.link("default", enterprise_id="E0ORG", team_id="T0ONE")
    assert partnerships.for_workspace("E0ORG", "T0ONE") is partnerships.main
    assert partnerships.for_workspace(None, "T0UNKNOWN") is None
    assert partnerships.link("default", enterprise_id="E0ORG", team_id="T0ONE") is False  # already so


def test_a_plan_or_glossary_file_holding_personal_data_is_refused_saying_where_not_what(
    partnerships: Partnerships, tmp_path: Path
) -> None:
    data = yaml.safe_load(Path("store/plans/wycombe-2017-2020.yaml").read_text(encoding="utf-8"))
    data["partnership"].update(name="Marlow Community Safety Partnership", short_name="Marlow CSP")
    data["achievements"][0]["text"] = "Visited the Smith family at 22 Desborough Road"
    plan = tmp_path / "marlow.yaml"
    plan.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PartnershipError) as refused:
        partnerships.add("marlow", plan_path=plan)
    assert "achievements.0.text" in refused.value.message and "Smith" not in refused.value.message
    assert "marlow" not in partnerships.slugs()
    glossary = tmp_path / "glossary.csv"
    glossary.write_text(
        "kind,key,text\nterm,Victim Penalty,A fee\nacronym,JS,Call Jane Smith on 07700 900123\n",
        encoding="utf-8",
    )
    with pytest.raises(PartnershipError) as refused:
        partnerships.add(
            "marlow", plan_path=Path("store/plans/wycombe-2017-2020.yaml"), glossary_path=glossary
        )
    assert "Jane" not in refused.value.message and "07700" not in refused.value.message
    assert "marlow" not in partnerships.slugs()
