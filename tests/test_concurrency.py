"""Scale-out on PostgreSQL: four `csp-bot serve` workers under concurrent mixed traffic keep every write whole.

Eight client threads send signed slash commands at once (look-ups, achievement logs, action status changes,
risk changes that raise alerts, and commands that must be refused) to a real `csp-bot serve --workers 4`.
Afterwards the database itself is checked: every achievement once with one history row, every action's
history a consistent chain ending in its status, the alerts exactly those the changes raised, and each alert
posted to the alert channel exactly once although four workers' alert loops compete to deliver it.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import system_now
from bot.offline.signing import signed_headers, slash_command_body
from bot.offline.slack_standin import SlackStandIn
from store.db import Database
from store.models import (
    AchievementChange,
    AchievementRow,
    ActionChange,
    ActionRow,
    AlertRow,
    RiskChange,
    RiskRow,
)
from tests.harness import free_port, wait_until_serving

SECRET = "concurrency-test-secret"
ALERT_CHANNEL = "C0ALERTS"
PARTNER = "U0TVPCONC"  # a TVP member: logs achievements, updates the actions TVP leads
COORDINATOR = "U0COORDCONC"
OUTSIDER = "U0NOBODY"  # no membership: look-ups only
CLIENTS = 8
WORKERS = 4
TVP_ACTIONS = ("P1.3", "P1.5", "P1.6")  # the plan names TVP as their lead
UNLED_ACTION = "P1.1"  # no lead organisation: a TVP member is refused, so it must have no history
RISKS = ("R1", "R2", "R5", "R6")  # Medium × Medium (Medium): likelihood High makes them High
TRIGGERED_RISK = "R7"
LOOKUPS = (
    ("acronym MARAC", "Multi Agency Risk Assessment Committee"),
    ("define hate crime", "Hate Crime"),
    ("search exploitation", "Child Sexual Exploitation"),
    ("acronym MARRAC", "Multi Agency Risk Assessment Committee"),  # a typo, corrected
)
# the words a command uses -> the status stored; and the status label the reply shows
STATUS_WORDS = {
    "green": "green",
    "amber": "amber",
    "red": "red",
    "complete": "complete",
    "not started": "not_started",
}
STATUS_LABELS = {
    "green": "green (on track)",
    "amber": "amber (at risk)",
    "red": "red (off track)",
    "complete": "complete",
    "not_started": "not started",
}
# the rating rule in force by default (README): Low=1, Medium=2, High=3; score 1–2 Low, 3–4 Medium, 6–9 High
SCORES = {"Low": 1, "Medium": 2, "High": 3}


def _rating_rank(likelihood: str, impact: str) -> int:
    score = SCORES[likelihood] * SCORES[impact]
    return 0 if score <= 2 else 1 if score <= 4 else 2


@dataclass(frozen=True)
class Command:
    kind: str  # lookup | log | status | status_refused | risk_level | risk_trigger
    text: str
    user: str
    expect: str  # lookup: a phrase in the reply; log: the exact reply; others: how the reply starts
    ref: str | None = None
    status: str | None = None  # the status stored when accepted
    reason: str | None = None


@dataclass
class Answer:
    command: Command
    status: int
    text: str


def _commands(client: int) -> list[Command]:
    """One client's commands, shuffled (deterministically) so writes of every kind interleave."""
    commands: list[Command] = []
    for k in range(8):
        query, phrase = LOOKUPS[(client + k) % len(LOOKUPS)]
        commands.append(Command("lookup", query, OUTSIDER if k % 2 else PARTNER, phrase))
    for k in range(5):
        text = f"Concurrency test achievement {k} by client {client}"
        commands.append(Command("log", f"log P1 {text}", PARTNER, f"Logged under P1: {text}"))
    changes = (
        ("green", None),
        ("amber", "reason"),
        ("red", "reason"),
        ("complete", None),
        ("not started", None),
    )
    for k, (word, needs) in enumerate(changes):
        ref = TVP_ACTIONS[(client + k) % len(TVP_ACTIONS)]
        reason = f"{needs} {client}-{k}" if needs else None
        text = f"action {ref} {word}" + (f' "{reason}"' if reason else "")
        user = PARTNER if (client + k) % 2 else COORDINATOR  # both may update a TVP-led action
        commands.append(Command("status", text, user, f"*{ref}* is now", ref, STATUS_WORDS[word], reason))
    ref = TVP_ACTIONS[client % len(TVP_ACTIONS)]
    commands.append(  # amber needs a reason: refused, nothing may change
        Command("status_refused", f"action {ref} amber", PARTNER, "Amber (at risk) needs a reason", ref)
    )
    commands.append(  # not TVP's action: refused for a TVP member
        Command(
            "status_refused",
            f"action {UNLED_ACTION} green",
            PARTNER,
            f"{UNLED_ACTION} has no lead",
            UNLED_ACTION,
        )
    )
    for k in range(3):
        ref = RISKS[(client + k) % len(RISKS)]
        level = "high" if client % 2 == 0 else "medium"  # each risk hears both, from several clients
        text = f'risk {ref} likelihood {level} "reason {client}-{k}"'
        commands.append(
            Command("risk_level", text, COORDINATOR, f"*{ref}*: likelihood now {level.capitalize()}.", ref)
        )
    if client % 4 == 0:
        text = f'risk {TRIGGERED_RISK} trigger "contingency test {client}"'
        commands.append(
            Command(
                "risk_trigger", text, COORDINATOR, f"*{TRIGGERED_RISK}*: contingency invoked.", TRIGGERED_RISK
            )
        )
    random.Random(client).shuffle(commands)
    return commands


