"""The ``csp-bot`` command line: ask, glossary, members, reports, alerts, nudges, privacy, audit, serve, db, manifest."""

from __future__ import annotations

import atexit
import gc
import json
import logging
import sys
import traceback
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.clock import Now, system_now
from bot.documents.formats import (
    ACHIEVEMENT_FORMATS,
    ACTION_FORMATS,
    BOARD_FORMATS,
    RISK_FORMATS,
    ReportFormat,
)
from bot.errors import UserFacingError
from bot.logs import configure_logging
from bot.permissions import Actor, Role
from bot.privacy import PersonalDataError
from bot.settings import Settings, SettingsError, load_settings
from glossary.loader import GlossaryFileError, parse_file, to_csv, to_json, to_yaml
from glossary.model import GlossaryEntry, LookupResult, LookupStatus
from store.db import MAIN, DatabaseConfigError
from store.errors import PlanFileError

if TYPE_CHECKING:
    from bot.services.data_protection import Erasure
    from bot.services.members import MemberInfo


#: the application's clock for every command (a test pins it here)
now: Now = system_now


def _settings(*, serving: bool = False) -> Settings:
    settings = load_settings()
    # one-shot commands print results, not progress: only a server (or DEBUG) logs routine events
    configure_logging(settings.csp_log_level if serving or settings.csp_log_level == "DEBUG" else "WARNING")
    return settings


def _partnership() -> str:
    """The partnership a command works on: ``csp-bot --partnership SLUG …`` (default: the default one)."""
    context = click.get_current_context(silent=True)
    return (context.find_root().params.get("partnership") if context else None) or MAIN


def _partnerships(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.partnerships import Partnerships

    return Partnerships(settings, now=now)


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.container import Services

    slug = _partnership()
    if slug == MAIN:
        return Services.build(settings, now=now)
    return _partnerships(settings).get(slug)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--partnership",
    envvar="CSP_PARTNERSHIP",
    default=MAIN,
    show_default=True,
    metavar="SLUG",
    help="Which partnership to work on (see `csp-bot partnership list`).",
)
def cli(partnership: str) -> None:
    """csp-bot: the Community Safety Partnership's Slack app."""


# ---------------------------------------------------------------------- ask


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the reply body and the Web API calls as JSON.")
@click.option("--user", default="U0LOCAL", show_default=True, help="Slack user ID to act as.")
@click.option("--channel", default="C0LOCAL", show_default=True, help="Slack channel ID to act in.")
def ask(text: tuple[str, ...], as_json: bool, user: str, channel: str) -> None:
    """Run `/csp TEXT` through the real Bolt app and print the reply.

    Without DATABASE_URL this works on a demo database (csp-bot-demo.sqlite3 in the user data
    directory), never on a partnership's store; `serve` and `alerts run` need DATABASE_URL.
    Without SLACK_BOT_TOKEN, Web API calls go to an in-process recorder and the alerts a command
    raises are shown as previews, not posted: they stay queued for `serve` or `alerts run`.
    """
    from bot.offline.ask import ask as run_ask
    from bot.offline.plaintext import render_message

    settings = _settings()
    if settings.slack_bot_token:
        settings.require_database(why="for `ask` with SLACK_BOT_TOKEN, which talks to real Slack")
    result = run_ask(
        settings, " ".join(text), user_id=user, channel_id=channel, partnership=_partnership(), now=now
    )
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        if result.status != 200:
            raise click.ClickException(f"the app answered HTTP {result.status}")
        if result.response:
            click.echo(render_message(result.response))
        for call in result.api_calls:
            click.echo(_describe_call(call))
    if result.store_failure:
        raise UserFacingError(
            f"a write to the database failed, so nothing was saved ({result.store_failure})."
        )


def _describe_call(call: dict[str, Any]) -> str:
    from bot.offline.plaintext import render_blocks, render_message

    method, args = call["method"], call["args"]
    if method == "response_url":
        return "\n(posted to the response URL)\n" + render_message(args)
    if method in {"views.open", "views.push", "views.publish"} and isinstance(args.get("view"), dict):
        view = args["view"]
        title = (view.get("title") or {}).get("text", view.get("type", "view"))
        return f"\n({method}: {title})\n" + render_blocks(view.get("blocks", []))
    if call.get("preview"):
        return (
            f"\n(not posted: {method} to {args.get('channel', '?')} is left to `csp-bot serve` or "
            "`csp-bot alerts run`, with SLACK_BOT_TOKEN set)\n" + render_message(args)
        )
    if "text" in args or "blocks" in args:
        return f"\n({method} to {args.get('channel', '?')})\n" + render_message(args)
    return f"\n({method})"


# ---------------------------------------------------------------------- glossary


@cli.group()
def glossary() -> None:
    """Look up, import and export the glossary."""


def _entry_json(entry: GlossaryEntry) -> dict[str, str | None]:
    """One entry for scripts; ``pack`` names the pack a national answer came from, null for the
    partnership's own glossary, so the tiers can be told apart."""
    from glossary.packs import PackEntry

    record: dict[str, str | None] = {
        "key": entry.key,
        "kind": entry.kind.value,
        "text": entry.text,
        "source": entry.source,
        "pack": entry.pack if isinstance(entry, PackEntry) else None,
    }
    if isinstance(entry, PackEntry):
        record["definition"] = entry.definition
        record["historic"] = entry.historic
    return record


def _entry_line(entry: GlossaryEntry) -> str:
    from glossary.packs import PackEntry

    line = f"{entry.key}: {entry.text}" + (f" ({entry.context})" if entry.context else "")
    if isinstance(entry, PackEntry):
        line += f"\n  National usage, not in the partnership's glossary (pack {entry.pack}; source: {entry.source})"
        line += "".join(f"\n  {part}" for part in (entry.definition, entry.historic) if part)
    return line


