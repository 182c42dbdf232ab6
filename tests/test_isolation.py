"""Two programs installed side by side never meet.

The city's program and the county's, each in its own workspace, each installed with Add
to Slack by its coordinator (tests/support/programs.py seeds them through Slack: an
intro asked and accepted, terms signed, a conversation debriefed). Everything one
workspace is shown (every call to Slack made with its token, every answer to its
people's requests) is searched for the other program's people, ids, addresses and
secret; none may be there. Refused requests that carry the other program's ids are the
access table's (tests/test_access.py, "people elsewhere").
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import func, select

from bot.tenancy import NOT_SERVED
from handlers import ids
from storage.models import Nudge, Person, Relationship
from storage.states import NudgeStatus

from fakeslack import Call, Workspace
from fakeslack.requests import Response
from support.harness import BotHarness
from support.programs import (
    CITY,
    COUNTY_PROGRAM,
    Cast,
    Seeded,
    ask_for_an_intro,
    leaks,
    seed,
    shown,
)
from support.workspace import TUESDAY

PROGRAMS = (CITY, COUNTY_PROGRAM)


def other(cast: Cast) -> Cast:
    return COUNTY_PROGRAM if cast is CITY else CITY


@pytest.fixture
def side_by_side(
    frozen_tuesday: FrozenDateTimeFactory, two_programs: BotHarness, county: Workspace
) -> dict[str, Seeded]:
    """Both programs seeded, the county's first (its rows come first in the outbox)."""
    return {cast.team: seed(two_programs, cast) for cast in reversed(PROGRAMS)}


def seen_in(bot: BotHarness, cast: Cast, start: int, *responses: Response) -> str:
    """All the workspace was shown since call `start`, and the given answers."""
    calls = [call for call in bot.fake.calls[start:] if call.team_id == cast.team]
    return shown(calls, *responses)


def without_block_id(block: dict[str, Any]) -> dict[str, Any]:
    """A block as the bot wrote it (Slack gives a block without an id a random one)."""
    return {key: value for key, value in block.items() if key != "block_id"}


def blocks_text(response: Response) -> str:
    return str(response.json().get("blocks", ""))


@pytest.mark.parametrize("cast", PROGRAMS, ids=lambda cast: cast.team)
def test_each_program_finds_only_its_own_coaches(
    side_by_side: dict[str, Seeded], two_programs: BotHarness, cast: Cast
) -> None:
    people, elsewhere = two_programs.in_team(cast.team), other(cast)
    start = len(two_programs.fake.calls)

    everyone = people.command(ids.FIND_COACH.name, cast.stranger)
    by_name = people.command(ids.FIND_COACH.name, cast.stranger, elsewhere.name(elsewhere.coach))
    profile = people.click(
        ids.VIEW_COACH,
        cast.stranger,
        value=str(side_by_side[cast.team].coach_id),
        block_id=f"coach-{side_by_side[cast.team].coach_id}|{{}}",
        response_url=people.slack.response_url(),
    )

    assert cast.name(cast.coach) in blocks_text(everyone)
    assert ids.VIEW_COACH not in blocks_text(by_name), "nobody by the other's coach's name"
    assert people.opened_view()["callback_id"] == ids.COACH_PROFILE_VIEW
    assert cast.name(cast.coach) in str(people.opened_view()["blocks"])
    seen = seen_in(two_programs, cast, start, everyone, profile)
    assert leaks(seen, elsewhere) == []


@pytest.mark.parametrize("cast", PROGRAMS, ids=lambda cast: cast.team)
def test_figures_home_and_export_are_each_programs_own(
    side_by_side: dict[str, Seeded], two_programs: BotHarness, cast: Cast
) -> None:
    people, elsewhere = two_programs.in_team(cast.team), other(cast)
    start = len(two_programs.fake.calls)

    desk = people.command(ids.ADMIN.name, cast.coordinator)
    home = str(people.open_home(cast.coordinator))
    learner_home = str(people.open_home(cast.learner))
    people.command(ids.ADMIN.name, cast.coordinator, "export")

    learners = len(cast.learners)
    assert f"*Learners*\\n{learners}" in blocks_text(desk)
    assert f"*Learners*\\n{learners}" in home
    assert "*Coaches*\\n1" in blocks_text(desk)
    assert cast.name(cast.coach) in learner_home
    files = {f["name"]: f["content"].decode() for f in people.slack.files}
    exported = list(csv.DictReader(io.StringIO(files["people.csv"])))
    assert sorted(row["name"] for row in exported) == sorted(
        cast.name(user) for user in (*cast.learners, cast.coach)
    )
    seen = seen_in(two_programs, cast, start, desk) + "".join(files.values())
    assert leaks(seen, elsewhere) == []


