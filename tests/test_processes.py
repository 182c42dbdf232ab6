"""Several processes on one PostgreSQL, as real processes: two `python -m bot` processes
(subprocesses, not threads) on the tests' PostgreSQL server, both talking to the strict
fake Slack, both running their scheduler, with one program clock that the test moves (a
file both read: SB_TEST_CLOCK_FILE, for tests only; freezegun cannot reach into another
process). A load balancer in the test sends each signed request to one of them at random.

- A month of a program (`support/year.py`: pairs ask for intros in the first week, then
  everything happens by clicking what the bot sent) while both schedulers run every pass.
  At seeded points one of the two is killed with SIGKILL and started again: right after
  it answered a modal submission (its listener still delivering what the submission
  owes), and in the middle of a reminder pass. Afterwards every message the outbox
  recorded as sent reached Slack exactly once; Slack received nothing else from it but a
  second copy of a message a killed process had claimed (the one documented window, between
  Slack's ok and recording it); nothing owed is left behind; both processes' schedulers
  sent reminders; and the program's promises hold.
- SIGTERM: a process finishes the request in hand (held in the database when the signal
  comes), delivers what it owes, and exits 0; a process stopped in the middle of a pass
  sends the message in hand, hands the rest of its claims straight back and exits 0, and
  the other process sends them, each once.
"""

from __future__ import annotations

import random
import signal
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from coaching.effects import Kind
from coaching.intros import IntroDetails, request_intro
from handlers import ids
from storage.db import make_engine, make_sessionmaker, migrate
from storage.models import Nudge, Relationship
from storage.states import NudgeStatus

from fakeslack import FakeSlack
from fakeslack import requests as slack
from support.harness import typed_command
from support.processes import (
    BotProcess,
    Fleet,
    SharedClock,
    bot_env,
    bot_processes,
    deliveries,
    fleet_harness,
    wait_until,
)
from support.seed import add_coach, add_learner
from support.workspace import BOT_TOKEN, COORDINATOR, PROGRAM_CHANNEL, SIGNING_SECRET, TEAM
from support.year import SCHEDULED, START, Program

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

SEED = 15
PAIRS = 14
DAYS = 38
KILLS_AFTER_SUBMISSIONS = 2
KILLS_IN_PASSES = 2
BUSY_PASS = 2
"""A pass is killed in the middle only when it has at least this much to look at
(messages due, pairs to plan)."""


@pytest.fixture
def program_database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _env(database_url: str, fake: FakeSlack, clock: SharedClock) -> dict[str, str]:
    return bot_env(
        database_url=database_url,
        fake=fake,
        clock=clock,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        PROGRAM_ADMINS=COORDINATOR,
        PROGRAM_CHANNEL=PROGRAM_CHANNEL,
    )


def _no_errors_logged(processes: list[BotProcess]) -> list[str]:
    return [
        f"{process.name}: {line['message']}"
        for process in processes
        for line in process.messages()
        if line["level"] in ("ERROR", "CRITICAL")
    ]


# -- a month, with kills ----------------------------------------------------------------


