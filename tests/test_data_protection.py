"""The data-protection lifecycle, through the command line and Slack, on SQLite and PostgreSQL:
subject access (export), erasure, the retention purge (by hand and daily in the alert worker) and
the audit trail (``csp-bot audit`` and ``/csp audit``)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, func, insert, select, update

import bot.cli
from bot.clock import SettableClock
from bot.container import Services
from bot.permissions import Actor, Role
from bot.runtime.alert_worker import run_pass
from bot.services.actions import Status
from bot.services.alerts import take_lease
from bot.services.data_protection import PEOPLE_COLUMNS, PURGE_LEASE
from bot.views import audit as audit_views
from store.models import AlertRow, AuditEvent, Base, GlossaryMiss, Member, RequestKey, RiskRow
from tests.conftest import COORDINATOR, MEMBER, OUTSIDER
from tests.harness import SlackHarness, all_text, rendered_text, run_cli


@pytest.fixture
def cli_clock(monkeypatch: pytest.MonkeyPatch, clock: SettableClock) -> SettableClock:
    """The command line reads the same pinned clock as the test's services."""
    monkeypatch.setattr(bot.cli, "now", clock)
    return clock


def _contributions(services: Services) -> None:
    """A TVP member who has done a bit of everything, and a coordinator who mentioned them."""
    member = services.members.actor(MEMBER)
    services.achievements.log(member, "4 ABCs issued in the town centre", priority=1)
    services.actions.set_status(member, "P1.6", Status.AMBER, "two officers on leave")
    services.risks.set_owner(Actor.operator(), "R2", "TVP")
    services.risks.set_level(member, "R2", "likelihood", "Low", "patrols up")
    services.glossary.suggest(member, "ZZQ", "A made-up term")
    services.risks.add(
        member, description="Venue closures cut youth provision", likelihood="High", impact="High",
        preventative="Find other venues", contingent="Outreach work", owner="TVP", owner_org="TVP",
    )  # fmt: skip
    alert = services.alerts.list()[0]
    services.alerts.acknowledge(member, alert.id)
    coordinator = services.members.actor(COORDINATOR)
    services.actions.set_status(coordinator, "P1.1", Status.RED, f"waiting for <@{MEMBER}> to report back")


def _everything(services: Services) -> str:
    """Every row of every table in the store, as text: where an erased ID must not be."""
    dumped = []
    with services.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                dumped.append(json.dumps(dict(row), default=str))
    return "\n".join(dumped)


# ---------------------------------------------------------------------- subject access


def test_export_writes_everything_stored_about_one_user_as_json_and_a_document(
    capsys, cli_env, cli_clock, services: Services, people, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contributions(services)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "privacy", "export", MEMBER.lower())
    assert code == 0, err
    assert f"Wrote subject-access-{MEMBER}.json and subject-access-{MEMBER}.md" in err
    answer = json.loads((tmp_path / f"subject-access-{MEMBER}.json").read_text(encoding="utf-8"))
    assert answer["subject"] == MEMBER and answer["generated_at"].startswith("2026-11-24T10:")
    data = answer["data"]
    assert {
        "members", "audit_events", "achievements", "achievement_changes", "actions", "action_changes",
        "risks", "risk_changes", "glossary_entries", "glossary_changes", "alerts",
    } <= set(data)  # fmt: skip
    assert data["members"]["rows"][0]["org"] == "TVP"
    assert data["achievements"]["rows"][0]["text"] == "4 ABCs issued in the town centre"
    assert any(r["reason"] == "two officers on leave" for r in data["action_changes"]["rows"])
    assert any(MEMBER in (r["reason"] or "") for r in data["action_changes"]["rows"]), (
        "mentions are found too"
    )
    assert any(r["acknowledged_by"] == MEMBER for r in data["alerts"]["rows"])
    assert any(r["action"] == "suggest" for r in data["glossary_changes"]["rows"])
    assert {r["action"] for r in data["audit_events"]["rows"]} >= {"member.add", "achievement.log"}
    assert answer["records"] == sum(len(t["rows"]) for t in data.values())
    assert answer["erasure_records"] == [] and answer["retention_days"]["audit"] == 2190
    document = (tmp_path / f"subject-access-{MEMBER}.md").read_text(encoding="utf-8")
    assert document.startswith(f"# What Wycombe Community Safety Partnership holds about Slack user {MEMBER}")
    assert "## Achievements they logged or last edited" in document and "4 ABCs issued" in document
    assert "Audit trail: 2190 days" in document
    # the coordinator's export does not drag in what the member did
    code, out, _ = run_cli(capsys, "privacy", "export", COORDINATOR, "--output", "-")
    coordinator = json.loads(out)
    assert (
        "achievements" not in coordinator["data"]
        and coordinator["data"]["members"]["rows"][0]["org"] == "WDC"
    )


