"""The fake Slack Web API, driven by a real `slack_sdk.WebClient` over HTTP.

Every error the fake gives is one Slack documents for that method, so the bot's tests
against it mean something against Slack and against other people's emulators.
"""

from __future__ import annotations

import html
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.webhook import WebhookClient

from fakeslack import Call, FakeSlack, OAuthPageError, Workspace

TOKEN = "xoxb-fake-test-token"
ADA, GRACE, GONE, ROBOT = "U100", "U200", "U300", "U400"
CHANNEL, PRIVATE, ARCHIVED, ELSEWHERE = "C100", "C200", "C300", "C400"


class ManualClock:
    """A clock the test moves by hand, for the fake's 3-second and 30-minute rules."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T0TEAM", bot_token=TOKEN, bot_user_id="UBOT", clock=clock) as fake:
        fake.add_user(ADA, real_name="Ada Lovelace", email="ada@example.gov", title="Analyst")
        fake.add_user(GRACE, real_name="Grace Hopper", email="grace@example.gov", tz="UTC")
        fake.add_user(GONE, real_name="Gone Away", email="gone@example.gov", deleted=True)
        fake.add_user(ROBOT, real_name="Other Bot", is_bot=True)
        fake.add_channel(CHANNEL, members=[ADA])
        fake.add_channel(PRIVATE, members=[ADA], is_private=True, bot_member=False)
        fake.add_channel(ARCHIVED, members=[ADA], archived=True)
        fake.add_channel(ELSEWHERE, members=[ADA], bot_member=False)
        yield fake
        assert fake.errors == []


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token=TOKEN)


def slack_error(call: Any, *args: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call(*args, **kwargs)
    return raised.value


def error_of(call: Any, *args: Any, **kwargs: Any) -> str:
    return slack_error(call, *args, **kwargs).response["error"]


def raw_post(
    url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def browse(url: str, form: bytes | None = None) -> tuple[int, dict[str, str], str]:
    """What a browser gets for a GET (or a form POST) of `url`, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, data=form, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def modal(*blocks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Profile"},
        "blocks": list(blocks),
    }
    view.update(fields)
    return view


def section(text: str, **fields: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **fields}


def text_input(block_id: str = "name", **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Name"},
        "element": {"type": "plain_text_input", "action_id": "value", **element},
    }


def button(text: str = "Go", **fields: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, **fields}


def options(count: int, text: str = "Option", value: str = "v") -> list[dict[str, Any]]:
    return [
        {"text": {"type": "plain_text", "text": text}, "value": f"{value}{index}"}
        for index in range(count)
    ]


SUBMIT = {"type": "plain_text", "text": "Save"}


# -- authentication and transport ----------------------------------------------------------


def test_a_call_without_a_token_is_not_authed(fake: FakeSlack) -> None:
    error = slack_error(WebClient(base_url=fake.url).auth_test)

    assert error.response.status_code == 200
    assert error.response["error"] == "not_authed"
    assert fake.last("auth.test") == Call(
        "auth.test", {}, False, "not_authed", 200, {"ok": False, "error": "not_authed"}
    )


def test_a_wrong_token_is_invalid_auth(fake: FakeSlack) -> None:
    error = slack_error(WebClient(base_url=fake.url, token="xoxb-someone-else").auth_test)

    assert (error.response.status_code, error.response["error"]) == (200, "invalid_auth")


def test_an_unknown_method_is_a_404_unknown_method(fake: FakeSlack, client: WebClient) -> None:
    error = slack_error(client.api_call, "chat.postMesage", json={"channel": CHANNEL})

    assert error.response.status_code == 404
    assert error.response.data == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "chat.postMesage",
    }


def test_a_token_is_read_from_a_form_field_but_never_from_a_json_body(fake: FakeSlack) -> None:
    form = f"token={TOKEN}".encode()
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    as_json = json.dumps({"token": TOKEN}).encode()
    json_headers = {"Content-Type": "application/json; charset=utf-8"}

    assert raw_post(fake.url + "auth.test", form, form_headers)[2]["ok"] is True
    assert raw_post(fake.url + "auth.test", as_json, json_headers)[2]["error"] == "not_authed"


def test_a_form_only_method_ignores_a_json_body(fake: FakeSlack) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    body = json.dumps({"user": ADA}).encode()

    status, _, answer = raw_post(fake.url + "users.info", body, headers)

    assert (status, answer["error"]) == (200, "user_not_found")
    assert fake.last("users.info").args == {"user": ADA}


def test_auth_test_and_team_info_describe_the_bot_and_workspace(client: WebClient) -> None:
    auth = client.auth_test()
    team = client.team_info()["team"]

    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0TEAM", "UBOT", "B0SOUNDING")
    assert auth["url"].startswith("https://") and auth["url"].endswith(".slack.com/")
    assert team["id"] == "T0TEAM" and team["domain"] in auth["url"]
    assert error_of(client.team_info, team="T0OTHER") == "team_not_found"


# -- users ---------------------------------------------------------------------------------


def test_users_info_returns_the_user_and_refuses_unknown_ids(client: WebClient) -> None:
    user = client.users_info(user=ADA)["user"]

    assert user["id"] == ADA and user["real_name"] == "Ada Lovelace"
    assert user["profile"]["email"] == "ada@example.gov"
    assert user["profile"]["title"] == "Analyst"
    assert user["tz"] == "America/Chicago" and user["tz_label"].startswith("Central")
    assert client.users_info(user=GONE)["user"]["deleted"] is True
    assert error_of(client.users_info, user="U999") == "user_not_found"


def test_users_lookup_by_email_skips_deactivated_users(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="ADA@example.gov")["user"]["id"] == ADA
    assert error_of(client.users_lookupByEmail, email="nobody@example.gov") == "users_not_found"
    assert error_of(client.users_lookupByEmail, email="gone@example.gov") == "users_not_found"


def test_users_list_pages_with_a_cursor(client: WebClient) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while cursor != "":
        page = client.users_list(limit=2, cursor=cursor)
        seen += [member["id"] for member in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
        pages += 1

    assert seen == ["UBOT", ADA, GRACE, GONE, ROBOT]
    assert pages == 3
    assert error_of(client.users_list, cursor="bm90LWEtY3Vyc29y") == "invalid_cursor"


# -- conversations.open --------------------------------------------------------------------


def test_opening_a_dm_gives_the_users_stable_im(fake: FakeSlack, client: WebClient) -> None:
    first = client.conversations_open(users=ADA)["channel"]["id"]
    again = client.conversations_open(users=ADA, return_im=True)["channel"]

    assert first.startswith("D") and first == fake.dm_channel(ADA)
    assert again["id"] == first and again["is_im"] is True and again["user"] == ADA
    assert client.conversations_open(users=GRACE)["channel"]["id"] != first


def test_opening_a_group_dm_is_stable_for_the_same_people(client: WebClient) -> None:
    group = client.conversations_open(users=[ADA, GRACE])["channel"]["id"]
    same = client.conversations_open(users=f"{GRACE},{ADA}")["channel"]["id"]
    members = client.conversations_members(channel=group)["members"]

    assert group.startswith("G") and same == group
    assert sorted(members) == sorted([ADA, GRACE, "UBOT"])
    assert client.conversations_open(users=[ADA, ROBOT])["channel"]["id"] != group


@pytest.mark.parametrize(
    ("users", "error"),
    [
        (["U999"], "user_not_found"),
        ([ADA, "U999"], "user_not_found"),
        ([GONE], "user_disabled"),
        ([ADA, GONE], "user_disabled"),
        ([ADA, GRACE, ROBOT, "UBOT", "U101", "U102", "U103", "U104", "U105"], "too_many_users"),
    ],
)
def test_conversations_open_refuses(
    fake: FakeSlack, client: WebClient, users: list[str], error: str
) -> None:
    for extra in ("U101", "U102", "U103", "U104", "U105"):
        fake.add_user(extra, real_name=extra)

    assert error_of(client.conversations_open, users=users) == error


def test_conversations_open_needs_users_or_a_channel(client: WebClient) -> None:
    assert error_of(client.api_call, "conversations.open", params={}) == ("users_list_not_supplied")
    assert error_of(client.conversations_open, channel=CHANNEL) == (
        "method_not_supported_for_channel_type"
    )


# -- chat.postMessage ----------------------------------------------------------------------


def test_posting_to_a_user_id_lands_in_their_dm_with_increasing_ts(
    fake: FakeSlack, client: WebClient
) -> None:
    answers = [client.chat_postMessage(channel=ADA, text=f"hello {n}") for n in range(3)]
    dm = fake.dm_channel(ADA)

    assert [answer["channel"] for answer in answers] == [dm] * 3
    stamps = [answer["ts"] for answer in answers]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 3
    assert answers[0]["message"]["user"] == "UBOT" and answers[0]["message"]["bot_id"]
    assert [(m["ts"], m["text"]) for m in fake.messages(dm)] == [
        (ts, f"hello {n}") for n, ts in enumerate(stamps)
    ]


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C999", "channel_not_found"),
        ("", "channel_not_found"),
        (GONE, "is_archived"),
        (ROBOT, "cannot_dm_bot"),
        ("UBOT", "cannot_dm_bot"),
        (ELSEWHERE, "not_in_channel"),
        (PRIVATE, "channel_not_found"),
        (ARCHIVED, "is_archived"),
    ],
)
def test_post_message_refuses(client: WebClient, channel: str, error: str) -> None:
    assert error_of(client.chat_postMessage, channel=channel, text="hi") == error