class Chaos:
    """Kills one of the processes with SIGKILL at seeded points, notes what it had claimed
    at that moment, and starts it again (which hands its dead claims back)."""

    def __init__(self, fleet: Fleet, fake: FakeSlack, rng: random.Random, submissions: int):
        self.fleet = fleet
        self.fake = fake
        self.rng = rng
        self.after_submissions = set(rng.sample(range(2, submissions), KILLS_AFTER_SUBMISSIONS))
        self.in_passes = sorted(rng.sample(range(5, 60), KILLS_IN_PASSES))
        self.submissions = 0
        self.passes = 0
        self.kills: list[str] = []
        self.in_flight: set[int] = set()
        """Rows the killed processes had claimed when they died."""

    def restart(self, victim: BotProcess, where: str) -> None:
        """After `victim` was killed: note what it held, and start it again."""
        with self.fleet.sessions() as session:
            claimed = session.scalars(
                select(Nudge.id).where(
                    Nudge.status == NudgeStatus.CLAIMED,
                    Nudge.claimed_by.like(victim.worker_prefix + "%"),
                )
            ).all()
        self.in_flight.update(claimed)
        self.kills.append(f"{victim.name} {where}, holding {len(claimed)} claim(s)")
        victim.start()

    def after_request(self, target: BotProcess, body: str) -> bool:
        payload = urllib.parse.parse_qs(body).get("payload", ["{}"])[0]
        if '"type": "view_submission"' not in payload:
            return False
        self.submissions += 1
        if self.submissions not in self.after_submissions:
            return False
        target.kill()
        self.restart(target, f"after answering submission {self.submissions}")
        return True

    def reminder_pass(self, when: datetime) -> None:
        """The clock moves to `when` and both schedulers pass. At a seeded pass with work
        to do, one process is killed in the middle of it: the first time while Slack is
        taking one of its messages (Slack has it, the process never hears back: the
        documented window), the second time once Slack has received a message of the pass
        (or once the passes are over, if they send none)."""
        self.passes += 1
        armed = self.in_passes and self.passes >= self.in_passes[0]
        if not armed or self._to_look_at(when) < BUSY_PASS:
            self.fleet.run_pass(when)
            return
        self.in_passes.pop(0)
        if len(self.in_passes) == KILLS_IN_PASSES - 1:
            self._kill_while_slack_takes_a_message(when)
        else:
            self._kill_after_a_message(when)

    def _kill_while_slack_takes_a_message(self, when: datetime) -> None:
        self.fleet.settle()
        with self.fake.hold("chat.postMessage") as slow:
            since = self.fleet.move_clock(when)
            wait_until("a message of the pass", lambda: slow.held > 0 or self.fleet.passed(since))
            sending = [p for p in self.fleet.up() if self.fleet.claimed(p.worker_prefix)]
            if not sending:
                self.in_passes.insert(0, self.passes + 1)
                slow.release()
                self.fleet.wait_passes(since)
                return
            victim = self.rng.choice(sending)
            victim.kill()
        self.restart(victim, f"in pass {self.passes}, while Slack took a message")
        self.fleet.wait_passes(since)

    def _kill_after_a_message(self, when: datetime) -> None:
        victim = self.rng.choice(self.fleet.up())
        before = self._posted()
        since = self.fleet.move_clock(when)
        wait_until(
            "a message of the pass",
            lambda: self._posted() > before or self.fleet.passed(since),
        )
        victim.kill()
        self.restart(victim, f"in pass {self.passes}, after {self._posted() - before} message(s)")
        self.fleet.wait_passes(since)

    def _posted(self) -> int:
        return len(self.fake.calls_to("chat.postMessage"))

    def _to_look_at(self, now: datetime) -> int:
        """Rows a pass at `now` will look at: messages due, and pairs to plan."""
        with self.fleet.sessions() as session:
            due = session.scalar(
                select(func.count())
                .select_from(Nudge)
                .where(Nudge.status == NudgeStatus.PENDING, Nudge.deliver_at <= now)
            )
            pairs = session.scalar(
                select(func.count())
                .select_from(Relationship)
                .where(Relationship.next_plan_at <= now)
            )
        return due + pairs


class MonthOnProcesses(Program):
    """The year's program for a month, its requests through the fleet, its reminder
    passes run by the processes' own schedulers at the moments the program says."""

    def __init__(self, fleet: Fleet, fake: FakeSlack, chaos: Chaos) -> None:
        super().__init__(fleet_harness(fleet, fake), SEED, pairs=PAIRS, days=DAYS, asking_days=5)
        self.fleet = fleet
        self.chaos = chaos

    @contextmanager
    def clock(self) -> Iterator[Any]:
        yield self.fleet.clock

    def reminder_pass(self, frozen: Any, when: datetime) -> None:
        self.chaos.reminder_pass(when)


