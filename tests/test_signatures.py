"""Only Slack can talk to the bot: every request must carry a fresh signature made with
the app's signing secret over the exact body. A forged, missing, stale or tampered
request is refused with 401 and changes nothing: no rows, no calls to Slack.

Each kind of request the bot serves is tried: a slash command, a button click
(block_actions), a modal submission (view_submission) and an event (app_home_opened).
Each would change something if it were accepted, which the control test shows.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from coaching.profiles import Contact, LearnerApplication
from handlers import ids
from handlers.views import profiles as profile_views
from storage.models import CoachProfile, LearnerProfile

from fakeslack import requests as slack
from support.harness import BotHarness
from support.seed import add_coach
from support.workspace import (
    COACH,
    COORDINATOR,
    LEARNER,
    SIGNING_SECRET,
    TEAM,
    learner_form_values,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

FIVE_MINUTES = 5 * 60
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SignedRequest:
    """A request as Slack would send it: who acts, the body, and its content type."""

    actor: str
    body: str
    content_type: str


def slash_command(bot: BotHarness) -> SignedRequest:
    """`/coaching-profile coach`: would look the user up and open the coach form."""
    fields = slack.command(
        command=ids.PROFILE.name,
        user=COACH,
        team=TEAM,
        text="coach",
        trigger_id=bot.fake.issue_trigger_id(),
        response_url=bot.fake.response_url(),
    )
    return SignedRequest(COACH, urllib.parse.urlencode(fields), FORM)


def button_click(bot: BotHarness) -> SignedRequest:
    """ "Pause coaching" on the Home tab: would pause the coach and re-publish the Home."""
    payload = slack.block_actions(
        user=COACH,
        team=TEAM,
        action=slack.action(ids.HOME_PAUSE, value="pause", block_id="coach-actions"),
    )
    return SignedRequest(COACH, urllib.parse.urlencode({"payload": json.dumps(payload)}), FORM)


def modal_submission(bot: BotHarness) -> SignedRequest:
    """A complete learner form: would register the learner and DM them."""
    view = profile_views.learner_form(LearnerApplication(contact=Contact())).to_dict() | {
        "id": "V0LEARNERFORM",
        "hash": "1.abc",
    }
    payload = slack.view_submission(
        user=LEARNER, team=TEAM, view=view, values=learner_form_values()
    )
    return SignedRequest(LEARNER, urllib.parse.urlencode({"payload": json.dumps(payload)}), FORM)


def home_opened(bot: BotHarness) -> SignedRequest:
    """The Home tab opened: would publish the Home view."""
    payload = slack.event(
        team=TEAM, event={"type": "app_home_opened", "user": LEARNER, "tab": "home"}
    )
    return SignedRequest(LEARNER, json.dumps(payload), "application/json")


KINDS: dict[str, Callable[[BotHarness], SignedRequest]] = {
    "slash command": slash_command,
    "button click": button_click,
    "modal submission": modal_submission,
    "event": home_opened,
}


def signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    return str(SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body))


def send(bot: BotHarness, request: SignedRequest, headers: dict[str, str], body: str) -> int:
    """POST `body` with exactly `headers` (no signing of our own); the HTTP status."""
    return bot.sender.send(body.encode(), {"Content-Type": request.content_type, **headers}).status


def signed_headers(body: str, timestamp: int) -> dict[str, str]:
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(body, timestamp),
    }


def forged(request: SignedRequest) -> tuple[dict[str, str], str]:
    now = int(time.time())
    headers = {
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": signature(request.body, now, secret="a-guessed-signing-secret"),
    }
    return headers, request.body


def missing_signature(request: SignedRequest) -> tuple[dict[str, str], str]:
    return {"X-Slack-Request-Timestamp": str(int(time.time()))}, request.body


def missing_timestamp(request: SignedRequest) -> tuple[dict[str, str], str]:
    headers = signed_headers(request.body, int(time.time()))
    del headers["X-Slack-Request-Timestamp"]
    return headers, request.body


def stale(request: SignedRequest) -> tuple[dict[str, str], str]:
    """Correctly signed six minutes ago: a replay of a recorded request."""
    return signed_headers(request.body, int(time.time()) - FIVE_MINUTES - 60), request.body


def from_the_future(request: SignedRequest) -> tuple[dict[str, str], str]:
    """Correctly signed, but dated six minutes ahead."""
    return signed_headers(request.body, int(time.time()) + FIVE_MINUTES + 60), request.body


def altered_after_signing(request: SignedRequest) -> tuple[dict[str, str], str]:
    """Signed as sent by the actor, then changed to claim a coordinator sent it."""
    headers = signed_headers(request.body, int(time.time()))
    altered = request.body.replace(request.actor, COORDINATOR)
    assert altered != request.body
    return headers, altered


TAMPERING: dict[str, Callable[[SignedRequest], tuple[dict[str, str], str]]] = {
    "forged signature": forged,
    "no signature": missing_signature,
    "no timestamp": missing_timestamp,
    "older than five minutes": stale,
    "more than five minutes ahead": from_the_future,
    "body altered after signing": altered_after_signing,
}


def seed(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_coach(session, COACH)


@pytest.mark.parametrize("tampering", TAMPERING)
@pytest.mark.parametrize("kind", KINDS)
def test_an_unverified_request_is_refused_and_changes_nothing(
    bot: BotHarness, kind: str, tampering: str
) -> None:
    seed(bot)
    request = KINDS[kind](bot)
    headers, body = TAMPERING[tampering](request)
    before = bot.rows()

    status = send(bot, request, headers, body)

    assert status == 401
    assert bot.rows() == before
    assert [call.method for call in bot.fake.calls] == ["auth.test"]
    assert bot.fake.ephemerals == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_correctly_signed_request_is_served(bot: BotHarness, kind: str) -> None:
    """The control: the same requests, signed as Slack signs them, do change things."""
    seed(bot)
    request = KINDS[kind](bot)
    before = bot.rows()

    status = send(bot, request, signed_headers(request.body, int(time.time())), request.body)

    assert status == 200
    made = {call.method for call in bot.fake.calls} - {"auth.test"}
    assert made, "the request was accepted but did nothing"
    if kind in ("button click", "modal submission"):
        assert bot.rows() != before
    with bot.sessions() as session:
        if kind == "button click":
            assert session.scalars(select(CoachProfile.paused_at)).one() is not None
        if kind == "modal submission":
            assert session.scalars(select(LearnerProfile)).one().why_coaching


@pytest.mark.parametrize("kind", KINDS)
def test_a_request_signed_four_minutes_ago_is_still_served(bot: BotHarness, kind: str) -> None:
    """Slack retries and slow networks are tolerated inside the five-minute window."""
    seed(bot)
    request = KINDS[kind](bot)
    four_minutes_ago = int(time.time()) - 4 * 60

    status = send(bot, request, signed_headers(request.body, four_minutes_ago), request.body)

    assert status == 200
    assert {call.method for call in bot.fake.calls} - {"auth.test"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_timestamp_is_refused_and_changes_nothing(bot: BotHarness, kind: str) -> None:
    seed(bot)
    request = KINDS[kind](bot)
    headers = {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=" + "0" * 64}
    before = bot.rows()

    status = send(bot, request, headers, request.body)

    assert bot.rows() == before
    assert [call.method for call in bot.fake.calls] == ["auth.test"]
    assert status == 401