def test_posting_in_a_deactivated_users_dm_is_refused(fake: FakeSlack, client: WebClient) -> None:
    dm = fake.dm_channel(GONE)

    assert error_of(client.chat_postMessage, channel=dm, text="hi") == "is_archived"
    assert fake.messages(dm) == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_needs_content_within_the_length_limit(client: WebClient) -> None:
    assert error_of(client.chat_postMessage, channel=CHANNEL) == "no_text"
    assert error_of(client.chat_postMessage, channel=CHANNEL, text="") == "no_text"
    too_long = "x" * 40_001
    assert error_of(client.chat_postMessage, channel=CHANNEL, text=too_long) == "msg_too_long"
    assert client.chat_postMessage(channel=CHANNEL, blocks=[section("only blocks")])["ok"]


def test_a_thread_reply_is_recorded_on_its_parent(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="parent")["ts"]
    reply = client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=parent)

    stored = {message["ts"]: message for message in fake.messages(CHANNEL)}
    assert reply["message"]["thread_ts"] == parent
    assert stored[parent]["reply_count"] == 1 and stored[parent]["latest_reply"] == reply["ts"]


def test_an_ephemeral_message_needs_the_user_in_the_channel(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = client.chat_postEphemeral(channel=CHANNEL, user=ADA, text="only you")

    assert answer["message_ts"]
    assert fake.messages(CHANNEL) == []
    assert fake.ephemerals[0]["user"] == ADA and fake.ephemerals[0]["text"] == "only you"
    for user in (GRACE, GONE, "U999"):
        assert error_of(client.chat_postEphemeral, channel=CHANNEL, user=user, text="x") == (
            "user_not_in_channel"
        )


def test_chat_update_replaces_text_and_keeps_blocks_left_out(
    fake: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="old", blocks=[section("body")])["ts"]

    answer = client.chat_update(channel=CHANNEL, ts=ts, text="new")

    assert (answer["channel"], answer["ts"], answer["text"]) == (CHANNEL, ts, "new")
    (message,) = fake.messages(CHANNEL)
    assert message["text"] == "new" and message["blocks"][0]["text"]["text"] == "body"


def test_chat_update_refuses(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=ADA, text="mine")["ts"]
    theirs = fake.add_message(CHANNEL, ADA, "a person wrote this")["ts"]

    assert error_of(client.chat_update, channel=CHANNEL, ts="1.000001", text="x") == (
        "message_not_found"
    )
    assert error_of(client.chat_update, channel=CHANNEL, ts=theirs, text="x") == (
        "cant_update_message"
    )
    assert error_of(client.chat_update, channel=ADA, ts=ts, text="x") == "channel_not_found"
    assert client.chat_update(channel=fake.dm_channel(ADA), ts=ts, text="x")["ok"]


def test_chat_delete_removes_only_the_bots_messages(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="bye")["ts"]
    theirs = fake.add_message(CHANNEL, ADA, "stays")["ts"]

    assert client.chat_delete(channel=CHANNEL, ts=ts)["ts"] == ts
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["stays"]
    assert error_of(client.chat_delete, channel=CHANNEL, ts=ts) == "message_not_found"
    assert error_of(client.chat_delete, channel=CHANNEL, ts=theirs) == "cant_delete_message"


# -- Block Kit in messages -----------------------------------------------------------------


def test_a_too_long_section_is_invalid_blocks_with_slacks_explanation(
    client: WebClient,
) -> None:
    assert client.chat_postMessage(channel=CHANNEL, text="ok", blocks=[section("x" * 3000)])["ok"]

    error = slack_error(
        client.chat_postMessage, channel=CHANNEL, text="t", blocks=[section("x" * 3001)]
    )

    assert error.response["error"] == "invalid_blocks"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]
    assert error.response["errors"][1] == (
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    )


def test_a_message_holds_at_most_50_blocks(client: WebClient) -> None:
    fifty = [{"type": "divider"} for _ in range(50)]
    assert client.chat_postMessage(channel=CHANNEL, text="t", blocks=fifty)["ok"]

    error = slack_error(
        client.chat_postMessage, channel=CHANNEL, text="t", blocks=[*fifty, {"type": "divider"}]
    )

    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]


BLOCK_PROBLEMS = [
    (
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        {"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}},
        "unsupported type: mrkdwn [json-pointer:/blocks/0/text/type]",
    ),
    (
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
    ),
    (
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]},
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
    ),
    (
        {"type": "section", "text": {"type": "mrkdwn", "text": ""}},
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        {"type": "section", "text": "plain string"},
        "must provide an object [json-pointer:/blocks/0/text]",
    ),
    (
        {"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}},
        "invalid additional property: emoji [json-pointer:/blocks/0/text]",
    ),
    (
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11},
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        {"type": "actions", "elements": [button(action_id=f"b{n}") for n in range(26)]},
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        {"type": "actions", "elements": [button("b" * 76)]},
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    (
        {"type": "actions", "elements": [button(value="v" * 2001)]},
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
    ),
    (
        {"type": "actions", "elements": [button(url="https://x.gov/" + "u" * 3000)]},
        "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
    ),
    (
        {"type": "actions", "elements": [button(action_id="a" * 256)]},
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ),
    (
        {"type": "actions", "elements": [button(style="green")]},
        "must be a valid enum value [json-pointer:/blocks/0/elements/0/style]",
    ),
    (
        {"type": "actions", "elements": [{"type": "button", "text": "Go"}]},
        "must provide an object [json-pointer:/blocks/0/elements/0/text]",
    ),
    (
        {"type": "actions", "elements": [button(action_id="same"), button(action_id="same")]},
        "duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]",
    ),
    (
        {"type": "actions", "elements": [{"type": "plain_text_input"}]},
        "unsupported type: plain_text_input [json-pointer:/blocks/0/elements/0/type]",
    ),
    (
        {"type": "divider", "block_id": "b" * 256},
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ),
    (
        {"type": "divider", "text": {"type": "plain_text", "text": "no"}},
        "invalid additional property: text [json-pointer:/blocks/0]",
    ),
    (
        {"type": "sectoin", "text": {"type": "mrkdwn", "text": "typo"}},
        "unsupported type: sectoin [json-pointer:/blocks/0/type]",
    ),
    (
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "pick"},
            "accessory": {"type": "static_select", "options": options(101)},
        },
        "no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]",
    ),
    (
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "pick"},
            "accessory": {"type": "static_select", "options": options(1, text="o" * 76)},
        },
        "must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/text/text]",
    ),
    (
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "pick"},
            "accessory": {"type": "static_select", "options": options(1, value="v" * 150)},
        },
        "must be less than 151 characters [json-pointer:/blocks/0/accessory/options/0/value]",
    ),
    (
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "pick"},
            "accessory": {
                "type": "static_select",
                "options": options(2),
                "initial_option": options(3)[2],
            },
        },
        "must match one of the provided options [json-pointer:/blocks/0/accessory/initial_option]",
    ),
    (
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "pick"},
            "accessory": {
                "type": "static_select",
                "options": options(2),
                "placeholder": {"type": "plain_text", "text": "p" * 151},
            },
        },
        "must be less than 151 characters [json-pointer:/blocks/0/accessory/placeholder/text]",
    ),
]


@pytest.mark.parametrize(("block", "problem"), BLOCK_PROBLEMS)
def test_message_blocks_are_checked_like_slack(
    fake: FakeSlack, client: WebClient, block: dict[str, Any], problem: str
) -> None:
    error = slack_error(client.chat_postMessage, channel=CHANNEL, text="t", blocks=[block])

    assert error.response["error"] == "invalid_blocks"
    assert f"[ERROR] {problem}" in error.response["response_metadata"]["messages"]
    assert fake.messages(CHANNEL) == []


