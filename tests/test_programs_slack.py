"""The program's settings, edited by its coordinators in Slack: `/coaching-admin settings`.

The form opens with the program's settings as they are (seeded from the environment in
single-workspace mode, the database's after the first change). Only coordinators open
it or save it; each change is recorded with who made it and the old and new value; a
program always keeps a coordinator; a field that is wrong is marked on the form, which
keeps everything typed, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings
from handlers import ids
from handlers.views.admin import REFUSED
from storage.models import Program, ProgramChange
from storage.states import ChannelCopy

from fakeslack.requests import Response
from support.harness import BotHarness, running_bot
from support.programs import CITY, COUNTY_PROGRAM, ask_for_an_intro
from support.seed import add_coach, add_learner
from support.workspace import (
    COACH,
    COORDINATOR,
    LEARNER,
    OTHER_LEARNER,
    PROGRAM_CHANNEL,
    STRANGER,
)

NEW_CHANNEL = "C0MENTORS"


def open_settings(bot: BotHarness, user: str) -> Response:
    return bot.command(ids.ADMIN.name, user, "settings")


def settings_form(bot: BotHarness, user: str = COORDINATOR) -> dict[str, Any]:
    """The settings modal as Slack shows it to `user`, who typed the command."""
    reply = open_settings(bot, user)
    assert reply.status == 200 and not reply.body, reply.body
    view = bot.opened_view()
    assert view["callback_id"] == ids.ADMIN_SETTINGS_VIEW
    return view


def initial(view: dict[str, Any]) -> dict[str, Any]:
    """What each input of the form shows before anyone types, by block_id."""
    shown: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element", {})
        for key in ("initial_users", "initial_conversation", "initial_value"):
            if key in element:
                shown[block["block_id"]] = element[key]
        if "initial_option" in element:
            shown[block["block_id"]] = element["initial_option"]["value"]
    return shown


def changes(bot: BotHarness) -> list[tuple[str, str, str, str]]:
    with bot.sessions() as session:
        rows = session.scalars(select(ProgramChange).order_by(ProgramChange.id)).all()
        return [(row.changed_by, row.setting, row.before, row.after) for row in rows]


def program(bot: BotHarness, team: str = CITY.team) -> Program:
    with bot.sessions() as session:
        row = session.get(Program, team)
        assert row is not None
        session.expunge(row)
        return row


def test_the_form_opens_with_the_programs_settings_as_they_are(bot: BotHarness) -> None:
    view = settings_form(bot)

    assert initial(view) == {
        "coordinators": [COORDINATOR],
        "channel": PROGRAM_CHANNEL,
        "channel_copy": ChannelCopy.NOTICE,
        "max_open_requests": "3",
    }, "from the environment; no name and keep everything, so those start empty"


@pytest.mark.parametrize("outsider", [LEARNER, COACH, STRANGER])
def test_only_coordinators_open_the_form(bot: BotHarness, outsider: str) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        add_coach(session, COACH)
    before, start = bot.rows(), len(bot.fake.calls)

    reply = open_settings(bot, outsider).json()

    assert reply == {"response_type": "ephemeral", "text": REFUSED}
    assert bot.fake.calls[start:] == [] and bot.rows() == before


@pytest.mark.parametrize("outsider", [LEARNER, STRANGER])
def test_only_coordinators_save_it_even_with_the_form_in_hand(
    bot: BotHarness, outsider: str
) -> None:
    """A forged submission: the coordinators' form, sent as someone else."""
    view = settings_form(bot)
    before = bot.rows()

    reply = bot.submit(view, outsider, {"coordinators": [outsider]}).json()

    assert reply == {"response_action": "errors", "errors": {"coordinators": REFUSED}}
    assert bot.rows() == before


def test_saving_records_who_changed_what_and_the_program_runs_on_it(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, email="lena.ortiz@example.gov")
        add_coach(session, COACH, email="carl.mendez@example.gov")
        add_coach(session, STRANGER, email="sam.stone@example.gov")
    view = settings_form(bot)

    reply = bot.submit(
        view,
        COORDINATOR,
        {
            "name": "Iowa City Managers' Mentoring",
            "coordinators": [COORDINATOR, OTHER_LEARNER],
            "max_open_requests": "1",
        },
    ).json()

    assert reply["response_action"] == "update"
    said = str(reply["view"]["blocks"])
    assert "the name" in said and "the coordinators" in said and "waiting requests" in said
    assert changes(bot) == [
        (COORDINATOR, "name", "", "Iowa City Managers' Mentoring"),
        (COORDINATOR, "coordinators", COORDINATOR, f"{COORDINATOR}, {OTHER_LEARNER}"),
        (COORDINATOR, "max_open_requests", "3", "1"),
    ]
    assert program(bot).updated_by == COORDINATOR
    assert "blocks" in bot.command(ids.ADMIN.name, OTHER_LEARNER).json(), "a coordinator now"
    ask_for_an_intro(bot, LEARNER, COACH)
    bot.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{STRANGER}>")
    refused = bot.fake.last("response_url").args["text"]
    assert "as many requests waiting for an answer as the program allows (1)" in refused
    assert "Nothing changed" in str(
        bot.submit(settings_form(bot), COORDINATOR, {}).json()["view"]["blocks"]
    )
    assert len(changes(bot)) == 3


