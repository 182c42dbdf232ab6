"""Requests to the bot exactly as Slack sends them: payload shapes, signing, posting.

The shapes follow Slack's documented payloads (and tests/support/slack.py, which the
sandbox may not import). Signing timestamps use real time, because the bot verifies them
against `time.time()` whatever the sandbox's clock says.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

APP_ID = "A0SOUNDING"
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
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def _user(user: str, team: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "team_id": team}


def command(
    *, command: str, user: str, team: str, text: str, channel: str, trigger_id: str,
    response_url: str,
) -> dict[str, str]:  # fmt: skip
    return {
        "token": "sandbox-verification-token",
        "team_id": team,
        "team_domain": "sandbox",
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


def block_actions(
    *,
    user: str,
    team: str,
    action: dict[str, Any],
    trigger_id: str,
    container: dict[str, Any],
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    channel: str | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": "sandbox-verification-token",
        "container": container,
        "trigger_id": trigger_id,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    if view is not None:
        payload["view"] = view
    if message is not None:
        payload["message"] = message
    if channel is not None:
        payload["channel"] = {"id": channel}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(
    *, user: str, team: str, view: dict[str, Any], state: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": "sandbox-verification-token",
        "trigger_id": trigger_id,
        "view": {**view, "state": state},
    }


def view_closed(*, user: str, team: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": "sandbox-verification-token",
        "view": view,
        "is_cleared": False,
    }


def event(*, team: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "sandbox-verification-token",
        "team_id": team,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": f"Ev{next(_sequence):08d}",
        "event_time": int(time.time()),
        "event": body,
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


class Sender:
    """Signs and posts to the bot, then waits for the listeners the request started."""

    def __init__(self, url: str, signing_secret: str, executor: TrackingExecutor) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.executor = executor

    def post(self, body: str, content_type: str) -> Reply:
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": self.verifier.generate_signature(
                    timestamp=timestamp, body=body
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                reply = Reply(answer.status, answer.read().decode())
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, error.read().decode())
        self.executor.drain()
        return reply

    def form(self, fields: dict[str, str]) -> Reply:
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded")

    def interactive(self, payload: dict[str, Any]) -> Reply:
        return self.form({"payload": json.dumps(payload)})

    def event(self, payload: dict[str, Any]) -> Reply:
        return self.post(json.dumps(payload), "application/json")