def test_block_ids_must_be_unique_in_a_message(client: WebClient) -> None:
    blocks = [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}]

    error = slack_error(client.chat_postMessage, channel=CHANNEL, text="t", blocks=blocks)

    assert error.response["errors"] == ["duplicate block_id [json-pointer:/blocks/1/block_id]"]


def test_chat_update_checks_blocks_too(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="t")["ts"]

    error = slack_error(
        client.chat_update, channel=CHANNEL, ts=ts, text="t", blocks=[section("x" * 3001)]
    )

    assert error.response["error"] == "invalid_blocks"
    assert fake.messages(CHANNEL)[0]["blocks"] == []


def test_stored_blocks_get_the_ids_slack_generates(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "actions", "elements": [button()]}, {"type": "divider", "block_id": "d"}]

    client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks)

    stored = fake.messages(CHANNEL)[0]["blocks"]
    assert stored[0]["block_id"] and stored[0]["elements"][0]["action_id"]
    assert stored[1]["block_id"] == "d"
    assert fake.last("chat.postMessage").args["blocks"] == blocks


# -- views ---------------------------------------------------------------------------------


def test_views_open_answers_with_the_view_as_slack_holds_it(
    fake: FakeSlack, client: WebClient
) -> None:
    sent = modal(text_input(), submit=SUBMIT, callback_id="profile", private_metadata="42")

    view = client.views_open(trigger_id=fake.issue_trigger_id(), view=sent)["view"]

    assert view["id"].startswith("V") and view["team_id"] == "T0TEAM"
    assert view["state"] == {"values": {}} and view["hash"]
    assert (view["callback_id"], view["private_metadata"]) == ("profile", "42")
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["blocks"][0]["element"]["action_id"] == "value"
    assert fake.views[view["id"]] == view
    assert fake.last("views.open").args["view"] == sent


def test_a_trigger_id_works_once_and_within_three_seconds(
    fake: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    view = modal(section("hi"))
    used = fake.issue_trigger_id()
    client.views_open(trigger_id=used, view=view)
    late = fake.issue_trigger_id()
    just_in_time = fake.issue_trigger_id()
    clock.advance(3.0)

    assert client.views_open(trigger_id=just_in_time, view=view)["ok"]
    assert error_of(client.views_open, trigger_id=used, view=view) == "exchanged_trigger_id"
    clock.advance(0.01)
    assert error_of(client.views_open, trigger_id=late, view=view) == "expired_trigger_id"
    assert error_of(client.views_open, trigger_id="1.2.abc", view=view) == "invalid_trigger_id"


def test_a_refused_view_does_not_use_up_the_trigger(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger_id()

    error = slack_error(client.views_open, trigger_id=trigger, view=modal(text_input()))

    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/view]",
        "[ERROR] missing required field: submit [json-pointer:/view]",
    ]
    assert client.views_open(trigger_id=trigger, view=modal(text_input(), submit=SUBMIT))["ok"]


VIEW_PROBLEMS = [
    (
        modal(section("x"), title={"type": "plain_text", "text": "t" * 25}),
        "must be less than 25 characters [json-pointer:/view/title/text]",
    ),
    (
        modal(section("x"), title={"type": "mrkdwn", "text": "*t*"}),
        "unsupported type: mrkdwn [json-pointer:/view/title/type]",
    ),
    (
        {"type": "modal", "blocks": []},
        "missing required field: title [json-pointer:/view]",
    ),
    (
        modal(text_input(), submit={"type": "plain_text", "text": "s" * 25}),
        "must be less than 25 characters [json-pointer:/view/submit/text]",
    ),
    (
        modal(section("x"), close={"type": "plain_text", "text": "c" * 25}),
        "must be less than 25 characters [json-pointer:/view/close/text]",
    ),
    (
        modal(section("x"), submit=None),
        "must provide an object [json-pointer:/view/submit]",
    ),
    (
        modal(section("x"), private_metadata="p" * 3001),
        "must be less than 3001 characters [json-pointer:/view/private_metadata]",
    ),
    (
        modal(section("x"), callback_id="c" * 256),
        "must be less than 256 characters [json-pointer:/view/callback_id]",
    ),
    (
        modal(section("x"), submit_disabled=True),
        "invalid additional property: submit_disabled [json-pointer:/view]",
    ),
    (
        modal(*[{"type": "divider"}] * 101),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
    ),
    (
        modal(text_input(max_length=3001), submit=SUBMIT),
        "must be less than 3001 [json-pointer:/view/blocks/0/element/max_length]",
    ),
    (
        modal(text_input(max_length=5, initial_value="too long"), submit=SUBMIT),
        "must be less than 6 characters [json-pointer:/view/blocks/0/element/initial_value]",
    ),
    (
        modal({**text_input(), "label": {"type": "plain_text", "text": "l" * 2001}}, submit=SUBMIT),
        "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]",
    ),
    (
        modal({**text_input(), "hint": {"type": "plain_text", "text": "h" * 2001}}, submit=SUBMIT),
        "must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]",
    ),
    (
        modal(text_input(placeholder={"type": "plain_text", "text": "p" * 151}), submit=SUBMIT),
        "must be less than 151 characters [json-pointer:/view/blocks/0/element/placeholder/text]",
    ),
    (
        modal(text_input("same"), text_input("same"), submit=SUBMIT),
        "duplicate block_id [json-pointer:/view/blocks/1/block_id]",
    ),
    (
        modal(
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Kinds"},
                "element": {
                    "type": "multi_static_select",
                    "options": options(3),
                    "initial_options": options(3),
                    "max_selected_items": 2,
                },
            },
            submit=SUBMIT,
        ),
        "no more than 2 items allowed [json-pointer:/view/blocks/0/element/initial_options]",
    ),
    (
        modal(
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Kinds"},
                "element": {"type": "checkboxes", "options": options(11)},
            },
            submit=SUBMIT,
        ),
        "no more than 10 items allowed [json-pointer:/view/blocks/0/element/options]",
    ),
    (
        {"type": "home", "blocks": []},
        "unsupported type: home [json-pointer:/view/type]",
    ),
]


@pytest.mark.parametrize(("view", "problem"), VIEW_PROBLEMS)
def test_views_are_checked_like_slack(
    fake: FakeSlack, client: WebClient, view: dict[str, Any], problem: str
) -> None:
    error = slack_error(client.views_open, trigger_id=fake.issue_trigger_id(), view=view)

    assert error.response["error"] == "invalid_arguments"
    messages = error.response["response_metadata"]["messages"]
    assert messages[0] == "[ERROR] failed to match all allowed schemas [json-pointer:/view]"
    assert f"[ERROR] {problem}" in messages
    assert fake.views == {}


def test_a_modal_holds_100_blocks(fake: FakeSlack, client: WebClient) -> None:
    view = modal(*[{"type": "divider"}] * 100)

    assert len(client.views_open(trigger_id=fake.issue_trigger_id(), view=view)["view"]["blocks"])


def test_views_push_stacks_at_most_three_views(fake: FakeSlack, client: WebClient) -> None:
    root = client.views_open(trigger_id=fake.issue_trigger_id(), view=modal(section("1")))
    root_id = root["view"]["id"]
    second = client.views_push(trigger_id=fake.issue_trigger_id(root_id), view=modal(section("2")))
    third = client.views_push(trigger_id=fake.issue_trigger_id(), view=modal(section("3")))

    assert second["view"]["root_view_id"] == root_id
    assert second["view"]["previous_view_id"] == root_id
    assert third["view"]["previous_view_id"] == second["view"]["id"]
    assert error_of(
        client.views_push, trigger_id=fake.issue_trigger_id(root_id), view=modal(section("4"))
    ) == ("push_limit_reached")


def test_views_push_follows_the_trigger_rules(
    fake: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    client.views_open(trigger_id=fake.issue_trigger_id(), view=modal(section("1")))
    stale = fake.issue_trigger_id()
    clock.advance(3.5)

    assert error_of(client.views_push, trigger_id=stale, view=modal(section("2"))) == (
        "expired_trigger_id"
    )
    assert error_of(client.views_push, trigger_id="9.9.f", view=modal(section("2"))) == (
        "invalid_trigger_id"
    )


def test_views_update_by_id_or_external_id_with_hash_protection(
    fake: FakeSlack, client: WebClient
) -> None:
    def version(text: str) -> dict[str, Any]:
        return modal(section(text), external_id="profile-ada")

    opened = client.views_open(trigger_id=fake.issue_trigger_id(), view=version("v1"))["view"]

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=version("v2"))
    by_external = client.views_update(external_id="profile-ada", view=version("v3"))["view"]

    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    assert by_external["id"] == opened["id"]
    assert fake.views[opened["id"]]["blocks"][0]["text"]["text"] == "v3"
    assert error_of(
        client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal(section("x"))
    ) == ("hash_conflict")
    assert error_of(client.views_update, view_id="V999", view=modal(section("x"))) == "not_found"
    assert error_of(client.views_update, external_id="nope", view=modal(section("x"))) == (
        "not_found"
    )


