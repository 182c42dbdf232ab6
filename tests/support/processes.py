"""Real `python -m bot` processes, for the tests and benchmarks that need more than one.

Each `BotProcess` is a subprocess on the given database and the fake Slack, serving HTTP on
a port of its own, with its scheduler on. Their clock is a `SharedClock`: a file the test
moves and every process reads (SB_TEST_CLOCK_FILE, for tests only), since freezegun (or
time-machine) reaches only into the process it runs in. A `Fleet` is the load balancer in
front of them: it sends each signed request to one of the processes that are up, and
waits until that process's listeners have finished what the request started (its
/metrics say how many are at work); `Fleet.run_pass` moves the clock and waits until every
process has made a whole reminder pass at the new time.

Waiting is on the processes' own figures, polled until a deadline: never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import set_file_clock
from storage.models import Nudge
from storage.states import NudgeStatus

from fakeslack import Call, FakeSlack
from fakeslack.requests import Response, Sender
from support.harness import BotHarness

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0
"""Seconds any one wait may take before the test fails saying what it waited for."""
POLL = 0.02
SCHEDULER_INTERVAL = "0.05"
"""Seconds between a test process's reminder passes."""
SLACK_WRITES = ("chat.postMessage", "chat.update", "files.completeUploadExternal")
"""The Web API calls the outbox makes to deliver a message (conversations.open only
finds a conversation, and asking twice changes nothing)."""


class WaitedTooLong(AssertionError):
    """A deadline passed before what the test waited for happened."""


def wait_until(what: str, done: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Poll `done` until it is true; fail naming `what` after `deadline` seconds."""
    give_up = time.monotonic() + deadline
    while not done():
        if time.monotonic() > give_up:
            raise WaitedTooLong(f"waited {deadline:.0f} s for {what}")
        time.sleep(POLL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SharedClock:
    """The program's clock for the test and every bot process: an instant in a file."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.now = start
        set_file_clock(path, start)

    def move_to(self, when: datetime) -> None:
        set_file_clock(self.path, when)
        self.now = when

    def __call__(self) -> datetime:
        return self.now


@dataclass
class BotProcess:
    """One `python -m bot` subprocess; `start()` it, then it answers at `base_url`."""

    name: str
    env: dict[str, str]
    cwd: Path
    popen: subprocess.Popen[str] | None = None
    port: int = 0
    lines: list[str] = field(default_factory=list)
    """Everything it has logged (stderr), line by line, over all its starts."""
    pids: list[int] = field(default_factory=list)
    """The pid of each start."""
    _logged: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> BotProcess:
        """Start (or start again) and wait until it is ready (/readyz: database, Slack
        and scheduler)."""
        self.port = free_port()
        clean = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "SB_TEST_")) and key != "DATABASE_URL"
        }
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            env={**clean, "PYTHONPATH": str(ROOT), **self.env, "PORT": str(self.port)},
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.pids.append(self.popen.pid)
        threading.Thread(
            target=self._read_log, args=[self.popen], name=f"{self.name}-log", daemon=True
        ).start()
        wait_until(f"{self.name} to be ready", self._ready)
        return self

    def _read_log(self, popen: subprocess.Popen[str]) -> None:
        assert popen.stderr is not None
        for line in popen.stderr:
            with self._logged:
                self.lines.append(line.rstrip("\n"))
                self._logged.notify_all()

    def _ready(self) -> bool:
        if self.popen is None or self.popen.poll() is not None:
            raise AssertionError(f"{self.name} stopped while starting:\n" + self.log())
        try:
            with urllib.request.urlopen(self.base_url + "/readyz", timeout=5) as reply:
                return reply.status == 200
        except OSError:
            return False

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return self.base_url + "/slack/events"

    @property
    def worker_prefix(self) -> str:
        """How this process's outbox claims begin (`scheduling.outbox.worker_name`)."""
        return f"{socket.gethostname()[:40]}:{self.pid}:"

    def figures(self, *names: str) -> dict[str, float]:
        """The named series from its /metrics (unlabelled ones, by name)."""
        query = "&".join(f"name[]={name}" for name in names)
        with urllib.request.urlopen(f"{self.base_url}/metrics?{query}", timeout=10) as reply:
            text = reply.read().decode()
        found = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                found[name] = float(value)
        return found

    def passes(self) -> int:
        """Reminder passes it has finished."""
        figures = self.figures("sounding_board_reminder_passes_total")
        return int(figures["sounding_board_reminder_passes_total"])

    def wait_idle(self) -> None:
        """Wait until no listener of its is at work (what a request started is done)."""
        name = "sounding_board_listeners_running"
        wait_until(f"{self.name}'s listeners to finish", lambda: self.figures(name)[name] == 0)

    def wait_logged(self, text: str, deadline: float = DEADLINE) -> None:
        """Wait until a line it logged holds `text`."""
        with self._logged:
            if not self._logged.wait_for(
                lambda: any(text in line for line in self.lines), deadline
            ):
                raise WaitedTooLong(f"{self.name} never logged {text!r}:\n" + self.log())

    def log(self) -> str:
        with self._logged:
            return "\n".join(self.lines[-40:])

    def messages(self) -> list[dict[str, Any]]:
        """Its log lines (LOG_FORMAT=json), parsed."""
        with self._logged:
            return [json.loads(line) for line in self.lines if line.startswith("{")]

    def terminate(self, timeout: float = DEADLINE) -> int:
        """SIGTERM, then its exit status."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def kill(self) -> None:
        """kill -9: no chance to finish or hand anything back."""
        assert self.popen is not None
        self.popen.kill()
        self.popen.wait(timeout=DEADLINE)

    def stop(self) -> None:
        """Clean up after a test, whatever state it is in."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout=DEADLINE)


