"""The door of POST /slack/events (bot/door.py) refuses, before Bolt sees anything:

- a body over the size limit, with 413, without reading it;
- a request Slack did not sign, with 401: a timestamp that is not plain ASCII digits
  within five minutes of now, or a signature that does not match the body;
- a signed body that is not a request Slack sends, with 400.

Nothing else happens for any of them: no row changes, no call to Slack (the fake Web API
records every call; `auth.test` is the bot's own at start), and nothing of the body
reaches the log, even at DEBUG. tests/test_signatures.py tries forged, missing, stale
and altered signatures on each kind of request; this file has what a hostile probe got
through before, the size limit, and a property test that throws whole requests at the
door: headers, timestamps, body shapes and sizes, content types, another team's ids.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from bot.app import SORRY
from bot.door import MAX_BODY_BYTES
from bot.server import EVENTS_PATH, build_web_app
from coaching import profiles
from coaching.profiles import Contact, LearnerApplication
from handlers import ids
from handlers.views import profiles as profile_views
from storage.models import CoachProfile

from fakeslack import requests as slack
from fakeslack.requests import Response
from support.harness import BotHarness
from support.seed import add_coach
from support.workspace import (
    COACH,
    COORDINATOR,
    LEARNER,
    SIGNING_SECRET,
    TEAM,
    coach_form_values,
    learner_form_values,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
FIVE_MINUTES = 5 * 60
MARKER = "quince-lantern-whisper"
"""Stands for what people type: it goes into every body sent here."""


# -- requests -------------------------------------------------------------------------


def now() -> str:
    return str(int(time.time()))


def signed(body: bytes, timestamp: str | None = None, secret: str = SIGNING_SECRET) -> dict:
    """The headers Slack would send with `body`, signed over `timestamp` as the bot will
    read it (see `as_read`)."""
    timestamp = now() if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": wire(timestamp), "X-Slack-Signature": signature}


def wire(value: str) -> bytes:
    """A header value as a client puts it on the wire: Latin-1 if it can, else UTF-8."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def as_read(value: str) -> str:
    """A header value as the bot reads it: waitress takes header bytes as Latin-1."""
    return wire(value).decode("latin-1")


def learner_form_view() -> dict[str, Any]:
    """The learner form as Slack holds it once opened."""
    view = profile_views.learner_form(LearnerApplication(contact=Contact())).to_dict()
    return view | {"id": "V0LEARNERFORM", "hash": "1.abc", "private_metadata": ""}


def private_submission(user: str = LEARNER, team: str = TEAM) -> dict[str, Any]:
    """A learner form whose private answers hold MARKER."""
    values = learner_form_values(why_coaching=MARKER, hopes=MARKER, coach_preferences=MARKER)
    return slack.view_submission(user=user, team=team, view=learner_form_view(), values=values)


def click(user: str = COACH, team: str = TEAM, action_id: str = ids.HOME_PAUSE) -> dict:
    """The Home tab's "Pause coaching" button: would pause the coach, re-publish the Home."""
    return slack.block_actions(
        user=user,
        team=team,
        action=slack.action(action_id, value=MARKER, block_id="coach-actions"),
        trigger_id="1.trigger",
    )


def command(user: str = COACH, team: str = TEAM, name: str = ids.PROFILE.name) -> dict:
    return slack.command(command=name, user=user, team=team, text=MARKER, trigger_id="1.t")


def home_opened(user: str = LEARNER, team: str = TEAM) -> dict[str, Any]:
    return slack.event(team=team, event={"type": "app_home_opened", "user": user})


def without(message: Any, *path: str | int) -> Any:
    """A copy of `message` with the key (or item) at `path` removed."""
    copied = copy.deepcopy(message)
    holder = copied
    for step in path[:-1]:
        holder = holder[step]
    del holder[path[-1]]
    return copied


def interactive(payload: Any) -> tuple[str, bytes]:
    return FORM, slack.interactive_body(payload).encode()


def form(fields: dict[str, str]) -> tuple[str, bytes]:
    return FORM, urllib.parse.urlencode(fields).encode()


def as_json(message: Any) -> tuple[str, bytes]:
    return JSON, json.dumps(message).encode()


def utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def send(bot: BotHarness, content_type: str, body: bytes, headers: dict) -> Response:
    return bot.sender.send(body, {"Content-Type": content_type, **headers}, timeout=10)