def test_a_program_never_loses_its_last_coordinator(bot: BotHarness) -> None:
    view = settings_form(bot)
    before = bot.rows()

    reply = bot.submit(view, COORDINATOR, {"coordinators": []}).json()

    assert reply["response_action"] == "errors"
    assert "at least one coordinator" in reply["errors"]["coordinators"]
    assert bot.rows() == before


def test_a_coordinator_may_hand_over_and_then_is_refused(bot: BotHarness) -> None:
    view = settings_form(bot)

    bot.submit(view, COORDINATOR, {"coordinators": [OTHER_LEARNER]})

    assert program(bot).coordinators == [OTHER_LEARNER]
    assert open_settings(bot, COORDINATOR).json()["text"] == REFUSED
    assert settings_form(bot, OTHER_LEARNER)["callback_id"] == ids.ADMIN_SETTINGS_VIEW


def test_a_form_opened_before_its_coordinator_was_removed_no_longer_saves(
    bot: BotHarness,
) -> None:
    stale = settings_form(bot)
    bot.submit(settings_form(bot), COORDINATOR, {"coordinators": [COORDINATOR, OTHER_LEARNER]})
    handed_over = settings_form(bot, OTHER_LEARNER)
    bot.submit(handed_over, OTHER_LEARNER, {"coordinators": [OTHER_LEARNER]})
    before = bot.rows()

    reply = bot.submit(stale, COORDINATOR, {"coordinators": [COORDINATOR]}).json()

    assert reply == {"response_action": "errors", "errors": {"coordinators": REFUSED}}
    assert bot.rows() == before


def test_wrong_fields_are_marked_and_the_form_keeps_what_was_typed(bot: BotHarness) -> None:
    view = settings_form(bot)
    before, start = bot.rows(), len(bot.fake.calls)
    typed = {
        "name": "Mentoring",
        "max_open_requests": "eleven",
        "retention_months": "0",
        "channel": NEW_CHANNEL,
    }

    reply = bot.submit(view, COORDINATOR, typed).json()

    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"max_open_requests", "retention_months"}
    assert "1 to 10" in reply["errors"]["max_open_requests"]
    assert bot.rows() == before, "nothing saved half-way"
    assert bot.fake.calls[start:] == [], "the form stays as it was, with what was typed"

    fixed = bot.submit(
        view, COORDINATOR, typed | {"max_open_requests": "4", "retention_months": "24"}
    )

    assert fixed.json()["response_action"] == "update"
    saved = program(bot)
    assert (saved.name, saved.channel, saved.max_open_requests, saved.retention_months) == (
        "Mentoring",
        NEW_CHANNEL,
        4,
        24,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("coordinators", ["C0PROGRAM"]),
        ("coordinators", ["<!channel>"]),
        ("channel", "U0ADMIN"),
        ("channel_copy", "everything"),
        ("max_open_requests", "-1"),
        ("max_open_requests", "²"),
        ("retention_months", "1²"),
        ("retention_months", "1e3"),
        ("name", "x" * 201),
    ],
)
def test_values_slack_would_never_send_are_refused_on_their_field(
    bot: BotHarness, field: str, value: Any
) -> None:
    view = settings_form(bot)
    before = bot.rows()
    payload = bot.submission(view, COORDINATOR, {})
    action = payload["view"]["state"]["values"][field][ids.INPUT]
    key = next(k for k in action if k != "type")
    action[key] = (
        {"value": value, "text": {"type": "plain_text", "text": value}}
        if key == "selected_option"
        else value
    )

    reply = bot.sender.interactive(payload).json()

    assert reply["response_action"] == "errors" and field in reply["errors"], reply
    assert bot.rows() == before


def test_the_database_wins_over_the_environment_after_the_first_change(
    bot: BotHarness, settings: Settings
) -> None:
    bot.submit(settings_form(bot), COORDINATOR, {"coordinators": [OTHER_LEARNER]})
    restarted_with = Settings(**{**settings.__dict__, "program_admins": frozenset({STRANGER})})

    with running_bot(restarted_with, bot.fake) as again:
        assert again.command(ids.ADMIN.name, STRANGER).json()["text"] == REFUSED
        assert "blocks" in again.command(ids.ADMIN.name, OTHER_LEARNER).json()


def test_each_program_keeps_its_own_settings(two_programs: BotHarness) -> None:
    county = two_programs.in_team(COUNTY_PROGRAM.team)
    city_before = program(two_programs, CITY.team)

    county.submit(
        settings_form(county, COUNTY_PROGRAM.coordinator),
        COUNTY_PROGRAM.coordinator,
        {"max_open_requests": "7", "name": "County mentoring"},
    )

    assert program(two_programs, COUNTY_PROGRAM.team).max_open_requests == 7
    city = program(two_programs, CITY.team)
    assert (city.name, city.max_open_requests, city.updated_at) == (
        city_before.name,
        city_before.max_open_requests,
        city_before.updated_at,
    )
    with two_programs.sessions() as session:
        teams = set(
            session.scalars(
                select(ProgramChange.team_id).where(ProgramChange.setting != "coordinators")
            )
        )
    assert teams == {COUNTY_PROGRAM.team}
