"""HTTP mode on gunicorn (POST /slack/events, GET /healthz), and Socket Mode."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import UserFacingError
from bot.logs import BOLT_LOGGER, log_failure
from store.db import request_scope

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EVENTS_PATH = "/slack/events"

log = logging.getLogger("csp_bot.server")


#: Slack's requests are small: a slash command is under 1 KiB, a form or a button press a few KiB, and the
#: largest, a message shortcut, carries one message (at most 40,000 characters of text and 50 blocks),
#: URL-encoded. Anything bigger is refused before it is read.
MAX_BODY = 256 * 1024
#: Slack's replay window: a signature older (or newer) than this is refused, as slack_sdk refuses it
SIGNATURE_WINDOW = 5 * 60

Refusal = tuple[str, str]  # (HTTP status line, why: fixed wording, safe to log and to answer)
Health = Callable[[], str | None]  # None when healthy, otherwise a short reason


def wsgi_app(app: App, health: Health | None = None, *, signing_secret: str | None = None) -> WsgiApp:
    """Slack's endpoint behind a guard: the size is checked before the body is read, and (given the
    secret) the signature on the raw bytes before Bolt parses anything, so nothing unsigned reaches
    Bolt and nothing Bolt cannot parse becomes a 500 with a traceback."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = signing_secret.encode() if signing_secret else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            if path == "/healthz" and method in {"GET", "HEAD"}:
                problem = health() if health else None
                if problem is None:
                    return _json(start_response, "200 OK", {"ok": True})
                return _json(start_response, "503 Service Unavailable", {"ok": False, "reason": problem})
            if path == EVENTS_PATH and method == "POST":
                refusal = _admit(environ, secret)
                if refusal is not None:
                    log.info("request refused: %s", refusal[1])
                    return _json(start_response, refusal[0], {"error": refusal[1]})
            with request_scope():
                return slack(environ, start_response)
        except Exception as error:  # never a traceback (it could quote a body): the kind and place only
            log_failure(log, "request", error)
            return _json(start_response, "500 Internal Server Error", {"error": "internal error"})

    return application


def _admit(environ: dict[str, Any], secret: bytes | None) -> Refusal | None:
    """Read the body (at most MAX_BODY), check its signature and that Bolt can parse it; on success
    the body is put back for Bolt to read."""
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if declared and not (declared.isascii() and declared.isdigit()):
        return "400 Bad Request", "bad Content-Length"
    if declared and int(declared) > MAX_BODY:
        return "413 Payload Too Large", f"body over {MAX_BODY // 1024} KiB"
    stream = environ["wsgi.input"]
    try:
        raw: bytes = stream.read(int(declared)) if declared else stream.read(MAX_BODY + 1)
    except Exception:  # the client sent less than it declared, or broken chunks
        return "400 Bad Request", "body could not be read"
    if len(raw) > MAX_BODY:  # no Content-Length (chunked): read no further than the limit
        return "413 Payload Too Large", f"body over {MAX_BODY // 1024} KiB"
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))
    if secret is not None:
        refusal = _check_signature(environ, raw, secret)
        if refusal is not None:
            return refusal
    try:
        text = raw.decode("utf-8")
        # Bolt parses the body again, so only what can fail is parsed here: JSON (a body, or a form's
        # ``payload``) may be broken or not an object; a plain form (a slash command) always parses.
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0] or None  # as Bolt reads it
        could_fail = "payload" in text or text.startswith("{") or content_type == "application/json"
        if could_fail and not isinstance(parse_body(text, content_type), dict):
            return "400 Bad Request", "body cannot be parsed"
    except (UnicodeDecodeError, ValueError):
        return "400 Bad Request", "body cannot be parsed"
    return None