# -- nothing happened -----------------------------------------------------------------


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """pytest's log capture at DEBUG for every logger. Bolt copies the root's level into
    its loggers when it makes them, so each one is set too."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


class Untouched:
    """What the bot holds and has done, to check a request changed and did nothing."""

    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot
        self.rows = bot.rows()
        self.calls = len(bot.fake.calls)

    def check(self) -> None:
        made = [call.method for call in self.bot.fake.calls[self.calls :]]
        assert made == [], "a refused request called Slack"
        assert self.bot.rows() == self.rows, "a refused request changed the database"


@pytest.fixture
def untouched(bot: BotHarness) -> Iterator[Untouched]:
    """A coach in the program (whom a click could pause), and everything as it is now."""
    with bot.sessions.begin() as session:
        add_coach(session, COACH)
    yield Untouched(bot)


# -- 401: not signed by Slack ---------------------------------------------------------

ODD_TIMESTAMPS: dict[str, Callable[[], str]] = {
    "superscript two": lambda: "²",
    "superscript digits": lambda: "³²¹",
    "Arabic-Indic digits": lambda: now().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    "full-width digits": lambda: now().translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    ),
    "a leading space": lambda: f" {now()}",
    "a trailing tab": lambda: f"{now()}\t",
    "a plus sign": lambda: f"+{now()}",
    "underscores": lambda: f"{int(now()):_}",
    "a decimal point": lambda: f"{now()}.0",
    "an exponent": lambda: f"{int(now()) / 1e9}e9",
    "thirteen digits": lambda: f"000{now()}",
    "negative": lambda: f"-{now()}",
    "huge": lambda: "9" * 40,
    "empty": lambda: "",
}


@pytest.mark.parametrize("odd", ODD_TIMESTAMPS)
def test_a_timestamp_that_is_not_plain_digits_is_refused_whatever_the_signature(
    bot: BotHarness, untouched: Untouched, everything_logged: pytest.LogCaptureFixture, odd: str
) -> None:
    """Signed over the odd timestamp itself, so only the timestamp's form is wrong.
    Before, `²` passed `str.isdigit()`, Bolt's verifier raised on `int("²")`, and the
    error handler DMed whoever the click named."""
    content_type, body = interactive(click(user=LEARNER))
    timestamp = ODD_TIMESTAMPS[odd]()

    reply = send(bot, content_type, body, signed(body, as_read(timestamp)))

    assert reply.status == 401
    assert MARKER not in everything_logged.text
    untouched.check()


@pytest.mark.parametrize(
    "signature",
    ["v0=" + "é" * 64, "v0=" + "0" * 63 + "²", "V0=" + "0" * 64, "v0=" + "0" * 64 + " "],
)
def test_a_signature_that_is_not_v0_and_hex_is_refused(
    bot: BotHarness, untouched: Untouched, signature: str
) -> None:
    """A non-ASCII signature made slack_sdk's constant-time comparison raise."""
    content_type, body = interactive(click(user=LEARNER))
    headers = {"X-Slack-Request-Timestamp": now(), "X-Slack-Signature": wire(signature)}

    assert send(bot, content_type, body, headers).status == 401
    untouched.check()


REFUSED_UNSIGNED: dict[str, Callable[[bytes], dict]] = {
    "a forged signature": lambda body: signed(body, secret="a-guessed-signing-secret"),
    "signed six minutes ago": lambda body: signed(body, str(int(now()) - FIVE_MINUTES - 60)),
    "dated six minutes ahead": lambda body: signed(body, str(int(now()) + FIVE_MINUTES + 60)),
}


@pytest.mark.parametrize("how", REFUSED_UNSIGNED)
def test_a_refused_request_leaves_nothing_people_typed_in_the_log(
    bot: BotHarness, untouched: Untouched, everything_logged: pytest.LogCaptureFixture, how: str
) -> None:
    """Bolt's own verifier logged every refused body whole, at INFO: a stale debrief put
    its answers in the log."""
    content_type, body = interactive(private_submission())

    reply = send(bot, content_type, body, REFUSED_UNSIGNED[how](body))

    assert reply.status == 401
    assert "Refused a request that Slack did not sign" in everything_logged.text
    assert MARKER not in everything_logged.text
    untouched.check()