def test_a_month_on_two_processes_sends_everything_once_through_kills(
    program_database: Engine, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    clock = SharedClock(tmp_path / "clock", START)
    sessions = make_sessionmaker(program_database, clock)
    env = _env(database_url, fake_slack, clock)
    with bot_processes(2, env, tmp_path) as processes:
        fleet = Fleet(processes, SIGNING_SECRET, sessions, clock, random.Random(SEED))
        chaos = Chaos(fleet, fake_slack, random.Random(SEED + 1), submissions=PAIRS * 2)
        fleet.after_request = chaos.after_request
        month = MonthOnProcesses(fleet, fake_slack, chaos)

        figures = month.run()
        fleet.settle()
        errors = _no_errors_logged(processes)

    print(f"\n{figures}\nrequests {dict(fleet.requests)}\nkills {chaos.kills}")
    assert len(chaos.kills) == KILLS_AFTER_SUBMISSIONS + KILLS_IN_PASSES, chaos.kills
    assert min(fleet.requests.values()) > 10, "both processes answered requests"
    once = deliveries(fake_slack, sessions, chaos.in_flight)
    print(f"sent {once.sent}, Slack received {once.slack_writes}, twice: {once.twice}")
    assert once.problems == []
    assert once.sent == once.slack_writes - len(once.twice) > 80
    assert 1 <= len(once.twice) <= len(chaos.in_flight), "the one window, and only it"
    with sessions() as session:
        left = session.execute(
            select(Nudge.kind, Nudge.status).where(
                Nudge.status.in_((NudgeStatus.PENDING, NudgeStatus.CLAIMED)),
                Nudge.deliver_at <= clock.now,
            )
        ).all()
        failed = session.scalars(select(Nudge.kind).where(Nudge.status == NudgeStatus.FAILED))
        senders = session.execute(
            select(Nudge.kind, Nudge.claimed_by).where(Nudge.status == NudgeStatus.SENT)
        ).all()
        assert left == [] and list(failed) == []
    name_of = {pid: process.name for process in processes for pid in process.pids}
    scheduled_by = {
        name_of[int(worker.split(":")[-2])] for kind, worker in senders if kind in SCHEDULED
    }
    assert scheduled_by == {"bot-a", "bot-b"}, "both schedulers sent reminders"
    assert figures.by_kind[Kind.CHECK_IN] > 0
    assert month.check() == []
    assert errors == []


# -- SIGTERM ----------------------------------------------------------------------------


def _register(sessions: sessionmaker[Session], fake: FakeSlack, pairs: int) -> list[int]:
    coaches = []
    with sessions.begin() as session:
        for n in range(pairs):
            coach, learner = f"U4C{n:03d}", f"U4L{n:03d}"
            fake.add_user(coach, real_name=f"Coach {n}")
            fake.add_user(learner, real_name=f"Learner {n}")
            coaches.append(add_coach(session, coach, name=f"Coach {n}"))
            add_learner(session, learner, name=f"Learner {n}")
    return coaches


@contextmanager
def _nudges_locked(engine: Engine) -> Iterator[int]:
    """Hold a lock that lets the outbox be read but not written, until the block ends;
    yields the holding backend's pid."""
    with engine.connect() as connection:
        connection.execute(text("LOCK TABLE nudges IN SHARE MODE"))
        yield connection.scalar(text("SELECT pg_backend_pid()"))
        connection.commit()


def _blocked_by(engine: Engine, pid: int) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": pid},
        )