def _lookup_text(result: LookupResult) -> str:
    if result.status is LookupStatus.FOUND:
        lines = [_entry_line(e) for e in result.matches]
        if result.differs:
            lines.insert(0, f"(closest name in the glossary: {'; '.join(result.differs)})")
        if result.corrected_from:
            lines.insert(0, f"(showing {result.matches[0].key} for {result.corrected_from!r})")
        return "\n".join(lines)
    if result.status is LookupStatus.AMBIGUOUS:
        return "Several entries match:\n" + "\n".join(f"  {e.key}: {e.text[:100]}" for e in result.matches)
    if result.status is LookupStatus.SUGGESTIONS:
        return (
            f"Not found: {result.query!r}. Did you mean: "
            + ", ".join(e.key for e in result.suggestions)
            + "?"
        )
    return f"Not found: {result.query!r}."


@glossary.command("lookup")
@click.argument("queries", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def glossary_lookup(queries: tuple[str, ...], as_json: bool) -> None:
    """Look up each QUERY on its own (quote a name of several words; `-`: one query a line from standard input)."""
    from_stdin = queries == ("-",)
    items = [line.strip() for line in sys.stdin if line.strip()] if from_stdin else list(queries)
    glossary = _services(_settings()).glossary
    for query in items:
        result = glossary.tiered_lookup(query)  # the partnership's glossary first, then its packs
        if as_json:
            record = {
                "query": query,
                "status": result.status.value,
                "matches": [_entry_json(e) for e in result.matches],
                "suggestions": [_entry_json(e) for e in result.suggestions],
                "corrected_from": result.corrected_from,
                "differs": list(result.differs),
            }
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(_lookup_text(result))


@glossary.command("packs")
@click.argument("switch", required=False, type=click.Choice(["on", "off"]))
@click.argument("name", required=False)
def glossary_packs(switch: str | None, name: str | None) -> None:
    """List the glossary packs, or switch one: `packs on NAME`, `packs off NAME`."""
    glossary = _services(_settings()).glossary
    if switch is not None:
        if not name:
            raise click.UsageError(
                f"Name the pack to switch {switch}, e.g. `glossary packs {switch} uk-national`."
            )
        status, changed = glossary.set_pack(Actor.operator(), name, enabled=switch == "on")
        state = "on" if status.enabled else "off"
        click.echo(f"{status.name} is {'now' if changed else 'already'} {state}.")
        return
    for status in glossary.packs():
        hidden = f", {status.hidden} hidden" if status.hidden else ""
        click.echo(
            f"{status.name}  {'on ' if status.enabled else 'off'}  {status.entries} entries{hidden}  {status.title}"
        )


@glossary.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--apply", "apply", is_flag=True, help="Write the changes (without it, only show them).")
@click.option("--replace", is_flag=True, help="Allow replacing the plan's own wording of an entry.")
def glossary_import(file: Path, apply: bool, replace: bool) -> None:
    """Merge a CSV (header kind,key,text), YAML or JSON file: shows what it would add, change, leave
    and refuse; writes only with --apply, all or nothing; never deletes."""
    entries = parse_file(file)
    glossary = _services(_settings()).glossary
    report = glossary.import_entries(Actor.operator(), entries, apply=apply, replace=replace)
    added, changed, unchanged = len(report.added), len(report.changed), len(report.unchanged)
    if report.applied:
        click.echo(f"Added {added}, changed {changed}, left {unchanged} unchanged.")
        if (added or changed) and glossary.prepare():
            click.echo("The glossary's index is saved: the bot's workers load it rather than build it.")
    else:
        click.echo(
            f"Would add {added}, change {changed}, leave {unchanged} unchanged, refuse {len(report.refused)}."
        )
    for entry_id in report.added:
        entry = report.new[entry_id]
        click.echo(f"  added: {entry.key}: {_clip(entry.text)}")
    for entry_id in report.changed:
        before, after = report.before[entry_id], report.new[entry_id]
        replaced = " (replaces the plan's wording)" if entry_id in report.replaced else ""
        click.echo(f"  changed: {before.key}{replaced}")
        for name in ("key", "text", "aliases", "context", "note", "source", "see_also"):
            old, new = getattr(before, name), getattr(after, name)
            if old != new:
                click.echo(f"    {name}: {_clip(str(_shown(old)))} → {_clip(str(_shown(new)))}")
    for entry_id in report.refused:
        click.echo(f"  refused: {entry_id}: {report.reasons[entry_id]}")
    if report.refused and apply:
        _fail(
            f"nothing written: {len(report.refused)} refused (see above); fix or leave them out and run again"
        )
    if not apply and report.refused:
        click.echo("Nothing written. Fix or leave out what is refused, then run again with --apply.")
    elif not apply:
        click.echo("Nothing written: run again with --apply to write these changes.")


def _shown(value: object) -> object:
    if isinstance(value, tuple):
        return "; ".join(value) or "(none)"
    return "(none)" if value is None else value


def _clip(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@glossary.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "csv", "json"]), default="yaml", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
def glossary_export(fmt: str, output: Path | None) -> None:
    """Export every active entry."""
    entries = _services(_settings()).glossary.export()
    text = {"yaml": to_yaml, "csv": to_csv, "json": to_json}[fmt](entries)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(entries)} entries to {output}.")
    else:
        click.echo(text, nl=False)


# ---------------------------------------------------------------------- members


@cli.group()
def members() -> None:
    """Who is a coordinator or member (the first coordinator is set up here)."""


@members.command("add")
@click.argument("user_id")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value, show_default=True
)
@click.option("--org", help="Partner organisation short name, e.g. TVP (required for members).")
def members_add(user_id: str, role: str, org: str | None) -> None:
    info = _services(_settings()).members.add(Actor.operator(), user_id, Role(role), org)
    click.echo(f"{info.user_id} is now a {info.role.value}" + (f" ({info.org})" if info.org else "") + ".")
    _warn_if_no_coordinator(info)


@members.command("remove")
@click.argument("user_id")
def members_remove(user_id: str) -> None:
    removed = _services(_settings()).members.remove(Actor.operator(), user_id)
    click.echo(f"{removed.user_id} removed.")
    _warn_if_no_coordinator(removed)


