"""The services one running app shares, built from settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Now, system_now
from bot.runtime.background import Background
from bot.runtime.delivery import Deliverer
from bot.runtime.home_refresh import HomeRefresher
from bot.services.achievements import AchievementService
from bot.services.actions import ActionService
from bot.services.alerts import AlertService
from bot.services.audit_log import AuditService
from bot.services.data_protection import DataProtectionService, Retention
from bot.services.dedupe import RequestKeys
from bot.services.glossary import GlossaryService
from bot.services.home import HomeService
from bot.services.members import MemberService
from bot.services.nudges import NudgeService
from bot.services.plan import PlanService
from bot.services.planning import PlanningService
from bot.services.reports import ReportService
from bot.services.risks import RiskService
from bot.settings import Settings
from store.db import Database


@dataclass
class Services:
    db: Database
    glossary: GlossaryService
    members: MemberService
    plan: PlanService
    planning: PlanningService
    achievements: AchievementService
    actions: ActionService
    reports: ReportService
    home: HomeService
    background: Background
    home_refresh: HomeRefresher
    risks: RiskService
    alerts: AlertService
    deliverer: Deliverer
    request_keys: RequestKeys
    audit: AuditService
    data_protection: DataProtectionService
    nudges: NudgeService

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

        # the store's clock is the one every service reads, also for a partnership's store handed in
        now, today = db.now, db.today

        plan = PlanService(db)
        glossary = GlossaryService(db)
        achievements = AchievementService(db, plan, today)
        alerts = AlertService(
            db,
            default_channel=alert_channel,
            realert_days=settings.csp_realert_days,
            digest_day=settings.csp_digest_day,
            digest_time=settings.csp_digest_time,
            now=now,
        )
        actions = ActionService(db, plan, alerts, today)
        members = MemberService(db, plan)
        background = Background()
        risks = RiskService(db, plan, settings.rating_rule, alerts, today)
        nudges = NudgeService(
            db,
            actions,
            alerts,
            first_days=settings.csp_nudge_first_days,
            second_days=settings.csp_nudge_second_days,
            send_time=settings.csp_nudge_time,
            now=now,
        )
        return cls(
            db=db,
            glossary=glossary,
            members=members,
            plan=plan,
            planning=PlanningService(db, plan),
            achievements=achievements,
            actions=actions,
            reports=ReportService(plan, achievements, actions, risks, db),
            home=HomeService(glossary, plan, actions, achievements, alerts, risks, nudges, members),
            background=background,
            home_refresh=HomeRefresher(db, background),
            risks=risks,
            alerts=alerts,
            deliverer=Deliverer(db, alerts),
            request_keys=RequestKeys(db),
            audit=AuditService(db),
            data_protection=DataProtectionService(
                db,
                Retention(
                    audit_days=settings.csp_retention_audit_days,
                    glossary_misses_days=settings.csp_retention_glossary_misses_days,
                    outbox_days=settings.csp_retention_outbox_days,
                ),
                now,
            ),
            nudges=nudges,
        )

    def close(self) -> None:
        self.home_refresh.close()  # first: what is still owed is recorded before anything waits
        self.background.shutdown()
        self.glossary.usage.flush()
        self.db.dispose()
