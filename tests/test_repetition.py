"""Whatever the repetition (a double click, a form submitted twice, a Slack retry), each
action has one effect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from coaching import checkins, intros
from coaching.checkins import DebriefAnswers
from coaching.intros import IntroDetails
from handlers import ids
from storage.models import ActionItem, Conversation, Debrief, Relationship, Removal

from fakeslack import requests as slack
from support.harness import BotHarness
from support.seed import add_coach, add_learner, sign_terms
from support.workspace import COACH, COORDINATOR, LEARNER, TEAM

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest.fixture(autouse=True)
def tuesday_afternoon() -> Iterator[None]:
    with freeze_time(datetime(2026, 11, 24, 17, tzinfo=UTC), tick=True):
        yield


def pair(bot: BotHarness, *, signed: bool = True) -> int:
    now = bot.bot.runtime.clock()
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        coach_id = add_coach(session, COACH)
        request, _ = intros.request_intro(
            session,
            TEAM,
            LEARNER,
            coach_id,
            IntroDetails("career", "x", "video", ""),
            "k",
            now,
            max_open=3,
        )
        if not signed:
            return request.id
        intros.accept(session, TEAM, request.id, COACH, now)
        sign_terms(session, request.id, LEARNER, COACH, now)
        return request.id


def submit_thrice(bot: BotHarness, user: str, values: dict[str, Any]) -> None:
    """The same submission three times: once, again (a double click), and as a retry."""
    payload = slack.view_submission(user=user, team=TEAM, view=bot.opened_view(), values=values)
    bot.sender.interactive(payload)
    bot.sender.interactive(payload)
    bot.sender.interactive(payload, headers=RETRY)


def messages_to(bot: BotHarness, user: str) -> list[Any]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == user]


def count(bot: BotHarness, model: type) -> int:
    with bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_declining_twice_declines_once(bot: BotHarness) -> None:
    request_id = pair(bot, signed=False)
    bot.click(ids.DECLINE, COACH, value=str(request_id), response_url=bot.fake.response_url())
    submit_thrice(bot, COACH, {"reason": "Full."})
    assert len(messages_to(bot, LEARNER)) == 1
    with bot.sessions() as session:
        assert session.scalars(select(Relationship.state)).one() == "declined"


def test_an_agreement_submitted_twice_is_sent_for_signature_once(bot: BotHarness) -> None:
    relationship_id = pair(bot, signed=False)
    with bot.sessions.begin() as session:
        intros.accept(session, TEAM, relationship_id, COACH, bot.bot.runtime.clock())
    bot.click(ids.AGREEMENT_START, LEARNER, value=str(relationship_id))
    submit_thrice(
        bot,
        LEARNER,
        {
            "confidentiality": "Between us.",
            "duration_months": "6",
            "frequency": "monthly",
            "contact_forms": ["video"],
            "acknowledgements": ["no_fault", "owns_choices"],
            "start_date": "2026-12-01",
        },
    )
    assert len(messages_to(bot, COACH)) == 1


def test_logging_the_same_conversation_twice_logs_it_once(bot: BotHarness) -> None:
    pair(bot)
    bot.command(ids.LOG_CONVERSATION.name, COACH)
    submit_thrice(bot, COACH, {"form": "phone"})
    assert count(bot, Conversation) == 1
    assert len(messages_to(bot, COACH)) == 1


def test_a_debrief_submitted_twice_is_saved_once(bot: BotHarness) -> None:
    relationship_id = pair(bot)
    with bot.sessions.begin() as session:
        conversation, _ = checkins.log_conversation(
            session,
            TEAM,
            relationship_id,
            LEARNER,
            "2026-11-24",
            "video",
            "c",
            bot.bot.runtime.clock(),
        )
        conversation_id = conversation.id
    bot.click(ids.DEBRIEF_START, LEARNER, value=str(conversation_id))
    submit_thrice(bot, LEARNER, {"went_well": "Good.", "willing_to_do": "One thing"})
    assert (count(bot, Debrief), count(bot, ActionItem)) == (1, 1)


def test_following_up_twice_tells_the_coach_once(bot: BotHarness) -> None:
    relationship_id = pair(bot)
    with bot.sessions.begin() as session:
        conversation, _ = checkins.log_conversation(
            session,
            TEAM,
            relationship_id,
            LEARNER,
            "2026-11-24",
            "video",
            "c",
            bot.bot.runtime.clock(),
        )
        _debrief, [item] = checkins.save_debrief(
            session, TEAM, conversation.id, LEARNER, DebriefAnswers(willing_to_do="Ask")
        )
        item_id = item.id
    bot.click(ids.FOLLOW_UP_START, LEARNER, value=str(item_id))
    submit_thrice(bot, LEARNER, {"did": "Asked.", "happened": "Yes."})
    assert len([m for m in messages_to(bot, COACH) if "followed through" in m.args["text"]]) == 1


@pytest.mark.parametrize("action_id", [ids.RELATIONSHIP_PAUSE])
def test_pausing_twice_tells_the_other_party_once(bot: BotHarness, action_id: str) -> None:
    relationship_id = pair(bot)
    for _ in range(2):
        bot.click(
            action_id, COACH, value=str(relationship_id), response_url=bot.fake.response_url()
        )
    assert len(messages_to(bot, LEARNER)) == 1


def test_ending_twice_tells_the_other_party_once(bot: BotHarness) -> None:
    relationship_id = pair(bot)
    bot.click(ids.RELATIONSHIP_END, LEARNER, value=str(relationship_id))
    submit_thrice(bot, LEARNER, {"thanks": "Thank you!"})
    assert len(messages_to(bot, COACH)) == 1


def test_confirming_a_removal_twice_removes_once(bot: BotHarness) -> None:
    pair(bot)
    for _ in range(2):
        bot.click(
            ids.ADMIN_REMOVE_CONFIRM,
            COORDINATOR,
            value=LEARNER,
            response_url=bot.fake.response_url(),
        )
    assert count(bot, Removal) == 1


def test_a_retried_event_publishes_the_home_once(bot: BotHarness) -> None:
    body = json.dumps(
        slack.event(team=TEAM, event={"type": "app_home_opened", "user": LEARNER, "tab": "home"})
    )
    bot.sender.post(body, content_type="application/json")
    bot.sender.post(body, content_type="application/json", headers=RETRY)
    assert len(bot.fake.calls_to("views.publish")) == 1


def test_a_question_submitted_twice_reaches_the_learner_once(bot: BotHarness) -> None:
    request_id = pair(bot, signed=False)
    bot.click(ids.ASK_QUESTION, COACH, value=str(request_id), response_url=bot.fake.response_url())
    submit_thrice(bot, COACH, {"question": "Evenings OK?"})
    assert len(messages_to(bot, LEARNER)) == 1


def test_a_preparation_submitted_twice_is_saved_once(bot: BotHarness) -> None:
    from storage.models import Preparation

    relationship_id = pair(bot)
    bot.click(ids.PREPARE_START, LEARNER, value=str(relationship_id))
    submit_thrice(bot, LEARNER, {"purpose": "Plan my year.", "questions": "Where to start?"})
    assert count(bot, Preparation) == 1
    assert len(messages_to(bot, LEARNER)) == 1
