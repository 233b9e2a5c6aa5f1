"""Drive the real app the way Slack does: signed HTTP bodies through the production WSGI adapter."""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.container import Services
from bot.offline.signing import (
    WsgiResponse,
    call_wsgi,
    interaction_body,
    new_trigger_id,
    signed_headers,
    slash_command_body,
)
from bot.offline.slack_standin import RecordedCall, SlackStandIn
from bot.partnerships import Partnerships
from bot.runtime.app import create_app, web_client
from bot.runtime.server import wsgi_app
from bot.settings import Settings
from glossary.model import LookupStatus
from store.db import Database, request_scope

SECRET = "test-signing-secret"
TEAM = "T0CSP"
CHANNEL = "C0GENERAL"


class SlackHarness:
    """Signed requests from one workspace (``team``) through the real app. With OAuth settings,
    pass ``Partnerships``: each request is then authorised from the installation store."""

    def __init__(
        self,
        settings: Settings,
        served: Services | Partnerships,
        standin: SlackStandIn,
        *,
        team: str = TEAM,
        app: App | None = None,
    ) -> None:
        self.services = served.main if isinstance(served, Partnerships) else served
        self.standin = standin
        self.team = team
        token = None if settings.oauth_enabled else "xoxb-test"
        self.app = app or create_app(
            settings, served, client=web_client(token, standin.base_url), signing_secret=SECRET
        )
        self.wsgi = wsgi_app(self.app, signing_secret=SECRET)

    def for_team(self, team: str) -> SlackHarness:
        """The same app, as seen from another workspace."""
        twin = copy.copy(self)
        twin.team = team
        return twin

    # -------------------------------------------------------------- requests

    def post(
        self,
        body: str,
        *,
        content_type: str | None = None,
        timestamp: int | None = None,
        secret: str = SECRET,
    ) -> WsgiResponse:
        headers = signed_headers(secret, body, timestamp=timestamp, content_type=content_type)
        return call_wsgi(self.wsgi, body=body, headers=headers)

    def command(self, text: str, *, user: str = "U0ANYONE", channel: str = CHANNEL) -> WsgiResponse:
        body = slash_command_body(
            text,
            user_id=user,
            channel_id=channel,
            response_url=self.standin.response_url("cmd"),
            team_id=self.team,
        )
        return self.post(body)

    def ask(self, text: str, *, user: str = "U0ANYONE") -> dict[str, Any]:
        """The ephemeral reply body of a command that answers directly."""
        response = self.command(text, user=user)
        assert response.status == 200, response.body
        reply = response.json()
        assert reply is not None, "expected a reply in the HTTP response"
        assert_valid_message(reply)
        return reply

    def action(
        self, action_id: str, value: str, *, user: str = "U0ANYONE", hook: str = "action"
    ) -> WsgiResponse:
        payload = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "csp"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A0CSPBOT",
            "container": {
                "type": "message",
                "message_ts": "1700000000.000001",
                "channel_id": CHANNEL,
                "is_ephemeral": True,
            },
            "trigger_id": new_trigger_id(),  # Slack makes one per interaction
            "channel": {"id": CHANNEL, "name": "general"},
            "response_url": self.standin.response_url(hook),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "type": "button",
                    "value": value,
                    "action_ts": "1700000000.1",
                }
            ],
        }
        return self.post(interaction_body(payload))

    def submit_form(
        self, view: dict[str, Any], values: dict[str, str], user: str = "U0ANYONE"
    ) -> WsgiResponse:
        """Submit a modal as Slack would: each value in the shape of its block's element."""
        kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b.get("type") == "input"}
        state: dict[str, Any] = {}
        for block_id, value in values.items():
            kind = kinds.get(block_id, "plain_text_input")
            if kind == "static_select":
                element = {"type": kind, "selected_option": {"value": value} if value else None}
            elif kind == "datepicker":
                element = {"type": kind, "selected_date": value or None}
            else:
                element = {"type": kind, "value": value}
            state[block_id] = {"value": element}
        payload = {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "csp"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A0CSPBOT",
            "trigger_id": new_trigger_id(),  # Slack makes one per interaction
            "view": {**view, "id": "V0FORM", "state": {"values": state}},
        }
        return self.post(interaction_body(payload))

    def message_shortcut(self, callback_id: str, text: str, *, user: str = "U0ANYONE") -> WsgiResponse:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": self.team, "domain": "csp"},
            "user": {"id": user, "team_id": self.team},
            "channel": {"id": CHANNEL, "name": "general"},
            "message": {"type": "message", "user": "U0OTHER", "ts": "1700000000.000200", "text": text},
            "message_ts": "1700000000.000200",
            "response_url": self.standin.response_url("shortcut"),
            "trigger_id": new_trigger_id(),  # Slack makes one per interaction
        }
        return self.post(interaction_body(payload))

    def event(self, event: dict[str, Any]) -> WsgiResponse:
        envelope = {
            "token": "deprecated",
            "team_id": self.team,
            "api_app_id": "A0CSPBOT",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team, "user_id": "UCSPBOT", "is_bot": True}],
        }
        return self.post(json.dumps(envelope), content_type="application/json")

    # -------------------------------------------------------------- what Slack received

    def hook_posts(self, hook: str) -> list[dict[str, Any]]:
        return [c.args for c in self.standin.calls_to("response_url") if c.args.get("_hook") == hook]

    def calls(self, method: str) -> list[RecordedCall]:
        return self.standin.calls_to(method)