def test_export_to_a_named_file_and_of_someone_unknown(capsys, cli_env, cli_clock, tmp_path: Path) -> None:
    target = tmp_path / "sar" / "answer.json"
    target.parent.mkdir()
    code, _, err = run_cli(capsys, "privacy", "export", "U0NOBODY", "--output", str(target))
    assert code == 0 and "Found nothing for U0NOBODY" in err
    assert json.loads(target.read_text())["data"] == {}
    assert "Nothing in the partnership's store holds" in (tmp_path / "sar" / "answer.md").read_text()
    code, _, err = run_cli(capsys, "privacy", "export", "not-an-id")
    assert code == 2 and "`NOT-AN-ID` is not a Slack user ID." in err and "Traceback" not in err


# ---------------------------------------------------------------------- erasure


def test_erase_previews_then_keeps_contributions_under_a_former_member(
    capsys, cli_env, cli_clock, services: Services, people
) -> None:
    _contributions(services)
    before = _everything(services)
    code, out, _ = run_cli(capsys, "privacy", "erase", MEMBER)
    assert code == 0 and f"Would erase {MEMBER}:" in out and "membership: removed" in out
    assert 'achievements: 1 kept, attributed to "a former member of TVP"' in out
    assert "Nothing changed yet" in out and _everything(services) == before, "a preview writes nothing"

    code, out, _ = run_cli(capsys, "privacy", "erase", MEMBER, "--apply")
    assert code == 0 and f"Erased {MEMBER}:" in out
    assert MEMBER not in _everything(services), "the ID is gone from every column of every table"
    with services.db.read() as session:
        assert session.get(Member, MEMBER) is None
        erasure = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erase")).one()
    assert erasure.actor == "cli" and erasure.target_type == "erased_member" and len(erasure.target_id) == 64
    assert erasure.detail["org"] == "TVP" and erasure.detail["deleted"] == {"members": 1}
    # the partnership's record stays, attributed to the organisation
    achievement = services.achievements.list()[0]
    assert achievement.text == "4 ABCs issued in the town centre"
    assert achievement.logged_by == "a former member of TVP"
    assert services.actions.get("P1.6").updated_by == "a former member of TVP"
    assert services.actions.get("P1.1").reason == "waiting for a former member of TVP to report back"
    assert [a.acknowledged_by for a in services.alerts.list() if a.kind == "new_risk"] == [
        "a former member of TVP"
    ]
    assert services.members.actor(COORDINATOR).role is Role.COORDINATOR, "nobody else is touched"

    # erase, then export: only the record of the erasure
    code, out, _ = run_cli(capsys, "privacy", "export", MEMBER, "--output", "-")
    answer = json.loads(out)
    assert answer["records"] == 0 and answer["data"] == {}
    assert [r["action"] for r in answer["erasure_records"]] == ["privacy.erase"]
    assert answer["erasure_records"][0]["detail"]["org"] == "TVP"
    code, out, _ = run_cli(capsys, "privacy", "erase", MEMBER, "--apply")
    assert code == 0 and "it was erased before" in out and "Nothing changed." in out


