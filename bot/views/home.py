"""The App Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.permissions import Actor
from bot.services.glossary import HomeSummary
from bot.views.common import context, section
from bot.views.text import clip, escape


def home_view(actor: Actor, summary: HomeSummary) -> View:
    blocks: list[Block] = [
        HeaderBlock(text="csp-bot for the Community Safety Partnership"),
        section(
            "*Ask the glossary* (only you see the answer):\n"
            "• `/csp acronym MARAC`: what an acronym stands for\n"
            "• `/csp define hate crime`: the plan's definition\n"
            "• `/csp search exploitation`: everything that mentions a word\n"
            "• `/csp MARAC`: just the word works too, typos and all\n"
            "• On any message: ⋮ → *Explain acronyms*\n"
            "• `/csp glossary suggest TERM = meaning`: something missing? Suggest it"
        ),
        context(
            f"{summary.entries} entries from the partnership plan and its coordinators. "
            "Never post names, addresses or case details in Slack."
        ),
        DividerBlock(),
    ]
    if summary.most_asked:
        lines = "\n".join(
            f"• *{escape(entry.key)}*: {escape(clip(entry.text, 120))} ({count})"
            for entry, count in summary.most_asked
        )
        blocks.append(section(f"*Most asked*\n{lines}"))
    else:
        blocks.append(section("*Most asked*\nNothing asked yet: try `/csp acronym MARAC`."))
    if actor.is_coordinator:
        blocks.append(DividerBlock())
        blocks.append(
            section(
                "*For coordinators*\n"
                f"• {summary.pending or 0} suggestion(s) waiting: `/csp glossary pending`\n"
                f"• {summary.gaps or 0} gap(s), things people looked for and didn't find: `/csp glossary gaps`\n"
                "• Add or change entries: `/csp glossary add TERM = meaning`, `/csp glossary edit TERM`"
            )
        )
    return View(type="home", blocks=blocks)
