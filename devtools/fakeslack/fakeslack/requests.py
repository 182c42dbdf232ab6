"""Requests to the bot exactly as Slack sends them: payload shapes, signing, posting.

The one set of payload factories and the one signed-request sender, for the tests, the
benchmarks and the sandbox. The shapes follow Slack's documented payloads. Signing
timestamps use real time, because the bot verifies them against `time.time()` whatever
a test's or the sandbox's clock says.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

APP_ID = "A0SOUNDING"
TOKEN = "legacy-verification-token"
"""The verification token Slack still sends; the bot checks signatures, never this."""
DOMAIN = "program"
_sequence = itertools.count(1)


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, remembering what it started, so the sandbox (and the
    tests) can show the result of a click once every listener it started has finished."""

    def __init__(self, max_workers: int = 10) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt-listener")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def drain(self, timeout: float = 30) -> None:
        while True:
            with self._lock:
                pending = [future for future in self._futures if not future.done()]
                self._futures = pending
            if not pending:
                return
            for future in pending:
                future.exception(timeout=timeout)


@dataclass
class Response:
    """The bot's answer: status, body and headers."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body as JSON (None when empty); raises ValueError when it is not JSON."""
        return json.loads(self.body) if self.body else None


# -- payloads ---------------------------------------------------------------------------


def _user(user: str, team: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "team_id": team}


def _team(team: str, enterprise: str | None) -> dict[str, Any]:
    grid = {"enterprise_id": enterprise, "enterprise_name": enterprise} if enterprise else {}
    return {"id": team, "domain": DOMAIN, **grid}


def _enterprise(enterprise: str | None) -> dict[str, Any]:
    """An interaction from a workspace of an Enterprise Grid organisation names it."""
    if enterprise is None:
        return {}
    return {"enterprise": {"id": enterprise, "name": enterprise}, "is_enterprise_install": False}


def command(
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
    """A slash command's form fields. `enterprise`: the Enterprise Grid organisation of
    the workspace, if any (Slack names it in every payload from such a workspace)."""
    grid = {"enterprise_id": enterprise, "enterprise_name": enterprise} if enterprise else {}
    return {
        **grid,
        "token": TOKEN,
        "team_id": team,
        "team_domain": DOMAIN,
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else channel.lower(),
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def action(
    action_id: str,
    *,
    value: str | None = None,
    block_id: str = "actions",
    selected_option: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`actions[0]` of a click on a button, or of a choice in a static select."""
    clicked: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button" if selected_option is None else "static_select",
    }
    if value is not None:
        clicked["value"] = value
    if selected_option is not None:
        clicked["selected_option"] = selected_option
    return clicked


def block_actions(
    *,
    user: str,
    team: str,
    action: dict[str, Any],
    trigger_id: str = "",
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    channel: str | None = None,
    response_url: str | None = None,
    container: dict[str, Any] | None = None,
    enterprise: str | None = None,
) -> dict[str, Any]:
    """A click in a view or a message. The container is the view's or the message's
    unless given (an ephemeral message's, which Slack does not send back)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": _team(team, enterprise),
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": TOKEN,
        "trigger_id": trigger_id,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
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
    if container is not None:
        payload["container"] = container
    if channel is not None:
        payload["channel"] = {"id": channel}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(
    *,
    user: str,
    team: str,
    view: dict[str, Any],
    values: dict[str, Any],
    trigger_id: str = "",
    enterprise: str | None = None,
) -> dict[str, Any]:
    """A modal submitted with `values` entered (by block_id; see `view_state`)."""
    return {
        **_enterprise(enterprise),
        "type": "view_submission",
        "team": _team(team, enterprise),
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": TOKEN,
        "trigger_id": trigger_id or f"{next(_sequence)}.view-submission",
        "view": {**view, "state": view_state(view, values)},
    }


def view_closed(*, user: str, team: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": _team(team, None),
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": TOKEN,
        "view": view,
        "is_cleared": False,
    }


def event(*, team: str, event: dict[str, Any], enterprise: str | None = None) -> dict[str, Any]:
    """An Events API callback, as Slack posts it (JSON body)."""
    grid = {"enterprise_id": enterprise} if enterprise else {}
    return {
        **grid,
        "authorizations": [
            {"enterprise_id": enterprise, "team_id": team, "is_enterprise_install": False}
        ],
        "token": TOKEN,
        "team_id": team,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": f"Ev{next(_sequence):08d}",
        "event_time": int(time.time()),
        "event": event,
    }


def _input_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The state Slack reports for one input element holding `value`."""
    kind = element["type"]
    options = {option["value"]: option for option in element.get("options", [])}
    if kind in {"checkboxes", "multi_static_select"}:
        chosen = value if isinstance(value, list) else [value] if value else []
        return {"type": kind, "selected_options": [options[v] for v in chosen]}
    if kind in {"static_select", "radio_buttons"}:
        return {"type": kind, "selected_option": options[value] if value else None}
    if kind == "users_select":
        return {"type": kind, "selected_user": value or None}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value or None}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value or None}
    return {"type": kind, "value": value if value not in ("", None) else None}


def view_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`state` for `view` as if the user had entered `values` (by block_id); inputs not
    mentioned keep their initial value, as in Slack."""
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        if block["block_id"] in values:
            value = values[block["block_id"]]
        elif "initial_options" in element:
            value = [option["value"] for option in element["initial_options"]]
        elif "initial_option" in element:
            value = element["initial_option"]["value"]
        elif "initial_date" in element:
            value = element["initial_date"]
        elif "initial_user" in element:
            value = element["initial_user"]
        elif "initial_users" in element:
            value = element["initial_users"]
        elif "initial_conversation" in element:
            value = element["initial_conversation"]
        else:
            value = element.get("initial_value", "")
        state[block["block_id"]] = {element["action_id"]: _input_state(element, value)}
    return {"values": state}


# -- posting ----------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def interactive_body(payload: Any) -> str:
    """A button click's or a modal submission's body: the payload as form-encoded JSON."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


class Sender:
    """Signs and posts payloads to the bot, then waits for the listeners the request
    started (when given the bot's `TrackingExecutor`)."""

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
        content_type: str = FORM,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """`timestamp`, `signature` and `headers` override what Slack would send."""
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
        self._wait_for_listeners()
        return response

    def form(self, fields: dict[str, str], **kwargs: Any) -> Response:
        return self.post(urllib.parse.urlencode(fields), **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(interactive_body(payload), **kwargs)

    def event(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(json.dumps(payload), content_type="application/json", **kwargs)

    def send(self, body: bytes, headers: Mapping[str, str | bytes], **kwargs: Any) -> Response:
        """POST exactly `body` with exactly `headers` (see `post_raw`), then wait for the
        listeners to finish."""
        response = post_raw(self.url, body, headers, **kwargs)
        self._wait_for_listeners()
        return response

    def _wait_for_listeners(self) -> None:
        if self.executor is not None:
            self.executor.drain()


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