def test_what_one_program_does_never_moves_what_the_other_sees(
    side_by_side: dict[str, Seeded], two_programs: BotHarness
) -> None:
    county = two_programs.in_team(COUNTY_PROGRAM.team)

    def what_the_county_coordinator_sees() -> tuple[str, str, str]:
        desk = blocks_text(county.command(ids.ADMIN.name, COUNTY_PROGRAM.coordinator))
        search = blocks_text(county.command(ids.FIND_COACH.name, COUNTY_PROGRAM.stranger))
        home = county.open_home(COUNTY_PROGRAM.coordinator)["blocks"]
        return desk, search, str([without_block_id(block) for block in home])

    before = what_the_county_coordinator_sees()
    city = two_programs.in_team(CITY.team)
    ask_for_an_intro(city, CITY.more_learners[0], CITY.coach)
    city.click_in_dm(CITY.coach, ids.DECLINE)
    city.submit(city.opened_view(), CITY.coach, {"reason": "Full until spring."})
    city.click(
        ids.ADMIN_REMOVE_CONFIRM,
        CITY.coordinator,
        value=CITY.learner,
        response_url=city.slack.response_url(),
    )

    assert what_the_county_coordinator_sees() == before
    with two_programs.sessions() as session:
        people = session.execute(
            select(Person.team_id, func.count()).group_by(Person.team_id)
        ).all()
        city_pairs = session.scalars(
            select(Relationship.state).where(Relationship.team_id == CITY.team)
        ).all()
    assert dict(people) == {COUNTY_PROGRAM.team: 2, CITY.team: 2}, "the city's learner went"
    assert "declined" in city_pairs


def test_a_month_of_nudges_reaches_each_program_with_its_own_token_only(
    frozen_tuesday: FrozenDateTimeFactory,
    side_by_side: dict[str, Seeded],
    two_programs: BotHarness,
) -> None:
    start = len(two_programs.fake.calls)

    for day in range(1, 36):
        frozen_tuesday.move_to(TUESDAY + timedelta(days=day))
        two_programs.bot.reminders()

    calls = two_programs.fake.calls[start:]
    assert [(c.method, c.error) for c in calls if not c.ok] == []
    for cast in PROGRAMS:
        sent = [c for c in calls if c.team_id == cast.team and c.method == "chat.postMessage"]
        assert len(sent) >= 2, f"{cast.team} heard from the scheduler"
        assert two_programs.in_team(cast.team).dm(cast.learner), "its learner was nudged"
        assert leaks(shown(sent), other(cast)) == []
    assert {c.team_id for c in calls} == {CITY.team, COUNTY_PROGRAM.team}
    with two_programs.sessions() as session:
        owed = session.execute(
            select(Nudge.team_id, Nudge.status, func.count()).group_by(Nudge.team_id, Nudge.status)
        ).all()
    assert {team for team, status, _ in owed if status == NudgeStatus.SENT} == {
        CITY.team,
        COUNTY_PROGRAM.team,
    }
    assert [row for row in owed if row[1] == NudgeStatus.FAILED] == []


# -- requests that do not hold together ----------------------------------------------


def test_a_click_carrying_a_modal_of_the_other_workspace_is_refused(
    side_by_side: dict[str, Seeded], two_programs: BotHarness
) -> None:
    """Bolt takes the workspace of a modal's `app_installed_team_id` before the one the
    person acted in: a county member's click that names a city modal would be served
    as the city's, with the city's token."""
    city = two_programs.in_team(CITY.team)
    city.click(
        ids.VIEW_COACH,
        CITY.stranger,
        value=str(side_by_side[CITY.team].coach_id),
        block_id=f"coach-{side_by_side[CITY.team].coach_id}|{{}}",
    )
    city_modal = city.opened_view()
    county = two_programs.in_team(COUNTY_PROGRAM.team)
    before, start = two_programs.rows(), len(two_programs.fake.calls)

    reply = county.click(
        ids.VIEW_COACH,
        COUNTY_PROGRAM.stranger,
        value=str(side_by_side[CITY.team].coach_id),
        block_id=f"coach-{side_by_side[CITY.team].coach_id}|{{}}",
        view=city_modal,
    )

    assert reply.status == 400
    assert two_programs.fake.calls[start:] == []
    assert two_programs.rows() == before


