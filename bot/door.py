"""The door of `POST /slack/events`: what every request passes before Bolt sees it.

A refused request is answered at once and nothing else happens (no row, no call to
Slack, nothing of its body in the log):

- **413** for a body over `MAX_BODY_BYTES`. waitress refuses it itself, unread
  (`bot.server.make_server`); behind any other WSGI server `read_body` does: a
  Content-Length over the limit is refused unread, and a streamed (chunked) body is read
  no further than one byte past the limit. (Flask's MAX_CONTENT_LENGTH would cut a
  streamed body at the limit without saying so, and its remains would then fail the
  signature with 401.)
- **401** for a request Slack did not sign: a timestamp that is not 1 to 12 ASCII digits
  (`int()` would take `²`, `٣`, ` 1`, `+1` and `1_0`, and `str.isdigit()` takes `²`), a
  signature that is not `v0=` and 64 hex digits, a body that is not UTF-8, or, by
  slack_sdk's `SignatureVerifier`, a timestamp more than five minutes from the machine's
  clock or a signature that does not match the body. The machine's clock, not the
  program's (`Runtime.clock`): Slack signs with the real time, and the sandbox moves
  the program's clock on by days.
- **400** for a signed body that is not a request this bot serves (see `problem`).

Bolt's own request verification is off (`bot.app.build_app`) because this door does it;
Bolt's verifier would also log every refused body whole.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import Request, Response
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_sdk.signature import SignatureVerifier

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""The largest body served. The largest a person can send, the coach form opened
pre-filled and submitted with every long answer at its length limit in emoji (which
JSON-escaped and form-encoded take 16 bytes each), is about 500 kB
(tests/test_door.py measures it)."""

TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed"})


class Door:
    """Checks a request as described above, then hands it to Bolt."""

    def __init__(
        self,
        bolt_app: App,
        signing_secret: str,
        dispatch: Callable[[BoltRequest], BoltResponse] | None = None,
    ) -> None:
        self.bolt_app = bolt_app
        self.dispatch = dispatch or bolt_app.dispatch
        """How a checked request reaches Bolt (`bot.metrics.Metrics.timed` wraps it)."""
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, request: Request) -> Response | tuple[str, int]:
        raw = read_body(request)
        if raw is None:
            return "request too large", 413
        text = self.signed_text(raw, request.headers)
        if text is None:
            logger.info("Refused a request that Slack did not sign (or signed too long ago)")
            return "invalid request", 401
        read = read_request(text, request)
        if isinstance(read, str):
            logger.info("Refused a signed request: %s", read)
            return "malformed request", 400
        return to_flask_response(self.dispatch(read))

    def signed_text(self, raw: bytes, headers: Mapping[str, str]) -> str | None:
        """The body as text if Slack signed it within the last five minutes, else None."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not (TIMESTAMP.fullmatch(timestamp) and SIGNATURE.fullmatch(signature)):
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if self.verifier.is_valid(text, timestamp, signature) else None


def read_body(request: Request) -> bytes | None:
    """The body, or None if it is over MAX_BODY_BYTES: one whose Content-Length says so
    is not read at all, one streamed without a length is read one byte past the limit
    and no further."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    while len(body) <= MAX_BODY_BYTES:
        chunk = request.stream.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return None if len(body) > MAX_BODY_BYTES else bytes(body)


def read_request(text: str, request: Request) -> BoltRequest | str:
    """The request for Bolt, or why it is malformed (a phrase safe to log).

    The body is parsed here, not by Bolt: Bolt takes any form body that merely contains
    the word "payload" (a command's text, a workspace or channel name) for a click and
    reads it as empty. Bolt is handed the parsed body as JSON, which it reads back as it
    is; its constructor also reads the ids from it, and whatever it trips over there
    would otherwise be a 500."""
    try:
        body = parse_body(text, request.mimetype)
    except (ValueError, RecursionError):
        return "neither JSON nor form fields"
    reason = problem(body)
    if reason is not None:
        return reason
    try:
        return BoltRequest(
            body=json.dumps(body),
            query=request.query_string.decode("utf-8"),
            headers=request.headers,  # type: ignore[arg-type]
        )
    except Exception:
        return "Bolt cannot read it"


def parse_body(text: str, mimetype: str) -> Any:
    """A body as Slack sends it: JSON (events), a form-encoded `payload=` JSON (clicks,
    submissions) or form fields (commands)."""
    if mimetype == "application/json":
        return json.loads(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    return json.loads(fields["payload"]) if "payload" in fields else fields


def problem(body: Any) -> str | None:
    """Why a signed body is not a request this bot serves, as a phrase safe to log, or
    None. Only the envelope is checked: the ids and shapes that Bolt's matchers, the
    listeners and the error handler read without asking (a user's id, the team's, the
    trigger, the clicked action, the submitted view). What Slack sends always has them."""
    if not isinstance(body, dict):
        return "the body is not an object"
    if body.get("ssl_check") == "1":
        return None
    if "command" in body:
        return _lacks(body, "command", "team_id", "user_id", "trigger_id")
    kind = body.get("type")
    if kind == "url_verification":
        return _lacks(body, "challenge")
    if kind == "event_callback":
        return _lacks(body, "team_id") or _lacks(body.get("event"), "type")
    if kind == "app_rate_limited":
        return _lacks(body, "team_id")
    if isinstance(kind, str) and kind in INTERACTIONS:
        return _interaction_problem(kind, body)
    return "not a kind of request this bot serves"


def _interaction_problem(kind: str, body: dict[str, Any]) -> str | None:
    for key in ("team", "user"):
        if _lacks(body.get(key), "id"):
            return f"no {key} id"
    if kind != "view_closed" and _lacks(body, "trigger_id"):
        return "no trigger_id"
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "no actions"
        if any(_lacks(action, "action_id", "block_id") for action in actions):
            return "an action without its ids"
    if kind != "block_actions" or "view" in body:
        view = body.get("view")
        ids = ("id", "type") if kind == "block_actions" else ("id", "type", "callback_id")
        if _lacks(view, *ids):
            return "a view without its ids"
        state = view.get("state", {})
        if kind == "view_submission" and not (
            isinstance(state, dict) and isinstance(state.get("values"), dict)
        ):
            return "a submitted view without its state"
    return None


def _lacks(mapping: Any, *keys: str) -> str | None:
    """What is wrong if `mapping` is not a dict holding a string at each of `keys`."""
    if not isinstance(mapping, dict):
        return "not an object where one is expected"
    missing = [key for key in keys if not isinstance(mapping.get(key), str)]
    return f"no {', '.join(missing)}" if missing else None
