"""How fast is `/find-coach` on a big program, compared with a command that does nothing?

Fills a database with N coaches among M people, starts the real bot over HTTP against
the fake Slack Web API, and sends signed `/find-coach` requests (a mix of free text and
filters) interleaved with a no-op slash command registered only here. Reports the median
and 95th percentile of each, their ratio, and SQL statements per search, for a search
that shows five coaches and one that shows one (the two must be equal: no N+1).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert

from bot.settings import Settings
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm
from storage.db import make_engine, migrate
from storage.models import CoachExpertise, CoachProfile, LearnerProfile, Person

from fakeslack import FakeSlack
from support.harness import running_bot, typed_command
from support.postgres import create_database, postgres_server
from support.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM

NOOP = "/benchmark-noop"
SEARCHER = "UBENCHLEARNER"
STATES = ["IA", "CO", "ID", "OR", "NC", "AZ", "WI", "ME", "LA", "TX", "OH", "MN"]
ZONES = ["America/Chicago", "America/Denver", "America/Los_Angeles", "America/New_York"]
WORDS = ["budget", "council", "planning", "streets", "recycling", "hiring", "grants", "police"]
QUERIES = ["", "budget", "strategic planing", "council relations", "recycling", "hirng", "grants"]


def fill(engine: Engine, coaches: int, people: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    areas = [area.value for area in Expertise if area is not Expertise.OTHER]
    now = datetime.now(UTC)
    person_rows: list[dict[str, Any]] = []
    for i in range(people):
        person_rows.append(
            {
                "id": i + 1,
                "team_id": TEAM,
                "slack_user_id": SEARCHER if i == people - 1 else f"U{i:08d}",
                "name": f"Person {i}",
                "email": f"person{i}@example.gov",
                "phone": "",
                "organization": f"City {i % 400}",
                "department": ["Finance", "Public Works", "Police", "Planning"][i % 4],
                "title": "Analyst" if i >= coaches else "Director",
                "city": f"Town {i % 97}",
                "state": STATES[i % len(STATES)],
                "time_zone": ZONES[i % len(ZONES)],
                "created_at": now,
                "updated_at": now,
            }
        )
    coach_rows, expertise_rows = [], []
    for i in range(coaches):
        coach_rows.append(
            {
                "id": i + 1,
                "team_id": TEAM,
                "person_id": i + 1,
                "years_in_local_government": rng.randint(5, 35),
                "education": "",
                "why_coach": " ".join(rng.sample(WORDS, 3)) + " are what I know best.",
                "prior_mentoring": "",
                "expertise_other": "",
                "frequency": rng.choice(list(Frequency)).value,
                "learner_preferences": "",
                "extra_info": "",
                "meeting_forms": [f.value for f in rng.sample(list(MeetingForm), 2)],
                "coaching_kinds": [k.value for k in rng.sample(list(CoachingKind), 2)],
                "max_learners": rng.randint(1, 4),
                "paused_at": now if i % 25 == 0 else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        for position, area in enumerate(rng.sample(areas, 3)):
            expertise_rows.append({"coach_id": i + 1, "area": area, "position": position})
    learner = {
        "team_id": TEAM,
        "person_id": people,
        "why_coaching": "Growth",
        "prior_experience": "",
        "frequency": "quarterly",
        "coach_preferences": "",
        "hopes": "",
        "coaching_kinds": ["career"],
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as connection:
        for start in range(0, len(person_rows), 5000):
            connection.execute(insert(Person), person_rows[start : start + 5000])
        for start in range(0, len(coach_rows), 5000):
            connection.execute(insert(CoachProfile), coach_rows[start : start + 5000])
        for start in range(0, len(expertise_rows), 5000):
            connection.execute(insert(CoachExpertise), expertise_rows[start : start + 5000])
        connection.execute(insert(LearnerProfile), [learner])


@contextmanager
def database(url: str | None) -> Iterator[str]:
    with ExitStack() as stack:
        if url == "postgres":
            admin = stack.enter_context(postgres_server())
            yield create_database(admin, "sb_benchmark")
        elif url:
            yield url
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            yield f"sqlite:///{Path(folder) / 'benchmark.db'}"


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(coaches: int, people: int, requests: int, database_url: str | None) -> int:
    with database(database_url) as url:
        engine = make_engine(url)
        migrate(engine)
        started = time.perf_counter()
        fill(engine, coaches, people)
        print(
            f"filled {coaches:,} coaches among {people:,} people in "
            f"{time.perf_counter() - started:.1f} s ({engine.dialect.name})"
        )
        engine.dispose()
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            database_url=url,
            scheduler_enabled=False,
        )
        with FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake:
            settings = Settings(**{**settings.__dict__, "slack_api_url": fake.url})
            with running_bot(settings, fake) as bot:
                bot.bot.app.command(NOOP)(lambda ack: ack())
                counter = StatementCounter(bot.bot.engine)

                def send(command: str, text: str) -> float:
                    fields = typed_command(fake, command, SEARCHER, text, team=TEAM)
                    began = time.perf_counter()
                    response = bot.sender.form(fields)
                    elapsed = time.perf_counter() - began
                    if response.status != 200:
                        raise SystemExit(f"{command} {text!r} answered {response.status}")
                    return elapsed

                cold = send("/find-coach", "")
                late = len(fake.calls_to("response_url"))
                for _ in range(20):
                    send(NOOP, "")
                    send("/find-coach", "budget")
                search_times, noop_times = [], []
                for i in range(requests):
                    noop_times.append(send(NOOP, ""))
                    search_times.append(send("/find-coach", QUERIES[i % len(QUERIES)]))

                counter.count = 0
                send("/find-coach", "")
                many = counter.count
                counter.count = 0
                send("/find-coach", "Person 7 ")
                few = counter.count

        search_median, noop_median = statistics.median(search_times), statistics.median(noop_times)
        print(
            f"first search (builds the in-memory index): {cold * 1000:.0f} ms"
            + (", answered with a progress line, the results by response_url" if late else "")
        )
        print(f"{requests} searches, {requests} no-op commands, interleaved, same process:")
        print(
            f"  /find-coach  median {search_median * 1000:.1f} ms   "
            f"p95 {percentile(search_times, 0.95) * 1000:.1f} ms"
        )
        print(
            f"  no-op        median {noop_median * 1000:.1f} ms   "
            f"p95 {percentile(noop_times, 0.95) * 1000:.1f} ms"
        )
        print(f"  ratio of medians {search_median / noop_median:.2f}x (target: within 3x)")
        print(
            f"SQL statements per search: {many} showing 5 coaches, {few} showing fewer (must match)"
        )
    return 0
