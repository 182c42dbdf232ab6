"""`python -m benchmarks socket`: Bolt's Socket Mode adapters, and the bot, against the
local stand-in of Slack's Socket Mode service (tests/support/socket_slack.py), which the
fake Web API's apps.connections.open points to.

Each row is one Socket Mode client serving a minimal Bolt app whose one command
acknowledges at once (so the figures are the transport's): each of Bolt's four adapters
with its defaults and with a 1 s ping, and the bot's own client (`bot.socket_mode`); the
last row is the real bot, `python -m bot` in Socket Mode (a subprocess, SQLite), asked
`/coaching-help`. For each:

- **steady**: median and 95th percentile acknowledgement of 50 commands, one at a time;
- **refresh**: a command every 50 ms from 1 s before to 5 s after Slack's routine refresh
  (`disconnect`, reason `refresh_requested`; Slack closes the old connection 10 s later):
  the slowest acknowledgement and how many were late (past Slack's 3 s, or never);
- **reset** and **silent**: the connection ended by a TCP reset without a close frame, or
  left half-open (nothing more arrives, not even a FIN), `--repeats` times each: seconds
  until the client's new connection is open (median and worst), and until a command sent
  right after the drop is acknowledged (worst). `>N s` means not within the limit.

Acknowledgement times run from the moment the stand-in has the command to the moment
the acknowledgement is back, as Slack counts its 3 s.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.socket_mode import SocketModeConnection
from handlers import ids

from fakeslack import FakeSlack
from fakeslack import requests as slack
from support.socket_slack import Envelope, SocketModeService
from support.workspace import BOT_TOKEN, LEARNER, SIGNING_SECRET, TEAM

ROOT = Path(__file__).parent.parent
ADAPTERS = ("builtin", "websocket_client", "aiohttp", "websockets")
DROP_LIMIT = 12.0
Stop = Callable[[], None]


@dataclass
class Figures:
    label: str
    steady: list[float] = field(default_factory=list)
    refresh: list[Envelope] = field(default_factory=list)
    reset: list[tuple[float | None, float | None]] = field(default_factory=list)
    silent: list[tuple[float | None, float | None]] = field(default_factory=list)


def minimal_app(fake: FakeSlack) -> App:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=fake.url),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
    )

    @app.command(ids.COACHING_HELP.name)
    def answer(ack: Any) -> None:
        ack("pong")

    return app


def bolt_adapter(name: str, ping: float | None) -> Callable[[FakeSlack, str], Stop]:
    """Start Bolt's adapter `name` as its documentation shows it (the asyncio ones with
    the sync App on an event loop of their own), `ping` seconds apart (None: default)."""
    options = {} if ping is None else {"ping_interval": ping}

    def start(fake: FakeSlack, app_token: str) -> Stop:
        app = minimal_app(fake)
        if name in ("builtin", "websocket_client"):
            if name == "builtin":
                from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
            else:
                from slack_bolt.adapter.socket_mode.websocket_client import (
                    SocketModeHandler,  # type: ignore[assignment]
                )
            handler = SocketModeHandler(app, app_token, **options)
            handler.connect()
            return handler.close
        if name == "aiohttp":
            from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler as Async
        else:
            from slack_bolt.adapter.socket_mode.websockets import (
                SocketModeHandler as Async,  # type: ignore[assignment]
            )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()

        async def connect() -> Any:
            web_client = AsyncWebClient(base_url=fake.url)
            async_handler = Async(app, app_token, web_client=web_client, **options)
            await async_handler.connect_async()
            return async_handler

        async_handler = asyncio.run_coroutine_threadsafe(connect(), loop).result(30)

        def stop() -> None:
            asyncio.run_coroutine_threadsafe(async_handler.close_async(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)

        return stop

    return start


def bot_client(fake: FakeSlack, app_token: str) -> Stop:
    """The bot's own Socket Mode client (`bot.socket_mode`) serving the minimal app."""
    app = minimal_app(fake)
    connection = SocketModeConnection(app, app_token, app.client)
    connection.start()
    return connection.close


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def bot_process_env() -> Iterator[Callable[[FakeSlack, str], Stop]]:
    with tempfile.TemporaryDirectory() as folder:

        def start(fake: FakeSlack, app_token: str) -> Stop:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
                "PYTHONPATH": str(ROOT),
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_APP_TOKEN": app_token,
                "SLACK_API_URL": fake.url,
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'socket.db'}",
                "PORT": str(_free_port()),
                "SCHEDULER": "off",
            }
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                env=env,
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

            def stop() -> None:
                process.terminate()
                process.wait(timeout=30)

            return stop

        yield start


