"""One wrapper for every listener: friendly replies for expected errors, private logs for the rest."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import UserFacingError
from bot.logs import log_failure
from bot.privacy import PersonalDataError
from bot.views.common import (
    Reply,
    error_reply,
    personal_data_reply,
    slack_unavailable_reply,
    unexpected_error_reply,
)

log = logging.getLogger("csp_bot.handlers")


def guarded(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Bolt injects arguments by name; functools.wraps keeps the listener's names visible to it."""

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except PersonalDataError as error:
            _reply(kwargs, personal_data_reply(error))
        except UserFacingError as error:
            _reply(kwargs, error_reply(error))
        except SlackApiError as error:
            log_failure(log, listener.__name__, error)
            _reply(kwargs, slack_unavailable_reply())
        except Exception as error:
            log_failure(log, listener.__name__, error)
            _reply(kwargs, unexpected_error_reply())
        return None

    return wrapper


def _reply(kwargs: dict[str, Any], reply: Reply) -> None:
    ack, respond = kwargs.get("ack"), kwargs.get("respond")
    if ack is not None and getattr(ack, "response", None) is None:
        ack(**reply.message())
    elif respond is not None:
        respond(**reply.message(), replace_original=False)