def test_erasing_a_coordinator_keeps_the_members_they_added(
    capsys, cli_env, cli_clock, services: Services, people
) -> None:
    services.members.add(services.members.actor(COORDINATOR), "U0NEWBIE", Role.MEMBER, "BCC")
    code, out, err = run_cli(capsys, "privacy", "erase", COORDINATOR, "--apply")
    assert code == 0 and "members: 1 kept" in out
    assert "the partnership has no coordinator now" in err, (
        "the only coordinator went: the operator is warned"
    )
    with services.db.read() as session:
        newbie = session.get(Member, "U0NEWBIE")
    assert newbie is not None and newbie.added_by == "a former member of WDC"
    assert COORDINATOR not in _everything(services)


def test_erase_of_a_member_removed_earlier_finds_their_organisation_in_the_audit(
    capsys, cli_env, cli_clock, services: Services, people
) -> None:
    services.achievements.log(services.members.actor(MEMBER), "2 ABCs issued", priority=1)
    services.members.remove(Actor.operator(), MEMBER)
    code, out, _ = run_cli(capsys, "privacy", "erase", MEMBER, "--apply")
    assert code == 0 and "membership: removed" not in out and "a former member of TVP" in out
    assert services.achievements.list()[0].logged_by == "a former member of TVP"


def test_the_installer_of_the_app_is_found_without_the_tokens_and_erased(
    capsys, cli_env, cli_clock, services: Services
) -> None:
    installed = {
        "client_id": "111.222", "app_id": "A0CSPBOT", "team_id": "T0CSP", "user_id": MEMBER,
        "bot_token": "xoxb-never-shown", "is_enterprise_install": False,
        "installed_at": services.db.utcnow().replace(tzinfo=None),
    }  # fmt: skip
    with services.db.transaction() as session:
        table = Table("slack_installations", MetaData(), autoload_with=session.connection())
        session.execute(insert(table).values(**installed))
    _, out, _ = run_cli(capsys, "privacy", "export", MEMBER, "--output", "-")
    (row,) = json.loads(out)["data"]["slack_installations"]["rows"]
    assert row["team_id"] == "T0CSP" and "xoxb-never-shown" not in out and "bot_token" not in row
    erased = run_cli(capsys, "privacy", "erase", MEMBER, "--apply")
    assert erased[0] == 0, erased
    with services.db.read() as session:
        assert session.execute(select(table.c.user_id, table.c.bot_token)).one() == (
            "a former member",  # the column holds 32 characters
            "xoxb-never-shown",
        ), "the workspace keeps working"


def test_erase_of_someone_unknown_changes_nothing(capsys, cli_env, cli_clock) -> None:
    code, out, _ = run_cli(capsys, "privacy", "erase", "U0NOBODY", "--apply")
    assert code == 0 and out.strip() == "Nothing is stored about U0NOBODY. Nothing changed."
    code, out, _ = run_cli(capsys, "audit", "privacy")
    assert "privacy.erase" not in out


# ---------------------------------------------------------------------- retention


