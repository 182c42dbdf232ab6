"""A local stand-in for the Slack Web API that answers like Slack and records every call.

It is deliberately as strict as Slack, and never more lenient: unknown tokens, users,
channels and methods are errors; a trigger_id works once and only within 3 seconds; a
response_url works 5 times within 30 minutes; messages and views are checked against
Block Kit's limits and schemas; methods that Slack only accepts form-encoded ignore a JSON
body, and a token is only read from the Authorization header or a form field. `fail_next`
and `rate_limits` make a method answer 429 with Retry-After, or a server error; `hold`
makes it take its time.

Like Slack behind its one API URL, it hosts several workspaces side by side
(`add_workspace`): each call acts only inside the workspace of the token it carries, so
another workspace's users, channels, views, messages and files do not exist for it. The
app can be installed with OAuth v2 (`enable_oauth`, `authorize`, oauth.v2.access) and
uninstalled (`uninstall`), after which its tokens answer as Slack's do.

People share files too (`share_file`): the file is hosted at its `url_private` on this
fake's root, which answers only a bot token of the file's workspace with the files:read
scope, sent as `Authorization: Bearer`; anything else is sent, like Slack sends it, to a
sign-in page instead of the file.

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
import functools
import itertools
import json
import math
import re
import secrets
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from .blockkit import validate_message_blocks, validate_view, with_defaults
from .limits import (
    MAX_CHARS,
    MAX_ITEMS,
    OAUTH_CODE_TTL_SECONDS,
    RATE_LIMIT_WINDOW_SECONDS,
    RESPONSE_URL_TTL_SECONDS,
    RESPONSE_URL_USES,
    TRIGGER_TTL_SECONDS,
    VIEW_PAYLOAD_BYTES,
)
from .oauth import (
    AUTHORIZE_PATH,
    AuthorizeRequest,
    OAuthApp,
    OAuthPageError,
    client_credentials,
    consent_page,
    error_page,
    parse_authorize,
    with_query,
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
        "oauth.v2.access",
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

CLIENT_AUTH_METHODS = frozenset({"oauth.v2.access"})
"""Methods authenticated by the app's client_id and client_secret (HTTP Basic or form
fields) rather than a token."""

REQUIRED_SCOPES = {"files.info": "files:read"}
"""The bot scope a method needs, checked where a workspace's scopes are known (an OAuth
install, or `add_workspace(scopes=...)`): without it Slack answers `missing_scope`,
naming the scope `needed` and the ones `provided`."""

FILE_KINDS = {
    "csv": ("text/csv", "csv", "CSV"),
    "tsv": ("text/tab-separated-values", "tsv", "TSV"),
    "txt": ("text/plain", "text", "Plain Text"),
    "json": ("application/json", "json", "JSON"),
    "pdf": ("application/pdf", "pdf", "PDF"),
    "png": ("image/png", "png", "PNG"),
    "jpg": ("image/jpeg", "jpg", "JPEG"),
    "xls": ("application/vnd.ms-excel", "xls", "Excel Spreadsheet"),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        "Excel Spreadsheet",
    ),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        "Word Document",
    ),
}
"""What Slack makes of a file from its name: mimetype, filetype and pretty_type."""
UNKNOWN_KIND = ("application/octet-stream", "binary", "Binary")

SIGN_IN_PAGE = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Sign in | Slack</title>"
    "<h1>Sign in to your workspace</h1><form method=post><input name=email>"
    "<button>Sign in with email</button></form></html>"
)
"""What Slack shows a browser (or a bot without a usable token) asking for a file."""

APP_NAME = "Sounding Board"
"""The app's name, which its bot user has in every workspace."""

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
    team_id: str | None = None
    """The workspace of the bot token the call carried (one Slack refused as revoked
    too), or of its response_url; None for a call with no token Slack knows, with an
    org-wide token, or with the app's own credentials (oauth.v2.access,
    apps.connections.open)."""
    at: float = field(default_factory=time.monotonic, compare=False)
    """When it was answered (`time.monotonic()`), for benchmarks' rates."""


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int
    times: int


class Hold:
    """Slack being slow: calls of one method wait, unanswered, until `release()` (or
    until `limit` seconds pass, so a test that forgets cannot hang a caller for ever).
    Made by `FakeSlack.hold`; as a context manager it releases on leaving."""

    def __init__(self, fake: FakeSlack, method: str, limit: float) -> None:
        self.fake = fake
        self.method = method
        self.limit = limit
        self._released = threading.Event()
        self._changed = threading.Condition()
        self.waiting = 0
        """Calls waiting now."""
        self.held = 0
        """Calls that have waited (or are waiting)."""

    def _wait(self) -> None:
        with self._changed:
            self.waiting += 1
            self.held += 1
            self._changed.notify_all()
        try:
            self._released.wait(self.limit)
        finally:
            with self._changed:
                self.waiting -= 1
                self._changed.notify_all()

    def wait_for_callers(self, count: int = 1, timeout: float = 30) -> bool:
        """Wait until `count` calls have come to the hold; False after `timeout` s."""
        with self._changed:
            return self._changed.wait_for(lambda: self.held >= count, timeout)

    def release(self) -> None:
        """Answer the waiting calls, and let later ones through."""
        with self.fake._lock:
            if self.fake._holds.get(self.method) is self:
                del self.fake._holds[self.method]
        self._released.set()

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


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
class _File:
    """A file hosted in a workspace: shared by a person, or uploaded by the app."""

    id: str
    name: str
    title: str
    mimetype: str
    filetype: str
    pretty_type: str
    user: str
    content: bytes
    created: int
    channels: list[str] = field(default_factory=list)


