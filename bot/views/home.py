"""The App Home tab: a dashboard for the person looking at it."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.services.actions import Status
from bot.services.alerts import Alert
from bot.services.home import HomeData, RiskPanel, StaleForViewer
from bot.services.risks import Risk, RiskTrend, Trend
from bot.views.alerts import SEVERITY_EMOJI, headline
from bot.views.common import Reply, context, section
from bot.views.glossary import SHOW
from bot.views.plan import STATUS_EMOJI, achievement_line, action_line, status_buttons
from bot.views.text import clip, escape, plural, stop

#: stale actions listed on the Home tab before pointing to the full list
HOME_STALE_LIMIT = 10

HOME_BLOCK_LIMIT = 100
#: the search box (an input that answers in place) and the "did you mean" picks under its answer
SEARCH_BLOCK = "home_search"
SEARCH = "home_search_ask"
PICK = "home_search_pick"  # suffixed _0.._4, like the glossary's own "did you mean" buttons
#: an answer in the Home keeps at most this many blocks (a term with many meanings lists them all in Slack)
ANSWER_BLOCKS = 12
#: how many of each the Home lists before "and N more"
OWN_RISKS = 6
TOP_RISKS = 5
REVIEWS = 6

TREND_WORDS = {Trend.UP: "↑ up", Trend.DOWN: "↓ down", Trend.SAME: "→ same", Trend.NEW: "new"}


def stale_blocks(stale: StaleForViewer | None) -> list[Block]:
    """At the top: the viewer's organisation's open actions with no update this quarter, with buttons."""
    if stale is None or not stale.actions:
        return []
    org = escape(stale.organisation)
    when = ("the board meets on " if stale.reporting.board else "the quarter ends on ") + (
        f"{stale.reporting.day:%-d %B %Y}"
    )
    blocks: list[Block] = [
        section(
            f":bell: *{plural(len(stale.actions), 'action')} {org} leads "
            f"{'needs' if len(stale.actions) == 1 else 'need'} an update* before {when}: "
            f"no update yet in {escape(stale.quarter_title)}."
        )
    ]
    for action in stale.actions[:HOME_STALE_LIMIT]:
        blocks.append(section(action_line(action)))
        blocks.append(status_buttons(action.ref))
    if len(stale.actions) > HOME_STALE_LIMIT:
        blocks.append(context(f"{len(stale.actions) - HOME_STALE_LIMIT} more: `/csp actions stale`."))
    blocks.append(DividerBlock())
    return blocks


def home_view(data: HomeData, answer: Reply | None = None) -> View:
    """The dashboard; ``answer`` is the glossary's reply to the search box, shown just under it."""
    actor, summary = data.actor, data.glossary
    who = (
        f"You are a {actor.role.value}" + (f" for {escape(actor.org)}" if actor.org else "") + "."
        if actor.role
        else "You can use the glossary and read the plan; a coordinator can add you as a member."
    )
    blocks: list[Block] = [
        HeaderBlock(text="csp-bot for the Community Safety Partnership"),
        context(who),
        *stale_blocks(data.stale),
        _search_box(),
        *_home_answer(answer),
        section(
            "*More ways to ask*: `/csp acronym MARAC`, `/csp define hate crime` or just `/csp MARAC` anywhere "
            "(only you see the answer), "
            "`@csp-bot what does MARAC stand for?` in a channel (answered in its thread), or a direct message "
            "to csp-bot. On any message: ⋮ → *Explain acronyms*.\n"
            '*Report progress*: `/csp log P1 what was achieved`, `/csp action P2.3 amber "why"`, '
            "`/csp actions mine`, `/csp achievements`."
        ),
        DividerBlock(),
    ]
    if data.setup:
        steps = "\n".join(
            f"{':white_check_mark:' if step.done else ':white_square:'} *{escape(step.what)}*"
            + ("" if step.done else f"\n      {step.how}")
            for step in data.setup
        )
        blocks.append(
            section(
                "*Getting started*: the partnership's plan has no actions yet. "
                + ("" if actor.is_coordinator else "A coordinator does these; then your actions appear here.")
                + f"\n{clip(steps, 2800)}"
            )
        )
        blocks.append(
            context("Then members update their actions: `/csp actions mine`, `/csp action P1.1 green`.")
        )
    if actor.org:
        if data.org_actions:
            lines = "\n".join(action_line(a) for a in data.org_actions)
            blocks.append(section(f"*{escape(actor.org)}'s actions*\n{clip(lines, 2900)}"))
        else:
            blocks.append(
                section(
                    f"*{escape(actor.org)}'s actions*\n{escape(actor.org)} leads none of the plan's actions."
                )
            )
    progress_lines = []
    for item in data.progress:
        counts = " ".join(
            f"{STATUS_EMOJI[s]} {item.counts.get(s, 0)}"
            for s in (Status.GREEN, Status.AMBER, Status.RED, Status.COMPLETE)
        )
        waiting = item.counts.get(Status.NOT_STARTED, 0)
        extra = (f" · {waiting} not started" if waiting else "") + (
            f" · :hourglass: {item.overdue} overdue" if item.overdue else ""
        )
        progress_lines.append(f"*P{item.priority.number}* {escape(item.priority.title)}\n{counts}{extra}")
    if progress_lines:
        blocks.append(section("*The plan at a glance*\n" + "\n".join(progress_lines)))
    if data.recent:
        blocks.append(
            section(
                "*Recent achievements*\n" + clip("\n".join(achievement_line(a) for a in data.recent), 2900)
            )
        )
    if data.risks is not None:
        blocks.append(DividerBlock())
        blocks.extend(_risk_blocks(data.risks))
    blocks.append(DividerBlock())
    if summary.most_asked:
        lines = "\n".join(
            f"• *{escape(entry.key)}*: {escape(clip(entry.text, 120))} ({count})"
            for entry, count in summary.most_asked
        )
        blocks.append(section(f"*Most asked in the glossary*\n{lines}"))
    else:
        blocks.append(section("*Most asked in the glossary*\nNothing asked yet: try `/csp acronym MARAC`."))
    blocks.append(
        context(
            f"{plural(summary.entries, 'glossary entry', 'glossary entries')}. "
            "Never post names, addresses or case details in Slack."
        )
    )
    if data.alert_problem:
        blocks.insert(
            2,
            section(
                f":warning: *Risk alerts are waiting to be posted*: {stop(escape(data.alert_problem))} "
                "Nothing is lost; see `/csp alerts`."
            ),
        )
    if actor.is_coordinator:
        blocks.append(DividerBlock())
        blocks.append(
            section(
                "*For coordinators*\n"
                f"• {plural(summary.pending or 0, 'glossary suggestion')} waiting: `/csp glossary pending`\n"
                f"• {plural(summary.gaps or 0, 'glossary gap')}, things people looked for and didn't find: "
                "`/csp glossary gaps`\n"
                "• Members: `/csp members list`; reports: `/csp report achievements`, `/csp report actions`"
            )
        )
    return View(type="home", blocks=blocks[:HOME_BLOCK_LIMIT])


