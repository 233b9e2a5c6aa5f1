"""The national pack in Slack, end to end: signed requests through Bolt, Web API calls to the stand-in."""

from __future__ import annotations

import json
from pathlib import Path

from bot.offline.ask import ask
from bot.offline.plaintext import render_message
from bot.settings import Settings
from bot.views import glossary as views
from handlers.glossary import EXPLAIN_SHORTCUT
from tests.harness import SlackHarness, all_text, assert_valid_message, assert_valid_view

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _buttons(reply: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e for b in reply["blocks"] for e in b.get("elements", []) if e.get("type") == "button"
    }


def test_a_national_answer_is_labelled_with_its_source(slack: SlackHarness) -> None:
    reply = slack.ask("acronym IDVA")
    text = all_text(reply)
    assert reply["text"].startswith("IDVA: Independent Domestic Violence Adviser")
    assert "National usage, not in the partnership's glossary; source: <https://www.gov.uk/" in text
    assert "|gov.uk>" in text
    assert "A trained specialist" in text  # the definition
    buttons = _buttons(reply)
    assert buttons[f"{views.PACK_ADOPT}_0"]["value"] == "uk-national:idva"
    assert buttons[f"{views.PACK_HIDE}_0"]["value"] == "uk-national:idva"
    assert json.loads(buttons[views.SHARE]["value"])["ids"] == ["uk-national:idva"]


def test_a_historic_body_says_so(slack: SlackHarness) -> None:
    text = all_text(slack.ask("acronym CCG"))
    assert "_No longer exists._ Abolished on 1 July 2022" in text


def test_the_partnership_answer_has_no_pack_label_or_buttons(slack: SlackHarness) -> None:
    reply = slack.ask("acronym MARAC")
    assert "National usage" not in all_text(reply)
    assert not any(a.startswith(views.PACK_ADOPT) for a in _buttons(reply))


def test_sharing_a_national_answer_keeps_its_label(slack: SlackHarness) -> None:
    share = _buttons(slack.ask("acronym ISVA"))[views.SHARE]
    assert slack.action(views.SHARE, share["value"], user="U0SHARER").status == 200
    shared = next(p for p in slack.hook_posts("action") if p.get("response_type") == "in_channel")
    assert_valid_message(shared)
    text = all_text(shared)
    assert "Independent Sexual Violence Adviser" in text and "National usage" in text
    assert "<@U0SHARER>" in text
    assert not any(b.get("type") == "actions" for b in shared["blocks"])


def test_a_coordinator_adopts_a_national_entry(slack: SlackHarness, people: dict[str, str]) -> None:
    ref = _buttons(slack.ask("acronym MATAC"))[f"{views.PACK_ADOPT}_0"]["value"]
    assert slack.action(f"{views.PACK_ADOPT}_0", ref, user=people["coordinator"]).status == 200
    assert any("Adopted *MATAC*" in all_text(p) for p in slack.hook_posts("action"))
    answer = slack.ask("acronym MATAC")
    assert answer["text"] == "MATAC: Multi-Agency Tasking and Co-ordination"
    assert "National usage" not in all_text(answer)
    assert "*adopt*" in all_text(slack.ask("glossary history MATAC"))


def test_a_coordinator_hides_a_national_entry(slack: SlackHarness, people: dict[str, str]) -> None:
    slack.action(f"{views.PACK_HIDE}_0", "uk-national:cmht", user=people["coordinator"])
    assert any("no longer answers" in all_text(p) for p in slack.hook_posts("action"))
    assert not slack.ask("acronym CMHT")["text"].startswith("CMHT:")
    assert "1 entry hidden" in all_text(slack.ask("glossary packs"))


