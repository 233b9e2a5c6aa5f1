"""End to end: signed requests through Bolt's WSGI adapter, Web API calls to the local stand-in."""

from __future__ import annotations

import json
import time

import pytest

from bot.views import glossary as views
from handlers.glossary import EXPLAIN_SHORTCUT
from tests.harness import (
    SECRET,
    SlackHarness,
    all_text,
    assert_valid_message,
    assert_valid_view,
    rendered_text,
)

# ---------------------------------------------------------------------- request verification


def test_forged_signature_is_refused(slack: SlackHarness) -> None:
    body = "command=%2Fcsp&text=MARAC&user_id=U1&team_id=T0CSP"
    assert slack.post(body, secret="not-the-secret").status == 401


def test_timestamp_older_than_five_minutes_is_refused(slack: SlackHarness) -> None:
    body = "command=%2Fcsp&text=MARAC&user_id=U1&team_id=T0CSP"
    assert slack.post(body, timestamp=int(time.time()) - 301).status == 401
    assert slack.post(body, timestamp=int(time.time()) - 10).status == 200


def test_unsigned_request_is_refused(slack: SlackHarness) -> None:
    from bot.offline.signing import call_wsgi

    response = call_wsgi(slack.wsgi, body="command=%2Fcsp&text=MARAC", headers={})
    assert response.status == 401
    assert SECRET not in response.body.decode()


# ---------------------------------------------------------------------- look-ups


def test_acronym_answers_in_the_plans_words(slack: SlackHarness) -> None:
    reply = slack.ask("acronym MARAC")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert "Appendix B – Glossary of Acronyms" in all_text(reply)
    assert any(b["type"] == "actions" for b in reply["blocks"]), "a Share in channel button"


def test_acronym_shows_its_linked_definition(slack: SlackHarness) -> None:
    reply = slack.ask("acronym ASB")
    text = all_text(reply)
    assert "Anti Social Behaviour" in text
    assert "Acting in an anti social manner" in text


def test_define_prefers_the_term(slack: SlackHarness) -> None:
    reply = slack.ask("define hate crime")
    assert reply["text"].startswith("Hate Crime: A Hate Crime or Incident is any behaviour")


def test_bare_lookup_without_a_verb(slack: SlackHarness) -> None:
    assert slack.ask("MARAC")["text"].startswith("MARAC: ")
    assert slack.ask("what does marac stand for?")["text"].startswith("MARAC: ")


def test_confident_typo_correction_says_so(slack: SlackHarness) -> None:
    reply = slack.ask("acronym MARRAC")
    assert reply["text"].startswith("MARAC: ")
    assert "Showing *MARAC* for “MARRAC”" in all_text(reply)


def test_short_unknown_acronym_is_never_answered_as_another(slack: SlackHarness) -> None:
    reply = slack.ask("acronym PPE")
    assert "Priority and Prolific Offender" in all_text(reply)  # offered as a suggestion...
    assert reply["text"].startswith("I couldn't find PPE. Did you mean")  # ...never as the answer
    buttons = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(
        e["action_id"] == f"{views.SHOW}_0" and json.loads(e["value"]) == {"id": "ppo", "q": "PPE"}
        for e in buttons
    )


