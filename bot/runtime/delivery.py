"""Delivering the alert outbox to the alert channel: once, never lost.

How an alert goes out:

1. *Claim* (one write transaction): pending alerts that are due and not claimed by a live
   deliverer get our name, a claim that expires, and ``attempts + 1``. On PostgreSQL the rows
   are locked with ``SKIP LOCKED``; on SQLite the write transaction is exclusive. Counting the
   attempt *before* posting is what makes a crash after posting detectable.
2. *Reconcile*: an alert on its second or later attempt may already be in the channel (the
   last deliverer posted and died before recording it). The channel's recent history is
   searched for the alert's key in the message metadata; if it is there, it is recorded, not
   posted again.
3. *Post* with slack_sdk's retry handlers: 429s wait for Retry-After; connection failures
   before a request is sent are retried; 5xx and dropped connections, where Slack may have
   posted after all, are retried only after the same metadata check.
4. *Record* the channel and message ts, or release the claim with a backoff that survives
   restarts (``next_attempt_at``). "Not in channel", "archived" or no channel set leave the
   alert queued and tell coordinators, once per problem.

Nudges (``bot.services.nudges``) travel the same way, claimed and reconciled alike, but each goes
to its member's direct messages (``conversations.open``), whether or not an alert channel is set.
A member Slack cannot reach (deactivated, or gone) is marked undeliverable instead of retried.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import or_, select

from bot.logs import log_failure
from bot.services.alerts import Alert, AlertService, alert_from_row, aware
from bot.services.nudges import NUDGE
from bot.views.alerts import alert_reply, delivery_problem_reply
from bot.views.nudges import nudge_reply
from store.db import Database
from store.models import AlertRow, Member

log = logging.getLogger("csp_bot.delivery")

METADATA_TYPE = "csp_alert"
CLAIM_SECONDS = 120
#: Slack errors that no retry fixes: the alert waits for a person
BLOCKING_ERRORS = {
    "not_in_channel": "csp-bot is not in the alert channel",
    "channel_not_found": "the alert channel does not exist or csp-bot cannot see it",
    "is_archived": "the alert channel is archived",
    "restricted_action": "csp-bot may not post in the alert channel",
    "not_authed": "csp-bot's token is missing",
    "invalid_auth": "csp-bot's token is not valid",
    "account_inactive": "csp-bot's token has been revoked",
}
MAX_BACKOFF = timedelta(hours=1)
#: Slack errors that mean a nudge's member cannot be reached at all: it is not retried
UNREACHABLE_ERRORS = frozenset(
    {"user_not_found", "user_disabled", "cannot_dm_bot", "user_not_visible", "account_inactive_user"}
)
UNDELIVERABLE = "undeliverable"


def metadata_for(alert_key: str) -> dict[str, Any]:
    return {"event_type": METADATA_TYPE, "event_payload": {"alert_key": alert_key}}


def alert_message(alert: Alert, channel: str) -> dict[str, Any]:
    """The chat.postMessage arguments for an alert: the same on every attempt, keyed in its metadata."""
    reply = nudge_reply(alert) if alert.kind == NUDGE else alert_reply(alert)
    return {
        "channel": channel,
        "text": reply.text,
        "blocks": reply.message()["blocks"],
        "metadata": metadata_for(alert.key),
        "unfurl_links": False,
        "unfurl_media": False,
    }


def find_posted(client: WebClient, channel: str, alert_key: str, oldest: float) -> str | None:
    """The ts of a message in the channel carrying this alert's key, if one is there."""
    cursor = None
    for _ in range(5):  # recent history only: an alert is found within minutes of posting
        response = client.conversations_history(
            channel=channel, oldest=str(oldest), limit=200, include_all_metadata=True, cursor=cursor
        )
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_TYPE
                and (metadata.get("event_payload") or {}).get("alert_key") == alert_key
            ):
                return message.get("ts")
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