def assert_valid_message(message: dict[str, Any]) -> None:
    """Every payload must pass slack_sdk's Block Kit validation and Slack's 50-block limit."""
    blocks = message.get("blocks") or []
    assert len(blocks) <= 50
    assert message.get("text"), "a message needs fallback text"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"unknown block type {raw.get('type')}"
        block.validate_json()


def assert_valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert len(view.get("blocks", [])) <= 100


def rendered_text(payload: Any) -> str:
    """Every string Slack would render (text objects, fallback text), excluding button values."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                elif key not in {"value", "private_metadata", "action_id", "block_id", "callback_id"}:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return "\n".join(found)


def all_text(message: dict[str, Any]) -> str:
    """Every string in a payload, for "is this anywhere in it" checks."""
    return json.dumps(message, ensure_ascii=False)


@contextmanager
def csp_bot_process(
    *args: str, env: dict[str, str], stop: int = signal.SIGTERM
) -> Iterator[subprocess.Popen[str]]:
    """Run the installed `csp-bot` with a clean environment (no proxies), and always stop it."""
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "csp-bot"), *args],
        env={**clean, "CSP_LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(stop)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def run_csp_bot(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `csp-bot` once on ``database_url`` (no Slack or proxy settings) and wait for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HTTP", "http"))}
    return subprocess.run(
        [str(Path(sys.executable).parent / "csp-bot"), *args],
        env={**env, "DATABASE_URL": database_url, "CSP_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_serving(
    port: int,
    process: subprocess.Popen[Any],
    *,
    ready: Callable[[], bool] = lambda: True,
    describe: Callable[[], str] = lambda: "",
    timeout: float = 30.0,
) -> None:
    """Poll GET /healthz until it answers 200 (and ``ready()``); fail at once if the server exits."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):  # refused until gunicorn is listening
            if http_get(port, "/healthz")[0] == 200 and ready():
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"server did not start: {describe()}")
        time.sleep(0.1)


SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


@contextmanager
def serving(
    database_url: str, standin: SlackStandIn, *, workers: int = 1, **env: str
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """A real `csp-bot serve` on a free loopback port, against the stand-in, up and answering /healthz."""
    port = free_port()
    settings = {
        "DATABASE_URL": database_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.base_url,
        **env,
    }
    args = ("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers))
    with csp_bot_process(*args, env=settings) as process:
        wait_until_serving(port, process, describe=lambda: str(process.communicate(timeout=5)))
        yield port, process


def http_post(
    port: int, body: bytes | str, headers: dict[str, str], path: str = "/slack/events"
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST", path, body=body.encode() if isinstance(body, str) else body, headers=headers
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """``csp-bot ARGV`` in this process: (exit code, standard output, standard error)."""
    from bot.cli import main

    try:
        main(list(argv))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class SideReads:
    """Counts the reads a store makes on its side connection (the per-request checks: the versions, who is
    acting, a request key), while ``monkeypatch`` is in force."""

    def __init__(self, db: Database, monkeypatch: Any) -> None:
        self.sql: list[str] = []
        side = db._side
        fetch = side.fetch_one

        def counting(sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
            self.sql.append(sql)
            return fetch(sql, params)

        monkeypatch.setattr(side, "fetch_one", counting)

    @property
    def count(self) -> int:
        return len(self.sql)

    def since(self, mark: int) -> int:
        return len(self.sql) - mark


def found(services: Services, key: str) -> bool:
    """Whether a look-up of ``key`` finds it, as one request would ask (not counted as usage)."""
    with request_scope():
        return services.glossary.lookup(key, count=False).status is LookupStatus.FOUND
