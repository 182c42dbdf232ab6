"""A local stand-in for the Slack Web API that answers like Slack and records every call.

It is deliberately as strict as Slack, and never more lenient: unknown tokens, users,
channels and methods are errors; a trigger_id works once and only within 3 seconds; a
response_url works 5 times within 30 minutes; messages and views are checked against
Block Kit's limits and schemas; methods that Slack only accepts form-encoded ignore a JSON
body, and a token is only read from the Authorization header or a form field. `fail_next`
and `rate_limits` make a method answer 429 with Retry-After, or a server error.

Where Slack's documentation names no error for a case, the closest documented one is used
and the choice is written next to the code.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import math
import secrets
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from .blockkit import validate_message_blocks, validate_view, with_defaults
from .limits import (
    MAX_CHARS,
    MAX_ITEMS,
    RATE_LIMIT_WINDOW_SECONDS,
    RESPONSE_URL_TTL_SECONDS,
    RESPONSE_URL_USES,
    TRIGGER_TTL_SECONDS,
    VIEW_PAYLOAD_BYTES,
)

JSON_ENCODED_ARGS = ("blocks", "attachments", "view", "files", "user_ids", "metadata")
"""Arguments that are JSON documents inside a form field (slack_sdk sends them that way)."""

JSON_BODY_METHODS = frozenset(
    {
        "auth.test",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.delete",
        "conversations.open",
        "files.completeUploadExternal",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
    }
)
"""Methods whose reference lists `application/json` among their content types; the rest
only read form fields (or the query string), so a JSON body reaches them empty."""

APP_LEVEL_METHODS = frozenset({"apps.connections.open"})
"""Methods that take an app-level token (xapp-) and no other, read from the Authorization
header only: Slack's reference for apps.connections.open says a token passed as a POST
parameter is an error."""

SERVER_ERRORS = {500: "internal_error", 502: "fatal_error", 503: "service_unavailable"}
TIMEZONE_LABELS = {
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time",
    "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time",
    "UTC": "Coordinated Universal Time",
}


class SlackError(Exception):
    """An error answer: `{"ok": false, "error": error, **extra}` with an HTTP status."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def invalid_arguments(cls, *problems: str) -> SlackError:
        return cls(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
        )


