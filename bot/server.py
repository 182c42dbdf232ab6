"""HTTP mode: Slack's requests at POST /slack/events, through the door (bot/door.py) to
Bolt, and the operator's endpoints (GET /healthz, /readyz, /metrics: bot/health.py and
bot/metrics.py), served by waitress (a production WSGI server). In Socket Mode the same
operator's endpoints are served alone (`build_operations_app`)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from slack_bolt.adapter.flask import SlackRequestHandler
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot.door import MAX_BODY_BYTES, Door
from bot.health import Health, SlackCheck
from bot.wiring import Bot

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 8


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
        body, content_type = bot.metrics.exposition()
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
