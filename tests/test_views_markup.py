"""Every view, built from representative objects (tests/view_samples.py): its mrkdwn is well formed,
and what people typed never reaches Slack as markup, a mention or a bidi override."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from slack_sdk.models.views import View

import bot.views
from bot.views.common import Reply
from bot.views.text import BIDI_CONTROLS
from tests import mrkdwn
from tests.harness import assert_valid_message, assert_valid_view
from tests.view_samples import HELPERS, HOSTILE, Built, samples

SAMPLES = samples()


def _public_view_functions() -> set[str]:
    names = set()
    for module_info in pkgutil.iter_modules(bot.views.__path__):
        if module_info.name == "text":  # the escape and phrasing helpers, tested on their own
            continue
        module = importlib.import_module(f"bot.views.{module_info.name}")
        for name, value in vars(module).items():
            function = inspect.unwrap(value) if callable(value) else None  # through lru_cache
            if inspect.isfunction(function) and function.__module__ == module.__name__ and name[0] != "_":
                names.add(f"{module_info.name}.{name}")
    return names


def _payload(built: Built) -> tuple[Any, list[str]]:
    """The payload Slack receives, and every mrkdwn text in it (fallback text included)."""
    if isinstance(built, Reply):
        message = built.message()
        assert_valid_message(message)
        return message, [message["text"], *mrkdwn.mrkdwn_texts(message["blocks"])]
    if isinstance(built, View):
        view = built.to_dict()
        assert_valid_view(view)
        return view, list(mrkdwn.mrkdwn_texts(view))
    return built, [built]  # a line of mrkdwn that views put together


def test_every_view_has_samples() -> None:
    views = _public_view_functions()
    assert not views - set(SAMPLES) - HELPERS, (
        f"add samples of these: {sorted(views - set(SAMPLES) - HELPERS)}"
    )
    assert not set(SAMPLES) - views, f"no such views: {sorted(set(SAMPLES) - views)}"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_markup_is_balanced_and_never_nested(name: str) -> None:
    for build in SAMPLES[name]:
        for text in _payload(build())[1]:
            assert mrkdwn.problems(text) == [], text


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_typed_text_never_reaches_slack_as_markup(name: str) -> None:
    for build in SAMPLES[name]:
        payload, texts = _payload(build())
        for text in map(mrkdwn.without_links, texts):
            for raw in (
                "<!channel>",
                "<@U0BOSS>",
                "<https://",
                "```fence",
                "*bold*",
                "_italic_",
                "~strike~",
                "`code`",
            ):
                assert raw not in text, (raw, text)
        for text in mrkdwn.plain_texts(payload):
            assert not set(text) & set(BIDI_CONTROLS), text


def test_the_hostile_sample_is_hostile() -> None:
    """The samples prove something only if the raw text would fail the markup check."""
    assert mrkdwn.problems(HOSTILE)
    assert mrkdwn.problems("*Risk R3: rating up, Low ↑ *High**")
    assert mrkdwn.problems("_a *b_ c*") and mrkdwn.problems("`code") and mrkdwn.problems("*P1*s")
    assert mrkdwn.problems("Hi <!channel>") and mrkdwn.problems("see <https://x.test|here>")
    assert not mrkdwn.problems(
        "*Status:* :red_circle: red · _Used by_ <@U0TVP> in <#C0X> `/csp risks` &gt; 2"
    )
