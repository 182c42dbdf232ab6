"""Talking to the bot the way Slack does: signed HTTP requests built by keyword factories.

`SlackUser` sends a slash command, a button click or a modal submission to the running
bot's `POST /slack/events`, signed with the app's signing secret, and then waits until
every listener the request started has finished (no sleeps: it waits on their futures).
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

from sandbox.slack_requests import TrackingExecutor, view_state

_sequence = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def make_command(
    *,
    command: str,
    user: str,
    team: str,
    text: str = "",
    trigger_id: str = "",
    response_url: str = "",
    channel: str = "D0DM",
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "program",
        "channel_id": channel,
        "channel_name": "directmessage",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0SOUNDING",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def make_block_actions(
    *,
    user: str,
    team: str,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    trigger_id: str = "",
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    channel: str | None = None,
    response_url: str | None = None,
    selected_option: dict[str, Any] | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button" if selected_option is None else "static_select",
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    if selected_option is not None:
        action["selected_option"] = selected_option
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "program"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0SOUNDING",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    if message is not None:
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
        }
        payload["message"] = message
        payload["channel"] = {"id": channel}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def make_view_submission(
    *, user: str, team: str, view: dict[str, Any], values: dict[str, Any], trigger_id: str = ""
) -> dict[str, Any]:
    submitted = dict(view)
    submitted["state"] = view_state(view, values)
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "program"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0SOUNDING",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or f"{next(_sequence)}.view-submission",
        "view": submitted,
    }


class SlackSender:
    """Signs and posts payloads to the bot, then waits for the listeners to finish."""

    def __init__(
        self, url: str, signing_secret: str, executor: TrackingExecutor | None = None
    ) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.executor = executor

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        if signature is None:
            signature = self.verifier.generate_signature(timestamp=str(timestamp), body=body)
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": signature,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                response = Response(reply.status, reply.read().decode(), dict(reply.headers))
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.read().decode(), dict(error.headers))
        if self.executor is not None:
            self.executor.drain()
        return response

    def form(self, fields: dict[str, str], **kwargs: Any) -> Response:
        return self.post(urllib.parse.urlencode(fields), **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.form({"payload": json.dumps(payload)}, **kwargs)


def make_event(*, team: str, event: dict[str, Any]) -> dict[str, Any]:
    """An Events API callback, as Slack posts it (JSON body)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0SOUNDING",
        "type": "event_callback",
        "event_id": f"Ev{next(_sequence):08d}",
        "event_time": int(time.time()),
        "event": event,
    }
