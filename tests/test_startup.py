"""Start-up stays lean: a command imports only what it needs, and the migration check needs no Alembic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.clock import system_now
from store.db import Database, packaged_head

HEAVY = ("alembic", "mako", "pygments", "docx", "openpyxl", "reportlab", "matplotlib")

PROBE = """
import json, sys
from bot.cli import cli
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

#: what a look-up's start has no use for (each was imported by a warm `ask` before): pydantic-settings
#: (settings are read without it), YAML (the manifest and plan files), the plan's models, slack_sdk's
#: OAuth stores and SQLAlchemy's asyncio extension (OAuth only), email's header parser (uploads), the
#: alert service (a look-up raises none), platformdirs (only without DATABASE_URL)
NOT_FOR_A_LOOK_UP = (
    "pydantic_settings",
    "dotenv",
    "yaml",
    "store.plan_data",
    "slack_sdk.oauth.installation_store.sqlalchemy",
    "sqlalchemy.ext.asyncio",
    "bot.runtime.installations",
    "bot.runtime.manifest",
    "email.policy",
    "bot.services.alerts",
    "platformdirs",
)


def _run_probe(tmp_path: Path, probe: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -c PROBE ARGV`` in a fresh process with a bare environment (its own HOME and database),
    from the repository root; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}",
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _modules_after(tmp_path: Path, *argv: str, among: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``among`` (modules or packages) a fresh ``csp-bot ARGV`` has imported when it ends."""
    done = _run_probe(tmp_path, PROBE, *argv)
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    return sorted(
        {name for name in among for module in loaded if module == name or module.startswith(name + ".")}
    )


def test_help_and_a_warm_ask_import_no_migration_tool_or_report_renderer(tmp_path: Path) -> None:
    assert _modules_after(tmp_path, "--help") == []
    _modules_after(tmp_path, "ask", "acronym", "MARAC")  # the first run migrates: Alembic is fine then
    assert _modules_after(tmp_path, "ask", "acronym", "MARAC") == []


def test_a_warm_look_up_imports_nothing_only_other_commands_need(tmp_path: Path) -> None:
    _modules_after(tmp_path, "ask", "acronym", "MARAC")  # migrates and seeds
    assert _modules_after(tmp_path, "ask", "acronym", "MARAC", among=NOT_FOR_A_LOOK_UP) == []
    assert _modules_after(tmp_path, "--help", among=NOT_FOR_A_LOOK_UP) == []


def test_the_packaged_head_read_from_the_files_is_alembics(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'head.db'}", now=system_now)
    assert packaged_head() == database.head_revision()
    assert database.stored_revision() is None  # nothing migrated yet, and no error
    database.upgrade()
    assert database.stored_revision() == packaged_head()
    database.dispose()


def test_the_guards_patterns_compile_when_first_used_and_then_are_the_compiled_ones() -> None:
    import re
    import threading

    from bot.privacy import _LazyPattern

    source = r"(?P<d>[0-9]{2})/(?P<m>[0-9]{2})"
    lazy, compiled = _LazyPattern(source, re.IGNORECASE), re.compile(source, re.IGNORECASE)
    texts = ["on 03/04 and 05/06", "nothing here", ""]
    answers: list[object] = []

    def use() -> None:  # first use from several threads at once
        answers.append([[m.span() for m in lazy.finditer(text)] for text in texts])

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [[[m.span() for m in compiled.finditer(text)] for text in texts]] * 4
    for method in ("search", "match", "fullmatch"):
        for text in texts:
            found, expected = getattr(lazy, method)(text), getattr(compiled, method)(text)
            assert (found and found.groupdict()) == (expected and expected.groupdict())
    assert lazy.findall(texts[0]) == compiled.findall(texts[0])
    assert lazy.sub("[date]", texts[0]) == compiled.sub("[date]", texts[0])
    assert isinstance(lazy.search.__self__, re.Pattern)  # compiled once: the methods are a pattern's own


def test_a_command_leaves_its_heap_to_the_os_and_still_prints_everything(tmp_path: Path) -> None:
    # registered before main's handler, so it runs after it (exit handlers run last in, first out)
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0, file=sys.stderr))\n"
        "from bot.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    done = _run_probe(tmp_path, probe, "--help")
    assert done.stderr.strip().endswith("frozen at exit: True")
    assert done.stdout.rstrip().endswith(_last_help_line())


def _last_help_line() -> str:
    from click.testing import CliRunner

    from bot.cli import cli

    return CliRunner().invoke(cli, ["--help"], prog_name="csp-bot").output.rstrip().splitlines()[-1]


def test_a_warm_look_up_configures_no_orm_mapper(tmp_path: Path) -> None:
    """The reads that open the store and the index are Core: configuring every mapper was about a tenth of
    a warm `ask`'s work above the floor. (A write, or any ORM query, still configures them as needed.)"""
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "main(sys.argv[1:])\n"
        "from store.models import Base\n"
        "print('configured:', sum(mapper.configured for mapper in Base.registry.mappers), file=sys.stderr)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "HOME": str(tmp_path)}
    root = Path(__file__).resolve().parents[1]
    for _ in range(2):  # the first migrates and seeds
        done = subprocess.run(
            [sys.executable, "-c", probe, "ask", "acronym", "MARAC"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=root,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("MARAC: Multi Agency Risk Assessment Committee")
    assert done.stderr.strip().endswith("configured: 0")
