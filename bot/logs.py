"""Logging that never carries user text.

Bolt and slack_sdk log whole request and response bodies at DEBUG, and those
bodies hold what people typed. Their loggers stay at INFO or above whatever
level is asked for; our own code logs kinds and places, never messages.
"""

from __future__ import annotations

import logging
import traceback

BOLT_LOGGER = "csp_bot.bolt"
_BODY_LOGGERS = ("slack_bolt", "slack_sdk", BOLT_LOGGER)


class _DropNoise(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN itself and then warns that the client and authorize function we hand
    # it win over it, which is the point.
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "`token` will be unused" not in message and "will be ignored" not in message


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    clamp_body_loggers()


def clamp_body_loggers() -> None:
    for name in _BODY_LOGGERS:
        logger = logging.getLogger(name)
        # their own level, not the effective one: a root logger turned to DEBUG later must not reach them
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    logging.getLogger(BOLT_LOGGER).addFilter(_DropNoise())
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))


def log_failure(logger: logging.Logger, where: str, error: BaseException) -> None:
    """Log the kind and place of a failure, never its message: messages can carry user text."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    logger.error("%s failed: %s at %s", where, type(error).__name__, place)