# ---------------------------------------------------------------------- the search box


def _search_box() -> InputBlock:
    """Enter sends what was typed (``dispatch_action``); the answer appears under the box."""
    return InputBlock(
        block_id=SEARCH_BLOCK,
        label="Ask the glossary",
        dispatch_action=True,
        hint="Type an acronym or a question and press Enter: only you see the answer.",
        element=PlainTextInputElement(
            action_id=SEARCH,
            placeholder="MARAC, what is a CPN?, define hate crime, search exploitation",
            max_length=2000,
            dispatch_action_config={"trigger_actions_on": ["on_enter_pressed"]},
        ),
    )


def _home_answer(answer: Reply | None) -> list[Block]:
    """The glossary's reply, as the Home shows it: the same words and labels; its "did you mean" picks
    answer in place, and the buttons that reply into a conversation (share, search) are left out."""
    if answer is None:
        return []
    blocks: list[Block] = []
    for block in answer.blocks:
        if isinstance(block, ActionsBlock):
            picks = [
                ButtonElement(text=e.text.text, action_id=f"{PICK}_{n}", value=e.value)
                for n, e in enumerate(block.elements)
                if isinstance(e, ButtonElement) and (e.action_id or "").startswith(f"{SHOW}_")
            ]
            if picks:
                blocks.append(ActionsBlock(elements=picks))
            continue
        blocks.append(block)
    if len(blocks) > ANSWER_BLOCKS:
        blocks = [
            *blocks[: ANSWER_BLOCKS - 1],
            context("There is more: `/csp` with the same words shows it all."),
        ]
    return [*blocks, DividerBlock()]


