"""HTTP mode on gunicorn (POST /slack/events, GET /healthz), and Socket Mode."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import UserFacingError
from bot.logs import BOLT_LOGGER

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EVENTS_PATH = "/slack/events"

log = logging.getLogger("csp_bot.server")


def wsgi_app(app: App, health: Callable[[], bool] | None = None) -> WsgiApp:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            ok = health() if health else True
            body = json.dumps({"ok": ok}).encode()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application


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


def serve_http(
    build: Callable[[], WsgiApp], host: str, port: int, workers: int = 1, threads: int = 8
) -> None:
    """Run on gunicorn; each worker builds its own app after forking (no shared connections)."""
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", None)  # access logs carry nothing useful here; keep them off
            self.cfg.set("timeout", 30)
            self.cfg.set("graceful_timeout", 10)

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
