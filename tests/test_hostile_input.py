"""Whatever people type, the bot stays safe and working.

Hostile text goes through every modal and command that takes text: very long text,
characters from every Unicode plane, right-to-left and zero-width characters, emoji,
empty and whitespace-only answers, Slack markup (`<!channel>`, `<@U123>`, `<#C123>`,
disguised links) and mrkdwn control characters. Each input must either

- come back as a clear field error (`response_action: errors` naming inputs of the form)
  with nothing stored, or
- be stored as typed and shown back escaped wherever the bot displays it: no `<` from
  user text in any mrkdwn text (so it can never ping, mention or disguise a link), no
  stray `&`, and plain_text shown as typed (not escaped twice).

Every message and view the bot sent must also be one Slack accepts: the fake Web API
checks Block Kit's limits and refuses what Slack would refuse, so no call may have
failed; what the bot returns in an acknowledgement (command results, modal updates) is
checked with the same rules here. Nothing may end in the "something went wrong" reply.

The property tests run on SQLite only (the storage layer is tested on both databases
elsewhere) and print how many inputs they tried.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import DATABASE_BUSY, SORRY
from coaching import checkins, gallery, intros, relationships
from coaching.intros import IntroDetails
from coaching.lifecycle import Transition
from handlers import ids
from handlers.views import search as search_views
from handlers.views.text import escape, truncate
from storage.models import (
    ActionItem,
    Agreement,
    Base,
    CoachProfile,
    Debrief,
    Person,
    Relationship,
    RequestQuestion,
)

from fakeslack.blockkit import validate_message_blocks, validate_view
from fakeslack.requests import Response
from fakeslack.server import Call
from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import (
    COACH,
    LEARNER,
    PROGRAM_CHANNEL,
    STRANGER,
    TEAM,
    USERS,
    coach_form_values,
    learner_form_values,
)

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- hostile text ---------------------------------------------------------------------

SLACK_MARKUP = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<@U123|the boss>",
    "<#C123>",
    "<#C123|general>",
    "<https://evil.example|click>",
    "<https://evil.example>",
    "<mailto:boss@evil.example|mail the boss>",
    "<!subteam^S123|@leads>",
    "<!date^1700000000^{date_short}|today>",
)
MRKDWN_CONTROL = ("*", "_", "~", "`", "```", ">", "> ", "&lt;", "&gt;", "&amp;", "&", "<", ":x:")
UNUSUAL = (
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "مرحبا بالعالم",
    "שלום עולם",
    "👩🏽‍💻",
    "🇺🇸",
    "🏳️‍🌈",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\U00020000",  # plane 2
    "\U000e0041",  # plane 14, a tag character
    "\U0010fffd",  # plane 16, private use
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "\x00",
    "\x07",
    "\t",
    "\n",
    "\r\n",
    "\u2028",
)
BLANK = ("", " ", "   \n\t  ", "\u00a0", "\u3000")

any_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
piece = (
    st.one_of(
        st.sampled_from(SLACK_MARKUP), st.sampled_from(MRKDWN_CONTROL), st.sampled_from(UNUSUAL)
    )
    | any_unicode
)
hostile_text = st.one_of(
    st.lists(piece, min_size=1, max_size=12).map("".join),
    st.sampled_from(BLANK),
    st.builds(
        lambda unit, times: unit * times,
        st.sampled_from(SLACK_MARKUP + MRKDWN_CONTROL + UNUSUAL + ("a", "é")),
        st.integers(min_value=100, max_value=1600),
    ),
)

TRIED: Counter[str] = Counter()


def tried(flow: str, outcome: str) -> None:
    TRIED[flow] += 1
    TRIED[f"{flow}: {outcome}"] += 1
    event(outcome)


def report(flow: str) -> None:
    outcomes = ", ".join(
        f"{count} {key.split(': ', 1)[1]}"
        for key, count in sorted(TRIED.items())
        if key.startswith(f"{flow}: ")
    )
    print(f"\n{flow}: {TRIED[flow]} hostile inputs tried ({outcomes})")


# -- what the bot showed --------------------------------------------------------------

MEMBERS = frozenset(USERS) | {"UBOT"}
CHANNELS = frozenset({PROGRAM_CHANNEL})
BOT_MARKUP = re.compile(
    r"<@(?P<user>[UW][A-Z0-9]+)>|<#(?P<channel>[CG][A-Z0-9]+)>|<!date\^\d+\^[^<>|]*\|[^<>]*>"
)
ENTITY = re.compile(r"&(?!(?:amp|lt|gt);)")
ENTITIES = ("&amp;", "&lt;", "&gt;")
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


class Shown:
    """Drives the bot as people would, and keeps everything it showed from then on: the
    Web API calls it made and the acknowledgements it answered with."""

    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot
        self.start = len(bot.fake.calls)
        self.acks: list[dict[str, Any]] = []

    def _keep(self, response: Response) -> Response:
        assert response.status == 200, response.body
        if response.body:
            self.acks.append(response.json())
        return response

    def command(self, name: str, user: str, text: str = "") -> Response:
        return self._keep(self.bot.command(name, user, text))

    def click(self, action_id: str, user: str, **kwargs: Any) -> Response:
        kwargs.setdefault("response_url", self.bot.fake.response_url())
        return self._keep(self.bot.click(action_id, user, **kwargs))

    def click_in_dm(self, user: str, action_id: str) -> None:
        """Click `action_id` on the latest message in `user`'s DM that has it."""
        channel = self.bot.fake.dm_channel(user)
        message = next(
            m for m in reversed(self.bot.fake.messages(channel)) if action_id in str(m["blocks"])
        )
        block, button = element(message["blocks"], action_id)
        self.click(
            action_id,
            user,
            value=button["value"],
            block_id=block["block_id"],
            message=message,
            channel=channel,
        )

    def submit(self, view: dict[str, Any], user: str, values: dict[str, Any]) -> Response:
        return self._keep(self.bot.submit(view, user, values))

    def opened_view(self) -> dict[str, Any]:
        return self.bot.opened_view()

    @property
    def calls(self) -> list[Call]:
        return self.bot.fake.calls[self.start :]

    def surfaces(self) -> Iterator[tuple[str, Any]]:
        """(where, what) for every view and message shown since the start."""
        for call in self.calls:
            if call.method in VIEW_METHODS:
                yield call.method, call.args.get("view")
            elif call.method in MESSAGE_METHODS or call.method == "response_url":
                yield call.method, call.args
        for ack in self.acks:
            if "view" in ack:
                yield "ack view", ack["view"]
            elif "response_action" not in ack:
                yield "ack message", ack


