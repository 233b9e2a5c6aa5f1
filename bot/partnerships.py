"""Which partnership a request belongs to, and each partnership's services, built once per process.

With one bot token (the default) every request belongs to the default partnership, whose store is
DATABASE_URL itself. With OAuth, each Slack workspace (or Enterprise Grid organisation) is linked in
the directory to a partnership, and each partnership other than the default has a store of its own
(``Database.partition``): its glossary, plan, members, register, alerts and alert channel.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Now, system_now
from bot.container import Services
from bot.errors import UserFacingError
from bot.privacy import find_personal_data
from bot.settings import Settings
from glossary.loader import parse_file
from store import directory
from store.db import MAIN, SLUG, Database
from store.seed import is_seeded, seed_all, seed_blank

PACKAGED = "packaged"
#: a partnership added without a plan file: it starts guided (the App Home says what to do)
NO_PLAN = "none"


class PartnershipError(UserFacingError):
    """A partnership cannot be added, linked or found as asked (the message says why)."""


@dataclass(frozen=True)
class PartnershipInfo:
    slug: str
    name: str
    plan_source: str
    glossary_source: str | None
    workspaces: tuple[tuple[str, str], ...]  # (enterprise id, team id), "" where it does not apply


class Partnerships:
    def __init__(self, settings: Settings, *, now: Now = system_now, main: Services | None = None) -> None:
        self.settings = settings
        self._now = main.db.now if main is not None else now
        self._lock = threading.Lock()
        self._services: dict[str, Services] = {} if main is None else {MAIN: main}
        self.main = self.get(MAIN)

    @property
    def multi_workspace(self) -> bool:
        return self.settings.oauth_enabled

    @property
    def db(self) -> Database:
        return self.main.db

    # ------------------------------------------------------------------ finding a partnership

    def get(self, slug: str) -> Services:
        """The partnership's services; its store is migrated on first use in this process."""
        with self._lock:
            services = self._services.get(slug)
            if services is None:
                services = self._build(slug)
                self._services[slug] = services
            return services

    def _build(self, slug: str) -> Services:
        if slug == MAIN:
            return Services.build(self.settings, now=self._now)
        with self.db.read() as session:
            listing = directory.listing(session, slug)
        if listing is None:
            raise PartnershipError(
                f"There is no partnership called {slug!r}.", "`csp-bot partnership list` shows them."
            )
        store = self.db.partition(slug)
        store.ensure_ready(seed=partial(_seed, listing.plan_source, listing.glossary_source, listing.name))
        # another workspace's channel ids mean nothing here: each partnership chooses its own channel
        return Services.build(self.settings, now=self._now, db=store, alert_channel=None)

    def for_workspace(self, enterprise_id: str | None, team_id: str | None) -> Services | None:
        """The partnership a request belongs to; None for a workspace not linked to one yet."""
        if not self.multi_workspace:
            return self.main
        with self.db.read() as session:
            slug = directory.resolve(session, enterprise_id=enterprise_id, team_id=team_id)
        return None if slug is None else self.get(slug)

    def slugs(self) -> list[str]:
        with self.db.read() as session:
            return [MAIN] + [row.slug for row in directory.listings(session)]

    def workspaces(self, slug: str) -> list[tuple[str, str]]:
        """The (enterprise id, team id) pairs linked to a partnership ("" where one does not apply)."""
        with self.db.read() as session:
            return [(link.enterprise_id, link.team_id) for link in directory.links(session, slug)]

    def info(self) -> list[PartnershipInfo]:
        with self.db.read() as session:
            links = directory.links(session)
            main_name = self.main.plan.partnership_name()
            rows = [(MAIN, main_name, PACKAGED, None)] + [
                (r.slug, r.name, r.plan_source, r.glossary_source) for r in directory.listings(session)
            ]
        return [
            PartnershipInfo(
                slug,
                name,
                plan,
                glossary,
                tuple((link.enterprise_id, link.team_id) for link in links if link.partnership == slug),
            )
            for slug, name, plan, glossary in rows
        ]

    # ------------------------------------------------------------------ the operator's commands

    def add(
        self,
        slug: str,
        *,
        plan_path: Path | None,
        glossary_path: Path | None = None,
        actor: str = "cli",
        name: str | None = None,
    ) -> Services:
        """A new partnership: checked, listed, its store created and seeded from the plan file, or
        without one (then ``name`` is needed) to start guided."""
        if not SLUG.match(slug) or slug == MAIN:
            raise PartnershipError(
                f"{slug!r} cannot name a partnership.",
                "Use lower-case letters, digits and _, starting with a letter (e.g. `chiltern`); not `default`.",
            )
        if plan_path is None:
            name = " ".join((name or "").split())
            if not name or len(name) > 200:
                raise PartnershipError(
                    "A partnership without a plan file needs its name.",
                    'Add --name "Chiltern Community Safety Partnership" (at most 200 characters).',
                )
        else:
            plan = _plan(str(plan_path))  # refuse a bad file before anything is written
            _refuse_personal_data(plan_path.name, _strings(plan.model_dump(mode="json")))
            name = plan.partnership.name
        if glossary_path is not None:
            entries = _glossary(str(glossary_path))
            _refuse_personal_data(
                glossary_path.name,
                (
                    (entry.id, value)
                    for entry in entries or ()
                    for value in (
                        entry.key,
                        entry.text,
                        entry.context or "",
                        entry.note or "",
                        *entry.aliases,
                    )
                ),
            )
        try:
            with self.db.transaction() as session:
                directory.add_listing(
                    session,
                    slug=slug,
                    name=name,
                    plan_source=str(plan_path.resolve()) if plan_path else NO_PLAN,
                    glossary_source=str(glossary_path.resolve()) if glossary_path else None,
                    actor=actor,
                )
        except IntegrityError:
            raise PartnershipError(f"There is already a partnership called {slug!r}.") from None
        try:
            return self.get(slug)
        except Exception:
            self.remove(slug)  # all or nothing: never a listed partnership whose store is half made
            raise

    def remove(self, slug: str) -> int:
        """Delete a partnership: its store (every row of its data) and its listing and workspace links.
        Returns how many workspace links went with it."""
        if slug == MAIN:
            raise PartnershipError("The default partnership cannot be removed.")
        with self.db.read() as session:
            if directory.listing(session, slug) is None:
                raise PartnershipError(
                    f"There is no partnership called {slug!r}.", "`csp-bot partnership list` shows them."
                )
        with self._lock:
            services = self._services.pop(slug, None)
        if services is not None:
            services.close()
        self.db.drop_partition(slug)
        with self.db.transaction() as session:
            return directory.remove_listing(session, slug)

    def link(self, slug: str, *, enterprise_id: str | None, team_id: str | None, actor: str = "cli") -> bool:
        if not (enterprise_id or team_id):
            raise PartnershipError("Say which workspace: give a team id (T…) or an enterprise id (E…).")
        if slug not in self.slugs():
            raise PartnershipError(
                f"There is no partnership called {slug!r}.", "`csp-bot partnership list` shows them."
            )
        with self.db.transaction() as session:
            return directory.link(session, slug, enterprise_id=enterprise_id, team_id=team_id, actor=actor)

    def unlink(self, *, enterprise_id: str | None, team_id: str | None) -> bool:
        with self.db.transaction() as session:
            return directory.unlink(session, enterprise_id=enterprise_id, team_id=team_id)

    def close(self) -> None:
        with self._lock:
            others = [s for slug, s in self._services.items() if slug != MAIN]
            self._services.clear()
        for services in others:
            services.close()
        self.main.close()


