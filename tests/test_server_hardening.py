"""`csp-bot serve` under hostile or unlucky conditions: nothing leaks into its logs, start-up failures
are one line, unsigned or oversized requests get a clean refusal, replays write nothing, and a store
that cannot be written is reported unhealthy."""

from __future__ import annotations

import http.client
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bot.offline.signing import signed_headers, slash_command_body
from bot.offline.slack_standin import SlackStandIn
from tests.harness import csp_bot_process, free_port, wait_until_serving

SECRET = "hardening-test-secret"
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


@contextmanager
def _serving(
    database_url: str, standin: SlackStandIn, **extra: str
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-hardening-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.base_url,
        **extra,
    }
    args = ("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    with csp_bot_process(*args, env=env) as process:
        wait_until_serving(port, process, describe=lambda: str(process.communicate(timeout=5)))
        yield port, process


def _post(
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
    with _serving(database_url, standin, CSP_LOG_LEVEL="DEBUG") as (port, process):
        forged = _command(FORGED, standin, "1.1.forged")
        assert _post(port, forged, signed_headers("wrong-secret", forged))[0] == 401
        stale = _command(STALE, standin, "1.1.stale")
        assert _post(port, stale, signed_headers(SECRET, stale, timestamp=int(time.time()) - 600))[0] == 401
        refused = _command(REFUSED, standin, "1.1.refused")
        status, reply = _post(port, refused, signed_headers(SECRET, refused))
        assert status == 200 and b"date of birth" in reply
        accepted = _command(ACCEPTED, standin, "1.1.accepted")
        status, reply = _post(port, accepted, signed_headers(SECRET, accepted))
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
