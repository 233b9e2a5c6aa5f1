"""`csp-bot serve` under hostile or unlucky conditions: nothing leaks into its logs, start-up failures
are one line, unsigned or oversized requests get a clean refusal, replays write nothing, and a store
that cannot be written is reported unhealthy."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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
MEMBER = "U0TVP1"


def _add_member(database_url: str) -> None:
    from bot.container import Services
    from bot.permissions import Actor, Role
    from bot.settings import Settings

    services = Services.build(Settings(database_url=database_url))
    try:
        services.members.add(Actor.operator(), MEMBER, Role.MEMBER, "TVP")
    finally:
        services.close()


def _command(text: str, standin: SlackStandIn, trigger_id: str) -> str:
    return slash_command_body(
        text, user_id=MEMBER, channel_id="C0X", response_url=standin.response_url(), trigger_id=trigger_id
    )


def _stop(process: subprocess.Popen[str]) -> str:
    """Stop the server and return everything it wrote (stdout and stderr)."""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)
    return out + err


# ---------------------------------------------------------------------- §3 nothing leaked

# Each request plants words of its own; none may reach the log, in any spelling a body can take.
FORGED = "log P2 supported victim Jane Smith DOB 01/02/1990 Quillfeather"
STALE = "log P2 supported victim Jane Smith DOB 01/02/1990 Marrowbone"
REFUSED = "log P2 supported victim Jane Smith DOB 01/02/1990 Thistledown"
ACCEPTED = "log P2 TVP ran 3 Wickerbasket workshops"
PLANTED = ("Jane", "Smith", "01/02/1990", "01%2F02%2F1990", "Quillfeather", "Marrowbone", "Thistledown",
           "Wickerbasket")  # fmt: skip


def test_a_debug_log_carries_no_user_text_whatever_the_request(
    database_url: str, standin: SlackStandIn
) -> None:
    _add_member(database_url)
    with serving(database_url, standin, SLACK_BOT_TOKEN="xoxb-hardening-test", CSP_LOG_LEVEL="DEBUG") as (
        port,
        process,
    ):
        forged = _command(FORGED, standin, "1.1.forged")
        assert http_post(port, forged, signed_headers("wrong-secret", forged))[0] == 401
        stale = _command(STALE, standin, "1.1.stale")
        assert (
            http_post(port, stale, signed_headers(SECRET, stale, timestamp=int(time.time()) - 600))[0] == 401
        )
        refused = _command(REFUSED, standin, "1.1.refused")
        status, reply = http_post(port, refused, signed_headers(SECRET, refused))
        assert status == 200 and b"date of birth" in reply
        accepted = _command(ACCEPTED, standin, "1.1.accepted")
        status, reply = http_post(port, accepted, signed_headers(SECRET, accepted))
        assert status == 200 and b"Wickerbasket" in reply  # logged: the reply, not the log, says so
        standin.wait_for("views.publish")  # the App Home refresh carries the text to Slack's Web API
        log = _stop(process)
    assert "DEBUG" in log, "the server must really have run at DEBUG"
    assert "signature" in log.lower(), "the useful fact stays: a request failed the signature check"
    leaked = [word for word in PLANTED if word.lower() in log.lower()]
    assert not leaked, f"user text in the log: {leaked}"


def test_a_withheld_record_keeps_its_headline_and_loses_its_traceback() -> None:
    import io
    import logging

    from bot.logs import WithholdBodies

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(WithholdBodies())
    logger = logging.getLogger("slack_bolt.Probe")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("text=Quillfeather")
        except ValueError:
            logger.exception("Failed to run listener function (error: %s)", "Quillfeather")
        logging.getLogger("sqlalchemy.engine.Engine").handle(
            logging.LogRecord(
                "sqlalchemy.engine.Engine", logging.INFO, __file__, 1, "[generated] %r", ("Jane",), None
            )
        )
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "Failed to run listener function (details withheld) [ValueError]\n"


# ---------------------------------------------------------------------- §3 start-up failures


def _start_fails(tmp_path: Path, *args: str, **env: str) -> str:
    """Start `csp-bot serve` as the operator would (INFO), expect it to stop, and return its stderr."""
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}", "CSP_LOG_LEVEL": "INFO", **env}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "csp-bot"), "serve", *args],
        env={**clean, **settings},
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


def _closed_port() -> int:
    return free_port()  # bound and released: nothing listens there


HTTP = {"SLACK_BOT_TOKEN": "xoxb-start-test", "SLACK_SIGNING_SECRET": "start-secret"}
SOCKET = {"SLACK_BOT_TOKEN": "xoxb-start-test", "SLACK_APP_TOKEN": "xapp-start-test"}


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
@pytest.mark.parametrize(
    ("database", "says"),
    [
        ("postgresql+psycopg://nobody@127.0.0.1:{port}/none", "cannot use the database at DATABASE_URL"),
        ("sqlite:///{file}/below-a-file/csp.sqlite3", "cannot be created"),
        ("nosuchdb://x", "DATABASE_URL names a database driver"),
    ],
    ids=["unreachable", "unwritable-path", "unknown-driver"],
)
def test_a_bad_database_url_is_one_line(tmp_path: Path, socket_mode: bool, database: str, says: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    url = database.format(port=_closed_port(), file=a_file)
    args = ("--socket",) if socket_mode else ("--port", str(_closed_port()))
    assert says in _start_fails(tmp_path, *args, **(SOCKET if socket_mode else HTTP), DATABASE_URL=url)


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = _start_fails(tmp_path, "--host", "127.0.0.1", "--port", str(port), **HTTP)
    assert f"cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        ((), {"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set"),
        ((), {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (("--socket",), {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is not set"),
    ],
)
def test_a_missing_token_or_secret_is_one_line(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], says: str
) -> None:
    assert says in _start_fails(tmp_path, *args, **env)


def test_socket_mode_with_slack_unreachable_is_one_line(tmp_path: Path) -> None:
    unreachable = f"http://127.0.0.1:{_closed_port()}/api/"
    err = _start_fails(tmp_path, "--socket", **SOCKET, SLACK_API_URL=unreachable)
    assert "cannot reach Slack to open a Socket Mode connection" in err


def test_socket_mode_refused_by_slack_is_one_line(tmp_path: Path, standin: SlackStandIn) -> None:
    standin.set_response("apps.connections.open", {"ok": False, "error": "invalid_auth"})
    err = _start_fails(tmp_path, "--socket", **SOCKET, SLACK_API_URL=standin.base_url)
    assert "Slack refused the Socket Mode connection (invalid_auth)" in err


# ---------------------------------------------------------------------- §4 hostile input, on loopback


def _raw_request(
    port: int, head: str, body: bytes = b"", *, then_stop_sending: bool = False
) -> tuple[int, bytes]:
    """Send exactly these bytes (a lying Content-Length, chunks, no body) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        if then_stop_sending:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


