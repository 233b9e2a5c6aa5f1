"""The csp-bot command line, in-process through ``main()`` and once as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import run_cli


def test_ask_prints_the_reply_as_a_person_reads_it(capsys, cli_env) -> None:
    code, out, _ = run_cli(capsys, "ask", "acronym MARAC")
    assert code == 0
    assert out.splitlines()[0] == "MARAC: Multi Agency Risk Assessment Committee"
    assert "[Share in channel]" in out


def test_ask_json_has_the_body_slack_receives_and_the_api_calls(capsys, cli_env) -> None:
    code, out, _ = run_cli(capsys, "ask", "--json", "acronym", "MARAC")
    assert code == 0
    data = json.loads(out)
    assert data["response"]["response_type"] == "ephemeral"
    assert data["response"]["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert data["api_calls"] == []


def test_ask_as_a_coordinator_records_the_modal(capsys, cli_env) -> None:
    assert run_cli(capsys, "members", "add", "U0COORD", "--role", "coordinator")[0] == 0
    code, out, _ = run_cli(capsys, "ask", "--json", "--user", "U0COORD", "glossary add NPS")
    data = json.loads(out)
    (call,) = data["api_calls"]
    assert call["method"] == "views.open"
    assert call["args"]["view"]["callback_id"] == "glossary_entry_form"
    code, out, _ = run_cli(
        capsys, "ask", "--user", "U0COORD", "glossary add NPS = National Probation Service"
    )
    assert code == 0 and "Added NPS" in out
    assert run_cli(capsys, "ask", "acronym NPS")[1].startswith("NPS: National Probation Service")


def test_glossary_lookup_json_lines_and_stdin(capsys, cli_env, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_cli(capsys, "glossary", "lookup", "--json", "MARRAC")
    record = json.loads(out)
    assert record["status"] == "found"
    assert record["corrected_from"] == "MARRAC"
    assert record["matches"][0] == {
        "key": "MARAC",
        "kind": "acronym",
        "text": "Multi Agency Risk Assessment Committee",
        "source": "Appendix B – Glossary of Acronyms",
        "pack": None,
    }
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("PPE\nmulti agency\n\nxqzw\n"))
    code, out, _ = run_cli(capsys, "glossary", "lookup", "--json", "-")
    assert code == 0
    statuses = [json.loads(line)["status"] for line in out.splitlines()]
    assert statuses == ["suggestions", "ambiguous", "not_found"]
    assert json.loads(out.splitlines()[0])["suggestions"][0]["key"] == "PPO"


def test_glossary_export_and_import(capsys, cli_env, tmp_path: Path) -> None:
    exported = tmp_path / "glossary.csv"
    assert run_cli(capsys, "glossary", "export", "--format", "csv", "--output", str(exported))[0] == 0
    assert exported.read_text().startswith("kind,key,text,")
    extra = tmp_path / "extra.csv"
    extra.write_text("kind,key,text\nacronym,NPS,National Probation Service\n")
    code, out, _ = run_cli(capsys, "glossary", "import", str(extra))
    assert code == 0 and out.startswith("Would add 1, change 0, leave 0 unchanged, refuse 0.")
    assert "  added: NPS: National Probation Service" in out and "run again with --apply" in out
    code, out, _ = run_cli(capsys, "glossary", "import", str(extra), "--apply")
    assert code == 0 and out.startswith("Added 1, changed 0, left 0 unchanged.")
    code, out, _ = run_cli(capsys, "glossary", "import", str(exported), "--apply")
    assert out.startswith("Added 0, changed 0, left 60 unchanged.")
    code, out, _ = run_cli(capsys, "glossary", "export", "--format", "json")
    assert any(e["key"] == "NPS" for e in json.loads(out)["entries"])


def test_an_import_leaves_a_large_glossarys_index_saved_for_the_workers(
    capsys, cli_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import create_engine, text

    from bot.services import glossary as glossary_service

    monkeypatch.setattr(
        glossary_service, "SAVE_INDEX_FROM", 1
    )  # the seeded glossary stands in for a large one
    extra = tmp_path / "extra.csv"
    extra.write_text("kind,key,text\nacronym,NPS,National Probation Service\n")
    code, out, _ = run_cli(capsys, "glossary", "import", str(extra))
    assert code == 0 and "index" not in out  # a dry run builds nothing
    code, out, _ = run_cli(capsys, "glossary", "import", str(extra), "--apply")
    assert code == 0
    assert (
        out.splitlines()[1]
        == "The glossary's index is saved: the bot's workers load it rather than build it."
    )
    engine = create_engine(cli_env)
    with engine.connect() as connection:
        version = connection.execute(
            text("SELECT value FROM app_state WHERE name = 'glossary_version'")
        ).scalar()
        saved = connection.execute(text("SELECT version FROM glossary_index_snapshots")).scalars().all()
    engine.dispose()
    assert saved == [int(version)]
    code, out, _ = run_cli(capsys, "glossary", "import", str(extra), "--apply")
    assert out.strip() == "Added 0, changed 0, left 1 unchanged."  # nothing changed: nothing to build


def test_import_shows_changes_and_needs_replace_for_the_plans_wording(
    capsys, cli_env, tmp_path: Path
) -> None:
    file = tmp_path / "new.yaml"
    file.write_text(
        "entries:\n  - {kind: acronym, key: MARAC, text: Multi-Agency Risk Assessment Conference}\n"
        "  - {kind: acronym, key: NPS, text: National Probation Service}\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "glossary", "import", str(file))
    assert code == 0
    assert "  refused: marac: it would replace the plan's own wording (use --replace to do so)" in out
    code, out, err = run_cli(capsys, "glossary", "import", str(file), "--apply")
    assert code == 2 and "nothing written: 1 refused" in err
    assert (
        "not_found" in run_cli(capsys, "glossary", "lookup", "--json", "NPS")[1]
        or "suggestions" in run_cli(capsys, "glossary", "lookup", "--json", "NPS")[1]
    )
    code, out, _ = run_cli(capsys, "glossary", "import", str(file), "--replace")
    assert "  changed: MARAC (replaces the plan's wording)" in out
    assert "    text: Multi Agency Risk Assessment Committee → Multi-Agency Risk Assessment Conference" in out
    code, out, _ = run_cli(capsys, "glossary", "import", str(file), "--replace", "--apply")
    assert code == 0 and out.startswith("Added 1, changed 1, left 0 unchanged.")
    record = json.loads(run_cli(capsys, "glossary", "lookup", "--json", "MARAC")[1])
    assert record["matches"][0]["text"] == "Multi-Agency Risk Assessment Conference"


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files = {
        "latin1": (
            "latin.csv",
            "kind,key,text\nterm,Café,Un café\n".encode("latin-1"),
            "not UTF-8 at line 2",
        ),
        "utf16": ("wide.csv", "kind,key,text\nterm,Cafe,x\n".encode("utf-16"), "is UTF-16"),
        "big field": (
            "big.csv",
            ("kind,key,text\nterm,Big," + "x" * 200_000 + "\n").encode(),
            "field larger than field limit",
        ),
        "128 KB text": (
            "big.yaml",
            ("entries:\n  - {kind: term, key: Big, text: " + "x" * 131_072 + "}\n").encode(),
            "at most 3000 characters",
        ),
        "deep json": ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        "deep yaml": ("deep.yaml", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    }
    out = {}
    for label, (name, data, message) in files.items():
        (tmp_path / name).write_bytes(data)
        out[label] = (tmp_path / name, message)
    return out


def test_unreadable_import_files_are_one_line_and_write_nothing(capsys, cli_env, tmp_path: Path) -> None:
    before = run_cli(capsys, "glossary", "export", "--format", "csv")[1]
    for label, (path, message) in _bad_files(tmp_path).items():
        code, out, err = run_cli(capsys, "glossary", "import", str(path), "--apply")
        assert code == 2, label
        assert err.count("\n") == 1 and message in err and path.name in err, (label, err)
        assert "Traceback" not in err + out
    assert run_cli(capsys, "glossary", "export", "--format", "csv")[1] == before


def test_lookup_of_several_arguments_answers_each(capsys, cli_env) -> None:
    code, out, _ = run_cli(
        capsys, "glossary", "lookup", "--json", "MARAC", "PPE", "prolific and priority offender"
    )
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in records] == ["MARAC", "PPE", "prolific and priority offender"]
    assert [r["status"] for r in records] == ["found", "suggestions", "found"]
    assert records[2]["matches"][0]["key"] == "PPO" and records[2]["differs"] == []
    _, out, _ = run_cli(capsys, "glossary", "lookup", "MAPPA", "Multi-Agency Risk Assessment Conference")
    assert out.startswith("MAPPA: Multi Agency Public Protection Assessment\n")
    assert "(closest name in the glossary: the glossary calls it “Committee”, not “Conference”)" in out


def test_import_of_a_broken_file_is_one_clear_line(capsys, cli_env, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("key,meaning\nNPS,x\n")
    code, _, err = run_cli(capsys, "glossary", "import", str(broken))
    assert code == 2
    assert err.strip() == "csp-bot: broken.csv: the header must include kind,key,text (missing: kind, text)"


def test_members(capsys, cli_env) -> None:
    assert run_cli(capsys, "members", "list")[1].startswith("No members yet.")
    assert run_cli(capsys, "members", "add", "u0abc", "--role", "coordinator", "--org", "WDC")[1] == (
        "U0ABC is now a coordinator (WDC).\n"
    )
    assert "U0ABC\tcoordinator\tWDC" in run_cli(capsys, "members", "list")[1]
    code, _, err = run_cli(capsys, "members", "add", "not-a-user")
    assert code == 2 and "is not a Slack user ID" in err
    assert run_cli(capsys, "members", "remove", "U0ABC")[0] == 0


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "SLACK_BOT_TOKEN",
            "xoxp-user-token",
            "csp-bot: SLACK_BOT_TOKEN must be a bot token starting with xoxb-.",
        ),
        (
            "SLACK_API_URL",
            "slack.com",
            "csp-bot: SLACK_API_URL must be an http(s) URL such as https://slack.com/api/.",
        ),
        ("DATABASE_URL", "not a url", "csp-bot: DATABASE_URL is not a valid database URL"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_it(
    capsys, cli_env, monkeypatch, variable, value, message
) -> None:
    monkeypatch.setenv(variable, value)
    code, _, err = run_cli(capsys, "ask", "acronym MARAC")
    assert code == 2
    assert err.strip() == message


def test_serve_without_its_secrets_says_which(capsys, cli_env) -> None:
    code, _, err = run_cli(capsys, "serve")
    assert code == 2
    assert err.strip() == (
        "csp-bot: SLACK_BOT_TOKEN is not set: it is needed to serve one workspace "
        "(or set SLACK_CLIENT_ID/SECRET for many)."
    )
    code, _, err = run_cli(capsys, "serve", "--socket")
    assert err.strip() == "csp-bot: SLACK_BOT_TOKEN is not set: it is needed for Socket Mode."


def test_db_upgrade_is_idempotent(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    code, out, _ = run_cli(capsys, "db", "upgrade")
    assert code == 0 and "(was empty)" in out
    assert run_cli(capsys, "db", "upgrade")[1].endswith("up to date.\n")


def test_manifest_check(capsys, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    assert run_cli(capsys, "manifest", "--check", str(root / "app-manifest.yml"))[0] == 0
    stale = tmp_path / "stale.yml"
    stale.write_text("old")
    assert run_cli(capsys, "manifest", "--check", str(stale))[0] == 1


def test_readme_first_command_in_a_real_process(tmp_path: Path) -> None:
    """`csp-bot ask "acronym MARAC"` on a machine with no database yet and no Slack settings."""
    executable = shutil.which("csp-bot", path=str(Path(sys.executable).parent)) or shutil.which("csp-bot")
    assert executable, "csp-bot is not installed (pip install -e .)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "HTTP", "http"))}
    clean["HOME"] = str(tmp_path)  # the default database goes under the user's data directory
    clean["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        [executable, "ask", "acronym MARAC"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "MARAC: Multi Agency Risk Assessment Committee"
    assert (tmp_path / "data" / "csp-bot" / "csp-bot-demo.sqlite3").exists(), "trying it uses the demo store"
    assert not (tmp_path / "data" / "csp-bot" / "csp-bot.sqlite3").exists()
    assert "Traceback" not in done.stderr


@pytest.fixture
def no_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No DATABASE_URL, and a user data directory of the test's own."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "csp-bot"


def test_trying_the_bot_uses_a_demo_database_the_server_never_does(
    capsys, no_database_url: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "demo database" in run_cli(capsys, "ask", "--help")[1]
    assert run_cli(capsys, "members", "add", "U0TVP1", "--org", "TVP")[0] == 0
    code, out, _ = run_cli(capsys, "ask", "--user", "U0TVP1", "whoami")
    assert code == 0 and "TVP" in out, "the README's walk-through: members add, then ask, on one demo store"
    assert [p.name for p in no_database_url.glob("*.sqlite3")] == ["csp-bot-demo.sqlite3"]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-real-looking")
    for argv, why in [
        (["serve"], "to serve Slack"),
        (["serve", "--socket"], "to serve Slack"),
        (["alerts", "run"], "to post alerts"),
        (["ask", "acronym MARAC"], "for `ask` with SLACK_BOT_TOKEN"),
    ]:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and err.startswith(f"csp-bot: DATABASE_URL is not set: it is needed {why}"), argv
        assert "csp-bot-demo.sqlite3" in err and "DATABASE_URL=sqlite:///" in err and "\n" not in err.strip()
    assert [p.name for p in no_database_url.glob("*.sqlite3")] == ["csp-bot-demo.sqlite3"]


def test_ask_with_a_bot_token_talks_to_the_configured_slack(capsys, cli_env, monkeypatch) -> None:
    from bot.offline.slack_standin import SlackStandIn

    with SlackStandIn() as configured_slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
        monkeypatch.setenv("SLACK_API_URL", configured_slack.base_url)
        assert run_cli(capsys, "members", "add", "U0COORD", "--role", "coordinator")[0] == 0
        code, out, _ = run_cli(capsys, "ask", "--json", "--user", "U0COORD", "glossary add NPS")
        assert code == 0
        (call,) = configured_slack.calls_to("views.open")
        assert call.headers["authorization"] == "Bearer ***"
        assert [c["method"] for c in json.loads(out)["api_calls"]] == ["views.open"]


def test_ask_with_slack_unreachable_still_answers_and_explains(capsys, cli_env, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{_closed_port()}/api/")
    assert run_cli(capsys, "members", "add", "U0COORD", "--role", "coordinator")[0] == 0
    code, out, _ = run_cli(capsys, "ask", "acronym MARAC")
    assert out.startswith("MARAC: "), "a look-up needs no Web API call, so it works without Slack"
    code, out, err = run_cli(capsys, "ask", "--json", "--user", "U0COORD", "glossary add NPS")
    assert code == 0
    data = json.loads(out)
    assert "Slack didn't answer just now" in json.dumps(data["response"])
    assert {c["method"] for c in data["api_calls"]} <= {"auth.test", "views.open"}
    assert "Traceback" not in err


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_partnerships_are_added_linked_listed_and_asked_from_the_command_line(
    capsys, cli_env, tmp_path: Path
) -> None:
    import yaml

    plan = yaml.safe_load(Path("store/plans/wycombe-2017-2020.yaml").read_text(encoding="utf-8"))
    plan["partnership"]["name"] = "Chiltern Community Safety Partnership"
    plan["achievements"] = [
        {"priority": 1, "plan_year": "2018/19", "organisation": "TVP", "text": "Chiltern's own achievement"}
    ]
    path = tmp_path / "chiltern.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")

    code, out, err = run_cli(
        capsys, "partnership", "add", "chiltern", "--plan", str(path), "--team", "T0CHI",
        "--alert-channel", "C0CHIALERTS",
    )  # fmt: skip
    assert code == 0, err
    assert "Added chiltern: Chiltern Community Safety Partnership." in out
    assert "Linked T0CHI to chiltern." in out
    code, out, _ = run_cli(capsys, "partnership", "list")
    assert "default\tWycombe Community Safety Partnership" in out
    assert "chiltern\tChiltern Community Safety Partnership" in out and "T0CHI" in out

    code, out, _ = run_cli(capsys, "--partnership", "chiltern", "report", "achievements", "--year", "all")
    assert "Chiltern's own achievement" in out
    code, out, _ = run_cli(capsys, "report", "achievements", "--year", "all")
    assert "Chiltern's own achievement" not in out and "Section 35 Dispersal Notices" in out
    code, out, _ = run_cli(capsys, "--partnership", "chiltern", "ask", "alerts")
    assert "C0CHIALERTS" in out

    code, out, _ = run_cli(capsys, "partnership", "link", "default", "--team", "T0CHI")
    assert "Linked T0CHI to default." in out
    code, out, _ = run_cli(capsys, "partnership", "unlink", "--team", "T0CHI")
    assert "Unlinked T0CHI." in out
    code, out, _ = run_cli(capsys, "db", "upgrade")
    assert "Partnership chiltern at revision" in out

    code, _, err = run_cli(capsys, "partnership", "add", "chiltern", "--plan", str(path))
    assert code == 2 and "already a partnership called 'chiltern'" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("partnership: {}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "partnership", "add", "broken", "--plan", str(broken))
    assert code == 2 and err.startswith(f"csp-bot: {broken}: ") and "Traceback" not in err
    code, _, err = run_cli(capsys, "--partnership", "nowhere", "report", "achievements")
    assert code == 2 and "no partnership called 'nowhere'" in err
