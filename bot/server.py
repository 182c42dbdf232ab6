"""HTTP mode: Slack's requests at POST /slack/events, through the door (bot/door.py) to
Bolt, and the operator's endpoints (GET /healthz, /readyz, /metrics: bot/health.py and
bot/metrics.py), served by waitress (a production WSGI server). In Socket Mode the same
operator's endpoints are served alone (`build_operations_app`).

`serve` runs it until SIGTERM or SIGINT, then stops gracefully: it stops accepting
connections (the load balancer sends Slack's next requests to another process), answers
the requests in hand and lets their listeners finish what they acknowledged, stops the
reminder pass after the message in hand (handing the rest of its claims back, for
another process to send at its next pass), and exits 0; all within `STOP_GRACE`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from flask import Flask, Response, request
from slack_bolt.adapter.flask import SlackRequestHandler
from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot.door import MAX_BODY_BYTES, Door
from bot.health import Health, SlackCheck
from bot.wiring import Bot
from scheduling.scheduler import stop_scheduler

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 8
STOP_GRACE = 25.0
"""Seconds a stopping process gives the work in hand (Kubernetes kills it after 30)."""


def build_web_app(bot: Bot, *, scheduler: Any | None = None) -> Flask:
    web = build_operations_app(bot, scheduler=scheduler)
    door = Door(bot.app, bot.settings.slack_signing_secret, bot.metrics.timed(bot.app.dispatch))

    @web.post(EVENTS_PATH)
    def slack_events() -> Response | tuple[str, int]:
        return door(request)

    if bot.app.oauth_flow is not None:
        installing = SlackRequestHandler(bot.app)
        flow = bot.app.oauth_flow

        @web.get(flow.install_path)
        def install() -> Response:
            return installing.handle(request)

        @web.get(flow.redirect_uri_path)
        def oauth_redirect() -> Response:
            return installing.handle(request)

    return web


def build_operations_app(
    bot: Bot,
    *,
    scheduler: Any | None = None,
    socket: Any | None = None,
) -> Flask:
    """GET /healthz, /readyz and /metrics. `scheduler` is the started APScheduler (when
    SCHEDULER is on); `socket`, in Socket Mode, says whether the connection is up."""
    web = Flask("sounding_board")
    health = Health(
        engine=bot.engine,
        slack=SlackCheck.for_client(bot.client),
        scheduler_expected=bot.settings.scheduler_enabled,
        scheduler=scheduler,
        socket=socket,
    )

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        return health.live()

    @web.get("/readyz")
    def readyz() -> tuple[dict[str, Any], int]:
        return health.ready()

    @web.get("/metrics")
    def metrics() -> Response:
        body, content_type = bot.metrics.exposition(request.args.getlist("name[]"))
        return Response(body, content_type=content_type)

    return web


def make_server(web: Flask, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server; `port=0` picks a free port (see `.effective_port`). waitress
    refuses a body of `max_request_body_size` bytes or more, unread, with 413."""
    return create_server(
        web,
        host=host,
        port=port,
        threads=SERVER_THREADS,
        ident="sounding-board",
        max_request_body_size=MAX_BODY_BYTES + 1,
    )


def close_server(server: BaseWSGIServer | MultiSocketServer) -> None:
    """Close the listening sockets and every open connection, and stop waitress's worker
    threads: its own `close()` leaves them running, and with them the web app and all
    it holds (the Bolt app, the engine), for as long as the process lives."""
    server.close()
    if isinstance(server, BaseWSGIServer):
        wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()


def serve(bot: Bot, scheduler: Any | None = None, host: str = "0.0.0.0") -> int:
    """Serve Slack and the operator's endpoints on PORT until SIGTERM or SIGINT, then stop
    as the module says; returns 0."""
    stopping = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stopping.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    server = make_server(build_web_app(bot, scheduler=scheduler), host, bot.settings.port)
    serving = threading.Thread(
        target=serve_until_stopped, args=[server, stopping], name="waitress", daemon=True
    )
    try:
        serving.start()
        logger.info(
            "Sounding Board is listening on http://%s:%s%s", host, bot.settings.port, EVENTS_PATH
        )
        stopping.wait()
        deadline = time.monotonic() + STOP_GRACE
        if scheduler is not None:
            bot.reminders.stop()
        logger.info("Stopping: finishing the requests in hand")
        stop_accepting(server)
        if not wait_answered(server, deadline):
            logger.warning("Stopping with requests still unanswered after %.0f s", STOP_GRACE)
        if not bot.listeners.wait_idle(max(0.0, deadline - time.monotonic())):
            logger.warning("Stopping with listeners still at work after %.0f s", STOP_GRACE)
        if scheduler is not None:
            stop_scheduler(scheduler, bot.reminders)
    finally:
        close_server(server)
        serving.join(timeout=5)
        bot.listeners.shutdown(wait=False, cancel_futures=True)
        bot.engine.dispose()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    logger.info("Stopped")
    return 0


def serve_until_stopped(
    server: BaseWSGIServer | MultiSocketServer, stopping: threading.Event
) -> None:
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise


def _listeners(server: BaseWSGIServer | MultiSocketServer) -> list[BaseWSGIServer]:
    if isinstance(server, MultiSocketServer):
        return [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
    return [server]


def stop_accepting(server: BaseWSGIServer | MultiSocketServer) -> None:
    """Close the listening sockets, on waitress's own loop (through its trigger), so new
    connections are refused while the open ones are still served."""
    closed = threading.Event()

    def close_listeners() -> None:
        for listener in _listeners(server):
            wasyncore.dispatcher.close(listener)
        closed.set()

    _listeners(server)[0].trigger.pull_trigger(close_listeners)
    closed.wait(5)


def wait_answered(server: BaseWSGIServer | MultiSocketServer, deadline: float) -> bool:
    """Wait until no open connection has a request being received, served or answered
    (waitress's channels: `request` half read, `requests` queued or in service, bytes of
    an answer not yet sent); False if some still have at `deadline` (time.monotonic)."""
    while True:
        channels = [
            channel
            for listener in _listeners(server)
            for channel in list(listener.active_channels.values())
        ]
        busy = [
            channel
            for channel in channels
            if channel.requests or channel.request is not None or channel.total_outbufs_len
        ]
        if not busy:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
