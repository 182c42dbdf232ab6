"""Socket Mode, against a local stand-in of Slack's Socket Mode service
(tests/support/socket_slack.py) that the fake Web API's apps.connections.open points to.

The bot answers commands, clicks and modal submissions over the socket; keeps Slack's
deadline through Slack's routine connection refresh; comes back after a connection is
reset or silently dies, and answers what was sent meanwhile; and `python -m bot` in
Socket Mode serves its health endpoints and stops cleanly on SIGINT and SIGTERM.
Nothing here times anything: each step waits (with a generous limit) for what it needs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.server import build_operations_app
from bot.settings import Settings
from bot.socket_mode import SocketModeConnection
from bot.wiring import Bot, assemble
from handlers import ids
from storage.models import LearnerProfile

from fakeslack import FakeSlack
from fakeslack import requests as slack
from fakeslack.requests import TrackingExecutor
from support.harness import latest_view, typed_command
from support.socket_slack import APP_TOKEN, Envelope, SocketModeService
from support.workspace import BOT_TOKEN, LEARNER, SIGNING_SECRET, TEAM, learner_form_values

ROOT = Path(__file__).parent.parent


@dataclass
class SocketBot:
    """The assembled bot connected in Socket Mode, and the two halves of the fake Slack."""

    bot: Bot
    connection: SocketModeConnection
    service: SocketModeService
    fake: FakeSlack
    executor: TrackingExecutor

    def answered(self, envelope: Envelope) -> Envelope:
        """Wait for the acknowledgement, then for the listeners it started."""
        assert envelope.wait(30), f"envelope {envelope.type} was not acknowledged"
        self.executor.drain()
        return envelope

    def command(self, name: str, user: str, text: str = "") -> Envelope:
        return self.service.command(typed_command(self.fake, name, user, text))

    def click_in_view(self, action_id: str, user: str, view: dict[str, Any]) -> Envelope:
        """Click the button `action_id` in the modal `view` as Slack sends it."""
        for block in view["blocks"]:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element["action_id"] == action_id:
                    return self.service.interactive(
                        slack.block_actions(
                            user=user,
                            team=TEAM,
                            action=slack.action(
                                action_id, value=element.get("value"), block_id=block["block_id"]
                            ),
                            trigger_id=self.fake.issue_trigger_id(view["id"]),
                            view=view,
                        )
                    )
        raise AssertionError(f"no {action_id} button in the modal")

    def submit(self, view: dict[str, Any], user: str, values: dict[str, Any]) -> Envelope:
        payload = slack.view_submission(
            user=user, team=TEAM, view=view, values=values, trigger_id=self.fake.issue_trigger_id()
        )
        return self.service.interactive(payload)

    def opened_view(self) -> dict[str, Any]:
        return latest_view(self.fake)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the transport is what is under test here."""
    return f"sqlite:///{tmp_path / 'program.db'}"


@pytest.fixture
def service(fake_slack: FakeSlack) -> Iterator[SocketModeService]:
    with SocketModeService() as started:
        started.attach(fake_slack)
        yield started


@pytest.fixture
def socket_bot(
    settings: Settings, fake_slack: FakeSlack, service: SocketModeService
) -> Iterator[SocketBot]:
    executor = TrackingExecutor()
    assembled = assemble(
        replace(settings, slack_app_token=service.app_token), listener_executor=executor
    )
    connection = SocketModeConnection(
        assembled.app,
        service.app_token,
        assembled.client,
        assembled.metrics.timed(assembled.app.dispatch),
    )
    connection.start()
    try:
        connection.wait_connected(timeout=30)
        yield SocketBot(assembled, connection, service, fake_slack, executor)
    finally:
        connection.close()
        executor.drain()
        executor.shutdown(wait=True)
        assembled.engine.dispose()


# -- the fake Web API's apps.connections.open -------------------------------------------


