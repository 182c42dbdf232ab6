"""Talking to the bot the way Slack does: signed HTTP requests built by keyword factories.

`SlackUser` sends a slash command, a button click or a modal submission to the running
bot's `POST /slack/events`, signed with the app's signing secret, and then waits until
every listener the request started has finished (no sleeps: it waits on their futures).
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

from fakeslack.requests import TrackingExecutor, view_state

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
    enterprise: str | None = None,
) -> dict[str, str]:
    """`enterprise`: the Enterprise Grid organisation of the workspace, if any (Slack
    names it in every payload from such a workspace)."""
    grid = {"enterprise_id": enterprise, "enterprise_name": enterprise} if enterprise else {}
    return {
        **grid,
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
    enterprise: str | None = None,
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
        "team": _team(team, enterprise),
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0SOUNDING",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id,
        "actions": [action],
        **_enterprise(enterprise),
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
    *,
    user: str,
    team: str,
    view: dict[str, Any],
    values: dict[str, Any],
    trigger_id: str = "",
    enterprise: str | None = None,
) -> dict[str, Any]:
    submitted = dict(view)
    submitted["state"] = view_state(view, values)
    return {
        **_enterprise(enterprise),
        "type": "view_submission",
        "team": _team(team, enterprise),
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0SOUNDING",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or f"{next(_sequence)}.view-submission",
        "view": submitted,
    }


def _team(team: str, enterprise: str | None) -> dict[str, Any]:
    grid = {"enterprise_id": enterprise, "enterprise_name": enterprise} if enterprise else {}
    return {"id": team, "domain": "program", **grid}


def _enterprise(enterprise: str | None) -> dict[str, Any]:
    """An interaction from a workspace of an Enterprise Grid organisation names it."""
    if enterprise is None:
        return {}
    return {"enterprise": {"id": enterprise, "name": enterprise}, "is_enterprise_install": False}


class SlackSender:
    """Signs and posts payloads to the bot, then waits for the listeners to finish."""

    def __init__(
        self, url: str, signing_secret: str, executor: TrackingExecutor | None = None
    ) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.executor = executor
        self.last_sent = ""
        """The last body posted, decoded: what the request itself carried."""

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
        self.last_sent = urllib.parse.unquote_plus(body)
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
        return self.post(interactive_body(payload), **kwargs)

    def send(self, body: bytes, headers: Mapping[str, str | bytes], **kwargs: Any) -> Response:
        """POST exactly `body` with exactly `headers` (see `post_raw`), then wait for the
        listeners to finish."""
        response = post_raw(self.url, body, headers, **kwargs)
        if self.executor is not None:
            self.executor.drain()
        return response


def interactive_body(payload: Any) -> str:
    """A button click's or a modal submission's body: the payload as form-encoded JSON."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def post_raw(
    url: str, body: bytes, headers: Mapping[str, str | bytes], *, timeout: float = 30
) -> Response:
    """POST `body` with exactly `headers`, nothing added but Content-Length (unless given):
    no signing, and a header value given as bytes goes on the wire as it is (so it can be
    UTF-8, which urllib would refuse). Announcing a Content-Length and sending a shorter
    body is allowed: the server may answer before the body arrives."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.putrequest("POST", parts.path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if not any(name.lower() == "content-length" for name in headers):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        reply = connection.getresponse()
        return Response(reply.status, reply.read().decode("utf-8", "replace"), dict(reply.headers))
    finally:
        connection.close()


def get(url: str, *, timeout: float = 10) -> tuple[int, str]:
    """GET `url`: the status and the body, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def make_event(
    *, team: str, event: dict[str, Any], enterprise: str | None = None
) -> dict[str, Any]:
    """An Events API callback, as Slack posts it (JSON body)."""
    grid = {"enterprise_id": enterprise} if enterprise else {}
    return {
        **grid,
        "authorizations": [
            {"enterprise_id": enterprise, "team_id": team, "is_enterprise_install": False}
        ],
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0SOUNDING",
        "type": "event_callback",
        "event_id": f"Ev{next(_sequence):08d}",
        "event_time": int(time.time()),
        "event": event,
    }
