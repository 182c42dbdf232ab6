"""HTTP mode: Slack's requests at POST /slack/events, a health check at GET /healthz,
served by waitress (a production WSGI server) through Bolt's Flask adapter."""

from __future__ import annotations

from flask import Flask, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from sqlalchemy import Engine
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from storage.db import database_answers

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 8


def build_web_app(bolt_app: App, engine: Engine) -> Flask:
    web = Flask("sounding_board")
    slack = SlackRequestHandler(bolt_app)

    @web.post(EVENTS_PATH)
    def slack_events() -> Response | tuple[str, int]:
        if not request.headers.get("X-Slack-Request-Timestamp", "").isdigit():
            return "invalid request", 401
        return slack.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        if database_answers(engine):
            return {"status": "ok"}, 200
        return {"status": "database unavailable"}, 503

    return web


def make_server(web: Flask, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server; `port=0` picks a free port (see `.effective_port`)."""
    return create_server(web, host=host, port=port, threads=SERVER_THREADS, ident="sounding-board")
