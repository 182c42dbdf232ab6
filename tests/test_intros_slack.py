"""Asking a coach for an intro, and the coach's answer in a DM, through Slack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.tenancy import NOT_SERVED
from coaching.profiles import Contact, LearnerApplication, save_learner
from handlers import ids
from storage.models import CoachProfile, Relationship

from fakeslack import requests as slack
from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import COACH, LEARNER, OTHER_LEARNER, STRANGER

OTHER_TEAM = "T0ELSEWHERE"


def seed(bot: BotHarness, *, max_learners: str = "2") -> int:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        add_learner(session, OTHER_LEARNER, name="Priya Shah", email="priya.shah@example.gov")
        return add_coach(
            session,
            COACH,
            name="Carl Mendez",
            email="carl.mendez@example.gov",
            max_learners=max_learners,
        )


def click_ask(bot: BotHarness, coach_id: int, user: str = LEARNER) -> None:
    bot.click(
        ids.ASK_INTRO,
        user,
        value=str(coach_id),
        block_id='coach-1|{"a":"Finance"}',
        response_url=bot.fake.response_url(),
    )


def open_form(bot: BotHarness, coach_id: int, user: str = LEARNER) -> dict[str, Any]:
    click_ask(bot, coach_id, user)
    return bot.opened_view()


def ask(bot: BotHarness, coach_id: int, user: str = LEARNER, **changes: Any) -> dict[str, Any]:
    form = open_form(bot, coach_id, user)
    values = {
        "coaching_kind": "career",
        "hopes": "A plan for the next five years.",
        "first_call": "video",
        "note": "Thank you for considering it.",
    } | changes
    response = bot.submit(bot.opened_view(), user, values)
    assert response.status == 200
    return response.json() | {"form": form}


def coach_message(bot: BotHarness, learner: str = LEARNER) -> dict[str, Any]:
    channel = bot.fake.dm_channel(COACH)
    return next(m for m in reversed(bot.fake.messages(channel)) if learner in str(m["blocks"]))


def answer(bot: BotHarness, action_id: str, user: str = COACH, learner: str = LEARNER) -> None:
    message = coach_message(bot, learner)
    value = next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    bot.click(
        action_id,
        user,
        value=value,
        message=message,
        channel=bot.fake.dm_channel(COACH),
        response_url=bot.fake.response_url(),
    )


def states(bot: BotHarness) -> list[str]:
    with bot.sessions() as session:
        return list(session.scalars(select(Relationship.state).order_by(Relationship.id)))


def test_a_request_reaches_the_coach_and_the_learner_sees_it_sent(bot: BotHarness) -> None:
    coach_id = seed(bot)

    reply = ask(bot, coach_id)

    assert reply["response_action"] == "update"
    assert "on its way to *Carl Mendez*" in str(reply["view"]["blocks"])
    dm = bot.fake.last("chat.postMessage")
    assert dm.args["channel"] == COACH
    buttons = [
        e["action_id"] for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [ids.ACCEPT, ids.ASK_QUESTION, ids.DECLINE]
    assert "A plan for the next five years." in str(dm.args["blocks"])
    assert "I want to grow into a director role." in str(dm.args["blocks"])
    assert states(bot) == ["requested"]


def test_missing_answers_are_field_errors_and_nothing_is_sent(bot: BotHarness) -> None:
    coach_id = seed(bot)
    reply = ask(bot, coach_id, hopes="  ", first_call="")
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"hopes", "first_call"}
    assert states(bot) == []
    assert bot.fake.calls_to("chat.postMessage") == []


def test_accepting_introduces_the_pair_once(bot: BotHarness) -> None:
    coach_id = seed(bot)
    ask(bot, coach_id)
    message = coach_message(bot)

    answer(bot, ids.ACCEPT)
    bot.click(
        ids.ACCEPT,
        COACH,
        value=str(1),
        message=message,
        channel=bot.fake.dm_channel(COACH),
        response_url=bot.fake.response_url(),
    )

    assert states(bot) == ["exploring"]
    updated = coach_message(bot)
    assert "You accepted" in str(updated["blocks"])
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    [opened] = bot.fake.calls_to("conversations.open")
    assert set(opened.args["users"].split(",")) == {LEARNER, COACH}
    group = opened.response["channel"]["id"]
    [intro] = bot.fake.messages(group)
    assert "explore the fit" in intro["text"] and "taking the initiative is yours" in intro["text"]
    told = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == LEARNER]
    assert len(told) == 1 and "accepted your request" in told[0].args["text"]
    assert "already answered" in bot.fake.last("response_url").args["text"]
    assert f"<@{COACH}> · exploring the fit" in str(bot.fake.home(LEARNER))
    assert f"<@{LEARNER}> · exploring the fit" in str(bot.fake.home(COACH))


def test_declining_tells_the_learner_kindly_with_other_coaches(bot: BotHarness) -> None:
    coach_id = seed(bot)
    with bot.sessions.begin() as session:
        for i in range(4):
            add_coach(
                session, f"U3{i}", name=f"Other Coach {i}", expertise=["Finance", "IT", "Police"]
            )
    for i in range(4):
        bot.fake.add_user(f"U3{i}", real_name=f"Other Coach {i}")
    ask(bot, coach_id)

    answer(bot, ids.DECLINE)
    form = bot.opened_view()
    assert form["callback_id"] == ids.DECLINE_VIEW
    offered = next(b for b in form["blocks"] if b.get("block_id") == "suggestion")
    names = {o["text"]["text"]: o["value"] for o in offered["element"]["options"]}
    assert set(names) == {f"Other Coach {i}" for i in range(4)}, "coaches with room, not me"
    bot.submit(
        form,
        COACH,
        {"reason": "My calendar is full until spring.", "suggestion": names["Other Coach 0"]},
    )

    assert states(bot) == ["declined"]
    letter = bot.fake.last("chat.postMessage")
    assert letter.args["channel"] == LEARNER
    assert "My calendar is full until spring." in letter.args["text"]
    assert "They suggest you ask Other Coach 0." in letter.args["text"]
    asks = [
        e["value"]
        for b in letter.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.ASK_INTRO
    ]
    assert asks[0] == names["Other Coach 0"] and len(asks) == 4 and len(set(asks)) == 4
    assert str(coach_id) not in asks
    assert "You declined" in str(coach_message(bot)["blocks"])


def test_a_coach_may_only_suggest_a_coach_with_room(bot: BotHarness) -> None:
    coach_id = seed(bot)
    with bot.sessions.begin() as session:
        add_coach(session, "U3FULL", name="Full Coach", max_learners="1")
        add_coach(session, "U3ROOM", name="Roomy Coach")
    ask(bot, coach_id)
    answer(bot, ids.DECLINE)
    form = bot.opened_view()
    offered = next(b for b in form["blocks"] if b.get("block_id") == "suggestion")
    assert {o["text"]["text"] for o in offered["element"]["options"]} == {
        "Full Coach",
        "Roomy Coach",
    }
    with bot.sessions.begin() as session:
        full = session.scalars(select(CoachProfile).join(CoachProfile.person)).all()
        next(p for p in full if p.person.name == "Full Coach").paused_at = bot.bot.runtime.clock()

    value = next(
        o["value"] for o in offered["element"]["options"] if o["text"]["text"] == "Full Coach"
    )
    reply = bot.submit(form, COACH, {"suggestion": value})

    assert "isn't taking learners" in reply.json()["errors"]["suggestion"]
    assert states(bot) == ["requested"]


def test_not_taking_learners_pauses_the_coach_and_declines_the_rest(bot: BotHarness) -> None:
    coach_id = seed(bot)
    ask(bot, coach_id)
    ask(bot, coach_id, user=OTHER_LEARNER)

    answer(bot, ids.DECLINE)
    bot.submit(bot.opened_view(), COACH, {"pause": ["pause"]})

    assert states(bot) == ["declined", "declined"]
    with bot.sessions() as session:
        assert session.scalars(select(CoachProfile)).one().paused_at is not None
    told = {c.args["channel"] for c in bot.fake.calls_to("chat.postMessage")}
    assert {LEARNER, OTHER_LEARNER} <= told
    assert "1 other waiting request was declined" in str(
        coach_message(bot, OTHER_LEARNER)["blocks"]
    )


def test_a_question_goes_to_the_learner_and_the_answer_back_to_the_coach(bot: BotHarness) -> None:
    coach_id = seed(bot)
    ask(bot, coach_id)

    answer(bot, ids.ASK_QUESTION)
    bot.submit(bot.opened_view(), COACH, {"question": "Are evening calls OK?"})
    question = bot.fake.last("chat.postMessage")
    assert question.args["channel"] == LEARNER and "Are evening calls OK?" in str(
        question.args["blocks"]
    )

    button = question.args["blocks"][1]["elements"][0]
    bot.click(ids.ANSWER, LEARNER, value=button["value"])
    bot.submit(bot.opened_view(), LEARNER, {"answer": "Yes, after 6pm works."})

    reply = bot.fake.last("chat.postMessage")
    assert reply.args["channel"] == bot.fake.dm_channel(COACH)
    assert reply.args["thread_ts"] == coach_message(bot)["ts"]
    assert "Yes, after 6pm works." in reply.args["text"]
    assert states(bot) == ["requested"]


def test_only_the_coach_addressed_can_answer(bot: BotHarness) -> None:
    coach_id = seed(bot)
    ask(bot, coach_id)
    for action_id in (ids.ACCEPT, ids.DECLINE, ids.ASK_QUESTION):
        answer(bot, action_id, user=STRANGER)
        assert "Only the coach" in bot.fake.last("response_url").args["text"]
    assert states(bot) == ["requested"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_guards_answer_with_a_clear_message(bot: BotHarness) -> None:
    coach_id = seed(bot, max_learners="1")

    click_ask(bot, coach_id, user=COACH)
    assert "register as a learner" in bot.fake.last("response_url").args["text"]
    with bot.sessions.begin() as session:
        add_learner(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")
    click_ask(bot, coach_id, user=COACH)
    assert "can't ask yourself" in bot.fake.last("response_url").args["text"]

    ask(bot, coach_id)
    click_ask(bot, coach_id)
    assert "You already asked Carl Mendez" in bot.fake.last("response_url").args["text"]

    answer(bot, ids.ACCEPT)
    click_ask(bot, coach_id, user=OTHER_LEARNER)
    assert "no room for another learner" in bot.fake.last("response_url").args["text"]

    bot.command(ids.PROFILE.name, COACH, "pause")
    click_ask(bot, coach_id, user=OTHER_LEARNER)
    assert "not taking learners right now" in bot.fake.last("response_url").args["text"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_learner_has_a_cap_on_open_requests(bot: BotHarness) -> None:
    seed(bot)
    with bot.sessions.begin() as session:
        coaches = [add_coach(session, f"U4{i}") for i in range(4)]
    for i in range(4):
        bot.fake.add_user(f"U4{i}", real_name=f"Coach {i}")
    for coach_id in coaches[:3]:
        ask(bot, coach_id)
    click_ask(bot, coaches[3])
    assert (
        "as many requests waiting for an answer as the program allows (3)"
        in bot.fake.last("response_url").args["text"]
    )
    assert states(bot) == ["requested"] * 3


def test_a_retried_or_doubled_submission_makes_one_request(bot: BotHarness) -> None:
    from support.workspace import TEAM

    coach_id = seed(bot)
    open_form(bot, coach_id)
    values = {"coaching_kind": "career", "hopes": "Growth.", "first_call": "video"}
    payload = slack.view_submission(user=LEARNER, team=TEAM, view=bot.opened_view(), values=values)

    first = bot.sender.interactive(payload)
    retry = bot.sender.interactive(
        payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    double = bot.sender.interactive(payload)

    assert [first.status, retry.status, double.status] == [200, 200, 200]
    assert states(bot) == ["requested"]
    assert (
        len([c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == COACH]) == 1
    )
    with bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Relationship)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_request_intro_command_names_the_coach(bot: BotHarness) -> None:
    seed(bot)
    bot.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")
    assert bot.fake.last("views.open").args["view"]["callback_id"] == ids.INTRO_FORM_VIEW
    bot.command(ids.REQUEST_INTRO.name, LEARNER, "carl")
    assert "@-mention" in bot.fake.last("response_url").args["text"]


def test_another_workspaces_coach_is_never_named_or_described(bot: BotHarness) -> None:
    """A learner in a second workspace clicks an intro button carrying this workspace's
    coach id: in single-workspace mode the bot serves the token's workspace alone, and
    says so, naming no one (with Add to Slack, tests/test_access.py's people elsewhere)."""
    coach_id = seed(bot)
    with bot.sessions.begin() as session:
        save_learner(
            session,
            OTHER_TEAM,
            "U0ELSEWHERE",
            LearnerApplication(
                contact=Contact(
                    name="Ola Else", email="ola@example.org", organization="Elsewhere", title="X"
                ),
                why_coaching="Growth.",
                frequency="monthly",
                coaching_kinds=["career"],
            ),
        )
    payload = slack.block_actions(
        user="U0ELSEWHERE",
        team=OTHER_TEAM,
        action=slack.action(ids.ASK_INTRO, value=str(coach_id), block_id='coach-1|{"a":"Finance"}'),
        trigger_id=bot.fake.issue_trigger_id(),
        response_url=bot.fake.response_url(),
    )

    bot.sender.interactive(payload)

    told = " ".join(str(reply.get("text")) for reply in bot.fake.ephemerals)
    assert told == NOT_SERVED, "single-workspace mode serves the token's workspace alone"
    assert "Carl" not in told and "Mendez" not in told
    assert not bot.fake.calls_to("views.open")


ASKED = {"coaching_kind": "career", "hopes": "Growth.", "first_call": "video"}


def test_after_asking_from_a_profile_the_profile_no_longer_offers_to_ask(bot: BotHarness) -> None:
    coach_id = seed(bot)
    results = bot.command(ids.FIND_COACH.name, LEARNER).json()
    block = next(
        b for b in results["blocks"] if b.get("block_id", "").startswith(f"coach-{coach_id}|")
    )
    bot.click(ids.VIEW_COACH, LEARNER, value=str(coach_id), block_id=block["block_id"])
    profile = bot.opened_view()
    ask_block = next(b for b in profile["blocks"] if b["type"] == "actions")
    bot.click(
        ids.ASK_INTRO, LEARNER, value=str(coach_id), block_id=ask_block["block_id"], view=profile
    )
    form = bot.opened_view()
    assert form["callback_id"] == ids.INTRO_FORM_VIEW

    bot.submit(
        form, LEARNER, {"coaching_kind": "career", "hopes": "Growth.", "first_call": "video"}
    )

    under = bot.fake.views[profile["id"]]
    assert ids.ASK_INTRO not in str(under["blocks"])
    assert "Request sent" in str(under["blocks"])


def test_after_asking_from_the_results_they_say_so_and_offer_that_coach_no_more(
    bot: BotHarness,
) -> None:
    coach_id = seed(bot)
    results = bot.command(ids.FIND_COACH.name, LEARNER).json()
    block = next(
        b for b in results["blocks"] if b.get("block_id", "").startswith(f"coach-{coach_id}|")
    )
    bot.click(
        ids.ASK_INTRO,
        LEARNER,
        value=str(coach_id),
        block_id=block["block_id"],
        response_url=bot.fake.response_url(),
    )

    bot.submit(
        bot.opened_view(),
        LEARNER,
        {"coaching_kind": "career", "hopes": "Growth.", "first_call": "video"},
    )

    replaced = bot.fake.last("response_url")
    assert replaced.ok and replaced.args["replace_original"] is True
    assert "on its way to *Carl Mendez*" in str(replaced.args["blocks"])
    assert f'"value": "{coach_id}"' not in json.dumps(replaced.args["blocks"])


def test_an_answered_question_no_longer_asks(bot: BotHarness) -> None:
    coach_id = seed(bot)
    ask(bot, coach_id)
    answer(bot, ids.ASK_QUESTION)
    bot.submit(bot.opened_view(), COACH, {"question": "Are evenings all right?"})
    bot.click_in_dm(LEARNER, ids.ANSWER)

    bot.submit(bot.opened_view(), LEARNER, {"answer": "Evenings are fine."})

    question = next(m for m in bot.dm(LEARNER) if "Are evenings all right?" in str(m))
    assert ids.ANSWER not in str(question["blocks"])
    assert "You answered" in question["text"] and "Evenings are fine." in question["text"]
    relay = bot.fake.last("chat.postMessage")
    assert "still open" in relay.args["text"], "the request still waits for the coach"
