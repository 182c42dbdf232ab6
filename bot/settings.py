"""Settings from the environment and `.env`, checked once at start-up.

A bad setting is reported as a `SettingsError` naming the variable and the fix, so
`python -m bot` can print one line instead of a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from coaching.text import CHANNEL_ID, MEMBER_ID
from storage.clock import FileClock
from storage.states import ChannelCopy

DEFAULT_DATABASE_URL = "sqlite:///sounding-board.db"
SLACK_APP_PAGE = "https://api.slack.com/apps"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        self.variable = variable
        super().__init__(f"{variable} {problem}: {fix}")


DEFAULT_SCOPES = (
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "im:history",
    "im:write",
    "mpim:write",
    "users:read",
    "users:read.email",
)
"""The bot scopes manifest.yml asks for (a test checks they agree)."""
DEFAULT_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = field(repr=False)
    """Single-workspace mode; None when the app is installed with OAuth (below)."""
    slack_signing_secret: str = field(repr=False)
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_scopes: tuple[str, ...] = DEFAULT_SCOPES
    slack_authorize_url: str = DEFAULT_AUTHORIZE_URL
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    program_admins: frozenset[str] = frozenset()
    program_channel: str | None = None
    program_channel_copy: ChannelCopy = ChannelCopy.NOTICE
    """What the program channel gets when a pair signs: a short `notice`, or the `full`
    text of the agreement."""
    max_open_requests: int = 3
    scheduler_enabled: bool = True
    scheduler_interval: float = 60.0
    """Seconds between a process's reminder passes."""
    retention_months: int | None = None
    log_format: str = "text"
    test_clock_file: str | None = None
    """Tests only (SB_TEST_CLOCK_FILE): read the program's clock from this file, so that a
    test can move the clock of several processes at once (`storage.clock.FileClock`)."""

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth(self) -> bool:
        """Many workspaces, each installed with "Add to Slack", rather than one token."""
        return self.slack_client_id is not None


def read_environment(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The process environment laid over `.env` (the environment wins, as python-dotenv does)."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def load_settings(env: Mapping[str, str]) -> Settings:
    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if (client_id is None) != (client_secret is None):
        missing = "SLACK_CLIENT_SECRET" if client_secret is None else "SLACK_CLIENT_ID"
        raise SettingsError(
            missing,
            "is not set",
            f"copy the Client ID and Client Secret from {SLACK_APP_PAGE} > your app > "
            "Basic Information into .env (both, for installing with Add to Slack)",
        )
    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token is None and client_id is None:
        raise SettingsError(
            "SLACK_BOT_TOKEN",
            "is not set",
            f"copy the Bot User OAuth Token (xoxb-...) from {SLACK_APP_PAGE} > your app > "
            "OAuth & Permissions into .env (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "to install it in many workspaces with Add to Slack)",
        )
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN",
            "is not a bot token",
            "it starts with xoxb-; find it under OAuth & Permissions",
        )
    signing_secret = get("SLACK_SIGNING_SECRET")
    if signing_secret is None:
        raise SettingsError(
            "SLACK_SIGNING_SECRET",
            "is not set",
            f"copy the Signing Secret from {SLACK_APP_PAGE} > your app > Basic Information "
            "into .env",
        )
    app_token = get("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN",
            "is not an app-level token",
            "it starts with xapp-; create one with the connections:write scope under "
            "Basic Information > App-Level Tokens, or leave it unset for HTTP mode",
        )
    api_url = get("SLACK_API_URL")
    if api_url is not None:
        if not re.match(r"^https?://[^/\s]+", api_url):
            raise SettingsError(
                "SLACK_API_URL",
                f"is not a URL ({api_url!r})",
                "give the Web API base, for example https://slack.com/api/",
            )
        if not api_url.endswith("/"):
            api_url += "/"

    database_url = load_database_url(env)

    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        slack_scopes=_scopes(get("SLACK_SCOPES")),
        slack_authorize_url=_url("SLACK_AUTHORIZE_URL", get("SLACK_AUTHORIZE_URL"))
        or DEFAULT_AUTHORIZE_URL,
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=database_url,
        port=_port(get("PORT")),
        program_admins=_ids("PROGRAM_ADMINS", get("PROGRAM_ADMINS"), MEMBER_ID, "U0123ABCD"),
        program_channel=_channel(get("PROGRAM_CHANNEL")),
        program_channel_copy=ChannelCopy(
            _choice("PROGRAM_CHANNEL_COPY", get("PROGRAM_CHANNEL_COPY"), tuple(ChannelCopy))
        ),
        max_open_requests=_positive_int("MAX_OPEN_REQUESTS", get("MAX_OPEN_REQUESTS"), 3),
        scheduler_enabled=_switch("SCHEDULER", get("SCHEDULER")),
        scheduler_interval=_seconds("SCHEDULER_INTERVAL", get("SCHEDULER_INTERVAL"), 60.0),
        retention_months=(
            _positive_int("RETENTION_MONTHS", get("RETENTION_MONTHS"), 24)
            if get("RETENTION_MONTHS")
            else None
        ),
        log_format=log_format(env),
        test_clock_file=_clock_file(get("SB_TEST_CLOCK_FILE")),
    )