def bot_env(
    *,
    database_url: str,
    fake: FakeSlack,
    clock: SharedClock,
    signing_secret: str,
    bot_token: str | None = None,
    **more: str,
) -> dict[str, str]:
    """What every process of a test gets: the database, the fake Slack, the shared clock,
    its scheduler on and JSON logs."""
    env = {
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "SB_TEST_CLOCK_FILE": str(clock.path),
        "SCHEDULER": "on",
        "SCHEDULER_INTERVAL": SCHEDULER_INTERVAL,
        "LOG_FORMAT": "json",
        **more,
    }
    if bot_token is not None:
        env["SLACK_BOT_TOKEN"] = bot_token
    return env


@contextmanager
def bot_processes(count: int, env: dict[str, str], cwd: Path) -> Iterator[list[BotProcess]]:
    """`count` processes started together, killed at the end if still running."""
    processes = [BotProcess(f"bot-{chr(ord('a') + n)}", env, cwd) for n in range(count)]
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()


class Fleet:
    """The load balancer: each request goes to one of the processes that are up (chosen
    by the seeded `rng`), and the answer comes back once that process's listeners are
    done with it. `after_request` may kill the process that answered (a test's seeded
    kill points); it is called before the wait."""

    def __init__(
        self,
        processes: Sequence[BotProcess],
        signing_secret: str,
        sessions: sessionmaker[Session],
        clock: SharedClock,
        rng: random.Random,
    ) -> None:
        self.processes = list(processes)
        self.signing_secret = signing_secret
        self.sessions = sessions
        self.clock = clock
        self.rng = rng
        self.after_request: Callable[[BotProcess, str], bool] | None = None
        """Called with the process that answered and the request's body; True if it
        killed (and restarted) that process, so there is nothing to wait for."""
        self.requests = Counter[str]()
        """Requests each process answered, by name."""

    def up(self) -> list[BotProcess]:
        return [process for process in self.processes if process.running]

    def post(self, body: str, **kwargs: Any) -> Response:
        target = self.rng.choice(self.up())
        response = Sender(target.events_url, self.signing_secret).post(body, **kwargs)
        self.requests[target.name] += 1
        if self.after_request is not None and self.after_request(target, body):
            return response
        target.wait_idle()
        return response

    def settle(self) -> None:
        """Wait until no listener is at work and no message is claimed: what was started
        is finished (a killed process's claims were handed back when it started again)."""
        for process in self.up():
            process.wait_idle()
        wait_until("the outbox to have nothing in flight", lambda: self.claimed() == 0)

    def claimed(self, prefix: str = "") -> int:
        with self.sessions() as session:
            return session.scalar(
                select(func.count())
                .select_from(Nudge)
                .where(Nudge.status == NudgeStatus.CLAIMED, Nudge.claimed_by.like(prefix + "%"))
            )

    def move_clock(self, when: datetime) -> dict[int, int]:
        """Move the shared clock (once nothing is in flight); returns each process's
        pass count just after, by pid."""
        self.settle()
        self.clock.move_to(when)
        return {process.pid: process.passes() for process in self.up()}

    def passed(self, since: dict[int, int]) -> bool:
        """Whether every process has finished a pass begun after `since` was read (the
        one under way then may have begun before the clock moved: two more; a process
        started since: one)."""
        return all(
            process.passes() >= (since[process.pid] + 2 if process.pid in since else 1)
            for process in self.up()
        )

    def wait_passes(self, since: dict[int, int]) -> None:
        """Wait until every process has passed (`passed`), then until what those passes
        started is finished."""
        wait_until("every process's reminder pass", lambda: self.passed(since))
        self.settle()

    def run_pass(self, when: datetime) -> None:
        self.wait_passes(self.move_clock(when))


