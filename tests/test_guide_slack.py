"""Help, the coachability check and the guides a matched pair receives, through Slack.

Each test runs twice, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from coaching.coachability import TRAITS
from coaching.guidance import FIRST_CONVERSATION, LEARNER_TIPS
from coaching.lifecycle import State
from handlers import ids
from storage.models import CoachabilityReflection, Relationship

from fakeslack.requests import Response
from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import COACH, LEARNER, STRANGER, TEAM, learner_form_values

SECOND_COACH = "U0COACHTWO"
FORMER_COACH = "U0COACHOLD"
RATINGS = {
    "self_awareness": "4",
    "open_to_learning": "5",
    "action_oriented": "2",
    "growth_mindset": "4",
    "beginners_mind": "3",
}


def dm(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    return bot.fake.messages(bot.fake.dm_channel(user))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        e["action_id"]: e.get("value", "")
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def click_in_dm(
    bot: BotHarness, user: str, message: dict[str, Any], action_id: str, by: str
) -> Response:
    return bot.click(
        action_id,
        by,
        value=buttons(message)[action_id] or None,
        message=message,
        channel=bot.fake.dm_channel(user),
        response_url=bot.fake.response_url(),
    )


def reflections(bot: BotHarness) -> list[CoachabilityReflection]:
    with bot.sessions() as session:
        return list(session.scalars(select(CoachabilityReflection)))


def learner_with_coaches(bot: BotHarness, **coaches: State) -> None:
    """The learner, and a relationship in the given state with each coach (by user id)."""
    with bot.sessions.begin() as session:
        learner = add_learner(session, LEARNER, name="Lena Ortiz")
        for number, (user, state) in enumerate(coaches.items()):
            bot.fake.add_user(user, real_name=f"Coach {number}")
            coach = add_coach(session, user, email=f"{user.lower()}@example.gov")
            session.add(
                Relationship(
                    team_id=TEAM,
                    learner_id=learner,
                    coach_id=coach,
                    state=state,
                    request_key=f"key-{number}",
                    coaching_kind="career",
                    requested_at=bot.bot.runtime.clock(),
                )
            )


def reflect(bot: BotHarness, **changes: str) -> dict[str, Any]:
    """Take the check as the learner; returns the summary DM."""
    bot.command(ids.COACHABILITY.name, LEARNER)
    response = bot.submit(bot.opened_view(), LEARNER, RATINGS | changes)
    assert response.status == 200 and response.body == ""
    return dm(bot, LEARNER)[-1]


# -- /coaching-help ----------------------------------------------------------------------


def test_help_lists_every_command_with_its_examples(bot: BotHarness) -> None:
    reply = bot.command(ids.COACHING_HELP.name, LEARNER).json()

    assert reply["response_type"] == "ephemeral"
    shown = str(reply["blocks"])
    for command in ids.COMMANDS:
        assert command.name in reply["text"]
        assert command.description in shown
        for example in command.examples:
            assert f"`{example}`" in shown
    assert bot.fake.calls_to("chat.postMessage") == []


def test_help_for_one_command_with_or_without_the_slash(bot: BotHarness) -> None:
    for asked in ("find-coach", "/find-coach", "FIND-COACH"):
        reply = bot.command(ids.COACHING_HELP.name, LEARNER, asked).json()
        shown = str(reply["blocks"])
        assert ids.FIND_COACH.description in shown
        assert "`/find-coach strategic planing`" in shown
        assert ids.REQUEST_INTRO.description not in shown


def test_an_unknown_command_gets_a_friendly_list(bot: BotHarness) -> None:
    reply = bot.command(ids.COACHING_HELP.name, LEARNER, "<!here>").json()

    shown = str(reply["blocks"])
    assert "I don't know a command called `&lt;!here&gt;`" in shown
    assert "<!here>" not in shown
    assert all(command.description in shown for command in ids.COMMANDS)


def test_profile_help_still_answers(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, LEARNER, "help")
    text = bot.fake.last("response_url").args["text"]
    assert ids.PROFILE.description in text and "/coaching-profile learner" in text


# -- the coachability check ----------------------------------------------------------------


def test_the_check_opens_with_five_traits_to_rate(bot: BotHarness) -> None:
    learner_with_coaches(bot)

    bot.command(ids.COACHABILITY.name, LEARNER)

    view = bot.fake.last("views.open").args["view"]
    assert view["callback_id"] == ids.COACHABILITY_VIEW
    shown = str(view["blocks"])
    assert all(trait.name in shown and trait.statement in shown for trait in TRAITS)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert [inputs[trait.key]["element"]["type"] for trait in TRAITS] == ["radio_buttons"] * 5
    assert all(inputs[trait.note_key]["optional"] for trait in TRAITS)
    assert "Only you see your answers" in shown


def test_someone_not_registered_as_a_learner_is_told_how(bot: BotHarness) -> None:
    bot.command(ids.COACHABILITY.name, STRANGER)

    assert "/coaching-profile learner" in bot.fake.last("response_url").args["text"]
    assert bot.fake.calls_to("views.open") == []


def test_a_missing_rating_is_a_field_error_and_nothing_is_stored(bot: BotHarness) -> None:
    learner_with_coaches(bot)
    bot.command(ids.COACHABILITY.name, LEARNER)

    reply = bot.submit(bot.opened_view(), LEARNER, RATINGS | {"growth_mindset": ""}).json()

    assert reply["response_action"] == "errors"
    assert reply["errors"] == {"growth_mindset": "Please choose how true this is of you."}
    assert reflections(bot) == []
    assert bot.fake.calls_to("chat.postMessage") == []


def test_a_reflection_is_stored_and_summarised_privately(bot: BotHarness) -> None:
    learner_with_coaches(bot, **{COACH: State.ACTIVE})

    summary = reflect(bot, action_oriented_note="I <wait> for the perfect plan.")

    [stored] = reflections(bot)
    assert (stored.self_awareness, stored.action_oriented, stored.shared_at) == (4, 2, None)
    shown = str(summary["blocks"])
    assert "Your coachability reflection" in shown
    assert "I &lt;wait&gt; for the perfect plan." in shown
    action = next(t for t in TRAITS if t.key == "action_oriented")
    assert action.suggestion in shown
    assert all(t.suggestion not in shown for t in TRAITS if t is not action)
    assert buttons(summary) == {ids.COACHABILITY_SHARE: str(stored.id)}
    assert [c.args["channel"] for c in bot.fake.calls_to("chat.postMessage")] == [LEARNER]


def test_a_second_reflection_shows_what_changed(bot: BotHarness) -> None:
    learner_with_coaches(bot)
    reflect(bot)

    summary = reflect(bot, action_oriented="4")

    assert "4/5 (was 2)" in str(summary["blocks"])
    assert len(reflections(bot)) == 2


def test_sharing_sends_the_summary_to_the_current_coach_only(bot: BotHarness) -> None:
    learner_with_coaches(bot, **{COACH: State.ACTIVE, FORMER_COACH: State.CONCLUDED})
    summary = reflect(bot, self_awareness_note="Feedback stings.")

    click_in_dm(bot, LEARNER, summary, ids.COACHABILITY_SHARE, by=LEARNER)

    [sent] = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] != LEARNER]
    assert sent.args["channel"] == COACH
    shown = str(sent.args["blocks"])
    assert f"<@{LEARNER}> shared their coachability reflection" in shown
    assert "Feedback stings." in shown and "Action orientation" in shown
    assert dm(bot, FORMER_COACH) == []
    assert bot.fake.last("response_url").args["text"] == f"Shared with your coach, <@{COACH}>."
    assert reflections(bot)[0].shared_at is not None

    click_in_dm(bot, LEARNER, summary, ids.COACHABILITY_SHARE, by=LEARNER)
    assert "already shared" in bot.fake.last("response_url").args["text"]
    assert len(dm(bot, COACH)) == 1


def test_with_several_coaches_all_current_coaches_receive_it(bot: BotHarness) -> None:
    learner_with_coaches(bot, **{COACH: State.EXPLORING, SECOND_COACH: State.PAUSED})
    summary = reflect(bot)

    click_in_dm(bot, LEARNER, summary, ids.COACHABILITY_SHARE, by=LEARNER)

    assert len(dm(bot, COACH)) == 1 and len(dm(bot, SECOND_COACH)) == 1
    told = bot.fake.last("response_url").args["text"]
    assert told == f"Shared with all 2 of your current coaches: <@{COACH}> and <@{SECOND_COACH}>."


def test_a_stranger_cannot_share_someone_elses_reflection(bot: BotHarness) -> None:
    learner_with_coaches(bot, **{COACH: State.ACTIVE})
    summary = reflect(bot)

    click_in_dm(bot, LEARNER, summary, ids.COACHABILITY_SHARE, by=STRANGER)
    click_in_dm(bot, LEARNER, summary, ids.COACHABILITY_SHARE, by=COACH)

    assert "Only the person who wrote" in bot.fake.last("response_url").args["text"]
    assert dm(bot, COACH) == [] and dm(bot, STRANGER) == []
    assert reflections(bot)[0].shared_at is None


def test_without_a_coach_sharing_explains_why_nothing_was_sent(bot: BotHarness) -> None:
    learner_with_coaches(bot, **{COACH: State.REQUESTED})
    summary = reflect(bot)

    click_in_dm(bot, LEARNER, summary, ids.COACHABILITY_SHARE, by=LEARNER)

    assert "don't have a current coach" in bot.fake.last("response_url").args["text"]
    assert dm(bot, COACH) == []


def test_a_new_learner_is_offered_the_check(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, LEARNER, "learner")
    bot.submit(bot.opened_view(), LEARNER, learner_form_values())
    saved = dm(bot, LEARNER)[-1]
    assert "learner profile is saved" in saved["text"]
    assert ids.COACHABILITY_START in buttons(saved)

    click_in_dm(bot, LEARNER, saved, ids.COACHABILITY_START, by=LEARNER)

    assert bot.fake.last("views.open").args["view"]["callback_id"] == ids.COACHABILITY_VIEW
    bot.submit(bot.opened_view(), LEARNER, RATINGS)
    assert len(reflections(bot)) == 1


# -- guides when a coach accepts ---------------------------------------------------------


def test_after_an_accept_coach_and_learner_get_their_guides(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        coach_id = add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")
    bot.click(
        ids.ASK_INTRO,
        LEARNER,
        value=str(coach_id),
        block_id="coach-1|{}",
        response_url=bot.fake.response_url(),
    )
    values = {"coaching_kind": "career", "hopes": "A five-year plan.", "first_call": "video"}
    bot.submit(bot.opened_view(), LEARNER, values)
    request = dm(bot, COACH)[-1]

    click_in_dm(bot, COACH, request, ids.ACCEPT, by=COACH)

    with bot.sessions() as session:
        assert session.scalar(select(func.count()).where(Relationship.state == "exploring")) == 1
    guide = str(dm(bot, COACH)[-1]["blocks"])
    assert FIRST_CONVERSATION.title in guide and "*Lena Ortiz*" in guide
    assert all(title in guide for title, _ in FIRST_CONVERSATION.points)
    [accepted] = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == LEARNER]
    assert "accepted your request" in accepted.args["text"]
    tips = str(accepted.args["blocks"])
    assert LEARNER_TIPS.title in tips
    assert all(f"*{title}*: {line}" in tips for title, line in LEARNER_TIPS.points)
