"""The /csp subcommand table: one list that drives dispatch, help and the manifest's usage hint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.views.help import HelpLine, help_reply
from handlers import glossary as g
from handlers.context import CommandContext, Outcome
from handlers.parsing import from_slack, lookup_words, split_verb


@dataclass(frozen=True)
class _Later:
    """A subcommand whose module is imported when it first runs: a look-up (``g``, imported at once)
    never imports the plan's, the risks' or the members' handlers, views and services."""

    module: str
    function: str

    def __call__(self, ctx: CommandContext, rest: str) -> Outcome:
        run: Callable[[CommandContext, str], Outcome] = getattr(import_module(self.module), self.function)
        return run(ctx, rest)


@dataclass(frozen=True)
class _Handlers:
    module: str

    def __getattr__(self, function: str) -> _Later:
        return _Later(self.module, function)


a = _Handlers("handlers.audit")
m = _Handlers("handlers.members")
n = _Handlers("handlers.nudges")
p = _Handlers("handlers.plan")
pl = _Handlers("handlers.planning")
r = _Handlers("handlers.risks")


@dataclass(frozen=True)
class Subcommand:
    name: str  # one word, or two for a group ("glossary add")
    args: str  # how the arguments are written in help
    summary: str
    run: Callable[[CommandContext, str], Outcome]
    example: str = ""  # shown in the manifest's usage hint when set
    aliases: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        return f"/csp {self.name} {self.args}".rstrip()


def _help(ctx: CommandContext, rest: str) -> Outcome:
    topic = rest.strip().lower() or None
    extra = None
    if topic in {"risk", "risks", "alerts"}:
        extra = ctx.services.risks.rule.describe()
    elif topic in {"action", "actions", "rag"}:
        extra = (
            "Statuses: not started; green, on track; amber, at risk (needs a reason); red, off track (needs a reason, "
            "and alerts the alert channel); complete. Past its due date and not complete, an action is overdue."
        )
    return help_reply(help_lines(), topic=topic, note=extra)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "acronym",
        "ABBR",
        "What an acronym stands for, in the plan's words",
        g.acronym,
        "MARAC",
        ("acro", "abbr"),
    ),
    Subcommand(
        "define", "TERM", "The plan's definition of a term", g.define, "hate crime", ("def", "definition")
    ),
    Subcommand(
        "search", "WORDS", "Entries that mention the words, best first", g.search, "exploitation", ("find",)
    ),
    Subcommand("explain", "TEXT", "Expand every known acronym in a piece of text", g.explain),
    Subcommand("glossary add", "TERM = meaning", "Add an entry; alone, opens a form (coordinators)", g.add),
    Subcommand(
        "glossary edit", "TERM = new meaning", "Change an entry; alone, opens a form (coordinators)", g.edit
    ),
    Subcommand("glossary remove", "TERM", "Remove an entry, with undo (coordinators)", g.remove),
    Subcommand(
        "glossary suggest", "TERM = meaning", "Suggest a missing entry for review (anyone)", g.suggest
    ),
    Subcommand("glossary pending", "", "Review suggestions (coordinators)", g.pending),
    Subcommand("glossary gaps", "", "What people looked for and didn't find (coordinators)", g.gaps),
    Subcommand(
        "glossary history", "TERM", "Every change to an entry: who, when, before and after", g.history
    ),
    Subcommand(
        "glossary packs",
        "[on|off NAME]",
        "National glossary packs and whether each answers here; switch one (coordinators)",
        g.packs,
    ),
    Subcommand(
        "log",
        "[P1] [TVP] what was achieved",
        "Log an achievement; alone, opens a form",
        p.log,
        "P1 TVP secured 4 CBOs",
    ),
    Subcommand(
        "achievements",
        "[P1] [2018/19|all] [TVP] [mine]",
        "Achievements of the current plan year (or one named, or all), newest first, with who logged each",
        p.achievements,
    ),
    Subcommand(
        "actions",
        "[2026/27] [P2|mine|red|overdue|TVP]",
        "A plan year's actions with their RAG status (default: the current year)",
        p.actions,
    ),
    Subcommand("actions stale", "", "Open actions with no update this quarter, by organisation", n.stale),
    Subcommand(
        "action",
        'P2.3 [green|amber|red|complete "reason"]',
        "One action and its history, or change its status",
        p.action,
        'P2.3 amber "reason"',
    ),
    Subcommand(
        "action add",
        'P1 ["what will be done" TVP;BC]',
        "Add an action; alone, opens a form (coordinators)",
        pl.action_add,
    ),
    Subcommand("plan", "[2026/27]", "The current plan, its year and progress", pl.plan),
    Subcommand(
        "plan rollover",
        "2027/28",
        "Start the next plan year: a preview, then Confirm (coordinators)",
        pl.rollover,
    ),
    Subcommand(
        "priority add", '"TITLE"', "Add a priority to the current plan (coordinators)", pl.priority_add
    ),
    Subcommand("priority edit", 'P2 "TITLE"', "Rename a priority (coordinators)", pl.priority_edit),
    Subcommand(
        "priority retire", "P2", "Retire a priority with no actions left (coordinators)", pl.priority_retire
    ),
    Subcommand(
        "orgs",
        '[add SHORT "Name" | rename OLD NEW "Name" [move-members] | retire SHORT]',
        "The partnership's organisations; coordinators change them",
        pl.orgs,
    ),
    Subcommand(
        "report",
        "achievements|actions|risks|board [2026/27|all|Q3] [md|csv|docx|xlsx|pdf]",
        "The report as a file, sent to you in a DM",
        p.report,
    ),
    Subcommand(
        "nudge",
        "",
        "Ask lead organisations' members now to update their stale actions (coordinators)",
        n.nudge,
    ),
    Subcommand(
        "plan board-dates",
        "[2026-12-10 2027-03-11 …|clear]",
        "The board's meeting dates that nudges aim at; alone, lists them (coordinators set them)",
        n.board_dates,
    ),
    Subcommand("risks", "", "The risk register as a 3×3 matrix and by rating", r.risks),
    Subcommand(
        "risk",
        'R2 [likelihood|impact LEVEL "why" | owner WHO | review | trigger "why"]',
        "One risk and its history, or change it",
        r.risk,
        'R2 likelihood high "reason"',
    ),
    Subcommand("risk add", "", "Add a risk (a form)", r.risk_add),
    Subcommand("risk close", 'R7 "why"', "Close a risk", r.risk_close),
    Subcommand("alerts", "[channel #channel]", "Where risk alerts go (coordinators set it)", r.alerts),
    Subcommand("members add", "@user ORG [coordinator]", "Add or change a member (coordinators)", m.add),
    Subcommand("members remove", "@user", "Remove a member (coordinators)", m.remove),
    Subcommand(
        "members list", "", "Who is a member or coordinator, and for which organisation", m.list_members
    ),
    Subcommand("whoami", "", "Your organisation and role", m.whoami),
    Subcommand(
        "audit", "[TERM|P1.2|R3|@user]", "Who changed what and when, newest first (coordinators)", a.audit
    ),
    Subcommand("help", "[TOPIC]", "This list", _help, "help", ("?", "usage")),
)