def _warn_if_no_coordinator(info: MemberInfo | Erasure) -> None:
    """Slack refuses this; the command line is the recovery door, so it may, but says what it means."""
    if info.no_coordinator_left:
        click.echo(
            "Warning: the partnership has no coordinator now, so nobody can manage members from Slack. "
            "Add one: csp-bot members add USER_ID --role coordinator --org ORG",
            err=True,
        )


@members.command("list")
def members_list() -> None:
    rows = _services(_settings()).members.list(Actor.operator())
    if not rows:
        click.echo(
            "No members yet. Add the first coordinator: csp-bot members add U0123ABCD --role coordinator"
        )
    for info in rows:
        click.echo(f"{info.user_id}\t{info.role.value}\t{info.org or '-'}")


# ---------------------------------------------------------------------- reports


@cli.group()
def report() -> None:
    """The plan's reports as files: achievements, action status, the risk register and the quarterly board pack."""


def _display_names(settings: Settings, data: Any) -> dict[str, str]:
    """With SLACK_BOT_TOKEN set, the people a report names are looked up (``users:read``); without
    it, or when Slack says no, they appear as their role ("a TVP member")."""
    if settings.slack_bot_token is None or not getattr(data, "people", None):
        return {}
    from slack_sdk import WebClient

    from bot.runtime.display_names import display_names

    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=5
    )
    return display_names(client, data.people)


