"""The services one running app shares, built from settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.glossary import GlossaryService
from bot.services.members import MemberService
from bot.settings import Settings
from store.db import Database


@dataclass
class Services:
    db: Database
    glossary: GlossaryService
    members: MemberService

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(settings.database_url)
        db.ensure_ready()
        return cls(db=db, glossary=GlossaryService(db), members=MemberService(db))

    def close(self) -> None:
        self.glossary.usage.flush()
        self.db.dispose()
