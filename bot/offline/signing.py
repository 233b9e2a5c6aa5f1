"""Building signed Slack requests and calling a WSGI app with them.

Used by ``csp-bot ask`` (so a local question takes production's path), by the
tests and by the benchmarks.
"""

from __future__ import annotations

import io
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode
from wsgiref.util import setup_testing_defaults

from slack_sdk.signature import SignatureVerifier


def signed_headers(
    secret: str, body: str, timestamp: int | None = None, content_type: str | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type or "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }


def slack_escape(typed: str) -> str:
    """What Slack sends for text a person typed, with the command's should_escape on."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slash_command_body(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    team_id: str = "T0CSP",
    command: str = "/csp",
    trigger_id: str | None = None,
) -> str:
    """The form Slack posts for a slash command (IDs, never names, are what the app uses). Like
    Slack's, each body gets a trigger_id of its own unless one is given: the app treats a repeated
    trigger_id as a replay."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "csp",
            "channel_id": channel_id,
            "channel_name": "csp",
            "user_id": user_id,
            "user_name": "someone",
            "command": command,
            "text": text,
            "api_app_id": "A0CSPBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def new_trigger_id() -> str:
    """A trigger_id shaped like Slack's (``seconds.number.hex``), new every time."""
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def interaction_body(payload: dict[str, Any]) -> str:
    return "payload=" + quote(json.dumps(payload))


@dataclass(frozen=True)
class WsgiResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def call_wsgi(
    application: Callable[..., Iterable[bytes]],
    *,
    method: str = "POST",
    path: str = "/slack/events",
    body: str = "",
    headers: dict[str, str] | None = None,
    query: str = "",
) -> WsgiResponse:
    """One request through a WSGI app, as a server would make it."""
    raw = body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split()[0])
        captured["headers"] = {k.lower(): v for k, v in response_headers}

    chunks = application(environ, start_response)
    try:
        payload = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return WsgiResponse(captured["status"], captured["headers"], payload)
