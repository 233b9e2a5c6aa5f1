"""`csp-bot serve` as a real process on gunicorn: health check, signed requests, refusals."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from bot.offline.signing import signed_headers, slash_command_body
from bot.offline.slack_standin import SlackStandIn
from tests.harness import (
    SIGNING_SECRET,
    csp_bot_process,
    free_port,
    http_get,
    http_post,
    serving,
)

SECRET = SIGNING_SECRET


@pytest.fixture
def server(database_url: str, standin: SlackStandIn) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    env = {"SLACK_BOT_TOKEN": "xoxb-serve-test"}
    with serving(database_url, standin, workers=2, **env) as running:
        yield running


def test_serve_answers_signed_requests_and_refuses_forged_ones(
    server: tuple[int, subprocess.Popen[str]], standin: SlackStandIn
) -> None:
    port, _ = server
    assert http_get(port, "/healthz") == (200, b'{"ok": true}')
    body = slash_command_body(
        "acronym MARAC", user_id="U0X", channel_id="C0X", response_url=standin.response_url()
    )
    status, reply = http_post(port, body, signed_headers(SECRET, body))
    assert status == 200
    assert b"Multi Agency Risk Assessment Committee" in reply
    assert http_post(port, body, signed_headers("wrong-secret", body))[0] == 401
    assert http_get(port, "/nowhere")[0] == 404


def test_serve_stops_cleanly_on_sigterm(server: tuple[int, subprocess.Popen[str]]) -> None:
    _, process = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert "Traceback" not in process.stderr.read()


def test_serve_workers_deliver_pending_alerts_exactly_once(database_url: str, standin: SlackStandIn) -> None:
    """Two gunicorn workers each run the alert loop; the outbox claim lets only one post each alert."""
    from bot.container import Services
    from bot.permissions import Actor, Role
    from bot.settings import Settings

    services = Services.build(Settings(database_url=database_url))
    services.members.add(Actor.operator(), "U0COORD", Role.COORDINATOR, "WDC")
    actor = services.members.actor("U0COORD")
    for ref in ("R1", "R2", "R5", "R6"):
        services.risks.set_level(actor, ref, "impact", "High", "resources cut")
    services.alerts.set_channel(actor, "C0ALERTS")
    services.close()

    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-serve-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.base_url,
        "CSP_ALERT_INTERVAL": "1",
    }
    args = ("serve", "--host", "127.0.0.1", "--port", str(free_port()), "--workers", "2")
    with csp_bot_process(*args, env=env):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            posted = [c for c in standin.calls_to("chat.postMessage") if c.args.get("channel") == "C0ALERTS"]
            if sum(":rating:" in c.args["metadata"]["event_payload"]["alert_key"] for c in posted) >= 4:
                break
            time.sleep(0.2)
        time.sleep(2.5)  # two more passes of both workers: nothing more may be posted
    keys = [c.args["metadata"]["event_payload"]["alert_key"] for c in standin.calls_to("chat.postMessage")
            if c.args.get("channel") == "C0ALERTS" and c.status == 200]  # fmt: skip
    assert len(keys) == len(set(keys)), "no alert twice"
    # the four rating changes; on a machine whose date is past the seeded reviews, overdue reviews go out too
    assert len([k for k in keys if k.startswith("risk:") and ":rating:" in k]) == 4


def test_serve_with_oauth_offers_the_install_page_and_needs_no_bot_token(
    database_url: str, standin: SlackStandIn
) -> None:
    oauth = {
        "SLACK_CLIENT_ID": "1234.5678",
        "SLACK_CLIENT_SECRET": "serve-oauth-secret",
        "SLACK_REDIRECT_URI": "https://csp.example/slack/oauth_redirect",
    }
    with serving(database_url, standin, workers=2, **oauth) as (port, _):
        status, body = http_get(port, "/slack/install")
        assert status == 200
        assert b"https://slack.com/oauth/v2/authorize?state=" in body and b"client_id=1234.5678" in body
        status, _ = http_get(port, "/slack/oauth_redirect?code=x&state=forged")
        assert status >= 400  # no cookie, unknown state
        body_text = slash_command_body(
            "acronym MARAC", user_id="U0A", channel_id="C0A", response_url=standin.response_url()
        )
        status, reply = http_post(port, body_text, signed_headers(SECRET, body_text))
        assert b"Multi Agency" not in reply  # no workspace has installed: nothing is answered