@dataclass
class Call:
    """One request the fake answered: an API method or a post to a response_url
    (method `"response_url"`)."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    http_status: int
    response: dict[str, Any]


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int
    times: int


@dataclass
class _Trigger:
    issued: float
    view_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    issued: float
    channel: str | None
    user: str | None
    message_ts: str | None
    uses: int = 0


@dataclass
class _Conversation:
    id: str
    kind: str
    members: set[str]
    name: str = ""
    user: str | None = None
    is_private: bool = False
    archived: bool = False
    created: int = field(default_factory=lambda: int(time.time()))
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Upload:
    id: str
    filename: str
    length: int
    alt_txt: str | None
    snippet_type: str | None
    content: bytes | None = None
    completed: bool = False


@dataclass
class _Request:
    verb: str
    path: str
    query: dict[str, str]
    body: bytes
    content_type: str | None
    authorization: str | None


def _flag(value: Any) -> bool:
    return value is True or value in {"true", "1", 1}


def _decode_json_args(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_ENCODED_ARGS:
        value = args.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


class FakeSlack:
    """The fake Slack workspace and its Web API, served on 127.0.0.1 while started."""

    def __init__(
        self,
        team_id: str = "T0TEAM",
        bot_token: str = "xoxb-test-token",
        bot_user_id: str = "UBOT",
        clock: Callable[[], float] = time.monotonic,
        rate_limits: dict[str, int] | None = None,
        *,
        team_name: str = "Sounding Board Test",
        team_domain: str = "sounding-board-test",
        bot_id: str = "B0SOUNDING",
        app_id: str = "A0SOUNDING",
    ) -> None:
        self.team_id = team_id
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.clock = clock
        self.rate_limits = dict(rate_limits or {})
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_id = bot_id
        self.app_id = app_id
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._errors: list[str] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._conversations: dict[str, _Conversation] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._stacks: list[list[str]] = []
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._recent: dict[str, list[float]] = {}
        self._uploads: dict[str, _Upload] = {}
        self._files: list[dict[str, Any]] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._epoch = int(time.time())
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.app_token: str | None = None
        self._socket_mode_url: Callable[[], str] | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "apps.connections.open": self._apps_connections_open,
        }
        self.add_user(bot_user_id, real_name="Sounding Board", is_bot=True)

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the fake before asking for its URL")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def url(self) -> str:
        """The Web API base URL, for `WebClient(base_url=...)`."""
        return self.root + "api/"

    # -- the workspace ----------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        real_name: str = "",
        email: str = "",
        title: str = "",
        tz: str = "America/Chicago",
        phone: str = "",
        deleted: bool = False,
        is_bot: bool = False,
        display_name: str = "",
    ) -> dict[str, Any]:
        """Add (or replace) a member and return the stored Slack user object."""
        now = datetime.now(ZoneInfo(tz))
        offset = now.utcoffset()
        abbreviation = now.tzname() or ""
        first, _, last = real_name.partition(" ")
        handle = (email.partition("@")[0] if email else real_name or user_id).lower()
        image = f"https://avatars.example.invalid/{user_id.lower()}"
        profile: dict[str, Any] = {
            "title": title,
            "phone": phone,
            "skype": "",
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": secrets.token_hex(6),
            "first_name": first,
            "last_name": last,
            "image_24": f"{image}_24.png",
            "image_48": f"{image}_48.png",
            "image_72": f"{image}_72.png",
            "image_192": f"{image}_192.png",
            "image_512": f"{image}_512.png",
            "team": self.team_id,
        }
        if email and not is_bot:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = self.bot_id if user_id == self.bot_user_id else f"B{user_id[1:]}"
            profile["api_app_id"] = self.app_id if user_id == self.bot_user_id else ""
            profile["always_active"] = True
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": handle.replace(" ", "."),
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": TIMEZONE_LABELS.get(abbreviation, abbreviation),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "is_email_confirmed": bool(email),
            "who_can_share_contact_card": "EVERYONE",
        }
        with self._lock:
            self._users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        members: Iterable[str] = (),
        *,
        name: str | None = None,
        is_private: bool = False,
        archived: bool = False,
        bot_member: bool = True,
    ) -> None:
        """Add a public (or private) channel; the bot is a member unless told otherwise."""
        with self._lock:
            joined = set(members) | ({self.bot_user_id} if bot_member else set())
            self._conversations[channel_id] = _Conversation(
                id=channel_id,
                kind="channel",
                members=joined,
                name=name or channel_id.lower(),
                is_private=is_private,
                archived=archived,
            )

    def add_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A message a person posted (so chat.update and chat.delete refuse it)."""
        with self._lock:
            conversation = self._resolve_conversation(channel)
            message = {
                "type": "message",
                "user": user,
                "text": text,
                "blocks": blocks or [],
                "ts": self._next_ts(),
                "team": self.team_id,
            }
            self._append(conversation, message, thread_ts)
            return copy.deepcopy(message)

    def dm_channel(self, user_id: str) -> str:
        """The IM channel id between the bot and `user_id` (what conversations.open gives)."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(f"no user {user_id} in the fake workspace")
            return self._im(user_id).id

    # -- driving interactions -----------------------------------------------------------

    def issue_trigger_id(self, view_id: str | None = None) -> str:
        """A trigger_id as Slack sends with an interaction: one use, within 3 seconds.
        `view_id` is the modal the interaction happened in (where views.push pushes)."""
        with self._lock:
            trigger = f"{next(self._ids)}.{self._epoch}.{secrets.token_hex(16)}"
            self._triggers[trigger] = _Trigger(issued=self.clock(), view_id=view_id)
            return trigger

    def response_url(
        self,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response_url: 5 uses within 30 minutes. With `channel` an in_channel response
        is posted there; with `message_ts` replace_original and delete_original act on
        that message."""
        with self._lock:
            key = f"T{next(self._ids):08d}/{secrets.token_hex(12)}"
            self._response_urls[key] = _ResponseUrl(
                issued=self.clock(), channel=channel, user=user, message_ts=message_ts
            )
            return f"{self.root}response/{key}"

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail: `ratelimited` with HTTP 429 and
        Retry-After, a 5xx `status` as that server error, anything else as HTTP 200
        `{"ok": false, "error": error}`."""
        if status is None:
            status = 429 if error == "ratelimited" else 200
        elif status >= 500 and error == "ratelimited":
            error = SERVER_ERRORS.get(status, "fatal_error")
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error=error, status=status, retry_after=retry_after, times=times)
            )

    def enable_socket_mode(self, app_token: str, open_url: Callable[[], str]) -> None:
        """Turn Socket Mode on for the app: `app_token` (xapp-...) is its app-level token
        and `open_url` hands out a WebSocket URL (a one-use ticket) to a Socket Mode
        service, which is what apps.connections.open answers."""
        if not app_token.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        with self._lock:
            self.app_token = app_token
            self._socket_mode_url = open_url

    # -- inspection -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        if not calls:
            seen = [call.method for call in self.calls]
            raise AssertionError(f"no {method} call was made; the calls were {seen}")
        return calls[-1]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages now in a conversation (a user id means the bot's DM with them)."""
        with self._lock:
            if channel in self._users:
                channel = self._im(channel).id
            found = self._conversations.get(channel)
            return copy.deepcopy(found.messages) if found else []

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._views)

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    @property
    def files(self) -> list[dict[str, Any]]:
        """Completed uploads: name, title, channel, channels, content (bytes) and more."""
        with self._lock:
            return copy.deepcopy(self._files)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages, from chat.postEphemeral and ephemeral response_url posts."""
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of requests the fake itself failed on (each answered HTTP 500)."""
        with self._lock:
            return list(self._errors)

    # -- request handling ---------------------------------------------------------------

    def _serve_api(
        self, method: str, request: _Request
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        sent, accepted, token, parse_error = self._read_arguments(method, request)
        with self._lock:
            headers: dict[str, str] = {}
            try:
                handler = self._methods.get(method)
                if handler is None:
                    raise SlackError("unknown_method", status=404, req_method=method)
                if parse_error is not None:
                    raise parse_error
                if method in APP_LEVEL_METHODS:
                    self._check_app_level_token(request)
                elif not token:
                    raise SlackError("not_authed")
                elif token != self.bot_token:
                    raise SlackError("invalid_auth")
                self._throttle(method)
                status, body = 200, {"ok": True, **handler(accepted)}
            except SlackError as failure:
                status, headers = failure.status, failure.headers
                body = {"ok": False, "error": failure.error, **failure.extra}
            self._calls.append(
                Call(method, sent, body["ok"], body.get("error"), status, copy.deepcopy(body))
            )
            return status, body, headers

    def _check_app_level_token(self, request: _Request) -> None:
        """apps.connections.open takes an app-level token in the Authorization header and
        nothing else: a bot token is `not_allowed_token_type`, and a token only in the
        body is as good as none (`not_authed`), as Slack reads only the header here."""
        if request.verb != "POST":
            raise SlackError("insecure_request")
        authorization = request.authorization or ""
        token = authorization.removeprefix("Bearer ").strip()
        if not authorization.startswith("Bearer ") or not token:
            raise SlackError("not_authed")
        if not token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if self.app_token is None or token != self.app_token:
            raise SlackError("invalid_auth")

    def _read_arguments(
        self, method: str, request: _Request
    ) -> tuple[dict[str, Any], dict[str, Any], str | None, SlackError | None]:
        """What was sent (for the record) and what Slack would read of it."""
        query: dict[str, Any] = dict(request.query)
        query.pop("token", None)
        body: dict[str, Any] = {}
        token: str | None = None
        problem: SlackError | None = None
        content_type, _, parameters = (request.content_type or "").partition(";")
        content_type = content_type.strip().lower()
        charset = "utf-8"
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key.lower() == "charset":
                charset = value.strip().strip('"').lower()
        if request.body and not content_type:
            problem = SlackError("missing_post_type")
        elif request.body and charset not in {"utf-8", "utf8", "iso-8859-1"}:
            problem = SlackError("invalid_charset")
        elif request.body:
            encoding = "utf-8" if charset.startswith("utf") else "latin-1"
            text = request.body.decode(encoding, "replace")
            if content_type in {"application/x-www-form-urlencoded", "text/plain"}:
                body = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
                token = body.pop("token", None)
            elif content_type == "multipart/form-data":
                body = _multipart_fields(request)
                token = body.pop("token", None)
            elif content_type == "application/json":
                try:
                    parsed = json.loads(text)
                except ValueError:
                    parsed = None
                if not isinstance(parsed, dict):
                    problem = SlackError("invalid_json")
                else:
                    body = parsed
            else:
                problem = SlackError("invalid_post_type")
        authorization = request.authorization or ""
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        body.pop("token", None)
        sent = _decode_json_args({**query, **body})
        if content_type == "application/json" and method not in JSON_BODY_METHODS:
            accepted = _decode_json_args(dict(query))
        else:
            accepted = _decode_json_args({**query, **body})
        return sent, accepted, token, problem

    def _throttle(self, method: str) -> None:
        failures = self._failures.get(method)
        if failures:
            failure = failures[0]
            failure.times -= 1
            if failure.times <= 0:
                failures.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
            raise SlackError(failure.error, status=failure.status, headers=headers)
        limit = self.rate_limits.get(method)
        if limit is None:
            return
        now = self.clock()
        recent = [t for t in self._recent.get(method, []) if now - t < RATE_LIMIT_WINDOW_SECONDS]
        if len(recent) >= limit:
            wait = max(1, math.ceil(RATE_LIMIT_WINDOW_SECONDS - (now - recent[0])))
            self._recent[method] = recent
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(wait)})
        recent.append(now)
        self._recent[method] = recent

    def _serve_response_url(
        self, key: str, request: _Request
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            payload = None
        with self._lock:
            args = payload if isinstance(payload, dict) else {"raw": request.body.decode("latin-1")}
            headers: dict[str, str] = {}
            try:
                status, body = 200, self._respond(key, payload)
            except SlackError as failure:
                status, headers = failure.status, failure.headers
                body = {"ok": False, "error": failure.error, **failure.extra}
            self._calls.append(
                Call(
                    "response_url", args, body["ok"], body.get("error"), status, copy.deepcopy(body)
                )
            )
            return status, body, headers

    def _respond(self, key: str, payload: Any) -> dict[str, Any]:
        url = self._response_urls.get(key)
        if (
            url is None
            or url.uses >= RESPONSE_URL_USES
            or self.clock() - url.issued > RESPONSE_URL_TTL_SECONDS
        ):
            raise SlackError("expired_url", status=404)
        self._throttle("response_url")
        url.uses += 1
        if not isinstance(payload, dict):
            raise SlackError("invalid_payload", status=400)
        conversation = self._conversations.get(url.channel) if url.channel else None
        original = None
        if conversation is not None and url.message_ts:
            original = next((m for m in conversation.messages if m["ts"] == url.message_ts), None)
        if _flag(payload.get("delete_original")):
            if conversation is not None and original is not None:
                conversation.messages.remove(original)
            return {"ok": True}
        content = self._content(payload, status=400)
        in_channel = payload.get("response_type") == "in_channel"
        if _flag(payload.get("replace_original")) and original is not None:
            original.update(
                text=content.get("text", ""),
                blocks=content.get("blocks", []),
                edited={"user": self.bot_user_id, "ts": self._next_ts()},
            )
        elif in_channel and conversation is not None:
            self._append(conversation, self._bot_message(content), payload.get("thread_ts"))
        elif not in_channel:
            self._ephemerals.append(
                {"channel": url.channel, "user": url.user, "ts": self._next_ts(), **content}
            )
        return {"ok": True}

    def _upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None or upload.completed:
                return 404, "file not found"
            upload.content = content
            return 200, f"OK - {len(content)}"

    # -- helpers --------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"{self._epoch}.{next(self._ts):06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _user(self, user_id: Any) -> dict[str, Any]:
        user = self._users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _im(self, user_id: str) -> _Conversation:
        for conversation in self._conversations.values():
            if conversation.kind == "im" and conversation.user == user_id:
                return conversation
        channel_id = "D" + user_id[1:]
        if channel_id in self._conversations:
            channel_id = self._new_id("D")
        conversation = _Conversation(
            id=channel_id, kind="im", members={user_id, self.bot_user_id}, user=user_id
        )
        self._conversations[channel_id] = conversation
        return conversation

    def _resolve_conversation(self, channel_id: Any, *, user_ids: bool = True) -> _Conversation:
        """A conversation by id; a user id means the bot's IM with that user where Slack
        accepts one (chat.postMessage does, chat.update does not)."""
        if not isinstance(channel_id, str) or not channel_id:
            raise SlackError("channel_not_found")
        if user_ids and channel_id in self._users:
            return self._im(channel_id)
        conversation = self._conversations.get(channel_id)
        if conversation is None:
            raise SlackError("channel_not_found")
        return self._visible(conversation)

    def _check_can_post(self, conversation: _Conversation) -> None:
        """A DM with a deactivated member is archived in Slack (the client shows "you are
        viewing the archives"), so posting there is `is_archived`; a bot cannot be DMed."""
        if conversation.archived:
            raise SlackError("is_archived")
        if conversation.kind == "im" and conversation.user is not None:
            other = self._users[conversation.user]
            if other["is_bot"]:
                raise SlackError("cannot_dm_bot")
            if other["deleted"]:
                raise SlackError("is_archived")
        elif self.bot_user_id not in conversation.members:
            raise SlackError("not_in_channel")

    def _visible(self, conversation: _Conversation) -> _Conversation:
        """Private channels the bot is not in do not exist as far as the bot can tell."""
        if conversation.is_private and self.bot_user_id not in conversation.members:
            raise SlackError("channel_not_found")
        return conversation

    def _is_member(self, conversation: _Conversation, user_id: str) -> bool:
        user = self._users.get(user_id)
        return user is not None and not user["deleted"] and user_id in conversation.members

    def _content(self, args: dict[str, Any], *, status: int = 200) -> dict[str, Any]:
        """The text, blocks and attachments of a message, checked as Slack checks them."""
        content: dict[str, Any] = {}
        if "blocks" in args:
            blocks = args["blocks"]
            if isinstance(blocks, str):
                raise SlackError("invalid_blocks_format", status=status)
            problems = validate_message_blocks(blocks)
            if problems:
                raise SlackError(
                    "invalid_blocks",
                    status=status,
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
            content["blocks"] = with_defaults(blocks)
        if "attachments" in args:
            attachments = args["attachments"]
            if not isinstance(attachments, list):
                raise SlackError("invalid_attachments", status=status)
            if len(attachments) > MAX_ITEMS["message.attachments"]:
                raise SlackError("too_many_attachments", status=status)
            content["attachments"] = copy.deepcopy(attachments)
        if "text" in args:
            text = args["text"]
            if not isinstance(text, str):
                raise SlackError.invalid_arguments("must provide a string [json-pointer:/text]")
            if len(text) > MAX_CHARS["message.text"]:
                raise SlackError("msg_too_long", status=status)
            content["text"] = text
        if not (content.get("text") or content.get("blocks") or content.get("attachments")):
            raise SlackError("no_text", status=status)
        return content

    def _bot_message(self, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": content.get("text", ""),
            "blocks": content.get("blocks", []),
            **({"attachments": content["attachments"]} if "attachments" in content else {}),
            "ts": self._next_ts(),
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self._users[self.bot_user_id]["real_name"],
                "deleted": False,
                "team_id": self.team_id,
            },
        }

    def _append(self, conversation: _Conversation, message: dict[str, Any], thread_ts: Any) -> None:
        if isinstance(thread_ts, str) and thread_ts:
            message["thread_ts"] = thread_ts
            parent = next((m for m in conversation.messages if m["ts"] == thread_ts), None)
            if parent is not None:
                parent.setdefault("thread_ts", thread_ts)
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["latest_reply"] = message["ts"]
                users = parent.setdefault("reply_users", [])
                if message["user"] not in users:
                    users.append(message["user"])
        conversation.messages.append(message)

    def _find_message(self, args: dict[str, Any]) -> tuple[_Conversation, dict[str, Any]]:
        conversation = self._resolve_conversation(args.get("channel"), user_ids=False)
        ts = args.get("ts")
        for message in conversation.messages:
            if message["ts"] == ts:
                return conversation, message
        raise SlackError("message_not_found")

    def _conversation_object(self, conversation: _Conversation) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "id": conversation.id,
            "created": conversation.created,
            "is_archived": conversation.archived,
            "is_org_shared": False,
            "context_team_id": self.team_id,
        }
        if conversation.kind == "im":
            user = self._users[conversation.user or ""]
            shape.update(
                is_im=True,
                user=conversation.user,
                is_user_deleted=user["deleted"],
                priority=0,
                is_open=True,
                last_read="0000000000.000000",
            )
        else:
            shape.update(
                name=conversation.name or conversation.id.lower(),
                is_channel=conversation.kind == "channel" and not conversation.is_private,
                is_group=conversation.kind == "channel" and conversation.is_private,
                is_im=False,
                is_mpim=conversation.kind == "mpim",
                is_private=conversation.is_private or conversation.kind == "mpim",
                is_general=False,
                is_member=self.bot_user_id in conversation.members,
            )
        return shape

    def _use_trigger(self, args: dict[str, Any]) -> _Trigger:
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            raise SlackError.invalid_arguments("missing required field: trigger_id")
        trigger = self._triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued > TRIGGER_TTL_SECONDS:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _checked_view(self, args: dict[str, Any], allowed_types: Iterable[str]) -> dict[str, Any]:
        view = args.get("view")
        problems = validate_view(view, allowed_types)
        if problems:
            raise SlackError.invalid_arguments(*problems)
        if len(json.dumps(view)) > VIEW_PAYLOAD_BYTES:
            raise SlackError("view_too_large")
        return view

    def _check_external_id(self, view: dict[str, Any], replacing: str | None = None) -> None:
        external_id = view.get("external_id")
        if not external_id:
            return
        for view_id, stored in self._views.items():
            if stored.get("external_id") == external_id and view_id != replacing:
                raise SlackError("duplicate_external_id")

    def _store_view(
        self,
        view: dict[str, Any],
        view_id: str,
        *,
        root_view_id: str,
        previous_view_id: str | None,
    ) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": with_defaults(view["blocks"]),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if view["type"] == "modal":
            stored["title"] = copy.deepcopy(view["title"])
        self._views[view_id] = stored
        return stored

    def _stack_for(self, trigger: _Trigger) -> list[str]:
        """The modal stack an interaction happened in: the trigger's view if it names one,
        otherwise the most recently opened modal."""
        if trigger.view_id is not None:
            for stack in self._stacks:
                if trigger.view_id in stack:
                    return stack
        if self._stacks:
            return self._stacks[-1]
        raise SlackError("not_found")

    # -- Web API methods --------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self._socket_mode_url is None:
            # Socket Mode is off for this app: Slack names no error for it, and
            # internal_error is the one it documents for "could not complete".
            raise SlackError("internal_error")
        return {"url": self._socket_mode_url()}

    def _team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("team") not in (None, "", self.team_id):
            raise SlackError("team_not_found")
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "url": f"https://{self.team_domain}.slack.com/",
                "domain": self.team_domain,
                "email_domain": "",
                "icon": {"image_default": True},
                "avatar_base_url": "https://ca.slack-edge.com/",
                "is_verified": False,
            }
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = copy.deepcopy(self._user(args.get("user")))
        if _flag(args.get("include_locale")):
            user["locale"] = "en-US"
        return {"user": user}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack answers `users_not_found` for deactivated users too."""
        email = args.get("email")
        if not isinstance(email, str) or not email:
            raise SlackError.invalid_arguments("missing required field: email")
        for user in self._users.values():
            found = user["profile"].get("email", "")
            if found.lower() == email.lower() and not user["deleted"]:
                return {"user": copy.deepcopy(user)}
        raise SlackError("users_not_found")

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        members = list(self._users.values())
        start = _cursor_position(args.get("cursor"), "user")
        limit = _page_size(args.get("limit"), len(members))
        page = members[start : start + limit]
        following = start + limit
        cursor = _cursor("user", following) if following < len(members) else ""
        return {
            "members": copy.deepcopy(page),
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            conversation = self._conversations.get(args["channel"])
            if conversation is None:
                raise SlackError("channel_not_found")
            if conversation.kind == "channel":
                raise SlackError("method_not_supported_for_channel_type")
        else:
            raw = args.get("users")
            if not isinstance(raw, str) or not raw.strip(","):
                raise SlackError("users_list_not_supplied")
            ids = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
            if len(ids) > MAX_ITEMS["conversations_open.users"]:
                raise SlackError("too_many_users")
            for user_id in ids:
                if self._user(user_id)["deleted"]:
                    raise SlackError("user_disabled")
            if len(ids) == 1:
                conversation = self._im(ids[0])
            else:
                members = set(ids) | {self.bot_user_id}
                conversation = next(
                    (
                        c
                        for c in self._conversations.values()
                        if c.kind == "mpim" and c.members == members
                    ),
                    None,
                ) or self._new_mpim(ids, members)
        if _flag(args.get("return_im")):
            return {
                "no_op": True,
                "already_open": True,
                "channel": self._conversation_object(conversation),
            }
        return {"channel": {"id": conversation.id}}

    def _new_mpim(self, ids: list[str], members: set[str]) -> _Conversation:
        names = [self._users[user_id]["name"] for user_id in ids]
        conversation = _Conversation(
            id=self._new_id("G"),
            kind="mpim",
            members=members,
            name="mpdm-" + "--".join(names) + "-1",
            is_private=True,
        )
        self._conversations[conversation.id] = conversation
        return conversation

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation = self._resolve_conversation(args.get("channel"), user_ids=False)
        return {"channel": self._conversation_object(conversation)}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation = self._resolve_conversation(args.get("channel"), user_ids=False)
        members = sorted(m for m in conversation.members if self._is_member(conversation, m))
        start = _cursor_position(args.get("cursor"), "member")
        limit = _page_size(args.get("limit"), len(members))
        following = start + limit
        return {
            "members": members[start:following],
            "response_metadata": {
                "next_cursor": _cursor("member", following) if following < len(members) else ""
            },
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation = self._resolve_conversation(args.get("channel"))
        self._check_can_post(conversation)
        message = self._bot_message(self._content(args))
        self._append(conversation, message, args.get("thread_ts"))
        return {"channel": conversation.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation = self._resolve_conversation(args.get("channel"))
        if conversation.archived:
            raise SlackError("is_archived")
        user_id = args.get("user")
        if not isinstance(user_id, str) or not self._is_member(conversation, user_id):
            raise SlackError("user_not_in_channel")
        content = self._content(args)
        ts = self._next_ts()
        self._ephemerals.append({"channel": conversation.id, "user": user_id, "ts": ts, **content})
        return {"message_ts": ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Like Slack, blocks and attachments left out of the call are kept."""
        conversation, message = self._find_message(args)
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_update_message")
        if conversation.archived:
            raise SlackError("is_inactive")
        content = self._content(args)
        message.update(content, edited={"user": self.bot_user_id, "ts": self._next_ts()})
        return {
            "channel": conversation.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation, message = self._find_message(args)
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_delete_message")
        conversation.messages.remove(message)
        return {"channel": conversation.id, "ts": message["ts"]}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, ("modal",))
        self._check_external_id(view)
        self._use_trigger(args)
        view_id = self._new_id("V")
        stored = self._store_view(view, view_id, root_view_id=view_id, previous_view_id=None)
        self._stacks.append([view_id])
        return {"view": copy.deepcopy(stored)}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, ("modal",))
        self._check_external_id(view)
        trigger = self._use_trigger(args)
        stack = self._stack_for(trigger)
        if len(stack) >= MAX_ITEMS["view.stack"]:
            raise SlackError("push_limit_reached")
        view_id = self._new_id("V")
        stored = self._store_view(view, view_id, root_view_id=stack[0], previous_view_id=stack[-1])
        stack.append(view_id)
        return {"view": copy.deepcopy(stored)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise SlackError.invalid_arguments("must provide view_id or external_id")
        if not view_id:
            view_id = next(
                (v["id"] for v in self._views.values() if v.get("external_id") == external_id),
                None,
            )
        current = self._views.get(view_id) if isinstance(view_id, str) else None
        if current is None:
            raise SlackError("not_found")
        view = self._checked_view(args, (current["type"],))
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(view, replacing=current["id"])
        stored = self._store_view(
            view,
            current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
        return {"view": copy.deepcopy(stored)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user_id")
        if not isinstance(user_id, str) or user_id not in self._users:
            raise SlackError.invalid_arguments("invalid `user_id`")
        view = self._checked_view(args, ("home",))
        current_id = self._homes.get(user_id)
        current = self._views.get(current_id) if current_id else None
        if args.get("hash") and current is not None and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(view, replacing=current_id)
        view_id = current_id or self._new_id("V")
        stored = self._store_view(view, view_id, root_view_id=view_id, previous_view_id=None)
        self._homes[user_id] = view_id
        return {"view": copy.deepcopy(stored)}

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = args.get("filename")
        if not isinstance(filename, str) or not filename:
            raise SlackError.invalid_arguments("missing required field: filename")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            problem = "must provide an integer [json-pointer:/length]"
            raise SlackError.invalid_arguments(problem) from None
        if length <= 0:
            raise SlackError("missing_argument")
        alt_txt = args.get("alt_txt")
        if isinstance(alt_txt, str) and len(alt_txt) > MAX_CHARS["files.alt_txt"]:
            raise SlackError("alt_txt_too_large")
        upload = _Upload(
            id=self._new_id("F"),
            filename=filename,
            length=length,
            alt_txt=alt_txt,
            snippet_type=args.get("snippet_type"),
        )
        self._uploads[upload.id] = upload
        return {"upload_url": f"{self.root}upload/v1/{upload.id}", "file_id": upload.id}

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError.invalid_arguments("missing required field: files")
        channel_ids: list[str] = []
        if args.get("channel_id"):
            channel_ids.append(args["channel_id"])
        if isinstance(args.get("channels"), str):
            channel_ids += [c for c in args["channels"].split(",") if c]
        conversations = []
        for channel_id in channel_ids:
            conversation = self._conversations.get(channel_id)
            if conversation is None:
                raise SlackError("invalid_channel")
            conversations.append(conversation)
        uploads: list[tuple[_Upload, str]] = []
        for entry in entries:
            upload = self._uploads.get(entry.get("id")) if isinstance(entry, dict) else None
            if upload is None or upload.content is None or upload.completed:
                raise SlackError("file_not_found")
            uploads.append((upload, entry.get("title") or upload.filename))
        shared: list[dict[str, Any]] = []
        for upload, title in uploads:
            upload.completed = True
            self._files.append(
                {
                    "id": upload.id,
                    "name": upload.filename,
                    "title": title,
                    "channel": channel_ids[0] if channel_ids else None,
                    "channels": list(channel_ids),
                    "content": upload.content,
                    "length": upload.length,
                    "alt_txt": upload.alt_txt,
                    "snippet_type": upload.snippet_type,
                    "initial_comment": args.get("initial_comment"),
                    "thread_ts": args.get("thread_ts"),
                }
            )
            shared.append(
                {
                    "id": upload.id,
                    "created": int(time.time()),
                    "timestamp": int(time.time()),
                    "name": upload.filename,
                    "title": title,
                    "mimetype": "application/octet-stream",
                    "filetype": upload.snippet_type or "binary",
                    "user": self.bot_user_id,
                    "size": len(upload.content or b""),
                    "is_external": False,
                    "is_public": any(
                        c.kind == "channel" and not c.is_private for c in conversations
                    ),
                    "url_private": f"{self.root}files/{upload.id}/{upload.filename}",
                }
            )
        for conversation in conversations:
            message = self._bot_message({"text": args.get("initial_comment") or ""})
            message["files"] = copy.deepcopy(shared)
            self._append(conversation, message, args.get("thread_ts"))
        return {"files": shared}


def _cursor(kind: str, position: int) -> str:
    return base64.b64encode(f"{kind}:{position}".encode()).decode()


def _cursor_position(cursor: Any, kind: str) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, position = base64.b64decode(str(cursor), validate=True).decode().partition(":")
        if prefix == kind and position.isdigit():
            return int(position)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise SlackError("invalid_cursor")


def _page_size(limit: Any, total: int) -> int:
    try:
        size = int(limit or 0)
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    return size if size > 0 else max(total, 1)


def _multipart_fields(request: _Request) -> dict[str, Any]:
    header = f"Content-Type: {request.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + request.body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client hanging up is not news; anything else is kept on `errors`."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            with self.fake._lock:
                self.fake._errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the calls are on `FakeSlack.calls`."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(self.path)
        request = _Request(
            verb=self.command,
            path=parsed.path,
            query=dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)),
            body=body,
            content_type=self.headers.get("Content-Type"),
            authorization=self.headers.get("Authorization"),
        )
        try:
            if request.path.startswith("/api/"):
                method = request.path.removeprefix("/api/")
                status, answer, headers = fake._serve_api(method, request)
                self._send_json(status, answer, headers)
            elif request.path.startswith("/response/") and self.command == "POST":
                key = request.path.removeprefix("/response/")
                status, answer, headers = fake._serve_response_url(key, request)
                self._send_json(status, answer, headers)
            elif request.path.startswith("/upload/v1/") and self.command == "POST":
                status, text = fake._upload(request.path.rsplit("/", 1)[1], body)
                self._send(status, text.encode(), "text/plain; charset=utf-8", {})
            else:
                self._send(404, b"Not Found", "text/plain; charset=utf-8", {})
        except Exception:
            with fake._lock:
                fake._errors.append(traceback.format_exc())
            self._send_json(500, {"ok": False, "error": "fatal_error"}, {})

    def _send_json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