def test_a_body_that_is_not_utf8_cannot_be_verified(bot: BotHarness, untouched: Untouched) -> None:
    body = slack.interactive_body(click(user=LEARNER)).encode() + b"\xff\xfe"
    headers = {"X-Slack-Request-Timestamp": now(), "X-Slack-Signature": "v0=" + "0" * 64}

    assert send(bot, FORM, body, headers).status == 401
    untouched.check()


# -- 400: signed, but not what Slack sends --------------------------------------------

MALFORMED: dict[str, Callable[[], tuple[str, bytes]]] = {
    "payload={": lambda: (FORM, f"payload={{{MARKER}".encode()),
    "payload=null": lambda: interactive(None),
    "payload=[]": lambda: interactive([]),
    "a payload that is a string": lambda: interactive(MARKER),
    "a JSON list as the body": lambda: as_json([private_submission()]),
    "JSON null as the body": lambda: (JSON, b"null"),
    "broken JSON": lambda: (
        JSON,
        b'{"type": "event_callback", "event": {"text": "' + MARKER.encode(),
    ),
    "JSON nested too deep to read": lambda: (JSON, b"[" * 400_000 + b"]" * 400_000),
    "an empty body": lambda: (FORM, b""),
    "form fields that are neither a command nor a payload": lambda: form({"text": MARKER}),
    "a submission with no view": lambda: interactive(without(private_submission(), "view")),
    "a view with no type": lambda: interactive(without(private_submission(), "view", "type")),
    "a view with no callback_id": lambda: interactive(
        without(private_submission(), "view", "callback_id")
    ),
    "a view that is a string": lambda: interactive(private_submission() | {"view": MARKER}),
    "a submitted view with no state": lambda: interactive(
        without(private_submission(), "view", "state")
    ),
    "a payload with no user": lambda: interactive(without(private_submission(), "user")),
    "a payload with no team id": lambda: interactive(without(click(), "team", "id")),
    "a user that is a string": lambda: interactive(click() | {"user": COACH}),
    "a team id that is a number": lambda: interactive(click() | {"team": {"id": 7}}),
    "a click with no trigger_id": lambda: interactive(without(click(), "trigger_id")),
    "block_actions with no actions": lambda: interactive(without(click(), "actions")),
    "block_actions with an empty actions list": lambda: interactive(click() | {"actions": []}),
    "an action that is a string": lambda: interactive(click() | {"actions": [MARKER]}),
    "an action with no action_id": lambda: interactive(without(click(), "actions", 0, "action_id")),
    "response_urls that are strings": lambda: interactive(
        private_submission() | {"response_urls": [MARKER]}
    ),
    "a kind of payload the bot does not serve": lambda: interactive(
        click() | {"type": "block_suggestion", "value": MARKER}
    ),
    "a command with no user": lambda: form(without(command(), "user_id")),
    "a command with no team": lambda: form(without(command(), "team_id")),
    "an event with no event": lambda: as_json(without(home_opened(), "event")),
    "an event that is a string": lambda: as_json(home_opened() | {"event": MARKER}),
    "an event with no team": lambda: as_json(without(home_opened(), "team_id")),
    "url_verification with no challenge": lambda: as_json(
        {"type": "url_verification", "token": MARKER}
    ),
}


@pytest.mark.parametrize("malformed", MALFORMED)
def test_a_signed_but_malformed_request_is_refused_and_changes_nothing(
    bot: BotHarness,
    untouched: Untouched,
    everything_logged: pytest.LogCaptureFixture,
    malformed: str,
) -> None:
    content_type, body = MALFORMED[malformed]()

    reply = send(bot, content_type, body, signed(body))

    assert (reply.status, reply.body) == (400, "malformed request")
    assert "Refused a signed request" in everything_logged.text
    assert MARKER not in everything_logged.text
    untouched.check()


@pytest.mark.parametrize(
    "fields", [{"text": "payload"}, {"team_domain": "payload-partners", "text": "budget"}]
)
def test_a_command_that_mentions_payload_is_served(bot: BotHarness, fields: dict[str, str]) -> None:
    """Bolt reads a form body holding the word "payload" anywhere as an empty click; the
    door parses bodies itself."""
    with bot.sessions.begin() as session:
        add_coach(session, COACH)
    content_type, body = form(command(LEARNER, name=ids.FIND_COACH.name) | fields)

    reply = send(bot, content_type, body, signed(body))

    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"