def element(blocks: list[dict[str, Any]], action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The actions block holding the button or menu `action_id`, and the element."""
    return next(
        (block, item)
        for block in blocks
        if block.get("type") == "actions"
        for item in block["elements"]
        if item.get("action_id") == action_id
    )


def text_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            yield value
        for item in value.values():
            yield from text_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_objects(item)


def unsafe_markup(text: str) -> list[str]:
    """What in a mrkdwn text did not come from the bot and is not escaped: a `<` that
    opens no mention of a workspace member or date the bot made, or a bare `&`."""
    problems = [
        match.group(0)
        for match in BOT_MARKUP.finditer(text)
        if (match.group("user") and match.group("user") not in MEMBERS)
        or (match.group("channel") and match.group("channel") not in CHANNELS)
    ]
    rest = BOT_MARKUP.sub("", text)
    problems += [rest[i : i + 30] for i, ch in enumerate(rest) if ch == "<"]
    problems += [text[m.start() : m.start() + 12] for m in ENTITY.finditer(text)]
    return problems


def assert_shown_safely(shown: Shown, typed: list[str], *, notification_texts: bool = True) -> None:
    """No failed call, every acknowledgement valid Block Kit, every mrkdwn text escaped,
    no plain_text escaped twice, and no "something went wrong".

    A message's top-level `text` is mrkdwn too: it is what people read when the message
    has no blocks, and the notification (and screen-reader) text when it has."""
    failed = [(c.method, c.error, c.response) for c in shown.calls if not c.ok]
    assert failed == [], failed
    assert shown.bot.fake.errors == []
    for ack in shown.acks:
        if "view" in ack:
            assert validate_view(ack["view"], ("modal",)) == []
        if "blocks" in ack:
            assert validate_message_blocks(ack["blocks"]) == []
    typed_entities = {e for e in ENTITIES if any(e in t for t in typed)}
    for where, surface in shown.surfaces():
        for obj in text_objects(surface):
            if obj["type"] == "mrkdwn":
                assert unsafe_markup(obj["text"]) == [], (where, obj["text"][:300])
            else:
                twice = {e for e in ENTITIES if e in obj["text"]} - typed_entities
                assert not twice, (where, obj["text"][:300])
            assert SORRY not in obj["text"] and DATABASE_BUSY not in obj["text"]
        if where in MESSAGE_METHODS or where in ("response_url", "ack message"):
            text = surface.get("text") or ""
            assert SORRY not in text and DATABASE_BUSY not in text
            if notification_texts or not surface.get("blocks"):
                assert unsafe_markup(text) == [], (where, text[:300])


def assert_field_errors(response: Response, form: dict[str, Any]) -> dict[str, str]:
    """A clear refusal: errors that name inputs of the submitted form, in words."""
    reply = response.json()
    assert reply["response_action"] == "errors"
    inputs = {block["block_id"] for block in form["blocks"] if block["type"] == "input"}
    errors: dict[str, str] = reply["errors"]
    assert errors and set(errors) <= inputs, errors
    assert all(isinstance(message, str) and message.strip() for message in errors.values())
    return errors


def rows(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    with bot.sessions() as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table)).all()]
            for table in Base.metadata.sorted_tables
        }


def wipe(bot: BotHarness) -> None:
    """An empty program, so each example starts from the same place."""
    with bot.sessions.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    gallery.INDEXES.clear()


def seed_pair(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")


def exploring_pair(bot: BotHarness) -> int:
    """A learner and a coach who have just said yes to exploring the fit."""
    seed_pair(bot)
    with bot.sessions.begin() as session:
        coach_id = session.scalars(select(Person.id).where(Person.slack_user_id == COACH)).one()
        now = bot.bot.runtime.clock()
        details = IntroDetails("career", "Growth", "video", "")
        request, _ = intros.request_intro(
            session, TEAM, LEARNER, coach_id, details, "key-1", now, max_open=3
        )
        intros.accept(session, TEAM, request.id, COACH, now)
        return request.id


def request_intro(shown: Shown, **answers: str) -> Response:
    """The learner asks the coach for an intro with `/request-intro @coach`."""
    shown.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")
    form = shown.opened_view()
    assert form["callback_id"] == ids.INTRO_FORM_VIEW
    values = {"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"} | answers
    return shown.submit(form, LEARNER, values)


def notification_text_of(shown: Shown, channel: str) -> str:
    return next(
        c.args["text"]
        for c in reversed(shown.calls)
        if c.method == "chat.postMessage" and c.args["channel"] == channel
    )


LINE_BREAKS = re.compile(r"[\t\n\r\v\f\u0085\u2028\u2029]+")


def stored_text(value: str, *, line: bool = False) -> str:
    """What the bot is meant to keep of typed text: Unicode NFC, trimmed; a single-line
    field with its line breaks as spaces and without invisible format characters."""
    value = unicodedata.normalize("NFC", value)
    if line:
        value = LINE_BREAKS.sub(" ", value)
        value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    else:
        value = value.replace("\r\n", "\n")
    return value.strip()


def fields(max_size: int, names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(names), hostile_text, min_size=1, max_size=max_size)


# -- the profile forms ----------------------------------------------------------------

CONTACT = ("name", "email", "phone", "organization", "department", "title", "city", "state")
COACH_TEXT = (
    *CONTACT,
    "years_in_local_government",
    "education",
    "why_coach",
    "prior_mentoring",
    "expertise_other",
    "learner_preferences",
    "extra_info",
    "max_learners",
)
LEARNER_TEXT = (*CONTACT, "why_coaching", "hopes", "prior_experience", "coach_preferences")


def assert_contact_stored(person: Person, typed: dict[str, str]) -> None:
    for name in CONTACT:
        if name in typed:
            expected = stored_text(typed[name], line=True)
            assert getattr(person, name) == (expected.lower() if name == "email" else expected)


@SQLITE
def test_the_coach_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(typed=fields(4, COACH_TEXT))
    def one_input(typed: dict[str, str]) -> None:
        wipe(bot)
        with bot.sessions.begin() as session:
            add_learner(session, LEARNER)
        shown = Shown(bot)
        shown.command(ids.PROFILE.name, COACH, "coach")
        form = shown.opened_view()
        values = coach_form_values(**typed)
        if "expertise_other" in typed:
            values["expertise"] = ["Finance", "Strategic Planning", "Other"]
        before = rows(bot)

        response = shown.submit(form, COACH, values)

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("coach form", "refused with field errors")
            assert_shown_safely(shown, list(typed.values()))
            return
        tried("coach form", "stored and shown")
        with bot.sessions() as session:
            person = session.scalars(select(Person).where(Person.slack_user_id == COACH)).one()
            assert_contact_stored(person, typed)
            assert person.coach is not None
            for name in ("education", "why_coach", "prior_mentoring", "expertise_other"):
                if name in typed:
                    line = name == "expertise_other"
                    assert getattr(person.coach, name) == stored_text(typed[name], line=line)
        shown.command(ids.PROFILE.name, COACH)
        results = shown.command(ids.FIND_COACH.name, LEARNER).json()
        block, button = element(results["blocks"], ids.VIEW_COACH)
        shown.click(ids.VIEW_COACH, LEARNER, value=button["value"], block_id=block["block_id"])
        assert shown.opened_view()["callback_id"] == ids.COACH_PROFILE_VIEW
        assert request_intro(shown).json()["response_action"] == "update"
        assert_shown_safely(shown, list(typed.values()))

    one_input()
    report("coach form")


@SQLITE
def test_the_learner_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(typed=fields(4, LEARNER_TEXT))
    def one_input(typed: dict[str, str]) -> None:
        wipe(bot)
        with bot.sessions.begin() as session:
            add_coach(session, COACH, name="Carl Mendez")
        shown = Shown(bot)
        shown.command(ids.PROFILE.name, LEARNER, "learner")
        form = shown.opened_view()
        before = rows(bot)

        response = shown.submit(form, LEARNER, learner_form_values(**typed))

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("learner form", "refused with field errors")
            assert_shown_safely(shown, list(typed.values()))
            return
        tried("learner form", "stored and shown")
        with bot.sessions() as session:
            person = session.scalars(select(Person).where(Person.slack_user_id == LEARNER)).one()
            assert_contact_stored(person, typed)
            assert person.learner is not None
            for name in ("why_coaching", "hopes", "prior_experience", "coach_preferences"):
                if name in typed:
                    assert getattr(person.learner, name) == stored_text(typed[name])
        shown.command(ids.PROFILE.name, LEARNER)
        assert request_intro(shown).json()["response_action"] == "update"
        shown.click_in_dm(COACH, ids.ACCEPT)
        assert_shown_safely(shown, list(typed.values()))

    one_input()
    report("learner form")


# -- intro requests and the coach's answers -------------------------------------------


@SQLITE
def test_the_intro_request_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(typed=fields(2, ("hopes", "note")))
    def one_input(typed: dict[str, str]) -> None:
        wipe(bot)
        seed_pair(bot)
        shown = Shown(bot)
        before = rows(bot)

        response = request_intro(shown, **typed)

        if response.json()["response_action"] == "errors":
            assert_field_errors(response, shown.opened_view())
            assert rows(bot) == before
            tried("intro form", "refused with field errors")
            assert_shown_safely(shown, list(typed.values()))
            return
        tried("intro form", "stored and shown")
        with bot.sessions() as session:
            request = session.scalars(select(Relationship)).one()
            for name, value in typed.items():
                assert getattr(request, name) == stored_text(value)
            relationship_id = request.id
        shown.click_in_dm(COACH, ids.ACCEPT)
        shown.click(ids.AGREEMENT_START, LEARNER, value=str(relationship_id))
        assert shown.opened_view()["callback_id"] == ids.AGREEMENT_FORM_VIEW
        assert_shown_safely(shown, list(typed.values()))

    one_input()
    report("intro form")


@SQLITE
def test_the_question_and_answer_forms_take_any_text(bot: BotHarness) -> None:
    """The coach's question and the learner's answer. The DM that carries the question
    has a notification text of its own, checked in
    `test_a_question_notification_shows_the_question_escaped`."""

    @EXAMPLES
    @given(question=hostile_text, answer=hostile_text)
    def one_input(question: str, answer: str) -> None:
        wipe(bot)
        seed_pair(bot)
        shown = Shown(bot)
        request_intro(shown)
        shown.click_in_dm(COACH, ids.ASK_QUESTION)
        form = shown.opened_view()
        before = rows(bot)

        response = shown.submit(form, COACH, {"question": question})

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("question form", "refused with field errors")
            assert_shown_safely(shown, [question], notification_texts=False)
            return
        tried("question form", "stored and shown")
        shown.click_in_dm(LEARNER, ids.ANSWER)
        answer_form = shown.opened_view()
        assert answer_form["callback_id"] == ids.ANSWER_VIEW
        before = rows(bot)
        response = shown.submit(answer_form, LEARNER, {"answer": answer})
        if response.body:
            assert_field_errors(response, answer_form)
            assert rows(bot) == before
            tried("answer form", "refused with field errors")
        else:
            tried("answer form", "stored and shown")
            with bot.sessions() as session:
                asked = session.scalars(select(RequestQuestion)).one()
                assert (asked.question, asked.answer) == (
                    stored_text(question),
                    stored_text(answer),
                )
        assert_shown_safely(shown, [question, answer], notification_texts=False)

    one_input()
    report("question form")
    report("answer form")


@SQLITE
def test_the_decline_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(reason=hostile_text)
    def one_input(reason: str) -> None:
        wipe(bot)
        seed_pair(bot)
        shown = Shown(bot)
        request_intro(shown)
        shown.click_in_dm(COACH, ids.DECLINE)
        form = shown.opened_view()
        before = rows(bot)

        response = shown.submit(form, COACH, {"reason": reason})

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("decline form", "refused with field errors")
        else:
            tried("decline form", "stored and shown")
            with bot.sessions() as session:
                request = session.scalars(select(Relationship)).one()
                stored = stored_text(reason, line=True)
                assert (request.state, request.decline_reason) == ("declined", stored)
            letter = notification_text_of(shown, LEARNER)
            if stored:
                assert escape(stored)[:20].rstrip() in letter
        assert_shown_safely(shown, [reason])

    one_input()
    report("decline form")


# -- the agreement and the end of a relationship ---------------------------------------

AGREEMENT_TEXT = ("confidentiality", "coach_time", "goals", "additional_points")
VALID_TERMS: dict[str, Any] = {
    "confidentiality": "What we discuss stays between us.",
    "start_date": date.today().isoformat(),
    "duration_months": "6",
    "frequency": "monthly",
    "contact_forms": ["video"],
    "coach_time": "",
    "coach_roles": ["guide"],
    "goals": "",
    "additional_points": "",
    "acknowledgements": ["no_fault", "owns_choices"],
}


@SQLITE
def test_the_agreement_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(typed=fields(4, AGREEMENT_TEXT))
    def one_input(typed: dict[str, str]) -> None:
        wipe(bot)
        relationship_id = exploring_pair(bot)
        shown = Shown(bot)
        shown.click(ids.AGREEMENT_START, LEARNER, value=str(relationship_id))
        form = shown.opened_view()
        before = rows(bot)

        response = shown.submit(form, LEARNER, VALID_TERMS | typed)

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("agreement form", "refused with field errors")
            assert_shown_safely(shown, list(typed.values()))
            return
        tried("agreement form", "stored and shown")
        with bot.sessions() as session:
            agreement = session.scalars(select(Agreement)).one()
            for name, value in typed.items():
                assert getattr(agreement, name) == stored_text(value, line=name == "coach_time")
            agreement_id = agreement.id
        shown.click_in_dm(COACH, ids.AGREEMENT_SIGN)
        copies = [c for c in shown.calls if c.args.get("channel") == PROGRAM_CHANNEL]
        assert copies, "the executed record reaches the coordinators"
        shown.click(ids.AGREEMENT_VIEW, LEARNER, value=str(agreement_id))
        assert shown.opened_view()["callback_id"] == ids.AGREEMENT_RECORD_VIEW
        assert_shown_safely(shown, list(typed.values()))

    one_input()
    report("agreement form")


@SQLITE
def test_the_end_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(typed=fields(2, ("reason", "thanks")))
    def one_input(typed: dict[str, str]) -> None:
        wipe(bot)
        relationship_id = exploring_pair(bot)
        shown = Shown(bot)
        shown.click(ids.RELATIONSHIP_END, LEARNER, value=str(relationship_id))
        form = shown.opened_view()
        assert form["callback_id"] == ids.END_VIEW
        before = rows(bot)

        response = shown.submit(form, LEARNER, typed)

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("end form", "refused with field errors")
        else:
            tried("end form", "stored and shown")
            with bot.sessions() as session:
                assert session.scalars(select(Relationship.state)).one() == "concluded"
            assert "brought your coaching relationship to a close" in notification_text_of(
                shown, COACH
            )
        assert_shown_safely(shown, list(typed.values()))

    one_input()
    report("end form")


# -- conversations: the debrief, the follow-up, preparing, keeping in touch -----------

DEBRIEF_TEXT = ("went_well", "not_well", "insights", "suggestions", "willing_to_do")


def logged_conversation(bot: BotHarness) -> tuple[int, int]:
    """An exploring pair who logged a conversation today: (relationship, conversation)."""
    relationship_id = exploring_pair(bot)
    with bot.sessions.begin() as session:
        conversation, _ = checkins.log_conversation(
            session,
            TEAM,
            relationship_id,
            LEARNER,
            date.today().isoformat(),
            "video",
            request_key="log-1",
            now=bot.bot.runtime.clock(),
        )
        return relationship_id, conversation.id


@SQLITE
def test_the_debrief_and_follow_up_forms_take_any_text(bot: BotHarness) -> None:
    """The debrief is private; what the learner commits to comes back on their Home and
    in the follow-up form, and what they did goes to the coach."""

    @EXAMPLES
    @given(typed=fields(3, DEBRIEF_TEXT), did=hostile_text, happened=hostile_text)
    @example(typed={"went_well": " ", "willing_to_do": "\n\u3000\n"}, did="", happened="")
    @example(typed={"willing_to_do": "<!here>\n* <@U123>\n- &lt;"}, did=" ", happened="")
    def one_input(typed: dict[str, str], did: str, happened: str) -> None:
        wipe(bot)
        _relationship_id, conversation_id = logged_conversation(bot)
        shown = Shown(bot)
        shown.click(ids.DEBRIEF_START, LEARNER, value=str(conversation_id))
        form = shown.opened_view()
        before = rows(bot)

        response = shown.submit(form, LEARNER, {"willing_to_do": "Draft the memo."} | typed)

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("debrief form", "refused with field errors")
            assert_shown_safely(shown, list(typed.values()))
            return
        tried("debrief form", "stored and shown")
        with bot.sessions() as session:
            debrief = session.scalars(select(Debrief)).one()
            for name, value in typed.items():
                assert getattr(debrief, name) == stored_text(value)
            items = [item.id for item in session.scalars(select(ActionItem))]
        shown.bot.open_home(LEARNER)
        if items:
            shown.click(ids.FOLLOW_UP_START, LEARNER, value=str(items[0]))
            follow_up = shown.opened_view()
            response = shown.submit(follow_up, LEARNER, {"did": did, "happened": happened})
            if response.body:
                assert_field_errors(response, follow_up)
                tried("follow-up form", "refused with field errors")
            else:
                tried("follow-up form", "stored and shown")
                assert "followed through" in notification_text_of(shown, COACH)
        assert_shown_safely(shown, [*typed.values(), did, happened])

    one_input()
    report("debrief form")
    report("follow-up form")


@SQLITE
def test_the_preparation_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(typed=fields(2, ("purpose", "questions")))
    def one_input(typed: dict[str, str]) -> None:
        wipe(bot)
        relationship_id = exploring_pair(bot)
        shown = Shown(bot)
        shown.click(ids.PREPARE_START, LEARNER, value=str(relationship_id))
        form = shown.opened_view()
        before = rows(bot)

        response = shown.submit(form, LEARNER, {"purpose": "A plan."} | typed)

        if response.body:
            assert_field_errors(response, form)
            assert rows(bot) == before
            tried("preparation form", "refused with field errors")
        else:
            tried("preparation form", "stored and shown")
            shown.click_in_dm(LEARNER, ids.PREPARE_SHARE)
            assert "shared their plan" in notification_text_of(shown, COACH)
        assert_shown_safely(shown, list(typed.values()))

    one_input()
    report("preparation form")


@SQLITE
def test_the_keep_in_touch_form_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(update=hostile_text)
    def one_input(update: str) -> None:
        wipe(bot)
        relationship_id = exploring_pair(bot)
        with bot.sessions.begin() as session:
            relationships.change(
                session, TEAM, relationship_id, LEARNER, Transition.END, bot.bot.runtime.clock()
            )
        shown = Shown(bot)
        shown.click(ids.KEEP_IN_TOUCH_START, LEARNER, value=str(relationship_id))
        form = shown.opened_view()

        response = shown.submit(form, LEARNER, {"update": update})

        if response.body:
            assert_field_errors(response, form)
            tried("keep-in-touch form", "refused with field errors")
        else:
            tried("keep-in-touch form", "stored and shown")
            assert "sent you an update" in notification_text_of(shown, COACH)
        assert_shown_safely(shown, [update])

    one_input()
    report("keep-in-touch form")


# -- commands that take text ----------------------------------------------------------


@SQLITE
def test_find_coach_takes_any_text(bot: BotHarness) -> None:
    """Results, a filter change, the coach's profile and the intro form all carry the
    search words (shown, and kept in block_ids so a click remembers them)."""

    @EXAMPLES
    @given(text=hostile_text)
    def one_input(text: str) -> None:
        wipe(bot)
        seed_pair(bot)
        shown = Shown(bot)

        results = shown.command(ids.FIND_COACH.name, LEARNER, text).json()

        assert results["response_type"] == "ephemeral"
        found = ids.VIEW_COACH in str(results["blocks"])
        tried("/find-coach", "coaches found" if found else "no coach found")
        filters, area = element(results["blocks"], ids.FILTER_AREA)
        shown.click(
            ids.FILTER_AREA,
            LEARNER,
            block_id=filters["block_id"],
            selected_option=area["options"][1],
        )
        if found:
            block, button = element(results["blocks"], ids.VIEW_COACH)
            shown.click(ids.VIEW_COACH, LEARNER, value=button["value"], block_id=block["block_id"])
            assert shown.opened_view()["callback_id"] == ids.COACH_PROFILE_VIEW
            shown.click(ids.ASK_INTRO, LEARNER, value=button["value"], block_id=block["block_id"])
            assert shown.opened_view()["callback_id"] == ids.INTRO_FORM_VIEW
        assert_shown_safely(shown, [text])

    one_input()
    report("/find-coach")


COMMAND_WORDS = ("", "coach ", "learner ", "capacity ", "pause ", "help ", "resume ")


@SQLITE
def test_coaching_profile_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(word=st.sampled_from(COMMAND_WORDS), text=hostile_text)
    def one_input(word: str, text: str) -> None:
        wipe(bot)
        seed_pair(bot)
        shown = Shown(bot)

        shown.command(ids.PROFILE.name, COACH, word + text)

        tried("/coaching-profile", f"after {word.strip()!r}" if word else "alone")
        with bot.sessions() as session:
            assert session.scalars(select(CoachProfile.max_learners)).one() in range(1, 11)
        assert_shown_safely(shown, [text])

    one_input()
    report("/coaching-profile")


@SQLITE
def test_request_intro_takes_any_text(bot: BotHarness) -> None:
    @EXAMPLES
    @given(
        before=hostile_text,
        mention=st.sampled_from(["", f"<@{COACH}|carl>", f"<@{COACH}>", "<@U123>"]),
        after=hostile_text,
    )
    def one_input(before: str, mention: str, after: str) -> None:
        wipe(bot)
        seed_pair(bot)
        shown = Shown(bot)

        shown.command(ids.REQUEST_INTRO.name, LEARNER, before + mention + after)

        opened = [c for c in shown.calls if c.method == "views.open"]
        tried("/request-intro", "form opened" if opened else "answered in words")
        with bot.sessions() as session:
            assert session.scalars(select(Relationship)).all() == []
        assert_shown_safely(shown, [before, after])

    one_input()
    report("/request-intro")


# -- markup is shown as typed, escaped -------------------------------------------------

MARKUP_AS_SHOWN = [(markup, escape(markup)) for markup in SLACK_MARKUP] + [
    ("Ops & <Co>", "Ops &amp; &lt;Co&gt;"),
    ("&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"),
]


def mrkdwn_texts(shown: Shown) -> str:
    return "\n".join(
        obj["text"]
        for _where, surface in shown.surfaces()
        for obj in text_objects(surface)
        if obj["type"] == "mrkdwn"
    )


def plain_texts(shown: Shown) -> str:
    return "\n".join(
        obj["text"]
        for _where, surface in shown.surfaces()
        for obj in text_objects(surface)
        if obj["type"] == "plain_text"
    )


@SQLITE
@pytest.mark.parametrize(("typed", "escaped"), MARKUP_AS_SHOWN)
def test_a_coach_named_with_markup_is_shown_as_typed(
    bot: BotHarness, typed: str, escaped: str
) -> None:
    """The name is stored as typed; mrkdwn shows it escaped (so Slack displays it
    literally), and the profile shows it once, under a plain title."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
    shown = Shown(bot)
    shown.command(ids.PROFILE.name, COACH, "coach")
    response = shown.submit(
        shown.opened_view(), COACH, coach_form_values(name=f"Carl {typed}", why_coach=typed)
    )
    assert response.body == ""
    with bot.sessions() as session:
        stored = session.scalars(select(Person.name).where(Person.slack_user_id == COACH)).one()
    assert stored == f"Carl {typed}"

    shown.command(ids.PROFILE.name, COACH)
    results = shown.command(ids.FIND_COACH.name, LEARNER).json()
    block, button = element(results["blocks"], ids.VIEW_COACH)
    shown.click(ids.VIEW_COACH, LEARNER, value=button["value"], block_id=block["block_id"])
    request_intro(shown)

    shown_text = mrkdwn_texts(shown)
    assert shown_text.count(f"Carl {escaped}") >= 4  # summary, results, profile, intro form
    assert f"Carl {typed}" not in shown_text
    assert "Coach profile" in plain_texts(shown)
    assert truncate(f"Carl {typed}", 24) not in plain_texts(shown)
    assert_shown_safely(shown, [typed])


@SQLITE
@pytest.mark.parametrize(("typed", "escaped"), MARKUP_AS_SHOWN)
def test_a_learners_words_reach_the_coach_escaped(
    bot: BotHarness, typed: str, escaped: str
) -> None:
    seed_pair(bot)
    shown = Shown(bot)
    request_intro(shown, hopes=f"Hopes {typed}", note=f"Note {typed}")

    card = mrkdwn_texts(shown)
    assert f"Hopes {escaped}" in card and f"Note {escaped}" in card
    assert_shown_safely(shown, [typed])


@SQLITE
@pytest.mark.parametrize(("typed", "escaped"), MARKUP_AS_SHOWN)
def test_agreement_terms_are_shown_escaped_to_both_and_the_coordinators(
    bot: BotHarness, typed: str, escaped: str
) -> None:
    relationship_id = exploring_pair(bot)
    shown = Shown(bot)
    shown.click(ids.AGREEMENT_START, LEARNER, value=str(relationship_id))
    terms = VALID_TERMS | {name: f"{name} {typed}" for name in AGREEMENT_TEXT}
    assert shown.submit(shown.opened_view(), LEARNER, terms).body == ""
    shown.click_in_dm(COACH, ids.AGREEMENT_SIGN)

    group = bot.fake.last("conversations.open").response["channel"]["id"]
    record = next(m for m in bot.fake.messages(group) if "mutual understanding" in str(m))
    copy = "\n".join(obj["text"] for obj in text_objects(record["blocks"]))
    for name in AGREEMENT_TEXT:
        assert f"{name} {escaped}" in copy
    [notice] = bot.fake.messages(PROGRAM_CHANNEL)
    assert "confidentiality" not in str(notice["blocks"]), "the channel gets a notice only"
    assert_shown_safely(shown, [typed])


@SQLITE
def test_a_request_notification_shows_the_learners_name_escaped(bot: BotHarness) -> None:
    """The coach's DM about a new request has a notification text with the learner's
    name; it is escaped like the card itself."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena <!channel>", email="lena.ortiz@example.gov")
        add_coach(session, COACH)
    shown = Shown(bot)
    request_intro(shown)

    assert notification_text_of(shown, COACH) == "Lena &lt;!channel&gt; would like you as a coach."


@SQLITE
def test_a_question_notification_shows_the_question_escaped(bot: BotHarness) -> None:
    seed_pair(bot)
    shown = Shown(bot)
    request_intro(shown)
    shown.click_in_dm(COACH, ids.ASK_QUESTION)
    shown.submit(shown.opened_view(), COACH, {"question": "Evenings? <!channel>"})

    assert unsafe_markup(notification_text_of(shown, LEARNER)) == []


def coach_paused(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "pause")


def already_asked(bot: BotHarness) -> None:
    request_intro(Shown(bot))


REFUSALS_NAMING_THE_COACH: dict[str, Callable[[BotHarness], None]] = {
    "the coach is paused": coach_paused,
    "the learner already asked": already_asked,
}


@SQLITE
@pytest.mark.parametrize("refusal", REFUSALS_NAMING_THE_COACH)
def test_a_refusal_that_names_the_coach_shows_the_name_escaped(
    bot: BotHarness, refusal: str
) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        add_coach(session, COACH, name="Carl <!channel>")
    REFUSALS_NAMING_THE_COACH[refusal](bot)
    shown = Shown(bot)

    shown.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")

    answer = bot.fake.last("response_url").args["text"]
    assert "Carl" in answer
    assert unsafe_markup(answer) == []


@SQLITE
def test_a_refusal_over_a_modal_or_in_place_of_a_form_shows_the_name_escaped(
    bot: BotHarness,
) -> None:
    """The coach pauses while the learner has their profile and the request form open:
    asking from the profile pushes the refusal over it, submitting the form shows it in
    the form's place, both escaped like any mrkdwn."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        add_coach(session, COACH, name="Carl <!channel> & Co")
    shown = Shown(bot)
    results = shown.command(ids.FIND_COACH.name, LEARNER).json()
    block, button = element(results["blocks"], ids.VIEW_COACH)
    shown.click(ids.VIEW_COACH, LEARNER, value=button["value"], block_id=block["block_id"])
    profile = shown.opened_view()
    shown.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")
    form = shown.opened_view()
    coach_paused(bot)

    ask_block, ask = element(profile["blocks"], ids.ASK_INTRO)
    shown.click(
        ids.ASK_INTRO, LEARNER, value=ask["value"], block_id=ask_block["block_id"], view=profile
    )
    pushed = bot.fake.last("views.push").args["view"]
    values = {"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"}
    in_place = shown.submit(form, LEARNER, values).json()["view"]

    refusal = "Carl &lt;!channel&gt; &amp; Co is not taking learners right now."
    for notice in (pushed, in_place):
        assert refusal in [obj["text"] for obj in text_objects(notice["blocks"])]
    assert_shown_safely(shown, ["<!channel> & Co"])


def test_the_safety_check_itself_catches_raw_markup() -> None:
    """The checker used above: bot-made mentions and dates pass, anything else with `<`
    or a bare `&` does not."""
    assert unsafe_markup(f"<@{COACH}> accepted on <!date^1700000000^{{date_short}}|today>.") == []
    assert unsafe_markup("Lena &lt;!channel&gt; &amp; co") == []
    assert unsafe_markup("Lena <!channel>") != []
    assert unsafe_markup("ask <@U123>") != []
    assert unsafe_markup("<https://evil.example|click>") != []
    assert unsafe_markup("Ops & Co") != []


# -- Block Kit whatever the data --------------------------------------------------------


def with_coaches(bot: BotHarness, coaches: dict[str, str]) -> None:
    """The learner in an exploring relationship with each of `coaches` (id: name)."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        now = bot.bot.runtime.clock()
        for n, (coach, name) in enumerate(coaches.items()):
            coach_id = add_coach(session, coach, name=name, email=f"coach{n}@example.gov")
            details = IntroDetails("career", "Growth", "video", "")
            request, _ = intros.request_intro(
                session, TEAM, LEARNER, coach_id, details, f"key-{n}", now, max_open=3
            )
            intros.accept(session, TEAM, request.id, coach, now)


@SQLITE
def test_my_coaching_is_valid_block_kit_with_two_slots_missing(bot: BotHarness) -> None:
    with_coaches(bot, {COACH: "Carl Mendez"})
    shown = Shown(bot)

    shown.command(ids.MY_COACHING.name, LEARNER)

    assert_shown_safely(shown, [])


@SQLITE
def test_the_home_of_a_learner_with_two_coaches_is_published(bot: BotHarness) -> None:
    with_coaches(bot, {COACH: "Carl Mendez", STRANGER: "Sam Stone"})
    shown = Shown(bot)

    bot.open_home(LEARNER)

    assert_shown_safely(shown, [])
    assert bot.fake.home(LEARNER) is not None


@SQLITE
@pytest.mark.parametrize("words", ["🙂" * 60, "é" * 60, '"' * 60, "\x01" * 60, "budget " * 30])
def test_a_long_search_in_any_script_keeps_working(bot: BotHarness, words: str) -> None:
    """The search words ride in the results' block_ids (at most 255 characters) so that a
    filter or page click remembers them; JSON makes some characters longer, so the words
    are cut to fit rather than failing the search."""
    seed_pair(bot)
    shown = Shown(bot)

    results = shown.command(ids.FIND_COACH.name, LEARNER, words).json()

    assert results["response_type"] == "ephemeral"
    filters, area = element(results["blocks"], ids.FILTER_AREA)
    assert len(filters["block_id"]) <= 255
    remembered = search_views.filters_from_block_id(filters["block_id"]).text
    assert remembered and words.startswith(remembered)
    shown.click(
        ids.FILTER_AREA, LEARNER, block_id=filters["block_id"], selected_option=area["options"][1]
    )
    assert_shown_safely(shown, [words])


@SQLITE
def test_the_pairs_to_choose_from_are_listed_escaped(bot: BotHarness) -> None:
    """`/log-conversation` with two current coaches asks which one, naming both."""
    with_coaches(bot, {COACH: "Carl <!channel>", STRANGER: "Sam & <#C123|general>"})
    shown = Shown(bot)

    shown.command(ids.LOG_CONVERSATION.name, LEARNER)

    told = bot.fake.last("response_url").args["text"]
    assert "Carl &lt;!channel&gt;" in told
    assert "Sam &amp; &lt;#C123|general&gt;" in told
    assert_shown_safely(shown, [])