def _aged(services: Services) -> None:
    """Rows on both sides of each retention limit, as the clock stands (TEST_START)."""
    now = services.db.utcnow()
    overdue_review = (now - timedelta(days=120)).date()
    with services.db.transaction() as session:
        session.add_all(
            [
                AuditEvent(at=now - timedelta(days=2200), actor="U0OLD", action="member.add",
                           target_type="member", target_id="U0OLD"),
                AuditEvent(at=now - timedelta(days=2000), actor="U0OLD", action="member.update",
                           target_type="member", target_id="U0OLD"),
                GlossaryMiss(query="zzold", count=3, first_seen=now - timedelta(days=500),
                             last_seen=now - timedelta(days=400)),
                GlossaryMiss(query="zznew", count=1, first_seen=now - timedelta(days=500),
                             last_seen=now - timedelta(days=10)),
                RequestKey(key="trigger:old", seen_at=now - timedelta(hours=2)),
                RequestKey(key="trigger:new", seen_at=now - timedelta(minutes=5)),
            ]
        )  # fmt: skip
        session.execute(update(RiskRow).where(RiskRow.ref == "R1").values(next_review=overdue_review))

        def alert(key: str, kind: str, subject: str, status: str, days: int) -> AlertRow:
            moment = now - timedelta(days=days)
            return AlertRow(
                key=key, kind=kind, subject_type="risk", subject_id=subject, severity="Medium", payload={},
                status=status, created_at=moment, posted_at=moment if status == "posted" else None,
            )  # fmt: skip

        session.add_all(
            [
                alert("risk:R2:rating:1", "rating_up", "R2", "posted", 100),  # purged
                alert("risk:R2:review-overdue:2026-01-01", "review_overdue", "R2", "posted", 100),  # purged
                alert(
                    f"risk:R1:review-overdue:{overdue_review}", "review_overdue", "R1", "posted", 100
                ),  # kept
                alert("risk:R3:rating:2", "rating_up", "R3", "pending", 200),  # never delivered: kept
                alert("risk:R3:rating:3", "rating_up", "R3", "posted", 10),  # recent: kept
            ]
        )


def _count(services: Services, model: Any) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_purge_previews_then_deletes_what_is_past_its_retention(
    capsys, cli_env, cli_clock, services: Services
) -> None:
    _aged(services)
    counts = {m: _count(services, m) for m in (AuditEvent, GlossaryMiss, AlertRow, RequestKey)}
    code, out, _ = run_cli(capsys, "privacy", "purge")
    assert code == 0 and out.startswith(
        "Would delete 1 audit rows (older than 2190 days), 1 look-ups that found nothing (older than 365 days), "
        "2 delivered alerts (posted over 90 days ago) and 1 request markers."
    )
    assert "Kept 1 old alerts about reviews or actions still overdue" in out
    assert {m: _count(services, m) for m in counts} == counts, "a preview deletes nothing"

    code, out, _ = run_cli(capsys, "privacy", "purge", "--apply")
    assert code == 0 and out.startswith("Deleted 1 audit rows") and "Recorded in the audit trail." in out
    with services.db.read() as session:
        assert set(session.scalars(select(GlossaryMiss.query))) == {"zznew"}
        assert set(session.scalars(select(RequestKey.key))) == {"trigger:new"}
        assert set(session.scalars(select(AlertRow.subject_id))) == {"R1", "R3"}
        assert session.scalar(select(func.count()).where(AuditEvent.actor == "U0OLD")) == 1
        purge = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.purge")).one()
    assert purge.actor == "cli" and purge.detail["audit_rows"] == 1 and purge.detail["delivered_alerts"] == 2
    assert purge.detail["retention_days"] == {"audit": 2190, "glossary_misses": 365, "delivered_alerts": 90}


