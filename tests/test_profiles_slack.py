"""The profile flow through Slack: signed requests in, Web API calls out to the fake.

Each test runs twice, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
import urllib.parse

from sqlalchemy import func, select

from handlers import ids
from storage.models import CoachProfile, LearnerProfile, Person

from fakeslack import requests as slack
from support.harness import BotHarness
from support.workspace import (
    COACH,
    LEARNER,
    TEAM,
    USERS,
    coach_form_values,
    learner_form_values,
)


def people_count(bot: BotHarness) -> int:
    with bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(Person))


def input_block(view: dict, block_id: str) -> dict:
    return next(block for block in view["blocks"] if block.get("block_id") == block_id)


def test_the_coach_command_opens_the_form_prefilled_from_slack(bot: BotHarness) -> None:
    response = bot.command(ids.PROFILE.name, COACH, "coach")

    assert response.status == 200
    assert bot.fake.last("users.info").args["user"] == COACH
    view = bot.fake.last("views.open").args["view"]
    assert view["callback_id"] == ids.COACH_FORM_VIEW
    assert input_block(view, "name")["element"]["initial_value"] == "Carl Mendez"
    assert input_block(view, "title")["element"]["initial_value"] == "City Manager"
    assert input_block(view, "email")["element"]["initial_value"] == "carl.mendez@example.gov"
    assert input_block(view, "expertise")["element"]["max_selected_items"] == 3


def test_a_valid_coach_submission_stores_the_profile(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    view = bot.opened_view()

    response = bot.submit(view, COACH, coach_form_values())

    assert response.status == 200 and response.body == ""
    with bot.sessions() as session:
        person = session.scalars(select(Person)).one()
        assert (person.team_id, person.slack_user_id) == (TEAM, COACH)
        assert person.time_zone == USERS[COACH]["tz"]
        assert person.coach is not None
        assert person.coach.areas == ["Finance", "Strategic Planning", "Council-Manager Relations"]
        assert person.coach.meeting_forms == ["phone", "video"]
        assert person.coach.max_learners == 3
    confirmation = bot.fake.last("chat.postMessage")
    assert confirmation.args["channel"] == COACH
    assert "coach profile is saved" in confirmation.args["text"]


def test_an_invalid_submission_shows_field_errors_and_stores_nothing(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    view = bot.opened_view()
    bad = coach_form_values(
        expertise=["Finance", "Other"],
        expertise_other="",
        email="carl at city hall",
        phone="call me",
        years_in_local_government="200",
    )

    response = bot.submit(view, COACH, bad)

    assert response.status == 200
    reply = response.json()
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {
        "expertise",
        "expertise_other",
        "email",
        "phone",
        "years_in_local_government",
    }
    assert "exactly three" in reply["errors"]["expertise"]
    assert people_count(bot) == 0
    assert bot.fake.calls_to("chat.postMessage") == []


def test_other_without_its_text_is_a_field_error(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    bad = coach_form_values(expertise=["Finance", "Police", "Other"], expertise_other="")

    reply = bot.submit(bot.opened_view(), COACH, bad).json()

    assert list(reply["errors"]) == ["expertise_other"]
    assert people_count(bot) == 0


def test_a_forged_signature_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    fields = slack.command(command=ids.PROFILE.name, user=COACH, team=TEAM, text="pause")
    body = urllib.parse.urlencode(fields)

    forged = bot.sender.post(body, signature="v0=" + "0" * 64)
    stale = bot.sender.post(body, timestamp=int(time.time()) - 6 * 60)
    unsigned = bot.sender.post(body, signature="")

    assert [forged.status, stale.status, unsigned.status] == [401, 401, 401]
    assert people_count(bot) == 0
    assert [call.method for call in bot.fake.calls if call.method != "auth.test"] == []


def test_a_new_person_registers_as_learner_from_the_summary(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, LEARNER)
    summary = bot.opened_view()
    assert summary["callback_id"] == ids.PROFILE_SUMMARY_VIEW
    buttons = [
        e["action_id"] for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [ids.EDIT_LEARNER, ids.EDIT_COACH]

    bot.click(ids.EDIT_LEARNER, LEARNER, view=summary)
    form = bot.opened_view()
    assert form["callback_id"] == ids.LEARNER_FORM_VIEW
    assert form["id"] == summary["id"]
    bot.submit(form, LEARNER, learner_form_values())

    with bot.sessions() as session:
        learner = session.scalars(select(LearnerProfile)).one()
        assert learner.coaching_kinds == ["career"]
        assert learner.frequency == "quarterly"
        assert learner.person.department == "Public Works"


def test_you_can_view_and_edit_your_profile_later(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    bot.submit(bot.opened_view(), COACH, coach_form_values())

    bot.command(ids.PROFILE.name, COACH)
    summary = bot.opened_view()
    shown = str(summary["blocks"])
    assert "Carl Mendez" in shown and "Strategic Planning" in shown and "Taking learners" in shown

    bot.click(ids.EDIT_COACH, COACH, view=summary)
    form = bot.opened_view()
    assert input_block(form, "organization")["element"]["initial_value"] == "City of Alder Springs"
    selected = input_block(form, "expertise")["element"]["initial_options"]
    assert [option["value"] for option in selected] == [
        "Finance",
        "Strategic Planning",
        "Council-Manager Relations",
    ]
    bot.submit(form, COACH, {"expertise": ["Finance", "Management", "Work/Life Balance"]})

    with bot.sessions() as session:
        coach = session.scalars(select(CoachProfile)).one()
        assert coach.areas == ["Finance", "Management", "Work/Life Balance"]
        assert coach.why_coach.startswith("I had great coaches")


def test_a_coach_pauses_resumes_and_sets_capacity(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    bot.submit(bot.opened_view(), COACH, coach_form_values())

    bot.command(ids.PROFILE.name, COACH, "pause")
    assert "You're paused" in bot.fake.last("response_url").args["text"]
    with bot.sessions() as session:
        assert session.scalars(select(CoachProfile)).one().paused_at is not None

    bot.command(ids.PROFILE.name, COACH, "resume")
    bot.command(ids.PROFILE.name, COACH, "capacity 5")
    assert "until you have 5 learners" in bot.fake.last("response_url").args["text"]
    bot.command(ids.PROFILE.name, COACH, "capacity lots")
    assert "from 1 to 10" in bot.fake.last("response_url").args["text"]
    with bot.sessions() as session:
        coach = session.scalars(select(CoachProfile)).one()
        assert (coach.paused_at, coach.max_learners) == (None, 5)


def test_pause_from_the_summary_updates_it_in_place(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    bot.submit(bot.opened_view(), COACH, coach_form_values())
    bot.command(ids.PROFILE.name, COACH)

    bot.click(ids.PAUSE_COACHING, COACH, view=bot.opened_view())

    assert "Paused: not taking new learners" in str(bot.opened_view()["blocks"])


def test_someone_without_a_coach_profile_cannot_pause(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, LEARNER, "pause")
    assert "don't have a coach profile" in bot.fake.last("response_url").args["text"]


def test_an_unknown_subcommand_gets_help(bot: BotHarness) -> None:
    bot.command(ids.PROFILE.name, LEARNER, "<!channel> please")
    text = bot.fake.last("response_url").args["text"]
    assert "I don't know `&lt;!channel&gt;`" in text
    assert "/coaching-profile learner" in text


def test_health_check_answers_when_the_database_does(bot: BotHarness) -> None:
    import urllib.request

    with urllib.request.urlopen(bot.base_url + "/healthz") as reply:
        assert reply.status == 200
        assert b'"ok"' in reply.read()
