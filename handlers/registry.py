"""Every entry point Slack reaches, wired in one place.

The listeners are plain functions in their own modules, importable and callable in a test without
Bolt; what they need beyond Slack's arguments comes from the context (``services_of``), which the
partnership middleware fills first. ``guarded`` is applied here, so each one gets the same friendly
replies and private logs. Bolt tries listeners in the order they are registered.

The /csp command and the glossary's buttons, form and shortcut are wired at start-up; the rest (plan,
risks, App Home, conversation, audit) by ``WireTheRest`` on the first request that is not a slash
command, once, before Bolt looks for its listener. A process that only answers /csp (``csp-bot ask``)
never wires them, and the order Bolt tries listeners in is the same either way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.partnerships import Partnerships
from bot.views import glossary as glossary_views
from handlers import glossary
from handlers.command import COMMAND, csp_command
from handlers.dedupe import Once, claimed_with_its_write
from handlers.partnership import PartnershipMiddleware
from handlers.safety import guarded


def register(app: App, partnerships: Partnerships) -> None:
    # middleware, in order: everything after the first works on one partnership
    app.middleware(PartnershipMiddleware(partnerships))
    app.middleware(Once())
    wire_glossary(app)
    app.middleware(WireTheRest(app, partnerships))


class WireTheRest(Middleware):
    """Wires every listener beyond the glossary's on the first request that may need one: any request
    but a slash command (the /csp listener, wired first, answers every one). Thread-safe: concurrent
    first requests wait for one wiring, and each then finds every listener in place."""

    def __init__(self, app: App, partnerships: Partnerships) -> None:
        self._app = app
        self._partnerships = partnerships
        self._lock = threading.Lock()
        self.wired = False

    @property
    def name(self) -> str:
        return "wire_the_rest"

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if not self.wired and not req.body.get("command"):
            self.wire()
        return next()

    def wire(self) -> None:
        with self._lock:
            if not self.wired:
                wire_the_rest(self._app, self._partnerships)
                self.wired = True


def wire_glossary(app: App) -> None:
    app.command(COMMAND)(claimed_with_its_write(guarded(csp_command)))
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


def wire_the_rest(app: App, partnerships: Partnerships) -> None:
    # imported here: a process that only answers /csp never loads them
    from bot.views import alerts as alert_views
    from bot.views import audit as audit_views
    from bot.views import home as home_views
    from bot.views import plan as plan_views
    from bot.views import planning as planning_views
    from bot.views import risks as risk_views
    from handlers import audit, conversation, home, plan, planning, risks

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