def test_nothing_close_says_so_and_offers_search(slack: SlackHarness) -> None:
    reply = slack.ask("acronym XQZW")
    assert reply["text"] == "I don't have XQZW in the glossary."
    action_ids = {e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert {views.SEARCH, views.SUGGEST_OPEN} <= action_ids


def test_several_equal_matches_are_listed(slack: SlackHarness) -> None:
    reply = slack.ask("multi agency")
    assert reply["text"].startswith("Several entries match multi agency")
    for key in ("MAPPA", "MARAC", "GMAP", "MASH"):
        assert key in reply["text"]


def test_one_acronym_several_meanings_each_with_context(slack: SlackHarness) -> None:
    reply = slack.ask("acronym CPN")
    text = all_text(reply)
    assert "Community Protection Notice" in text and "Community Psychiatric Nurse" in text
    assert "health partners" in text and "anti-social behaviour powers" in text


def test_search_lists_best_first(slack: SlackHarness) -> None:
    reply = slack.ask("search exploitation")
    assert reply["text"].startswith("3 entries for exploitation")
    for key in ("CE", "CSE", "Child Sexual Exploitation"):
        assert key in reply["text"]


def test_explain_subcommand(slack: SlackHarness) -> None:
    reply = slack.ask("explain Update from MARAC and the CPN's for G-MAP")
    text = all_text(reply)
    assert "Multi Agency Risk Assessment Committee" in text
    assert "Gangs Multi Agency Partnership" in text
    assert "Community Psychiatric Nurse" in text


# ---------------------------------------------------------------------- help and bad input


@pytest.mark.parametrize("text", ["", "help", "   "])
def test_help(slack: SlackHarness, text: str) -> None:
    reply = slack.ask(text)
    assert "/csp acronym ABBR" in reply["text"]
    assert "/csp glossary add" in reply["text"]


def test_mistyped_verb_gets_help_with_did_you_mean(slack: SlackHarness) -> None:
    reply = slack.ask("serch exploitation")
    assert "Did you mean /csp search exploitation?" in reply["text"]


def test_verb_without_argument_gets_a_usage_hint(slack: SlackHarness) -> None:
    reply = slack.ask("acronym")
    assert "Tell me which acronym to look up." in reply["text"]
    assert "/csp acronym MARAC" in all_text(reply)


def test_mistyped_glossary_action(slack: SlackHarness) -> None:
    reply = slack.ask("glossary ad NAG = Neighbourhood Action Group")
    assert "Did you mean /csp glossary add NAG = Neighbourhood Action Group?" in reply["text"]


@pytest.mark.parametrize(
    "text", ["<!channel> MARAC", "<@U123> help", "define <script>alert(1)</script>", "search A & B <!here>"]
)
def test_user_text_is_escaped_and_pings_no_one(slack: SlackHarness, text: str) -> None:
    reply = slack.ask(text)
    raw = rendered_text(reply)
    for dangerous in ("<!channel>", "<!here>", "<@U123>", "<script>"):
        assert dangerous not in raw
    assert " & " not in raw, "a bare & is escaped too"


def test_escaped_query_echo(slack: SlackHarness) -> None:
    # typed literally in Slack, "<!here>&zqxv" arrives escaped; the echo must be escaped again
    reply = slack.ask("acronym &lt;!here&gt;&amp;zqxv")
    assert "&lt;!here&gt;&amp;zqxv" in all_text(reply)
    assert "<!here>" not in rendered_text(reply)


def test_a_broadcast_mention_is_not_looked_up_as_a_word(slack: SlackHarness) -> None:
    # a real @channel arrives as <!channel>: it addresses people, so the national "Channel" (Prevent)
    # is not its answer
    assert slack.ask("acronym <!channel>")["text"] == "Tell me which acronym to look up."
    assert slack.ask("<!channel>")["text"].startswith("csp-bot help")
    assert slack.ask("<!here> MARAC")["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert slack.ask("acronym channel")["text"].startswith("Channel: ")


# ---------------------------------------------------------------------- buttons


def _button(reply: dict, action_id: str) -> dict:
    for block in reply["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button")


def test_share_in_channel_posts_for_everyone(slack: SlackHarness) -> None:
    reply = slack.ask("acronym MARAC")
    share = _button(reply, views.SHARE)
    assert slack.action(views.SHARE, share["value"], user="U0SHARER").status == 200
    posts = slack.hook_posts("action")
    shared = next(p for p in posts if p.get("response_type") == "in_channel")
    assert_valid_message(shared)
    assert "Multi Agency Risk Assessment Committee" in all_text(shared)
    assert "<@U0SHARER>" in all_text(shared)
    assert not any(e.get("type") == "actions" for e in shared["blocks"])
    assert any(p.get("delete_original") for p in posts), "the private copy is removed"


def test_did_you_mean_button_shows_the_entry(slack: SlackHarness) -> None:
    slack.action(f"{views.SHOW}_0", "ppo")  # a button from before the query rode along
    (post,) = slack.hook_posts("action")
    assert post["replace_original"] is True
    assert post["text"].startswith("PPO: Priority and Prolific Offender")


def test_a_did_you_mean_pick_takes_the_query_off_the_gaps(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    for _ in range(2):
        slack.ask("MRAC")  # offered MARAC
        slack.ask("xqzw")
    slack.action(f"{views.SHOW}_0", json.dumps({"id": "marac", "q": "MRAC"}))
    slack.services.glossary.usage.flush()
    gaps = all_text(slack.ask("glossary gaps", user=people["coordinator"]))
    assert "*mrac*: 1 time" in gaps and "*xqzw*: 2 times" in gaps


def test_search_button(slack: SlackHarness) -> None:
    slack.action(views.SEARCH, "homicide")
    (post,) = slack.hook_posts("action")
    assert "DHR" in post["text"]


def test_suggest_button_opens_the_form(slack: SlackHarness) -> None:
    slack.action(views.SUGGEST_OPEN, "XQZW")
    (call,) = slack.calls("views.open")
    assert call.args["view"]["callback_id"] == views.ENTRY_FORM
    assert_valid_view(call.args["view"])


# ---------------------------------------------------------------------- curation through Slack


def test_coordinator_adds_edits_and_removes_with_undo(slack: SlackHarness, people: dict[str, str]) -> None:
    coordinator = people["coordinator"]
    added = slack.ask("glossary add ZQXV = Zone Quality Exchange Visit", user=coordinator)
    assert "Added *ZQXV*" in all_text(added)
    assert slack.ask("acronym ZQXV")["text"] == "ZQXV: Zone Quality Exchange Visit"

    slack.ask("glossary edit ZQXV = The Zone Quality Exchange Visit", user=coordinator)
    assert slack.ask("acronym ZQXV")["text"] == "ZQXV: The Zone Quality Exchange Visit"

    removed = slack.ask("glossary remove ZQXV", user=coordinator)
    assert slack.ask("acronym ZQXV")["text"].startswith("I ")
    slack.action(views.UNDO_REMOVE, _button(removed, views.UNDO_REMOVE)["value"], user=coordinator)
    assert slack.ask("acronym ZQXV")["text"] == "ZQXV: The Zone Quality Exchange Visit"

    history = slack.ask("glossary history ZQXV")
    for action in ("add", "edit", "remove", "restore"):
        assert f"*{action}*" in all_text(history)


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_only_coordinators_change_the_glossary(slack: SlackHarness, people: dict[str, str], who: str) -> None:
    user = people[who]
    for text in (
        "glossary add NPS = National Probation Service",
        "glossary edit MARAC = x",
        "glossary remove MARAC",
        "glossary pending",
        "glossary gaps",
        "glossary add",
    ):
        reply = slack.ask(text, user=user)
        assert "Only partnership coordinators can" in reply["text"], text
    assert slack.ask("acronym MARAC")["text"] == "MARAC: Multi Agency Risk Assessment Committee"
    assert not slack.calls("views.open")


def test_suggestion_is_reviewed_by_a_coordinator(slack: SlackHarness, people: dict[str, str]) -> None:
    reply = slack.ask("glossary suggest ZQXV = Zone Quality Exchange Visit", user=people["outsider"])
    assert "waiting for a coordinator" in all_text(reply)
    assert slack.ask("acronym ZQXV")["text"].startswith("I "), "pending suggestions are not answers"

    pending = slack.ask("glossary pending", user=people["coordinator"])
    approve = _button(pending, views.APPROVE)
    slack.action(views.APPROVE, approve["value"], user=people["coordinator"])
    assert slack.ask("acronym ZQXV")["text"] == "ZQXV: Zone Quality Exchange Visit"
    assert any("Approved *ZQXV*" in all_text(p) for p in slack.hook_posts("action"))


def test_member_cannot_approve_by_forging_a_button(slack: SlackHarness, people: dict[str, str]) -> None:
    slack.ask("glossary suggest ZQXV = Zone Quality Exchange Visit", user=people["outsider"])
    slack.action(views.APPROVE, "zqxv", user=people["member"])
    assert "Only partnership coordinators" in all_text(slack.hook_posts("action"))
    assert slack.ask("acronym ZQXV")["text"].startswith("I ")


def test_misses_become_gaps_for_coordinators(slack: SlackHarness, people: dict[str, str]) -> None:
    slack.ask("acronym XQZW")
    slack.ask("acronym XQZW")
    slack.ask("what is the victim Jane Smith")  # personal data: never kept
    slack.services.glossary.usage.flush()
    gaps = slack.ask("glossary gaps", user=people["coordinator"])
    assert "*xqzw*: 2 times" in all_text(gaps)
    assert "jane" not in all_text(gaps).lower()


def test_gaps_leave_out_mistyped_subcommands_and_answered_queries(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    assert "glossary gaps" in all_text(slack.ask("glosary gaps", user=people["coordinator"]))  # did you mean
    slack.ask("serch exploitation")
    slack.ask("multi agency")  # several entries listed: answered
    slack.ask("prolific and priority offender")  # answered by its words
    slack.ask("XQZW")
    slack.services.glossary.usage.flush()
    gaps = all_text(slack.ask("glossary gaps", user=people["coordinator"]))
    assert "*xqzw*: 1 time" in gaps
    for answered in ("glosary", "serch", "multi agency", "prolific"):
        assert answered not in gaps


def test_a_long_name_found_by_its_words_says_what_differs(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    reply = slack.ask("Multi-Agency Risk Assessment Conference")
    assert reply["text"].startswith("MARAC: Multi Agency Risk Assessment Committee")
    assert "the glossary calls it “Committee”, not “Conference”" in all_text(reply)
    assert_valid_message(reply)
    # the plan's "Mental Health Team" is not a Community Mental Health Team: the nation's CMHT answers …
    national = slack.ask("Community Mental Health Team")
    assert national["text"].startswith("CMHT: Community Mental Health Team")
    assert "National usage" in all_text(national)
    # … and without the national pack it is offered, never answered as the plan's MHT
    slack.ask("glossary packs off uk-national", user=people["coordinator"])
    near = slack.ask("Community Mental Health Team")
    assert near["text"].startswith("I couldn't find"), "offered, never answered"


def test_add_without_meaning_opens_the_form_and_submission_saves(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    response = slack.command("glossary add NPS", user=people["coordinator"])
    assert response.status == 200 and not response.body
    (call,) = slack.calls("views.open")
    view = call.args["view"]
    assert_valid_view(view)
    submitted = slack.submit_form(
        view,
        {"key": "NPS", "meaning": "National Probation Service", "context": "", "kind": "acronym", "note": ""},
        user=people["coordinator"],
    )
    assert submitted.status == 200 and not submitted.body
    assert slack.ask("acronym NPS")["text"] == "NPS: National Probation Service"
    (confirmation,) = slack.calls("chat.postEphemeral")
    assert confirmation.args["user"] == people["coordinator"]


def test_form_shows_validation_errors_and_saves_nothing(slack: SlackHarness, people: dict[str, str]) -> None:
    slack.command("glossary add", user=people["coordinator"])
    view = slack.calls("views.open")[0].args["view"]
    response = slack.submit_form(view, {"key": "MARAC", "meaning": "Duplicate"}, user=people["coordinator"])
    body = response.json()
    assert body["response_action"] == "errors"
    assert "already in the glossary" in body["errors"]["key"]

    response = slack.submit_form(
        view, {"key": "ZQXV", "meaning": "Call 07700 900123 for help"}, user=people["coordinator"]
    )
    body = response.json()
    assert body["response_action"] == "errors" and "phone" in body["errors"]["meaning"]
    assert "07700" not in json.dumps(body)
    assert slack.ask("acronym ZQXV")["text"].startswith("I ")


def test_personal_data_in_a_suggestion_is_refused_and_not_echoed(slack: SlackHarness) -> None:
    reply = slack.ask("glossary suggest Case = victim Jane Smith, 07700 900123")
    text = all_text(reply)
    assert "Nothing was saved" in text
    assert "Jane" not in text and "07700" not in text
    assert not slack.services.glossary.pending(__import__("bot.permissions").permissions.Actor.operator())


def test_edit_form_for_an_entry_with_several_meanings_asks_which(
    slack: SlackHarness, people: dict[str, str]
) -> None:
    reply = slack.ask("glossary edit CPN", user=people["coordinator"])
    assert "CPN has 2 meanings: `cpn`" in reply["text"]
    response = slack.command("glossary edit cpn-health", user=people["coordinator"])
    assert response.status == 200
    view = slack.calls("views.open")[0].args["view"]
    assert any(
        b.get("element", {}).get("initial_value") == "Community Psychiatric Nurse" for b in view["blocks"]
    )


# ---------------------------------------------------------------------- shortcut and App Home


def test_explain_acronyms_message_shortcut(slack: SlackHarness) -> None:
    response = slack.message_shortcut(
        EXPLAIN_SHORTCUT, "MARAC on Tuesday; PCSO and TVP to attend. <!channel>"
    )
    assert response.status == 200
    (post,) = slack.hook_posts("shortcut")
    assert_valid_message(post)
    assert post["response_type"] == "ephemeral"
    text = all_text(post)
    for expansion in (
        "Multi Agency Risk Assessment Committee",
        "Police Community Support Officer",
        "Thames Valley Police",
    ):
        assert expansion in text
    assert "<!channel>" not in text


def test_app_home_shows_guide_and_most_asked(slack: SlackHarness, people: dict[str, str]) -> None:
    for _ in range(3):
        slack.ask("acronym MARAC")
    slack.ask("define hate crime")
    slack.services.glossary.usage.flush()
    assert (
        slack.event({"type": "app_home_opened", "user": people["coordinator"], "tab": "home"}).status == 200
    )
    (call,) = slack.calls("views.publish")
    view = call.args["view"]
    assert_valid_view(view)
    text = all_text(view)
    assert "/csp acronym MARAC" in text
    assert text.index("MARAC") < text.index("Hate Crime")
    assert "For coordinators" in text


def test_app_home_for_a_non_member_has_no_coordinator_section(slack: SlackHarness) -> None:
    slack.event({"type": "app_home_opened", "user": "U0NEW", "tab": "home"})
    view = slack.calls("views.publish")[0].args["view"]
    assert "For coordinators" not in all_text(view)


def test_messages_tab_event_publishes_nothing(slack: SlackHarness) -> None:
    assert slack.event({"type": "app_home_opened", "user": "U0NEW", "tab": "messages"}).status == 200
    assert not slack.calls("views.publish")


def test_reject_button_keeps_the_suggestion_out(slack: SlackHarness, people: dict[str, str]) -> None:
    slack.ask("glossary suggest ZQXV = Zone Quality Exchange Visit", user=people["member"])
    pending = slack.ask("glossary pending", user=people["coordinator"])
    slack.action(views.REJECT, _button(pending, views.REJECT)["value"], user=people["coordinator"])
    posts = slack.hook_posts("action")
    assert any("Rejected *ZQXV*" in all_text(p) for p in posts)
    assert any(p.get("replace_original") and "No suggestions are waiting" in all_text(p) for p in posts)
    assert slack.ask("acronym ZQXV")["text"].startswith("I ")
    _, changes = slack.services.glossary.history("ZQXV")
    assert [c.action for c in changes] == ["reject", "suggest"]


def test_buttons_on_a_removed_entry_say_so(slack: SlackHarness, people: dict[str, str]) -> None:
    reply = slack.ask("acronym MARAC")
    slack.ask("glossary remove MARAC", user=people["coordinator"])
    slack.action(views.SHARE, _button(reply, views.SHARE)["value"])
    (post,) = slack.hook_posts("action")
    assert "has since been removed" in post["text"]
    assert post.get("response_type") != "in_channel"


def test_user_text_never_reaches_the_logs(slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    slack.ask("define Jane Smith of 12 High Street HP11 2BH")
    slack.ask("glossary suggest Case = victim Jane Smith")
    slack.message_shortcut(EXPLAIN_SHORTCUT, "Jane Smith MARAC")
    slack.services.glossary.usage.flush()
    assert "Jane" not in caplog.text
    assert "HP11" not in caplog.text


@pytest.mark.parametrize(
    "text",
    ["define Jane Smith of 12 High Street HP11 2BH", "search 07700 900123", "acronym victim Jane Smith"],
)
def test_lookups_holding_personal_data_are_refused_not_echoed(slack: SlackHarness, text: str) -> None:
    reply = slack.ask(text)
    raw = all_text(reply)
    assert "Nothing was saved, posted or logged" in raw
    for datum in ("Jane", "HP11 2BH", "07700"):
        assert datum not in raw


def test_slack_escaped_text_is_understood_and_escaped_again(slack: SlackHarness) -> None:
    reply = slack.ask("acronym &lt;!channel&gt; &amp; MARAC")
    assert reply["text"].startswith("MARAC: ")
    reply = slack.ask("search <!channel> A &amp; B")
    assert "<!channel>" not in rendered_text(reply)
