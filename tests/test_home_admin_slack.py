"""The App Home for each role, and the coordinators' desk: figures, export, removal."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from coaching import checkins, intros
from coaching.checkins import DebriefAnswers
from coaching.export import PEOPLE_COLUMNS, RELATIONSHIP_COLUMNS
from coaching.intros import IntroDetails
from coaching.removal import apply_retention
from handlers import ids
from handlers.views.admin import REFUSED
from storage.models import Debrief, Person, Relationship, Removal

from support.harness import BotHarness
from support.seed import add_coach, add_learner, sign_terms
from support.workspace import COACH, COORDINATOR, LEARNER, OTHER_LEARNER, STRANGER, TEAM

SECRET_DEBRIEF = "my manager is impossible to work with"
ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def tuesday_afternoon() -> Iterator[None]:
    with freeze_time(datetime(2026, 11, 24, 17, tzinfo=UTC), tick=True):
        yield


def seeded_program(bot: BotHarness) -> dict[str, int]:
    """Two learners, three coaches: one active pair with a debrief and an action item,
    one declined request, one waiting request."""
    now = bot.bot.runtime.clock()
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        add_learner(session, OTHER_LEARNER, name="Priya Shah", email="priya.shah@example.gov")
        carl = add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")
        dee = add_coach(session, "U0DEE", name="Dee Park")
        eve = add_coach(session, "U0EVE", name="Eve Stone")
        active, _ = intros.request_intro(
            session,
            TEAM,
            LEARNER,
            carl,
            IntroDetails("career", "Grow", "video", ""),
            "a",
            now - timedelta(hours=10),
            max_open=3,
        )
        intros.accept(session, TEAM, active.id, COACH, now)
        sign_terms(session, active.id, LEARNER, COACH, now)
        conversation, _ = checkins.log_conversation(
            session, TEAM, active.id, LEARNER, now.date().isoformat(), "video", "c1", now
        )
        checkins.save_debrief(
            session,
            TEAM,
            conversation.id,
            LEARNER,
            DebriefAnswers(went_well=SECRET_DEBRIEF, willing_to_do="Ask for a stretch project"),
        )
        declined, _ = intros.request_intro(
            session,
            TEAM,
            OTHER_LEARNER,
            dee,
            IntroDetails("career", "Grow", "video", ""),
            "d",
            now - timedelta(hours=30),
            max_open=3,
        )
        intros.decline(session, TEAM, declined.id, "U0DEE", now)
        intros.request_intro(
            session,
            TEAM,
            OTHER_LEARNER,
            eve,
            IntroDetails("political", "Grow", "video", ""),
            "e",
            now,
            max_open=3,
        )
        return {"active": active.id, "carl": carl}


def test_the_learners_home_shows_coaches_portfolio_and_plans(bot: BotHarness) -> None:
    seeded_program(bot)
    home = str(bot.open_home(LEARNER))
    assert f"<@{COACH}> · working together · next check-in" in home
    assert "✅ Outside my agency: Carl Mendez" in home
    assert "Ask for a stretch project" in home
    assert ids.HOME_FIND in home and ids.LOG_START in home
    assert "Program" not in home


def test_the_coachs_home_shows_learners_requests_and_a_pause_switch(bot: BotHarness) -> None:
    seeded_program(bot)
    bot.fake.add_user("U0EVE", real_name="Eve Stone")
    home = str(bot.open_home("U0EVE"))
    assert f"<@{OTHER_LEARNER}>, asked" in home and "room for 2 more learners" in home

    bot.click(ids.HOME_PAUSE, "U0EVE", value="pause")
    assert "You're paused" in str(bot.fake.home("U0EVE"))
    assert ids.HOME_RESUME in str(bot.fake.home("U0EVE"))


def test_the_coordinators_home_and_desk_give_the_programs_figures(bot: BotHarness) -> None:
    seeded_program(bot)
    home = str(bot.open_home(COORDINATOR))
    assert "*Coaches*\\n3" in home and "*Learners*\\n2" in home
    desk = str(bot.command(ids.ADMIN.name, COORDINATOR).json()["blocks"])
    for label, value in [
        ("Coaches", "3"),
        ("Learners", "2"),
        ("Pairs together (exploring, active, paused)", "1"),
        ("Requests waiting", "1"),
        ("Requests accepted", "50%"),
        ("Median time to answer", "20 h"),
        ("Active pairs on cadence", "1"),
        ("Active pairs overdue", "0"),
        ("Pairs at risk", "0"),
        ("Pairs concluded", "0"),
        ("Conversations logged", "1"),
        ("Failed deliveries", "0"),
    ]:
        assert f"*{label}*\\n{value}" in desk
    assert "No active pair is overdue." in desk


def test_stats_and_overdue_each_give_their_own_part(bot: BotHarness) -> None:
    seeded_program(bot)
    stats = str(bot.command(ids.ADMIN.name, COORDINATOR, "stats").json()["blocks"])
    overdue = str(bot.command(ids.ADMIN.name, COORDINATOR, "overdue").json()["blocks"])
    assert "*Coaches*\\n3" in stats and "overdue" not in stats.split("Active pairs overdue")[1]
    assert "No active pair is overdue." in overdue and "*Coaches*" not in overdue


def test_an_unregistered_coordinator_sees_the_program_first(bot: BotHarness) -> None:
    seeded_program(bot)
    home = bot.open_home(COORDINATOR)["blocks"]
    texts = [str(block) for block in home]
    assert not any("You haven't registered yet" in text for text in texts)
    program = next(i for i, text in enumerate(texts) if "Program" in text)
    register = next(i for i, text in enumerate(texts) if ids.HOME_PROFILE in text)
    assert program < register


@pytest.mark.parametrize("outsider", [LEARNER, COACH, STRANGER])
def test_non_coordinators_are_refused_without_learning_anything(
    bot: BotHarness, outsider: str
) -> None:
    seeded_program(bot)
    for text in ("", "export", "remove <@U0LEARNER|lena>", "overdue"):
        reply = bot.command(ids.ADMIN.name, outsider, text).json()
        assert reply == {"response_type": "ephemeral", "text": REFUSED}
    bot.click(
        ids.ADMIN_REMOVE_CONFIRM, outsider, value=LEARNER, response_url=bot.fake.response_url()
    )
    assert bot.fake.last("response_url").args["text"] == REFUSED
    bot.click(ids.ADMIN_EXPORT, outsider, value="all")
    assert bot.fake.files == []
    with bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 5


def test_the_export_opens_as_csv_with_the_right_columns_and_no_debrief(bot: BotHarness) -> None:
    seeded_program(bot)
    bot.command(ids.ADMIN.name, COORDINATOR, "export")
    files = {f["name"]: f["content"].decode() for f in bot.fake.files}
    assert set(files) == {"people.csv", "relationships.csv", "agreements.csv"}
    people = list(csv.DictReader(io.StringIO(files["people.csv"])))
    assert list(people[0]) == PEOPLE_COLUMNS and len(people) == 5
    relationships = list(csv.DictReader(io.StringIO(files["relationships.csv"])))
    assert list(relationships[0]) == RELATIONSHIP_COLUMNS
    assert [r["conversations"] for r in relationships if r["state"] == "active"] == ["1"]
    everything = "".join(files.values())
    assert SECRET_DEBRIEF not in everything and "stretch project" not in everything


def test_removal_deletes_the_persons_rows_and_nothing_else(bot: BotHarness) -> None:
    seeded_program(bot)
    reply = bot.command(ids.ADMIN.name, COORDINATOR, f"remove <@{LEARNER}|lena>").json()
    assert ids.ADMIN_REMOVE_CONFIRM in str(reply["blocks"])
    with bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 5

    bot.click(
        ids.ADMIN_REMOVE_CONFIRM, COORDINATOR, value=LEARNER, response_url=bot.fake.response_url()
    )

    assert "Removed <@U0LEARNER>" in bot.fake.last("response_url").args["text"]
    with bot.sessions() as session:
        people = set(session.scalars(select(Person.slack_user_id)))
        assert people == {COACH, OTHER_LEARNER, "U0DEE", "U0EVE"}
        assert session.scalar(select(func.count()).select_from(Relationship)) == 2
        assert session.scalar(select(func.count()).select_from(Debrief)) == 0
        [removal] = session.scalars(select(Removal)).all()
        assert (removal.removed_user, removal.removed_by) == (LEARNER, COORDINATOR)


def test_retention_deletes_old_debriefs_and_concluded_details(bot: BotHarness) -> None:
    ids_ = seeded_program(bot)
    later = bot.bot.runtime.clock() + timedelta(days=400)
    with bot.sessions.begin() as session:
        from coaching import relationships
        from coaching.lifecycle import Transition

        relationships.change(
            session,
            TEAM,
            ids_["active"],
            LEARNER,
            Transition.END,
            bot.bot.runtime.clock(),
            reason="private",
        )
        assert apply_retention(session, TEAM, later, 12) > 0
    with bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Debrief)) == 0
        ended = session.get(Relationship, ids_["active"])
        assert ended is not None and ended.end_reason == "" and ended.state == "concluded"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_python_m_bot_export_writes_the_same_files(
    bot: BotHarness, tmp_path: Path, database_url: str
) -> None:
    """No Slack token is needed to read the database: the export needs none."""
    seeded_program(bot)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--out", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "agreements.csv",
        "people.csv",
        "relationships.csv",
    ]
    assert SECRET_DEBRIEF not in "".join(p.read_text() for p in (tmp_path / "out").iterdir())