def test_a_request_from_a_workspace_the_token_does_not_serve_is_refused(
    bot: BotHarness, county: Workspace
) -> None:
    """Single-workspace mode: the one token is the city's; a request from any other
    workspace (the same app installed there by hand, say) is not the city's program."""
    before, start = bot.rows(), len(bot.fake.calls)

    reply = bot.in_team(COUNTY_PROGRAM.team).command(ids.FIND_COACH.name, COUNTY_PROGRAM.learner)

    calls = bot.fake.calls[start:]
    assert reply.status == 200 and [c.method for c in calls] == ["response_url"]
    assert calls[0].args["text"] == NOT_SERVED and calls[0].team_id == COUNTY_PROGRAM.team
    assert bot.rows() == before


# -- rate limits --------------------------------------------------------------------------


def passes_until_the_county_hears(bot: BotHarness, frozen: FrozenDateTimeFactory) -> list[Call]:
    """Run the scheduler a day at a time until a pass calls the county's Slack; that
    pass's calls."""
    for _ in range(60):
        frozen.tick(timedelta(days=1))
        start = len(bot.fake.calls)
        bot.bot.reminders()
        calls = bot.fake.calls[start:]
        if any(call.team_id == COUNTY_PROGRAM.team for call in calls):
            return calls
    raise AssertionError("the county heard nothing for 60 days")


def test_one_workspaces_rate_limit_holds_only_its_own_scheduled_sends(
    frozen_tuesday: FrozenDateTimeFactory,
    side_by_side: dict[str, Seeded],
    two_programs: BotHarness,
    county: Workspace,
) -> None:
    """When both pairs' check-ins fall due, the county answers its first with 429 and a
    two-minute Retry-After: its second waits untried, every city message goes out in the
    same pass after it, and two minutes on the county's go out, each once."""
    passes_until_the_county_hears(two_programs, frozen_tuesday)
    county.fail_next("chat.postMessage", "ratelimited", retry_after=120)

    held = passes_until_the_county_hears(two_programs, frozen_tuesday)
    start = len(two_programs.fake.calls)
    frozen_tuesday.tick(timedelta(seconds=121))
    then = two_programs.bot.reminders()
    later = two_programs.fake.calls[start:]

    limited = [c for c in held if c.team_id == COUNTY_PROGRAM.team]
    assert [(c.method, c.http_status) for c in limited] == [("chat.postMessage", 429)]
    city = [c for c in held if c.team_id == CITY.team]
    assert len(city) == 2 and all(c.ok and c.method == "chat.postMessage" for c in city)
    assert held.index(limited[0]) < held.index(city[0]), "the city's went on after the 429"
    assert [(c.team_id, c.ok) for c in later] == [(COUNTY_PROGRAM.team, True)] * 2
    assert then.sent == 2
    assert {c.args["channel"] for c in later} == {COUNTY_PROGRAM.learner, COUNTY_PROGRAM.coach}


def test_one_workspaces_rate_limit_never_holds_up_the_others_requests(
    side_by_side: dict[str, Seeded], two_programs: BotHarness, county: Workspace
) -> None:
    """What a request owes Slack is done after its acknowledgement by listener threads
    that every workspace shares. A county rate limited for two minutes must not keep
    them waiting: each of its Home tabs is tried once (and published again the next
    time it is opened), and the city's intro request reaches its coach at once."""
    county.fail_next("views.publish", "ratelimited", retry_after=120, times=50)
    county_people = two_programs.in_team(COUNTY_PROGRAM.team)
    city = two_programs.in_team(CITY.team)
    coach_dms = len(city.dm(CITY.coach))
    start = len(two_programs.fake.calls)

    for user in (COUNTY_PROGRAM.learner, COUNTY_PROGRAM.coach, COUNTY_PROGRAM.coordinator):
        county_people.open_home(user)
    ask_for_an_intro(city, CITY.more_learners[0], CITY.coach)

    calls = two_programs.fake.calls[start:]
    county_calls = [(c.method, c.http_status) for c in calls if c.team_id == COUNTY_PROGRAM.team]
    assert county_calls.count(("views.publish", 429)) == 3, "each tried once, none waited out"
    assert [m for m, status in county_calls if status != 429 and m == "views.publish"] == []
    assert len(city.dm(CITY.coach)) == coach_dms + 1
    assert all(c.ok for c in calls if c.team_id == CITY.team)
