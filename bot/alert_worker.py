"""The alert loop inside a running server: periodic checks and delivery, every few seconds.

Every worker process runs one. The periodic checks take a lease and deliveries claim alerts in
the database, so any number of processes together raise each alert once and post it once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.container import Services
from bot.delivery import DeliveryReport
from bot.logs import log_failure
from bot.services.alerts import PeriodicReport

log = logging.getLogger("csp_bot.alert_worker")


@dataclass(frozen=True)
class Pass:
    periodic: PeriodicReport
    delivery: DeliveryReport


def run_pass(services: Services, client: WebClient) -> Pass:
    periodic = services.alerts.run_periodic(holder=services.deliverer.holder)
    return Pass(periodic=periodic, delivery=services.deliverer.deliver_pending(client))


class AlertWorker:
    def __init__(self, services: Services, client: WebClient, interval: float) -> None:
        self._services = services
        self._client = client
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
                result = run_pass(self._services, self._client)
                if result.delivery.posted or result.delivery.blocked:
                    log.info(
                        "alerts: %d posted, %d reconciled, %d deferred%s",
                        len(result.delivery.posted),
                        len(result.delivery.reconciled),
                        len(result.delivery.deferred),
                        f"; waiting: {result.delivery.blocked}" if result.delivery.blocked else "",
                    )
            except Exception as error:  # the loop outlives any one pass
                log_failure(log, "alert pass", error)
            self._stop.wait(self._interval)