def _check_signature(environ: dict[str, Any], raw: bytes, secret: bytes) -> Refusal | None:
    timestamp = (environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").strip()
    signature = (environ.get("HTTP_X_SLACK_SIGNATURE") or "").strip()
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signature:
        return "401 Unauthorized", "no valid signature"
    # slack_sdk's verifier measures the window the same way, against the machine's clock
    if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW:
        return "401 Unauthorized", "signature timestamp outside Slack's 5-minute window"
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace")):
        return "401 Unauthorized", "signature check failed"
    return None


def _json(start_response: Callable[..., Any], status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def ensure_can_listen(host: str, port: int) -> None:
    """Bind once before gunicorn does: a port in use is then one line, not five retries and a stop."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            probe.bind((host, port))
    except OSError as error:
        raise UserFacingError(
            f"cannot listen on {host}:{port}: {error.strerror or type(error).__name__}.",
            "Choose another --port or stop what is using it.",
        ) from None


def _quiet_exit() -> None:
    """Once a process is on its way out, a late signal (the master's second SIGTERM, a child's SIGCHLD)
    must not run gunicorn's handlers during interpreter exit: that printed a traceback from atexit."""
    for name in (
        "SIGTERM",
        "SIGINT",
        "SIGQUIT",
        "SIGHUP",
        "SIGUSR1",
        "SIGUSR2",
        "SIGWINCH",
        "SIGTTIN",
        "SIGTTOU",
    ):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)


def _leave_now() -> None:
    """A worker that has stopped serving and recorded what it owed leaves at once, with gunicorn's exit
    code. Interpreter shutdown with daemon threads still at work (the alert loop, a Home refresh) now and
    then printed a traceback from Python's own weakref exit handler (a registry changed while it was read)."""
    leaving = sys.exc_info()[1]  # called while gunicorn's sys.exit() unwinds the worker
    code = leaving.code if isinstance(leaving, SystemExit) else (1 if leaving is not None else 0)
    logging.shutdown()  # flushes every handler, as the interpreter's exit would
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def serve_http(
    build: Callable[[], WsgiApp],
    host: str,
    port: int,
    workers: int = 1,
    threads: int = 8,
    *,
    on_worker_exit: Callable[[], None] | None = None,
) -> None:
    """Run on gunicorn; each worker builds its own app after forking (no shared connections).
    ``on_worker_exit`` runs in a worker once it has stopped serving (it records unfinished work)."""

    def worker_exit(_arbiter: Any, _worker: Any) -> None:
        _quiet_exit()
        if on_worker_exit is not None:
            try:
                on_worker_exit()
            except Exception as error:
                log_failure(log, "worker shutdown", error)
        _leave_now()

    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            # Each worker binds a socket of its own (SO_REUSEPORT) and the kernel spreads new connections
            # across them. On one shared socket the first worker to wake took every keep-alive connection:
            # 4 workers served 1.1x one worker's requests, one of them doing 86% of the work.
            self.cfg.set("reuse_port", workers > 1)
            self.cfg.set("accesslog", None)  # access logs carry nothing useful here; keep them off
            self.cfg.set("timeout", 30)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("worker_exit", worker_exit)
            self.cfg.set("on_exit", lambda _arbiter: _quiet_exit())

        def load(self) -> WsgiApp:
            return build()

    _Gunicorn().run()


def serve_socket_mode(app: App, app_token: str, *, once_connected: Callable[[], None]) -> None:
    """Connect, then run ``once_connected`` (the alert worker) and serve until stopped. Failing to
    connect is one line for the person starting it (raised as a UserFacingError), never a traceback."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    try:
        with _quiet("slack_sdk", BOLT_LOGGER):  # a failure is reported once, below, not once per retry
            handler.connect()
    except SlackApiError as error:
        raise UserFacingError(
            f"Slack refused the Socket Mode connection ({error.response.get('error', 'unknown error')}).",
            "Check SLACK_APP_TOKEN: an app-level token with connections:write.",
        ) from None
    except (OSError, SlackClientError) as error:
        raise UserFacingError(
            f"cannot reach Slack to open a Socket Mode connection ({_reason(error)}).",
            "Check the network and SLACK_API_URL.",
        ) from None
    log.info("Socket Mode connected")
    once_connected()
    threading.Event().wait()


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None)  # URLError wraps the socket's own error
    return type(reason).__name__ if isinstance(reason, BaseException) else type(error).__name__


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