@dataclass
class _Workspace:
    """One workspace (a Slack team) and everything in it the app can see."""

    team_id: str
    team_name: str
    team_domain: str
    bot_user_id: str
    bot_id: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    bot_token: str | None = None
    """The app's bot token here while it is installed."""
    scopes: tuple[str, ...] | None = None
    """The bot token's scopes when known (answered in the `x-oauth-scopes` header)."""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[str, _Conversation] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    stacks: list[list[str]] = field(default_factory=list)
    homes: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, _Trigger] = field(default_factory=dict)
    response_urls: dict[str, _ResponseUrl] = field(default_factory=dict)
    uploads: dict[str, _Upload] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    hosted: dict[str, _File] = field(default_factory=dict)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[_Failure]] = field(default_factory=dict)
    recent: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class _OrgInstall:
    """The app installed across an Enterprise Grid organization (an org-wide install)."""

    enterprise_id: str
    enterprise_name: str
    token: str
    bot_user_id: str
    bot_id: str
    scopes: tuple[str, ...]


@dataclass
class _Grant:
    """What a bot token opens: one workspace, or (org-wide) an enterprise."""

    team_id: str | None
    enterprise_id: str | None = None
    refused: str | None = None
    """The error Slack answers once the token no longer works."""


@dataclass
class _Code:
    """A one-use OAuth code, issued when a person allowed the app's install."""

    request: AuthorizeRequest
    team_id: str
    user_id: str
    org_wide: bool
    issued: float
    used: bool = False


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


def _field(holder: str, name: str, doc: str) -> property:
    """Field `name` of the workspace at attribute `holder`: `_ws`, the one a call or
    helper is acting in, or a Workspace's `state`."""
    return property(lambda owner: getattr(getattr(owner, holder), name), doc=doc)