def test_unsigned_malformed_or_oversized_requests_get_a_clean_refusal(
    database_url: str, standin: SlackStandIn
) -> None:
    signed_ok = _command("acronym MARAC", standin, "4.3.ok")
    now = str(int(time.time()))
    with serving(database_url, standin, SLACK_BOT_TOKEN="xoxb-hardening-test", CSP_LOG_LEVEL="DEBUG") as (
        port,
        process,
    ):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        json_type = {"Content-Type": "application/json"}
        cases = [
            # (what, body, headers, expected status)
            ("no signature", signed_ok, form, 401),
            ("non-numeric timestamp", signed_ok, {**form, "X-Slack-Request-Timestamp": "soon",
                                                  "X-Slack-Signature": "v0=00"}, 401),
            ("unparsable JSON, unsigned", "{not json", {**json_type, "X-Slack-Request-Timestamp": now,
                                                       "X-Slack-Signature": "v0=00"}, 401),
            ("unparsable payload, unsigned", "payload=%7Bnot", form, 401),
            ("not UTF-8, unsigned", b"\xff\xfe\xfa", form, 401),
        ]  # fmt: skip
        for what, body, headers, expected in cases:
            status, answer = http_post(port, body, headers)
            assert status == expected, what
            assert b"Traceback" not in answer
        # a signed body that Bolt could not parse is refused, not a crash
        for broken, headers in (("{not json", json_type), ("payload=%7Bnot", form)):
            assert (
                http_post(port, broken, signed_headers(SECRET, broken, content_type=headers["Content-Type"]))[
                    0
                ]
                == 400
            )
        # too big: refused from the Content-Length alone, before the body is sent
        head = f"POST /slack/events HTTP/1.1\nHost: x\nContent-Type: {form['Content-Type']}\nContent-Length: {10 * 1024 * 1024}\n"
        assert _raw_request(port, head)[0] == 413
        # too big without a Content-Length (chunked): refused once the limit is passed
        chunk = b"a" * (300 * 1024)
        chunked = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
        head = "POST /slack/events HTTP/1.1\nHost: x\nContent-Type: text/plain\nTransfer-Encoding: chunked\n"
        assert _raw_request(port, head, chunked)[0] == 413
        # a body shorter than its Content-Length, the sender then silent
        head = "POST /slack/events HTTP/1.1\nHost: x\nContent-Type: text/plain\nContent-Length: 100\n"
        assert _raw_request(port, head, b"text=short", then_stop_sending=True)[0] in {400, 401}
        # and the server still answers properly signed requests
        status, reply = http_post(port, signed_ok, signed_headers(SECRET, signed_ok))
        assert status == 200 and b"Multi Agency Risk Assessment Committee" in reply
        log = _stop(process)
    assert "Traceback" not in log and "Error handling request" not in log
    assert "request refused: body over 256 KiB" in log