def _seed(plan_source: str, glossary_source: str | None, name: str, session: Session) -> None:
    if is_seeded(session):  # the files are read only for a store not yet filled
        return
    if plan_source == NO_PLAN:
        seed_blank(session, name, glossary=_glossary(glossary_source))
    else:
        seed_all(session, plan=_plan(plan_source), glossary=_glossary(glossary_source))


def _strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every text in a plan document, with where it sits ("priorities.2.actions.0.text")."""
    if isinstance(value, str):
        yield where or "the file", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}" if where else str(index))


def _refuse_personal_data(origin: str, values: Iterable[tuple[str, str]]) -> None:
    """A plan or glossary file is stored and posted like anything typed in Slack: the same guard applies.
    The refusal says where, never what."""
    for where, value in values:
        findings = find_personal_data(value)
        if findings:
            kinds = ", ".join(finding.description for finding in findings)
            raise PartnershipError(
                f"{origin}: {where} looks like it contains {kinds}.",
                "Plans and glossaries hold aggregates, never case details: remove it and try again.",
            )


def _plan(source: str):  # type: ignore[no-untyped-def]
    from store.plan_data import load_plan  # seeding only: a warm start never reads a plan

    return load_plan(None if source == PACKAGED else Path(source))


def _glossary(source: str | None):  # type: ignore[no-untyped-def]
    return None if source is None else parse_file(Path(source))
