"""Every entry point Slack reaches, wired in one place.

The listeners are plain functions in their own modules, importable and callable in a test without
Bolt; what they need beyond Slack's arguments comes from the context (``services_of``), which the
partnership middleware fills first. ``guarded`` is applied here, so each one gets the same friendly
replies and private logs. Bolt tries listeners in the order they are registered.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.partnerships import Partnerships
from bot.views import alerts as alert_views
from bot.views import audit as audit_views
from bot.views import glossary as glossary_views
from bot.views import home as home_views
from bot.views import plan as plan_views
from bot.views import planning as planning_views
from bot.views import risks as risk_views
from handlers import audit, conversation, dedupe, glossary, home, partnership, plan, planning, risks
from handlers.command import COMMAND, csp_command
from handlers.safety import guarded


def register(app: App, partnerships: Partnerships) -> None:
    # middleware, in order: everything after the first works on one partnership
    app.middleware(partnership.partnership_middleware(partnerships))
    app.middleware(dedupe.once)

    app.command(COMMAND)(guarded(csp_command))
    # glossary: buttons under answers and suggestions, the entry form, the message shortcut
    app.action(glossary_views.SHARE)(guarded(glossary.share))
    app.action(re.compile(rf"^{glossary_views.SHOW}_\d+$"))(guarded(glossary.show))
    app.action(glossary_views.SEARCH)(guarded(glossary.search_button))
    app.action(glossary_views.SUGGEST_OPEN)(guarded(glossary.suggest_open))
    app.action(glossary_views.APPROVE)(guarded(glossary.decide))
    app.action(glossary_views.REJECT)(guarded(glossary.decide))
    app.action(glossary_views.UNDO_REMOVE)(guarded(glossary.undo_remove))
    app.action(re.compile(rf"^{glossary_views.PACK_ADOPT}_\d+$"))(guarded(glossary.pack_adopt))
    app.action(re.compile(rf"^{glossary_views.PACK_HIDE}_\d+$"))(guarded(glossary.pack_hide))
    app.action(re.compile(rf"^{glossary_views.SUGGEST_UNKNOWN}_\d+$"))(guarded(glossary.suggest_open))
    app.view(glossary_views.ENTRY_FORM)(guarded(glossary.submit_form))
    app.message_shortcut(glossary.EXPLAIN_SHORTCUT)(guarded(glossary.explain_message))
    # plan: achievements and action status
    app.action(plan_views.ACHIEVEMENT_EDIT)(guarded(plan.edit_achievement))
    app.action(plan_views.ACHIEVEMENT_UNDO)(guarded(plan.undo_achievement))
    app.action(plan_views.ACHIEVEMENT_LOG_MASKED)(guarded(plan.log_masked_achievement))
    app.view(plan_views.ACHIEVEMENT_FORM)(guarded(plan.submit_achievement))
    app.action(re.compile(rf"^{plan_views.ACHIEVEMENT_FOR}_\w+$"))(guarded(plan.log_for))
    app.action(re.compile(rf"^{plan_views.ACTION_STATUS_OPEN}_\w+$"))(guarded(plan.open_status_form))
    app.view(plan_views.ACTION_STATUS_FORM)(guarded(plan.submit_status))
    # the plan itself: rolling over to the next year, new actions
    app.action(planning_views.ROLLOVER_CONFIRM)(guarded(planning.confirm_rollover))
    app.view(planning_views.ACTION_FORM)(guarded(planning.submit_action))
    # risks and alerts
    app.action(alert_views.ACKNOWLEDGE)(guarded(risks.acknowledge))
    app.action(alert_views.VIEW)(guarded(risks.view))
    app.action(risk_views.HEATMAP)(guarded(risks.heat_map))
    app.view(risk_views.RISK_FORM)(guarded(risks.submit_risk))
    # the audit trail's next page
    app.action(audit_views.OLDER)(guarded(audit.older))
    # App Home
    app.event("app_home_opened")(guarded(home.app_home_opened))
    app.action(home_views.SEARCH)(guarded(home.home_search))
    app.action(re.compile(rf"^{home_views.PICK}_\d+$"))(guarded(home.home_pick))
    # questions in plain words: @csp-bot in a channel, and direct messages to the app
    app.event("app_mention")(guarded(conversation.app_mention))
    app.event("message")(
        guarded(conversation.direct_message)
    )  # every subtype, so none gets a 404 and a retry

    if partnerships.multi_workspace:
        # uninstalls and revoked tokens delete the installation rows; the partnership's data stays
        app.enable_token_revocation_listeners()