def test_retention_settings_come_from_the_environment(
    capsys, cli_env, cli_clock, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aged(services)
    monkeypatch.setenv("CSP_RETENTION_AUDIT_DAYS", "1999")
    monkeypatch.setenv("CSP_RETENTION_GLOSSARY_MISSES_DAYS", "5")
    code, out, _ = run_cli(capsys, "privacy", "purge")
    assert code == 0 and "Would delete 2 audit rows (older than 1999 days), 2 look-ups" in out
    monkeypatch.setenv("CSP_RETENTION_OUTBOX_DAYS", "none")
    code, _, err = run_cli(capsys, "privacy", "purge")
    assert code == 2 and err.startswith("csp-bot: CSP_RETENTION_OUTBOX_DAYS") and "Traceback" not in err


def test_the_alert_worker_purges_once_a_day_under_a_lease(services: Services, clock: SettableClock) -> None:
    _aged(services)
    first = run_pass(services, None).purge
    assert first is not None and first.audit_rows == 1 and first.delivered_alerts == 2
    assert run_pass(services, None).purge is None, "once a day"
    assert services.data_protection.run_scheduled_purge("another-worker") is None

    clock.advance(days=1)
    assert take_lease(services.db, PURGE_LEASE, "busy-worker", 300)
    assert services.data_protection.run_scheduled_purge("this-worker") is None, "another process holds it"
    clock.advance(seconds=301)  # the lease has run out, still the same day
    second = services.data_protection.run_scheduled_purge("this-worker")
    assert second is not None and (second.audit_rows, second.request_keys) == (0, 1), (
        "a day older: trigger:new"
    )
    with services.db.read() as session:
        runs = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.purge")))
    assert [r.actor for r in runs] == ["retention", "retention"]


def test_alerts_run_from_cron_purges_once_a_day_too(
    capsys, cli_env, cli_clock, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.offline.slack_standin import SlackStandIn

    _aged(services)
    with SlackStandIn() as slack_api:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
        monkeypatch.setenv("SLACK_API_URL", slack_api.base_url)
        code, out, _ = run_cli(capsys, "alerts", "run")
        assert code == 0 and "Today's retention purge deleted 5 old rows." in out
        code, out, _ = run_cli(capsys, "alerts", "run")
        assert code == 0 and "retention purge" not in out, "once a day"


# ---------------------------------------------------------------------- the audit trail


def test_audit_from_the_command_line_newest_first_and_filtered(
    capsys, cli_env, cli_clock, services: Services, people
) -> None:
    member = services.members.actor(MEMBER)
    services.achievements.log(member, "2 ABCs issued", priority=1)
    services.actions.set_status(services.members.actor(COORDINATOR), "P1.6", Status.GREEN)
    code, out, _ = run_cli(capsys, "audit")
    lines = out.splitlines()
    assert code == 0 and [line.split("\t")[2] for line in lines] == [
        "action.status", "achievement.log", "member.add", "member.add",
    ]  # fmt: skip
    assert lines[0].startswith("2026-11-24 10:0") and " GMT\t" in lines[0]
    assert lines[0].endswith("action P1.6\tnot_started → green")
    code, out, _ = run_cli(capsys, "audit", "--user", MEMBER.lower())
    assert [line.split("\t")[2] for line in out.splitlines()] == ["achievement.log", "member.add"]
    assert run_cli(capsys, "audit", "--ref", "p1.6")[1].count("\n") == 1
    assert run_cli(capsys, "audit", "STATUS")[1].count("action.status") == 1
    code, out, err = run_cli(capsys, "audit", "--limit", "1")
    assert out.count("\n") == 1 and "--limit shows more" in err
    assert run_cli(capsys, "audit", "nothing-like-this")[1].strip() == "No audit entries match."
    code, _, err = run_cli(capsys, "audit", "--user", "jane")
    assert code == 2 and "is not a Slack user ID" in err


def test_slash_audit_is_for_coordinators_escaped_and_paginated(
    slack: SlackHarness, services: Services, people
) -> None:
    for who in (MEMBER, OUTSIDER):
        reply = slack.ask("audit", user=who)
        assert "Only partnership coordinators can see the audit trail." in reply["text"]
    services.risks.set_owner(Actor.operator(), "R2", "*Area* <!channel> team")
    reply = slack.ask("audit R2", user=COORDINATOR)
    shown = rendered_text(reply)
    assert (
        "Audit trail on R2" in shown and "&lt;!channel&gt;" in shown and "<!channel>" not in all_text(reply)
    )
    assert "∗Area∗" in shown, "typed markup is made inert"

    reply = slack.ask(f"audit <@{MEMBER}|jane>", user=COORDINATOR)
    assert f"by or about <@{MEMBER}>" in rendered_text(reply) and "member.add" in rendered_text(reply)
    assert f"member <@{MEMBER}>" in rendered_text(reply), "the member a change was made to is a mention too"

    with services.db.transaction() as session:
        for n in range(20):
            session.add(AuditEvent(actor=MEMBER, action="achievement.edit", target_type="achievement",
                                   target_id=str(n)))  # fmt: skip
    reply = slack.ask("audit", user=COORDINATOR)
    assert "Entries 1–15" in rendered_text(reply) and len(reply["blocks"]) <= 50
    (button,) = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == audit_views.OLDER
    assert slack.action(audit_views.OLDER, button["value"], user=COORDINATOR).status == 200
    older = slack.hook_posts("action")[-1]
    assert "Entries 16–" in rendered_text(older) and older.get("replace_original") is True
    slack.action(audit_views.OLDER, button["value"], user=OUTSIDER)
    assert "Only partnership coordinators" in rendered_text(slack.hook_posts("action")[-1])


# ---------------------------------------------------------------------- keeping the list of people columns true


def test_every_column_that_names_a_person_is_listed() -> None:
    """A new ``…_by``, ``actor`` or ``user_id`` column must be listed, so the DPO document stays true."""
    named = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name in {"actor", "user_id"} or column.name.endswith("_by")
    }
    listed = {(table, column) for table, columns in PEOPLE_COLUMNS.items() for column in columns}
    processes = {("alerts", "claimed_by")}  # a deliverer process's name, never a person
    assert named - listed - processes == set()
    assert {t for t, _ in listed} <= set(Base.metadata.tables)


def test_national_pack_choices_are_exported_and_erased_like_any_contribution(
    services: Services, people
) -> None:
    coordinator = services.members.actor(COORDINATOR)
    services.glossary.hide(coordinator, "uk-national:idva")
    services.glossary.set_pack(coordinator, "uk-national", enabled=False)
    found = {f.table: f for f in services.data_protection.export(Actor.operator(), COORDINATOR).found}
    assert found["glossary_pack_hidden"].rows[0]["hidden_by"] == COORDINATOR
    assert found["glossary_pack_hidden"].label == "National glossary entries they hid from the partnership"
    assert found["glossary_pack_settings"].rows[0]["updated_by"] == COORDINATOR
    erased = services.data_protection.erase(Actor.operator(), COORDINATOR, apply=True)
    assert erased.anonymised["glossary_pack_hidden"] == 1 and erased.anonymised["glossary_pack_settings"] == 1
    assert COORDINATOR not in _everything(services)
    assert [p.enabled for p in services.glossary.packs()] == [False], "the choices themselves stay"


def test_an_id_with_wildcards_is_refused_before_any_lookup(services: Services) -> None:
    from bot.errors import InvalidInput

    for call in (
        lambda: services.data_protection.erase(Actor.operator(), "U0%_", apply=True),
        lambda: services.data_protection.export(Actor.operator(), "U%"),
    ):
        with pytest.raises(InvalidInput):
            call()


def test_erasing_someone_named_in_the_glossary_leaves_no_saved_copy_of_the_old_text(
    services: Services,
) -> None:
    from store import glossary_repo
    from store.models import GlossaryEntryRow, GlossaryIndexSnapshot

    glossary = services.glossary
    glossary.save_index_from = 1  # the seeded glossary stands in for a large one: its index is saved
    with services.db.transaction() as session:  # an entry that names someone (written before any guard)
        row = session.scalars(select(GlossaryEntryRow).where(GlossaryEntryRow.key == "MARAC")).one()
        row.note = f"ask <@{MEMBER}> for the referral form"
        glossary_repo.bump_version(session)
    assert MEMBER in glossary.answer("MARAC", count=False).result.matches[0].note
    with services.db.read() as session:
        version = glossary_repo.read_version(session)
        assert session.scalar(select(func.count()).select_from(GlossaryIndexSnapshot)) == 1

    services.data_protection.erase(Actor.operator(), MEMBER, apply=True)
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(GlossaryIndexSnapshot)) == 0
        assert glossary_repo.read_version(session) > version
    note = glossary.answer("MARAC", count=False).result.matches[0].note
    assert MEMBER not in note and "a former member" in note
