"""Logging that never carries user text.

Bolt and slack_sdk log request and response bodies (a failed signature check at INFO, every Web API
call at DEBUG), and those bodies hold what people typed. A level is not a guarantee, so every handler
carries :class:`WithholdBodies`: a record from a logger that sees bodies keeps its headline ("Invalid
request signature detected") and loses everything after it, whatever its level. Our own code logs
kinds and places, never messages.
"""

from __future__ import annotations

import logging
import re
import traceback

BOLT_LOGGER = "csp_bot.bolt"
#: loggers that see request or response bodies, or SQL parameters; Bolt names its loggers
#: ``slack_bolt.Class`` and its listeners' ``<app name>:<function>`` (the app is named BOLT_LOGGER)
_BODY_LOGGERS = ("slack_bolt", "slack_sdk", BOLT_LOGGER, "sqlalchemy")
#: where a log line's details begin: "(body: …", "- url: …", "{…}", "[generated …]", "text=…"
_DETAILS = re.compile(r"[(:{\[=]")
_HEADLINE_MAX = 100


class _DropNoise(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN itself and then warns that the client and authorize function we hand
    # it win over it, which is the point.
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "`token` will be unused" not in message and "will be ignored" not in message


class WithholdBodies(logging.Filter):
    """Keep what happened, withhold what it was about: for loggers that see bodies, the message is cut
    at its first detail, and a traceback (whose messages can quote a body) becomes its exception's kind."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not sees_bodies(record.name):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: its arguments are still user data
            message = str(record.msg)
        headline = _DETAILS.split(message, maxsplit=1)[0].strip(" -,.")[:_HEADLINE_MAX]
        if not headline:
            return False  # nothing but details (e.g. SQL parameters): nothing worth keeping
        if headline != message:
            headline += " (details withheld)"
        if record.exc_info and record.exc_info[0] is not None:
            headline += f" [{record.exc_info[0].__name__}]"
        record.msg, record.args = headline, ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def sees_bodies(name: str) -> bool:
    return any(name == prefix or name.startswith((f"{prefix}.", f"{prefix}:")) for prefix in _BODY_LOGGERS)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # At DEBUG Slack's own debug lines are wanted (withheld details and all); otherwise INFO is enough.
    guard_body_loggers(level=logging.DEBUG if level == "DEBUG" else logging.INFO)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))


def guard_body_loggers(level: int | None = None) -> None:
    """Put :class:`WithholdBodies` on every handler that can receive a body logger's records (the root's,
    and any on the body loggers themselves, which Bolt copies to its own), and set their level:
    ``level`` when given, otherwise INFO unless one was already chosen."""
    _add_once(logging.getLogger(BOLT_LOGGER), _DropNoise)  # first: it matches whole messages
    for handler in logging.getLogger().handlers:
        _add_once(handler, WithholdBodies)
    for name in _BODY_LOGGERS:
        logger = logging.getLogger(name)
        _add_once(logger, WithholdBodies)  # copied by Bolt to its loggers, and applied to direct records
        for handler in logger.handlers:
            _add_once(handler, WithholdBodies)
        if name == "sqlalchemy":
            continue  # SQLAlchemy keeps itself at WARNING; INFO would turn on its SQL echo
        if level is not None:
            logger.setLevel(level)
        elif logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


def _add_once(target: logging.Filterer, kind: type[logging.Filter]) -> None:
    if not any(isinstance(existing, kind) for existing in target.filters):
        target.addFilter(kind())


def log_failure(logger: logging.Logger, where: str, error: BaseException) -> None:
    """Log the kind and place of a failure, never its message: messages can carry user text."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    logger.error("%s failed: %s at %s", where, type(error).__name__, place)
