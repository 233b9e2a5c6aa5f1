"""app-manifest.yml installs as-is: it matches Slack's schema and the code that serves it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.runtime.manifest import build_manifest, manifest_yaml
from handlers import COMMAND
from handlers.router import SUBCOMMANDS, usage_hint

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"


def test_committed_manifest_is_the_generated_one() -> None:
    assert (ROOT / "app-manifest.yml").read_text(encoding="utf-8") == manifest_yaml(), (
        "app-manifest.yml is stale: run `csp-bot manifest > app-manifest.yml`"
    )


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"Slack's manifest schema is not present at {SCHEMA}")
def test_manifest_matches_slacks_published_schema() -> None:
    from jsonschema import Draft7Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    manifest = yaml.safe_load((ROOT / "app-manifest.yml").read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"Slack's manifest schema is not present at {SCHEMA}")
def test_schema_check_catches_a_broken_manifest() -> None:
    from jsonschema import Draft7Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = build_manifest()
    broken["features"]["slash_commands"][0]["command"] = "csp"  # must start with "/"
    assert list(Draft7Validator(schema).iter_errors(broken))


def test_manifest_declares_what_the_app_listens_for() -> None:
    manifest = build_manifest()
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["usage_hint"] == usage_hint()
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["shortcuts"][0]["type"] == "message"
    # questions in plain words: @csp-bot in a channel, and DMs written in the Messages tab
    assert {"app_mention", "message.im"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mentions:read", "im:history", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_usage_hint_comes_from_the_subcommand_table() -> None:
    for sub in SUBCOMMANDS:
        if sub.example:
            assert sub.name in usage_hint()
