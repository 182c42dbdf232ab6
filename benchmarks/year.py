"""A year of a program, longer than the test suite runs: several seeds, more pairs.

Each seed drives a fresh program (SQLite, or a throwaway PostgreSQL server) through a
year (`tests/support/year.py`) and reports its figures and any broken invariant.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bot.settings import Settings

from fakeslack import FakeSlack
from support.harness import running_bot
from support.postgres import create_database, postgres_server
from support.workspace import (
    BOT_TOKEN,
    COORDINATOR,
    PROGRAM_CHANNEL,
    SIGNING_SECRET,
    TEAM,
    USERS,
)
from support.year import Program


def _database(stack: ExitStack, kind: str, seed: int) -> str:
    if kind == "postgres":
        admin = stack.enter_context(postgres_server())
        return create_database(admin, f"year_{seed}")
    folder = stack.enter_context(tempfile.TemporaryDirectory())
    return f"sqlite:///{Path(folder) / 'year.db'}"


def run(seeds: list[int], pairs: int, days: int, database: str) -> int:
    broken = 0
    for seed in seeds:
        with ExitStack() as stack:
            url = _database(stack, database, seed)
            fake = stack.enter_context(FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN))
            for user_id, profile in USERS.items():
                fake.add_user(user_id, **profile)
            fake.add_channel(PROGRAM_CHANNEL, members=[COORDINATOR])
            settings = Settings(
                slack_bot_token=BOT_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=fake.url,
                database_url=url,
                program_admins=frozenset({COORDINATOR}),
                program_channel=PROGRAM_CHANNEL,
                scheduler_enabled=False,
            )
            bot = stack.enter_context(running_bot(settings, fake))
            started = time.monotonic()
            program = Program(bot, seed, pairs=pairs, days=days)
            figures = program.run()
            problems = program.check()
            took = time.monotonic() - started
        broken += bool(problems)
        states = ", ".join(f"{n} {state}" for state, n in sorted(figures.states.items()))
        print(
            f"seed {seed} ({database}): {figures.pairs} pairs over {figures.days} days, "
            f"{figures.requests} signed requests, {figures.messages} messages, "
            f"{figures.failures} refused; {figures.by_kind['check_in']} check-ins, "
            f"{figures.by_kind['debrief']} debrief prompts, "
            f"{figures.by_kind['at_risk_digest']} digests; end: {states}; "
            f"{len(problems)} broken invariants; {took:.0f} s"
        )
        for problem in problems[:20]:
            print(f"  - {problem}")
    return 1 if broken else 0
