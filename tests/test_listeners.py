"""Listeners are plain functions: called here directly, with no Bolt, no signed request and no HTTP.

The end-to-end tests (test_slack_glossary.py, test_plan_tracking.py …) go through Bolt; these show
that a listener needs nothing but Slack's arguments and a context holding the partnership's services,
and that handlers/registry.py wires every one of them, guarded, as a plain importable function.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from slack_bolt import BoltContext

from bot.container import Services
from handlers import glossary, plan, registry, risks
from handlers.command import csp_command
from tests.conftest import COORDINATOR


class Recorder:
    """Stands in for Bolt's ``ack`` and ``respond``: records each call's keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


class Client:
    """Stands in for the WebClient: records what a listener sends; no token, so no alert delivery."""

    token = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((method, kwargs))
            return {"ok": True}

        return call


def _context(services: Services) -> BoltContext:
    return BoltContext({"services": services})  # what the partnership middleware leaves there


def _submission(user: str, values: dict[str, str], metadata: dict[str, Any]) -> tuple[dict, dict]:
    view = {
        "private_metadata": json.dumps(metadata),
        "state": {
            "values": {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in values.items()}
        },
    }
    return {"type": "view_submission", "user": {"id": user}, "trigger_id": "T1", "view": view}, view


def test_a_button_listener_is_a_function_you_call(services: Services) -> None:
    ack, respond = Recorder(), Recorder()
    body = {"user": {"id": "U0ANYONE"}, "actions": [{"value": "MARAC"}]}
    glossary.search_button(ack=ack, body=body, respond=respond, context=_context(services))
    assert ack.calls == [{}]
    (reply,) = respond.calls
    assert reply["replace_original"] is True
    assert "MARAC" in json.dumps(reply["blocks"])


def test_the_slash_command_listener_answers_through_ack(services: Services) -> None:
    ack = Recorder()
    command = {"user_id": "U0ANYONE", "channel_id": "C0CSP", "text": "acronym MARAC"}
    csp_command(ack=ack, command=command, client=Client(), context=_context(services))
    (answer,) = ack.calls
    assert answer["text"] == "MARAC: Multi Agency Risk Assessment Committee"


def test_a_form_submission_puts_refusals_on_the_form_and_confirms_privately(
    services: Services, people: dict[str, str]
) -> None:
    values = {
        "description": "County lines activity displaces into the district",
        "likelihood": "High",
        "impact": "Medium",
        "preventative": "Joint disruption with TVP",
        "contingent": "Escalate to the county tasking group",
        "owner": "Community Safety and Prevent Coordinator",
        "owner_org": "",
    }
    metadata = {"channel": "C0CSP"}

    ack, client = Recorder(), Client()
    body, view = _submission(COORDINATOR, {**values, "description": "Victim Jane Smith at risk"}, metadata)
    risks.submit_risk(ack=ack, body=body, view=view, client=client, context=_context(services))
    (refusal,) = ack.calls  # personal data: back onto the form, under the description, nothing saved
    assert refusal["response_action"] == "errors" and list(refusal["errors"]) == ["description"]
    assert client.calls == []

    ack, client = Recorder(), Client()
    body, view = _submission(COORDINATOR, values, metadata)
    risks.submit_risk(ack=ack, body=body, view=view, client=client, context=_context(services))
    assert ack.calls == [{}]
    ((method, sent),) = client.calls
    assert (method, sent["channel"], sent["user"]) == ("chat_postEphemeral", "C0CSP", COORDINATOR)
    assert services.risks.get("R8").likelihood == "High"


def test_a_form_error_goes_under_its_field_with_todays_message(
    services: Services, people: dict[str, str]
) -> None:
    ack = Recorder()
    body, view = _submission(COORDINATOR, {"status": "", "reason": ""}, {"ref": "P1.6", "channel": "C0CSP"})
    plan.submit_status(ack=ack, body=body, view=view, client=Client(), context=_context(services))
    assert ack.calls == [{"response_action": "errors", "errors": {"status": "Choose a status."}}]

    ack = Recorder()
    body, view = _submission(
        COORDINATOR, {"status": "red", "reason": ""}, {"ref": "P1.6", "channel": "C0CSP"}
    )
    plan.submit_status(ack=ack, body=body, view=view, client=Client(), context=_context(services))
    ((field, message),) = ack.calls[0]["errors"].items()
    assert field == "reason" and "needs a reason" in message


# ---------------------------------------------------------------------- the registry


class RecordingApp:
    """Stands in for Bolt's App: records what ``registry.register`` wires, in order."""

    def __init__(self) -> None:
        self.middleware_: list[Callable[..., Any]] = []
        self.listeners: list[tuple[str, Any, Callable[..., Any]]] = []

    def middleware(self, function: Callable[..., Any]) -> None:
        self.middleware_.append(function)

    def __getattr__(self, kind: str) -> Callable[[Any], Callable[[Callable[..., Any]], None]]:
        return lambda matcher: lambda listener: self.listeners.append((kind, matcher, listener))


def test_every_entry_point_is_wired_in_one_place_guarded_and_plain() -> None:
    app = RecordingApp()
    registry.register(app, SimpleNamespace(multi_workspace=False))  # type: ignore[arg-type]
    # the partnership first; the listeners beyond the glossary's are wired on first need
    assert [m.name for m in app.middleware_] == ["partnership", "once", "wire_the_rest"]
    assert {kind for kind, _, _ in app.listeners} == {"command", "action", "view", "message_shortcut"}
    app.middleware_[-1].wire()
    assert {kind for kind, _, _ in app.listeners} == {
        "command",
        "action",
        "view",
        "message_shortcut",
        "event",
    }
    for kind, matcher, listener in app.listeners:
        plain = inspect.unwrap(listener)  # ``guarded`` wraps it at registration, and only there
        where = f"{kind} {matcher}: {plain.__qualname__}"
        wrappers = []
        while hasattr(listener, "__wrapped__"):
            wrappers.append(listener.__code__.co_qualname)  # wraps() copied the listener's name
            listener = listener.__wrapped__
        assert "guarded.<locals>.wrapper" in wrappers, where
        assert getattr(importlib.import_module(plain.__module__), plain.__name__) is plain, where
        assert plain.__qualname__ == plain.__name__, f"{where} is not module-level"
        assert (inspect.getdoc(plain) or "").startswith("Slack sends"), f"{where} says what Slack sends it"
        signature = inspect.signature(plain)
        assert all(p.annotation is not p.empty for p in signature.parameters.values()), where
        assert signature.return_annotation is not signature.empty, where
