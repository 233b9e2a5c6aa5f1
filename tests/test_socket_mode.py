"""`csp-bot serve --socket` as a real process, against a local Socket Mode endpoint.

The Web API stand-in answers apps.connections.open with a ws:// URL on this
machine; a small WebSocket server plays Slack's side: it says hello, pushes a
slash command envelope and reads the app's acknowledgement.
"""

from __future__ import annotations

import json
import queue
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.offline.slack_standin import SlackStandIn
from tests.harness import csp_bot_process

websockets_sync = pytest.importorskip("websockets.sync.server")


class SocketModeEndpoint:
    """Slack's end of one Socket Mode connection."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.server = websockets_sync.serve(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle(self, connection: Any) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "local"}}))
        for envelope in self.envelopes:
            connection.send(json.dumps(envelope))
        try:
            for message in connection:
                self.acks.put(json.loads(message))
        except Exception:
            return

    def __enter__(self) -> SocketModeEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()


def _slash_envelope(text: str, response_url: str) -> dict[str, Any]:
    return {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "deprecated",
            "team_id": "T0CSP",
            "team_domain": "csp",
            "channel_id": "C0SOCK",
            "channel_name": "csp",
            "user_id": "U0SOCK",
            "user_name": "someone",
            "command": "/csp",
            "text": text,
            "api_app_id": "A0CSPBOT",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        },
    }


@pytest.fixture
def socket_server(database_url: str, standin: SlackStandIn) -> Iterator[SocketModeEndpoint]:
    endpoint = SocketModeEndpoint([_slash_envelope("acronym MARAC", standin.response_url())])
    with endpoint:
        standin.set_response("apps.connections.open", {"url": endpoint.url})
        env = {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-socket-test",
            "SLACK_APP_TOKEN": "xapp-socket-test",
            "SLACK_API_URL": standin.base_url,
        }
        with csp_bot_process("serve", "--socket", env=env, stop=signal.SIGINT):
            yield endpoint


def test_socket_mode_answers_a_slash_command(
    socket_server: SocketModeEndpoint, standin: SlackStandIn
) -> None:
    ack = socket_server.acks.get(timeout=30)
    assert ack["envelope_id"] == "env-1"
    assert ack["payload"]["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert ack["payload"]["response_type"] == "ephemeral"
    (opened,) = standin.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == "Bearer ***"