def command(fake: FakeSlack) -> dict[str, Any]:
    return slack.command(
        command=ids.COACHING_HELP.name,
        user=LEARNER,
        team=TEAM,
        trigger_id=fake.issue_trigger_id(),
        response_url=fake.response_url(),
    )


def steady(service: SocketModeService, fake: FakeSlack, count: int = 50) -> list[float]:
    seconds = []
    for _ in range(count):
        envelope = service.command(command(fake))
        envelope.wait(10)
        if envelope.seconds is not None:
            seconds.append(envelope.seconds)
    return seconds


def through_refresh(service: SocketModeService, fake: FakeSlack) -> list[Envelope]:
    sent: list[Envelope] = []
    start = time.monotonic()
    refreshed = False
    while time.monotonic() - start < 6:
        if not refreshed and time.monotonic() - start >= 1:
            service.refresh()
            refreshed = True
        sent.append(service.command(command(fake), wait=10))
        time.sleep(0.05)
    for envelope in sent:
        envelope.wait(10)
    return sent


def after_drop(
    service: SocketModeService, fake: FakeSlack, silent: bool
) -> tuple[float | None, float | None]:
    """Seconds from the drop to the client's next connection, and to the acknowledgement
    of a command sent right after the drop."""
    old = service.current()
    start = time.monotonic()
    if silent:
        service.go_silent(old)
    else:
        service.drop(old)
    envelope = service.command(command(fake), wait=DROP_LIMIT)
    envelope.wait(max(0.1, DROP_LIMIT - (time.monotonic() - start)))
    try:
        link = service.wait_for_link(after=old, timeout=0.1)
        reconnect: float | None = link.opened - start
    except AssertionError:
        reconnect = None
    answer = envelope.acked_at - start if envelope.acked_at is not None else None
    return reconnect, answer


def measure(label: str, start: Callable[[FakeSlack, str], Stop], repeats: int) -> Figures:
    figures = Figures(label)
    with FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake, SocketModeService() as service:
        fake.add_user(LEARNER, real_name="Lena Ortiz")
        service.attach(fake)
        stop = start(fake, service.app_token)
        try:
            service.current(timeout=60)
            figures.steady = steady(service, fake)
            figures.refresh = through_refresh(service, fake)
            for _ in range(repeats):
                figures.reset.append(after_drop(service, fake, silent=False))
                service.current(timeout=DROP_LIMIT * 3)
            for _ in range(repeats):
                figures.silent.append(after_drop(service, fake, silent=True))
                service.current(timeout=DROP_LIMIT * 3)
        except AssertionError as gave_up:
            print(f"  ({label}: {gave_up})", file=sys.stderr)
        finally:
            stop()
    return figures


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def _s(values: list[float | None], pick: Callable[[list[float]], float]) -> str:
    if not values:
        return "-"
    if any(value is None for value in values) and pick is max:
        return f">{DROP_LIMIT:.0f} s"
    found = [value for value in values if value is not None]
    return f"{pick(found):.2f} s" if found else f">{DROP_LIMIT:.0f} s"


def row(figures: Figures) -> str:
    ordered = sorted(figures.steady)
    median = statistics.median(ordered) if ordered else None
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else None
    acked = [e.seconds for e in figures.refresh if e.seconds is not None]
    late = sum(1 for e in figures.refresh if e.late)
    cells = [
        figures.label,
        _ms(median),
        _ms(p95),
        _ms(max(acked) if acked else None),
        f"{late}/{len(figures.refresh)}",
    ]
    for drops in (figures.reset, figures.silent):
        reconnects = [reconnect for reconnect, _ in drops]
        answers = [answer for _, answer in drops]
        cells += [
            _s(reconnects, statistics.median),
            _s(reconnects, max),
            _s(answers, max),
        ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| client | steady median | steady p95 | refresh slowest | refresh late | "
    "reset: reconnect median | worst | answer worst | "
    "silent: reconnect median | worst | answer worst |\n" + "|---" * 11 + "|"
)


def run(adapters: list[str], repeats: int, with_bot: bool) -> int:
    logging.basicConfig(level=logging.CRITICAL)
    print(HEADER, flush=True)
    rows: list[tuple[str, Callable[[FakeSlack, str], Stop]]] = []
    for name in adapters:
        rows.append((f"{name} (defaults)", bolt_adapter(name, None)))
        rows.append((f"{name} (ping 1 s)", bolt_adapter(name, 1.0)))
    if with_bot:
        rows.append(("bot.socket_mode (aiohttp, ping 1 s, threaded)", bot_client))
    for label, start in rows:
        print(row(measure(label, start, repeats)), flush=True)
    if with_bot:
        with bot_process_env() as start_process:
            print(row(measure("python -m bot, /coaching-help", start_process, repeats)), flush=True)
    return 0
