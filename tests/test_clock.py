"""Rows carry the time of the clock their session was made with, not the wall clock: the
sandbox moves its clock a month ahead and what is written then is dated then, so the
retention period and the coordinators' figures agree with what people saw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

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