def test_sigterm_finishes_the_request_in_hand_hands_back_claims_and_exits_0(
    program_database: Engine, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    now = datetime(2027, 3, 9, 17, tzinfo=START.tzinfo)  # a Tuesday, 11:00 in Chicago
    clock = SharedClock(tmp_path / "clock", now)
    sessions = make_sessionmaker(program_database, clock)
    coaches = _register(sessions, fake_slack, 21)
    with bot_processes(2, _env(database_url, fake_slack, clock), tmp_path) as processes:
        first, second = processes
        fleet = Fleet(processes, SIGNING_SECRET, sessions, clock, random.Random(SEED))

        # A request held in the database (its insert into the outbox waits) when SIGTERM comes.
        asking = slack.Sender(first.events_url, SIGNING_SECRET)
        asking.form(typed_command(fake_slack, ids.REQUEST_INTRO.name, "U4L000", "<@U4C000|c>"))
        first.wait_idle()
        form = fake_slack.last("views.open").response["view"]
        submission = slack.view_submission(
            user="U4L000",
            team=TEAM,
            view=form,
            values={"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"},
            trigger_id=fake_slack.issue_trigger_id(),
        )
        answers: list[slack.Response] = []
        with _nudges_locked(program_database) as holder:
            sending = threading.Thread(
                target=lambda: answers.append(asking.interactive(submission))
            )
            sending.start()
            wait_until(
                "the submission to wait for the lock",
                lambda: _blocked_by(program_database, holder) > 0,
            )
            first.popen.send_signal(signal.SIGTERM)
            first.wait_logged("Stopping: finishing the requests in hand")
        sending.join(timeout=60)
        assert first.popen.wait(timeout=60) == 0
        assert answers and answers[0].status == 200
        assert answers[0].json()["response_action"] == "update"
        asked = [m for m in fake_slack.messages(fake_slack.dm_channel("U4C000"))]
        assert len(asked) == 1 and "would like you as a coach" in asked[0]["text"]

        # A pass with twenty reminders claimed, stopped while Slack takes the first.
        first.start()
        with fake_slack.hold("chat.postMessage") as slow:
            with sessions.begin() as session:
                for n in range(1, 21):
                    request_intro(
                        session,
                        TEAM,
                        f"U4L{n:03d}",
                        coaches[n],
                        IntroDetails("career", "x", "video", ""),
                        f"sigterm-{n}",
                        now - timedelta(days=4),
                        max_open=3,
                    )
            assert slow.wait_for_callers(1)
            wait_until("the reminders to be claimed", lambda: fleet.claimed() >= 20)
            holding = max(processes, key=lambda p: fleet.claimed(p.worker_prefix))
            other = second if holding is first else first
            worker = holding.worker_prefix
            held = fleet.claimed(worker)
            holding.popen.send_signal(signal.SIGTERM)
            holding.wait_logged("Stopping: finishing the requests in hand")
        assert holding.popen.wait(timeout=60) == 0
        assert fleet.claimed(worker) == 0
        with sessions() as session:
            sent_by_it = session.scalar(
                select(func.count())
                .select_from(Nudge)
                .where(
                    Nudge.kind == Kind.REQUEST_REMINDER.value,
                    Nudge.status == NudgeStatus.SENT,
                    Nudge.claimed_by.like(worker + "%"),
                )
            )
        handed_back = [
            int(line["message"].split()[3])
            for line in holding.messages()
            if line["message"].startswith("Stopping: handed back")
        ]
        assert sent_by_it <= 1 and handed_back == [held - sent_by_it] and held >= 2

        fleet.run_pass(now + timedelta(minutes=1))
        with sessions() as session:
            reminders = session.execute(
                select(Nudge.status, func.count())
                .where(Nudge.kind == Kind.REQUEST_REMINDER.value)
                .group_by(Nudge.status)
            ).all()
        assert dict(reminders) == {NudgeStatus.SENT: 20}
        once = deliveries(fake_slack, sessions)
        assert once.problems == [] and once.twice == []
        assert once.sent == once.slack_writes == 21
        assert other.terminate() == 0
        errors = _no_errors_logged(processes)
    assert errors == []