def test_a_socket_url_is_given_only_for_the_app_level_token_in_the_header(
    fake_slack: FakeSlack, service: SocketModeService
) -> None:
    def refusal(client: WebClient, **kwargs: Any) -> str:
        with pytest.raises(SlackApiError) as refused:
            client.api_call("apps.connections.open", http_verb="POST", **kwargs)
        return str(refused.value.response["error"])

    anonymous = WebClient(base_url=fake_slack.url)
    assert refusal(WebClient(token=BOT_TOKEN, base_url=fake_slack.url)) == "not_allowed_token_type"
    assert refusal(WebClient(token="xapp-1-A0-1-forged", base_url=fake_slack.url)) == "invalid_auth"
    assert refusal(anonymous, data={"token": service.app_token}) == "not_authed"
    assert refusal(anonymous) == "not_authed"

    url = WebClient(base_url=fake_slack.url).apps_connections_open(app_token=service.app_token)[
        "url"
    ]
    assert urllib.parse.urlsplit(url).scheme == "ws"
    assert "ticket=" in url


def test_without_socket_mode_the_app_token_gets_no_url(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=fake_slack.url).apps_connections_open(app_token=APP_TOKEN)
    assert refused.value.response["error"] == "invalid_auth"


def test_a_ticket_opens_one_connection_only(
    fake_slack: FakeSlack, service: SocketModeService
) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = WebClient(base_url=fake_slack.url).apps_connections_open(app_token=service.app_token)[
        "url"
    ]
    with connect(url) as first:
        hello = json.loads(first.recv(timeout=10))
        assert hello["type"] == "hello"
        assert hello["connection_info"]["app_id"] == service.app_id
        with pytest.raises(InvalidStatus) as refused:
            connect(url)
        assert refused.value.response.status_code == 401


# -- answering over the socket -------------------------------------------------------------


def test_a_command_is_answered_in_its_acknowledgement(socket_bot: SocketBot) -> None:
    envelope = socket_bot.answered(socket_bot.command(ids.COACHING_HELP.name, LEARNER))

    assert envelope.response is not None
    assert envelope.response["response_type"] == "ephemeral"
    for command in ids.COMMANDS:
        assert command.name in envelope.response["text"]
    assert not envelope.late


def test_a_command_a_click_and_a_submission_over_the_socket(socket_bot: SocketBot) -> None:
    socket_bot.answered(socket_bot.command(ids.PROFILE.name, LEARNER))
    summary = socket_bot.opened_view()
    assert summary["callback_id"] == ids.PROFILE_SUMMARY_VIEW

    socket_bot.answered(socket_bot.click_in_view(ids.EDIT_LEARNER, LEARNER, summary))
    form = socket_bot.opened_view()
    assert form["callback_id"] == ids.LEARNER_FORM_VIEW

    submitted = socket_bot.answered(socket_bot.submit(form, LEARNER, learner_form_values()))
    assert submitted.response in (None, {})
    with socket_bot.bot.runtime.sessions() as session:
        learner = session.scalars(select(LearnerProfile)).one()
        assert learner.person.department == "Public Works"


def test_a_refused_submission_shows_its_field_errors_over_the_socket(
    socket_bot: SocketBot,
) -> None:
    socket_bot.answered(socket_bot.command(ids.PROFILE.name, LEARNER, "learner"))
    form = socket_bot.opened_view()

    refused = socket_bot.answered(
        socket_bot.submit(form, LEARNER, learner_form_values(email="not an address"))
    )

    assert refused.response is not None
    assert refused.response["response_action"] == "errors"
    assert "email" in refused.response["errors"]


def test_an_event_is_acknowledged_and_handled(socket_bot: SocketBot) -> None:
    event = slack.event(
        team=TEAM, event={"type": "app_home_opened", "user": LEARNER, "tab": "home"}
    )
    socket_bot.answered(socket_bot.service.event(event))

    assert socket_bot.fake.home(LEARNER) is not None


# -- Slack's connection refresh and dropped connections ----------------------------------