def test_views_open_refuses_an_external_id_already_in_use(
    fake: FakeSlack, client: WebClient
) -> None:
    view = modal(section("x"), external_id="only-one")
    client.views_open(trigger_id=fake.issue_trigger_id(), view=view)

    assert error_of(client.views_open, trigger_id=fake.issue_trigger_id(), view=view) == (
        "duplicate_external_id"
    )


def test_views_publish_sets_a_users_home_tab(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Welcome")]}

    first = client.views_publish(user_id=ADA, view=home)["view"]
    second = client.views_publish(user_id=ADA, view={"type": "home", "blocks": [section("Hi")]})

    assert first["type"] == "home" and second["view"]["id"] == first["id"]
    assert fake.home(ADA) == second["view"]
    assert fake.home(GRACE) is None
    assert error_of(client.views_publish, user_id=ADA, hash=first["hash"], view=home) == (
        "hash_conflict"
    )


def test_views_publish_refuses_unknown_users_modals_and_too_many_blocks(
    client: WebClient,
) -> None:
    home = {"type": "home", "blocks": [section("x")]}
    unknown = slack_error(client.views_publish, user_id="U999", view=home).response
    as_modal = slack_error(client.views_publish, user_id=ADA, view=modal(section("x")))
    too_big = {"type": "home", "blocks": [{"type": "divider"}] * 101}

    assert unknown["error"] == "invalid_arguments"
    assert unknown["response_metadata"]["messages"] == ["[ERROR] invalid `user_id`"]
    assert (
        "[ERROR] unsupported type: modal [json-pointer:/view/type]"
        in (as_modal.response["response_metadata"]["messages"])
    )
    assert error_of(client.views_publish, user_id=ADA, view=too_big) == "invalid_arguments"
    assert client.views_publish(user_id=ADA, view={**too_big, "blocks": too_big["blocks"][:100]})


# -- rate limits and server errors ---------------------------------------------------------


def test_fail_next_ratelimited_is_a_429_with_retry_after(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)

    error = slack_error(client.chat_postMessage, channel=CHANNEL, text="t")

    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response.data == {"ok": False, "error": "ratelimited"}
    assert fake.last("chat.postMessage").http_status == 429
    assert client.chat_postMessage(channel=CHANNEL, text="t")["ok"]


def test_slack_sdks_rate_limit_handler_retries_and_succeeds(fake: FakeSlack) -> None:
    retrying = WebClient(
        base_url=fake.url,
        token=TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", retry_after=1)

    answer = retrying.chat_postMessage(channel=CHANNEL, text="eventually")

    assert answer["ok"]
    assert [call.http_status for call in fake.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["eventually"]


def test_fail_next_can_give_server_errors_and_plain_errors(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("users.info", status=503)
    fake.fail_next("users.info", "fatal_error", status=500)
    fake.fail_next("users.info", "account_inactive", times=2)

    first = slack_error(client.users_info, user=ADA).response
    second = slack_error(client.users_info, user=ADA).response
    plain = [slack_error(client.users_info, user=ADA).response for _ in range(2)]

    assert (first.status_code, first["error"]) == (503, "service_unavailable")
    assert (second.status_code, second["error"]) == (500, "fatal_error")
    assert [(p.status_code, p["error"]) for p in plain] == [(200, "account_inactive")] * 2
    assert client.users_info(user=ADA)["ok"]


def test_a_held_method_answers_only_when_released_and_others_go_on(
    fake: FakeSlack, client: WebClient
) -> None:
    """Slack taking its time: the tests stop a process while Slack has its message."""
    answers: list[Any] = []
    with fake.hold("chat.postMessage") as slow:
        posting = threading.Thread(
            target=lambda: answers.append(client.chat_postMessage(channel=CHANNEL, text="t"))
        )
        posting.start()
        assert slow.wait_for_callers(1)
        assert client.users_info(user=ADA)["ok"]
        assert answers == [] and fake.calls_to("chat.postMessage") == []
    posting.join(timeout=30)
    assert [answer["ok"] for answer in answers] == [True]
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert client.chat_postMessage(channel=CHANNEL, text="not held")["ok"]


def test_a_per_minute_rate_limit_by_the_clock(clock: ManualClock) -> None:
    with FakeSlack(bot_token=TOKEN, clock=clock, rate_limits={"chat.postMessage": 2}) as limited:
        limited.add_user(ADA, real_name="Ada")
        client = WebClient(base_url=limited.url, token=TOKEN)
        client.chat_postMessage(channel=ADA, text="1")
        clock.advance(10)
        client.chat_postMessage(channel=ADA, text="2")

        error = slack_error(client.chat_postMessage, channel=ADA, text="3")
        assert (error.response.status_code, error.response["error"]) == (429, "ratelimited")
        assert error.response.headers["Retry-After"] == "50"
        assert client.users_info(user=ADA)["ok"]
        clock.advance(50)
        assert client.chat_postMessage(channel=ADA, text="3")["ok"]


# -- files ---------------------------------------------------------------------------------


def test_files_upload_v2_round_trip(fake: FakeSlack, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel=CHANNEL,
        content=b"name,email\nAda,ada@example.gov\n",
        filename="roster.csv",
        title="Roster",
        initial_comment="Here is the roster",
    )

    (stored,) = fake.files
    assert answer["file"]["id"] == stored["id"] and answer["file"]["title"] == "Roster"
    assert stored["content"] == b"name,email\nAda,ada@example.gov\n"
    assert (stored["name"], stored["title"], stored["channel"]) == ("roster.csv", "Roster", CHANNEL)
    assert fake.last("files.getUploadURLExternal").args["length"] == str(len(stored["content"]))
    assert fake.last("files.completeUploadExternal").args["files"] == [
        {"id": stored["id"], "title": "Roster"}
    ]
    (message,) = fake.messages(CHANNEL)
    assert message["text"] == "Here is the roster" and message["files"][0]["id"] == stored["id"]


def test_file_uploads_refuse(fake: FakeSlack, client: WebClient) -> None:
    assert error_of(client.files_getUploadURLExternal, filename="a.txt", length=0) == (
        "missing_argument"
    )
    pending = client.files_getUploadURLExternal(filename="a.txt", length=3)["file_id"]
    assert error_of(client.files_completeUploadExternal, files=[{"id": pending}]) == (
        "file_not_found"
    )
    assert error_of(client.files_upload_v2, channel="C999", content=b"abc", filename="a.txt") == (
        "invalid_channel"
    )
    assert fake.files == []


# -- files people share ----------------------------------------------------------------------

ROSTER = b"name,email\nAda,ada@example.gov\n"


def fetch(url: str, token: str | None = None, *, follow: bool = False) -> tuple[int, str, bytes]:
    """GET `url` as a bot would (the token as `Authorization: Bearer`): the status, the
    content type and the body; redirects followed only with `follow`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_a_person_sharing_a_file_in_the_dm_gives_slacks_file_share_event(
    fake: FakeSlack,
) -> None:
    event = fake.share_file(ADA, "roster.csv", ROSTER, text="Here are the coaches")

    dm = fake.dm_channel(ADA)
    assert (event["type"], event["subtype"], event["channel_type"]) == (
        "message",
        "file_share",
        "im",
    )
    assert (event["user"], event["channel"], event["text"]) == (ADA, dm, "Here are the coaches")
    assert event["ts"] == event["event_ts"] and event["upload"] is True
    (shared,) = event["files"]
    assert shared["id"].startswith("F") and shared["user"] == ADA
    assert (shared["name"], shared["mimetype"], shared["filetype"], shared["size"]) == (
        "roster.csv",
        "text/csv",
        "csv",
        len(ROSTER),
    )
    assert shared["url_private"] == f"{fake.root}files-pri/T0TEAM-{shared['id']}/roster.csv"
    assert shared["url_private_download"].endswith(f"{shared['id']}/download/roster.csv")
    (message,) = fake.messages(ADA)
    assert message["user"] == ADA and message["files"][0]["id"] == shared["id"]


def test_slack_works_out_the_kind_of_file_from_its_name(fake: FakeSlack) -> None:
    kinds = {
        name: fake.share_file(ADA, name, b"x")["files"][0]
        for name in ("people.xlsx", "notes.txt", "README")
    }

    assert {name: (f["mimetype"], f["filetype"]) for name, f in kinds.items()} == {
        "people.xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "notes.txt": ("text/plain", "text"),
        "README": ("application/octet-stream", "binary"),
    }


def test_only_people_share_files_and_only_where_they_are(fake: FakeSlack) -> None:
    for user in (GONE, ROBOT, "U999"):
        with pytest.raises(ValueError):
            fake.share_file(user, "a.csv", b"x")
    with pytest.raises(ValueError):
        fake.share_file(GRACE, "a.csv", b"x", channel=CHANNEL)


def test_files_info_describes_a_file_the_bot_can_see(fake: FakeSlack, client: WebClient) -> None:
    shared = fake.share_file(ADA, "roster.csv", ROSTER)["files"][0]

    answer = client.files_info(file=shared["id"])

    info = answer["file"]
    assert {k: info[k] for k in ("id", "name", "user", "size", "url_private")} == {
        k: shared[k] for k in ("id", "name", "user", "size", "url_private")
    }
    assert info["ims"] == [fake.dm_channel(ADA)] and info["channels"] == []
    assert fake.last("files.info").args == {"file": shared["id"]}
    assert answer["comments"] == []


def test_files_info_refuses_what_the_bot_cannot_see(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    fake.add_channel("C777", members=[ADA, GRACE], bot_member=False)
    elsewhere = fake.share_file(ADA, "private.csv", b"x", channel="C777")["files"][0]
    mine = fake.share_file(ADA, "roster.csv", ROSTER)["files"][0]

    assert error_of(client.files_info, file="F0NOSUCH") == "file_not_found"
    assert error_of(client.files_info, file=elsewhere["id"]) == "file_not_found"
    assert error_of(county_client.files_info, file=mine["id"]) == "file_not_found"


def test_files_info_needs_the_files_read_scope(fake: FakeSlack) -> None:
    narrow = fake.add_workspace("T0NARROW", "xoxb-narrow", scopes=["chat:write", "im:history"])
    narrow.add_user("U0N1", real_name="Nell Narrow")
    shared = narrow.share_file("U0N1", "roster.csv", ROSTER)["files"][0]

    failure = slack_error(
        WebClient(base_url=fake.url, token="xoxb-narrow").files_info, file=shared["id"]
    )

    assert failure.response["error"] == "missing_scope"
    assert failure.response["needed"] == "files:read"
    assert failure.response["provided"] == "chat:write,im:history"


def test_url_private_gives_the_file_to_the_workspaces_bot_token(fake: FakeSlack) -> None:
    shared = fake.share_file(ADA, "roster.csv", ROSTER)["files"][0]

    status, content_type, body = fetch(shared["url_private"], TOKEN)
    download = fetch(shared["url_private_download"], TOKEN)

    assert (status, content_type, body) == (200, "text/csv", ROSTER)
    assert download[0] == 200 and download[2] == ROSTER
    call = fake.last("url_private")
    assert (call.ok, call.http_status, call.team_id) == (True, 200, "T0TEAM")


def test_url_private_sends_anyone_else_to_the_sign_in_page(
    fake: FakeSlack, county: Workspace
) -> None:
    narrow = fake.add_workspace("T0NARROW", "xoxb-narrow", scopes=["chat:write"])
    narrow.add_user("U0N1", real_name="Nell Narrow")
    theirs = narrow.share_file("U0N1", "roster.csv", ROSTER)["files"][0]
    shared = fake.share_file(ADA, "roster.csv", ROSTER)["files"][0]
    url = shared["url_private"]

    refused = {
        "no token": fetch(url),
        "unknown token": fetch(url, "xoxb-nobody"),
        "another workspace's token": fetch(url, COUNTY_TOKEN),
        "a token without files:read": fetch(theirs["url_private"], "xoxb-narrow"),
    }
    in_the_query = fetch(url + "?token=" + TOKEN)
    followed = fetch(url, follow=True)

    assert {why: status for why, (status, _, _) in refused.items()} == dict.fromkeys(refused, 302)
    assert in_the_query[0] == 302
    status, content_type, page = followed
    assert status == 200 and content_type.startswith("text/html") and ROSTER not in page
    assert b"Sign in" in page


def test_url_private_is_a_404_for_a_file_that_is_not_there(fake: FakeSlack) -> None:
    shared = fake.share_file(ADA, "roster.csv", ROSTER)["files"][0]
    url = shared["url_private"]

    assert fetch(url.replace(shared["id"], "F0NOSUCH"), TOKEN)[0] == 404
    assert fetch(url.replace("roster.csv", "other.csv"), TOKEN)[0] == 404


def test_the_apps_own_uploads_can_be_looked_up_and_downloaded(
    fake: FakeSlack, client: WebClient
) -> None:
    dm = fake.dm_channel(ADA)
    uploaded = client.files_upload_v2(channel=dm, content=ROSTER, filename="export.csv")["file"]

    info = client.files_info(file=uploaded["id"])["file"]

    assert info["user"] == "UBOT" and info["mimetype"] == "text/csv"
    assert fetch(info["url_private"], TOKEN)[2] == ROSTER


# -- response_url --------------------------------------------------------------------------


def test_a_response_url_post_is_recorded_as_a_call(fake: FakeSlack) -> None:
    url = fake.response_url(user=ADA)

    response = WebhookClient(url).send(text="You're paused", response_type="ephemeral")

    assert response.status_code == 200 and json.loads(response.body) == {"ok": True}
    call = fake.last("response_url")
    assert call.args == {"text": "You're paused", "response_type": "ephemeral"}
    assert (call.ok, call.http_status) == (True, 200)
    assert fake.ephemerals[0]["text"] == "You're paused" and fake.ephemerals[0]["user"] == ADA


def test_a_response_url_works_five_times(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.response_url())

    statuses = [hook.send(text=f"try {n}").status_code for n in range(6)]

    assert statuses == [200] * 5 + [404]
    last = fake.last("response_url")
    assert (last.ok, last.error, last.http_status) == (False, "expired_url", 404)
    assert last.response == {"ok": False, "error": "expired_url"}


def test_a_response_url_expires_after_thirty_minutes(fake: FakeSlack, clock: ManualClock) -> None:
    url = fake.response_url()
    clock.advance(30 * 60)
    assert WebhookClient(url).send(text="just in time").status_code == 200
    clock.advance(1)

    response = WebhookClient(url).send(text="too late")

    assert response.status_code == 404 and json.loads(response.body)["error"] == "expired_url"


def test_a_response_url_can_post_replace_and_delete_in_a_channel(
    fake: FakeSlack, client: WebClient
) -> None:
    original = client.chat_postMessage(channel=CHANNEL, text="Request pending")["ts"]
    url = fake.response_url(channel=CHANNEL, user=ADA, message_ts=original)
    hook = WebhookClient(url)

    hook.send(text="Everyone sees this", response_type="in_channel")
    hook.send(text="Request accepted", replace_original=True)
    texts = [message["text"] for message in fake.messages(CHANNEL)]
    hook.send(delete_original=True)

    assert texts == ["Request accepted", "Everyone sees this"]
    assert [message["text"] for message in fake.messages(CHANNEL)] == ["Everyone sees this"]


def test_a_response_url_checks_blocks_and_content(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.response_url())

    bad = hook.send(text="t", blocks=[section("x" * 3001)])
    empty = hook.send_dict({"response_type": "ephemeral"})

    assert bad.status_code == 400 and json.loads(bad.body)["error"] == "invalid_blocks"
    assert empty.status_code == 400 and json.loads(empty.body)["error"] == "no_text"


# -- recording and running -----------------------------------------------------------------


def test_calls_are_recorded_in_order_and_can_be_reset(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    slack_error(client.users_info, user="U999")
    client.chat_postMessage(channel=CHANNEL, text="t", blocks=[section("b")])

    assert [call.method for call in fake.calls] == ["auth.test", "users.info", "chat.postMessage"]
    assert fake.calls_to("users.info")[0].error == "user_not_found"
    assert fake.last("chat.postMessage").args["blocks"][0]["text"]["text"] == "b"
    assert fake.last("chat.postMessage").response["ok"] is True
    fake.reset_calls()
    assert fake.calls == []
    with pytest.raises(AssertionError, match=r"no views\.open call was made"):
        fake.last("views.open")


def test_form_encoded_json_arguments_are_decoded_in_the_record(
    fake: FakeSlack, client: WebClient
) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": CHANNEL, "blocks": json.dumps([section("form")])},
    )

    assert fake.last("chat.postMessage").args["blocks"] == [section("form")]
    assert fake.messages(CHANNEL)[0]["blocks"][0]["text"]["text"] == "form"


def test_concurrent_calls_are_all_answered_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    def post(worker: int) -> None:
        for n in range(10):
            client.chat_postMessage(channel=CHANNEL, text=f"{worker}-{n}")

    threads = [threading.Thread(target=post, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stamps = [message["ts"] for message in fake.messages(CHANNEL)]
    assert len(fake.calls_to("chat.postMessage")) == 80
    assert len(set(stamps)) == 80 and stamps == sorted(stamps)


def test_the_server_is_quiet_and_stops_cleanly(capfd: pytest.CaptureFixture[str]) -> None:
    fake = FakeSlack(bot_token=TOKEN).start()
    url = fake.url
    WebClient(base_url=url, token=TOKEN).auth_test()
    slack_error(WebClient(base_url=url, token=TOKEN).api_call, "no.such")
    fake.stop()

    assert capfd.readouterr().err == ""
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "auth.test", timeout=2)


# -- several workspaces --------------------------------------------------------------------

COUNTY, COUNTY_TOKEN, COUNTY_BOT = "T0COUNTY", "xoxb-county-token", "UCOUNTYBOT"
CAL, COUNTY_CHANNEL = "U900", "C900"


@pytest.fixture
def county(fake: FakeSlack) -> Workspace:
    """A second workspace behind the same API, with the app installed."""
    county = fake.add_workspace(
        COUNTY, COUNTY_TOKEN, team_name="Travis County", bot_user_id=COUNTY_BOT
    )
    county.add_user(CAL, real_name="Cal Clerk", email="cal@county.example.gov")
    county.add_channel(COUNTY_CHANNEL, members=[CAL])
    return county


@pytest.fixture
def county_client(fake: FakeSlack, county: Workspace) -> WebClient:
    return WebClient(base_url=fake.url, token=COUNTY_TOKEN)


def test_each_token_acts_in_its_own_workspace(
    client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    first, second = client.auth_test(), county_client.auth_test()

    assert (first["team_id"], first["user_id"]) == ("T0TEAM", "UBOT")
    assert (second["team_id"], second["user_id"], second["team"]) == (
        COUNTY,
        COUNTY_BOT,
        "Travis County",
    )
    assert second["bot_id"] == county.bot_id != first["bot_id"]
    assert second["url"] == "https://travis-county.slack.com/"
    assert county_client.team_info()["team"]["id"] == COUNTY
    assert error_of(county_client.team_info, team="T0TEAM") == "team_not_found"
    assert [m["id"] for m in county_client.users_list()["members"]] == [COUNTY_BOT, CAL]
    assert county_client.users_info(user=CAL)["user"]["team_id"] == COUNTY


def test_another_workspaces_ids_are_not_found(
    fake: FakeSlack, client: WebClient, county_client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="first workspace only")["ts"]
    home = client.views_publish(user_id=ADA, view={"type": "home", "blocks": [section("Hi")]})
    pending = client.files_getUploadURLExternal(filename="a.txt", length=3)["file_id"]
    modal_view = modal(section("x"))

    refusals = {
        "users.info": error_of(county_client.users_info, user=ADA),
        "users.lookupByEmail": error_of(county_client.users_lookupByEmail, email="ada@example.gov"),
        "conversations.open": error_of(county_client.conversations_open, users=ADA),
        "conversations.info": error_of(county_client.conversations_info, channel=CHANNEL),
        "conversations.members": error_of(county_client.conversations_members, channel=CHANNEL),
        "chat.postMessage to a channel": error_of(
            county_client.chat_postMessage, channel=CHANNEL, text="x"
        ),
        "chat.postMessage to a user": error_of(
            county_client.chat_postMessage, channel=ADA, text="x"
        ),
        "chat.postEphemeral": error_of(
            county_client.chat_postEphemeral, channel=COUNTY_CHANNEL, user=ADA, text="x"
        ),
        "chat.update": error_of(county_client.chat_update, channel=CHANNEL, ts=posted, text="x"),
        "chat.delete": error_of(county_client.chat_delete, channel=CHANNEL, ts=posted),
        "views.open": error_of(
            county_client.views_open, trigger_id=fake.issue_trigger_id(), view=modal_view
        ),
        "views.update": error_of(
            county_client.views_update, view_id=home["view"]["id"], view=modal_view
        ),
        "views.publish": error_of(
            county_client.views_publish, user_id=ADA, view={"type": "home", "blocks": []}
        ),
        "files.completeUploadExternal": error_of(
            county_client.files_completeUploadExternal, files=[{"id": pending}]
        ),
    }

    assert refusals == {
        "users.info": "user_not_found",
        "users.lookupByEmail": "users_not_found",
        "conversations.open": "user_not_found",
        "conversations.info": "channel_not_found",
        "conversations.members": "channel_not_found",
        "chat.postMessage to a channel": "channel_not_found",
        "chat.postMessage to a user": "channel_not_found",
        "chat.postEphemeral": "user_not_in_channel",
        "chat.update": "channel_not_found",
        "chat.delete": "channel_not_found",
        "views.open": "invalid_trigger_id",
        "views.update": "not_found",
        "views.publish": "invalid_arguments",
        "files.completeUploadExternal": "file_not_found",
    }
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["first workspace only"]


def test_each_workspace_keeps_its_own_messages_homes_views_and_files(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    client.chat_postMessage(channel=ADA, text="for Ada")
    county_client.chat_postMessage(channel=CAL, text="for Cal")
    county_client.views_publish(user_id=CAL, view={"type": "home", "blocks": [section("Cal")]})
    opened = county_client.views_open(
        trigger_id=county.issue_trigger_id(), view=modal(section("county modal"))
    )["view"]
    county_client.chat_postEphemeral(channel=COUNTY_CHANNEL, user=CAL, text="psst")
    county_client.files_upload_v2(channel=COUNTY_CHANNEL, content=b"a,b\n", filename="r.csv")

    assert [m["text"] for m in county.messages(CAL)] == ["for Cal"]
    assert county.messages(CAL)[0]["team"] == COUNTY
    assert county.messages(CAL)[0]["user"] == COUNTY_BOT
    assert [m["text"] for m in fake.messages(ADA)] == ["for Ada"]
    assert county.home(CAL)["blocks"][0]["text"]["text"] == "Cal"
    assert fake.home(CAL) is None
    assert opened["team_id"] == COUNTY and list(county.views) == [
        county.home(CAL)["id"],
        opened["id"],
    ]
    assert fake.views == {}
    assert [e["text"] for e in county.ephemerals] == ["psst"] and fake.ephemerals == []
    assert [f["name"] for f in county.files] == ["r.csv"] and fake.files == []


def test_calls_say_which_workspace_they_acted_in(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    client.auth_test()
    county_client.auth_test()
    slack_error(WebClient(base_url=fake.url, token="xoxb-nobody").auth_test)

    assert [(call.method, call.team_id) for call in fake.calls] == [
        ("auth.test", "T0TEAM"),
        ("auth.test", COUNTY),
        ("auth.test", None),
    ]
    assert [call.team_id for call in county.calls] == [COUNTY]
    assert county.last("auth.test").response["team_id"] == COUNTY
    county.reset_calls()
    assert county.calls == [] and [call.team_id for call in fake.calls] == ["T0TEAM", None]


def test_trigger_ids_and_response_urls_belong_to_their_workspace(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    assert error_of(
        client.views_open, trigger_id=county.issue_trigger_id(), view=modal(section("x"))
    ) == ("invalid_trigger_id")

    hook = WebhookClient(county.response_url(channel=COUNTY_CHANNEL, user=CAL))
    assert hook.send(text="Everyone here sees this", response_type="in_channel").status_code == 200

    assert [m["text"] for m in county.messages(COUNTY_CHANNEL)] == ["Everyone here sees this"]
    assert county.messages(COUNTY_CHANNEL)[0]["user"] == COUNTY_BOT
    assert fake.last("response_url").team_id == COUNTY


def test_user_and_channel_ids_are_unique_across_workspaces_but_grid_members_share_theirs(
    fake: FakeSlack, county: Workspace
) -> None:
    with pytest.raises(ValueError, match="in workspace T0TEAM"):
        county.add_user(ADA, real_name="Ada again")
    with pytest.raises(ValueError, match="in workspace T0TEAM"):
        county.add_channel(CHANNEL)
    with pytest.raises(ValueError, match="already"):
        fake.add_workspace(COUNTY, "xoxb-another")
    with pytest.raises(ValueError, match="another workspace"):
        fake.add_workspace("T0THIRD", COUNTY_TOKEN)
    east = fake.add_workspace("T0EAST", "xoxb-east", enterprise_id="E0STATE")
    west = fake.add_workspace("T0WEST", "xoxb-west", enterprise_id="E0STATE")

    east.add_user("W100", real_name="Grid Member")
    west.add_user("W100", real_name="Grid Member")

    assert fake.workspace("T0WEST").messages("W100") == []
    assert east.dm_channel("W100") != west.dm_channel("W100")
    with pytest.raises(KeyError):
        fake.workspace("T0NOWHERE")


def test_a_grid_workspace_names_its_enterprise_in_auth_test(fake: FakeSlack) -> None:
    fake.add_workspace("T0EAST", "xoxb-east", enterprise_id="E0STATE")

    answer = WebClient(base_url=fake.url, token="xoxb-east").auth_test()

    assert (answer["team_id"], answer["enterprise_id"]) == ("T0EAST", "E0STATE")
    assert answer["is_enterprise_install"] is False


def test_concurrent_calls_from_two_workspaces_each_land_in_their_own(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    def post(sender: WebClient, channel: str, worker: int) -> None:
        for n in range(10):
            sender.chat_postMessage(channel=channel, text=f"{channel}-{worker}-{n}")

    threads = [
        threading.Thread(target=post, args=(sender, channel, worker))
        for worker in range(4)
        for sender, channel in ((client, CHANNEL), (county_client, COUNTY_CHANNEL))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ours, theirs = fake.messages(CHANNEL), county.messages(COUNTY_CHANNEL)
    assert len(ours) == len(theirs) == 40
    assert all(m["text"].startswith(CHANNEL) and m["team"] == "T0TEAM" for m in ours)
    assert all(m["text"].startswith(COUNTY_CHANNEL) and m["team"] == COUNTY for m in theirs)
    assert {c.team_id for c in county.calls} == {COUNTY} and len(county.calls) == 40


# -- rate limits per workspace -------------------------------------------------------------


def test_one_workspace_is_rate_limited_while_the_other_goes_through(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    county.fail_next("chat.postMessage", retry_after=30, times=2)

    limited = [slack_error(county_client.chat_postMessage, channel=CAL, text="x") for _ in "ab"]
    meanwhile = client.chat_postMessage(channel=ADA, text="not held up")

    assert [(e.response.status_code, e.response.headers["Retry-After"]) for e in limited] == [
        (429, "30")
    ] * 2
    assert meanwhile["ok"] and [c.http_status for c in fake.calls_to("chat.postMessage")] == [
        429,
        429,
        200,
    ]
    assert county_client.chat_postMessage(channel=CAL, text="now")["ok"]


def test_fail_next_on_the_fake_fails_the_next_call_from_any_workspace(
    fake: FakeSlack, client: WebClient, county_client: WebClient
) -> None:
    fake.fail_next("users.info", status=503)

    assert slack_error(county_client.users_info, user=CAL).response.status_code == 503
    assert client.users_info(user=ADA)["ok"] and county_client.users_info(user=CAL)["ok"]


def test_per_minute_rate_limits_are_counted_in_each_workspace(clock: ManualClock) -> None:
    with FakeSlack(bot_token=TOKEN, clock=clock, rate_limits={"chat.postMessage": 1}) as limited:
        limited.add_user(ADA, real_name="Ada")
        limited.add_workspace(COUNTY, COUNTY_TOKEN).add_user(CAL, real_name="Cal")
        first = WebClient(base_url=limited.url, token=TOKEN)
        second = WebClient(base_url=limited.url, token=COUNTY_TOKEN)

        assert first.chat_postMessage(channel=ADA, text="1")["ok"]
        assert second.chat_postMessage(channel=CAL, text="1")["ok"]
        error = slack_error(first.chat_postMessage, channel=ADA, text="2")
        assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "60")


# -- installing with OAuth v2 --------------------------------------------------------------

CLIENT_ID, CLIENT_SECRET = "1234.5678", "client-secret-value"
REDIRECT = "https://bot.example.gov/slack/oauth_redirect"
NEW_TEAM, INSTALLER = "T0NEWCOUNTY", "U500"
SCOPES = "chat:write,commands,users:read"


@pytest.fixture
def newcomer(fake: FakeSlack) -> Workspace:
    """A workspace where the app is not installed yet, and the app ready for OAuth."""
    fake.enable_oauth(CLIENT_ID, CLIENT_SECRET, [REDIRECT])
    workspace = fake.add_workspace(NEW_TEAM, team_name="New County")
    workspace.add_user(INSTALLER, real_name="Ines Installer")
    return workspace


def authorize_url(fake: FakeSlack, **params: str) -> str:
    query = {"client_id": CLIENT_ID, "scope": SCOPES, "state": "s-1", **params}
    return fake.authorize_url + "?" + urllib.parse.urlencode(query)


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def exchange(fake: FakeSlack, code: str, **fields: Any) -> Any:
    client = WebClient(base_url=fake.url)
    fields = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **fields}
    return client.oauth_v2_access(code=code, **fields)


def bolt_oauth(fake: FakeSlack, tmp_path: Path) -> tuple[OAuthFlow, SQLAlchemyInstallationStore]:
    """Bolt's OAuth flow for the app, with slack_sdk's SQLAlchemy stores on SQLite."""
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'oauth.db'}")
    installations = SQLAlchemyInstallationStore(CLIENT_ID, engine)
    installations.create_tables()
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    states.metadata.create_all(engine)
    settings = OAuthSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=SCOPES.split(","),
        user_scopes=[],
        redirect_uri=REDIRECT,
        authorization_url=fake.authorize_url,
        install_page_rendering_enabled=False,
        installation_store=installations,
        state_store=states,
    )
    return OAuthFlow(client=WebClient(base_url=fake.url), settings=settings), installations


def test_bolts_oauth_flow_installs_the_app_in_another_workspace(
    fake: FakeSlack, newcomer: Workspace, tmp_path: Path
) -> None:
    flow, installations = bolt_oauth(fake, tmp_path)

    start = flow.handle_installation(BoltRequest(body="", query="", headers={}))
    redirect = fake.authorize(start.headers["location"][0], NEW_TEAM, INSTALLER)
    cookie = start.headers["set-cookie"][0].split(";")[0]
    callback = BoltRequest(
        body="", query=urllib.parse.urlsplit(redirect).query, headers={"cookie": cookie}
    )
    done = flow.handle_callback(callback)

    assert start.status == 302 and redirect.startswith(REDIRECT + "?code=")
    assert done.status == 200, done.body
    installation = installations.find_installation(enterprise_id=None, team_id=NEW_TEAM)
    assert installation is not None
    assert installation.bot_token == newcomer.bot_token
    assert installation.bot_token.startswith("xoxb-")
    assert (installation.bot_user_id, installation.bot_id) == (
        newcomer.bot_user_id,
        newcomer.bot_id,
    )
    assert (installation.user_id, installation.app_id) == (INSTALLER, fake.app_id)
    assert installation.bot_scopes == SCOPES.split(",")
    assert (installation.team_name, installation.enterprise_id) == ("New County", None)
    installed = WebClient(base_url=fake.url, token=installation.bot_token)
    answer = installed.auth_test()
    assert answer["team_id"] == NEW_TEAM and answer.headers["x-oauth-scopes"] == SCOPES
    assert installed.chat_postMessage(channel=INSTALLER, text="Thanks for installing")["ok"]
    assert [m["text"] for m in newcomer.messages(INSTALLER)] == ["Thanks for installing"]


def test_oauth_v2_access_answers_what_slack_documents(fake: FakeSlack, newcomer: Workspace) -> None:
    redirect = fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER)

    answer = exchange(fake, query_of(redirect)["code"]).data

    assert answer == {
        "ok": True,
        "app_id": fake.app_id,
        "authed_user": {"id": INSTALLER},
        "scope": SCOPES,
        "token_type": "bot",
        "access_token": newcomer.bot_token,
        "bot_user_id": newcomer.bot_user_id,
        "team": {"id": NEW_TEAM, "name": "New County"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    assert query_of(redirect)["state"] == "s-1"
    assert fake.last("oauth.v2.access").team_id is None


def test_cancel_sends_the_browser_back_with_access_denied(
    fake: FakeSlack, newcomer: Workspace
) -> None:
    redirect = fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER, allow=False)

    assert redirect.startswith(REDIRECT + "?")
    assert query_of(redirect) == {"error": "access_denied", "state": "s-1"}
    assert newcomer.bot_token is None


def test_a_code_is_exchanged_once_and_within_ten_minutes(
    fake: FakeSlack, newcomer: Workspace, clock: ManualClock
) -> None:
    first = query_of(fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER))["code"]
    assert exchange(fake, first)["ok"]
    stale = query_of(fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER))["code"]
    clock.advance(600)
    on_time = query_of(fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER))["code"]
    clock.advance(1)

    assert error_of(exchange, fake, first) == "invalid_code"
    assert error_of(exchange, fake, stale) == "invalid_code"
    assert error_of(exchange, fake, "1.2.not-a-code") == "invalid_code"
    assert exchange(fake, on_time)["ok"]


def test_oauth_v2_access_checks_the_client_and_the_redirect_uri(
    fake: FakeSlack, newcomer: Workspace
) -> None:
    def code(**params: str) -> str:
        return query_of(fake.authorize(authorize_url(fake, **params), NEW_TEAM, INSTALLER))["code"]

    with_redirect = code(redirect_uri=REDIRECT)

    assert error_of(exchange, fake, code(), client_id="9999.9999") == "invalid_client_id"
    assert error_of(exchange, fake, code(), client_secret="wrong") == "bad_client_secret"
    assert error_of(exchange, fake, code(), redirect_uri=REDIRECT + "/other") == (
        "bad_redirect_uri"
    )
    assert error_of(exchange, fake, code(), grant_type="refresh_token") == ("invalid_refresh_token")
    assert exchange(fake, with_redirect)["ok"], "one Redirect URL: it may be left out"
    fake.enable_oauth(CLIENT_ID, CLIENT_SECRET, [REDIRECT, REDIRECT + "/second"])
    sent_second = code(redirect_uri=REDIRECT + "/second")
    assert error_of(exchange, fake, sent_second) == "bad_redirect_uri"
    assert exchange(fake, sent_second, redirect_uri=REDIRECT + "/second")["ok"]


def test_client_credentials_may_come_as_form_fields(fake: FakeSlack, newcomer: Workspace) -> None:
    code = query_of(fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER))["code"]
    form = urllib.parse.urlencode(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
    ).encode()

    status, _, answer = raw_post(
        fake.url + "oauth.v2.access", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert (status, answer["ok"], answer["team"]["id"]) == (200, True, NEW_TEAM)


@pytest.mark.parametrize(
    ("params", "page"),
    [
        ({"client_id": "9999.9999"}, "Invalid client_id parameter"),
        (
            {"redirect_uri": "https://evil.example/steal"},
            "redirect_uri did not match any configured URIs",
        ),
        ({"scope": ""}, "Invalid permissions requested"),
        ({"scope": "chat:write,Not A Scope"}, "Invalid permissions requested"),
    ],
)
def test_slack_shows_an_error_page_instead_of_redirecting(
    fake: FakeSlack, newcomer: Workspace, params: dict[str, str], page: str
) -> None:
    url = authorize_url(fake, **params)

    with pytest.raises(OAuthPageError, match=page):
        fake.authorize(url, NEW_TEAM, INSTALLER)
    status, headers, body = browse(url)
    assert (status, "Location" in headers) == (400, False)
    assert page in html.unescape(body)


def test_the_authorize_page_asks_and_redirects_like_slack(
    fake: FakeSlack, newcomer: Workspace
) -> None:
    url = authorize_url(fake, redirect_uri=REDIRECT)

    status, _, page = browse(url)
    form = {
        "authorize_url": html.unescape(re.search(r'name="authorize_url" value="([^"]*)"', page)[1]),
        "member": f"{NEW_TEAM} {INSTALLER}",
        "decision": "allow",
    }
    allowed = browse(fake.authorize_url, urllib.parse.urlencode(form).encode())
    cancelled = browse(
        fake.authorize_url, urllib.parse.urlencode({**form, "decision": "cancel"}).encode()
    )

    assert status == 200 and "Ines Installer in New County" in page and "Allow" in page
    assert allowed[0] == 302 and exchange(fake, query_of(allowed[1]["Location"])["code"])["ok"]
    assert cancelled[0] == 302 and query_of(cancelled[1]["Location"])["error"] == "access_denied"


def test_installing_again_keeps_the_token_and_adds_scopes(
    fake: FakeSlack, newcomer: Workspace
) -> None:
    first = exchange(
        fake, query_of(fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER))["code"]
    )
    more = authorize_url(fake, scope="chat:write,im:history")
    again = exchange(fake, query_of(fake.authorize(more, NEW_TEAM, INSTALLER))["code"])

    assert again["access_token"] == first["access_token"]
    assert again["scope"] == SCOPES + ",im:history"


def test_authorize_is_only_for_people_of_the_workspace_and_bot_scopes(
    fake: FakeSlack, newcomer: Workspace
) -> None:
    with pytest.raises(ValueError, match="not a person"):
        fake.authorize(authorize_url(fake), NEW_TEAM, ADA)
    with pytest.raises(ValueError, match="not a person"):
        fake.authorize(authorize_url(fake), NEW_TEAM, newcomer.bot_user_id)
    with pytest.raises(NotImplementedError, match="user tokens"):
        fake.authorize(authorize_url(fake, user_scope="search:read"), NEW_TEAM, INSTALLER)
    with pytest.raises(ValueError, match="not this fake's"):
        fake.authorize("https://slack.com/oauth/v2/authorize?client_id=1", NEW_TEAM, INSTALLER)


def test_an_org_wide_install_has_no_team_and_reaches_no_workspace_yet(
    fake: FakeSlack, tmp_path: Path
) -> None:
    fake.enable_oauth(CLIENT_ID, CLIENT_SECRET, [REDIRECT], org_deploy=True)
    grid = fake.add_workspace(
        "T0EAST", team_name="East", enterprise_id="E0STATE", enterprise_name="State Association"
    )
    grid.add_user("W100", real_name="Olive Orgadmin")
    flow, _ = bolt_oauth(fake, tmp_path)
    code = query_of(fake.authorize(authorize_url(fake), "T0EAST", "W100", org_wide=True))["code"]

    installation = flow.run_installation(code)

    assert installation is not None and installation.is_enterprise_install is True
    assert (installation.team_id, installation.enterprise_id) == (None, "E0STATE")
    assert installation.enterprise_name == "State Association"
    assert installation.enterprise_url == "https://state-association.enterprise.slack.com/"
    answer = fake.last("oauth.v2.access").response
    assert (answer["team"], answer["is_enterprise_install"]) == (None, True)
    assert answer["enterprise"] == {"id": "E0STATE", "name": "State Association"}
    org_client = WebClient(base_url=fake.url, token=installation.bot_token)
    assert error_of(org_client.chat_postMessage, channel="W100", text="hi") == (
        "team_access_not_granted"
    )
    assert grid.bot_token is None


def test_installing_in_a_grid_workspace_names_its_enterprise(fake: FakeSlack) -> None:
    fake.enable_oauth(CLIENT_ID, CLIENT_SECRET, [REDIRECT], org_deploy=True)
    grid = fake.add_workspace("T0EAST", team_name="East", enterprise_id="E0STATE")
    grid.add_user("W100", real_name="Wes Workspace")

    code = query_of(fake.authorize(authorize_url(fake), "T0EAST", "W100"))["code"]
    answer = exchange(fake, code)

    assert answer["team"] == {"id": "T0EAST", "name": "East"}
    assert answer["enterprise"] == {"id": "E0STATE", "name": "E0STATE"}
    assert answer["is_enterprise_install"] is False and answer["access_token"] == grid.bot_token


def test_org_wide_installs_need_a_grid_workspace_and_an_org_ready_app(
    fake: FakeSlack, newcomer: Workspace
) -> None:
    grid = fake.add_workspace("T0EAST", enterprise_id="E0STATE")
    grid.add_user("W100", real_name="Olive Orgadmin")

    with pytest.raises(ValueError, match="org-ready app"):
        fake.authorize(authorize_url(fake), NEW_TEAM, INSTALLER, org_wide=True)
    with pytest.raises(ValueError, match="org-ready app"):
        fake.authorize(authorize_url(fake), "T0EAST", "W100", org_wide=True)


# -- uninstalling --------------------------------------------------------------------------


def test_uninstalled_tokens_are_account_inactive_then_invalid_after_a_new_install(
    fake: FakeSlack, client: WebClient, county: Workspace, county_client: WebClient
) -> None:
    fake.enable_oauth(CLIENT_ID, CLIENT_SECRET, [REDIRECT])

    county.uninstall()

    assert error_of(county_client.auth_test) == "account_inactive"
    assert error_of(county_client.chat_postMessage, channel=CAL, text="x") == "account_inactive"
    assert [(c.method, c.error) for c in county.calls][-1] == (
        "chat.postMessage",
        "account_inactive",
    )
    assert client.chat_postMessage(channel=ADA, text="the other workspace is fine")["ok"]
    assert county.bot_token is None
    code = query_of(fake.authorize(authorize_url(fake), COUNTY, CAL))["code"]
    reinstalled = exchange(fake, code)["access_token"]
    assert reinstalled != COUNTY_TOKEN and county.bot_token == reinstalled
    assert error_of(county_client.auth_test) == "invalid_auth"
    assert WebClient(base_url=fake.url, token=reinstalled).auth_test()["team_id"] == COUNTY
