"""The bot's words and defaults, as people see them in Slack: what a form suggests,
which choices it offers, how dates read, and what the program channel learns."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from freezegun import freeze_time

from bot.settings import Settings
from coaching import checkins, intros
from coaching.intros import IntroDetails
from handlers import ids

from fakeslack import FakeSlack
from support.harness import BotHarness, running_bot
from support.seed import add_coach, add_learner
from support.workspace import COACH, LEARNER, PROGRAM_CHANNEL, TEAM

FRIDAY = datetime(2027, 3, 5, 16)


def accepted(bot: BotHarness, *, learner_wants: str, coach_prefers: str) -> int:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, frequency=learner_wants)
        coach = add_coach(session, COACH, frequency=coach_prefers, meeting_forms=["video", "phone"])
        now = bot.bot.runtime.clock()
        request, _ = intros.request_intro(
            session,
            TEAM,
            LEARNER,
            coach,
            IntroDetails("career", "x", "video", ""),
            "k",
            now,
            max_open=3,
        )
        intros.accept(session, TEAM, request.id, COACH, now)
        return request.id


def agreement_form(bot: BotHarness, relationship_id: int) -> dict:
    bot.click(ids.AGREEMENT_START, LEARNER, value=str(relationship_id))
    return bot.opened_view()


def initial(view: dict, block_id: str) -> str | None:
    element = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    return element.get("initial_date") or element.get("initial_value")


@pytest.mark.parametrize(
    ("learner_wants", "coach_prefers", "suggested"),
    [
        ("monthly", "monthly", "monthly"),
        ("quarterly", "monthly", "quarterly"),
        ("monthly", "quarterly", "quarterly"),
        ("every_other_month", "every_other_month", "every_other_month"),
    ],
)
def test_the_agreement_suggests_the_learners_cadence_when_the_coach_allows_it(
    bot: BotHarness, learner_wants: str, coach_prefers: str, suggested: str
) -> None:
    relationship_id = accepted(bot, learner_wants=learner_wants, coach_prefers=coach_prefers)
    assert initial(agreement_form(bot, relationship_id), "frequency") == suggested


def test_the_agreement_starts_on_the_next_working_day(bot: BotHarness) -> None:
    with freeze_time(FRIDAY):
        relationship_id = accepted(bot, learner_wants="monthly", coach_prefers="monthly")
        assert initial(agreement_form(bot, relationship_id), "start_date") == "2027-03-08"


def test_the_intro_form_offers_only_the_ways_the_coach_meets(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        add_coach(session, COACH, name="Carl Mendez", meeting_forms=["phone", "email"])
    bot.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")
    form = bot.opened_view()
    first_call = next(b for b in form["blocks"] if b.get("block_id") == "first_call")
    assert [o["value"] for o in first_call["element"]["options"]] == ["phone", "either"]


def test_dates_read_as_slack_tokens_in_messages_and_plainly_in_forms(bot: BotHarness) -> None:
    with freeze_time(datetime(2027, 1, 5, 16)):
        relationship_id = accepted(bot, learner_wants="monthly", coach_prefers="monthly")
        with bot.sessions.begin() as session:
            now = bot.bot.runtime.clock()
            conversation, _ = checkins.log_conversation(
                session, TEAM, relationship_id, LEARNER, "2027-01-04", "video", "k", now
            )
            conversation_id = conversation.id
        bot.bot.reminders()
        prompt = next(m for m in bot.dm(LEARNER) if ids.DEBRIEF_START in str(m["blocks"]))
        assert "<!date^" in prompt["text"] and "|Jan 4, 2027>" in prompt["text"]

        bot.click(ids.DEBRIEF_START, LEARNER, value=str(conversation_id))
        assert "Your conversation on Jan 4, 2027." in str(bot.opened_view()["blocks"])


def test_help_examples_name_no_one(bot: BotHarness) -> None:
    shown = str(bot.command(ids.COACHING_HELP.name, LEARNER).json())
    assert "/request-intro @a coach's name" in shown
    assert "Carl" not in shown and "Sam Stone" not in shown


def test_a_full_copy_of_the_agreement_is_a_program_setting_and_the_form_says_so(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    with running_bot(dataclasses.replace(settings, program_channel_copy="full"), fake_slack) as bot:
        relationship_id = accepted(bot, learner_wants="monthly", coach_prefers="monthly")
        form = agreement_form(bot, relationship_id)
        assert f"the whole agreement goes to <#{PROGRAM_CHANNEL}>" in str(form["blocks"])
        values = {
            "confidentiality": "Between us.",
            "contact_forms": ["video"],
            "acknowledgements": ["no_fault", "owns_choices"],
        }
        bot.submit(form, LEARNER, values)
        bot.click_in_dm(COACH, ids.AGREEMENT_SIGN)
        [copy] = bot.fake.messages(PROGRAM_CHANNEL)
        assert "Statement of mutual understanding" in str(copy["blocks"])
        assert "Between us." in str(copy["blocks"])
