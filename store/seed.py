"""First-use seeding from the partnership plan's data files."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from glossary.loader import seed_entries
from store import glossary_repo
from store.models import AppState

SEEDED_GLOSSARY = "seeded_glossary"
SEED_ACTOR = "plan"


def seed_if_empty(session: Session) -> bool:
    """Load the plan's glossary once. A flag, not emptiness, decides, so a glossary
    that coordinators have emptied on purpose is not refilled behind their backs."""
    if session.scalar(select(AppState.value).where(AppState.name == SEEDED_GLOSSARY)):
        return False
    for position, entry in enumerate(seed_entries(), start=1):
        if glossary_repo.row_by_slug(session, entry.id) is not None:
            continue
        row = glossary_repo.new_row(entry, actor=SEED_ACTOR, status=glossary_repo.ACTIVE, position=position)
        session.add(row)
        glossary_repo.record_change(
            session,
            slug=entry.id,
            action="seed",
            actor=SEED_ACTOR,
            before=None,
            after=glossary_repo.snapshot(row),
        )
    session.add(AppState(name=SEEDED_GLOSSARY, value="1"))
    glossary_repo.bump_version(session)
    return True
