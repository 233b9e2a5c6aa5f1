"""The services one running app shares, built from settings.

Each service is built the first time something reads it (``_OnFirstUse``), with its module imported
only then: a glossary look-up builds the glossary service and never the achievement, risk or plan
services, their repositories or their imports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from bot.clock import Now, system_now
from bot.settings import Settings
from store.db import Database

if TYPE_CHECKING:
    from bot.runtime.background import Background
    from bot.runtime.delivery import Deliverer
    from bot.runtime.home_refresh import HomeRefresher
    from bot.services.achievements import AchievementService
    from bot.services.actions import ActionService
    from bot.services.alerts import AlertService
    from bot.services.audit_log import AuditService
    from bot.services.data_protection import DataProtectionService
    from bot.services.dedupe import RequestKeys
    from bot.services.glossary import GlossaryService
    from bot.services.home import HomeService
    from bot.services.members import MemberService
    from bot.services.nudges import NudgeService
    from bot.services.plan import PlanService
    from bot.services.planning import PlanningService
    from bot.services.reports import ReportService
    from bot.services.risks import RiskService

T = TypeVar("T")


class _OnFirstUse(Generic[T]):
    """A service built on its first read and then kept on the instance, where later reads find it as a
    plain attribute (a non-data descriptor steps aside once the instance has the name)."""

    def __init__(self, build: Callable[[Services], T]) -> None:
        self._build = build
        self._name = build.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, services: None, owner: type) -> _OnFirstUse[T]: ...
    @overload
    def __get__(self, services: Services, owner: type | None = None) -> T: ...
    def __get__(self, services: Services | None, owner: type | None = None) -> T | _OnFirstUse[T]:
        if services is None:
            return self
        # re-entrant: a service's builder reads the services it needs; one build per name under threads
        with services._building:
            if self._name not in services.__dict__:
                build = services._instead.get(self._name, self._build)
                services.__dict__[self._name] = build(services)
            return services.__dict__[self._name]  # type: ignore[no-any-return]


def _glossary(s: Services) -> GlossaryService:
    from bot.services.glossary import GlossaryService

    return GlossaryService(s.db)


def _plan(s: Services) -> PlanService:
    from bot.services.plan import PlanService

    return PlanService(s.db)


def _achievements(s: Services) -> AchievementService:
    from bot.services.achievements import AchievementService

    return AchievementService(s.db, s.plan, s.db.today)


def _alerts(s: Services) -> AlertService:
    from bot.services.alerts import AlertService

    settings = s.settings
    return AlertService(
        s.db,
        default_channel=s.alert_channel,
        realert_days=settings.csp_realert_days,
        digest_day=settings.csp_digest_day,
        digest_time=settings.csp_digest_time,
        now=s.db.now,
    )


def _actions(s: Services) -> ActionService:
    from bot.services.actions import ActionService

    return ActionService(s.db, s.plan, s.alerts, s.db.today)


def _members(s: Services) -> MemberService:
    from bot.services.members import MemberService

    return MemberService(s.db, s.plan)


def _background(s: Services) -> Background:
    from bot.runtime.background import Background

    return Background()


def _risks(s: Services) -> RiskService:
    from bot.services.risks import RiskService

    return RiskService(s.db, s.plan, s.settings.rating_rule, s.alerts, s.db.today)


def _nudges(s: Services) -> NudgeService:
    from bot.services.nudges import NudgeService

    settings = s.settings
    return NudgeService(
        s.db,
        s.actions,
        s.alerts,
        first_days=settings.csp_nudge_first_days,
        second_days=settings.csp_nudge_second_days,
        send_time=settings.csp_nudge_time,
        now=s.db.now,
    )


def _planning(s: Services) -> PlanningService:
    from bot.services.planning import PlanningService

    return PlanningService(s.db, s.plan)


def _reports(s: Services) -> ReportService:
    from bot.services.reports import ReportService

    return ReportService(s.plan, s.achievements, s.actions, s.risks, s.db)


def _home(s: Services) -> HomeService:
    from bot.services.home import HomeService

    return HomeService(s.glossary, s.plan, s.actions, s.achievements, s.alerts, s.risks, s.nudges, s.members)


def _home_refresh(s: Services) -> HomeRefresher:
    from bot.runtime.home_refresh import HomeRefresher

    return HomeRefresher(s.db, s.background)


def _deliverer(s: Services) -> Deliverer:
    from bot.runtime.delivery import Deliverer

    return Deliverer(s.db, s.alerts)


def _request_keys(s: Services) -> RequestKeys:
    from bot.services.dedupe import RequestKeys

    return RequestKeys(s.db)


def _audit(s: Services) -> AuditService:
    from bot.services.audit_log import AuditService

    return AuditService(s.db)


def _data_protection(s: Services) -> DataProtectionService:
    from bot.services.data_protection import DataProtectionService, Retention

    settings = s.settings
    retention = Retention(
        audit_days=settings.csp_retention_audit_days,
        glossary_misses_days=settings.csp_retention_glossary_misses_days,
        outbox_days=settings.csp_retention_outbox_days,
    )
    return DataProtectionService(s.db, retention, s.db.now)


class Services:
    """One partnership's services over its store; the store's clock is the one every service reads."""

    glossary = _OnFirstUse(_glossary)
    members = _OnFirstUse(_members)
    plan = _OnFirstUse(_plan)
    planning = _OnFirstUse(_planning)
    achievements = _OnFirstUse(_achievements)
    actions = _OnFirstUse(_actions)
    reports = _OnFirstUse(_reports)
    home = _OnFirstUse(_home)
    background = _OnFirstUse(_background)
    home_refresh = _OnFirstUse(_home_refresh)
    risks = _OnFirstUse(_risks)
    alerts = _OnFirstUse(_alerts)
    deliverer = _OnFirstUse(_deliverer)
    request_keys = _OnFirstUse(_request_keys)
    audit = _OnFirstUse(_audit)
    data_protection = _OnFirstUse(_data_protection)
    nudges = _OnFirstUse(_nudges)

    def __init__(self, settings: Settings, db: Database, alert_channel: str | None) -> None:
        self.settings = settings
        self.db = db
        self.alert_channel = alert_channel
        self._building = threading.RLock()
        self._instead: dict[str, Callable[[Services], Any]] = {}

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        now: Now = system_now,
        db: Database | None = None,
        alert_channel: str | None = None,
    ) -> Services:
        """The services of one partnership: by default the one in DATABASE_URL, created on first use.
        ``db`` is another partnership's store, already migrated and seeded (see ``bot.partnerships``);
        its clock is the one ``now`` the services share."""
        if db is None:
            db = Database(settings.database_url, now=now)
            db.ensure_ready()
            alert_channel = settings.csp_alert_channel
        return cls(settings, db, alert_channel)

    def build_instead(self, name: str, build: Callable[[Services], Any]) -> None:
        """Build service ``name`` with ``build`` when it is first used (``csp-bot ask``'s alert preview)."""
        if not isinstance(getattr(type(self), name, None), _OnFirstUse):
            raise AttributeError(f"no service called {name!r}")
        with self._building:
            if name in self.__dict__:
                raise RuntimeError(f"the {name} service is already in use")
            self._instead[name] = build

    def built(self, name: str) -> Any | None:
        """Service ``name`` if something has used it, without building it."""
        return self.__dict__.get(name) if isinstance(getattr(type(self), name, None), _OnFirstUse) else None

    def close(self) -> None:
        home_refresh, background, glossary = (
            self.built(n) for n in ("home_refresh", "background", "glossary")
        )
        if home_refresh is not None:
            home_refresh.close()  # first: what is still owed is recorded before anything waits
        if background is not None:
            background.shutdown()
        if glossary is not None:
            glossary.usage.flush()
        self.db.dispose()