def load_database_url(env: Mapping[str, str]) -> str:
    """Just DATABASE_URL, checked, for the commands that only read the database."""
    database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", database_url):
        raise SettingsError(
            "DATABASE_URL",
            "is not a supported database URL",
            "use sqlite:///path/to/file.db or postgresql://user:password@host/dbname",
        )
    return database_url


LOG_FORMATS = ("text", "json")


def log_format(env: Mapping[str, str]) -> str:
    """LOG_FORMAT: `text` (the default) or `json`. Read on its own too, since logging is
    set up before the other settings are checked."""
    raw = env.get("LOG_FORMAT", "").strip().lower() or "text"
    if raw not in LOG_FORMATS:
        raise SettingsError(
            "LOG_FORMAT",
            f"is neither text nor json ({env.get('LOG_FORMAT', '').strip()!r})",
            "use LOG_FORMAT=json for one JSON object per line, or leave it unset",
        )
    return raw


def _scopes(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_SCOPES
    return tuple(scope for scope in re.split(r"[,\s]+", raw) if scope)


def _url(name: str, raw: str | None) -> str | None:
    if raw is not None and not re.match(r"^https?://[^/\s]+", raw):
        raise SettingsError(name, f"is not a URL ({raw!r})", "give the whole https:// address")
    return raw


def _port(raw: str | None) -> int:
    if raw is None:
        return 3000
    if not raw.isdecimal() or not 0 < int(raw) < 65536:
        raise SettingsError(
            "PORT", f"is not a port number ({raw!r})", "use a number from 1 to 65535"
        )
    return int(raw)


def _positive_int(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise SettingsError(
            name, f"is not a positive whole number ({raw!r})", f"for example {default}"
        )
    return int(raw)


def _seconds(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.05 <= value <= 3600:
        raise SettingsError(
            name,
            f"is not a number of seconds from 0.05 to 3600 ({raw!r})",
            f"for example {default:g}",
        )
    return value


def _clock_file(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        FileClock(raw)
    except (OSError, ValueError) as problem:
        raise SettingsError(
            "SB_TEST_CLOCK_FILE",
            f"does not name a file holding an instant ({problem})",
            "leave it unset: it is for tests that move the clock of several processes",
        ) from None
    return raw


def _ids(name: str, raw: str | None, pattern: re.Pattern[str], example: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    ids = [part.strip() for part in re.split(r"[,\s]+", raw) if part.strip()]
    bad = [part for part in ids if not pattern.match(part)]
    if bad:
        raise SettingsError(
            name,
            f"has values that are not Slack user IDs ({', '.join(bad)})",
            f"list member IDs separated by commas, for example {example} "
            "(in Slack: a person's profile > More > Copy member ID)",
        )
    return frozenset(ids)


def _channel(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not CHANNEL_ID.match(raw):
        raise SettingsError(
            "PROGRAM_CHANNEL",
            f"is not a Slack channel ID ({raw!r})",
            "use the channel's ID, for example C0123ABCD (channel details > About, at the bottom), "
            "and invite the bot to it",
        )
    return raw


def _choice(name: str, raw: str | None, allowed: tuple[str, ...]) -> str:
    if raw is None:
        return allowed[0]
    if raw.lower() not in allowed:
        raise SettingsError(
            name, f"is not one of {', '.join(allowed)} ({raw!r})", f"use {name}={allowed[0]}"
        )
    return raw.lower()


def _switch(name: str, raw: str | None) -> bool:
    if raw is None:
        return True
    lowered = raw.lower()
    if lowered in {"on", "true", "1", "yes"}:
        return True
    if lowered in {"off", "false", "0", "no"}:
        return False
    raise SettingsError(
        name, f"is neither on nor off ({raw!r})", "use SCHEDULER=on or SCHEDULER=off"
    )
