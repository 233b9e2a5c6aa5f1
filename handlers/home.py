"""The App Home tab: a guide and a glossary search box, the viewer's organisation's actions, the plan at
a glance, the risk register's state and alerts, the glossary.

Published when the tab is opened and again, in the background, after each change the viewer makes;
the search box's answer re-publishes it at once, with the answer under the box.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.container import Services
from bot.errors import UserFacingError
from bot.privacy import PersonalDataError
from bot.runtime.home_refresh import Publish
from bot.views.common import Reply, error_reply, notice, personal_data_reply
from bot.views.home import home_view
from handlers import glossary
from handlers.context import CommandContext, services_of
from handlers.conversation import answer_question
from handlers.questions import Ask, parse_question


def publish_home(client: WebClient, services: Services, user_id: str, answer: Reply | None = None) -> None:
    actor = services.members.actor(user_id)
    client.views_publish(user_id=user_id, view=home_view(services.home.data(actor), answer))


def publisher(services: Services) -> Publish:
    """``publish_home`` for one partnership's services, as the refresher calls it."""
    return lambda client, user_id: publish_home(client, services, user_id)


def refresh_home_later(ctx: CommandContext) -> None:
    """After a change: the person's dashboard catches up without delaying their reply (coalesced:
    several changes in a row are one refresh, see ``bot.runtime.home_refresh``)."""
    if ctx.client is not None:
        ctx.services.home_refresh.request(ctx.client, ctx.user_id, publisher(ctx.services))


def app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: the ``app_home_opened`` event, for the Home tab or the Messages tab."""
    services = services_of(context)
    if event.get("tab") != "home":
        return
    publish_home(client, services, event["user"])
    services.home_refresh.superseded(event["user"])


def home_search(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: Enter in the Home's search box (block_actions from a plain_text_input with
    dispatch_action); its value, what was typed. Answered in place: the Home is published again."""
    services = services_of(context)
    ack()
    user_id = body["user"]["id"]
    typed = body["actions"][0].get("value") or ""
    ctx = CommandContext(services=services, user_id=user_id, client=client)
    question = parse_question(typed)
    try:
        if question.ask is Ask.CHAT:
            answer = (
                notice("Type an acronym, a term or a question, e.g. `MARAC` or `what is a CPN?`.")
                if typed.strip()
                else None
            )
        else:
            answer = answer_question(ctx, question)
    except PersonalDataError as error:
        answer = personal_data_reply(error)
    except UserFacingError as error:
        answer = error_reply(error)
    publish_home(client, services, user_id, answer)
    services.home_refresh.superseded(user_id)


def home_pick(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Slack sends: a click on one of the "did you mean" keys under the Home's search answer
    (block_actions); its value, the entry's id and the query."""
    services = services_of(context)
    ack()
    answer = glossary.render_answer(glossary.picked_answer(services, body))
    publish_home(client, services, body["user"]["id"], answer)
    services.home_refresh.superseded(body["user"]["id"])