class FleetSender(Sender):
    """`Sender` for a fleet: signs as Slack does and posts through the fleet."""

    def __init__(self, fleet: Fleet) -> None:
        super().__init__("", fleet.signing_secret)
        self.fleet = fleet

    def post(self, body: str, **kwargs: Any) -> Response:
        return self.fleet.post(body, **kwargs)


# -- exactly once, from what Slack received ------------------------------------------------


def slack_writes(fake: FakeSlack) -> list[Call]:
    return [call for call in fake.calls if call.method in SLACK_WRITES and call.ok]


def _key_of_call(call: Call) -> tuple[str, str]:
    if call.method == "files.completeUploadExternal":
        return ("upload", str(call.args.get("channel_id") or call.args.get("channels")))
    return (str(call.response["channel"]), str(call.response["ts"]))


def _key_of_row(row: Nudge) -> tuple[str, str]:
    if not row.slack_ts:
        return ("upload", str(row.slack_channel))
    return (str(row.slack_channel), row.slack_ts)


@dataclass
class Deliveries:
    """What the outbox recorded sent, set against what Slack received."""

    sent: int
    slack_writes: int
    twice: list[str]
    """Messages Slack received twice, each from a row a killed process had claimed (the
    documented window between Slack's ok and recording it)."""
    problems: list[str]


def deliveries(
    fake: FakeSlack, sessions: sessionmaker[Session], in_flight_when_killed: Iterable[int] = ()
) -> Deliveries:
    """Every row recorded sent reached Slack once, and Slack received nothing else from
    the outbox but a second copy of a row a killed process held (`in_flight_when_killed`:
    the ids of rows claimed by processes at the moment they were killed)."""
    calls = slack_writes(fake)
    with sessions() as session:
        rows = list(session.scalars(select(Nudge).where(Nudge.status == NudgeStatus.SENT)))
    by_key: dict[tuple[str, str], list[Call]] = {}
    for call in calls:
        by_key.setdefault(_key_of_call(call), []).append(call)
    expected = Counter(_key_of_row(row) for row in rows)
    received = Counter(_key_of_call(call) for call in calls)
    problems = [
        f"{row.kind} #{row.id} is recorded sent, but Slack never received it"
        for row in rows
        if received[_key_of_row(row)] < expected[_key_of_row(row)]
    ]
    allowed = [row for row in rows if row.id in set(in_flight_when_killed)]
    twice = []
    for key, count in (received - expected).items():
        for call in by_key[key][-count:]:
            row = _explained(call, key, allowed, by_key)
            if row is None:
                problems.append(f"Slack received an extra {call.method}: {_said(call)!r}")
                continue
            allowed.remove(row)
            twice.append(f"{row.kind} #{row.id}")
    return Deliveries(len(rows), len(calls), twice, problems)


def _explained(
    extra: Call,
    key: tuple[str, str],
    allowed: list[Nudge],
    by_key: dict[tuple[str, str], list[Call]],
) -> Nudge | None:
    """The row whose delivery `extra` repeats: a post saying what the row's own post said
    in the same conversation, or a second update (or upload) where the row's went."""
    for row in allowed:
        own = _key_of_row(row)
        if extra.method != "chat.postMessage":
            if own == key:
                return row
            continue
        if any(
            call.method == "chat.postMessage"
            and call.response["channel"] == extra.response["channel"]
            and _said(call) == _said(extra)
            for call in by_key.get(own, [])
        ):
            return row
    return None


def _said(call: Call) -> str:
    return str(call.args.get("text") or call.args.get("initial_comment") or "")


@dataclass
class FleetHarness(BotHarness):
    """A `BotHarness` whose requests go through a `Fleet` of processes (there is no bot
    in this process: `bot` is None), with the test's own sessions on their database."""

    own_sessions: sessionmaker[Session] | None = None

    @property
    def sessions(self) -> Any:
        return self.own_sessions


def fleet_harness(fleet: Fleet, fake: FakeSlack) -> FleetHarness:
    return FleetHarness(
        bot=cast(Any, None),
        fake=fake,
        base_url="",
        sender=FleetSender(fleet),
        own_sessions=fleet.sessions,
    )