def test_through_a_refresh_every_command_is_answered_within_slacks_deadline(
    socket_bot: SocketBot,
) -> None:
    service = socket_bot.service
    before = [socket_bot.command(ids.COACHING_HELP.name, LEARNER) for _ in range(3)]
    old = service.refresh()
    during = [socket_bot.command(ids.COACHING_HELP.name, LEARNER) for _ in range(10)]

    sent = before + during
    for envelope in sent:
        socket_bot.answered(envelope)
    assert [e for e in sent if e.late] == []
    new = service.wait_for_link(after=old)
    assert {e.link for e in during} == {new.number}
    assert service.wait_closed(old), "the app never let go of the refreshed connection"
    assert service.stray == []


@pytest.mark.parametrize("how", ["reset", "silent"])
def test_a_command_sent_right_after_a_drop_is_answered_once_reconnected(
    socket_bot: SocketBot, how: str
) -> None:
    service = socket_bot.service
    old = service.drop() if how == "reset" else service.go_silent()

    envelope = socket_bot.answered(socket_bot.command(ids.COACHING_HELP.name, LEARNER))

    assert envelope.link is not None and envelope.link > old.number
    assert envelope.response is not None and envelope.response["response_type"] == "ephemeral"
    assert socket_bot.connection.connected()


def test_readiness_follows_the_connection(socket_bot: SocketBot) -> None:
    connection = socket_bot.connection
    web = build_operations_app(socket_bot.bot, socket=connection.connected).test_client()

    ready = web.get("/readyz")
    assert (ready.status_code, ready.json["checks"]["socket_mode"]) == (200, "ok")

    connection.close()
    gone = web.get("/readyz")
    assert (gone.status_code, gone.json["checks"]["socket_mode"]) == (503, "not connected")
    assert web.get("/healthz").status_code == 200


# -- python -m bot in Socket Mode ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spawn(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _bot_env(fake: FakeSlack, app_token: str, port: int, tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'socket.db'}",
        "PORT": str(port),
        "SCHEDULER": "on",
        "LOG_FORMAT": "json",
    }


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_python_m_bot_in_socket_mode_answers_serves_health_and_stops_cleanly(
    fake_slack: FakeSlack, service: SocketModeService, tmp_path: Path, stop: signal.Signals
) -> None:
    port = _free_port()
    process = _spawn(_bot_env(fake_slack, service.app_token, port, tmp_path), tmp_path)
    try:
        link = service.current(timeout=60)
        envelope = service.command(
            slack.command(command=ids.COACHING_HELP.name, user=LEARNER, team=TEAM)
        )
        assert envelope.wait(30)
        assert envelope.response is not None and envelope.response["response_type"] == "ephemeral"

        base = f"http://127.0.0.1:{port}"
        status, body = slack.get(base + "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = slack.get(base + "/readyz")
        assert (status, json.loads(body)["status"]) == (200, "ready"), body
        assert json.loads(body)["checks"]["socket_mode"] == "ok"
        status, metrics = slack.get(base + "/metrics")
        assert status == 200
        assert (
            'sounding_board_slack_requests_total{kind="/coaching-help",status="200"} 1.0' in metrics
        )
        assert slack.get(base + "/slack/events")[0] == 404

        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
        assert service.wait_closed(link, timeout=10)
        assert link.dropped is None
    finally:
        if process.poll() is None:
            process.kill()
        _, stderr = process.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["message"] == "Stopped" for line in lines)
    assert service.app_token not in stderr and BOT_TOKEN not in stderr
    assert not any(line["level"] == "ERROR" for line in lines), stderr


def test_a_refused_app_token_stops_start_up_in_one_line(
    fake_slack: FakeSlack, service: SocketModeService, tmp_path: Path
) -> None:
    env = _bot_env(fake_slack, "xapp-1-A0-1-not-this-app", _free_port(), tmp_path)
    env["LOG_FORMAT"] = "text"
    process = _spawn(env, tmp_path)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 2
    assert (
        stderr.strip()
        .splitlines()[-1]
        .startswith("sounding-board: SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
    )
    assert "Traceback" not in stderr
    assert service.links == []
