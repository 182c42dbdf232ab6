"""HTTP mode: Slack's requests at POST /slack/events, through the door (bot/door.py) to
Bolt, and a health check at GET /healthz, served by waitress (a production WSGI server)."""

from __future__ import annotations

from flask import Flask, Response, request
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot.door import MAX_BODY_BYTES, Door
from bot.wiring import Bot
from storage.db import database_answers

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 8


def build_web_app(bot: Bot) -> Flask:
    web = Flask("sounding_board")
    door = Door(bot.app, bot.settings.slack_signing_secret)

    @web.post(EVENTS_PATH)
    def slack_events() -> Response | tuple[str, int]:
        return door(request)

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        if database_answers(bot.engine):
            return {"status": "ok"}, 200
        return {"status": "database unavailable"}, 503

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