_BY_NAME: dict[str, Subcommand] = {}
for _sub in SUBCOMMANDS:
    for _name in (_sub.name, *_sub.aliases):
        _BY_NAME[_name] = _sub
_GROUPS = {s.name.split()[0] for s in SUBCOMMANDS if " " in s.name}
_VERBS = sorted({name.split()[0] for name in _BY_NAME if len(name) > 2} | _GROUPS)


#: the help's headings, each with its subcommands in the order shown (every subcommand is in one:
#: tests/test_parsing.py checks)
HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Ask the glossary", ("acronym", "define", "search", "explain")),
    ("Keep the glossary", tuple(s.name for s in SUBCOMMANDS if s.name.startswith("glossary "))),
    ("Report progress", ("log", "achievements", "action", "actions", "actions stale", "report")),
    (
        "The plan (coordinators change it)",
        (
            "plan",
            "action add",
            "priority add",
            "priority edit",
            "priority retire",
            "orgs",
            "plan rollover",
            "plan board-dates",
            "nudge",
        ),
    ),
    ("Risks and alerts", ("risks", "risk", "risk add", "risk close", "alerts")),
    ("People and records", ("whoami", "members list", "members add", "members remove", "audit", "help")),
)


def help_lines() -> list[HelpLine]:
    by_name = {s.name: s for s in SUBCOMMANDS}
    first = HELP_GROUPS[0][0]
    lines = [HelpLine("/csp TERM", "Look up an acronym or term directly, typos and all", first)]
    for group, names in HELP_GROUPS:
        lines.extend(HelpLine(by_name[n].usage, by_name[n].summary, group) for n in names)
    return lines


def usage_hint() -> str:
    """The manifest's usage hint, from the same table."""
    examples = [
        f"{s.name} {s.example}".strip() if s.name != "help" else "help" for s in SUBCOMMANDS if s.example
    ]
    return "[" + " | ".join(["TERM", *examples]) + "]"


def closest_verb(word: str, choices: list[str] | None = None) -> str | None:
    """A subcommand the word is probably a typo of ("serch" → "search", "ad" → "add")."""
    if len(word) < (2 if choices else 3):
        return None
    limit = 1 if len(word) < 5 else 2
    found = process.extractOne(word, choices or _VERBS, scorer=OSA.distance, score_cutoff=limit)
    return found[0] if found else None


def dispatch(ctx: CommandContext, text: str) -> Outcome:
    text = from_slack(text)
    verb, rest = split_verb(text)
    if not verb:
        return help_reply(help_lines())
    if verb in _GROUPS:
        action, action_rest = split_verb(rest)
        sub = _BY_NAME.get(f"{verb} {action}")
        if sub is not None:
            return sub.run(ctx, action_rest)
        if verb in _BY_NAME:  # "risk" is a group (risk add, risk close) and a command of its own (risk R2)
            return _BY_NAME[verb].run(ctx, rest)
        actions = [name.split()[1] for name in _BY_NAME if name.startswith(f"{verb} ")]
        close = closest_verb(action, actions) if action else None
        guess = f"{verb} {close}" if close else None
        return help_reply(
            help_lines(), topic=verb, did_you_mean=f"{guess} {action_rest}".strip() if guess else None
        )
    sub = _BY_NAME.get(verb)
    if sub is not None:
        return sub.run(ctx, rest)
    # No subcommand: the whole text is a look-up ("/csp MARAC", "/csp what is a PCSO").
    query = lookup_words(text)
    if not query:
        return help_reply(help_lines())
    # Counted only once it is known to be a look-up: a mistyped subcommand is no glossary gap.
    answer, reply = g.answer_and_reply(ctx.services.glossary, query)
    if answer.result.found:
        ctx.services.glossary.count(answer.result)
        return reply
    close = closest_verb(verb)
    if close is not None:
        return help_reply(help_lines(), did_you_mean=f"{close} {rest}".strip())
    ctx.services.glossary.count(answer.result)
    return reply
