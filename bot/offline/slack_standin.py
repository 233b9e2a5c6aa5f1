"""A local stand-in for the Slack Web API, for tests and ``csp-bot ask``.

The stand-in is a stdlib :class:`http.server.ThreadingHTTPServer` bound to ``127.0.0.1`` on a free port.
Point a ``slack_sdk.WebClient(base_url=standin.base_url)`` at it (and put ``standin.response_url()`` in
slash-command payloads); every request is recorded as a :class:`RecordedCall` and answered with a canned,
realistic ``ok: true`` body, unless a fault was scripted with :meth:`SlackStandIn.fail_next`.

Routes:

* ``/api/<method>``: Web API methods. A call with neither a ``Bearer xox…`` Authorization header nor an
  ``xox…`` ``token`` argument is answered with ``{"ok": false, "error": "not_authed"}`` (except for the
  OAuth exchange methods).
* ``/hooks/<name>``: ``response_url`` posts; answered ``200 ok`` and recorded as method ``"response_url"``
  with ``args["_hook"] = name``.
* ``/upload/<file_id>``: the upload URLs handed out by ``files.getUploadURLExternal``; recorded as method
  ``"upload"`` with ``args = {"file_id": ..., "size": ...}``.

Anything else is answered 404 and recorded with the request path as its method.

The server never writes to stderr, and no credential is kept: the Authorization header is recorded as
``"Bearer ***"`` and ``token`` / ``client_secret`` arguments as ``"***"``.
"""

import base64
import contextlib
import copy
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["RecordedCall", "SlackStandIn"]

# Argument values that arrive as JSON strings in form-encoded requests and are decoded when recorded.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata")
# Argument values that are secrets and must never be recorded.
_SECRET_ARGS = frozenset({"token", "client_secret"})
# Methods that authenticate with client credentials (HTTP Basic or body), not a bearer token.
_AUTH_FREE_METHODS = frozenset(
    {"oauth.v2.access", "oauth.access", "oauth.v2.exchange", "openid.connect.token"}
)
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
_VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})
_TS_SECONDS = 1_700_000_000
_TS_START = 100


@dataclass(frozen=True)
class RecordedCall:
    """One request the stand-in received, and the HTTP status it answered."""

    method: str  # e.g. "chat.postMessage", or "response_url" for posts to /hooks/...
    args: dict[
        str, Any
    ]  # decoded form or JSON body; JSON strings in blocks/attachments/view/metadata decoded
    path: str  # the request path
    headers: dict[str, str]  # lower-cased names; Authorization redacted to "Bearer ***"
    status: int  # the HTTP status the stand-in answered
    #: the workspace (team id) of the token used, when it is one :meth:`SlackStandIn.authorize_install` issued
    workspace: str | None = None


@dataclass(frozen=True)
class _Install:
    """A workspace a test has "approved" an install into (see :meth:`SlackStandIn.authorize_install`)."""

    team_id: str | None
    team_name: str
    enterprise_id: str | None
    is_enterprise_install: bool
    redirect_uri: str | None
    bot_user_id: str
    bot_id: str


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int | None
    error: str | None
    delay: float


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    delay: float = 0.0


