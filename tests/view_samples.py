"""Every view, built from representative domain objects, for tests that check all of them at once.

Every field a person can type holds ``HOSTILE``: mrkdwn, mentions, a block quote and bidi overrides.
Escaped properly, none of it can show up as markup in what the views build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.views import View

from bot.errors import InvalidInput
from bot.permissions import Actor, Role
from bot.privacy import PersonalDataError, PersonalDataFinding, PersonalDataKind
from bot.quarters import Quarter
from bot.services.achievements import Achievement
from bot.services.actions import Action, Status
from bot.services.alerts import Alert, Raised
from bot.services.audit_log import AuditEntry, AuditPage, AuditQuery
from bot.services.glossary import SUGGESTED_BY, Change, Gap, GlossaryAnswer, HomeSummary, PackStatus
from bot.services.history import FieldChange
from bot.services.home import HomeData, PriorityProgress, RiskPanel, SetupStep, StaleForViewer
from bot.services.members import MemberInfo
from bot.services.nudges import Nudge, NudgeRun, ReportingDate, StaleActions, StaleGroup
from bot.services.plan import Organisation, Plan, Priority
from bot.services.planning import Progress, RolloverResult
from bot.services.risk_rating import RatingRule
from bot.services.risks import Risk, RiskOverview, RiskTrend, Trend
from bot.views import alerts, audit, common, glossary, help, home, members, nudges, plan, planning, risks
from bot.views.common import Reply
from glossary.index import ExplainedToken
from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.packs import PackEntry, Topic

#: what a careless or mischievous person might type: bold, italic, strike, code, a fence, a quote,
#: a mention, @channel, a link and right-to-left overrides
HOSTILE = (
    "> *bold* _italic_ ~strike~ `code` ```fence``` <!channel> <@U0BOSS> <https://x.test|click> "
    "\u202edeR\u202c \u2066x\u2069 \u200fok. **plan bold**"
)
#: the same, short enough for a glossary key
HOSTILE_WORD = "*K*_1_~2~`3`<!channel>\u202eR"
SUMMER = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
NAIVE_WINTER = datetime(2026, 1, 15, 9, 30)  # noqa: DTZ001 -- as SQLite returns it: UTC without a zone

TVP = Organisation("TVP", "Thames Valley Police")
PRIORITY = Priority(1, "Tackling anti-social behaviour and crime", "Reduce crime.", "Our Achievements")
COORDINATOR = Actor("U0COORD", Role.COORDINATOR, "WDC")
OUTSIDER = Actor("U0OUTSIDE")


def _entry(n: int, **changes: Any) -> GlossaryEntry:
    fields: dict[str, Any] = {
        "id": f"entry-{n}",
        "kind": EntryKind.ACRONYM,
        "key": f"{HOSTILE_WORD}{n}",
        "text": HOSTILE,
        "source": HOSTILE,
        "context": f"{HOSTILE} partners",
        "note": HOSTILE,
    }
    return GlossaryEntry(**{**fields, **changes})


ENTRY = _entry(1)
SUGGESTED = _entry(2, source=SUGGESTED_BY + "U0TVP1", context=HOSTILE)
RELATED = _entry(3)
#: a national pack entry; the pack's data is ours, but its views escape it like anything typed
NATIONAL = PackEntry(
    id="national-1",
    kind=EntryKind.ACRONYM,
    key=f"{HOSTILE_WORD}N",
    text=HOSTILE,
    source="https://www.gov.uk/<!channel>*x*_y_|z>",
    aliases=(HOSTILE,),
    pack="uk-national",
    topic=Topic.SAFEGUARDING,
    definition=HOSTILE,
    historic=HOSTILE,
)


def _risk(**changes: Any) -> Risk:
    fields: dict[str, Any] = {
        "ref": "R3",
        "description": HOSTILE,
        "likelihood": "High",
        "impact": "High",
        "rating": "High",
        "score": 9,
        "preventative": HOSTILE,
        "contingent": HOSTILE,
        "owner": "TVP",
        "owner_org": "TVP",
        "closed": False,
        "next_review": date(2026, 9, 1),
        "last_reviewed_on": date(2026, 6, 1),
        "triggered_at": SUMMER,
        "updated_by": "U0COORD",
        "updated_at": SUMMER,
        "review_overdue": True,
    }
    return Risk(**{**fields, **changes})


RISK = _risk()
RISKS = [RISK, _risk(ref="R4", rating="Low", likelihood="Low", impact="Low", score=1, review_overdue=False)]

ACTION = Action(
    ref="P1.6",
    priority=1,
    text="Reduce burglary (**Pursue**).",
    leads=("TVP",),
    status=Status.RED,
    reason=HOSTILE,
    due_date=date(2026, 3, 31),
    updated_by="U0TVP",
    updated_at=NAIVE_WINTER,
    overdue=True,
)
QUIET_ACTION = Action(
    "P2.1", 2, "Hold a forum.", (), Status.NOT_STARTED, None, date(2027, 3, 31), None, None, False
)

_PLAN = Plan(2, HOSTILE, date(2026, 4, 1), date(2029, 3, 31), None, True)

ACHIEVEMENT = Achievement(7, 1, "TVP", HOSTILE, date(2026, 6, 30), "2026/27", "U0TVP", SUMMER)
PLAN_ACHIEVEMENT = Achievement(
    1, 1, None, "Four P's (**Pursue**); (**Prevent**).", date(2018, 1, 1), "2017/18", "plan", SUMMER
)

HISTORY = [
    FieldChange("status", "amber", "red", HOSTILE, "U0TVP", SUMMER),
    FieldChange("lead", None, "TVP", None, "cli", NAIVE_WINTER),
    FieldChange("due_date", "2026-03-31", "2026-06-30", None, "plan", SUMMER),
]
RISK_HISTORY = [
    FieldChange("likelihood", "Medium", "High", HOSTILE, "U0COORD", SUMMER),
    FieldChange("owner", HOSTILE, "TVP", None, "U0COORD", NAIVE_WINTER),
    FieldChange("trigger", None, "contingency invoked", HOSTILE, "U0COORD", SUMMER),
    FieldChange("review", "2026-06-01", "2026-09-01", HOSTILE, "U0COORD", SUMMER),
    FieldChange("added", None, "High/High", None, "U0COORD", SUMMER),
    FieldChange("seed", None, None, None, "plan", SUMMER),
]
MEMBER = MemberInfo("U0TVP", Role.MEMBER, "TVP", "U0COORD", SUMMER)


def _risk_payload(**extra: Any) -> dict[str, Any]:
    return {
        "ref": "R3",
        "description": HOSTILE,
        "likelihood": "High",
        "impact": "High",
        "owner": "TVP",
        "owner_org": "TVP",
        "preventative": HOSTILE,
        "contingent": HOSTILE,
        "next_review": "2026-09-01",
        **extra,
    }


def _action_payload(**extra: Any) -> dict[str, Any]:
    return {
        "ref": "P1.6",
        "text": ACTION.text,
        "lead": "TVP",
        "status": "red",
        "reason": HOSTILE,
        "due_date": "2026-03-31",
        **extra,
    }


def alert(kind: str, payload: dict[str, Any], *, subject: str = "risk", acknowledged: bool = False) -> Alert:
    return Alert(
        id=1, key=f"{kind}:1", kind=kind, subject_type=subject, subject_id=payload.get("ref", "R3"),
        severity="High", payload=payload, status="posted", created_at=NAIVE_WINTER, attempts=1,
        last_error=None, channel="C0ALERTS", message_ts="1.2", posted_at=SUMMER,
        acknowledged_by="U0TVP" if acknowledged else None, acknowledged_at=SUMMER if acknowledged else None,
    )  # fmt: skip


RATING_UP = alert(
    "rating_up",
    _risk_payload(
        rating_from="Low", rating_to="High", change="likelihood Low → High", actor="U0COORD", reason=HOSTILE
    ),
)
DIGEST = alert(
    "digest",
    {
        "start": "2026-06-22",
        "end": "2026-06-29",
        "register_changes": [
            {"ref": "R3", "field": "likelihood", "before": "Low", "after": "High", "reason": HOSTILE},
            {"ref": "R4", "field": "owner", "before": HOSTILE, "after": None, "reason": None},
        ],
        "overdue_reviews": [{"ref": "R3", "next_review": "2026-06-01"}],
        "actions": [{"ref": "P1.6", "status": "red", "overdue": True, "lead": "TVP"}],
        "achievements": [{"priority": 1, "organisation": "TVP", "text": HOSTILE}],
    },
    subject="digest",
)


def _alerts() -> Iterator[Alert]:
    yield RATING_UP
    yield alert(
        "rating_up", _risk_payload(rating_from="Low", rating_to="High", actor="U0COORD"), acknowledged=True
    )
    yield alert("new_risk", _risk_payload(rating_from=None, rating_to="High", actor="U0COORD"))
    yield alert("contingency_triggered", _risk_payload(actor="U0COORD", reason=HOSTILE))
    yield alert(
        "review_overdue", _risk_payload(why="Its review was due on 1 June 2026 and has not been done.")
    )
    yield alert("reminder", _risk_payload(original_kind="rating_up", rating_from="Low", rating_to="High"))
    yield alert("action_red", _action_payload(status_from="amber", actor="U0TVP"), subject="action")
    yield alert(
        "action_overdue", _action_payload(lead=None, why="It was due on 31 March 2026."), subject="action"
    )
    yield DIGEST
    yield alert("digest", {"start": "2026-06-22", "end": "2026-06-29"}, subject="digest")


def _answers() -> Iterator[GlossaryAnswer]:
    def answer(status: LookupStatus, **fields: Any) -> GlossaryAnswer:
        return GlossaryAnswer(LookupResult(query=HOSTILE, status=status, **fields))

    yield GlossaryAnswer(
        LookupResult(
            query=HOSTILE, status=LookupStatus.FOUND, matches=(ENTRY, SUGGESTED), corrected_from=HOSTILE
        ),
        see_also=((ENTRY.id, (RELATED,)),),
    )
    yield answer(LookupStatus.FOUND, matches=(SUGGESTED,))
    # a long name found by its words: the word quoted back is the user's own
    yield answer(
        LookupStatus.FOUND, matches=(ENTRY,), differs=(f"the glossary calls it “x”, not “{HOSTILE}”",)
    )
    yield answer(LookupStatus.AMBIGUOUS, matches=(ENTRY, RELATED))
    yield answer(LookupStatus.SUGGESTIONS, suggestions=(ENTRY, RELATED))
    yield answer(LookupStatus.NOT_FOUND)
    yield answer(LookupStatus.FOUND, matches=(NATIONAL,))
    yield GlossaryAnswer(
        LookupResult(query=HOSTILE, status=LookupStatus.FOUND, matches=(NATIONAL,)),
        see_also=((NATIONAL.ref, (_entry(4, key=NATIONAL.key), RELATED)),),
    )
    yield answer(LookupStatus.FOUND, matches=(NATIONAL, NATIONAL.model_copy(update={"id": "national-2"})))
    yield answer(LookupStatus.SUGGESTIONS, suggestions=(ENTRY, NATIONAL))


def _risk_panel(org: str | None, count: int = 2) -> RiskPanel:
    trends = [
        RiskTrend(_risk(ref=f"R{n}", owner_org=org if n % 2 else HOSTILE, description=HOSTILE), trend, "Low")
        for n, trend in zip(range(1, count + 1), [*Trend] * count, strict=False)
    ]
    overview = RiskOverview(
        today=date(2026, 11, 24),
        since=date(2026, 8, 24),
        review_until=date(2026, 12, 24),
        org=org,
        risks=trends,
        reviews_due=[_risk(ref="R9", next_review=date(2026, 11, 24)), RISK, *(t.risk for t in trends)],
    )
    return RiskPanel(overview, list(_alerts())[:count], count * 3)


def _home(actor: Actor, **changes: Any) -> HomeData:
    progress = [PriorityProgress(PRIORITY, {Status.GREEN: 2, Status.RED: 1, Status.NOT_STARTED: 1}, 1)]
    summary = HomeSummary(entries=1, most_asked=[(ENTRY, 3)], pending=1, gaps=1)
    fields: dict[str, Any] = {
        "actor": actor,
        "glossary": summary,
        "org_actions": [ACTION],
        "progress": progress,
        "recent": [ACHIEVEMENT, PLAN_ACHIEVEMENT],
        "alert_problem": HOSTILE,
        "risks": _risk_panel(actor.org),
    }
    return HomeData(**{**fields, **changes})


QUARTER = Quarter("2026/27", 3)
BOARD = ReportingDate(date(2026, 12, 10), board=True)
QUARTER_END = ReportingDate(date(2026, 12, 31), board=False)
HOSTILE_ORG = "*T*<!channel>"


def _nudge(round_number: int, count: int, done: tuple[str, ...] = ()) -> Alert:
    actions = [
        {"ref": f"P1.{n}", "text": "Reduce burglary (**Pursue**).", "status": "amber", "due_date": "2026-03-31",
         "overdue": n % 2 == 0, **({"done": True} if f"P1.{n}" in done else {})}
        for n in range(1, count + 1)
    ]  # fmt: skip
    payload = {
        "member": "U0TVP", "organisation": HOSTILE_ORG, "round": round_number, "quarter": QUARTER.label,
        "quarter_title": QUARTER.title, "quarter_start": "2026-10-01", "reporting_date": "2026-12-10",
        "board": round_number == 1, "actions": actions,
    }  # fmt: skip
    return Alert(
        id=9, key="nudge:default:2026/27-Q3:2026-12-10:U0TVP:r1", kind="nudge", subject_type="member",
        subject_id="U0TVP", severity="Low", payload=payload, status="pending", created_at=SUMMER, attempts=0,
        last_error=None, channel=None, message_ts=None, posted_at=None, acknowledged_by=None, acknowledged_at=None,
    )  # fmt: skip


def _run(queued: int, already: int, *, applied: bool = True) -> NudgeRun:
    nudged = [Nudge(f"U0M{n}", HOSTILE_ORG, ("P1.6",), False) for n in range(queued)]
    nudged += [Nudge(f"U0A{n}", "TVP", ("P1.6",), True) for n in range(already)]
    return NudgeRun(QUARTER, BOARD, 2 if already else 1, tuple(nudged), applied)


Built = Reply | View | str
Samples = dict[str, list[Callable[[], Built]]]


RAISED = Raised(alerts=(next(_alerts()),), channel="C0ALERTS")
RAISED_WITHOUT_CHANNEL = Raised(alerts=(next(_alerts()),), channel=None)


def samples() -> Samples:
    """Each public view function by its qualified name, with calls that build it in its different shapes."""
    rule = RatingRule.parse()
    # error messages are the app's own mrkdwn; the services put at most one typed word in them
    hostile_error = InvalidInput("`<!channel>\u202e` is not something I know.", "Try *`/csp help`*.")
    personal = PersonalDataError([PersonalDataFinding(PersonalDataKind.PHONE, "a phone number")])
    masked = PersonalDataError(
        [PersonalDataFinding(PersonalDataKind.FAMILY, "a family's name")],
        f"Visited [a family] at [an address], {HOSTILE}",
    )
    masked_value = plan.masked_achievement_value(
        "Visited [a family]", priority=1, organisation="TVP", achieved_on=None
    )
    return {
        "alerts.alert_reply": [lambda a=a: alerts.alert_reply(a) for a in _alerts()],
        "alerts.digest_reply": [lambda: alerts.digest_reply(DIGEST)],
        "alerts.headline": [lambda a=a: alerts.headline(a) for a in _alerts()],
        "alerts.delivery_problem_reply": [
            lambda: alerts.delivery_problem_reply(HOSTILE, "C0ALERTS"),
            lambda: alerts.delivery_problem_reply(HOSTILE, None),
        ],
        "risks.register_reply": [
            lambda: risks.register_reply(RISKS, rule.describe(), rule.rate),
            lambda: risks.register_reply([], rule.describe(), rule.rate),
        ],
        "risks.risk_reply": [
            lambda: risks.risk_reply(RISK, RISK_HISTORY),
            lambda: risks.risk_reply(_risk(closed=True, owner=HOSTILE, owner_org="TVP"), []),
        ],
        "risks.risk_changed_reply": [
            lambda: risks.risk_changed_reply(RISK, f"owner now {HOSTILE}", RAISED),
            lambda: risks.risk_changed_reply(RISK, "closed", Raised()),
            lambda: risks.risk_changed_reply(RISK, "likelihood now High", RAISED_WITHOUT_CHANNEL),
        ],
        "risks.risk_unchanged_reply": [
            lambda: risks.risk_unchanged_reply(_risk(owner=HOSTILE), "owner"),
            lambda: risks.risk_unchanged_reply(RISK, "likelihood"),
        ],
        "common.alert_note": [
            lambda: common.alert_note(RAISED),
            lambda: common.alert_note(RAISED_WITHOUT_CHANNEL),
            lambda: common.alert_note(Raised()),
        ],
        "risks.alerts_status_reply": [
            lambda: risks.alerts_status_reply("C0ALERTS", 2, HOSTILE),
            lambda: risks.alerts_status_reply(None, 0, None),
        ],
        "risks.risk_form": [
            lambda: risks.risk_form(organisations=[TVP], channel_id="C0X", default_org="TVP")
        ],
        "plan.achievement_line": [
            lambda: plan.achievement_line(ACHIEVEMENT),
            lambda: plan.achievement_line(PLAN_ACHIEVEMENT, with_logger=False),
        ],
        "plan.achievement_logged_reply": [
            lambda: plan.achievement_logged_reply(ACHIEVEMENT, PRIORITY),
            lambda: plan.achievement_logged_reply(PLAN_ACHIEVEMENT, PRIORITY, "Updated"),
        ],
        "plan.which_organisation_reply": [
            lambda: plan.which_organisation_reply(
                text=HOSTILE, priority=1, achieved_on=date(2026, 6, 30), named=HOSTILE_WORD, own="TVP"
            ),
            lambda: plan.which_organisation_reply(
                text=HOSTILE, priority=2, achieved_on=None, named="WDC", own=None
            ),
        ],
        "plan.achievement_undone_reply": [lambda: plan.achievement_undone_reply(ACHIEVEMENT)],
        "plan.achievements_reply": [
            lambda: plan.achievements_reply([ACHIEVEMENT, PLAN_ACHIEVEMENT], f" ({HOSTILE})", 3),
            lambda: plan.achievements_reply([], " (P1)", 0),
        ],
        "plan.achievement_form": [
            lambda: plan.achievement_form(
                priorities=[PRIORITY],
                organisations=[TVP],
                today=date(2026, 7, 1),
                channel_id=None,
                achievement=ACHIEVEMENT,
            ),
            lambda: plan.achievement_form(
                priorities=[PRIORITY],
                organisations=[TVP],
                today=date(2026, 7, 1),
                channel_id="C0X",
                text=HOSTILE,
            ),
        ],
        "planning.plan_reply": [
            lambda: planning.plan_reply(
                Progress(_PLAN, "2026/27", {"amber": 2, "complete": 1}, 1, 3, 1, [_PLAN]), [PRIORITY]
            ),
            lambda: planning.plan_reply(Progress(_PLAN, "2026/27", {}, 0, 0, 0, []), []),
        ],
        "planning.rollover_preview_reply": [
            lambda: planning.rollover_preview_reply(
                RolloverResult("2027/28", "2026/27", [HOSTILE_WORD], ["P1.1"], False)
            )
        ],
        "planning.rollover_done_reply": [
            lambda: planning.rollover_done_reply(RolloverResult("2027/28", "2026/27", ["P1.2"], [], True))
        ],
        "planning.orgs_reply": [
            lambda: planning.orgs_reply(
                [Organisation(HOSTILE_WORD, HOSTILE), Organisation("WDC", HOSTILE, True, HOSTILE_WORD)]
            )
        ],
        "planning.action_form": [
            lambda: planning.action_form(
                priorities=[PRIORITY],
                organisations=[Organisation("TVP", HOSTILE)],
                year="2026/27",
                channel_id="C0CSP",
                priority=1,
                text=HOSTILE,
                due=date(2027, 3, 31),
            ),
            lambda: planning.action_form(
                priorities=[PRIORITY], organisations=[], year="2026/27", channel_id=None
            ),
        ],
        "plan.action_line": [lambda: plan.action_line(ACTION), lambda: plan.action_line(QUIET_ACTION)],
        "plan.actions_reply": [
            lambda: plan.actions_reply([ACTION, QUIET_ACTION], f" led by {HOSTILE}"),
            lambda: plan.actions_reply([], " overdue"),
        ],
        "plan.action_reply": [
            lambda: plan.action_reply(ACTION, HISTORY, can_update=True),
            lambda: plan.action_reply(QUIET_ACTION, [], can_update=False),
        ],
        "plan.status_updated_reply": [
            lambda: plan.status_updated_reply(ACTION, RAISED),
            lambda: plan.status_updated_reply(QUIET_ACTION, Raised()),
        ],
        "plan.action_unchanged_reply": [
            lambda: plan.action_unchanged_reply(ACTION, "status"),
            lambda: plan.action_unchanged_reply(ACTION, "lead"),
            lambda: plan.action_unchanged_reply(ACTION, "due_date"),
        ],
        "plan.action_updated_reply": [lambda: plan.action_updated_reply(ACTION, f"lead is now {HOSTILE}.")],
        "plan.action_status_form": [
            lambda: plan.action_status_form(ACTION, status=Status.AMBER, channel_id=None)
        ],
        "plan.report_coming_reply": [lambda: plan.report_coming_reply("Our Achievements during 2017/18")],
        "members.whoami_reply": [
            lambda: members.whoami_reply(Actor("U0TVP", Role.MEMBER, "TVP"), "Thames Valley Police"),
            lambda: members.whoami_reply(Actor("U0X", Role.MEMBER, "PCC"), "PCC"),
            lambda: members.whoami_reply(Actor("U0X", Role.COORDINATOR), None),
            lambda: members.whoami_reply(OUTSIDER, None),
        ],
        "members.members_reply": [
            lambda: members.members_reply([MEMBER, MemberInfo("U0X", Role.COORDINATOR, None, "cli", SUMMER)]),
            lambda: members.members_reply([]),
        ],
        "members.member_saved_reply": [lambda: members.member_saved_reply(MEMBER)],
        "members.notice_removed": [lambda: members.notice_removed("U0TVP")],
        "glossary.answer_reply": [lambda a=a: glossary.answer_reply(a) for a in _answers()]
        + [lambda: glossary.answer_reply(next(_answers()), shared_by="U0TVP")],
        "glossary.not_found_reply": [lambda: glossary.not_found_reply(HOSTILE)],
        "glossary.in_conversation": [
            lambda a=a: glossary.in_conversation(glossary.answer_reply(a)) for a in _answers()
        ]
        + [lambda: glossary.in_conversation(glossary.search_reply(HOSTILE, [ENTRY, RELATED]))],
        "glossary.chat_help_reply": [
            lambda: glossary.chat_help_reply(in_channel=True),
            lambda: glossary.chat_help_reply(in_channel=False),
        ],
        "glossary.search_reply": [
            lambda: glossary.search_reply(HOSTILE, [ENTRY]),
            lambda: glossary.search_reply(HOSTILE, [ENTRY, RELATED]),
            lambda: glossary.search_reply(HOSTILE, []),
        ],
        "glossary.explain_reply": [
            lambda: glossary.explain_reply([ExplainedToken(HOSTILE, (ENTRY, RELATED))]),
            lambda: glossary.explain_reply([]),
            lambda: glossary.explain_reply([ExplainedToken(HOSTILE, (NATIONAL,))], HOSTILE, (HOSTILE_WORD,)),
            lambda: glossary.explain_reply([], "", (HOSTILE_WORD, "IDVA", "ISVA")),
        ],
        "glossary.packs_reply": [
            lambda: glossary.packs_reply([PackStatus("uk-national", HOSTILE, 400, True, 2)]),
            lambda: glossary.packs_reply(
                [PackStatus("uk-national", HOSTILE, 1, False, 0)],
                switched=(PackStatus("uk-national", HOSTILE, 1, False, 0), True),
            ),
            lambda: glossary.packs_reply([]),
        ],
        "glossary.hidden_reply": [lambda: glossary.hidden_reply(NATIONAL)],
        "glossary.entry_saved_reply": [lambda: glossary.entry_saved_reply(ENTRY, "Added")],
        "glossary.removed_reply": [lambda: glossary.removed_reply(ENTRY)],
        "glossary.suggested_reply": [lambda: glossary.suggested_reply(SUGGESTED)],
        "glossary.pending_reply": [
            lambda: glossary.pending_reply([(SUGGESTED, "U0TVP1")]),
            lambda: glossary.pending_reply([(SUGGESTED, "U0TVP1"), (ENTRY, "cli")]),
            lambda: glossary.pending_reply([]),
        ],
        "glossary.gaps_reply": [
            lambda: glossary.gaps_reply([Gap(HOSTILE, 1, SUMMER), Gap("xqzw", 2, NAIVE_WINTER)]),
            lambda: glossary.gaps_reply([]),
        ],
        "glossary.history_reply": [
            lambda: glossary.history_reply(
                HOSTILE,
                [
                    Change("edit", "U0COORD", SUMMER, {"text": HOSTILE}, {"text": "new " + HOSTILE}),
                    Change("suggest", "U0TVP1", NAIVE_WINTER, None, {"text": HOSTILE}),
                    Change("remove", "cli", SUMMER, {"text": HOSTILE}, {"text": HOSTILE}),
                ],
            ),
            lambda: glossary.history_reply(HOSTILE, []),
        ],
        "glossary.entry_form": [
            lambda mode=mode: glossary.entry_form(mode, channel_id=None, entry=ENTRY)
            for mode in ("add", "edit", "suggest")
        ],
        "home.home_view": [
            lambda: home.home_view(_home(COORDINATOR)),
            *(
                lambda a=a: home.home_view(
                    _home(COORDINATOR, risks=_risk_panel("WDC", 60)), glossary.answer_reply(a)
                )
                for a in _answers()
            ),
            lambda: home.home_view(
                _home(OUTSIDER, risks=_risk_panel(None, 1)), glossary.search_reply(HOSTILE, [ENTRY])
            ),
            lambda: home.home_view(_home(OUTSIDER, risks=_risk_panel(None, 0))),
            lambda: home.home_view(
                _home(
                    Actor("U0TVP", Role.MEMBER, HOSTILE_ORG),
                    stale=StaleForViewer(HOSTILE_ORG, QUARTER.title, BOARD, [ACTION, QUIET_ACTION] * 6),
                )
            ),
            lambda: home.home_view(
                _home(Actor("U0TVP", Role.MEMBER, "TVP"), org_actions=[], alert_problem=None)
            ),
            lambda: home.home_view(
                _home(OUTSIDER, glossary=HomeSummary(entries=2, most_asked=[]), recent=[], alert_problem=None)
            ),
            lambda: home.home_view(
                _home(
                    COORDINATOR,
                    org_actions=[],
                    progress=[],
                    recent=[],
                    setup=(
                        SetupStep(True, HOSTILE, "`/csp orgs`"),
                        SetupStep(False, "Import", "`csp-bot plan import`"),
                    ),
                )
            ),
        ],
        "help.help_reply": [
            lambda: help.help_reply(
                [help.HelpLine("/csp risks", "The risk register"), help.HelpLine("/csp risk R2", "One risk")],
                topic="risk",
                did_you_mean=HOSTILE,
                note=rule.describe(),
            ),
            lambda: help.help_reply([help.HelpLine("/csp TERM", "Look up a term")]),
        ],
        "common.notice": [lambda: common.notice("Plain *app* words.", "A `/csp help` hint.")],
        "common.error_reply": [lambda: common.error_reply(hostile_error)],
        "common.personal_data_reply": [
            lambda: common.personal_data_reply(personal),
            lambda: common.personal_data_reply(masked),
        ],
        "common.personal_data_refusal": [
            lambda: common.personal_data_refusal(personal),
            lambda: common.personal_data_refusal(masked),
        ],
        "plan.achievement_refused_reply": [
            lambda: plan.achievement_refused_reply(masked, masked_value),
            lambda: plan.achievement_refused_reply(personal, ""),
        ],
        "common.personal_data_field_error": [lambda: common.personal_data_field_error(personal)],
        "common.unexpected_error_reply": [common.unexpected_error_reply],
        "common.slack_unavailable_reply": [common.slack_unavailable_reply],
        "audit.audit_reply": [
            lambda: audit.audit_reply(
                AuditPage(
                    (
                        AuditEntry(
                            1,
                            SUMMER,
                            "U0COORD",
                            "risk.owner",
                            "risk",
                            "R3",
                            {"before": "WDC", "after": HOSTILE},
                        ),
                        AuditEntry(
                            2, NAIVE_WINTER, HOSTILE, HOSTILE, HOSTILE, HOSTILE, {"note": HOSTILE, "n": 2}
                        ),
                        AuditEntry(
                            3, SUMMER, "a former member of TVP", "achievement.log", "achievement", "26", None
                        ),
                        AuditEntry(
                            4,
                            SUMMER,
                            "retention",
                            "privacy.purge",
                            "retention",
                            "schedule",
                            {"audit_rows": 3},
                        ),
                        AuditEntry(
                            5, SUMMER, "cli", "privacy.erase", "erased_member", "ab" * 32, {"org": "TVP"}
                        ),
                    ),
                    AuditQuery(user="U0TVP", ref="r3", term=HOSTILE),
                    offset=15,
                    has_more=True,
                )
            ),
            lambda: audit.audit_reply(AuditPage((), AuditQuery(term=HOSTILE), offset=0, has_more=False)),
            lambda: audit.audit_reply(AuditPage((), AuditQuery(), offset=0, has_more=False)),
            lambda: audit.audit_reply(AuditPage((), AuditQuery(), offset=30, has_more=False)),
        ],
        "nudges.nudge_reply": [
            lambda: nudges.nudge_reply(_nudge(1, 3, done=("P1.2",))),
            lambda: nudges.nudge_reply(_nudge(1, 1)),
            lambda: nudges.nudge_reply(_nudge(2, 23)),
        ],
        "nudges.stale_reply": [
            lambda: nudges.stale_reply(
                StaleActions(
                    QUARTER,
                    QUARTER_END,
                    (StaleGroup(HOSTILE_ORG, (ACTION,)), StaleGroup(None, (QUIET_ACTION,))),
                )
            ),
            lambda: nudges.stale_reply(StaleActions(QUARTER, BOARD, ())),
        ],
        "nudges.nudge_run_reply": [
            lambda: nudges.nudge_run_reply(_run(2, 1)),
            lambda: nudges.nudge_run_reply(_run(0, 2)),
            lambda: nudges.nudge_run_reply(_run(0, 0)),
            lambda: nudges.nudge_run_reply(_run(3, 0, applied=False)),
        ],
        "nudges.board_dates_reply": [
            lambda: nudges.board_dates_reply([date(2026, 12, 10), date(2027, 3, 11)], BOARD, changed=True),
            lambda: nudges.board_dates_reply([], QUARTER_END, changed=False),
        ],
        "common.person": [
            lambda: common.person("U0TVP"),
            lambda: common.person(HOSTILE),
            lambda: common.person(None),
        ],
    }


#: public functions in bot/views that build parts of views, not views: they are checked through the views
HELPERS = {
    "common.section",
    "common.context",
    # masked_achievement_value builds a button's value (JSON, never shown): its samples are in test_privacy_slack
    "plan.masked_achievement_value",
    # the audit trail's plain-text summary of a change (escaped by audit_reply) and its button's value
    "audit.detail_summary",
    "audit.page_value",
    "audit.query_of",
    # the App Home's stale-actions section and the status buttons, checked through home_view and nudge_reply
    "home.stale_blocks",
    "plan.status_buttons",
}
