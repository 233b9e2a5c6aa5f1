"""The Slack Web API stand-in, exercised through a real slack_sdk WebClient and WebhookClient."""

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.offline.slack_standin import RecordedCall, SlackStandIn

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Risk* raised"}}]
METADATA = {"event_type": "csp_alert", "event_payload": {"outbox_id": "42"}}


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk copies these into client.proxy and ignores NO_PROXY, which would send localhost to a proxy.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin(no_proxy: None) -> Iterator[SlackStandIn]:
    with SlackStandIn() as slack:
        yield slack


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=standin.base_url, timeout=5)


def test_addresses(standin: SlackStandIn) -> None:
    assert standin.base_url.startswith("http://127.0.0.1:")
    assert standin.base_url.endswith("/api/")
    port = standin.base_url.split(":")[2].split("/")[0]
    assert standin.response_url() == f"http://127.0.0.1:{port}/hooks/response"
    assert standin.response_url("x") == f"http://127.0.0.1:{port}/hooks/x"


def test_not_started_has_no_address() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = SlackStandIn().base_url


def test_auth_test(standin: SlackStandIn, client: WebClient) -> None:
    response = client.auth_test()
    assert response.status_code == 200
    assert response["ok"] is True
    assert response["team_id"] == "T0CSP"
    assert response["user_id"] == "UCSPBOT"
    assert response["bot_id"] == "BCSPBOT"
    assert response["is_enterprise_install"] is False
    assert response.headers["x-oauth-scopes"] == "commands,chat:write"
    [call] = standin.calls_to("auth.test")
    assert call.path == "/api/auth.test"
    assert call.status == 200


def test_custom_ids(no_proxy: None) -> None:
    with SlackStandIn(team_id="T1", bot_user_id="U1", bot_id="B1") as slack:
        response = WebClient(token="xoxb-test", base_url=slack.base_url).auth_test()
    assert (response["team_id"], response["user_id"], response["bot_id"]) == ("T1", "U1", "B1")


def test_post_message_with_blocks_is_decoded(standin: SlackStandIn, client: WebClient) -> None:
    response = client.chat_postMessage(channel="C123", text="Risk raised", blocks=BLOCKS)
    assert response["channel"] == "C123"
    assert response["message"]["text"] == "Risk raised"
    assert response["message"]["blocks"] == BLOCKS
    [call] = standin.wait_for("chat.postMessage")
    assert isinstance(call, RecordedCall)
    assert call.args["channel"] == "C123"
    assert call.args["blocks"] == BLOCKS


def test_form_encoded_json_strings_are_decoded(standin: SlackStandIn, client: WebClient) -> None:
    # api_call(params=...) sends form fields; Slack takes blocks/metadata there as JSON strings.
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "t", "blocks": json.dumps(BLOCKS), "metadata": json.dumps(METADATA)},
    )
    [call] = standin.calls_to("chat.postMessage")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.args["blocks"] == BLOCKS
    assert call.args["metadata"] == METADATA


