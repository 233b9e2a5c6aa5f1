"""First-use seeding from the partnership plan's data files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from glossary.loader import seed_entries
from glossary.model import GlossaryEntry
from store import glossary_repo
from store.db import session_today
from store.models import (
    AchievementChange,
    AchievementRow,
    ActionLeadRow,
    ActionRow,
    AppState,
    OrganisationRow,
    PartnershipRow,
    PlanRow,
    PriorityRow,
    RiskChange,
    RiskRow,
)

if TYPE_CHECKING:
    from store.plan_data import PlanData

SEEDED_GLOSSARY = "seeded_glossary"
SEEDED_PLAN = "seeded_plan"
SEEDED_RISKS = "seeded_risks"
#: reviews fall due a quarter after the register is loaded (csp-domain notes §4.4: quarterly reviews)
REVIEW_MONTHS = 3
SEED_ACTOR = "plan"


def seed_all(
    session: Session, plan: PlanData | None = None, glossary: Sequence[GlossaryEntry] | None = None
) -> None:
    """A new store's contents, once: by default the packaged Wycombe plan and its glossary."""
    seed_if_empty(session, glossary)
    seed_plan(session, plan)
    seed_risks(session, plan)


def seed_blank(session: Session, name: str, glossary: Sequence[GlossaryEntry] | None = None) -> None:
    """A partnership with no plan yet: its name and the glossary; the plan, its organisations and its
    risks are the coordinators' to add (the App Home says how)."""
    seed_if_empty(session, glossary)
    if not _flag(session, SEEDED_PLAN):
        session.add(PartnershipRow(name=name, short_name=name))
        session.add(AppState(name=SEEDED_PLAN, value="1"))
    if not _flag(session, SEEDED_RISKS):
        session.add(AppState(name=SEEDED_RISKS, value="1"))


def seed_risks(session: Session, plan: PlanData | None = None, loaded_on: date | None = None) -> bool:
    """The plan's risk register (Appendix C), once. Its first reviews fall due a quarter after loading:
    the plan gives no review dates, and a register loaded today has, in effect, just been reviewed."""
    if _flag(session, SEEDED_RISKS):
        return False
    from store.plan_data import add_months, load_plan  # seeding only: a warm start never reads the plan files

    plan = plan or load_plan()
    loaded_on = loaded_on or session_today(session)
    for position, risk in enumerate(plan.risks, start=1):
        session.add(
            RiskRow(
                ref=risk.ref,
                position=position,
                description=risk.description,
                likelihood=risk.likelihood.value,
                impact=risk.impact.value,
                preventative=risk.preventative,
                contingent=risk.contingent,
                owner=risk.owner,
                owner_org=None,  # the plan names roles ("Community Safety and Prevent Coordinator"), not partners
                status="open",
                next_review=add_months(loaded_on, REVIEW_MONTHS),
            )
        )
        session.flush()
        session.add(
            RiskChange(
                risk_ref=risk.ref,
                field="seed",
                before=None,
                after=risk.likelihood.value + "/" + risk.impact.value,
                actor=SEED_ACTOR,
            )
        )
    session.add(AppState(name=SEEDED_RISKS, value="1"))
    return True


def is_seeded(session: Session) -> bool:
    """Whether the store was filled. Asked first thing, before anything is added (Core does not autoflush):
    one Core read of the table, since an ORM query would configure every mapper first, about a tenth of
    what a warm `csp-bot ask` does above its import floor."""
    names = (SEEDED_GLOSSARY, SEEDED_PLAN, SEEDED_RISKS)
    state = AppState.__table__.c
    found = dict(session.execute(select(state.name, state.value).where(state.name.in_(names))).all())
    return all(found.get(name) for name in names)


def _flag(session: Session, name: str) -> bool:
    return bool(session.scalar(select(AppState.value).where(AppState.name == name)))


def seed_plan(session: Session, plan: PlanData | None = None) -> bool:
    """Load the plan's partnership, partners, priorities, actions and achievements, once."""
    if _flag(session, SEEDED_PLAN):
        return False
    from store.plan_data import load_plan, plan_year_bounds

    plan = plan or load_plan()
    p = plan.partnership
    session.add(PartnershipRow(name=p.name, short_name=p.short_name))
    plan_row = PlanRow(
        title=p.plan_title,
        updated=p.plan_updated,
        period_start=p.plan_start,
        period_end=p.plan_end,
        source=p.source,
        achievements_intro=p.achievements_intro,
        achievements_intro_year=p.achievements_intro_year,
        created_by=SEED_ACTOR,
    )
    session.add(plan_row)
    for position, org in enumerate(plan.organisations, start=1):
        session.add(
            OrganisationRow(
                short=org.short, name=org.name, short_is_from_plan=org.short_is_from_plan, position=position
            )
        )
    session.flush()
    for priority in plan.priorities:
        session.add(
            PriorityRow(
                plan_id=plan_row.id,
                number=priority.number,
                title=priority.title,
                description=priority.description,
                achievements_heading=priority.achievements_heading,
            )
        )
    session.flush()
    for position, action in enumerate(plan.actions, start=1):
        session.add(
            ActionRow(
                ref=action.ref,
                priority=action.priority,
                position=position,
                text=action.text,
                lead_rows=[
                    ActionLeadRow(organisation=short, position=n)
                    for n, short in enumerate(action.lead_organisations)
                ],
                plan_year=action.plan_year,
                due_date=action.due or plan_year_bounds(action.plan_year)[1],  # by the end of its year
                status="not_started",
                retired=action.retired,
            )
        )
    for position, achievement in enumerate(plan.achievements, start=1):
        row = AchievementRow(
            priority=achievement.priority,
            organisation=achievement.organisation,
            text=achievement.text,
            # the plan gives no dates: reported as of the end of the year it was achieved in
            achieved_on=plan_year_bounds(achievement.plan_year)[1],
            plan_year=achievement.plan_year,
            position=position,
            logged_by=SEED_ACTOR,
        )
        session.add(row)
        session.flush()
        session.add(
            AchievementChange(
                achievement_id=row.id,
                action="seed",
                actor=SEED_ACTOR,
                before=None,
                after={"text": row.text, "priority": row.priority, "organisation": row.organisation},
            )
        )
    session.add(AppState(name=SEEDED_PLAN, value="1"))
    return True


def seed_if_empty(session: Session, entries: Sequence[GlossaryEntry] | None = None) -> bool:
    """Load the plan's glossary once. A flag, not emptiness, decides, so a glossary
    that coordinators have emptied on purpose is not refilled behind their backs."""
    if _flag(session, SEEDED_GLOSSARY):
        return False
    for position, entry in enumerate(seed_entries() if entries is None else entries, start=1):
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
