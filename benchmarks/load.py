"""The load run: a few hundred signed slash commands and button clicks, 20 at a time,
at a real `python -m bot` process, against SQLite and against PostgreSQL.

Reports the error count (non-200 answers plus Web API calls the fake Slack refused,
such as a modal opened too late for its trigger), the slowest and median
acknowledgement, and the bot process's peak memory (VmHWM).
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from storage.db import make_engine, make_sessionmaker, migrate

from fakeslack import FakeSlack
from fakeslack import requests as slack
from fakeslack.requests import Sender
from support.postgres import create_database, postgres_server
from support.seed import add_coach, add_learner
from support.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM

ROOT = Path(__file__).parent.parent
CONCURRENCY = 20
KINDS = ("/find-coach", "/my-coaching", "/coaching-profile", "filter click", "/coaching-help")
AREAS = ["Finance", "Police", "Management", "Strategic Planning", "Public Works", "IT"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database(kind: str) -> Iterator[str]:
    with ExitStack() as stack:
        if kind == "postgresql":
            admin = stack.enter_context(postgres_server())
            yield create_database(admin, "sb_load")
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            yield f"sqlite:///{Path(folder) / 'load.db'}"


def seed(url: str, fake: FakeSlack, coaches: int, learners: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(3)
    with make_sessionmaker(engine).begin() as session:
        for i in range(coaches):
            user = f"U8C{i:04d}"
            fake.add_user(user, real_name=f"Coach {i}")
            add_coach(session, user, name=f"Coach {i}", expertise=rng.sample(AREAS, 3))
        for i in range(learners):
            user = f"U8L{i:04d}"
            fake.add_user(user, real_name=f"Learner {i}")
            add_learner(session, user, name=f"Learner {i}")
    engine.dispose()


@contextmanager
def bot_process(url: str, fake: FakeSlack) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": url,
        "PORT": str(port),
        "SCHEDULER": "off",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the bot did not start") from None
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def requests(fake: FakeSlack, sender: Sender, total: int, learners: int) -> list[Callable[[], int]]:
    rng = random.Random(7)
    jobs: list[Callable[[], int]] = []
    for i in range(total):
        user = f"U8L{rng.randrange(learners):04d}"
        kind = i % 5

        def job(kind: int = kind, user: str = user, i: int = i) -> int:
            if kind == 0:
                fields = slack.command(
                    command="/find-coach",
                    user=user,
                    team=TEAM,
                    text=rng.choice(["", "finance", "planing", "police"]),
                )
            elif kind == 1:
                fields = slack.command(command="/my-coaching", user=user, team=TEAM)
            elif kind == 2:
                fields = slack.command(
                    command="/coaching-profile",
                    user=user,
                    team=TEAM,
                    text="learner",
                    trigger_id=fake.issue_trigger_id(),
                    response_url=fake.response_url(),
                )
            elif kind == 3:
                payload = slack.block_actions(
                    user=user,
                    team=TEAM,
                    action=slack.action(
                        "search_area",
                        block_id='filters|{"t":""}',
                        selected_option={
                            "value": rng.choice(AREAS),
                            "text": {"type": "plain_text", "text": "x"},
                        },
                    ),
                    response_url=fake.response_url(),
                )
                return sender.form({"payload": json.dumps(payload)}).status
            else:
                fields = slack.command(command="/coaching-help", user=user, team=TEAM)
            return sender.form(fields).status

        jobs.append(job)
    return jobs


def run_one(kind: str, total: int) -> dict[str, float]:
    with database(kind) as url, FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake:
        seed(url, fake, coaches=200, learners=60)
        with bot_process(url, fake) as (base, process):
            sender = Sender(base + "/slack/events", SIGNING_SECRET)
            latencies: list[float] = []
            statuses: list[int] = []

            by_kind: dict[str, float] = {}

            def timed(job: Callable[[], int]) -> None:
                began = time.perf_counter()
                statuses.append(job())
                took = time.perf_counter() - began
                latencies.append(took)
                kind = job.__defaults__[0] if job.__defaults__ else -1  # type: ignore[index]
                label = KINDS[kind] if 0 <= kind < len(KINDS) else "?"
                by_kind[label] = max(by_kind.get(label, 0.0), took)

            with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
                list(pool.map(timed, requests(fake, sender, total, learners=60)))
            settled, deadline = -1, time.monotonic() + 30
            while len(fake.calls) != settled and time.monotonic() < deadline:
                settled = len(fake.calls)
                time.sleep(0.5)
            memory = peak_memory_mb(process.pid)
        refused = [c for c in fake.calls if not c.ok]
        return {
            "requests": len(statuses),
            "errors": sum(1 for s in statuses if s != 200) + len(refused),
            "slowest_ms": max(latencies) * 1000,
            "median_ms": statistics.median(latencies) * 1000,
            "peak_mb": memory,
            **{f"slowest {k}": v * 1000 for k, v in by_kind.items()},
        }


def run(total: int, kinds: list[str]) -> int:
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    print(f"{started} load run: {total} requests per database, {CONCURRENCY} at a time")
    for kind in kinds:
        figures = run_one(kind, total)
        print(
            f"  {kind:<10} {figures['requests']:.0f} requests, {figures['errors']:.0f} errors, "
            f"slowest ack {figures['slowest_ms']:.0f} ms, median {figures['median_ms']:.0f} ms, "
            f"bot peak memory {figures['peak_mb']:.0f} MB"
        )
        slowest = ", ".join(
            f"{k.removeprefix('slowest ')} {v:.0f}"
            for k, v in figures.items()
            if k.startswith("slowest ")
        )
        print(f"             slowest by kind (ms): {slowest}")
    return 0
