"""Logging conversations, preparing, the private debrief and following through, through
Slack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from coaching import intros
from coaching.intros import IntroDetails
from handlers import ids
from storage.models import ActionItem, Conversation, Debrief, Nudge

from support.harness import BotHarness
from support.seed import add_coach, add_learner, sign_terms
from support.workspace import COACH, COORDINATOR, LEARNER, STRANGER, TEAM


@pytest.fixture(autouse=True)
def working_hours() -> Iterator[None]:
    """A Tuesday afternoon in the learner's time zone, so nudges go out when run."""
    with freeze_time(datetime(2026, 11, 24, 16, tzinfo=UTC), tick=True):
        yield


def active_pair(bot: BotHarness) -> int:
    now = bot.bot.runtime.clock()
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        coach_id = add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")
        request, _ = intros.request_intro(
            session,
            TEAM,
            LEARNER,
            coach_id,
            IntroDetails("career", "Growth", "video", ""),
            "k",
            now,
            max_open=3,
        )
        intros.accept(session, TEAM, request.id, COACH, now)
        sign_terms(session, request.id, LEARNER, COACH, now)
        return request.id


def dm(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    return bot.fake.messages(bot.fake.dm_channel(user))


def button_value(message: dict[str, Any], action_id: str) -> str:
    return next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def log(bot: BotHarness, user: str, **values: Any) -> Any:
    bot.command(ids.LOG_CONVERSATION.name, user)
    form = bot.opened_view()
    assert form["callback_id"] == ids.LOG_VIEW
    return bot.submit(form, user, {"form": "video"} | values)


def test_logging_a_conversation_resets_the_cadence_and_owes_one_debrief(bot: BotHarness) -> None:
    active_pair(bot)

    assert log(bot, COACH).body == ""
    log_again = log(
        bot, COACH, happened_on=(bot.bot.runtime.clock().date() - timedelta(days=2)).isoformat()
    )
    assert log_again.body == ""

    with bot.sessions() as session:
        assert len(session.scalars(select(Conversation)).all()) == 2
        prompts = session.scalars(select(Nudge).where(Nudge.kind == "debrief")).all()
    assert len(prompts) == 2
    assert "Logged your conversation with <@U0LEARNER>" in dm(bot, COACH)[-1]["text"]


def test_a_future_date_is_a_field_error_and_nothing_is_logged(bot: BotHarness) -> None:
    active_pair(bot)
    future = (bot.bot.runtime.clock().date() + timedelta(days=10)).isoformat()
    reply = log(bot, LEARNER, happened_on=future).json()
    assert reply["response_action"] == "errors" and "future" in reply["errors"]["happened_on"]
    with bot.sessions() as session:
        assert session.scalars(select(Conversation)).all() == []


def test_the_debrief_is_private_and_commitments_come_back_to_follow_up(bot: BotHarness) -> None:
    relationship_id = active_pair(bot)
    log(bot, LEARNER)
    bot.bot.reminders()
    prompt = dm(bot, LEARNER)[-1]
    assert "stay private to you" in prompt["text"]

    bot.click(
        ids.DEBRIEF_START,
        STRANGER,
        value=button_value(prompt, ids.DEBRIEF_START),
        response_url=bot.fake.response_url(),
    )
    assert "Only the learner" in bot.fake.last("response_url").args["text"]
    bot.click(
        ids.DEBRIEF_START,
        COACH,
        value=button_value(prompt, ids.DEBRIEF_START),
        response_url=bot.fake.response_url(),
    )
    assert "Only the learner" in bot.fake.last("response_url").args["text"]

    bot.click(ids.DEBRIEF_START, LEARNER, value=button_value(prompt, ids.DEBRIEF_START))
    form = bot.opened_view()
    assert form["callback_id"] == ids.DEBRIEF_VIEW
    bot.submit(
        form,
        LEARNER,
        {
            "went_well": "Clear next steps.",
            "insights": "Budget first.",
            "willing_to_do": "- Draft my development plan\n- Ask for a stretch project",
        },
    )
    assert "Draft my development plan" in dm(bot, LEARNER)[-1]["text"]
    assert "Clear next steps." not in str(bot.fake.messages(bot.fake.dm_channel(COACH)))
    with bot.sessions() as session:
        assert session.scalars(select(Debrief.went_well)).one() == "Clear next steps."
        items = session.scalars(select(ActionItem).order_by(ActionItem.id)).all()
        assert [i.text for i in items] == ["Draft my development plan", "Ask for a stretch project"]
        first_item = items[0].id

    bot.click(ids.FOLLOW_UP_START, LEARNER, value=str(first_item))
    bot.submit(
        bot.opened_view(),
        LEARNER,
        {"did": "Wrote it and shared it.", "happened": "My manager loved it."},
    )
    told = dm(bot, COACH)[-1]["text"]
    assert (
        "followed through on “Draft my development plan”" in told and "My manager loved it." in told
    )
    assert "thank you" in dm(bot, LEARNER)[-1]["text"]
    bot.click(
        ids.FOLLOW_UP_START, LEARNER, value=str(first_item), response_url=bot.fake.response_url()
    )
    assert "already done" in bot.fake.last("response_url").args["text"]
    del relationship_id


def test_preparing_and_sharing_with_the_coach(bot: BotHarness) -> None:
    relationship_id = active_pair(bot)
    bot.click(ids.PREPARE_START, LEARNER, value=str(relationship_id))
    bot.submit(
        bot.opened_view(),
        LEARNER,
        {"purpose": "Decide on the MPA.", "questions": "Part-time or not?"},
    )
    saved = dm(bot, LEARNER)[-1]
    assert "Decide on the MPA." in str(saved["blocks"])
    assert dm(bot, COACH) == []

    bot.click(
        ids.PREPARE_SHARE,
        COORDINATOR,
        value=button_value(saved, ids.PREPARE_SHARE),
        response_url=bot.fake.response_url(),
    )
    assert "Only the learner" in bot.fake.last("response_url").args["text"]
    bot.click(
        ids.PREPARE_SHARE,
        LEARNER,
        value=button_value(saved, ids.PREPARE_SHARE),
        response_url=bot.fake.response_url(),
    )
    assert "Decide on the MPA." in dm(bot, COACH)[-1]["text"]
    bot.click(
        ids.PREPARE_SHARE,
        LEARNER,
        value=button_value(saved, ids.PREPARE_SHARE),
        response_url=bot.fake.response_url(),
    )
    assert "already shared" in bot.fake.last("response_url").args["text"]
    assert len(dm(bot, COACH)) == 1


def test_no_relationship_means_nothing_to_log(bot: BotHarness) -> None:
    bot.command(ids.LOG_CONVERSATION.name, STRANGER)
    assert "no current coaching relationship" in bot.fake.last("response_url").args["text"]


def test_a_check_in_brings_back_every_commitment_with_its_own_button(bot: BotHarness) -> None:
    """After a debrief with two commitments, the next check-in reaches the learner (Slack
    takes it) with a button for each, and the second button opens the second one."""
    active_pair(bot)
    log(bot, LEARNER)
    bot.bot.reminders()
    bot.click_in_dm(LEARNER, ids.DEBRIEF_START)
    bot.submit(
        bot.opened_view(),
        LEARNER,
        {"willing_to_do": "Draft my development plan\nAsk for a stretch project"},
    )
    with freeze_time(datetime(2026, 12, 24, 16, tzinfo=UTC), tick=True):
        bot.bot.reminders()

    check_in = next(m for m in reversed(dm(bot, LEARNER)) if "Time for a check-in" in m["text"])
    follow_ups = next(b for b in check_in["blocks"] if b.get("block_id") == "follow-ups")
    labels = [e["text"]["text"] for e in follow_ups["elements"]]
    assert labels == [
        "Tell my coach: Draft my development plan",
        "Tell my coach: Ask for a stretch project",
    ]
    assert all(call.ok for call in bot.fake.calls_to("chat.postMessage"))

    second = follow_ups["elements"][1]
    bot.click(
        second["action_id"],
        LEARNER,
        value=second["value"],
        block_id="follow-ups",
        message=check_in,
        channel=bot.fake.dm_channel(LEARNER),
    )
    assert "Ask for a stretch project" in str(bot.opened_view()["blocks"])


def test_a_debrief_prompt_says_when_it_is_done(bot: BotHarness) -> None:
    active_pair(bot)
    log(bot, LEARNER)
    bot.bot.reminders()
    bot.click_in_dm(LEARNER, ids.DEBRIEF_START)

    bot.submit(bot.opened_view(), LEARNER, {"went_well": "Clear next steps."})

    prompt = next(m for m in dm(bot, LEARNER) if "debrief" in m["text"].lower())
    assert ids.DEBRIEF_START not in str(prompt["blocks"])
    assert "You debriefed" in prompt["text"]
