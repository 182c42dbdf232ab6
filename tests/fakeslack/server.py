"""A local stand-in for the Slack Web API that answers like Slack and records every call.

It is deliberately as strict as Slack: unknown tokens, users and channels are errors,
a trigger_id works once and only within 3 seconds, views and messages are checked
against Block Kit's limits, and `fail_next` makes a method answer 429 with Retry-After
or a server error, so the bot's handling of each can be tested.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakeslack.limits import MESSAGE_TEXT, validate_blocks, validate_view

TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_USES = 5
VIEW_STACK_LIMIT = 3
JSON_FIELDS = ("blocks", "view", "attachments", "user_ids")


class SlackError(Exception):
    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


@dataclass
class Call:
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
    used: bool = False


@dataclass
class _ResponseUrl:
    issued: float
    uses: int = 0


@dataclass
class _Channel:
    id: str
    kind: str
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)


class FakeSlack:
    def __init__(
        self,
        team_id: str = "T0TEAM",
        bot_token: str = "xoxb-test-token",
        bot_user_id: str = "UBOT",
        clock: Callable[[], float] = time.monotonic,
        rate_limits: dict[str, int] | None = None,
    ) -> None:
        self.team_id = team_id
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.clock = clock
        self.rate_limits = rate_limits or {}
        self.calls: list[Call] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.files: list[dict[str, Any]] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, _Channel] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._recent: dict[str, list[float]] = {}
        self._homes: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(_Handler):
            slack = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def url(self) -> str:
        return self.root + "api/"

    # -- set-up and inspection --------------------------------------------------------

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
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": (real_name or user_id).lower().replace(" ", "."),
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "profile": {
                "real_name": real_name,
                "display_name": real_name,
                "title": title,
                "email": email,
                "phone": phone,
            },
        }
        with self._lock:
            self._users[user_id] = user
        return user

    def add_channel(self, channel_id: str, members: list[str] | None = None) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(
                channel_id, "channel", set(members or []) | {self.bot_user_id}
            )

    def issue_trigger_id(self) -> str:
        with self._lock:
            trigger = f"{next(self._ids)}.{int(time.time())}.trigger"
            self._triggers[trigger] = _Trigger(self.clock())
            return trigger

    def response_url(self) -> str:
        with self._lock:
            key = f"R{next(self._ids):06d}"
            self._response_urls[key] = _ResponseUrl(self.clock())
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
        if status is None:
            status = 429 if error == "ratelimited" else 200
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error, status, retry_after, times)
            )

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        if not calls:
            seen = sorted({call.method for call in self.calls})
            raise AssertionError(f"no {method} call was made; calls seen: {seen}")
        return calls[-1]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._channels.get(channel)
            return [dict(message) for message in found.messages] if found else []

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._homes.get(user_id)
            return self.views.get(view_id) if view_id else None

    def dm_channel(self, user_id: str) -> str:
        with self._lock:
            return self._im(user_id).id

    # -- internals --------------------------------------------------------------------

    def _im(self, user_id: str) -> _Channel:
        channel_id = "D" + user_id[1:]
        if channel_id not in self._channels:
            self._channels[channel_id] = _Channel(channel_id, "im", {user_id, self.bot_user_id})
        return self._channels[channel_id]

    def _user(self, user_id: Any) -> dict[str, Any]:
        user = self._users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _channel(self, channel_id: Any) -> _Channel:
        if not isinstance(channel_id, str) or not channel_id:
            raise SlackError("channel_not_found")
        if channel_id in self._users:
            user = self._users[channel_id]
            if user["deleted"]:
                raise SlackError("user_disabled")
            return self._im(channel_id)
        channel = self._channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.kind == "im":
            (other,) = channel.members - {self.bot_user_id} or {self.bot_user_id}
            if self._users.get(other, {}).get("deleted"):
                raise SlackError("user_disabled")
        return channel

    def _use_trigger(self, trigger_id: Any) -> None:
        trigger = self._triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used or self.clock() - trigger.issued > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger.used = True

    def _check_blocks(self, args: dict[str, Any]) -> None:
        if "blocks" in args and args["blocks"] is not None:
            problems = validate_blocks(args["blocks"], surface="message")
            if problems:
                raise SlackError("invalid_blocks", response_metadata={"messages": problems})

    def _store_view(self, view: Any, view_id: str | None = None, **extra: Any) -> dict[str, Any]:
        problems = validate_view(view)
        if problems:
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        view_id = view_id or f"V{next(self._ids):08d}"
        previous = self.views.get(view_id, {})
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": "A0SOUNDING",
            "bot_id": "B0SOUNDING",
            "state": {"values": {}},
            "hash": f"{next(self._ids)}.{view_id}",
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "root_view_id": previous.get("root_view_id", view_id),
            "previous_view_id": previous.get("previous_view_id"),
            **extra,
            **view,
        }
        stored["id"] = view_id
        self.views[view_id] = stored
        return stored

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
        if limit is not None:
            now = self.clock()
            recent = [t for t in self._recent.get(method, []) if now - t < 60]
            if len(recent) >= limit:
                retry = max(1, int(60 - (now - recent[0])) + 1)
                raise SlackError("ratelimited", status=429, headers={"Retry-After": str(retry)})
            recent.append(now)
            self._recent[method] = recent

    def _post(self, channel: _Channel, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
        text = args.get("text")
        if not text and not args.get("blocks") and not args.get("attachments"):
            raise SlackError("no_text")
        if isinstance(text, str) and len(text) > MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        self._check_blocks(args)
        message = {
            "type": "message",
            "ts": f"{1_700_000_000 + next(self._ts)}.000100",
            "user": self.bot_user_id,
            "bot_id": "B0SOUNDING",
            "text": text or "",
            "blocks": args.get("blocks") or [],
            **extra,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        channel.messages.append(message)
        return message

    # -- the Web API methods -----------------------------------------------------------

    def handle(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        self._throttle(method)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            raise SlackError("unknown_method", status=404)
        return handler(args)

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://program.slack.com/",
            "team": "Program",
            "user": "sounding-board",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "B0SOUNDING",
            "is_enterprise_install": False,
        }

    def _api_team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"team": {"id": self.team_id, "name": "Program", "domain": "program"}}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user": self._user(args.get("user"))}

    def _api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        for user in self._users.values():
            if user["profile"]["email"].lower() == email and email:
                return {"user": user}
        raise SlackError("users_not_found")

    def _api_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        users = list(self._users.values())
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 200)
        page = users[start : start + limit]
        cursor = str(start + limit) if start + limit < len(users) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("users") or ""
        ids = raw if isinstance(raw, list) else [u for u in str(raw).split(",") if u]
        if not ids:
            raise SlackError("users_list_not_supplied")
        if len(ids) > 8:
            raise SlackError("too_many_users")
        for user_id in ids:
            if self._user(user_id)["deleted"]:
                raise SlackError("user_disabled")
        if len(ids) == 1:
            return {"channel": {"id": self._im(ids[0]).id, "is_im": True}}
        members = frozenset(ids) | {self.bot_user_id}
        for channel in self._channels.values():
            if channel.kind == "mpim" and channel.members == members:
                break
        else:
            channel = _Channel(f"G{next(self._ids):08d}", "mpim", set(members))
            self._channels[channel.id] = channel
        return {"channel": {"id": channel.id, "is_mpim": True}}

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        message = self._post(channel, args)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        user = self._user(args.get("user"))
        if user["id"] not in channel.members:
            raise SlackError("user_not_in_channel")
        message = self._post(channel, args, ephemeral_for=user["id"])
        channel.messages.remove(message)
        return {"message_ts": message["ts"]}

    def _find_message(self, args: dict[str, Any]) -> tuple[_Channel, dict[str, Any]]:
        channel = self._channel(args.get("channel"))
        for message in channel.messages:
            if message["ts"] == args.get("ts"):
                return channel, message
        raise SlackError("message_not_found")

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, message = self._find_message(args)
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_update_message")
        self._check_blocks(args)
        if "text" in args:
            message["text"] = args["text"] or ""
        if "blocks" in args:
            message["blocks"] = args["blocks"] or []
        message["edited"] = {"user": self.bot_user_id}
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def _api_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, message = self._find_message(args)
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_delete_message")
        channel.messages.remove(message)
        return {"channel": channel.id, "ts": message["ts"]}

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(args.get("trigger_id"))
        view = self._store_view(args.get("view"))
        self._stacks[view["id"]] = [view["id"]]
        return {"view": view}

    def _api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(args.get("trigger_id"))
        stack = next(iter(self._stacks.values()), None)
        if stack is not None and len(stack) >= VIEW_STACK_LIMIT:
            raise SlackError("push_limit_reached")
        view = self._store_view(args.get("view"))
        if stack is not None:
            stack.append(view["id"])
        return {"view": view}

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next(
                (v["id"] for v in self.views.values() if v["external_id"] == args["external_id"]),
                None,
            )
        current = self.views.get(view_id) if isinstance(view_id, str) else None
        if current is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._store_view(args.get("view"), view_id)}

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("user_id"))
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] must be home [json-pointer:/view/type]"]},
            )
        current = self._homes.get(user["id"])
        if args.get("hash") and current and args["hash"] != self.views[current]["hash"]:
            raise SlackError("hash_conflict")
        stored = self._store_view(view, current)
        self._homes[user["id"]] = stored["id"]
        return {"view": stored}

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not args.get("length"):
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = {"id": file_id, "name": args["filename"], "content": None}
        return {"upload_url": f"{self.root}upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not files:
            raise SlackError("invalid_arguments")
        channel_id = args.get("channel_id") or args.get("channels")
        if channel_id:
            self._channel(channel_id)
        done = []
        for entry in files:
            upload = self._uploads.get(entry.get("id"))
            if upload is None or upload["content"] is None:
                raise SlackError("file_not_found")
            record = {
                **upload,
                "title": entry.get("title") or upload["name"],
                "channel": channel_id,
                "initial_comment": args.get("initial_comment"),
            }
            self.files.append(record)
            done.append({"id": upload["id"], "name": upload["name"], "title": record["title"]})
        return {"files": done}

    def upload(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None:
                return False
            upload["content"] = content
            return True

    def respond(self, key: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            url = self._response_urls.get(key)
            expired = (
                url is None
                or url.uses >= RESPONSE_URL_USES
                or self.clock() - url.issued > RESPONSE_URL_TTL
            )
            status, body = (
                (404, {"ok": False, "error": "expired_url"}) if expired else (200, {"ok": True})
            )
            if url is not None and not expired:
                url.uses += 1
            if not expired and payload.get("blocks") is not None:
                problems = validate_blocks(payload["blocks"], surface="message")
                if problems:
                    status, body = (
                        400,
                        {
                            "ok": False,
                            "error": "invalid_blocks",
                            "response_metadata": {"messages": problems},
                        },
                    )
            self.calls.append(
                Call("response_url", payload, body["ok"], body.get("error"), status, body)
            )
            return status, body


def _decode(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


class _Handler(BaseHTTPRequestHandler):
    slack: FakeSlack
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _args(self, raw: bytes) -> dict[str, Any]:
        query = urllib.parse.urlparse(self.path).query
        args: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
        content_type = self.headers.get("Content-Type", "")
        if raw and "json" in content_type:
            args.update(json.loads(raw))
        elif raw:
            args.update(urllib.parse.parse_qsl(raw.decode()))
        return _decode(args)

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self._body())

    def _dispatch(self, raw: bytes) -> None:
        path = urllib.parse.urlparse(self.path).path
        slack = self.slack
        if path.startswith("/response/"):
            status, body = slack.respond(path.rsplit("/", 1)[1], json.loads(raw or b"{}"))
            self._reply(status, body)
            return
        if path.startswith("/upload/"):
            found = slack.upload(path.rsplit("/", 1)[1], raw)
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        method = path.removeprefix("/api/")
        args = self._args(raw)
        token = args.pop("token", None)
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")
        with slack._lock:
            try:
                if not token:
                    raise SlackError("not_authed")
                if token != slack.bot_token:
                    raise SlackError("invalid_auth")
                response = {"ok": True, **slack.handle(method, args)}
                status, headers = 200, {}
            except SlackError as failure:
                headers = failure.extra.pop("headers", {})
                response = {"ok": False, "error": failure.error, **failure.extra}
                status = failure.status
            slack.calls.append(
                Call(method, args, response["ok"], response.get("error"), status, response)
            )
        self._reply(status, response, headers)
