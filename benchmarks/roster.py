"""A coordinator sends a large roster to the bot in a DM (SQLite, or a throwaway
PostgreSQL server): how long the file_share event takes to be acknowledged, how long
until the report arrives, rows per second, and the Slack calls made. A third of the
coaches are in Slack (found by e-mail); every 50th row is broken. Then the same file
again, which must change nothing.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from roster_data import csv_text, synthetic_rows

from bot.settings import Settings

from fakeslack import FakeSlack
from fakeslack import requests as slack
from fakeslack.requests import Sender
from support.harness import running_bot
from support.postgres import create_database, postgres_server
from support.workspace import BOT_TOKEN, COORDINATOR, SIGNING_SECRET, TEAM, USERS


def _database(stack: ExitStack, kind: str) -> str:
    if kind == "postgres":
        return create_database(stack.enter_context(postgres_server()), "sb_roster")
    folder = stack.enter_context(tempfile.TemporaryDirectory())
    return f"sqlite:///{Path(folder) / 'roster.db'}"


def run(coaches: int, database: str) -> int:
    rows = synthetic_rows(coaches, seed=17)
    for index in range(0, coaches, 50):
        rows[index]["frequency"] = "weekly"
    content = csv_text(rows).encode()
    with ExitStack() as stack:
        url = _database(stack, database)
        fake = stack.enter_context(FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN))
        for user_id, profile in USERS.items():
            fake.add_user(user_id, **profile)
        for index in range(0, coaches, 3):
            row = rows[index]
            fake.add_user(f"U7{index:06d}", real_name=row["name"], email=row["email"])
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.url,
            database_url=url,
            program_admins=frozenset({COORDINATOR}),
            scheduler_enabled=False,
        )
        bot = stack.enter_context(running_bot(settings, fake))
        sender = Sender(bot.sender.url, SIGNING_SECRET)
        print(f"{coaches} coaches, {len(content) / 1024 / 1024:.2f} MB, {database}:")
        for attempt in ("first import", "same file again"):
            fake.reset_calls()
            event = fake.share_file(COORDINATOR, "roster.csv", content)
            body = json.dumps(slack.event(team=TEAM, event=event))
            started = time.perf_counter()
            response = sender.post(body, content_type="application/json")
            acked = time.perf_counter() - started
            bot.sender.executor.drain(timeout=3600)  # type: ignore[union-attr]
            took = time.perf_counter() - started
            report = next(
                message["text"]
                for message in reversed(fake.messages(COORDINATOR))
                if message.get("bot_id") and "imported." in message.get("text", "")
            )
            calls: dict[str, int] = {}
            for call in fake.calls:
                calls[call.method] = calls.get(call.method, 0) + 1
            print(
                f"  {attempt}: HTTP {response.status} acknowledged in {acked * 1000:.0f} ms; "
                f"report after {took:.1f} s ({coaches / took:.0f} rows/s); "
                f"{', '.join(f'{n} {method}' for method, n in sorted(calls.items()))}"
            )
            print(f"    {report.splitlines()[0].split('. ', 1)[1]}")
    return 0
