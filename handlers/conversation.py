"""Questions asked where people already are: ``@csp-bot what does MARAC stand for?`` in a channel
(answered in that message's thread: the asker chose to ask in public) and a direct message to the app
(answered in the DM).

Parse the plain words (handlers/questions.py), make the call the slash command would make, render the
same reply without its *Share* button, and post it. Slack's retries of an event are dropped before
this runs (handlers/dedupe.py claims each ``event_id``); the bot's own messages, edits and other
message subtypes are ignored here. The post goes out in the background, so Slack's three seconds are
never spent waiting on the Web API.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.container import Services
from bot.errors import UserFacingError
from bot.privacy import PersonalDataError
from bot.views import glossary as views
from bot.views.common import Reply, error_reply, personal_data_reply
from handlers import glossary
from handlers.context import CommandContext, services_of
from handlers.questions import Ask, Question, parse_question


def answer_question(ctx: CommandContext, question: Question) -> Reply:
    """The reply the slash command would give to the same question (a look-up, a search, an explanation)."""
    if question.ask is Ask.SEARCH:
        return glossary.search(ctx, question.text)
    if question.ask is Ask.EXPLAIN:
        return glossary.explain(ctx, question.text)
    return glossary.render_answer(ctx.services.glossary.answer(question.text, question.prefer))


def _ignored(event: dict[str, Any], context: BoltContext) -> bool:
    """Edits, deletions, joins and bots' posts (ours included) are not questions."""
    return bool(
        event.get("subtype")
        or event.get("bot_id")
        or not event.get("user")
        or event.get("user") == context.bot_user_id
        or not event.get("channel")
    )


def _respond(
    services: Services, client: WebClient, event: dict[str, Any], *, thread_ts: str | None, public: bool
) -> None:
    ctx = CommandContext(services=services, user_id=event["user"], channel_id=event["channel"], client=client)
    question = parse_question(event.get("text") or "")
    # a help line or a refusal is for the asker alone; an answer goes where the question was asked
    for_asker = True
    try:
        if question.ask is Ask.CHAT:
            reply = views.chat_help_reply(in_channel=public)
        else:
            reply, for_asker = views.in_conversation(answer_question(ctx, question)), False
    except PersonalDataError as error:
        reply = personal_data_reply(error)
    except UserFacingError as error:
        reply = error_reply(error)
    if public and for_asker:
        services.background.submit(
            "answering a question privately", _post_privately, client, event, thread_ts, _message(reply)
        )
    else:
        services.background.submit(
            "answering a question", _post, client, event["channel"], thread_ts, _message(reply)
        )


def _message(reply: Reply) -> dict[str, Any]:
    message = reply.message()
    message.pop("response_type", None)  # a response_url's field, not chat.postMessage's
    return message


def _post(client: WebClient, channel: str, thread_ts: str | None, message: dict[str, Any]) -> None:
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False, **message)


def _post_privately(
    client: WebClient, event: dict[str, Any], thread_ts: str | None, message: dict[str, Any]
) -> None:
    client.chat_postEphemeral(channel=event["channel"], user=event["user"], thread_ts=thread_ts, **message)


def app_mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: ``app_mention``, a channel message that names @csp-bot; answered in its thread."""
    services = services_of(context)
    if _ignored(event, context) or str(event["channel"]).startswith("D"):
        return  # a mention inside a DM arrives as message.im too, and is answered there
    thread_ts = event.get("thread_ts") or event.get("ts")
    _respond(services, client, event, thread_ts=thread_ts, public=True)


def direct_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: every ``message`` event; only a person's new message in a DM with the app
    (``message.im``) is answered, in the DM (in its thread when it was written in one)."""
    services = services_of(context)
    if _ignored(event, context) or event.get("channel_type") != "im":
        return
    _respond(services, client, event, thread_ts=event.get("thread_ts"), public=False)