def test_ts_is_unique_and_update_keeps_it(standin: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one")["ts"]
    second = client.chat_postMessage(channel="C1", text="two")["ts"]
    ephemeral = client.chat_postEphemeral(channel="C1", user="U9", text="three")
    assert first == "1700000000.000100"
    assert len({first, second, ephemeral["ts"]}) == 3
    assert float(first) < float(second) < float(ephemeral["ts"])
    updated = client.chat_update(channel="C1", ts=first, text="one, edited")
    assert updated["ts"] == first
    assert updated["message"]["text"] == "one, edited"


def test_views_get_unique_ids(client: WebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Add risk"}, "blocks": []}
    opened = client.views_open(trigger_id="123.456", view=view)["view"]
    pushed = client.views_push(trigger_id="123.456", view=view)["view"]
    assert opened["id"] != pushed["id"]
    assert opened["id"].startswith("V")
    assert opened["hash"]
    assert opened["title"] == view["title"]
    updated = client.views_update(view_id=opened["id"], view=view)["view"]
    assert updated["id"] == opened["id"]


def test_rate_limited_plain_client_raises(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["retry-after"] == "0"
    assert [call.status for call in standin.calls_to("chat.postMessage")] == [429]


def test_rate_limited_client_with_retry_handler_succeeds(standin: SlackStandIn) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    response = client.chat_postMessage(channel="C1", text="hi")
    assert response["ok"] is True
    assert [call.status for call in standin.calls_to("chat.postMessage")] == [429, 200]


def test_server_error_is_retried_by_server_error_handler(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 500
    assert raised.value.response["error"] == "internal_error"

    retrying = WebClient(
        token="xoxb-test",
        base_url=standin.base_url,
        retry_handlers=[
            ServerErrorRetryHandler(
                max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(fixed_internal=0.01)
            )
        ],
    )
    standin.clear()
    standin.fail_next("chat.postMessage", status=503, times=2)
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [call.status for call in standin.calls_to("chat.postMessage")] == [503, 503, 200]


def test_error_answer_raises_slack_api_error(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", error="not_in_channel")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "not_in_channel"
    # Only the next call fails.
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [call.status for call in standin.calls_to("chat.postMessage")] == [200, 200]


def test_delay_makes_the_client_time_out(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.base_url, timeout=0.2, retry_handlers=[])
    standin.fail_next("chat.postMessage", status=200, delay=1.0)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="hi")
    assert [call.status for call in standin.calls_to("chat.postMessage")] == [200]


def test_history_returns_posted_messages_with_metadata(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="first", metadata=METADATA)
    client.chat_postMessage(channel="C2", text="elsewhere")
    second = client.chat_postMessage(channel="C1", text="second")["ts"]
    history = client.conversations_history(channel="C1")
    assert history["has_more"] is False
    assert [message["text"] for message in history["messages"]] == ["second", "first"]
    assert history["messages"][0]["ts"] == second
    assert history["messages"][1]["metadata"] == METADATA
    assert standin.calls_to("chat.postMessage")[0].args["metadata"] == METADATA


def test_conversations_info_and_users_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="C9")["channel"]
    assert channel["id"] == "C9"
    assert channel["is_member"] is True
    assert channel["is_archived"] is False
    assert client.users_info(user="U7")["user"]["id"] == "U7"


def test_file_upload_v2(standin: SlackStandIn, client: WebClient) -> None:
    response = client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="risks.csv", title="Risks")
    assert response["file"]["title"] == "Risks"
    [upload] = standin.calls_to("upload")
    assert upload.args["size"] == len(b"a,b\n1,2\n")
    assert upload.args["file_id"] == response["file"]["id"]
    assert upload.args["file_id"].startswith("F")


def test_response_url_is_recorded(standin: SlackStandIn) -> None:
    response = WebhookClient(standin.response_url("x")).send(text="done", response_type="ephemeral")
    assert response.status_code == 200
    assert response.body == "ok"
    [call] = standin.wait_for("response_url")
    assert call.args == {"text": "done", "response_type": "ephemeral", "_hook": "x"}
    assert call.path == "/hooks/x"


def test_authorization_is_redacted_and_required(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    [call] = standin.calls_to("auth.test")
    assert call.headers["authorization"] == "Bearer ***"
    assert "xoxb-test" not in repr(standin.calls)

    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=standin.base_url).chat_postMessage(channel="C1", text="hi")
    assert raised.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as raised:
        WebClient(token="nonsense", base_url=standin.base_url).auth_test()
    assert raised.value.response["error"] == "not_authed"


def test_set_response_overrides_canned_body(standin: SlackStandIn, client: WebClient) -> None:
    standin.set_response("conversations.info", {"ok": True, "channel": {"id": "C1", "is_archived": True}})
    assert client.conversations_info(channel="C1")["channel"]["is_archived"] is True


def test_unknown_method_is_ok(client: WebClient) -> None:
    assert client.api_call("reactions.add", params={"channel": "C1", "name": "eyes"})["ok"] is True


def test_wait_for_times_out_with_a_clear_message(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError) as raised:
        standin.wait_for("chat.postMessage", timeout=0.1)
    message = str(raised.value)
    assert "'chat.postMessage'" in message
    assert "auth.test (200)" in message


def test_clear_forgets_calls(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    standin.clear()
    assert standin.calls == []


def test_server_is_quiet(standin: SlackStandIn, client: WebClient, capfd: pytest.CaptureFixture[str]) -> None:
    client.auth_test()
    WebhookClient(standin.response_url()).send(text="x")
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""
