"""Does a reminder run cost what is due, or what is stored?

Builds a program with N active relationships of which D are due now, runs one reminder
pass (plan, claim, send to the fake Slack Web API over HTTP, record), and reports its
time and SQL statement count; then the same with 10x the relationships and the same D
due. The two times should be within 1.5x of each other.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert

import handlers
from bot.app import build_client
from coaching.cadence import add_months
from scheduling.reminders import ReminderRun
from storage.db import make_engine, make_sessionmaker, migrate
from storage.models import Agreement, LearnerProfile, Person, Relationship

from fakeslack import FakeSlack
from support.workspace import BOT_TOKEN, TEAM

NOW = datetime(2027, 3, 9, 17, tzinfo=UTC)  # a Tuesday, 11:00 in Chicago
CHUNK = 20_000


def fill(engine: Engine, total: int, due: int) -> None:
    today = NOW.date()
    people = [
        {
            "id": i + 1,
            "team_id": TEAM,
            "slack_user_id": f"U{i:07d}",
            "name": f"Person {i}",
            "email": f"p{i}@example.gov",
            "phone": "",
            "organization": "City",
            "department": "",
            "title": "",
            "city": "",
            "state": "IA",
            "time_zone": "America/Chicago",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(2 * due)
    ]
    learners = [
        {
            "team_id": TEAM,
            "person_id": i + 1,
            "why_coaching": "Growth",
            "prior_experience": "",
            "frequency": "monthly",
            "coach_preferences": "",
            "hopes": "",
            "coaching_kinds": ["career"],
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(due)
    ]
    later = NOW + timedelta(days=30)

    def relationship(i: int) -> dict[str, Any]:
        return {
            "id": i + 1,
            "team_id": TEAM,
            "learner_id": i % due + 1,
            "coach_id": due + i % due + 1,
            "state": "active",
            "request_key": f"r{i}",
            "coaching_kind": "career",
            "hopes": "",
            "first_call": "video",
            "note": "",
            "search": {},
            "requested_at": NOW - timedelta(days=60),
            "answered_at": NOW - timedelta(days=59),
            "decline_reason": "",
            "end_reason": "",
            "next_plan_at": NOW - timedelta(minutes=1) if i < due else later,
            "created_at": NOW,
            "updated_at": NOW,
        }

    start: date = add_months(today, -1)
    agreements = [
        {
            "team_id": TEAM,
            "relationship_id": i + 1,
            "version": 1,
            "status": "executed",
            "confidentiality": "Between us.",
            "start_date": start,
            "duration_months": 12,
            "frequency": "monthly",
            "contact_forms": ["video"],
            "coach_time": "",
            "coach_roles": [],
            "goals": "",
            "additional_points": "",
            "drafted_by": i % due + 1,
            "learner_signed_at": NOW - timedelta(days=31),
            "coach_signed_at": NOW - timedelta(days=31),
            "executed_at": NOW - timedelta(days=31),
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(due)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Person), people)
        connection.execute(insert(LearnerProfile), learners)
        for first in range(0, total, CHUNK):
            batch = [relationship(i) for i in range(first, min(total, first + CHUNK))]
            connection.execute(insert(Relationship), batch)
        connection.execute(insert(Agreement), agreements)


@contextmanager
def program(total: int, due: int) -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'reminders.db'}")
        migrate(engine)
        fill(engine, total, due)
        yield engine
        engine.dispose()


def measure(total: int, due: int) -> tuple[float, int, int]:
    with program(total, due) as engine, FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake:
        for i in range(2 * due):
            fake.add_user(f"U{i:07d}", real_name=f"Person {i}")
        statements = {"count": 0}

        def count(*_args: Any) -> None:
            statements["count"] += 1

        event.listen(engine, "before_cursor_execute", count)
        run = ReminderRun(
            make_sessionmaker(engine),
            build_client(BOT_TOKEN, fake.url),
            lambda: NOW,
            courier=handlers.courier(),
        )
        began = time.perf_counter()
        report = run()
        elapsed = time.perf_counter() - began
        return elapsed, statements["count"], report.sent


def run(small: int, due: int) -> int:
    big = small * 10
    results = {}
    for total in (small, big):
        elapsed, statements, sent = measure(total, due)
        results[total] = elapsed
        print(
            f"{total:>9,} active relationships, {due:,} due: one run {elapsed:.2f} s, "
            f"{sent:,} messages sent, {statements:,} SQL statements"
        )
    ratio = results[big] / results[small]
    print(f"ratio of run times ({big:,} / {small:,}): {ratio:.2f}x (target: within 1.5x)")
    return 0
