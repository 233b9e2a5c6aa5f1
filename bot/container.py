"""The services one running app shares, built from settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.background import Background
from bot.clock import Today, today_in_london
from bot.services.achievements import AchievementService
from bot.services.actions import ActionService
from bot.services.glossary import GlossaryService
from bot.services.home import HomeService
from bot.services.members import MemberService
from bot.services.plan import PlanService
from bot.services.reports import ReportService
from bot.settings import Settings
from store.db import Database


@dataclass
class Services:
    db: Database
    glossary: GlossaryService
    members: MemberService
    plan: PlanService
    achievements: AchievementService
    actions: ActionService
    reports: ReportService
    home: HomeService
    background: Background

    @classmethod
    def build(cls, settings: Settings, *, today: Today = today_in_london) -> Services:
        db = Database(settings.database_url)
        db.ensure_ready()
        plan = PlanService(db)
        glossary = GlossaryService(db)
        achievements = AchievementService(db, plan, today)
        actions = ActionService(db, plan, today)
        return cls(
            db=db,
            glossary=glossary,
            members=MemberService(db, plan),
            plan=plan,
            achievements=achievements,
            actions=actions,
            reports=ReportService(plan, achievements, actions),
            home=HomeService(glossary, plan, actions, achievements),
            background=Background(),
        )

    def close(self) -> None:
        self.background.shutdown()
        self.glossary.usage.flush()
        self.db.dispose()