# ---------------------------------------------------------------------- the server


def _csp_bot() -> str:
    return str(Path(sys.executable).parent / "csp-bot")


def _env(database_url: str, standin: SlackStandIn) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return {
        **clean,
        "CSP_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-concurrency-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.base_url,
        "CSP_ALERT_CHANNEL": ALERT_CHANNEL,
        "CSP_ALERT_INTERVAL": "1",
    }


def _workers_of(master: int) -> int | None:
    """How many child processes (gunicorn workers) the master has, from /proc; None where there is none."""
    if not Path("/proc").is_dir():
        return None
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            count += int(stat[stat.rfind(")") + 2 :].split()[1]) == master
    return count


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "the PostgreSQL scale-out test: several workers writing one shared server database "
            "(SQLite's single file is covered by the other tests)"
        )
    return database_url


@pytest.fixture
def server(postgres_url: str, standin: SlackStandIn, tmp_path: Path) -> Iterator[int]:
    """`csp-bot serve --workers 4` with members registered through the CLI; yields its port."""
    env = _env(postgres_url, standin)
    for args in (
        ("members", "add", PARTNER, "--org", "TVP"),
        ("members", "add", COORDINATOR, "--role", "coordinator", "--org", "WDC"),
    ):
        done = subprocess.run([_csp_bot(), *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    port = free_port()
    # the log goes to a file, not a pipe: four busy workers must never block on a pipe nobody reads yet
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [_csp_bot(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(
            port,
            process,
            ready=lambda: (_workers_of(process.pid) or WORKERS) >= WORKERS,
            describe=lambda: f"wanted {WORKERS} workers:\n{log_path.read_text()[-3000:]}",
        )
        yield port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert "Traceback" not in log_path.read_text(errors="replace"), log_path.read_text(errors="replace")[
        -3000:
    ]


def _send(port: int, command: Command, response_url: str, trigger: str) -> Answer:
    """One freshly signed slash command on a new connection (so the workers share the clients)."""
    body = slash_command_body(
        command.text, user_id=command.user, channel_id="C0CONC", response_url=response_url, trigger_id=trigger
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=signed_headers(SECRET, body))
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    try:
        text = str(json.loads(payload).get("text", ""))
    except (ValueError, AttributeError):
        text = f"(not a JSON message) {payload[:200]!r}"
    return Answer(command, response.status, text)


def _run_clients(port: int, response_url: str) -> list[Answer]:
    answers: list[list[Answer]] = [[] for _ in range(CLIENTS)]
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS)

    def client(number: int) -> None:
        try:
            start.wait(timeout=30)
            for i, command in enumerate(_commands(number)):
                answers[number].append(_send(port, command, response_url, f"{number}.{i}.conc"))
        except BaseException as error:  # reported below, with the client's number
            errors.append(error)

    threads = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, f"clients failed: {errors!r}"
    assert not any(thread.is_alive() for thread in threads), "a client did not finish"
    return [answer for client_answers in answers for answer in client_answers]


def _unchanged(answer: Answer) -> bool:
    """The reply to a change that was already so: "R2's likelihood is already High; nothing changed." """
    return (
        answer.command.ref is not None
        and answer.text.startswith(answer.command.ref)
        and (answer.text.endswith("; nothing changed."))
    )


# ---------------------------------------------------------------------- the test


def test_four_workers_keep_every_write_whole_and_post_each_alert_once(
    server: int, postgres_url: str, standin: SlackStandIn
) -> None:
    answers = _run_clients(server, standin.response_url())
    assert len(answers) == sum(len(_commands(n)) for n in range(CLIENTS))

    # every reply is 200 and the right one; each command accepted or refused as its kind says
    wrong = []
    for answer in answers:
        command, text = answer.command, answer.text
        right = answer.status == 200 and (
            command.expect in text
            if command.kind == "lookup"
            else text == command.expect
            if command.kind == "log"
            else text.startswith(command.expect)
        )
        if not right and command.kind in {"status", "risk_level"}:
            # another client got there first: setting what is already set changes nothing, and says so
            right = answer.status == 200 and _unchanged(answer)
        elif right and command.kind == "status":
            right = STATUS_LABELS[command.status or ""] in text
        if not right:
            wrong.append((command.text, command.user, answer.status, text[:200]))
    assert not wrong, f"{len(wrong)} wrong replies: {wrong[:5]}"

    database = Database(postgres_url, now=system_now)
    try:
        with database.read() as session:
            # achievements: each logged text stored exactly once, with exactly one "log" history row
            logged = [
                a.command.expect.removeprefix("Logged under P1: ") for a in answers if a.command.kind == "log"
            ]
            assert len(logged) == CLIENTS * 5 and len(set(logged)) == len(logged)
            rows = session.scalars(
                select(AchievementRow).where(AchievementRow.text.like("Concurrency test %"))
            ).all()
            assert Counter(r.text for r in rows) == Counter(logged)
            assert all(
                (r.priority, r.organisation, r.logged_by, r.status) == (1, "TVP", PARTNER, "active")
                for r in rows
            )
            history = Counter(
                session.scalars(
                    select(AchievementChange.achievement_id).where(
                        AchievementChange.achievement_id.in_([r.id for r in rows])
                    )
                ).all()
            )
            log_rows = Counter(
                session.scalars(
                    select(AchievementChange.achievement_id).where(
                        AchievementChange.achievement_id.in_([r.id for r in rows]),
                        AchievementChange.action == "log",
                    )
                ).all()
            )
            assert all(history[r.id] == 1 and log_rows[r.id] == 1 for r in rows), (history, log_rows)

            # actions: one history row per accepted status command, chained before -> after, ending in the status
            red_turns: Counter[str] = Counter()
            for ref in (*TVP_ACTIONS, UNLED_ACTION):
                accepted = [
                    a.command
                    for a in answers
                    if a.command.kind == "status" and a.command.ref == ref and not _unchanged(a)
                ]
                changes = session.scalars(
                    select(ActionChange)
                    .where(ActionChange.action_ref == ref, ActionChange.field == "status")
                    .order_by(ActionChange.id)
                ).all()
                row = session.scalars(select(ActionRow).where(ActionRow.ref == ref)).one()
                assert row is not None
                assert len(changes) == len(accepted), (
                    f"{ref}: {len(changes)} changes for {len(accepted)} commands"
                )
                assert Counter((c.after, c.reason) for c in changes) == Counter(
                    (c.status, c.reason) for c in accepted
                )
                if not changes:
                    assert ref == UNLED_ACTION and row.status == "not_started"
                    continue
                assert changes[0].before == "not_started", f"{ref} starts from its seeded status"
                for previous, change in pairwise(changes):
                    assert change.before == previous.after, f"{ref}: change {change.id} lost {previous.id}"
                assert (row.status, row.reason) == (changes[-1].after, changes[-1].reason)
                red_turns[ref] = sum(1 for c in changes if c.after == "red" and c.before != "red")
            assert all(red_turns[ref] >= 1 for ref in TVP_ACTIONS)  # the first red on each was a turn to red

            # risks: likelihood changes chained and real (a change to the same level records nothing);
            # the rating rises, and the triggers, are exactly the alerts raised
            rises: Counter[str] = Counter()
            for ref in RISKS:
                risk = session.get(RiskRow, ref)
                assert risk is not None
                changes = session.scalars(
                    select(RiskChange)
                    .where(RiskChange.risk_ref == ref, RiskChange.field == "likelihood")
                    .order_by(RiskChange.id)
                ).all()
                sent = sum(1 for a in answers if a.command.kind == "risk_level" and a.command.ref == ref)
                assert 1 <= len(changes) <= sent
                assert changes[0].before == "Medium"
                for previous, change in pairwise(changes):
                    assert change.before == previous.after
                assert all(c.before != c.after for c in changes)
                assert risk.likelihood == changes[-1].after
                rises[ref] = sum(
                    1
                    for c in changes
                    if _rating_rank(c.after or "", risk.impact) > _rating_rank(c.before or "", risk.impact)
                )
                assert rises[ref] >= 1  # the first change from Medium to High on each
            triggers = session.scalars(
                select(RiskChange).where(RiskChange.risk_ref == TRIGGERED_RISK, RiskChange.field == "trigger")
            ).all()
            assert len(triggers) == sum(1 for a in answers if a.command.kind == "risk_trigger") >= 1

            alerts = session.scalars(select(AlertRow)).all()
            raised = Counter((a.kind, a.subject_id) for a in alerts)
            assert {ref: raised[("action_red", ref)] for ref in TVP_ACTIONS} == dict(red_turns)
            assert {ref: raised[("rating_up", ref)] for ref in RISKS} == dict(rises)
            assert raised[("contingency_triggered", TRIGGERED_RISK)] == len(triggers)
    finally:
        database.dispose()

    # delivery: the four workers' alert loops (and the handlers' own delivery) post each alert exactly once
    deadline = time.monotonic() + 25
    while True:
        database = Database(postgres_url, now=system_now)
        try:
            with database.read() as session:
                pending = session.scalars(select(AlertRow.key).where(AlertRow.status == "pending")).all()
        finally:
            database.dispose()
        if not pending:
            break
        assert time.monotonic() < deadline, f"alerts still pending: {pending}"
        time.sleep(0.2)
    time.sleep(2.5)  # two more passes of every worker's loop: nothing more may be posted

    database = Database(postgres_url, now=system_now)
    try:
        with database.read() as session:
            # nudges (to members' direct messages, when the real date is in a nudge round) are not channel alerts
            alerts = session.scalars(select(AlertRow).where(AlertRow.kind != "nudge")).all()
    finally:
        database.dispose()
    posts = [
        c
        for c in standin.calls_to("chat.postMessage")
        if c.args.get("channel") == ALERT_CHANNEL and c.status == 200
    ]
    keys = Counter(c.args["metadata"]["event_payload"]["alert_key"] for c in posts)
    twice = {key: n for key, n in keys.items() if n > 1}
    assert not twice, f"alerts posted more than once: {twice}"
    assert set(keys) == {a.key for a in alerts}, "every alert posted, and nothing else"
    assert len(alerts) >= len(TVP_ACTIONS) + len(RISKS) + 1
    assert all(a.status == "posted" and a.channel == ALERT_CHANNEL and a.message_ts for a in alerts)
    assert len({a.message_ts for a in alerts}) == len(alerts), "each alert recorded with its own message"
