"""The directory of partnerships and the Slack workspaces linked to them (main store only).

A workspace is a (enterprise id, team id) pair; an id that does not apply is "". An Enterprise
Grid organisation installed org-wide is linked as (enterprise id, ""), and covers every
workspace of the organisation that has no link of its own.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import PartnershipListing, WorkspaceLink


def listing(session: Session, slug: str) -> PartnershipListing | None:
    return session.get(PartnershipListing, slug)


def listings(session: Session) -> list[PartnershipListing]:
    return list(session.scalars(select(PartnershipListing).order_by(PartnershipListing.slug)))


def add_listing(
    session: Session, *, slug: str, name: str, plan_source: str, glossary_source: str | None, actor: str
) -> PartnershipListing:
    row = PartnershipListing(
        slug=slug, name=name, plan_source=plan_source, glossary_source=glossary_source, created_by=actor
    )
    session.add(row)
    session.flush()
    return row


def link(session: Session, slug: str, *, enterprise_id: str | None, team_id: str | None, actor: str) -> bool:
    """Link a workspace to a partnership (moving it if it was linked elsewhere); False if unchanged."""
    key = (enterprise_id or "", team_id or "")
    row = session.scalar(
        select(WorkspaceLink)
        .where(WorkspaceLink.enterprise_id == key[0], WorkspaceLink.team_id == key[1])
        .with_for_update()
    )
    if row is not None and row.partnership == slug:
        return False
    if row is None:
        session.add(WorkspaceLink(enterprise_id=key[0], team_id=key[1], partnership=slug, linked_by=actor))
    else:
        row.partnership, row.linked_by = slug, actor
    session.flush()
    return True


def remove_listing(session: Session, slug: str) -> int:
    """Forget a partnership and its workspace links; returns how many links went with it."""
    links_removed = session.execute(delete(WorkspaceLink).where(WorkspaceLink.partnership == slug)).rowcount
    session.execute(delete(PartnershipListing).where(PartnershipListing.slug == slug))
    return int(links_removed or 0)


def unlink(session: Session, *, enterprise_id: str | None, team_id: str | None) -> bool:
    result = session.execute(
        delete(WorkspaceLink).where(
            WorkspaceLink.enterprise_id == (enterprise_id or ""), WorkspaceLink.team_id == (team_id or "")
        )
    )
    return bool(result.rowcount)


def links(session: Session, slug: str | None = None) -> list[WorkspaceLink]:
    query = select(WorkspaceLink).order_by(WorkspaceLink.enterprise_id, WorkspaceLink.team_id)
    if slug is not None:
        query = query.where(WorkspaceLink.partnership == slug)
    return list(session.scalars(query))


def resolve(session: Session, *, enterprise_id: str | None, team_id: str | None) -> str | None:
    """The partnership a request from this workspace belongs to: its own link, else its organisation's."""
    wanted = [(enterprise_id or "", team_id or "")]
    if enterprise_id and team_id:
        wanted.append(("", team_id))  # linked by team id alone
        wanted.append((enterprise_id, ""))  # an org-wide install covers its workspaces
    rows = session.execute(
        select(WorkspaceLink.enterprise_id, WorkspaceLink.team_id, WorkspaceLink.partnership).where(
            WorkspaceLink.team_id.in_({t for _, t in wanted}),
            WorkspaceLink.enterprise_id.in_({e for e, _ in wanted}),
        )
    ).all()
    found = {(e, t): slug for e, t, slug in rows}
    for key in wanted:
        if key in found:
            return found[key]
    return None