def _json_reply(body: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(
        status=status,
        body=json.dumps(body).encode("utf-8"),
        content_type="application/json; charset=utf-8",
        headers=dict(headers or {}),
    )


def _text_reply(text: str, *, status: int = 200) -> _Reply:
    return _Reply(
        status=status, body=text.encode("utf-8"), content_type="text/plain; charset=utf-8", headers={}
    )


def _client_credentials(authorization: str, args: dict[str, Any]) -> tuple[str, str] | None:
    """The OAuth client id and secret, from HTTP Basic (as slack_sdk sends them) or the body."""
    if authorization.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(authorization[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return client_id, secret
    if "client_id" in args and "client_secret" in args:
        return str(args["client_id"]), str(args["client_secret"])
    return None


def _redact_authorization(value: str) -> str:
    scheme, _, _ = value.strip().partition(" ")
    return f"{scheme or 'Bearer'} ***"


def _decode_json_args(args: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str):
            # A value that is not JSON is kept as sent.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    from email.policy import HTTP  # uploads only: its header parser is not imported for every `ask`

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    args: dict[str, Any] = {}
    if not message.is_multipart():
        return args
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            args[name] = {"filename": filename, "size": len(data)}
        else:
            args[name] = data.decode("utf-8", "replace")
    return args


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Decodes a request body (JSON, form-urlencoded or multipart) into a dict."""
    if not body:
        return {}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return _parse_multipart(body, content_type)
    text = body.decode("utf-8", "replace")
    if media_type == "application/json" or text.lstrip().startswith("{"):
        try:
            decoded = json.loads(text)
        except ValueError:
            return {"_raw": text}
        return decoded if isinstance(decoded, dict) else {"_json": decoded}
    return dict(parse_qsl(text, keep_blank_values=True))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin: "SlackStandIn") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.standin = standin

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out (see fail_next(delay=...)) close the socket before the answer; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SlackStandIn/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        # Never print request lines: tests stay quiet and nothing that came with a request is logged.
        pass

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.standin._dispatch(self.path, headers, body)
        if reply.delay > 0:
            self.server.standin._sleep(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (e.g. its timeout was shorter than a scripted delay)


class SlackStandIn:
    """A local, recording stand-in for the Slack Web API and ``response_url`` endpoints.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with SlackStandIn() as slack:
            client = WebClient(token="xoxb-test", base_url=slack.base_url)
            client.chat_postMessage(channel="C1", text="hi")
            assert slack.calls_to("chat.postMessage")[0].args["text"] == "hi"
    """

    def __init__(
        self,
        *,
        team_id: str = "T0CSP",
        bot_user_id: str = "UCSPBOT",
        bot_id: str = "BCSPBOT",
        upstream: str | None = None,
    ) -> None:
        """``upstream``: a real Web API base URL. Calls are then recorded and forwarded there
        (with their token), so a recording of a real conversation is as complete as a local one."""
        self.upstream = upstream if upstream is None or upstream.endswith("/") else upstream + "/"
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._overrides: dict[str, dict[str, Any]] = {}
        self._blocked: dict[str, str] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self._files: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, bytes] = {}  # file ID -> the bytes uploaded
        self._profiles: dict[str, dict[str, str]] = {}  # user ID -> scripted profile names
        self._ts_counter = _TS_START
        self._id_counter = 0
        self._oauth_app: tuple[str, str] | None = None  # (client id, client secret)
        self._codes: dict[str, _Install] = {}  # unused authorisation codes
        self._tokens: dict[str, _Install] = {}  # bot tokens issued by oauth.v2.access

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Starts the server on a free port in a daemon thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("SlackStandIn is already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the server; scripted delays in progress are cut short. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------------------

    @property
    def _root(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started; call start() or use it as a context manager")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def base_url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)``: ``http://127.0.0.1:<port>/api/``."""
        return f"{self._root}/api/"

    def response_url(self, name: str = "response") -> str:
        """A ``response_url``; its posts are recorded as ``"response_url"`` with ``args["_hook"] = name``."""
        return f"{self._root}/hooks/{name}"

    # -- inspection ------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """A copy of every recorded call, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls to ``method``, in arrival order."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 3.0) -> list[RecordedCall]:
        """Polls until at least ``count`` calls to ``method`` were recorded; returns all calls to it.

        Raises AssertionError, listing the methods seen, if that does not happen within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        seen = self.calls
        summary = ", ".join(f"{call.method} ({call.status})" for call in seen) or "none"
        raise AssertionError(
            f"SlackStandIn: expected at least {count} call(s) to {method!r} within {timeout:g}s, "
            f"got {len(found)}. Calls seen, in order: {summary}"
        )

    def clear(self) -> None:
        """Forgets the recorded calls. Scripted faults, response overrides and posted messages are kept."""
        with self._lock:
            self._calls.clear()

    # -- scripting -------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int | None = 0,
        error: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Makes the next ``times`` calls to ``method`` fail.

        * ``error`` given: HTTP 200 ``{"ok": false, "error": error}`` (``status`` is ignored).
        * ``status == 429``: ``{"ok": false, "error": "ratelimited"}``, with a ``Retry-After`` header unless
          ``retry_after`` is None.
        * any other ``status`` >= 400: ``{"ok": false, "error": "internal_error"}`` for 5xx, else
          ``"http_<status>"``.
        * ``status == 200`` and no ``error``: the normal answer, only delayed.

        ``delay`` seconds are slept before answering. ``method`` may also be ``"response_url"`` or
        ``"upload"``. Successive ``fail_next`` calls for one method queue up in order.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        if delay < 0:
            raise ValueError("delay must not be negative")
        fault = _Fault(status=status, times=times, retry_after=retry_after, error=error, delay=delay)
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    def block_channel(self, channel: str, error: str = "not_in_channel") -> None:
        """Posts to ``channel`` answer ``{"ok": false, "error": error}`` (the bot was removed, the
        channel archived …) until :meth:`unblock_channel`; other channels and DMs still work."""
        with self._lock:
            self._blocked[channel] = error

    def set_profile(self, user_id: str, *, display_name: str = "", real_name: str = "") -> None:
        """``users.info`` answers with these names for ``user_id`` (Slack leaves ``display_name`` empty
        when a person never set one). Others get ``user-<id>``. A missing scope is scripted with
        ``fail_next("users.info", error="missing_scope")``."""
        with self._lock:
            self._profiles[user_id] = {"display_name": display_name, "real_name": real_name}

    def uploaded(self, filename: str) -> bytes:
        """The bytes last uploaded under ``filename`` (``files.getUploadURLExternal`` named it)."""
        with self._lock:
            found = [
                self._uploads[i]
                for i, f in self._files.items()
                if f.get("name") == filename and i in self._uploads
            ]
        if not found:
            raise AssertionError(f"SlackStandIn: nothing uploaded as {filename!r}")
        return found[-1]

    def unblock_channel(self, channel: str) -> None:
        with self._lock:
            self._blocked.pop(channel, None)

    def set_response(self, method: str, body: dict[str, Any]) -> None:
        """Replaces the canned success body for ``method`` (``"ok": true`` is added if missing)."""
        stored = copy.deepcopy(body)
        stored.setdefault("ok", True)
        with self._lock:
            self._overrides[method] = stored

    # -- request handling (called from server threads) --------------------------------------------------

    # -- OAuth ---------------------------------------------------------------------------------------

    def register_oauth_app(self, client_id: str, client_secret: str) -> None:
        """From now on ``oauth.v2.access`` checks these credentials and accepts only issued codes."""
        with self._lock:
            self._oauth_app = (client_id, client_secret)

    def authorize_install(
        self,
        team_id: str | None,
        *,
        team_name: str = "CSP",
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
        redirect_uri: str | None = None,
    ) -> str:
        """What Slack does when an admin clicks Allow: a one-time code for ``oauth.v2.access``."""
        with self._lock:
            self._id_counter += 1
            code = f"code-{self._id_counter}"
            self._codes[code] = _Install(
                team_id=team_id, team_name=team_name, enterprise_id=enterprise_id,
                is_enterprise_install=is_enterprise_install, redirect_uri=redirect_uri,
                bot_user_id=f"UBOT{self._id_counter}", bot_id=f"BBOT{self._id_counter}",
            )  # fmt: skip
            return code

    def revoke_tokens(self, team_id: str) -> None:
        """The workspace uninstalled the app: its tokens stop working (Slack then sends app_uninstalled)."""
        with self._lock:
            for token in [t for t, i in self._tokens.items() if i.team_id == team_id]:
                del self._tokens[token]

    def _oauth_access(self, args: dict[str, Any], credentials: tuple[str, str] | None) -> dict[str, Any]:
        if self._oauth_app is None:  # no app registered: the old canned answer
            return {
                "ok": True, "access_token": "xoxb-standin", "token_type": "bot", "scope": "commands,chat:write",
                "bot_user_id": self.bot_user_id, "app_id": "ACSPBOT", "team": {"id": self.team_id, "name": "CSP"},
                "enterprise": None, "is_enterprise_install": False, "authed_user": {"id": "UCSPADMIN"},
            }  # fmt: skip
        if credentials is None or credentials[0] != self._oauth_app[0]:
            return {"ok": False, "error": "invalid_client_id"}
        if credentials[1] != self._oauth_app[1]:
            return {"ok": False, "error": "bad_client_secret"}
        install = self._codes.pop(str(args.get("code", "")), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        if install.redirect_uri is not None and args.get("redirect_uri") != install.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        token = f"xoxb-{install.team_id or install.enterprise_id}-{len(self._tokens) + 1}"
        self._tokens[token] = install
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": install.bot_user_id,
            "app_id": "ACSPBOT",
            "team": None if install.team_id is None else {"id": install.team_id, "name": install.team_name},
            "enterprise": None
            if install.enterprise_id is None
            else {"id": install.enterprise_id, "name": "Org"},
            "is_enterprise_install": install.is_enterprise_install,
            "authed_user": {"id": "UCSPADMIN"},
        }

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    def _dispatch(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        split = urlsplit(raw_path)
        path = split.path
        args = dict(parse_qsl(split.query, keep_blank_values=True))
        if path.startswith("/upload/"):
            method = "upload"
            args = {"file_id": unquote(path.removeprefix("/upload/")), "size": len(body)}
            with self._lock:
                self._uploads[args["file_id"]] = body
        else:
            args.update(_parse_body(body, headers.get("content-type", "")))
            _decode_json_args(args)
            if path.startswith("/api/"):
                method = unquote(path.removeprefix("/api/")).strip("/")
            elif path.startswith("/hooks/"):
                method = "response_url"
                args["_hook"] = unquote(path.removeprefix("/hooks/"))
            else:
                method = path
        # Slack takes the token in the Authorization header or as a `token` argument (apps.connections.open)
        authorised = headers.get("authorization", "").startswith(("Bearer xox", "Bearer xapp-")) or str(
            args.get("token", "")
        ).startswith("xox")
        token = headers.get("authorization", "").removeprefix("Bearer ").strip() or str(args.get("token", ""))
        credentials = _client_credentials(headers.get("authorization", ""), args)
        for key in _SECRET_ARGS & args.keys():
            args[key] = "***"
        recorded_headers = {
            name: (_redact_authorization(value) if name == "authorization" else value)
            for name, value in headers.items()
        }

        if self.upstream and path.startswith("/api/"):
            reply = self._forward(method, headers, body)
            with self._lock:
                self._calls.append(
                    RecordedCall(
                        method=method, args=args, path=path, headers=recorded_headers, status=reply.status
                    )
                )
            return reply

        with self._lock:
            install = self._tokens.get(token)
            if token.startswith("xoxb-") and self._oauth_app is not None and install is None:
                reply = _json_reply({"ok": False, "error": "invalid_auth"})  # revoked, or never issued
            else:
                try:
                    reply = self._answer(method, path, args, authorised, credentials, install)
                except (
                    Exception
                ) as exc:  # a bug in the stand-in: answer it visibly rather than hang the client
                    reply = _json_reply(
                        {"ok": False, "error": f"standin_error: {type(exc).__name__}: {exc}"}, status=500
                    )
            self._calls.append(
                RecordedCall(
                    method=method,
                    args=args,
                    path=path,
                    headers=recorded_headers,
                    status=reply.status,
                    workspace=install.team_id if install else None,
                )
            )
        return reply

    def _forward(self, method: str, headers: dict[str, str], body: bytes) -> _Reply:
        """Pass one call to the upstream Web API and its answer (429s and 5xx included) back."""
        assert self.upstream is not None
        wanted = {name: headers[name] for name in ("authorization", "content-type") if name in headers}
        request = urllib.request.Request(
            self.upstream + method, data=body or None, headers=wanted, method="POST" if body else "GET"
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, raw, response_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, response_headers = error.code, error.read(), error.headers
        except (urllib.error.URLError, OSError):
            return _json_reply({"ok": False, "error": "upstream_unreachable"}, status=503)
        passed_on = {
            k: v for k, v in response_headers.items() if k.lower() in {"retry-after", "x-oauth-scopes"}
        }
        content_type = response_headers.get("content-type", "application/json; charset=utf-8")
        return _Reply(status=status, body=raw, content_type=content_type, headers=passed_on)

    def _answer(
        self,
        method: str,
        path: str,
        args: dict[str, Any],
        authorised: bool,
        credentials: tuple[str, str] | None = None,
        install: _Install | None = None,
    ) -> _Reply:
        if method == path:
            return _json_reply({"ok": False, "error": "unknown_path"}, status=404)
        if path.startswith("/api/") and method not in _AUTH_FREE_METHODS and not authorised:
            return _json_reply({"ok": False, "error": "not_authed"})

        blocked = self._blocked.get(str(args.get("channel", ""))) if method.startswith("chat.") else None
        if blocked is not None:
            return _json_reply({"ok": False, "error": blocked})

        fault = self._take_fault(method)
        if fault is not None:
            if fault.error is not None:
                reply = _json_reply({"ok": False, "error": fault.error})
            elif fault.status == 429:
                extra = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                reply = _json_reply({"ok": False, "error": "ratelimited"}, status=429, headers=extra)
            elif fault.status >= 400:
                error = "internal_error" if fault.status >= 500 else f"http_{fault.status}"
                reply = _json_reply({"ok": False, "error": error}, status=fault.status)
            else:
                reply = self._success(method, args, credentials, install)
            reply.delay = fault.delay
            return reply
        return self._success(method, args, credentials, install)

    def _success(
        self,
        method: str,
        args: dict[str, Any],
        credentials: tuple[str, str] | None = None,
        install: _Install | None = None,
    ) -> _Reply:
        if method == "response_url":
            return _text_reply("ok")
        if method == "upload":
            known = self._files.get(args["file_id"])
            if known is not None:
                known["size"] = args["size"]
            return _text_reply(f"OK - {args['size']}")
        if method in self._overrides:
            body = copy.deepcopy(self._overrides[method])
        elif method == "oauth.v2.access":
            body = self._oauth_access(args, credentials)
        elif method == "auth.test" and install is not None:
            body = {
                "ok": True, "url": "https://example.slack.com/", "team": install.team_name, "user": "csp-bot",
                "team_id": install.team_id, "enterprise_id": install.enterprise_id, "user_id": install.bot_user_id,
                "bot_id": install.bot_id, "is_enterprise_install": install.is_enterprise_install,
            }  # fmt: skip
        else:
            body = self._canned(method, args)
        headers = {"x-oauth-scopes": "commands,chat:write"} if method == "auth.test" else {}
        return _json_reply(body, headers=headers)

    def _next_ts(self) -> str:
        ts = f"{_TS_SECONDS}.{self._ts_counter:06d}"
        self._ts_counter += 1
        return ts

    def _next_id(self, prefix: str) -> str:
        self._id_counter += 1
        return f"{prefix}CSP{self._id_counter:06d}"

    def _canned(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://csp.example.slack.com/",
                "team": "CSP",
                "user": "csp-bot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method in _MESSAGE_METHODS:
            return self._message(method, args)
        if method == "chat.delete":
            channel = str(args.get("channel", ""))
            ts = str(args.get("ts", ""))
            stored = self._messages.get(channel, [])
            stored[:] = [message for message in stored if message["ts"] != ts]
            return {"ok": True, "channel": channel, "ts": ts}
        if method in _VIEW_METHODS:
            return self._view(method, args)
        if method == "conversations.info":
            return {
                "ok": True,
                "channel": {
                    "id": args.get("channel"),
                    "name": "csp-alerts",
                    "is_channel": True,
                    "is_private": False,
                    "is_member": True,
                    "is_archived": False,
                },
            }
        if method == "conversations.open":
            # a direct message with the first user named: D + their ID, stable across calls
            first = str(args.get("users", "")).split(",")[0]
            return {"ok": True, "channel": {"id": f"D{first[1:] or 'X'}", "is_im": True, "user": first}}
        if method == "conversations.history":
            messages = self._messages.get(str(args.get("channel", "")), [])
            return {"ok": True, "messages": copy.deepcopy(messages[::-1]), "has_more": False}
        if method == "users.info":
            return self._user(str(args.get("user", "")))
        if method == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            self._files[file_id] = {"name": args.get("filename"), "length": args.get("length"), "size": None}
            return {"ok": True, "upload_url": f"{self._root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        return {"ok": True}

    def _message(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        channel = str(channel)
        if method != "chat.update" and not any(args.get(key) for key in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        ts = str(args.get("ts") or "") if method == "chat.update" else self._next_ts()
        if method == "chat.update" and not ts:
            return {"ok": False, "error": "message_not_found"}
        message: dict[str, Any] = {
            "type": "message",
            "text": args.get("text") or "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if args.get(key) is not None:
                message[key] = copy.deepcopy(args[key])
        if method == "chat.postMessage":
            self._messages.setdefault(channel, []).append(copy.deepcopy(message))
        elif method == "chat.update":
            for stored in self._messages.get(channel, []):
                if stored["ts"] == ts:
                    for key in ("text", "blocks", "attachments", "metadata"):
                        if args.get(key) is not None:
                            stored[key] = copy.deepcopy(args[key])
                    message = copy.deepcopy(stored)
                    break
        body: dict[str, Any] = {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            body["message_ts"] = ts
        elif method == "chat.update":
            body["text"] = message["text"]
        return body

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        sent = args.get("view")
        view: dict[str, Any] = copy.deepcopy(sent) if isinstance(sent, dict) else {}
        view_id = args.get("view_id") if method == "views.update" else None
        view["id"] = str(view_id) if view_id else self._next_id("V")
        self._id_counter += 1
        view["hash"] = f"{_TS_SECONDS}.{self._id_counter:08x}"
        view["team_id"] = self.team_id
        view.setdefault("state", {"values": {}})
        if method == "views.publish" and args.get("user_id"):
            view["user_id"] = args["user_id"]
        return {"ok": True, "view": view}

    def _user(self, user_id: str) -> dict[str, Any]:
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        is_bot = user_id == self.bot_user_id
        name = "csp-bot" if is_bot else f"user-{user_id.lower()}"
        scripted = self._profiles.get(user_id)
        profile = dict(scripted) if scripted else {"display_name": name, "real_name": name}
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "real_name": profile["real_name"] or name,
                "deleted": False,
                "is_bot": is_bot,
                "is_admin": False,
                "tz": "Europe/London",
                "profile": profile,
            },
        }

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                files = []
        if not isinstance(files, list):
            files = []
        completed = []
        for item in files:
            if not isinstance(item, dict):
                continue
            file_id = str(item.get("id", ""))
            known = self._files.get(file_id, {})
            title = item.get("title") or known.get("name")
            entry: dict[str, Any] = {"id": file_id, "title": title, "name": known.get("name") or title}
            if known.get("size") is not None:
                entry["size"] = known["size"]
            completed.append(entry)
        return {"ok": True, "files": completed}