def test_url_verification_answers_the_challenge_only_when_signed(bot: BotHarness) -> None:
    """Slack checks the Events API address with a signed challenge when it is set."""
    content_type, body = as_json({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRN"})

    answered = send(bot, content_type, body, signed(body))
    forged = send(bot, content_type, body, signed(body, secret="a-guessed-signing-secret"))

    assert answered.status == 200 and "3eZbrw1aBm2rZgRN" in answered.body
    assert forged.status == 401 and "3eZbrw1aBm2rZgRN" not in forged.body


def test_a_listener_that_fails_leaves_nothing_people_typed_in_the_log(
    bot: BotHarness, everything_logged: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An accepted request whose rule raises: the error is logged, the answers are not."""

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the rule failed")

    monkeypatch.setattr(profiles, "save_learner", fail)
    content_type, body = interactive(private_submission())

    reply = send(bot, content_type, body, signed(body))

    assert reply.status == 200 and SORRY in reply.body
    assert "Unhandled RuntimeError in a listener" in everything_logged.text
    assert MARKER not in everything_logged.text


# -- 413: too large -------------------------------------------------------------------


@pytest.mark.parametrize("announced", [MAX_BODY_BYTES + 1, 10 * 1024 * 1024])
def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(
    bot: BotHarness, untouched: Untouched, announced: int
) -> None:
    """The bot answers as soon as it has read the headers: it does not wait for the body
    (this client never sends it) nor buffer it."""
    headers = {"Content-Type": FORM, "Content-Length": str(announced), **signed(b"")}

    reply = bot.sender.send(b"", headers, timeout=10)

    assert reply.status == 413
    untouched.check()


class Endless(io.RawIOBase):
    """A request body that never ends, counting what is read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = (MARKER.encode() * (len(buffer) // len(MARKER) + 1))[: len(buffer)]
        buffer[: len(chunk)] = chunk
        self.read_bytes += len(chunk)
        if self.read_bytes > 4 * MAX_BODY_BYTES:
            raise AssertionError("the door kept reading past the limit")
        return len(chunk)


def test_a_streamed_body_is_read_no_further_than_the_limit(
    bot: BotHarness, untouched: Untouched, everything_logged: pytest.LogCaptureFixture
) -> None:
    """A chunked body has no Content-Length to refuse it by: the door stops reading at
    the limit. Called as a WSGI app, without waitress (which has its own limit)."""
    stream = Endless()

    status = call_wsgi(bot, stream, {"wsgi.input_terminated": True})

    assert status == 413
    assert MAX_BODY_BYTES < stream.read_bytes <= MAX_BODY_BYTES + 64 * 1024
    assert MARKER not in everything_logged.text
    untouched.check()


def test_a_content_length_over_the_limit_is_refused_unread_behind_any_server(
    bot: BotHarness, untouched: Untouched
) -> None:
    stream = Endless()

    status = call_wsgi(bot, stream, {"CONTENT_LENGTH": str(MAX_BODY_BYTES + 1)})

    assert status == 413 and stream.read_bytes == 0
    untouched.check()


def call_wsgi(bot: BotHarness, stream: Endless, environ: dict[str, Any]) -> int:
    """POST `stream` to the bot's WSGI app directly; the status."""
    request = EnvironBuilder(
        path=EVENTS_PATH, method="POST", headers={"Content-Type": FORM, **signed(b"")}
    ).get_environ()
    request.pop("CONTENT_LENGTH", None)
    request.update({"wsgi.input": stream, **environ})
    _, status, _ = run_wsgi_app(build_web_app(bot.bot), request)
    return int(status.split()[0])


EMOJI = "\U0001f642"


def test_the_largest_form_a_person_can_send_is_served(bot: BotHarness) -> None:
    """The coach form with every text answer at its length limit, in emoji (which JSON
    escapes to 12 characters each, and form-encoding makes 16), saved and then opened
    pre-filled and submitted again: the largest request people can make, under the limit."""
    bot.command(ids.PROFILE.name, COACH, "coach")
    form_view = bot.opened_view()
    longest = {
        block["block_id"]: EMOJI * block["element"]["max_length"]
        for block in form_view["blocks"]
        if block["type"] == "input"
        and block["element"]["type"] == "plain_text_input"
        and block["element"].get("multiline")
    }
    assert bot.submit(form_view, COACH, coach_form_values(**longest)).status == 200
    bot.command(ids.PROFILE.name, COACH, "coach")
    prefilled = bot.opened_view()
    payload = bot.submission(prefilled, COACH, coach_form_values(**longest))
    size = len(slack.interactive_body(payload))

    reply = bot.sender.interactive(payload)

    print(f"\nthe largest form a person can send: {size:,} bytes (limit {MAX_BODY_BYTES:,})")
    assert reply.status == 200 and reply.body == ""
    assert size > MAX_BODY_BYTES / 3, "the form was not filled to its limits"
    with bot.sessions() as session:
        assert session.scalars(select(CoachProfile.why_coach)).one() == longest["why_coach"]


# -- any request ----------------------------------------------------------------------

OTHER_TEAM = "T0OTHERTEAM"
CONTENT_TYPES = (
    FORM,
    JSON,
    f"{FORM}; charset=utf-8",
    "application/json; charset=latin-1",
    "text/plain",
    "multipart/form-data; boundary=x",
    "",
)
DIGIT_SCRIPTS = ("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "०१२३४५६७८९", "⁰¹²³⁴⁵⁶⁷⁸⁹", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")
CLICKS = (ids.HOME_PAUSE, ids.ACCEPT, ids.DECLINE, ids.AGREEMENT_START, ids.DEBRIEF_START)
SUBMITTED = (ids.LEARNER_FORM_VIEW, ids.COACH_FORM_VIEW, ids.DEBRIEF_VIEW, ids.END_VIEW)
ROUTES = {"command", "type", "action_id", "callback_id"}
"""Keys that choose the listener: a signed request only ever names one the bot serves
(a listener that Bolt cannot find answers 404), so these are only removed or retyped."""

header_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=70)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@st.composite
def timestamps(draw: st.DrawFn) -> tuple[str | None, bool]:
    """A timestamp header (None: absent) and whether it is a fresh one."""
    moment = int(time.time())
    shape = draw(
        st.sampled_from(["fresh"] * 4 + ["stale", "script", "decorated", "text", "absent"])
    )
    event(f"timestamp: {shape}")
    if shape == "fresh":
        return str(moment + draw(st.integers(-200, 200))), True
    if shape == "stale":
        return str(moment + draw(st.sampled_from([-1, 1])) * draw(st.integers(400, 10**9))), False
    if shape == "script":
        return str(moment).translate(
            str.maketrans("0123456789", draw(st.sampled_from(DIGIT_SCRIPTS)))
        ), False
    if shape == "decorated":
        pattern = draw(st.sampled_from([" {}", "{} ", "+{}", "-{}", "{}.0", "000{}", "{}\t"]))
        return pattern.format(moment), False
    if shape == "text":
        text = draw(header_text.filter(lambda t: not (t.isascii() and t.isdigit())))
        return text, False
    return None, False


@st.composite
def messages(draw: st.DrawFn) -> Any:
    """A request as Slack would send it, from any of several people and teams."""
    team = draw(st.sampled_from([TEAM, TEAM, OTHER_TEAM]))
    user = draw(st.sampled_from([LEARNER, COACH, COORDINATOR, "U0OTHERTEAM"]))
    kind = draw(st.sampled_from(["command", "click", "submission", "event", "challenge"]))
    event(f"kind: {kind}")
    if kind == "command":
        return command(user, team, draw(st.sampled_from([c.name for c in ids.COMMANDS])))
    if kind == "click":
        return click(user, team, draw(st.sampled_from(CLICKS)))
    if kind == "submission":
        submission = private_submission(user, team)
        submission["view"]["callback_id"] = draw(st.sampled_from(SUBMITTED))
        return submission
    if kind == "event":
        return home_opened(user, team)
    return {"type": "url_verification", "challenge": draw(st.text(max_size=40))}


def paths(message: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = message.items() if isinstance(message, dict) else enumerate(message)
    for key, value in items:
        yield (*here, key)
        if isinstance(value, dict | list) and value:
            yield from paths(value, (*here, key))


@st.composite
def mutated(draw: st.DrawFn, message: Any) -> Any:
    """`message` with a key removed or its value replaced, now and then."""
    for _ in range(draw(st.integers(0, 3))):
        found = list(paths(message))
        if not found:
            break
        path = draw(st.sampled_from(found))
        if draw(st.booleans()):
            message = without(message, *path)
            continue
        value = draw(json_values)
        if path[-1] in ROUTES and isinstance(value, str):
            continue
        message = copy.deepcopy(message)
        holder = message
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = value
    return message


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """A content type and a body: a mutated Slack request, padded to any size under the
    limit, encoded as Slack would or otherwise; or text or bytes."""
    shape = draw(st.sampled_from(["slack", "slack", "slack", "text", "bytes"]))
    if shape == "text":
        return draw(st.sampled_from(CONTENT_TYPES)), draw(st.text(max_size=300)).encode()
    if shape == "bytes":
        return draw(st.sampled_from(CONTENT_TYPES)), draw(st.binary(max_size=300))
    message = draw(mutated(draw(messages())))
    padding = draw(st.sampled_from([0, 0, 0, 2_000, 200_000, MAX_BODY_BYTES - 10_000]))
    if padding and isinstance(message, dict):
        message["padding"] = MARKER * (padding // len(MARKER))
    if isinstance(message, dict) and "command" in message:
        fields = {
            str(key): value if isinstance(value, str) else json.dumps(value)
            for key, value in message.items()
            if key != "command" or isinstance(value, str)
        }
        content_type, body = form(fields)
    elif isinstance(message, dict) and message.get("type") in (
        "event_callback",
        "url_verification",
    ):
        content_type, body = as_json(message)
    else:
        content_type, body = draw(st.sampled_from([interactive, as_json]))(message)
    if len(body) > MAX_BODY_BYTES:
        body = body[:MAX_BODY_BYTES]
    return draw(st.sampled_from([content_type] * 4 + list(CONTENT_TYPES))), body


@dataclass(frozen=True)
class Attempt:
    headers: dict[str, Any]
    body: bytes
    genuine: bool
    """Fresh, correctly signed, and UTF-8: Slack could have sent it."""
    oversize: bool
    """Announces a Content-Length over the limit (and sends no body)."""

    def expected(self) -> tuple[int, ...]:
        if self.oversize:
            return (413,)
        return (200, 400) if self.genuine else (401,)


@st.composite
def attempts(draw: st.DrawFn) -> Attempt:
    content_type, body = draw(bodies())
    timestamp, fresh = draw(timestamps())
    signing = draw(st.sampled_from(["correct"] * 4 + ["another secret", "garbage", "absent"]))
    event(f"signature: {signing}")
    headers: dict[str, Any] = {"Content-Type": content_type} if content_type else {}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = wire(timestamp)
    secret = SIGNING_SECRET if signing == "correct" else "a-guessed-signing-secret"
    try:
        signature = SignatureVerifier(secret).generate_signature(
            timestamp=as_read(timestamp or ""), body=body
        )
    except UnicodeDecodeError:
        signature = "v0=" + "0" * 64
    if signing == "garbage":
        signature = draw(header_text)
    if signing != "absent":
        headers["X-Slack-Signature"] = wire(signature)
    oversize = draw(st.integers(0, 19)) == 0
    if oversize:
        headers["Content-Length"] = str(draw(st.integers(MAX_BODY_BYTES + 1, 2**40)))
        body = b""
    return Attempt(headers, body, fresh and signing == "correct" and utf8(body), oversize)


def test_any_request_gets_a_plain_answer_and_only_a_genuine_one_acts(
    bot: BotHarness, everything_logged: pytest.LogCaptureFixture
) -> None:
    """Whatever arrives is answered at once with 200, 400, 401 or 413, never 500 or a
    wait; a request Slack did not send, or that is refused, changes nothing, calls
    nothing and logs nothing of its body. Printed: how many requests were tried, by
    answer. Then the bot still serves a plain click."""
    with bot.sessions.begin() as session:
        add_coach(session, COACH)
    answers: Counter[str] = Counter()

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(attempt=attempts())
    def any_request(attempt: Attempt) -> None:
        before = Untouched(bot)
        everything_logged.clear()

        reply = bot.sender.send(attempt.body, attempt.headers, timeout=10)

        answers[f"{reply.status} {'genuine' if attempt.genuine else 'not genuine'}"] += 1
        event(f"answer: {reply.status}")
        assert reply.status in attempt.expected(), reply.body
        if reply.status != 200:
            assert MARKER not in everything_logged.text
            before.check()

    any_request()
    print(f"\nrequests tried, by answer: {dict(sorted(answers.items()))}")
    content_type, body = interactive(click())
    assert send(bot, content_type, body, signed(body)).status == 200
    assert bot.fake.last("views.publish").ok
