"""Pairs that go quiet, through Slack: the overdue check-in shown as overdue, the
coordinators' note to a pair at risk, and a coach who leaves the workspace."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from coaching import intros
from coaching.intros import IntroDetails
from handlers import ids
from storage.models import Relationship

from fakeslack import requests as slack
from support.harness import BotHarness
from support.seed import add_coach, add_learner, sign_terms
from support.workspace import COACH, COORDINATOR, LEARNER, OTHER_LEARNER, STRANGER, TEAM

AGREED = datetime(2027, 1, 5, 16)
"""A Tuesday: the pair agree monthly terms for a year."""


def active_pair(bot: BotHarness, learner: str = LEARNER) -> int:
    now = bot.bot.runtime.clock()
    with bot.sessions.begin() as session:
        coach = session.scalar(select(Relationship.coach_id))
        if coach is None:
            coach = add_coach(session, COACH, name="Carl Mendez", max_learners="3")
        add_learner(session, learner, name=f"Learner {learner}")
        request, _ = intros.request_intro(
            session,
            TEAM,
            learner,
            coach,
            IntroDetails("career", "Growth", "video", ""),
            learner,
            now,
            max_open=3,
        )
        intros.accept(session, TEAM, request.id, COACH, now)
        sign_terms(session, request.id, learner, COACH, now, months=12)
        return request.id


def test_a_check_in_date_in_the_past_reads_as_overdue(bot: BotHarness) -> None:
    with freeze_time(AGREED):
        active_pair(bot)
        upcoming = str(bot.command(ids.MY_COACHING.name, LEARNER).json()["blocks"])
    assert "Next check-in <!date^" in upcoming and "Feb 5, 2027" in upcoming

    with freeze_time(AGREED + timedelta(days=45)):
        shown = str(bot.command(ids.MY_COACHING.name, LEARNER).json()["blocks"])
        home = str(bot.open_home(LEARNER)["blocks"])
    assert "Check-in overdue since" in shown and "Feb 5, 2027" in shown
    assert "check-in overdue since" in home


def test_a_coordinator_sends_a_note_to_a_pair_at_risk(bot: BotHarness) -> None:
    with freeze_time(AGREED):
        relationship_id = active_pair(bot)
    with freeze_time(AGREED + timedelta(days=100)):
        home = bot.open_home(COORDINATOR)
        block = next(
            b
            for b in home["blocks"]
            if b.get("accessory", {}).get("action_id") == ids.AT_RISK_MESSAGE
        )
        assert "3 check-ins missed" in block["text"]["text"]
        bot.click(
            ids.AT_RISK_MESSAGE,
            COORDINATOR,
            value=block["accessory"]["value"],
            block_id=block["block_id"],
            view=home,
            response_url=bot.fake.response_url(),
        )
        form = bot.opened_view()
        assert form["callback_id"] == ids.PAIR_NOTE_VIEW
        reply = bot.submit(form, COORDINATOR, {"note": "How are things going? <!channel>"})

    assert reply.json()["response_action"] == "update"
    group = bot.fake.last("conversations.open").response["channel"]["id"]
    [note] = [m for m in bot.fake.messages(group) if "A note from your program" in m["text"]]
    assert "How are things going? &lt;!channel&gt;" in note["text"]
    assert str(relationship_id) == block["accessory"]["value"]


def test_only_coordinators_can_send_a_note(bot: BotHarness) -> None:
    with freeze_time(AGREED):
        relationship_id = active_pair(bot)
        bot.click(
            ids.AT_RISK_MESSAGE,
            STRANGER,
            value=str(relationship_id),
            response_url=bot.fake.response_url(),
        )
    assert "only for the program's coordinators" in bot.fake.last("response_url").args["text"]
    assert bot.fake.calls_to("views.open") == []


def test_a_coach_who_leaves_the_workspace_is_told_to_learners_and_coordinators(
    bot: BotHarness,
) -> None:
    with freeze_time(AGREED):
        first = active_pair(bot)
        second = active_pair(bot, OTHER_LEARNER)
        with bot.sessions.begin() as session:
            add_coach(session, "U0OTHERCOACH", name="Olivia Other", max_learners="3")
        bot.fake.add_user("U0OTHERCOACH", real_name="Olivia Other")

    with freeze_time(AGREED + timedelta(days=10)):
        bot.fake.add_user(COACH, real_name="Carl Mendez", deleted=True)
        payload = slack.event(
            team=TEAM, event={"type": "user_change", "user": {"id": COACH, "deleted": True}}
        )
        bot.sender.post(json.dumps(payload), content_type="application/json")

    with bot.sessions() as session:
        states = {r.id: r.state for r in session.scalars(select(Relationship))}
    assert states == {first: "concluded", second: "concluded"}
    for learner in (LEARNER, OTHER_LEARNER):
        told = bot.dm(learner)[-1]
        assert "has left the Slack workspace" in told["text"]
        assert "Olivia Other" in str(told["blocks"]) and ids.ASK_INTRO in str(told["blocks"])
    [notice] = [m for m in bot.dm(COORDINATOR) if "left the Slack workspace" in m["text"]]
    assert "2 learners were told" in notice["text"]


def test_a_profile_change_that_is_not_leaving_changes_nothing(bot: BotHarness) -> None:
    with freeze_time(AGREED):
        active_pair(bot)
        payload = slack.event(
            team=TEAM, event={"type": "user_change", "user": {"id": COACH, "deleted": False}}
        )
        bot.sender.post(json.dumps(payload), content_type="application/json")
    with bot.sessions() as session:
        assert session.scalars(select(Relationship.state)).one() == "active"
