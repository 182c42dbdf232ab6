"""One deployment, many programs: W workspaces of P people each on PostgreSQL, served by two
`python -m bot` processes (behind a load balancer played by the benchmark), through a
month of nudges, while signed slash commands and clicks come in from people of every
workspace at a steady rate. The same run with one workspace is the baseline.

Each workspace is installed as "Add to Slack" leaves it (its installation and bot token in
slack_sdk's installation store, its program with a coordinator), and holds P people: a
quarter coaches (the gallery searched), the rest learners, and 20 active pairs (a flag)
whose monthly agreements started during the month before, so check-ins (and the prompts
to prepare for them) fall due all through the month. The clock (a file both processes read,
SB_TEST_CLOCK_FILE) moves through each working day, stopping three times; at each stop
the benchmark waits until both processes have passed and nothing is left in flight.

Reports, for each run: the acknowledgement median, 95th percentile and slowest, from the
requests' side; messages sent, and sends per second (sent / the time from each move of
the clock until the last message it made due reached Slack, summed over the moves that
sent anything); failures (answers other than 200, calls Slack refused, messages recorded
failed); and whether every message recorded sent reached Slack exactly once.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, func, insert, select

from coaching import programs
from coaching.cadence import add_months
from coaching.programs import ProgramSettings
from handlers import ids
from storage.db import make_engine, make_sessionmaker, migrate
from storage.models import (
    Agreement,
    CoachExpertise,
    CoachProfile,
    LearnerProfile,
    Nudge,
    Person,
    Relationship,
)
from storage.states import NudgeStatus

from fakeslack import FakeSlack
from fakeslack import requests as slack
from fakeslack.requests import Response, Sender
from support.postgres import create_database, postgres_server
from support.processes import (
    SLACK_WRITES,
    Fleet,
    SharedClock,
    bot_env,
    bot_processes,
    deliveries,
)

MONTH = datetime(2027, 3, 1, 12, tzinfo=UTC)
"""A Monday."""
CLIENT_ID = "111.222"
CLIENT_SECRET = "bench-client-secret"
SIGNING_SECRET = "bench-signing-secret"
AREAS = ["Finance", "Police", "Management", "Strategic Planning", "Public Works", "IT"]
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
SCHEDULER_INTERVAL = "0.2"
PASS_HOURS = (14, 17, 20)
"""UTC hours of each working day the clock stops at: working hours in every US zone at
one of them at least (the year's simulation stops at five)."""
IN_FLIGHT = 32


def team_id(number: int) -> str:
    return f"T{number:04d}W"


def user_id(team: int, person: int) -> str:
    return f"U{team:04d}P{person:04d}"


@dataclass
class Figures:
    workspaces: int
    people: int
    acks: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    sent: int = 0
    sending_seconds: float = 0.0
    month_seconds: float = 0.0
    refused: int = 0
    failed: int = 0
    exactly_once: bool = False

    def line(self) -> str:
        acks = sorted(self.acks)
        p95 = acks[int(0.95 * (len(acks) - 1))] if acks else float("nan")
        errors = sum(1 for status in self.statuses if status != 200)
        rate = self.sent / self.sending_seconds if self.sending_seconds else 0.0
        return (
            f"{self.workspaces:>3} workspace(s) x {self.people} people: "
            f"{len(acks)} requests, ack median {statistics.median(acks) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, slowest {acks[-1] * 1000:.0f} ms; "
            f"{self.sent:,} messages sent, {rate:.0f} per second "
            f"({self.sending_seconds:.1f} s of sending, month {self.month_seconds:.0f} s); "
            f"failures: {errors} non-200, {self.refused} refused by Slack, "
            f"{self.failed} recorded failed; exactly once: {'yes' if self.exactly_once else 'NO'}"
        )


# -- the programs ------------------------------------------------------------------------


def install(engine: Engine, fake: FakeSlack, workspaces: int) -> None:
    """What "Add to Slack" leaves behind in each workspace: the installation (its bot
    token, in slack_sdk's store) and the program, with the installer as coordinator."""
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    sessions = make_sessionmaker(engine)
    for number in range(workspaces):
        team = team_id(number)
        slack = fake.workspace(team)
        coordinator = user_id(number, 0)
        store.save(
            Installation(
                app_id=fake.app_id,
                team_id=team,
                team_name=slack.team_name,
                bot_token=slack.bot_token,
                bot_id=slack.bot_id,
                bot_user_id=slack.bot_user_id,
                bot_scopes=["chat:write", "commands", "im:write", "users:read"],
                user_id=coordinator,
            )
        )
        with sessions.begin() as session:
            programs.installed(session, team, coordinator, ProgramSettings(), MONTH)


def fill(engine: Engine, fake: FakeSlack, workspaces: int, people: int, pairs: int) -> int:
    """The people of every workspace, in Slack and in the database, and `pairs` active
    pairs in each; returns how many pairs in all."""
    coaches = max(1, people // 4)
    rows: dict[str, list[dict[str, Any]]] = {
        "people": [],
        "coaches": [],
        "areas": [],
        "learners": [],
        "pairs": [],
        "agreements": [],
    }
    rng = random.Random(5)
    first_month = add_months(MONTH.date(), -1)
    person_id = profile_id = pair_id = 0
    for number in range(workspaces):
        team = team_id(number)
        slack = fake.workspace(team)
        ids_here = []
        for n in range(people):
            person_id += 1
            ids_here.append(person_id)
            tz = ZONES[(number + n) % len(ZONES)]
            slack.add_user(user_id(number, n), real_name=f"Person {n}", tz=tz)
            rows["people"].append(
                {
                    "id": person_id,
                    "team_id": team,
                    "slack_user_id": user_id(number, n),
                    "name": f"Person {n} of {team}",
                    "email": f"p{n}@{team.lower()}.example.gov",
                    "time_zone": tz,
                    "created_at": MONTH,
                    "updated_at": MONTH,
                }
            )
            if n < coaches:
                profile_id += 1
                rows["coaches"].append(_coach(profile_id, team, person_id))
                rows["areas"] += [
                    {"coach_id": profile_id, "area": area, "position": position}
                    for position, area in enumerate(rng.sample(AREAS, 3))
                ]
            else:
                rows["learners"].append(_learner(team, person_id))
        for n in range(min(pairs, coaches, people - coaches)):
            pair_id += 1
            start = first_month + timedelta(days=n % 28)
            rows["pairs"].append(_pair(pair_id, team, ids_here[coaches + n], ids_here[n]))
            rows["agreements"].append(_agreement(pair_id, team, ids_here[coaches + n], start))
    with engine.begin() as connection:
        for model, key in (
            (Person, "people"),
            (CoachProfile, "coaches"),
            (CoachExpertise, "areas"),
            (LearnerProfile, "learners"),
            (Relationship, "pairs"),
            (Agreement, "agreements"),
        ):
            for first in range(0, len(rows[key]), 5000):
                connection.execute(insert(model), rows[key][first : first + 5000])
    return pair_id


def _coach(profile_id: int, team: str, person_id: int) -> dict[str, Any]:
    return {
        "id": profile_id,
        "team_id": team,
        "person_id": person_id,
        "years_in_local_government": 15,
        "why_coach": "I enjoy helping people grow.",
        "frequency": "monthly",
        "meeting_forms": ["video"],
        "coaching_kinds": ["career"],
        "max_learners": 3,
        "created_at": MONTH,
        "updated_at": MONTH,
    }


def _learner(team: str, person_id: int) -> dict[str, Any]:
    return {
        "team_id": team,
        "person_id": person_id,
        "why_coaching": "Growth",
        "frequency": "monthly",
        "coaching_kinds": ["career"],
        "created_at": MONTH,
        "updated_at": MONTH,
    }


def _pair(pair_id: int, team: str, learner: int, coach: int) -> dict[str, Any]:
    return {
        "id": pair_id,
        "team_id": team,
        "learner_id": learner,
        "coach_id": coach,
        "state": "active",
        "request_key": f"bench-{pair_id}",
        "coaching_kind": "career",
        "first_call": "video",
        "search": {},
        "requested_at": MONTH - timedelta(days=60),
        "answered_at": MONTH - timedelta(days=59),
        "next_plan_at": MONTH,
        "created_at": MONTH,
        "updated_at": MONTH,
    }


def _agreement(pair_id: int, team: str, learner: int, start: date) -> dict[str, Any]:
    signed = datetime(start.year, start.month, start.day, 15, tzinfo=UTC)
    return {
        "team_id": team,
        "relationship_id": pair_id,
        "version": 1,
        "status": "executed",
        "confidentiality": "Between us.",
        "start_date": start,
        "duration_months": 6,
        "frequency": "monthly",
        "contact_forms": ["video"],
        "drafted_by": learner,
        "learner_signed_at": signed,
        "coach_signed_at": signed,
        "executed_at": signed,
        "created_at": signed,
        "updated_at": signed,
    }


# -- the traffic ---------------------------------------------------------------------------


class Traffic:
    """Signed requests from people of every workspace at a steady `rate` per second, each
    to one of the processes, until `stop()`, each acknowledgement timed. The rate is kept
    whatever the answers take (an open loop, as Slack sends them), so both runs are asked
    the same and their medians compare."""

    def __init__(self, fleet: Fleet, fake: FakeSlack, workspaces: int, people: int, rate: float):
        self.fleet = fleet
        self.fake = fake
        self.workspaces = workspaces
        self.people = people
        self.rate = rate
        self.acks: list[float] = []
        self.statuses: list[int] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=IN_FLIGHT)
        self._pacer = threading.Thread(target=self._pace, name="traffic", daemon=True)

    def start(self) -> None:
        self._pacer.start()

    def stop(self) -> None:
        self._stopping.set()
        self._pacer.join()
        self._pool.shutdown(wait=True)

    def _pace(self) -> None:
        rng = random.Random(7)
        interval = 1 / self.rate
        due = time.monotonic()
        while not self._stopping.wait(max(0.0, due - time.monotonic())):
            self._pool.submit(self._one, random.Random(rng.random()))
            due += interval

    def _one(self, rng: random.Random) -> None:
        number = rng.randrange(self.workspaces)
        person = rng.randrange(self.people // 4, self.people)
        target = rng.choice(self.fleet.up())
        sender = Sender(target.events_url, SIGNING_SECRET)
        began = time.perf_counter()
        response = self._request(sender, rng, number, person)
        took = time.perf_counter() - began
        with self._lock:
            self.acks.append(took)
            self.statuses.append(response.status)

    def _request(self, sender: Sender, rng: random.Random, number: int, person: int) -> Response:
        team, user = team_id(number), user_id(number, person)
        kind = rng.randrange(4)
        if kind == 0:
            text = rng.choice(["", "finance", "planing", "police"])
            return sender.form(
                slack.command(command=ids.FIND_COACH.name, user=user, team=team, text=text)
            )
        if kind == 1:
            return sender.form(slack.command(command=ids.MY_COACHING.name, user=user, team=team))
        if kind == 2:
            return sender.form(slack.command(command=ids.COACHING_HELP.name, user=user, team=team))
        workspace = self.fake.workspace(team)
        payload = slack.block_actions(
            user=user,
            team=team,
            action=slack.action(
                ids.FILTER_AREA,
                block_id='filters|{"t":""}',
                selected_option={
                    "value": rng.choice(AREAS),
                    "text": {"type": "plain_text", "text": "x"},
                },
            ),
            response_url=workspace.response_url(),
        )
        return sender.interactive(payload)


# -- a run ---------------------------------------------------------------------------------


@contextmanager
def _fake(workspaces: int) -> Iterator[FakeSlack]:
    with FakeSlack(team_id=team_id(0), bot_token="xoxb-bench-0") as fake:
        for number in range(1, workspaces):
            fake.add_workspace(team_id(number), f"xoxb-bench-{number}")
        yield fake


def _moments(days: int) -> Iterator[datetime]:
    for day in range(days):
        today = (MONTH + timedelta(days=day)).date()
        if today.weekday() >= 5:
            continue
        for hour in PASS_HOURS:
            yield datetime(today.year, today.month, today.day, hour, tzinfo=UTC)


def run_one(
    admin_url: str, name: str, workspaces: int, people: int, pairs: int, days: int, rate: float
) -> Figures:
    figures = Figures(workspaces, people)
    url = create_database(admin_url, name)
    engine = make_engine(url)
    migrate(engine)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        fake = stack.enter_context(_fake(workspaces))
        clock = SharedClock(folder / "clock", MONTH)
        install(engine, fake, workspaces)
        pairs = fill(engine, fake, workspaces, people, pairs)
        env = bot_env(
            database_url=url,
            fake=fake,
            clock=clock,
            signing_secret=SIGNING_SECRET,
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            SCHEDULER_INTERVAL=SCHEDULER_INTERVAL,
            LOG_FORMAT="text",
        )
        sessions = make_sessionmaker(engine, clock)
        processes = stack.enter_context(bot_processes(2, env, folder))
        fleet = Fleet(processes, SIGNING_SECRET, sessions, clock, random.Random(1))
        print(f"  {workspaces} workspace(s), {workspaces * people:,} people, {pairs:,} pairs")
        traffic = Traffic(fleet, fake, workspaces, people, rate)
        traffic.start()
        began = time.perf_counter()
        try:
            for moment in _moments(days):
                before, calls = _sent(sessions), len(fake.calls)
                moved = time.monotonic()
                fleet.run_pass(moment)
                sent = _sent(sessions) - before
                if sent:
                    last = max(c.at for c in fake.calls[calls:] if c.method in SLACK_WRITES)
                    figures.sent += sent
                    figures.sending_seconds += last - moved
        finally:
            traffic.stop()
        figures.month_seconds = time.perf_counter() - began
        fleet.settle()
        figures.acks, figures.statuses = traffic.acks, traffic.statuses
        figures.refused = sum(1 for call in fake.calls if not call.ok)
        with sessions() as session:
            figures.failed = session.scalar(
                select(func.count()).select_from(Nudge).where(Nudge.status == NudgeStatus.FAILED)
            )
        once = deliveries(fake, sessions)
        figures.exactly_once = not once.problems and not once.twice
        for process in processes:
            process.terminate()
    engine.dispose()
    return figures


def _sent(sessions: Any) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(Nudge).where(Nudge.status == NudgeStatus.SENT)
        )


def run(workspaces: int, people: int, pairs: int, days: int, rate: float) -> int:
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    print(
        f"{started} workspaces run: two bot processes on PostgreSQL, {days} days, "
        f"{rate:g} requests a second"
    )
    with postgres_server() as admin_url:
        many = run_one(admin_url, "sb_many", workspaces, people, pairs, days, rate)
        print("  " + many.line())
        one = run_one(admin_url, "sb_one", 1, people, pairs, days, rate)
        print("  " + one.line())
    ratio = statistics.median(many.acks) / statistics.median(one.acks)
    print(f"ack median, {workspaces} workspaces / 1: {ratio:.2f}x (aim: within 1.5x)")
    return 0
