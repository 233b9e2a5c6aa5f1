"""Slack retries, replays and double clicks, handled once: keys per request, claimed in the shared database.

A request Slack signed can be sent again by anyone who saw it, as long as its signature is fresh
(five minutes), so each one is claimed by its own id for longer than that:

* an event by its ``event_id`` (Slack also resends it, with X-Slack-Retry-Num, when an answer was slow);
* a slash command, button press, shortcut or form submission by its ``trigger_id``, which Slack makes
  new for every invocation.

A repeat gets an empty acknowledgement and nothing is done again. Most keys are claimed before the
listener runs (``Once``); a slash command's with its own write (``claimed_with_its_write``). Two separate clicks on one button (or
two submissions of one form) have different trigger ids, so a second key, who did what to which message,
catches a repeat within a few seconds as a double click.

Look-ups are not claimed: they write nothing a replay could double, and are answered without waiting
for the database's write lock.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.logs import log_failure
from bot.services.dedupe import KEEP, AlreadyHandled
from handlers.parsing import from_slack, split_verb
from handlers.router import SUBCOMMANDS

log = logging.getLogger("csp_bot.handlers")

DOUBLE_CLICK = timedelta(seconds=5)
#: longer than Slack's five-minute signature window, so a replay is recognised for as long as it is valid
REPLAY = KEEP

#: subcommands (and their aliases) that only read; any other first word might write
_READS = frozenset({"acronym", "acro", "abbr", "define", "def", "definition", "search", "find", "explain",
                    "help", "?", "usage"})  # fmt: skip
_VERBS = frozenset(name.split()[0] for s in SUBCOMMANDS for name in (s.name, *s.aliases))


def _only_reads(text: str) -> bool:
    """A look-up: a read-only subcommand, or a bare term (``/csp MARAC``: its first word is no verb)."""
    verb, _ = split_verb(from_slack(text))  # exactly as the router reads it
    return not verb or verb in _READS or verb not in _VERBS


def _only_reads_action(body: dict[str, Any]) -> bool:
    """The Home's search box and its "did you mean" picks only read: the same words typed again after a
    coordinator changed the glossary must be answered again, not dropped as a double click."""
    from bot.views import home as home_views  # here: a slash command never needs the Home's views

    action_id = str((body.get("actions") or [{}])[0].get("action_id", ""))
    return action_id == home_views.SEARCH or action_id.startswith(f"{home_views.PICK}_")


def request_keys(body: dict[str, Any]) -> list[tuple[str, timedelta]]:
    """The keys a request is claimed by, the replay key first."""
    kind = body.get("type")
    user = (body.get("user") or {}).get("id", "")
    trigger = body.get("trigger_id")
    if kind == "event_callback" and body.get("event_id"):
        return [(f"event:{body['event_id']}", KEEP)]
    if body.get("command"):  # a slash command
        return [] if not trigger or _only_reads(body.get("text") or "") else [(f"trigger:{trigger}", REPLAY)]
    if kind == "block_actions" and _only_reads_action(body):
        return []
    keys = [(f"trigger:{trigger}", REPLAY)] if trigger else []
    if kind == "block_actions" and body.get("actions"):
        action = body["actions"][0]
        where = (body.get("container") or {}).get("message_ts") or (body.get("view") or {}).get("id", "")
        keys.append(
            (f"action:{user}:{where}:{action.get('action_id')}:{action.get('value', '')}", DOUBLE_CLICK)
        )
    elif kind == "message_action":
        keys.append((f"shortcut:{user}:{body.get('callback_id')}:{body.get('message_ts')}", DOUBLE_CLICK))
    elif kind == "view_submission":
        view = body.get("view") or {}
        # the same form with the same answers; corrected answers after an error are a new submission
        state = hashlib.sha256(json.dumps(view.get("state"), sort_keys=True).encode()).hexdigest()[:16]
        keys.append((f"view:{user}:{view.get('id')}:{state}", DOUBLE_CLICK))
    elif kind not in {"shortcut", "block_actions"}:
        return []  # option loads, closed views and the like change nothing
    return keys


def once(body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
    """Slack sends: every request, after its partnership is known. A repeat is acknowledged, not run."""
    services = context.get("services")  # none for an uninstall from a workspace with no partnership
    if services is not None:
        if body.get("command"):
            return next()  # claimed by the listener, with its first write (``claimed_with_its_write``)
        for key, window in request_keys(body):
            try:
                first = services.request_keys.first(key, window=window)
            except Exception as error:
                # The store cannot take the key (read-only, unreachable): the listener's own write
                # will fail the same way and say so kindly, which beats an error page.
                log_failure(log, "claiming a request key", error)
                break
            if not first:
                return BoltResponse(status=200, body="")  # already handled: acknowledge, do nothing
    return next()


def claimed_with_its_write(listener: Callable[..., Any]) -> Callable[..., Any]:
    """The slash command's listener, its key claimed inside the command's own write: a log is one
    transaction, not two (the key's claim, then the log). Slack neither retries a slash command nor
    sends one trigger id twice, so a copy is a replay: one sent after the original is recognised by a
    read before anything runs; one racing it is refused by its write (``AlreadyHandled``: rolled back,
    acknowledged, not run). A command that writes nothing has its key claimed once it is done.
    Outside ``guarded``, which must not turn ``AlreadyHandled`` into an error reply."""

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        services = kwargs["context"].get("services")
        keys = request_keys(kwargs["command"])
        if services is None or not keys:
            return listener(**kwargs)
        (key, window), ack, claims = keys[0], kwargs["ack"], services.request_keys
        try:
            if claims.seen(key, window=window):
                return ack()  # already handled: acknowledge, do nothing
        except Exception as error:  # the store cannot be read: the command's own work will say so kindly
            log_failure(log, "reading a request key", error)
            return listener(**kwargs)
        try:
            with claims.claimed_with_first_write(key, window=window) as claim:
                result = listener(**kwargs)
        except AlreadyHandled:
            return ack()  # an empty acknowledgement, even if the listener had acknowledged already
        if not claim.done:
            try:
                claims.first(key, window=window)
            except Exception as error:
                log_failure(log, "claiming a request key", error)
        return result

    return wrapper


class Once(Middleware):
    """``once`` as a ``Middleware``: Bolt calls it directly, without building its arguments by name."""

    @property
    def name(self) -> str:
        return "once"

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        return once(req.body, req.context, next)
