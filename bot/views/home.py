"""The App Home tab: a dashboard for the person looking at it."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.services.actions import Status
from bot.services.home import HomeData
from bot.views.common import context, section
from bot.views.plan import STATUS_EMOJI, achievement_line, action_line
from bot.views.text import clip, escape, plural, stop

HOME_BLOCK_LIMIT = 100


def home_view(data: HomeData) -> View:
    actor, summary = data.actor, data.glossary
    who = (
        f"You are a {actor.role.value}" + (f" for {escape(actor.org)}" if actor.org else "") + "."
        if actor.role
        else "You can use the glossary and read the plan; a coordinator can add you as a member."
    )
    blocks: list[Block] = [
        HeaderBlock(text="csp-bot for the Community Safety Partnership"),
        context(who),
        section(
            "*Ask the glossary* (only you see the answer): `/csp acronym MARAC`, `/csp define hate crime`, "
            "`/csp search exploitation`, or just `/csp MARAC`. On any message: ⋮ → *Explain acronyms*.\n"
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
