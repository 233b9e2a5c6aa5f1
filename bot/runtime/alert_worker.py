"""The alert loop inside a running server: periodic checks and delivery, every few seconds.

Every worker process runs one, over every partnership. The periodic checks take a lease and
deliveries claim alerts in each partnership's store, so any number of processes together raise
each alert once and post it once, with the bot token of the partnership's own workspace.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.container import Services
from bot.logs import log_failure
from bot.partnerships import Partnerships
from bot.runtime.delivery import DeliveryReport, delivery_client
from bot.runtime.installations import installation_store
from bot.services.alerts import PeriodicReport
from bot.services.data_protection import Purge
from bot.services.nudges import NudgeRun
from bot.settings import Settings
from handlers.home import publisher

log = logging.getLogger("csp_bot.alert_worker")


@dataclass(frozen=True)
class Pass:
    periodic: PeriodicReport
    delivery: DeliveryReport
    #: the day's retention purge, when this pass ran it (once a day, by one process)
    purge: Purge | None = None
    #: the round of nudges due before the next reporting date, when one is (queued once a member)
    nudges: NudgeRun | None = None


def run_pass(services: Services, client: WebClient | None) -> Pass:
    """Raise what is due and queue the nudges due; post what is pending, unless the partnership has
    no installed workspace; and once a day, purge what is past its retention."""
    periodic = services.alerts.run_periodic(holder=services.deliverer.holder)
    nudges = services.nudges.run_scheduled(holder=services.deliverer.holder)
    delivery = DeliveryReport() if client is None else services.deliverer.deliver_pending(client)
    purge = services.data_protection.run_scheduled_purge(holder=services.deliverer.holder)
    return Pass(periodic=periodic, delivery=delivery, purge=purge, nudges=nudges)


class DeliveryClients:
    """The client that posts a partnership's alerts: the one bot token, or (with OAuth) the token
    its linked workspace's install stored; None while it has no installed workspace."""

    def __init__(self, settings: Settings, partnerships: Partnerships) -> None:
        self._settings = settings
        self._partnerships = partnerships
        self._clients: dict[str, WebClient] = {}
        self._installations = installation_store(settings, partnerships) if settings.oauth_enabled else None

    def client(self, slug: str) -> WebClient | None:
        token = self._token(slug)
        if token is None:
            return None
        client = self._clients.get(slug)
        if client is None or client.token != token:  # a reinstall brings a new token
            client = self._clients[slug] = delivery_client(token, self._settings.slack_api_url)
        return client

    def _token(self, slug: str) -> str | None:
        if self._installations is None:
            token = self._settings.slack_bot_token
            return token.get_secret_value() if token is not None else None
        for enterprise_id, team_id in self._partnerships.workspaces(slug):
            bot = self._installations.find_bot(
                enterprise_id=enterprise_id or None,
                team_id=team_id or None,
                is_enterprise_install=not team_id,
            )
            if bot is not None and bot.bot_token:
                return bot.bot_token
        return None


class AlertWorker:
    def __init__(self, partnerships: Partnerships, clients: DeliveryClients, interval: float) -> None:
        self._partnerships = partnerships
        self._clients = clients
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="csp-alerts", daemon=True)

    def start(self) -> AlertWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                slugs = self._partnerships.slugs()
            except Exception as error:
                log_failure(log, "alert pass", error)
                slugs = []
            for slug in slugs:
                try:
                    self._pass(slug)
                except Exception as error:  # the loop outlives any one pass, and any one partnership
                    log_failure(log, f"alert pass ({slug})", error)
            self._stop.wait(self._interval)

    def _pass(self, slug: str) -> None:
        services, client = self._partnerships.get(slug), self._clients.client(slug)
        if client is not None:  # App Home refreshes a stopped worker still owed (the first pass is at start)
            services.home_refresh.replay_owed(client, publisher(services))
        result = run_pass(services, client)
        if result.nudges is not None and result.nudges.queued:
            log.info("nudges (%s): %d queued", slug, len(result.nudges.queued))
        if result.purge is not None:
            log.info("retention (%s): %d rows past their retention deleted", slug, result.purge.total)
        if result.delivery.posted or result.delivery.blocked:
            log.info(
                "alerts (%s): %d posted, %d reconciled, %d deferred%s",
                slug,
                len(result.delivery.posted),
                len(result.delivery.reconciled),
                len(result.delivery.deferred),
                f"; waiting: {result.delivery.blocked}" if result.delivery.blocked else "",
            )
