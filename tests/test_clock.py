"""Rows carry the time of the clock their session was made with, not the wall clock: the
sandbox moves its clock a month ahead and what is written then is dated then, so the
retention period and the coordinators' figures agree with what people saw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import FileClock, set_file_clock
from storage.db import make_sessionmaker
from storage.models import Person

FAR = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


def moved(sessions: sessionmaker[Session], now: list[datetime]) -> sessionmaker[Session]:
    engine = sessions.kw["bind"]
    assert isinstance(engine, Engine)
    return make_sessionmaker(engine, lambda: now[0])


def test_a_new_row_is_dated_by_the_sessions_clock(sessions: sessionmaker[Session]) -> None:
    now = [FAR]
    with moved(sessions, now).begin() as session:
        session.add(Person(team_id="T1", slack_user_id="U1", name="Ada", email="ada@example.gov"))
    with sessions() as session:
        person = session.scalars(select(Person)).one()
    assert person.created_at == FAR and person.updated_at == FAR


def test_a_change_is_dated_by_the_sessions_clock_also_in_bulk(
    sessions: sessionmaker[Session],
) -> None:
    now = [FAR]
    clocked = moved(sessions, now)
    with clocked.begin() as session:
        session.add(Person(team_id="T1", slack_user_id="U1", name="Ada", email="ada@example.gov"))
    now[0] = FAR + timedelta(days=31)
    with clocked.begin() as session:
        session.scalars(select(Person)).one().name = "Ada L."
    with sessions() as session:
        assert session.scalars(select(Person)).one().updated_at == FAR + timedelta(days=31)
    now[0] = FAR + timedelta(days=62)
    with clocked.begin() as session:
        session.execute(update(Person).values(title="Clerk"))
    with sessions() as session:
        person = session.scalars(select(Person)).one()
    assert person.created_at == FAR
    assert person.updated_at == FAR + timedelta(days=62)


def test_a_file_clock_reads_the_instant_each_time_and_refuses_one_without_a_zone(
    tmp_path: Path,
) -> None:
    """Several bot processes in a test share the clock the test moves (SB_TEST_CLOCK_FILE)."""
    path = tmp_path / "clock"
    set_file_clock(path, FAR)
    clock = FileClock(path)
    assert clock() == FAR
    set_file_clock(path, FAR.astimezone(ZoneInfo("America/Denver")) + timedelta(hours=3))
    assert clock() == FAR + timedelta(hours=3) and clock().tzinfo == UTC
    path.write_text("2031-05-06T07:08:09")
    with pytest.raises(ValueError, match="no UTC offset"):
        clock()
    with pytest.raises(ValueError):
        set_file_clock(path, datetime(2031, 5, 6))