class _LandedCheck:
    """Before re-sending a chat.postMessage after an ambiguous failure, look for it in the channel."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def posted(self, request: HttpRequest) -> bool:
        if not request.url.endswith("/chat.postMessage"):
            return False
        try:
            body = json.loads(request.data or b"{}") if request.data else dict(request.body_params or {})
            key = (body.get("metadata") or {}).get("event_payload", {}).get("alert_key")
            channel = body.get("channel")
            if not key or not channel:
                return False
            return find_posted(self._client, channel, key, oldest=0) is not None
        except (SlackApiError, OSError, ValueError, AttributeError):
            return True  # cannot tell: do not risk a second copy; the next pass reconciles


class _ChecksBeforeRetrying:
    """Holds the landed-post check for the two retry handlers that may face an ambiguous failure."""

    def __init__(
        self, check: _LandedCheck, max_retry_count: int, interval_calculator: RetryIntervalCalculator
    ) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=interval_calculator)  # type: ignore[call-arg]
        self._check = check


class _ReconcilingServerErrorRetry(_ChecksBeforeRetrying, ServerErrorRetryHandler):
    def _can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:  # fmt: skip
        retryable = super()._can_retry(state=state, request=request, response=response, error=error)
        return retryable and not self._check.posted(request)


class _ReconcilingConnectionRetry(_ChecksBeforeRetrying, ConnectionErrorRetryHandler):
    """Connection refused or unreachable: nothing was sent, retry. Dropped mid-reply: check first."""

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:  # fmt: skip
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        ambiguous = isinstance(error, (RemoteDisconnected, ConnectionResetError)) or (
            isinstance(error, URLError) and isinstance(error.reason, (TimeoutError, ConnectionResetError))
        )
        return not (ambiguous and self._check.posted(request))


def delivery_client(
    token: str,
    base_url: str,
    *,
    timeout: int = 10,
    interval_calculator: RetryIntervalCalculator | None = None,
) -> WebClient:
    """A client whose retries never post an alert twice."""
    from slack_sdk.http_retry.handler import default_interval_calculator

    intervals = interval_calculator or default_interval_calculator
    checker = WebClient(token=token, base_url=base_url, timeout=timeout)
    check = _LandedCheck(checker)
    handlers: list[RetryHandler] = [
        RateLimitErrorRetryHandler(max_retry_count=3),
        _ReconcilingServerErrorRetry(check, 2, intervals),
        _ReconcilingConnectionRetry(check, 2, intervals),
    ]
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)


@dataclass
class DeliveryReport:
    posted: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    blocked: str | None = None


class Deliverer:
    def __init__(self, db: Database, alerts: AlertService, *, holder: str | None = None) -> None:
        self._db = db
        self._alerts = alerts
        self.holder = holder or f"deliverer-{uuid.uuid4().hex[:12]}"

    def deliver_pending(
        self, client: WebClient, limit: int = 25, *, only: Collection[int] | None = None
    ) -> DeliveryReport:
        """Post what is due. ``only``: just these alerts (the ones a command's write returned)."""
        report = DeliveryReport()
        if not self._due(only):
            return report
        channel = self._alerts.channel()
        if channel is None and self._due(only, channel_alerts=True):
            report.blocked = "no alert channel is set"
            self._tell_coordinators(client, report.blocked, None)
        # without a channel only nudges are claimed: they go to direct messages
        delivered_to_channel = False
        for alert in self._claim(limit, only, nudges_only=channel is None):
            if alert.kind == NUDGE:
                self._deliver_nudge(client, alert, report)
            elif channel is not None and not report.blocked:
                before = len(report.posted) + len(report.reconciled)
                self._deliver_one(client, channel, alert, report)
                delivered_to_channel |= len(report.posted) + len(report.reconciled) > before
        if not report.blocked and delivered_to_channel:
            self._alerts.record_problem(None)
        return report

    # ------------------------------------------------------------------ steps

    def _due_query(  # type: ignore[no-untyped-def]
        self, only: Collection[int] | None, *, nudges_only: bool = False, channel_alerts: bool = False
    ):
        now = self._db.utcnow()
        query = (
            select(AlertRow)
            .where(AlertRow.status == "pending")
            .where(or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now))
            .where(or_(AlertRow.claimed_until.is_(None), AlertRow.claimed_until <= now))
            .order_by(AlertRow.id)
        )
        if nudges_only:
            query = query.where(AlertRow.kind == NUDGE)
        elif channel_alerts:
            query = query.where(AlertRow.kind != NUDGE)
        return query if only is None else query.where(AlertRow.id.in_(list(only)))

    def _due(self, only: Collection[int] | None, *, channel_alerts: bool = False) -> bool:
        if only is not None and not only:
            return False
        with self._db.read() as session:
            query = self._due_query(only, channel_alerts=channel_alerts).limit(1)
            return session.scalars(query).first() is not None

    def _claim(
        self, limit: int, only: Collection[int] | None = None, *, nudges_only: bool = False
    ) -> list[Alert]:
        now = self._db.utcnow()
        with self._db.transaction() as session:
            query = self._due_query(only, nudges_only=nudges_only).limit(limit)
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            for row in rows:
                row.claimed_by, row.claimed_until = self.holder, now + timedelta(seconds=CLAIM_SECONDS)
                row.attempts += 1
            return [alert_from_row(row) for row in rows]

    def _deliver_one(self, client: WebClient, channel: str, alert: Alert, report: DeliveryReport) -> None:
        try:
            self._post_once(client, channel, alert, report)
        except SlackApiError as error:
            code = str(error.response.get("error", "")) if error.response is not None else ""
            if code in BLOCKING_ERRORS:
                report.blocked = BLOCKING_ERRORS[code]
                self._release(alert, code, retry_in=timedelta(minutes=5))
                self._tell_coordinators(client, report.blocked, channel)
            else:
                self._release(alert, code or "slack_error", retry_in=self._backoff(alert.attempts))
                report.deferred.append(alert.key)
        except (OSError, TimeoutError) as error:
            log_failure(log, "alert delivery", error)
            self._release(alert, type(error).__name__, retry_in=self._backoff(alert.attempts))
            report.deferred.append(alert.key)

    def _post_once(self, client: WebClient, channel: str, alert: Alert, report: DeliveryReport) -> None:
        """Post and record it; after an attempt that may have posted (a crash, a timeout), first look for
        it in the channel, so it is never posted twice."""
        if alert.attempts > 1:
            ts = find_posted(client, channel, alert.key, aware(alert.created_at).timestamp() - 60)
            if ts is not None:
                self._record(alert, channel, ts)
                report.reconciled.append(alert.key)
                return
        response = client.chat_postMessage(**alert_message(alert, channel))
        self._record(alert, channel, response["ts"])
        report.posted.append(alert.key)

    def _deliver_nudge(self, client: WebClient, alert: Alert, report: DeliveryReport) -> None:
        """To the member's direct messages: found there already (a retry after a crash) or posted."""
        try:
            dm = client.conversations_open(users=alert.subject_id)["channel"]["id"]
            self._post_once(client, dm, alert, report)
        except SlackApiError as error:
            code = str(error.response.get("error", "")) if error.response is not None else ""
            if code in UNREACHABLE_ERRORS:
                self._give_up(alert, code)
            else:
                self._release(alert, code or "slack_error", retry_in=self._backoff(alert.attempts))
                report.deferred.append(alert.key)
        except (OSError, TimeoutError) as error:
            log_failure(log, "nudge delivery", error)
            self._release(alert, type(error).__name__, retry_in=self._backoff(alert.attempts))
            report.deferred.append(alert.key)

    def _give_up(self, alert: Alert, error: str) -> None:
        """Slack says the member cannot be reached: kept, marked, never posted."""
        with self._db.transaction() as session:
            row = session.get(AlertRow, alert.id, with_for_update=True)
            if row is None or row.status != "pending":
                return
            row.status, row.last_error = UNDELIVERABLE, error[:64]
            row.claimed_by = row.claimed_until = None

    @staticmethod
    def _backoff(attempts: int) -> timedelta:
        return min(timedelta(seconds=30 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)

    def _record(self, alert: Alert, channel: str, ts: str) -> None:
        with self._db.transaction() as session:
            row = session.get(AlertRow, alert.id, with_for_update=True)
            if row is None:
                return
            row.status, row.channel, row.message_ts, row.posted_at = "posted", channel, ts, self._db.utcnow()
            row.claimed_by = row.claimed_until = row.last_error = None

    def _release(self, alert: Alert, error: str, *, retry_in: timedelta) -> None:
        with self._db.transaction() as session:
            row = session.get(AlertRow, alert.id, with_for_update=True)
            if row is None or row.status != "pending":
                return
            row.claimed_by = row.claimed_until = None
            row.last_error = error[:64]
            row.next_attempt_at = self._db.utcnow() + retry_in

    def _tell_coordinators(self, client: WebClient, problem: str, channel: str | None) -> None:
        """A warning on their App Home (the stored problem) and, once per problem, a direct message."""
        if not self._alerts.record_problem(problem):
            return
        reply = delivery_problem_reply(problem, channel)
        with self._db.read() as session:
            coordinators = list(session.scalars(select(Member.user_id).where(Member.role == "coordinator")))
        for user in coordinators:
            try:
                dm = client.conversations_open(users=user)["channel"]["id"]
                client.chat_postMessage(channel=dm, text=reply.text, blocks=reply.message()["blocks"])
            except (SlackApiError, OSError) as error:
                log_failure(log, "coordinator warning", error)


class AlertPreview(Deliverer):
    """Stands in for the Deliverer where no real Slack is configured (``csp-bot ask`` without a token):
    it shows what would be posted and records nothing, so the alerts stay queued for a real deliverer."""

    def __init__(self, db: Database, alerts: AlertService) -> None:
        super().__init__(db, alerts, holder="preview")
        self.previews: list[dict[str, Any]] = []

    def deliver_pending(
        self, client: WebClient, limit: int = 25, *, only: Collection[int] | None = None
    ) -> DeliveryReport:
        channel = self._alerts.channel()
        if only is None:  # only what a command raised: the backlog is not its to show
            return DeliveryReport(blocked=None if channel else "no alert channel is set")
        blocked = False
        for alert_id in sorted(only):
            alert = self._alerts.get(alert_id)
            if alert.kind == NUDGE:  # a user ID as the channel: the member's direct messages
                self.previews.append(alert_message(alert, alert.subject_id))
            elif channel is not None:
                self.previews.append(alert_message(alert, channel))
            else:
                blocked = True
        return DeliveryReport(blocked="no alert channel is set" if blocked else None)
