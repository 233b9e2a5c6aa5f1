"""The README stays true: its reply, commands, settings and test command are checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.offline.ask import ask
from bot.offline.plaintext import render_message
from bot.settings import Settings
from handlers.router import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_rendered_reply_is_what_ask_prints(settings: Settings) -> None:
    match = re.search(r"<!-- README-REPLY:(.+?) -->\n```text\n(.*?)```", README, re.S)
    assert match, "the README shows a real reply"
    question, shown = match.group(1), match.group(2)
    result = ask(settings, question)
    assert result.response is not None
    assert render_message(result.response) + "\n" == shown


@pytest.mark.parametrize("question", ["acronym MARRAC", "acronym PPE", "multi agency"])
def test_the_other_sample_replies_are_real(settings: Settings, question: str) -> None:
    result = ask(settings, question)
    assert result.response is not None
    assert f'$ csp-bot ask "{question}"\n{render_message(result.response)}\n' in README


def test_every_subcommand_is_documented() -> None:
    for sub in SUBCOMMANDS:
        assert f"`{sub.usage.replace('|', chr(92) + '|')}`" in README, sub.usage


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert len(commands) >= 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci, "CI runs the README's test command, exactly"
    assert any(line.startswith("env -u CSP_TEST_POSTGRES_URL tests/faketime/pytest-at ") for line in ci), (
        "and the SQLite half again at a shifted date"
    )
    assert commands[0].endswith('csp-bot ask "acronym MARAC"')


def test_the_block_kit_example_is_the_real_reply(settings: Settings) -> None:
    import json

    example = re.search(r"```json\n(.*?)\n```", README, re.S)
    assert example, "the README shows the Block Kit reply"
    assert json.loads(example.group(1)) == ask(settings, "acronym MARAC").response
