"""Socket Mode: each of Bolt's Socket Mode adapters against the local stand-in of Slack's
Socket Mode service (tests/support/socket_slack.py), through the fake Web API's
apps.connections.open.

For each adapter, with a minimal Bolt app whose one command acknowledges at once:
- **steady**: the acknowledgement median and 95th percentile of commands sent one at a time;
- **refresh**: commands every 50 ms while Slack refreshes the connection (`disconnect`
  `warning` + `refresh_requested`, the old connection closed 2 s later): the slowest
  acknowledgement, and how many were late (past Slack's 3 s) or lost;
- **drop**: the connection reset without warning (TCP RST, no close frame): seconds until
  the adapter's new connection is open, and until a command sent right after the drop
  is acknowledged;
- **silent**: the connection left half-open (nothing more arrives, not even a FIN): the
  same two figures (up to a 20 s limit).

Then the real bot (`python -m bot` in Socket Mode, a subprocess) with the adapter it uses:
the median acknowledgement of `/coaching-help`, and the same refresh and drop figures.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.fakeslack import FakeSlack

from support.slack import make_command
from support.socket_slack import Envelope, SocketModeService
from support.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM

ROOT = Path(__file__).parent.parent
ADAPTERS = ("builtin", "websocket_client", "aiohttp", "websockets")
SILENT_LIMIT = 20.0


@dataclass
class Figures:
    name: str
    steady: list[float] = field(default_factory=list)
    refresh: list[Envelope] = field(default_factory=list)
    drop_reconnect: float | None = None
    drop_answer: float | None = None
    silent_reconnect: float | None = None
    silent_answer: float | None = None


class Running:
    """A started adapter; `stop()` closes it."""

    def __init__(self, stop: Callable[[], None]) -> None:
        self.stop = stop


def _minimal_app(fake: FakeSlack) -> App:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=fake.url),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
    )

    @app.command("/ping")
    def ping(ack: Any) -> None:
        ack("pong")

    return app


def start_adapter(
    name: str, app: App, app_token: str, api_url: str, ping_interval: float | None = None
) -> Running:
    """Start Bolt's `name` adapter for `app` with its defaults, as Bolt's documentation
    shows it (the asyncio ones on their own event loop in a thread)."""
    if name in ("builtin", "websocket_client"):
        if name == "builtin":
            from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
        else:
            from slack_bolt.adapter.socket_mode.websocket_client import (
                SocketModeHandler,  # type: ignore[assignment]
            )
        options = {} if ping_interval is None else {"ping_interval": ping_interval}
        handler = SocketModeHandler(app, app_token, **options)
        handler.connect()
        return Running(handler.close)
    if name == "aiohttp":
        from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler as Async
    else:
        from slack_bolt.adapter.socket_mode.websockets import (
            SocketModeHandler as Async,  # type: ignore[assignment]
        )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=f"{name}-loop", daemon=True)
    thread.start()

    async def connect() -> Any:
        options = {} if ping_interval is None else {"ping_interval": ping_interval}
        handler = Async(app, app_token, web_client=AsyncWebClient(base_url=api_url), **options)
        await handler.connect_async()
        return handler

    handler = asyncio.run_coroutine_threadsafe(connect(), loop).result(30)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(handler.close_async(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)

    return Running(stop)


def _command(fake: FakeSlack, name: str = "/ping") -> dict[str, Any]:
    return make_command(command=name, user="U0LEARNER", team=TEAM, response_url="", trigger_id="")


def steady(service: SocketModeService, fake: FakeSlack, count: int, name: str) -> list[float]:
    seconds = []
    for _ in range(count):
        envelope = service.command(_command(fake, name))
        envelope.wait(10)
        if envelope.seconds is not None:
            seconds.append(envelope.seconds)
    return seconds


def during_refresh(service: SocketModeService, fake: FakeSlack, name: str) -> list[Envelope]:
    """Commands every 50 ms for 1 s before and 5 s after a refresh (Slack closes the old
    connection 10 s after its `disconnect` message)."""
    sent: list[Envelope] = []
    refreshed = False
    start = time.monotonic()
    while time.monotonic() - start < 6:
        if not refreshed and time.monotonic() - start >= 1:
            service.refresh()
            refreshed = True
        sent.append(service.command(_command(fake, name), wait=10))
        time.sleep(0.05)
    for envelope in sent:
        envelope.wait(10)
    return sent


def after_drop(
    service: SocketModeService, fake: FakeSlack, name: str, silent: bool
) -> tuple[float | None, float | None]:
    """Seconds from the drop to the next connection in service, and to the answer of
    a command sent right after the drop."""
    old = service.current()
    start = time.monotonic()
    (service.go_silent if silent else service.drop)(old)
    envelope = service.command(_command(fake, name), wait=SILENT_LIMIT)
    envelope.wait(SILENT_LIMIT)
    try:
        link = service.wait_for_link(
            after=old, timeout=max(0.1, SILENT_LIMIT - (time.monotonic() - start))
        )
        reconnect = link.opened - start
    except AssertionError:
        reconnect = None
    answer = envelope.acked_at - start if envelope.acked_at is not None else None
    # let it settle before the next scenario
    time.sleep(0.5)
    return reconnect, answer


def measure(
    name: str, figures: Figures, service: SocketModeService, fake: FakeSlack, command: str
) -> Figures:
    figures.steady = steady(service, fake, 50, command)
    figures.refresh = during_refresh(service, fake, command)
    figures.drop_reconnect, figures.drop_answer = after_drop(service, fake, command, silent=False)
    figures.silent_reconnect, figures.silent_answer = after_drop(
        service, fake, command, silent=True
    )
    return figures


def adapter_run(name: str, ping_interval: float | None = None) -> Figures:
    with FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake, SocketModeService() as service:
        fake.add_user("U0LEARNER", real_name="Lena Ortiz")
        service.attach(fake)
        running = start_adapter(
            name, _minimal_app(fake), service.app_token, fake.url, ping_interval
        )
        try:
            service.current()
            label = name if ping_interval is None else f"{name} ({ping_interval:g} s)"
            return measure(label, Figures(label), service, fake, "/ping")
        finally:
            running.stop()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def _s(value: float | None) -> str:
    return f"> {SILENT_LIMIT:.0f} s" if value is None else f"{value:.2f} s"


def report(figures: Figures) -> str:
    steady_sorted = sorted(figures.steady)
    p95 = steady_sorted[int(len(steady_sorted) * 0.95) - 1] if steady_sorted else None
    refresh_times = [e.seconds for e in figures.refresh if e.seconds is not None]
    late = sum(1 for e in figures.refresh if e.late and e.acked)
    lost = sum(1 for e in figures.refresh if not e.acked)
    return (
        f"{figures.name:<17} steady median {_ms(statistics.median(figures.steady) if figures.steady else None)}"
        f" p95 {_ms(p95)} | refresh: {len(figures.refresh)} sent, slowest "
        f"{_ms(max(refresh_times) if refresh_times else None)}, late {late}, lost {lost}"
        f" | drop: reconnect {_s(figures.drop_reconnect)}, answer {_s(figures.drop_answer)}"
        f" | silent: reconnect {_s(figures.silent_reconnect)}, answer {_s(figures.silent_answer)}"
    )


def run(adapters: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    for name in adapters:
        print(report(adapter_run(name)), flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tests"))
    sys.exit(run(sys.argv[1:] or list(ADAPTERS)))