def _write_report(built, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    if output is not None:
        output.write_bytes(built.content)
        click.echo(f"Wrote {built.title} to {output}.", err=True)
    elif built.filename.endswith((".docx", ".xlsx", ".pdf", ".png")) and sys.stdout.isatty():
        raise click.ClickException(f"{built.filename} is a binary file: add --output {built.filename}")
    else:
        sys.stdout.buffer.write(built.content)
        sys.stdout.flush()


@report.command("achievements")
@click.option(
    "--year",
    help="One plan year, e.g. 2017/18, or all for every year, newest first (default: the current one).",
)
@click.option("--quarter", help="One quarter, e.g. 2017/18-Q4 (Q1 April–June … Q4 January–March).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ACHIEVEMENT_FORMATS]),
    default="md",
    show_default=True,
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
def report_achievements(year: str | None, quarter: str | None, fmt: str, output: Path | None) -> None:
    """The plan's "Our Achievements during <year>" section, a heading per priority."""
    from bot.documents.render import render_achievements

    settings = _settings()
    data = _services(settings).reports.achievements(year, quarter)
    _write_report(render_achievements(data, ReportFormat(fmt), _display_names(settings, data)), output)


@report.command("actions")
@click.option(
    "--format", "fmt", type=click.Choice([f.value for f in ACTION_FORMATS]), default="md", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
@click.option("--year", help="A plan year, e.g. 2026/27 (default: the current one).")
def report_actions(fmt: str, output: Path | None, year: str | None) -> None:
    """The action status table: priority, ref, action, lead, RAG, last update, reason."""
    from bot.documents.render import render_actions

    settings = _settings()
    data = _services(settings).reports.actions(year)
    _write_report(render_actions(data, ReportFormat(fmt), _display_names(settings, data)), output)


@report.command("risks")
@click.option(
    "--format", "fmt", type=click.Choice([f.value for f in RISK_FORMATS]), default="png", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
def report_risks(fmt: str, output: Path | None) -> None:
    """The register: a 3×3 heat map (png), the matrix and list (md), or every column (docx, xlsx)."""
    from bot.documents.render import render_risks

    _write_report(render_risks(_services(_settings()).reports.risks(), ReportFormat(fmt)), output)


@report.command("board")
@click.option("--quarter", help="e.g. 2026/27-Q3 or Q3 (default: the current quarter).")
@click.option(
    "--format", "fmt", type=click.Choice([f.value for f in BOARD_FORMATS]), default="docx", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
def report_board(quarter: str | None, fmt: str, output: Path | None) -> None:
    """The quarterly board pack: progress by priority, achievements, risks, alerts, stale actions."""
    from bot.documents.render import render_board

    settings = _settings()
    data = _services(settings).reports.board(quarter)
    _write_report(render_board(data, ReportFormat(fmt), _display_names(settings, data)), output)


# ---------------------------------------------------------------------- the plan


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value[:20]!r} is not a date like 2026-04-01", param_hint=option) from None


@cli.group()
def plan() -> None:
    """The partnership's plan: start one, load a year's actions, roll over, export; the board's dates."""


@plan.command("new")
@click.argument("title")
@click.option("--start", "start", required=True, help="First day: 1 April, e.g. 2026-04-01.")
@click.option("--end", "end", required=True, help="Last day: 31 March, e.g. 2029-03-31.")
def plan_new(title: str, start: str, end: str) -> None:
    """Start a new plan; the plan before it becomes a past plan, kept for reading."""
    created = _services(_settings()).planning.new_plan(
        Actor.operator(), title, _day(start, "--start"), _day(end, "--end")
    )
    click.echo(f"Started “{created.title}”, {created.period}: plan years {', '.join(created.years)}.")
    click.echo(f"Next: csp-bot plan import actions.csv --year {created.years[0]}")


@plan.command("show")
@click.option("--year", help="A plan year, e.g. 2026/27 (default: the current one).")
def plan_show(year: str | None) -> None:
    """The current plan, its year and progress."""
    services = _services(_settings())
    progress = services.planning.progress(year)
    current = progress.plan
    click.echo(f"{current.title} ({current.period})")
    click.echo(f"Plan year {progress.year}: {progress.total} actions")
    from bot.services.actions import Status

    for status in Status:
        click.echo(f"  {status.label}: {progress.counts.get(status.value, 0)}")
    click.echo(f"  overdue: {progress.overdue}")
    for priority in services.plan.priorities(progress.year):
        click.echo(f"P{priority.number} {priority.title}")
    for past in progress.past_plans:
        click.echo(f"Past plan: {past.title} ({past.period})")


@plan.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", required=True, help="The plan year the actions are for, e.g. 2026/27.")
@click.option("--apply", is_flag=True, help="Write it (without it, a preview).")
def plan_import(file: Path, year: str, apply: bool) -> None:
    """Load a year's actions from a .csv or .xlsx file (columns priority, priority_title, ref, action,
    leads, due): all or nothing."""
    result = _services(_settings()).planning.import_actions(
        Actor.operator(), file.name, file.read_bytes(), year, apply=apply
    )
    if result.errors:
        click.echo(
            f"Nothing imported: {len(result.errors)} problem{'s' if len(result.errors) > 1 else ''} in {file.name}.",
            err=True,
        )
        for line in result.errors[:50]:
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    verb = "Imported" if result.applied else "Would import"
    click.echo(
        f"{verb} {result.year}: {len(result.added)} new, {len(result.changed)} changed, "
        f"{len(result.unchanged)} unchanged."
    )
    for label, items in (
        ("new priorities", result.new_priorities),
        ("renamed priorities", result.renamed_priorities),
        ("new actions", result.added),
        ("changed actions", result.changed),
    ):
        if items:
            click.echo(f"  {label}: {', '.join(items)}")
    if not result.applied:
        click.echo("Nothing changed yet: add --apply to import.")


@plan.command("rollover")
@click.argument("year")
@click.option("--apply", is_flag=True, help="Start the year (without it, a preview).")
def plan_rollover(year: str, apply: bool) -> None:
    """Start the next plan year: open actions carry forward, completed ones stay."""
    result = _services(_settings()).planning.rollover(Actor.operator(), year, apply=apply)
    verb = "Carried" if apply else "Would carry"
    click.echo(
        f"{verb} {len(result.carried)} open actions from {result.from_year} into {result.year}: {', '.join(result.carried) or 'none'}."
    )
    if result.completed:
        click.echo(f"Completed, staying in {result.from_year}: {', '.join(result.completed)}.")
    if not apply:
        click.echo(f"Nothing changed yet: add --apply to start {result.year}.")


@plan.command("schema")
def plan_schema() -> None:
    """The plan file's JSON Schema (the format of store/plans/*.yaml)."""
    from store.plan_data import PlanData

    click.echo(json.dumps(PlanData.model_json_schema(), indent=2, ensure_ascii=False))


@plan.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml", show_default=True)
@click.option("--year", help="For xlsx: the plan year (default: the current one).")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
def plan_export(fmt: str, year: str | None, output: Path | None) -> None:
    """The current plan as a plan file (yaml), or a year's actions as the import spreadsheet (xlsx)."""
    from bot.services.planning import xlsx_bytes

    planning = _services(_settings()).planning
    if fmt == "yaml":
        content = planning.export_yaml().encode("utf-8")
        filename = "plan.yaml"
    else:
        chosen, rows = planning.export_rows(year)
        content = xlsx_bytes(rows, f"Actions {chosen}")
        filename = f"actions-{chosen.replace('/', '-')}.xlsx"
    if output is not None:
        output.write_bytes(content)
        click.echo(f"Wrote {output}.", err=True)
    elif fmt == "xlsx" and sys.stdout.isatty():
        raise click.ClickException(f"{filename} is a binary file: add --output {filename}")
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()


@cli.group()
def priority() -> None:
    """The current plan's priorities."""


@priority.command("add")
@click.argument("title")
@click.option("--number", type=click.IntRange(1, 9), help="Its number (default: the next one).")
def priority_add(title: str, number: int | None) -> None:
    added = _services(_settings()).planning.add_priority(Actor.operator(), title, number)
    click.echo(f"Added P{added}.")


@priority.command("edit")
@click.argument("ref")
@click.argument("title")
def priority_edit(ref: str, title: str) -> None:
    _services(_settings()).planning.edit_priority(Actor.operator(), ref, title)
    click.echo(f"Renamed {ref.upper()}.")


@priority.command("retire")
@click.argument("ref")
def priority_retire(ref: str) -> None:
    _services(_settings()).planning.retire_priority(Actor.operator(), ref)
    click.echo(f"Retired {ref.upper()}: kept for the record, no longer in the plan.")


@cli.group()
def action() -> None:
    """The current plan year's actions."""


@action.command("add")
@click.argument("priority_ref")
@click.argument("text")
@click.option("--leads", default="", help="Lead organisations, separated by ;, e.g. 'BC;TVP'.")
@click.option("--due", help="Due date (default: the end of the plan year).")
def action_add(priority_ref: str, text: str, leads: str, due: str | None) -> None:
    from bot.services.plan import parse_priority

    number = parse_priority(priority_ref)
    if number is None:
        raise click.BadParameter("give a priority like P1", param_hint="PRIORITY_REF")
    added = _services(_settings()).actions.add(
        Actor.operator(),
        number,
        text,
        [n for n in leads.split(";") if n.strip()],
        _day(due, "--due") if due else None,
    )
    click.echo(f"Added {added.action.ref} ({added.action.plan_year}), due {added.action.due_date:%-d %B %Y}.")


@action.command("edit")
@click.argument("ref")
@click.option("--text", help="The action's new wording.")
@click.option("--leads", help="Its lead organisations, separated by ; ('' for none).")
@click.option("--due", help="Its due date.")
def action_edit(ref: str, text: str | None, leads: str | None, due: str | None) -> None:
    actions = _services(_settings()).actions
    if text is not None:
        actions.set_text(Actor.operator(), ref, text)
    if leads is not None:
        actions.set_leads(Actor.operator(), ref, [n for n in leads.split(";") if n.strip()])
    if due is not None:
        actions.set_due(Actor.operator(), ref, _day(due, "--due"))
    current = actions.get(ref)
    click.echo(
        f"{current.ref}: {current.text} (lead: {current.lead or 'none'}; due {current.due_date:%-d %B %Y})"
    )


@action.command("retire")
@click.argument("ref")
@click.option("--reason", help="Why it is no longer tracked.")
def action_retire(ref: str, reason: str | None) -> None:
    _services(_settings()).actions.retire(Actor.operator(), ref, reason)
    click.echo(f"Retired {ref.upper()}: kept with its history, no longer tracked.")


@cli.group()
def orgs() -> None:
    """The partner organisations."""


@orgs.command("list")
@click.option("--all", "everything", is_flag=True, help="Include retired organisations.")
def orgs_list(everything: bool) -> None:
    for org in _services(_settings()).plan.organisations(include_retired=everything):
        note = "\tretired" + (f", now {org.successor}" if org.successor else "") if org.retired else ""
        click.echo(f"{org.short}\t{org.name}{note}")


@orgs.command("add")
@click.argument("short")
@click.argument("name")
def orgs_add(short: str, name: str) -> None:
    _services(_settings()).planning.add_organisation(Actor.operator(), short, name)
    click.echo(f"Added {short.upper()}: {name}.")


@orgs.command("rename")
@click.argument("old")
@click.argument("new")
@click.argument("name")
@click.option("--move-members", is_flag=True, help="Move OLD's members to NEW as well.")
def orgs_rename(old: str, new: str, name: str, move_members: bool) -> None:
    """OLD becomes (or merges into) NEW: its history keeps reading OLD; the current year's actions move."""
    moved = _services(_settings()).planning.rename_organisation(
        Actor.operator(), old, new, name, move_members=move_members
    )
    click.echo(
        f"{old.upper()} is now {new.upper()} ({name})." + (f" Moved {moved} members." if move_members else "")
    )


@orgs.command("retire")
@click.argument("short")
def orgs_retire(short: str) -> None:
    _services(_settings()).planning.retire_organisation(Actor.operator(), short)
    click.echo(f"Retired {short.upper()}: its history stays.")


# ---------------------------------------------------------------------- alerts


@cli.group()
def alerts() -> None:
    """Risk alerts: the outbox, and one pass of checks and delivery (for cron)."""


@alerts.command("run")
def alerts_run() -> None:
    """Raise what is due (overdue reviews and actions, reminders, the digest) and post what is pending,
    for every partnership (or only the one named with --partnership)."""
    from bot.runtime.alert_worker import DeliveryClients, run_pass

    settings = _settings()
    if not settings.oauth_enabled:
        settings.require("slack_bot_token", why="to post alerts")
    settings.require_database(why="to post alerts")
    partnerships = _partnerships(settings)
    clients = DeliveryClients(settings, partnerships)
    chosen = _partnership()
    slugs = [chosen] if chosen != MAIN else partnerships.slugs()
    for slug in slugs:
        services = partnerships.get(slug)
        result = run_pass(services, clients.client(slug))
        delivery = result.delivery
        click.echo(
            (f"{slug}: " if len(slugs) > 1 else "")
            + f"Raised {result.periodic.raised}"
            + ("" if result.periodic.ran else " (another process holds the periodic lease)")
            + (
                f", queued {len(result.nudges.queued)} nudges"
                if result.nudges and result.nudges.queued
                else ""
            )
            + f"; posted {len(delivery.posted)}, found already posted {len(delivery.reconciled)}, "
            f"deferred {len(delivery.deferred)}; waiting {services.alerts.pending_count()}."
            + (f" Not posting: {delivery.blocked}." if delivery.blocked else "")
            + (
                f" Today's retention purge deleted {result.purge.total} old rows."
                if result.purge is not None
                else ""
            )
        )


@alerts.command("list")
@click.option("--pending", is_flag=True, help="Only alerts not yet posted.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def alerts_list(pending: bool, limit: int) -> None:
    """The outbox, newest first (times in Europe/London)."""
    from bot.views.text import local_time, plural

    rows = _services(_settings()).alerts.list(pending_only=pending, limit=limit)
    if not rows:
        click.echo("No alerts." if not pending else "Nothing waiting.")
    for alert in rows:
        state = (
            f"posted {local_time(alert.posted_at):%Y-%m-%d %H:%M %Z} ts={alert.message_ts}"
            if alert.status == "posted"
            else f"pending, {plural(alert.attempts, 'attempt')}"
            + (f", last error {alert.last_error}" if alert.last_error else "")
        )
        acknowledged = f", acknowledged by {alert.acknowledged_by}" if alert.acknowledged_by else ""
        click.echo(f"#{alert.id}\t{alert.severity}\t{alert.kind}\t{alert.subject_id}\t{state}{acknowledged}")


# ---------------------------------------------------------------------- actions, nudges and board dates


@cli.group()
def actions() -> None:
    """The plan's actions: what has had no update this quarter."""


@actions.command("stale")
def actions_stale() -> None:
    """Open actions with no status update this quarter, by lead organisation."""
    stale = _services(_settings()).nudges.stale()
    click.echo(
        f"{stale.total} open action{'' if stale.total == 1 else 's'} with no update in {stale.quarter.title}; "
        f"next reporting date {stale.reporting.day:%Y-%m-%d} ({'board meeting' if stale.reporting.board else 'quarter end'})."
    )
    for group in stale.groups:
        click.echo(f"{group.organisation or 'no lead organisation'}:")
        for action in group.actions:
            click.echo(f"  {action.ref}\t{action.status.label}\t{action.text[:100]}")


@cli.command()
@click.option("--apply", is_flag=True, help="Queue them (without it, a preview of who would be nudged).")
def nudge(apply: bool) -> None:
    """Ask lead organisations' members now to update their actions with no update this quarter.

    The round due (the first, if none is due yet) goes once to each member who has not had it; the
    alert worker (`serve` or `alerts run`) delivers them as direct messages."""
    run = _services(_settings()).nudges.nudge_now(Actor.operator(), apply=apply)
    which = "second" if run.round == 2 else "first"
    click.echo(
        f"The {which} nudge before the {run.reporting.label.removeprefix('the ')} ({run.quarter.label}):"
    )
    if not run.nudges:
        click.echo("  nobody to nudge: no lead organisation's member has an action without an update.")
    for item in run.nudges:
        state = "already sent" if item.already_sent else ("queued" if apply else "would queue")
        click.echo(f"  {item.member}\t{item.organisation}\t{state}\t{', '.join(item.refs)}")
    if not apply and run.queued:
        click.echo("Nothing queued yet: add --apply to queue them.")


@plan.command("board-dates")
@click.argument("dates", nargs=-1)
@click.option("--clear", is_flag=True, help="Remove them: nudges aim at each quarter's end again.")
def plan_board_dates(dates: tuple[str, ...], clear: bool) -> None:
    """Set the board's coming meeting dates (YYYY-MM-DD …), replacing any set; alone, list them."""
    from datetime import date as _date

    nudges = _services(_settings()).nudges
    if dates or clear:
        if dates and clear:
            raise click.UsageError("give dates or --clear, not both")
        try:
            wanted = [_date.fromisoformat(d) for d in dates]
        except ValueError:
            raise click.BadParameter(
                "dates are written YYYY-MM-DD, e.g. 2027-03-11", param_hint="DATES"
            ) from None
        nudges.set_board_dates(Actor.operator(), wanted)
    listed = nudges.board_dates()
    click.echo(
        "Board meetings: " + ", ".join(d.isoformat() for d in listed)
        if listed
        else "No board dates set: nudges aim at each quarter's end."
    )
    reporting = nudges.reporting_date()
    click.echo(f"Next reporting date: {reporting.day.isoformat()} ({reporting.label.removeprefix('the ')}).")


# ---------------------------------------------------------------------- data protection


@cli.group()
def privacy() -> None:
    """Subject access, erasure and retention (see docs/data-protection.md)."""


@privacy.command("export")
@click.argument("user_id")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON file (the readable .md goes beside it); `-` prints the JSON only.",
)
def privacy_export(user_id: str, output: Path | None) -> None:
    """Everything stored about one Slack user, as JSON and a readable document (a subject access answer).

    Without --output, writes subject-access-USER.json and .md in the current directory."""
    from bot.documents.subject_access import subject_access_markdown

    answer = _services(_settings()).data_protection.export(Actor.operator(), user_id)
    data = json.dumps(answer.as_json(), ensure_ascii=False, indent=2) + "\n"
    if output is not None and str(output) == "-":
        click.echo(data, nl=False)
        return
    target = output or Path(f"subject-access-{answer.user_id}.json")
    if target.suffix.lower() == ".md":  # they named the document: the JSON goes beside it
        target = target.with_suffix(".json")
    document = target.with_suffix(".md")
    target.write_text(data, encoding="utf-8")
    document.write_text(subject_access_markdown(answer), encoding="utf-8")
    found = f"{answer.record_count} records in {len(answer.found)} tables" if answer.found else "nothing"
    erased = f" and {len(answer.erasures)} erasure record(s)" if answer.erasures else ""
    click.echo(
        f"Found {found}{erased} for {answer.user_id}. Wrote {target} and {document} "
        "(personal data: send them securely, then delete them).",
        err=True,
    )


@privacy.command("erase")
@click.argument("user_id")
@click.option("--apply", is_flag=True, help="Make the change (without it, a preview).")
def privacy_erase(user_id: str, apply: bool) -> None:
    """Erase a leaver: the membership goes, their contributions stay under "a former member of ORG"."""
    result = _services(_settings()).data_protection.erase(Actor.operator(), user_id, apply=apply)
    user = user_id.strip().upper()
    if result.nothing_stored:
        click.echo(
            f"Nothing is stored about {user}"
            + (
                " any more: it was erased before (see `csp-bot privacy export`)."
                if result.already_erased
                else "."
            )
            + " Nothing changed."
        )
        return
    click.echo(f"{'Erased' if apply else 'Would erase'} {user}:")
    if result.was_member:
        click.echo("  membership: removed")
    for table, count in result.deleted.items():
        if table != "members":
            click.echo(f"  {table}: {count} deleted")
    for table, count in result.anonymised.items():
        click.echo(f'  {table}: {count} kept, attributed to "{result.placeholder}"')
    if apply:
        click.echo("The erasure is in the audit trail, under a keyed hash of the ID, not the ID.")
        _warn_if_no_coordinator(result)
    else:
        click.echo(f"Nothing changed yet: run `csp-bot privacy erase {user} --apply` to do it.")


@privacy.command("purge")
@click.option("--apply", is_flag=True, help="Delete (without it, a preview of the counts).")
def privacy_purge(apply: bool) -> None:
    """Delete what is past its retention (CSP_RETENTION_*); the alert worker does this daily."""
    services = _services(_settings())
    result = services.data_protection.purge(Actor.operator(), apply=apply)
    retention = services.data_protection.retention
    verb = "Deleted" if apply else "Would delete"
    click.echo(
        f"{verb} {result.audit_rows} audit rows (older than {retention.audit_days} days), "
        f"{result.glossary_misses} look-ups that found nothing (older than {retention.glossary_misses_days} days), "
        f"{result.delivered_alerts} delivered alerts (posted over {retention.outbox_days} days ago) "
        f"and {result.request_keys} request markers."
    )
    if result.alerts_kept_while_overdue:
        click.echo(
            f"Kept {result.alerts_kept_while_overdue} old alerts about reviews or actions still overdue: "
            "deleting them would post them again."
        )
    click.echo("Recorded in the audit trail." if apply else "Nothing changed: add --apply to delete.")


@cli.command("audit")
@click.argument("term", nargs=-1)
@click.option(
    "--user", "user_id", help="Only what this Slack user did, or what was done to their membership."
)
@click.option("--ref", help="Only changes to this action, risk or achievement, e.g. P1.2 or R3.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def audit_command(term: tuple[str, ...], user_id: str | None, ref: str | None, limit: int) -> None:
    """Who changed what and when, newest first (times in Europe/London)."""
    from bot.services.audit_log import AuditQuery
    from bot.services.data_protection import check_user_id
    from bot.views.audit import detail_summary
    from bot.views.text import local_time

    query = AuditQuery(
        user=check_user_id(user_id) if user_id else None, ref=ref, term=" ".join(term).strip() or None
    )
    page = _services(_settings()).audit.search(Actor.operator(), query, limit=limit)
    if not page.entries:
        click.echo("No audit entries match." if query.filtered else "The audit trail is empty.")
    for entry in page.entries:
        click.echo(
            f"{local_time(entry.at):%Y-%m-%d %H:%M %Z}\t{entry.actor}\t{entry.action}\t"
            f"{entry.target_type} {entry.target_id}\t{detail_summary(entry.detail)}".rstrip()
        )
    if page.has_more:
        click.echo(f"(showing the newest {limit}; --limit shows more)", err=True)


# ---------------------------------------------------------------------- partnerships


@cli.group()
def partnership() -> None:
    """Partnerships: one per Slack workspace when installed with OAuth, each with its own data."""


def _workspace_options(command):  # type: ignore[no-untyped-def]
    command = click.option("--enterprise", "enterprise_id", help="Enterprise Grid organisation ID (E…).")(
        command
    )
    return click.option("--team", "team_id", help="Slack workspace (team) ID (T…).")(command)


@partnership.command("add")
@click.argument("slug")
@click.option(
    "--plan", "plan_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The partnership's plan data file (YAML, as store/plans/wycombe-2017-2020.yaml); without it, "
    "the partnership starts with no plan and its App Home says what to do.",
)  # fmt: skip
@click.option("--name", help="The partnership's name (needed without --plan).")
@click.option(
    "--glossary", "glossary_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Its glossary (YAML, CSV or JSON; default: the packaged glossary).",
)  # fmt: skip
@click.option("--alert-channel", help="Channel ID for its risk alerts (or `/csp alerts channel` later).")
@_workspace_options
def partnership_add(
    slug: str, plan_path: Path | None, name: str | None, glossary_path: Path | None, alert_channel: str | None,
    team_id: str | None, enterprise_id: str | None,
) -> None:  # fmt: skip
    """Add a partnership, seeded from its plan file (or with none yet), and link its workspace."""
    partnerships = _partnerships(_settings())
    services = partnerships.add(slug, plan_path=plan_path, glossary_path=glossary_path, name=name)
    if alert_channel:
        services.alerts.set_channel(Actor.operator(), alert_channel)
    click.echo(f"Added {slug}: {services.plan.partnership_name()}.")
    if plan_path is None:
        click.echo(
            f'No plan yet: csp-bot --partnership {slug} plan new "TITLE" --start 2026-04-01 --end 2029-03-31, '
            "then plan import. Its App Home walks coordinators through it."
        )
    if team_id or enterprise_id:
        partnerships.link(slug, enterprise_id=enterprise_id, team_id=team_id)
        click.echo(f"Linked {_workspace_label(enterprise_id, team_id)} to {slug}.")
    partnerships.close()


@partnership.command("remove")
@click.argument("slug")
@click.option("--apply", is_flag=True, help="Remove it (without it, a preview).")
def partnership_remove(slug: str, apply: bool) -> None:
    """Delete a partnership with all its data (its store), its listing and its workspace links."""
    partnerships = _partnerships(_settings())
    if not apply:
        found = {i.slug: i for i in partnerships.info()}
        if slug not in found or slug == MAIN:
            partnerships.close()
            raise UserFacingError(f"There is no partnership {slug!r} that can be removed.")
        info = found[slug]
        click.echo(
            f"Would remove {slug} ({info.name}): its store with all its data, and "
            f"{len(info.workspaces)} workspace link{'s' if len(info.workspaces) != 1 else ''}. "
            "Nothing changed: add --apply to remove it."
        )
        partnerships.close()
        return
    links = partnerships.remove(slug)
    partnerships.close()
    click.echo(f"Removed {slug}, its data and {links} workspace link{'s' if links != 1 else ''}.")


@partnership.command("link")
@click.argument("slug")
@_workspace_options
def partnership_link(slug: str, team_id: str | None, enterprise_id: str | None) -> None:
    """Link a Slack workspace (or Grid organisation) to a partnership; moves it if linked elsewhere."""
    partnerships = _partnerships(_settings())
    changed = partnerships.link(slug, enterprise_id=enterprise_id, team_id=team_id)
    label = _workspace_label(enterprise_id, team_id)
    click.echo(f"Linked {label} to {slug}." if changed else f"{label} was already linked to {slug}.")
    partnerships.close()


@partnership.command("unlink")
@_workspace_options
def partnership_unlink(team_id: str | None, enterprise_id: str | None) -> None:
    """Unlink a workspace: its requests are refused until it is linked again; no data is removed."""
    partnerships = _partnerships(_settings())
    removed = partnerships.unlink(enterprise_id=enterprise_id, team_id=team_id)
    label = _workspace_label(enterprise_id, team_id)
    click.echo(f"Unlinked {label}." if removed else f"{label} was not linked.")
    partnerships.close()


@partnership.command("list")
def partnership_list() -> None:
    """Every partnership, where its plan came from, and its workspaces."""
    partnerships = _partnerships(_settings())
    for info in partnerships.info():
        workspaces = ", ".join(_workspace_label(e, t) for e, t in info.workspaces) or "no workspace linked"
        click.echo(f"{info.slug}\t{info.name}\tplan: {info.plan_source}\t{workspaces}")
    partnerships.close()


def _workspace_label(enterprise_id: str | None, team_id: str | None) -> str:
    return " ".join(part for part in (enterprise_id, team_id) if part) or "?"


# ---------------------------------------------------------------------- serve, db, manifest


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker."
)
@click.option(
    "--socket", "socket_mode", is_flag=True, help="Socket Mode (needs SLACK_APP_TOKEN) instead of HTTP."
)
def serve(host: str, port: int, workers: int, threads: int, socket_mode: bool) -> None:
    """Serve Slack: HTTP (POST /slack/events, GET /healthz) on gunicorn, or Socket Mode.

    Needs DATABASE_URL: the partnership's store is always chosen, never the demo database `ask` tries.
    """
    from bot.runtime.app import create_app
    from bot.runtime.health import StoreHealth
    from bot.runtime.server import ensure_can_listen, serve_http, serve_socket_mode, wsgi_app

    settings = _settings(serving=True)
    if socket_mode:
        if settings.oauth_enabled:
            raise click.ClickException(
                "Socket Mode serves one workspace: unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, "
                "or serve HTTP for installs into many workspaces."
            )
        settings.require("slack_bot_token", "slack_app_token", why="for Socket Mode")
        settings.require_database(why="to serve Slack")
        partnerships = _partnerships(settings)
        partnerships.main.db.listen_for_changes()  # PostgreSQL: per-request checks cost nothing until a change
        app = create_app(settings, partnerships)
        serve_socket_mode(
            app,
            settings.slack_app_token.get_secret_value(),  # type: ignore[union-attr]
            once_connected=lambda: _start_alert_worker(settings, partnerships),
        )
        return
    if not settings.oauth_enabled:
        settings.require(
            "slack_bot_token", why="to serve one workspace (or set SLACK_CLIENT_ID/SECRET for many)"
        )
    settings.require("slack_signing_secret", why="to serve Slack over HTTP")
    settings.require_database(why="to serve Slack")
    ensure_can_listen(host, port)
    prepared = _partnerships(settings)  # migrate and seed every partnership once, before workers start
    for slug in prepared.slugs():
        prepared.get(slug)
    prepared.close()

    built = []  # this worker's partnerships, closed when it stops (owed App Home refreshes are recorded)

    def build():  # type: ignore[no-untyped-def]
        partnerships = _partnerships(settings)
        built.append(partnerships)
        partnerships.main.db.listen_for_changes()  # after the fork: a listener per worker (store.changes)
        _start_alert_worker(settings, partnerships)  # one per worker: leases and claims keep them apart
        return wsgi_app(
            create_app(settings, partnerships),
            health=StoreHealth(partnerships.main.db),
            signing_secret=settings.slack_signing_secret.get_secret_value(),  # type: ignore[union-attr]
        )

    paths = "/slack/events, /slack/install" if settings.oauth_enabled else "/slack/events"
    click.echo(
        f"csp-bot listening on http://{host}:{port} ({paths}; {workers} {'worker' if workers == 1 else 'workers'})",
        err=True,
    )
    serve_http(
        build, host, port, workers=workers, threads=threads, on_worker_exit=lambda: [p.close() for p in built]
    )


def _start_alert_worker(settings: Settings, partnerships) -> None:  # type: ignore[no-untyped-def]
    from bot.runtime.alert_worker import AlertWorker, DeliveryClients

    AlertWorker(partnerships, DeliveryClients(settings, partnerships), settings.csp_alert_interval).start()


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations up to the newest (and seed an empty database)."""
    from store.db import Database

    settings = _settings()
    database = Database(settings.database_url, now=now)
    before = database.current_revision()
    database.ensure_ready()
    after = database.current_revision()
    click.echo(
        f"Database at revision {after}"
        + (f" (was {before or 'empty'})" if before != after else ", up to date.")
    )
    partnerships = _partnerships(settings)
    for slug in partnerships.slugs()[1:]:
        store = database.partition(slug)
        was = store.current_revision()
        partnerships.get(slug)  # migrates it, and seeds it if it is new
        click.echo(
            f"Partnership {slug} at revision {store.current_revision()}"
            + (f" (was {was})" if was != store.current_revision() else ", up to date.")
        )
    partnerships.close()


@db.command("current")
def db_current() -> None:
    from store.db import Database

    database = Database(_settings().database_url, now=now)
    click.echo(f"current: {database.current_revision() or 'empty'}; newest: {database.head_revision()}")


@cli.command()
@click.option(
    "--check", "check", type=click.Path(dir_okay=False, path_type=Path), help="Fail if FILE differs."
)
def manifest(check: Path | None) -> None:
    """Print the Slack app manifest (YAML)."""
    from bot.runtime.manifest import manifest_yaml

    text = manifest_yaml()
    if check is not None:
        if not check.exists() or check.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{check} is out of date: run `csp-bot manifest > {check}`")
        click.echo(f"{check} is up to date.")
        return
    click.echo(text, nl=False)


# ---------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> None:
    """Every expected failure is one line on stderr and exit status 2: never a traceback."""
    _leave_the_heap_to_the_os()
    try:
        cli.main(args=argv, prog_name="csp-bot", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (SettingsError, DatabaseConfigError, GlossaryFileError) as error:
        _fail(str(error))
    except PlanFileError as error:
        # pydantic's report, without its links, and the first few problems only
        lines = [line for line in str(error).splitlines() if "errors.pydantic.dev" not in line]
        _fail("\n".join(lines[:7]) + ("\n  …" if len(lines) > 7 else ""))
    except PersonalDataError as error:
        _fail(f"refused: {error}")
    except UserFacingError as error:
        _fail(error.message + (f" {error.hint}" if error.hint else ""))
    except SlackApiError as error:
        _fail(f"Slack refused the request: {error.response.get('error', 'unknown error')}")
    except (OperationalError, ProgrammingError) as error:
        _fail(
            f"cannot use the database at DATABASE_URL ({type(error.orig).__name__ if error.orig else 'error'})"
        )
    except OSError as error:  # a file or directory (an SQLite path, --output), or the network
        where = f": {error.filename}" if error.filename else ""
        _fail(f"{error.strerror or type(error).__name__}{where}")
    except Exception as error:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise  # CSP_LOG_LEVEL=DEBUG: the developer wants the traceback
        frames = traceback.extract_tb(error.__traceback__)
        place = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        _fail(f"stopped by an unexpected {type(error).__name__} at {place} (CSP_LOG_LEVEL=DEBUG shows more)")


@cache
def _leave_the_heap_to_the_os() -> None:
    """A command's objects live until its process ends, and then the interpreter's last collections would
    visit every one before the OS frees them all anyway: a quarter of `csp-bot --help`'s CPU. Frozen by
    an exit handler, they are left to the OS; the other exit handlers (logging's flush) still run."""
    atexit.register(gc.freeze)


def _fail(message: str) -> None:
    click.echo(f"csp-bot: {message}", err=True)
    sys.exit(2)
