"""Identity comes from Slack: a roster coach who is not in Slack yet can be claimed only
by the member whose Slack profile carries her address, never by someone who types it.
Coordinators see members whose Slack address differs from the program's and link or
unlink by hand, and every link is recorded.

Each test runs on SQLite and on PostgreSQL, against the roster in examples/.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.roster_cli import import_roster
from bot.settings import Settings
from handlers import ids
from storage.models import IdentityLink, Person, Relationship

from support.harness import BotHarness
from support.workspace import COORDINATOR, STRANGER, TEAM, USERS, learner_form_values

ROSTER = Path(__file__).parent.parent / "examples" / "coaches.csv"
FIRST_COACH = next(csv.DictReader(ROSTER.open(encoding="utf-8")))
COACH_EMAIL = FIRST_COACH["email"]
ROSALIND = "U0ROSALIND"
"""The roster's first coach, once she joins Slack (she isn't in it at import time)."""


@pytest.fixture
def roster(bot: BotHarness, settings: Settings) -> Person:
    """examples/coaches.csv imported while none of its coaches is in Slack yet."""
    assert import_roster(settings, str(ROSTER), TEAM) == 0
    return stored(bot, COACH_EMAIL)


def stored(bot: BotHarness, email: str) -> Person:
    with bot.sessions() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        session.expunge(person)
        return person


def links(bot: BotHarness) -> list[tuple[str, str, str, str | None]]:
    with bot.sessions() as session:
        return [
            (link.slack_user_id, link.action, link.source, link.by_user)
            for link in session.scalars(select(IdentityLink).order_by(IdentityLink.id))
        ]


def join_slack(bot: BotHarness, user_id: str, email: str, name: str = "Rosalind A.") -> None:
    bot.fake.add_user(user_id, real_name=name, email=email, tz="America/Chicago")


def test_typing_a_roster_coachs_address_is_a_field_error_and_takes_nothing(
    bot: BotHarness, roster: Person
) -> None:
    bot.command(ids.PROFILE.name, STRANGER, "learner")
    form = bot.opened_view()
    assert "Rosalind" not in str(form["blocks"])

    response = bot.submit(
        form, STRANGER, learner_form_values(name="Sam Stone", email=COACH_EMAIL.upper())
    )

    assert response.json()["response_action"] == "errors"
    assert "belongs to another member" in response.json()["errors"]["email"]
    after = stored(bot, COACH_EMAIL)
    assert after.slack_user_id is None
    assert (after.name, after.phone) == (roster.name, roster.phone)
    with bot.sessions() as session:
        assert session.scalar(select(Person).where(Person.slack_user_id == STRANGER)) is None
    assert links(bot) == []


def test_an_impostor_never_sees_the_roster_coachs_form_or_her_requests(
    bot: BotHarness, roster: Person
) -> None:
    bot.command(ids.PROFILE.name, STRANGER, "coach")
    form = bot.opened_view()

    prefilled = {
        block["block_id"]: block["element"].get("initial_value")
        for block in form["blocks"]
        if block.get("type") == "input"
    }
    assert prefilled["email"] == USERS[STRANGER]["email"]
    assert prefilled["why_coach"] is None
    with bot.sessions() as session:
        assert session.scalar(select(Relationship.id)) is None


def test_the_real_coach_joining_slack_later_finds_her_imported_profile(
    bot: BotHarness, roster: Person
) -> None:
    join_slack(bot, ROSALIND, COACH_EMAIL.upper())

    bot.command(ids.PROFILE.name, ROSALIND, "coach")

    form = bot.opened_view()
    prefilled = {
        block["block_id"]: block["element"].get("initial_value")
        for block in form["blocks"]
        if block.get("type") == "input"
    }
    assert prefilled["name"] == roster.name
    assert prefilled["phone"] == roster.phone
    assert prefilled["why_coach"] == FIRST_COACH["why_coach"]
    person = stored(bot, COACH_EMAIL)
    assert (person.id, person.slack_user_id, person.slack_email) == (
        roster.id,
        ROSALIND,
        COACH_EMAIL,
    )
    assert links(bot) == [(ROSALIND, "linked", "slack_email", None)]


def test_opening_the_home_tab_is_enough_to_be_recognised(bot: BotHarness, roster: Person) -> None:
    join_slack(bot, ROSALIND, COACH_EMAIL)

    home = bot.open_home(ROSALIND)

    assert home is not None
    assert stored(bot, COACH_EMAIL).slack_user_id == ROSALIND
    assert "Coach" in str(home["blocks"])


def test_a_member_with_another_slack_address_is_never_linked(
    bot: BotHarness, roster: Person
) -> None:
    join_slack(bot, ROSALIND, "rosalind.personal@example.com")

    bot.command(ids.PROFILE.name, ROSALIND)
    bot.open_home(ROSALIND)

    assert stored(bot, COACH_EMAIL).slack_user_id is None
    assert links(bot) == []


def test_a_roster_row_naming_a_self_registered_address_is_not_merged_into_that_member(
    bot: BotHarness, settings: Settings, tmp_path: Path
) -> None:
    """The other order: someone registers first with a coach's address typed in, then
    the coordinator imports the roster. The row must not make them the coach."""
    bot.command(ids.PROFILE.name, STRANGER, "learner")
    bot.submit(
        bot.opened_view(), STRANGER, learner_form_values(name="Sam Stone", email=COACH_EMAIL)
    )
    assert stored(bot, COACH_EMAIL).slack_user_id == STRANGER

    assert import_roster(settings, str(ROSTER), TEAM) == 1

    impostor = stored(bot, COACH_EMAIL)
    assert impostor.name == "Sam Stone"
    with bot.sessions() as session:
        assert session.get(Person, impostor.id).coach is None


def test_coordinators_see_mismatched_addresses_and_can_unlink_and_link_by_hand(
    bot: BotHarness,
) -> None:
    """A stranger registered with an address that is not theirs in Slack: the
    coordinator's list names them, unlinking frees the row, linking attaches it."""
    bot.command(ids.PROFILE.name, STRANGER, "learner")
    bot.submit(
        bot.opened_view(),
        STRANGER,
        learner_form_values(name="Sam Stone", email="not.sam@example.gov"),
    )

    bot.command(ids.ADMIN.name, COORDINATOR, "links")

    listing = bot.fake.ephemerals[-1]
    text = str(listing["blocks"])
    assert "not.sam@example.gov" in text and USERS[STRANGER]["email"] in text
    unlink = next(
        block["accessory"]
        for block in listing["blocks"]
        if block.get("accessory", {}).get("action_id") == ids.ADMIN_UNLINK
    )
    assert unlink["value"] == STRANGER

    bot.click(
        ids.ADMIN_UNLINK,
        COORDINATOR,
        value=unlink["value"],
        block_id=next(b["block_id"] for b in listing["blocks"] if b.get("accessory") == unlink),
        response_url=bot.fake.response_url(),
    )

    assert stored(bot, "not.sam@example.gov").slack_user_id is None
    assert "Unlinked" in bot.fake.ephemerals[-1]["text"]

    bot.command(ids.ADMIN.name, COORDINATOR, f"link <@{STRANGER}|sam> not.sam@example.gov")

    assert stored(bot, "not.sam@example.gov").slack_user_id == STRANGER
    assert links(bot) == [
        (STRANGER, "unlinked", "coordinator", COORDINATOR),
        (STRANGER, "linked", "coordinator", COORDINATOR),
    ]


def test_only_coordinators_may_list_link_or_unlink(bot: BotHarness, roster: Person) -> None:
    for words in ("links", f"link <@{STRANGER}> {COACH_EMAIL}", f"unlink <@{STRANGER}>"):
        response = bot.command(ids.ADMIN.name, STRANGER, words)
        assert "only for the program's coordinators" in response.json()["text"]
    assert stored(bot, COACH_EMAIL).slack_user_id is None
    assert links(bot) == []