class FakeSlack:
    """Slack's Web API, served on 127.0.0.1 while started, with the workspaces behind it.

    The constructor makes the first workspace, with the app installed under `bot_token`;
    `add_workspace` adds more. Outside a call, the workspace helpers here (`add_user`,
    `messages`, `issue_trigger_id`, ...) act in that first workspace; `workspace(team_id)`
    gives a `Workspace` whose helpers act in another. `calls` holds every call made to the
    API, each with its `team_id`.
    """

    team_id = _field("_ws", "team_id", "The workspace's team id.")
    team_name = _field("_ws", "team_name", "The workspace's name.")
    team_domain = _field("_ws", "team_domain", "The workspace's domain (<domain>.slack.com).")
    bot_token = _field("_ws", "bot_token", "The app's bot token there, None while not installed.")
    bot_user_id = _field("_ws", "bot_user_id", "The app's bot user there.")
    bot_id = _field("_ws", "bot_id", "The app's bot id there.")
    _users = _field("_ws", "users", "Members, by user id.")
    _conversations = _field("_ws", "conversations", "Channels, DMs and group DMs, by id.")
    _views = _field("_ws", "views", "Modals and Home tabs, by view id.")
    _stacks = _field("_ws", "stacks", "Modal stacks, each a list of view ids, oldest first.")
    _homes = _field("_ws", "homes", "Home tab view ids, by user id.")
    _triggers = _field("_ws", "triggers", "trigger_ids issued with interactions.")
    _response_urls = _field("_ws", "response_urls", "response_urls issued, by key.")
    _uploads = _field("_ws", "uploads", "files.getUploadURLExternal uploads, by file id.")
    _files = _field("_ws", "files", "Completed uploads.")
    _hosted = _field("_ws", "hosted", "Every file in the workspace, by file id.")
    _ephemerals = _field("_ws", "ephemerals", "Ephemeral messages shown.")

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
        self.clock = clock
        self.rate_limits = dict(rate_limits or {})
        """Calls allowed per method per minute, in each workspace (Slack's limits are
        per app per workspace)."""
        self.app_id = app_id
        self._lock = threading.RLock()
        self._local = threading.local()
        self._workspaces: dict[str, _Workspace] = {}
        self._grants: dict[str, _Grant] = {}
        self._orgs: dict[str, _OrgInstall] = {}
        self._oauth: OAuthApp | None = None
        self._codes: dict[str, _Code] = {}
        self._calls: list[Call] = []
        self._errors: list[str] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._holds: dict[str, Hold] = {}
        self._recent: dict[str, list[float]] = {}
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
            "files.info": self._files_info,
            "apps.connections.open": self._apps_connections_open,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self._first = self._new_workspace(
            team_id,
            bot_token,
            team_name=team_name,
            team_domain=team_domain,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
        )

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

    # -- workspaces -------------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str,
        bot_token: str | None = None,
        *,
        team_name: str | None = None,
        team_domain: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        scopes: Iterable[str] | None = None,
    ) -> Workspace:
        """Another workspace behind the same API. With `bot_token` the app is installed
        there already; without, it is installed by OAuth (`enable_oauth`, `authorize`).
        `enterprise_id` puts the workspace in an Enterprise Grid organization."""
        with self._lock:
            workspace = self._new_workspace(
                team_id,
                bot_token,
                team_name=team_name or team_id,
                team_domain=team_domain or _slug(team_name or team_id),
                bot_user_id=bot_user_id or self._new_id("U"),
                bot_id=bot_id or self._new_id("B"),
                enterprise_id=enterprise_id,
                enterprise_name=enterprise_name or enterprise_id,
                scopes=scopes,
            )
            return Workspace(self, workspace)

    def workspace(self, team_id: str) -> Workspace:
        """The workspace `team_id`, to set up and inspect."""
        with self._lock:
            found = self._workspaces.get(team_id)
            if found is None:
                raise KeyError(f"no workspace {team_id}; add it with add_workspace")
            return Workspace(self, found)

    def _new_workspace(
        self,
        team_id: str,
        bot_token: str | None,
        *,
        team_name: str,
        team_domain: str,
        bot_user_id: str,
        bot_id: str,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        scopes: Iterable[str] | None = None,
    ) -> _Workspace:
        if team_id in self._workspaces:
            raise ValueError(f"there is a workspace {team_id} already")
        if bot_token is not None and bot_token in self._grants:
            raise ValueError("that bot token belongs to another workspace")
        workspace = _Workspace(
            team_id=team_id,
            team_name=team_name,
            team_domain=team_domain,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
            bot_token=bot_token,
            scopes=tuple(scopes) if scopes is not None else None,
        )
        self._workspaces[team_id] = workspace
        if bot_token is not None:
            self._grants[bot_token] = _Grant(team_id=team_id)
        with self._inside(workspace):
            self.add_user(bot_user_id, real_name=APP_NAME, is_bot=True)
        return workspace

    @property
    def _ws(self) -> _Workspace:
        """The workspace being acted in: a call's (set while it is answered, in its
        thread), a `Workspace` helper's, or else the first one."""
        return getattr(self._local, "workspace", None) or self._first

    @contextlib.contextmanager
    def _inside(self, workspace: _Workspace | None) -> Iterator[None]:
        """Act in `workspace` in this thread until the block ends (None: in no workspace
        in particular, so `calls` and `fail_next` are the whole API's)."""
        previous = getattr(self._local, "workspace", None)
        self._local.workspace = workspace
        try:
            yield
        finally:
            self._local.workspace = previous

    def _check_unique(self, kind: str, item_id: str, *, grid_shared: bool = False) -> None:
        """Slack's user and channel ids are unique across workspaces (an Enterprise Grid
        org's members keep one id in each of its workspaces): refuse a test set-up that
        would let a call succeed in the wrong workspace."""
        here = self._ws
        for other in self._workspaces.values():
            if other is here or item_id not in getattr(other, kind):
                continue
            if grid_shared and here.enterprise_id and here.enterprise_id == other.enterprise_id:
                continue
            raise ValueError(f"{item_id} is in workspace {other.team_id} already")

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
            self._check_unique("users", user_id, grid_shared=True)
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
            self._check_unique("conversations", channel_id)
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

    def share_file(
        self,
        user: str,
        filename: str,
        content: bytes,
        *,
        text: str = "",
        channel: str | None = None,
        thread_ts: str | None = None,
        title: str | None = None,
        mimetype: str | None = None,
        filetype: str | None = None,
    ) -> dict[str, Any]:
        """`user` uploads a file into their DM with the app (or into `channel`, one they
        are in), with `text` as its message. The file is then hosted at its url_private,
        the message is in the conversation, and the `message` event (subtype file_share)
        that Slack sends the app is returned, for the test to deliver. Like Slack, the
        mimetype and filetype come from the file's name unless given."""
        with self._lock:
            person = self._users.get(user)
            if person is None or person["deleted"] or person["is_bot"]:
                raise ValueError(f"{user} is not a person who can share a file here")
            if channel is None:
                conversation = self._im(user)
            else:
                conversation = self._resolve_conversation(channel, user_ids=False)
                if user not in conversation.members:
                    raise ValueError(f"{user} is not in {channel}")
            kind = _kind_of(filename)
            hosted = _File(
                id=self._new_id("F"),
                name=filename,
                title=title or filename,
                mimetype=mimetype or kind[0],
                filetype=filetype or kind[1],
                pretty_type=kind[2],
                user=user,
                content=bytes(content),
                created=int(time.time()),
                channels=[conversation.id],
            )
            self._hosted[hosted.id] = hosted
            message: dict[str, Any] = {
                "type": "message",
                "text": text,
                "files": [self._file_object(hosted, in_message=True)],
                "upload": True,
                "user": user,
                "display_as_bot": False,
                "ts": self._next_ts(),
                "client_msg_id": str(uuid.uuid4()),
                "team": self.team_id,
            }
            if text:
                message["blocks"] = [_rich_text(text)]
            self._append(conversation, message, thread_ts)
            return {
                **copy.deepcopy(message),
                "channel": conversation.id,
                "subtype": "file_share",
                "event_ts": message["ts"],
                "channel_type": _channel_type(conversation),
            }

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
            key = f"{self.team_id}/{next(self._ids)}/{secrets.token_hex(12)}"
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
        `{"ok": false, "error": error}`. Here, calls from any workspace; through a
        `Workspace`, only that workspace's calls (the others go through)."""
        if status is None:
            status = 429 if error == "ratelimited" else 200
        elif status >= 500 and error == "ratelimited":
            error = SERVER_ERRORS.get(status, "fatal_error")
        with self._lock:
            scoped = getattr(self._local, "workspace", None)
            failures = scoped.failures if scoped is not None else self._failures
            failures.setdefault(method, []).append(
                _Failure(error=error, status=status, retry_after=retry_after, times=times)
            )

    def hold(self, method: str, *, limit: float = 60) -> Hold:
        """From now on calls of `method` (from any workspace) wait, unanswered, until the
        returned `Hold` is released: Slack taking its time. Nothing else waits."""
        with self._lock:
            if method in self._holds:
                raise ValueError(f"{method} is held already")
            hold = self._holds[method] = Hold(self, method, limit)
            return hold

    def enable_socket_mode(self, app_token: str, open_url: Callable[[], str]) -> None:
        """Turn Socket Mode on for the app: `app_token` (xapp-...) is its app-level token
        and `open_url` hands out a WebSocket URL (a one-use ticket) to a Socket Mode
        service, which is what apps.connections.open answers."""
        if not app_token.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        with self._lock:
            self.app_token = app_token
            self._socket_mode_url = open_url

    # -- installing and uninstalling the app ----------------------------------------------

    def enable_oauth(
        self,
        client_id: str,
        client_secret: str,
        redirect_urls: Iterable[str],
        *,
        org_deploy: bool = False,
    ) -> None:
        """Let the app be installed with OAuth v2: its client id and secret and its
        Redirect URLs, as on its OAuth & Permissions page. `org_deploy` lets an org admin
        install it across an Enterprise Grid organization."""
        with self._lock:
            self._oauth = OAuthApp(client_id, client_secret, tuple(redirect_urls), org_deploy)

    def _authorize_page(self, request: _Request) -> tuple[int, str]:
        """GET /oauth/v2/authorize: Slack's page asking to allow the install, or its
        error page."""
        with self._lock:
            try:
                authorize = parse_authorize(request.query, self._oauth)
            except OAuthPageError as refused:
                return 400, error_page(str(refused))
            members = [
                (workspace.team_id, workspace.team_name, user["id"], user["real_name"])
                for workspace in self._workspaces.values()
                for user in workspace.users.values()
                if not user["deleted"] and not user["is_bot"]
            ]
            org_wide = bool(
                self._oauth
                and self._oauth.org_deploy
                and any(w.enterprise_id for w in self._workspaces.values())
            )
            url = f"{AUTHORIZE_PATH}?{urllib.parse.urlencode(request.query)}"
            return 200, consent_page(url, authorize, members, org_wide=org_wide)

    def _authorize_decision(self, request: _Request) -> tuple[int, str, str | None]:
        """POST /oauth/v2/authorize, from the consent page: the redirect `authorize`
        gives, or an error page."""
        form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace")))
        team_id, _, user_id = form.get("member", "").partition(" ")
        url = self.root.rstrip("/") + form.get("authorize_url", "")
        try:
            location = self.authorize(
                url,
                team_id,
                user_id,
                allow=form.get("decision") == "allow",
                org_wide=form.get("org_wide") == "1",
            )
        except (OAuthPageError, ValueError, NotImplementedError) as refused:
            return 400, error_page(str(refused)), None
        return 302, "", location

    @property
    def authorize_url(self) -> str:
        """Slack's authorize URL on this fake (https://slack.com/oauth/v2/authorize)."""
        return self.root.rstrip("/") + AUTHORIZE_PATH

    def authorize(
        self,
        authorize_url: str,
        team_id: str,
        user_id: str,
        *,
        allow: bool = True,
        org_wide: bool = False,
    ) -> str:
        """What happens when `user_id` of `team_id`, signed in to Slack, opens the app's
        `authorize_url` and clicks Allow (or Cancel, `allow=False`): the URL the browser
        is sent to next, the app's redirect URL with `code` and `state` (or
        `error=access_denied` and `state`). `org_wide` installs the app across the
        workspace's Enterprise Grid org. Raises OAuthPageError where Slack shows an error
        page instead (wrong client_id or redirect_uri, no scopes)."""
        parts = urllib.parse.urlsplit(authorize_url)
        if parts.path != AUTHORIZE_PATH or f"{parts.scheme}://{parts.netloc}/" != self.root:
            raise ValueError(f"{authorize_url} is not this fake's {self.authorize_url}")
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            request = parse_authorize(query, self._oauth)
            workspace = self._workspaces.get(team_id)
            user = workspace.users.get(user_id) if workspace is not None else None
            if workspace is None or user is None or user["deleted"] or user["is_bot"]:
                raise ValueError(f"{user_id} is not a person who can sign in to {team_id}")
            if request.user_scopes:
                raise NotImplementedError("the fake issues no user tokens (user_scope)")
            if org_wide and not (
                workspace.enterprise_id and self._oauth and self._oauth.org_deploy
            ):
                raise ValueError("only an org-ready app installs org-wide, from a Grid workspace")
            if not allow:
                return with_query(request.redirect_to, error="access_denied", state=request.state)
            code = f"{next(self._ids)}.{next(self._ids)}.{secrets.token_hex(32)}"
            self._codes[code] = _Code(request, team_id, user_id, org_wide, self.clock())
            return with_query(request.redirect_to, code=code, state=request.state)

    def uninstall(self, team_id: str) -> None:
        """The app is removed from workspace `team_id` (or, given an enterprise id, from
        its org-wide install): its tokens stop working at once. Slack then answers
        `account_inactive` for them, and `invalid_auth` once the app has been installed
        again with a new token. The events Slack sends (`app_uninstalled`,
        `tokens_revoked`) are the test's to send."""
        with self._lock:
            org = self._orgs.pop(team_id, None)
            workspace = self._workspaces.get(team_id)
            if org is None and workspace is None:
                raise KeyError(f"no workspace or org-wide install {team_id}")
            for grant in self._grants.values():
                if grant.refused is None and team_id in (grant.team_id, grant.enterprise_id):
                    grant.refused = "account_inactive"
            if workspace is not None:
                workspace.bot_token = None
                workspace.scopes = None

    # -- inspection -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call answered, in order (through a `Workspace`: that workspace's)."""
        with self._lock:
            return self._recorded()

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._recorded() if call.method == method]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        if not calls:
            seen = [call.method for call in self.calls]
            raise AssertionError(f"no {method} call was made; the calls were {seen}")
        return calls[-1]

    def reset_calls(self) -> None:
        with self._lock:
            scoped = getattr(self._local, "workspace", None)
            if scoped is None:
                self._calls.clear()
            else:
                self._calls[:] = [call for call in self._calls if call.team_id != scoped.team_id]

    def _recorded(self) -> list[Call]:
        scoped = getattr(self._local, "workspace", None)
        if scoped is None:
            return list(self._calls)
        return [call for call in self._calls if call.team_id == scoped.team_id]

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
            hold = self._holds.get(method)
        if hold is not None:
            hold._wait()
        with self._lock:
            headers: dict[str, str] = {}
            workspace: _Workspace | None = None
            try:
                handler = self._methods.get(method)
                if handler is None:
                    raise SlackError("unknown_method", status=404, req_method=method)
                if parse_error is not None:
                    raise parse_error
                if method in APP_LEVEL_METHODS:
                    self._check_app_level_token(request)
                elif method not in CLIENT_AUTH_METHODS:
                    grant = self._grant(token)
                    if grant.team_id is None:
                        handler = self._org_method(method, grant)
                    else:
                        workspace = self._workspaces[grant.team_id]
                with self._inside(workspace):
                    if workspace is not None:
                        self._check_scope(method)
                    self._throttle(method)
                    status, body = 200, {"ok": True, **handler(accepted)}
            except SlackError as failure:
                status, headers = failure.status, failure.headers
                body = {"ok": False, "error": failure.error, **failure.extra}
            if workspace is not None and workspace.scopes is not None:
                headers = {**headers, "x-oauth-scopes": ",".join(workspace.scopes)}
            carried = self._grants.get(token or "")
            by_token = method not in APP_LEVEL_METHODS | CLIENT_AUTH_METHODS
            team_id = carried.team_id if carried is not None and by_token else None
            self._calls.append(
                Call(
                    method,
                    sent,
                    body["ok"],
                    body.get("error"),
                    status,
                    copy.deepcopy(body),
                    team_id,
                )
            )
            return status, body, headers

    def _grant(self, token: str | None) -> _Grant:
        """What a bot token opens, or the error Slack answers for it."""
        if not token:
            raise SlackError("not_authed")
        grant = self._grants.get(token)
        if grant is None:
            raise SlackError("invalid_auth")
        if grant.refused is not None:
            raise SlackError(grant.refused)
        return grant

    def _org_method(self, method: str, grant: _Grant) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """An org-wide install's token. Right after the install the app is in none of the
        org's workspaces (an org admin adds it to them later), so auth.test is the one
        call it can make here; any other is `team_access_not_granted`."""
        if method != "auth.test":
            raise SlackError("team_access_not_granted")
        org = self._orgs[grant.enterprise_id or ""]
        return lambda args: self._org_auth_test(org)

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
        credentials = client_credentials(request.authorization)
        if method in CLIENT_AUTH_METHODS and credentials is not None:
            accepted["client_id"], accepted["client_secret"] = credentials
        return sent, accepted, token, problem

    def _throttle(self, method: str) -> None:
        """The failures `fail_next` queued (the workspace's own first, then those for any
        workspace), then the per-minute `rate_limits`, counted in each workspace."""
        scoped = getattr(self._local, "workspace", None)
        queues = [self._failures] if scoped is None else [scoped.failures, self._failures]
        for queue in queues:
            failures = queue.get(method)
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
        counted = self._recent if scoped is None else scoped.recent
        now = self.clock()
        recent = [t for t in counted.get(method, []) if now - t < RATE_LIMIT_WINDOW_SECONDS]
        if len(recent) >= limit:
            wait = max(1, math.ceil(RATE_LIMIT_WINDOW_SECONDS - (now - recent[0])))
            counted[method] = recent
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(wait)})
        recent.append(now)
        counted[method] = recent

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
            workspace = self._workspaces.get(key.partition("/")[0])
            if workspace is not None and key not in workspace.response_urls:
                workspace = None
            try:
                with self._inside(workspace):
                    status, body = 200, self._respond(key, payload)
            except SlackError as failure:
                status, headers = failure.status, failure.headers
                body = {"ok": False, "error": failure.error, **failure.extra}
            self._calls.append(
                Call(
                    "response_url",
                    args,
                    body["ok"],
                    body.get("error"),
                    status,
                    copy.deepcopy(body),
                    workspace.team_id if workspace is not None else None,
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
            upload = next(
                (w.uploads[file_id] for w in self._workspaces.values() if file_id in w.uploads),
                None,
            )
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
        if any(channel_id in w.conversations for w in self._workspaces.values()):
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

    def _file_object(self, hosted: _File, *, in_message: bool = False) -> dict[str, Any]:
        """A file object as Slack gives it: in a message's `files`, or (with where it is
        shared) from files.info."""
        conversations = [
            self._conversations[c] for c in hosted.channels if c in self._conversations
        ]
        quoted = urllib.parse.quote(hosted.name)
        hosted_at = f"{self.root}files-pri/{self.team_id}-{hosted.id}/"
        shape: dict[str, Any] = {
            "id": hosted.id,
            "created": hosted.created,
            "timestamp": hosted.created,
            "name": hosted.name,
            "title": hosted.title,
            "mimetype": hosted.mimetype,
            "filetype": hosted.filetype,
            "pretty_type": hosted.pretty_type,
            "user": hosted.user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(hosted.content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": any(c.kind == "channel" and not c.is_private for c in conversations),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": hosted_at + quoted,
            "url_private_download": hosted_at + "download/" + quoted,
            "permalink": (
                f"https://{self.team_domain}.slack.com/files/{hosted.user}/{hosted.id}/{quoted}"
            ),
            "permalink_public": f"https://slack-files.com/{self.team_id}-{hosted.id}",
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if not in_message:
            shape.update(
                channels=[c.id for c in conversations if _channel_type(c) == "channel"],
                groups=[c.id for c in conversations if _channel_type(c) in {"group", "mpim"}],
                ims=[c.id for c in conversations if c.kind == "im"],
                comments_count=0,
            )
        return shape

    def _bot_sees(self, hosted: _File) -> bool:
        """The app sees its own uploads and files shared where its bot user is a member."""
        if hosted.user == self.bot_user_id:
            return True
        return any(
            self.bot_user_id in self._conversations[channel].members
            for channel in hosted.channels
            if channel in self._conversations
        )

    def _check_scope(self, method: str) -> None:
        needed = REQUIRED_SCOPES.get(method)
        granted = self._ws.scopes
        if needed is not None and granted is not None and needed not in granted:
            raise SlackError("missing_scope", needed=needed, provided=",".join(granted))

    def _serve_file(self, request: _Request) -> tuple[int, bytes, str, dict[str, str]]:
        """GET of a file's url_private (or url_private_download). The file goes only to a
        bot token of its workspace, with files:read, that can see it, sent as
        `Authorization: Bearer`; anyone else is redirected to Slack's sign-in page, as
        Slack does (so a client that follows redirects gets HTML, not the file). A file
        that does not exist is a 404."""
        found = _FILE_PATH.match(request.path)
        authorization = request.authorization or ""
        token = (
            authorization.removeprefix("Bearer ").strip()
            if authorization.startswith("Bearer ")
            else ""
        )
        with self._lock:
            grant = self._grants.get(token) if token else None
            workspace = self._workspaces.get(found.group(1)) if found else None
            allowed = (
                grant is not None
                and grant.refused is None
                and workspace is not None
                and grant.team_id == workspace.team_id
                and (workspace.scopes is None or "files:read" in workspace.scopes)
            )
            hosted = workspace.hosted.get(found.group(2)) if found and workspace else None
            with self._inside(workspace):
                if not allowed:
                    login = f"{self.root}signin?redir={urllib.parse.quote(request.path)}"
                    status, error = 302, "redirected to sign in"
                    answer = (status, b"", "text/html; charset=utf-8", {"Location": login})
                elif (
                    found is None
                    or hosted is None
                    or urllib.parse.unquote(found.group(4)) != hosted.name
                    or not self._bot_sees(hosted)
                ):
                    status, error = 404, "file not found"
                    answer = (status, b"<h1>Not found</h1>", "text/html; charset=utf-8", {})
                else:
                    status, error = 200, None
                    headers = {}
                    if found.group(3):
                        headers["Content-Disposition"] = f'attachment; filename="{hosted.name}"'
                    answer = (status, hosted.content, hosted.mimetype, headers)
            self._calls.append(
                Call(
                    "url_private",
                    {"path": request.path},
                    status == 200,
                    error,
                    status,
                    {},
                    grant.team_id if grant is not None else None,
                )
            )
            return answer

    # -- Web API methods --------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        grid = {"enterprise_id": self._ws.enterprise_id} if self._ws.enterprise_id else {}
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            **grid,
            "is_enterprise_install": False,
        }

    def _org_auth_test(self, org: _OrgInstall) -> dict[str, Any]:
        """Slack's reference shows no auth.test answer for an org-wide token; here the
        organization stands where a workspace would, and `enterprise_id` and
        `is_enterprise_install` say which it is."""
        return {
            "url": f"https://{_slug(org.enterprise_name)}.enterprise.slack.com/",
            "team": org.enterprise_name,
            "user": _slug(APP_NAME).replace("-", "."),
            "team_id": org.enterprise_id,
            "user_id": org.bot_user_id,
            "bot_id": org.bot_id,
            "enterprise_id": org.enterprise_id,
            "is_enterprise_install": True,
        }

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """Exchange a code from `authorize` for the app's bot token, installing the app.
        Slack documents `invalid_code` for a code it does not know, and answers it too
        for one already exchanged, expired (after ten minutes) or issued to another app.
        Token rotation is not modelled: any refresh token is `invalid_refresh_token`."""
        app = self._oauth
        if app is None or args.get("client_id") != app.client_id:
            raise SlackError("invalid_client_id")
        if args.get("client_secret") != app.client_secret:
            raise SlackError("bad_client_secret")
        grant_type = args.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            raise SlackError("invalid_refresh_token")
        if grant_type != "authorization_code":
            raise SlackError("invalid_grant_type")
        code = self._codes.get(args.get("code") or "")
        if (
            code is None
            or code.used
            or code.request.client_id != app.client_id
            or self.clock() - code.issued > OAUTH_CODE_TTL_SECONDS
        ):
            raise SlackError("invalid_code")
        if not _redirect_matches(code.request, args.get("redirect_uri"), app):
            raise SlackError("bad_redirect_uri")
        code.used = True
        workspace = self._workspaces[code.team_id]
        if code.org_wide:
            return self._install_org(workspace, code)
        token = self._install(workspace, code.request.scopes)
        return {
            "app_id": self.app_id,
            "authed_user": {"id": code.user_id},
            "scope": ",".join(workspace.scopes or ()),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": _enterprise(workspace),
            "is_enterprise_install": False,
        }

    def _install(self, workspace: _Workspace, scopes: Iterable[str]) -> str:
        """The app installed in `workspace` with at least `scopes`. Installing again keeps
        the bot token and adds scopes; after an uninstall there is a new token, and the
        old ones, `account_inactive` until now, become `invalid_auth`."""
        if workspace.bot_token is None:
            for grant in self._grants.values():
                if grant.team_id == workspace.team_id and grant.refused == "account_inactive":
                    grant.refused = "invalid_auth"
            workspace.bot_token = self._new_token()
            self._grants[workspace.bot_token] = _Grant(team_id=workspace.team_id)
        workspace.scopes = tuple(dict.fromkeys((*(workspace.scopes or ()), *scopes)))
        return workspace.bot_token

    def _install_org(self, workspace: _Workspace, code: _Code) -> dict[str, Any]:
        enterprise_id = workspace.enterprise_id or ""
        org = self._orgs.get(enterprise_id)
        if org is None:
            token = self._new_token()
            self._grants[token] = _Grant(team_id=None, enterprise_id=enterprise_id)
            org = _OrgInstall(
                enterprise_id=enterprise_id,
                enterprise_name=workspace.enterprise_name or enterprise_id,
                token=token,
                bot_user_id=self._new_id("W"),
                bot_id=self._new_id("B"),
                scopes=(),
            )
            self._orgs[enterprise_id] = org
        org.scopes = tuple(dict.fromkeys((*org.scopes, *code.request.scopes)))
        return {
            "app_id": self.app_id,
            "authed_user": {"id": code.user_id},
            "scope": ",".join(org.scopes),
            "token_type": "bot",
            "access_token": org.token,
            "bot_user_id": org.bot_user_id,
            "team": None,
            "enterprise": _enterprise(workspace),
            "is_enterprise_install": True,
        }

    def _new_token(self) -> str:
        return f"xoxb-{next(self._ids)}-{next(self._ids)}-{secrets.token_urlsafe(18)}"

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
            kind = _kind_of(upload.filename)
            hosted = _File(
                id=upload.id,
                name=upload.filename,
                title=title,
                mimetype=kind[0],
                filetype=upload.snippet_type or kind[1],
                pretty_type=kind[2],
                user=self.bot_user_id,
                content=upload.content or b"",
                created=int(time.time()),
                channels=list(channel_ids),
            )
            self._hosted[hosted.id] = hosted
            shared.append(self._file_object(hosted, in_message=True))
        for conversation in conversations:
            message = self._bot_message({"text": args.get("initial_comment") or ""})
            message["files"] = copy.deepcopy(shared)
            self._append(conversation, message, args.get("thread_ts"))
        return {"files": shared}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack documents `file_not_found` for a file the caller cannot see, and answers
        it for another workspace's files too."""
        file_id = args.get("file")
        if not isinstance(file_id, str) or not file_id:
            raise SlackError.invalid_arguments("missing required field: file")
        hosted = self._hosted.get(file_id)
        if hosted is None or not self._bot_sees(hosted):
            raise SlackError("file_not_found")
        return {
            "file": self._file_object(hosted),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }


def _in_workspace(helper: Callable[..., Any]) -> Callable[..., Any]:
    """FakeSlack's method `helper` (or a property's getter), acting in the Workspace's
    workspace; a subclass's override of it is the one called."""
    name = helper.__name__

    @functools.wraps(helper)
    def call(self: Workspace, *args: Any, **kwargs: Any) -> Any:
        found = getattr(type(self.fake), name)
        method = found.fget if isinstance(found, property) else found
        with self.fake._inside(self.state):
            return method(self.fake, *args, **kwargs)

    return call


def _workspace_property(prop: property) -> property:
    assert prop.fget is not None
    return property(_in_workspace(prop.fget), doc=prop.__doc__)


class Workspace:
    """One workspace behind a FakeSlack: its helpers act only there, and its `calls` are
    the calls made with its token or its response_urls.

        county = fake.add_workspace("T0COUNTY", "xoxb-county", team_name="County")
        county.add_user("U0C1", real_name="Cal Clerk")
        county.fail_next("chat.postMessage", retry_after=30)  # only here
        assert county.messages("U0C1")[-1]["text"] == "Welcome"
    """

    def __init__(self, fake: FakeSlack, state: _Workspace) -> None:
        self.fake = fake
        self.state = state

    def __repr__(self) -> str:
        return f"<Workspace {self.state.team_id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.state is self.state

    def __hash__(self) -> int:
        return hash(self.state.team_id)

    team_id = _field("state", "team_id", "The workspace's team id.")
    team_name = _field("state", "team_name", "The workspace's name.")
    enterprise_id = _field("state", "enterprise_id", "Its Enterprise Grid org, if any.")
    bot_token = _field("state", "bot_token", "The app's bot token, None while not installed.")
    bot_user_id = _field("state", "bot_user_id", "The app's bot user here.")
    bot_id = _field("state", "bot_id", "The app's bot id here.")

    def uninstall(self) -> None:
        self.fake.uninstall(self.state.team_id)

    add_user = _in_workspace(FakeSlack.add_user)
    add_channel = _in_workspace(FakeSlack.add_channel)
    add_message = _in_workspace(FakeSlack.add_message)
    dm_channel = _in_workspace(FakeSlack.dm_channel)
    share_file = _in_workspace(FakeSlack.share_file)
    issue_trigger_id = _in_workspace(FakeSlack.issue_trigger_id)
    response_url = _in_workspace(FakeSlack.response_url)
    fail_next = _in_workspace(FakeSlack.fail_next)
    calls = _workspace_property(FakeSlack.calls)
    calls_to = _in_workspace(FakeSlack.calls_to)
    last = _in_workspace(FakeSlack.last)
    reset_calls = _in_workspace(FakeSlack.reset_calls)
    messages = _in_workspace(FakeSlack.messages)
    views = _workspace_property(FakeSlack.views)
    home = _in_workspace(FakeSlack.home)
    files = _workspace_property(FakeSlack.files)
    ephemerals = _workspace_property(FakeSlack.ephemerals)


_FILE_PATH = re.compile(r"^/files-pri/([A-Z0-9]+)-([A-Z0-9]+)/(download/)?([^/]+)$")
"""A hosted file's URL: /files-pri/<team>-<file>/[download/]<name>, as Slack has it."""


def _kind_of(filename: str) -> tuple[str, str, str]:
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    return FILE_KINDS.get(extension, UNKNOWN_KIND)


def _channel_type(conversation: _Conversation) -> str:
    """The `channel_type` of a message event from the conversation."""
    if conversation.kind in {"im", "mpim"}:
        return conversation.kind
    return "group" if conversation.is_private else "channel"


def _rich_text(text: str) -> dict[str, Any]:
    """The rich_text block Slack's clients put in a message a person typed."""
    return {
        "type": "rich_text",
        "block_id": secrets.token_hex(3),
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def _redirect_matches(request: AuthorizeRequest, sent: Any, app: OAuthApp) -> bool:
    """oauth.v2.access's `redirect_uri` "must match the originally submitted URI (if
    one was sent)"; it may be left out when the app has just that one Redirect URL."""
    if request.redirect_uri is None:
        return not sent or sent == request.redirect_to
    if not sent:
        return app.redirect_urls == (request.redirect_uri,)
    return bool(sent == request.redirect_uri)


def _enterprise(workspace: _Workspace) -> dict[str, str] | None:
    if workspace.enterprise_id is None:
        return None
    return {"id": workspace.enterprise_id, "name": workspace.enterprise_name or ""}


def _slug(name: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", name.lower())) or "workspace"


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
            elif request.path == AUTHORIZE_PATH and self.command == "GET":
                status, page = fake._authorize_page(request)
                self._send(status, page.encode(), "text/html; charset=utf-8", {})
            elif request.path == AUTHORIZE_PATH and self.command == "POST":
                status, page, location = fake._authorize_decision(request)
                redirect = {"Location": location} if location else {}
                self._send(status, page.encode(), "text/html; charset=utf-8", redirect)
            elif request.path.startswith("/files-pri/") and self.command == "GET":
                status, data, content_type, headers = fake._serve_file(request)
                self._send(status, data, content_type, headers)
            elif request.path == "/signin" and self.command == "GET":
                self._send(200, SIGN_IN_PAGE.encode(), "text/html; charset=utf-8", {})
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