# ---------------------------------------------------------------------- risks and alerts


def _risk_blocks(panel: RiskPanel) -> list[Block]:
    """Risks for everyone: the viewer's organisation's first, the rest by rating, each with its trend;
    reviews falling due; alerts nobody has acknowledged. Capped, with "and N more"."""
    overview = panel.overview
    own = [t for t in overview.risks if overview.org and t.risk.owner_org == overview.org]
    others = [t for t in overview.risks if t not in own]
    blocks: list[Block] = []
    if overview.org:
        title = f"*{escape(overview.org)}'s risks*"
        if own:
            lines = [_risk_line(t, with_owner=False) for t in own[:OWN_RISKS]]
            blocks.append(section(f"{title}\n" + _capped(lines, len(own), "`/csp risks` shows them all")))
        else:
            blocks.append(section(f"{title}\n{escape(overview.org)} owns none of the open risks."))
    if others:
        title = "*Other risks, highest rating first*" if overview.org else "*Top risks, highest rating first*"
        lines = [_risk_line(t, with_owner=True) for t in others[:TOP_RISKS]]
        blocks.append(section(f"{title}\n" + _capped(lines, len(others), "`/csp risks` shows the register")))
    elif not own:
        blocks.append(section("*Risks*\nThe register has no open risks."))
    blocks.append(section(_reviews(overview.reviews_due, overview.today, overview.review_until)))
    blocks.append(section(_alerts(panel.unacknowledged, panel.unacknowledged_total)))
    blocks.append(
        context(
            f"Trend: each risk's likelihood × impact today, against {overview.since:%-d %B %Y}. "
            "`/csp risk R2` shows one risk with its history."
        )
    )
    return blocks


def _rating(risk: Risk) -> str:
    return f"{SEVERITY_EMOJI[risk.rating]} {risk.rating}"


def _risk_line(item: RiskTrend, *, with_owner: bool) -> str:
    risk = item.risk
    trend = TREND_WORDS[item.trend]
    if item.trend in (Trend.UP, Trend.DOWN) and item.rating_before and item.rating_before != risk.rating:
        trend += f" from {item.rating_before}"
    # the owning partner when there is one; an owner's role name is long, and `/csp risk R2` shows it
    owner = f" · {escape(risk.owner_org)}" if with_owner and risk.owner_org else ""
    return (
        f"• {_rating(risk)} *{risk.ref}* ({risk.likelihood} × {risk.impact}) · {trend}{owner} · "
        f"{escape(clip(risk.description, 90))}"
    )


def _reviews(due: list[Risk], today: date, until: date) -> str:
    title = f"*Reviews due by {until:%-d %B %Y}*"
    if not due:
        return f"{title}\nNone: no open risk's review falls due in the next {(until - today).days} days."
    lines = []
    for risk in due[:REVIEWS]:
        days = (risk.next_review - today).days
        when = (
            f":hourglass: overdue since {risk.next_review:%-d %B %Y}"
            if days < 0
            else "due today"
            if days == 0
            else f"{risk.next_review:%-d %B %Y} (in {plural(days, 'day')})"
        )
        owner = f" · {escape(risk.owner_org)}" if risk.owner_org else ""
        lines.append(f"• *{risk.ref}* {when}{owner}")
    return f"{title}\n" + _capped(lines, len(due), "`/csp risks` lists every review date")


def _alerts(alerts: list[Alert], total: int) -> str:
    title = "*Alerts not yet acknowledged*"
    if not total:
        return f"{title}\nNone: every alert has been acknowledged."
    lines = []
    for alert in alerts:
        where = (
            f" · in <#{alert.channel}>"
            if alert.channel and alert.status == "posted"
            else " · waiting to be posted"
        )
        lines.append(
            f"• {SEVERITY_EMOJI.get(alert.severity, ':white_circle:')} {escape(alert.severity)} · {headline(alert)}{where}"
        )
    hint = "members acknowledge them in the alert channel"
    return (
        f"{title}\n"
        + _capped(lines, total, hint)
        + ("" if total > len(alerts) else f"\n{hint.capitalize()}.")
    )


def _capped(lines: list[str], total: int, where: str) -> str:
    text = "\n".join(lines)
    if total > len(lines):
        text += f"\n…and {total - len(lines)} more: {where}."
    return clip(text, 2900)
