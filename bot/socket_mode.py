"""Socket Mode: the bot dials out to Slack over a WebSocket, for programs that cannot open
an inbound port.

The client is Bolt's aiohttp adapter with a 1 s ping, chosen by measuring all four of
Bolt's adapters against a local stand-in of Slack's Socket Mode service (`python -m
benchmarks socket`; the figures are in the README):
- the built-in client answers about 3 s late through Slack's routine connection refresh
  (it reads the new connection only once its read of the old one times out), and takes
  5 to 10 s to come back after a reset connection, 6 s or more after a silently dead one;
- the websocket-client one can stall for seconds through a refresh, and never notices a
  silently dead connection (Bolt gives it no pong timeout);
- the websockets one takes 20 s or more to notice a silently dead connection (its pong
  timeout is not settable through Bolt);
- the aiohttp one keeps answering through a refresh, and with a 1 s ping its heartbeat
  ends a connection whose pong is half a second late.

Two changes to Bolt's aiohttp adapter: the (synchronous) app is dispatched on threads
rather than on the event loop, so a slow listener or database never holds up the loop's
pings (which would look like a dead connection) or the other envelopes; and a failed
connection is replaced at once instead of at the client's next monitor tick. Measured:
back about 1 s after a reset and 1.5 s after a silent death, acknowledgements in about
12 ms, none late through a refresh.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.server import build_operations_app, close_server, make_server, serve_until_stopped
from bot.settings import SettingsError
from bot.wiring import Bot
from scheduling.scheduler import stop_scheduler

logger = logging.getLogger(__name__)

PING_INTERVAL = 1.0
"""Seconds between pings; a pong later than half of it ends the connection."""
CONNECT_TIMEOUT = 15.0
"""A first connection that takes longer is given up and tried again with a new URL."""
DISPATCH_THREADS = 10


Dispatch = Callable[[BoltRequest], BoltResponse]


class ThreadedSocketModeHandler(SocketModeHandler):
    """Bolt's aiohttp Socket Mode adapter for a synchronous App, dispatching on threads
    through `dispatch` (the app's, timed by `bot.metrics`)."""

    def __init__(
        self, app: App, app_token: str, web_client: AsyncWebClient, dispatch: Dispatch
    ) -> None:
        super().__init__(app, app_token, web_client=web_client, ping_interval=PING_INTERVAL)
        self.dispatch = dispatch
        self.dispatchers = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="socket-mode")
        self.client.on_error_listeners.append(self.replace_failed_connection)

    async def replace_failed_connection(self, _message: Any) -> None:
        """A connection that failed (reset, or its pong late) is replaced at once, rather
        than at the client's next monitor tick, up to a ping interval later."""
        client = self.client
        if client.auto_reconnect_enabled and not client.closed and not await client.is_connected():
            await client.connect_to_new_endpoint()

    def run_app(self, req: SocketModeRequest) -> BoltResponse:
        request = BoltRequest(mode="socket_mode", body=req.payload, headers=build_headers(req))
        return self.dispatch(request)

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.dispatchers, self.run_app, req)
        await send_async_response(client, req, response, start)


class SocketModeConnection:
    """The bot's Socket Mode connection, on an event loop of its own thread.

    `start()` checks the app-level token with apps.connections.open (through the bot's
    Web API client, so SLACK_API_URL applies) and connects in the background;
    `connected()` says whether a connection is up now; `close()` closes it cleanly."""

    def __init__(
        self, app: App, app_token: str, client: WebClient, dispatch: Dispatch | None = None
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.client = client
        self.dispatch = dispatch or app.dispatch
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="socket-mode-loop")
        self.handler: ThreadedSocketModeHandler | None = None
        self.connecting: Future[None] | None = None

    def start(self) -> None:
        first_url = self.open_url()
        self.thread.start()
        self.handler = self._run(self._make_handler()).result(CONNECT_TIMEOUT)
        self.connecting = self._run(self._connect(first_url))

    def open_url(self) -> str:
        """A WebSocket URL from apps.connections.open; a refused token stops start-up."""
        try:
            return str(self.client.apps_connections_open(app_token=self.app_token)["url"])
        except SlackApiError as error:
            raise SettingsError(
                "SLACK_APP_TOKEN",
                f"was refused by Slack ({error.response.get('error')})",
                "create an app-level token with the connections:write scope under Basic "
                "Information > App-Level Tokens, and turn Socket Mode on for the app",
            ) from None

    async def _make_handler(self) -> ThreadedSocketModeHandler:
        web_client = AsyncWebClient(base_url=self.client.base_url, timeout=10)
        return ThreadedSocketModeHandler(self.app, self.app_token, web_client, self.dispatch)

    async def _connect(self, url: str | None) -> None:
        """Connect, giving up on an attempt after CONNECT_TIMEOUT and starting again with
        a fresh URL (slack_sdk would retry a failed first URL for ever)."""
        assert self.handler is not None
        client = self.handler.client
        while not client.closed:
            client.wss_uri = url
            try:
                await asyncio.wait_for(client.connect(), CONNECT_TIMEOUT)
                logger.info("Connected to Slack in Socket Mode")
                return
            except TimeoutError:
                logger.warning("Could not connect to Slack in Socket Mode yet; trying again")
                url = None

    def wait_connected(self, timeout: float) -> None:
        """Wait until the first connection is up (raises TimeoutError)."""
        assert self.connecting is not None, "start() first"
        self.connecting.result(timeout)

    def connected(self) -> bool:
        if self.handler is None or not self.thread.is_alive():
            return False
        try:
            return bool(self._run(self.handler.client.is_connected()).result(2))
        except Exception:
            return False

    def close(self) -> None:
        if self.handler is not None and self.thread.is_alive():
            handler = self.handler
            try:
                self._run(handler.close_async()).result(10)
            except Exception:
                logger.warning("The Socket Mode connection did not close cleanly", exc_info=True)
            handler.dispatchers.shutdown(wait=True, cancel_futures=True)
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()

    def _run(self, coroutine: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)


def serve_socket_mode(bot: Bot, scheduler: Any | None = None) -> int:
    """Run the bot in Socket Mode until SIGINT (Ctrl+C) or SIGTERM: the connection to
    Slack, and the operator's endpoints (/healthz, /readyz, /metrics) on PORT. On a
    signal the connection is closed cleanly, then the endpoints; returns 0."""
    settings = bot.settings
    assert settings.slack_app_token is not None
    connection = SocketModeConnection(
        bot.app, settings.slack_app_token, bot.client, bot.metrics.timed(bot.app.dispatch)
    )
    stopping = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stopping.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    server = make_server(
        build_operations_app(bot, scheduler=scheduler, socket=connection.connected),
        "0.0.0.0",
        settings.port,
    )
    serving = threading.Thread(
        target=serve_until_stopped, args=[server, stopping], name="operations"
    )
    try:
        logger.info("Sounding Board is connecting to Slack in Socket Mode")
        connection.start()
        serving.start()
        logger.info("Health, readiness and metrics at http://0.0.0.0:%s/", settings.port)
        stopping.wait()
        logger.info("Stopping: closing the Socket Mode connection")
    finally:
        connection.close()
        close_server(server)
        if serving.is_alive():
            serving.join(timeout=10)
        if scheduler is not None:
            stop_scheduler(scheduler, bot.reminders)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    logger.info("Stopped")
    return 0