def test_others_pressing_adopt_or_hide_are_refused_politely(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    for who in ("member", "outsider"):
        slack.action(f"{views.PACK_ADOPT}_0", "uk-national:idva", user=people[who])
        slack.action(f"{views.PACK_HIDE}_0", "uk-national:idva", user=people[who])
    posts = slack.hook_posts("action")
    assert len(posts) == 4
    assert all("Only partnership coordinators can" in all_text(p) for p in posts)
    assert slack.ask("acronym IDVA")["text"].startswith("IDVA: Independent Domestic Violence Adviser")
    assert "National usage" in all_text(slack.ask("acronym IDVA"))


def test_packs_are_listed_and_switched_by_coordinators(slack: SlackHarness, people: dict[str, str]) -> None:
    listed = all_text(slack.ask("glossary packs"))
    assert "*uk-national* (on): UK community safety (national usage)" in listed
    refused = slack.ask("glossary packs off uk-national", user=people["member"])
    assert "Only partnership coordinators can" in refused["text"]
    off = slack.ask("glossary packs off uk-national", user=people["coordinator"])
    assert "*uk-national* is now off." in all_text(off)
    assert not slack.ask("acronym IDVA")["text"].startswith("IDVA:")
    slack.ask("glossary packs on uk-national", user=people["coordinator"])
    assert slack.ask("acronym IDVA")["text"].startswith("IDVA:")
    bad = slack.ask("glossary packs sideways", user=people["coordinator"])
    assert "Say which pack to switch on or off" in all_text(bad)
    unknown = slack.ask("glossary packs off nope", user=people["coordinator"])
    assert "There is no glossary pack called `nope`" in all_text(unknown)


def test_explain_uses_the_pack_and_offers_to_suggest_the_rest(slack: SlackHarness) -> None:
    reply = slack.ask("explain IDVA and ISVA at the MARAC; ZQXV and QQRT to follow")
    text = all_text(reply)
    assert "*IDVA*: Independent Domestic Violence Adviser _(national usage)_" in text
    assert "*MARAC*: Multi Agency Risk Assessment Committee" in text
    assert "*ZQXV* and *QQRT*: not in the glossary." in text
    buttons = _buttons(reply)
    assert buttons[f"{views.SUGGEST_UNKNOWN}_0"]["value"] == "ZQXV"
    slack.action(f"{views.SUGGEST_UNKNOWN}_1", "QQRT")
    (call,) = slack.calls("views.open")
    assert call.args["view"]["callback_id"] == views.ENTRY_FORM
    assert_valid_view(call.args["view"])
    key = next(b for b in call.args["view"]["blocks"] if b.get("block_id") == "key")
    assert key["element"]["initial_value"] == "QQRT"


def test_the_message_shortcut_uses_the_pack_too(slack: SlackHarness) -> None:
    assert slack.message_shortcut(EXPLAIN_SHORTCUT, "CSPR due; LSCP and XQJZ to attend").status == 200
    (post,) = slack.hook_posts("shortcut")
    assert_valid_message(post)
    text = all_text(post)
    assert "Child Safeguarding Practice Review" in text and "Local Safeguarding Children Partnership" in text
    assert "*XQJZ*: not in the glossary." in text


def test_with_the_pack_off_explain_names_them_as_unknown(slack: SlackHarness, people: dict[str, str]) -> None:
    slack.ask("glossary packs off uk-national", user=people["coordinator"])
    text = all_text(slack.ask("explain IDVA and ISVA"))
    assert "*IDVA* and *ISVA*: not in the glossary." in text


def test_the_readme_pack_reply_is_real(settings: Settings) -> None:
    result = ask(settings, "acronym CRC")
    assert result.response is not None
    assert f'$ csp-bot ask "acronym CRC"\n{render_message(result.response)}\n' in README


def test_a_national_answer_names_the_partnerships_own_entry_with_that_key(slack: SlackHarness) -> None:
    reply = slack.ask("Prisons and Probation Ombudsman")
    text = all_text(reply)
    assert reply["text"].startswith("PPO: Prisons and Probation Ombudsman")
    assert "The partnership's glossary has its own: *PPO*: Priority and Prolific Offender" in text
    assert "National usage" in text


def test_the_partnerships_own_wording_wins_over_the_national_name(slack: SlackHarness) -> None:
    """The plan's MAPPA says "Assessment"; asked by its national name, the plan's entry answers and says
    how it differs, rather than the pack standing in for it."""
    reply = slack.ask("Multi-Agency Public Protection Arrangements")
    assert reply["text"].startswith("MAPPA: Multi Agency Public Protection Assessment")
    text = all_text(reply)
    assert "the glossary calls it “Assessment”, not “Arrangements”" in text
    assert "National usage" not in text