# ---------------------------------------------------------------------- §4 a store that cannot be written


def _read_only(database_url: str) -> str:
    """The same SQLite file, opened read-only (tests run as root, where chmod would not stop a write)."""
    return f"sqlite:///file:{database_url.removeprefix('sqlite:///')}?mode=ro&uri=true"


def _sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite:"):
        pytest.skip("a read-only store is simulated with SQLite's read-only mode")


def test_healthz_is_503_when_the_store_cannot_be_written(database_url: str, standin: SlackStandIn) -> None:
    _sqlite_only(database_url)
    _add_member(database_url)
    port = free_port()
    env = {"DATABASE_URL": _read_only(database_url), "SLACK_BOT_TOKEN": "xoxb-ro", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": standin.base_url, "CSP_LOG_LEVEL": "INFO"}  # fmt: skip
    with csp_bot_process("serve", "--host", "127.0.0.1", "--port", str(port), env=env) as process:
        answer = _health_once_up(port, process)
        assert answer[0] == 503
        assert json.loads(answer[1]) == {
            "ok": False,
            "reason": "the database cannot be written (OperationalError: attempt to write a readonly database)",
        }
        # look-ups still work; a write fails kindly and stores nothing
        body = _command("acronym MARAC", standin, "4.5.read")
        assert b"Multi Agency" in http_post(port, body, signed_headers(SECRET, body))[1]
        body = _command("log P2 TVP ran 3 workshops", standin, "4.5.write")
        status, reply = http_post(port, body, signed_headers(SECRET, body))
        assert status == 200 and b"nothing was saved" in reply
        log = _stop(process)
    assert "Traceback" not in log


def test_healthz_is_200_when_the_store_can_be_written(database_url: str, standin: SlackStandIn) -> None:
    from bot.container import Services
    from bot.runtime.health import StoreHealth
    from bot.settings import Settings

    services = Services.build(Settings(database_url=database_url))
    try:
        assert StoreHealth(services.db)() is None
        assert services.request_keys.first("healthz:write-probe")  # the probe left nothing behind
    finally:
        services.close()


def _health_once_up(port: int, process: subprocess.Popen[str]) -> tuple[int, bytes]:
    """The first answer of /healthz, whatever it is (wait_until_serving waits for a 200)."""
    while True:
        try:
            return http_get(port, "/healthz")
        except OSError:  # refused until gunicorn is listening
            if process.poll() is not None:
                raise AssertionError(f"server did not start: {process.communicate(timeout=5)}") from None
            time.sleep(0.1)


def test_ask_exits_non_zero_when_its_write_failed(database_url: str, tmp_path: Path) -> None:
    _sqlite_only(database_url)
    _add_member(database_url)
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "csp-bot"), "ask", "--user", MEMBER, "log P2 TVP ran 3 workshops"],
        env={**clean, "DATABASE_URL": _read_only(database_url)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "nothing was saved" in done.stdout  # the reply, as a person reads it
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "csp-bot: a write to the database failed, so nothing was saved "
        "(OperationalError: attempt to write a readonly database)."
    )


# ---------------------------------------------------------------------- §4 replays


def test_a_replayed_signed_command_is_stored_once(database_url: str, standin: SlackStandIn) -> None:
    from bot.container import Services
    from bot.settings import Settings

    _add_member(database_url)
    body = _command("log P2 TVP ran 3 workshops", standin, "4.4.replayed")
    headers = signed_headers(SECRET, body)  # one signature, sent four times within Slack's window
    with serving(database_url, standin, SLACK_BOT_TOKEN="xoxb-hardening-test") as (port, _):
        first = http_post(port, body, headers)
        replays = [http_post(port, body, headers) for _ in range(3)]
    assert first[0] == 200 and b"workshops" in first[1]
    assert replays == [(200, b"")] * 3
    services = Services.build(Settings(database_url=database_url))
    try:
        logged = [a for a in services.achievements.list() if "ran 3 workshops" in a.text]
    finally:
        services.close()
    assert len(logged) == 1
