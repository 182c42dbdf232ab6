"""Health and readiness, for load balancers, orchestrators and people on call.

- **GET /healthz** (liveness): the process answers and so does the database. A failure
  means restart or fix the database; nothing else is checked, so a Slack outage never
  gets healthy processes restarted.
- **GET /readyz** (readiness): should this process get traffic? The database answers,
  its schema is at the migrations' head (a process older than the schema is not ready),
  Slack answers `auth.test` for the bot token (checked at most every `SLACK_CHECK_EVERY`
  seconds, with a short timeout), the scheduler is running (unless `SCHEDULER=off`), and
  in Socket Mode the connection to Slack is up.

Both answer JSON with 200 or 503: /healthz `{"status": "ok"}` or `{"status": "database
unavailable"}`; /readyz `{"status": "ready" or "not ready", "checks": {name: "ok" or what
is wrong}}`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from storage.db import alembic_config, database_answers

OK = "ok"
SLACK_CHECK_EVERY = 30.0
SLACK_CHECK_TIMEOUT = 3


def schema_state(engine: Engine) -> str:
    """OK if the database is at the migrations' head, else what it is at."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception:
        return "unreadable"
    if current == heads:
        return OK
    return f"at {', '.join(sorted(current)) or 'no revision'}, expected {', '.join(sorted(heads))}"


@dataclass
class SlackCheck:
    """auth.test for the bot token, remembered for `every` seconds."""

    client: WebClient | None
    every: float = SLACK_CHECK_EVERY
    clock: Callable[[], float] = time.monotonic
    _last: tuple[float, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_client(cls, client: WebClient) -> SlackCheck:
        """A check with its own short-timeout client, without retries, for the same
        token and Web API base as `client` (None when there is no bot token to check)."""
        if not client.token:
            return cls(None)
        return cls(
            WebClient(token=client.token, base_url=client.base_url, timeout=SLACK_CHECK_TIMEOUT)
        )

    def __call__(self) -> str:
        if self.client is None:
            return OK
        with self._lock:
            now = self.clock()
            if self._last is not None and now - self._last[0] < self.every:
                return self._last[1]
            self._last = (now, self._ask())
            return self._last[1]

    def _ask(self) -> str:
        assert self.client is not None
        try:
            self.client.auth_test()
        except SlackApiError as error:
            return str(error.response.get("error") or "refused")
        except Exception as error:
            return f"unreachable ({type(error).__name__})"
        return OK


@dataclass
class Health:
    engine: Engine
    slack: Callable[[], str]
    scheduler_expected: bool = False
    """SCHEDULER is on: readiness wants `scheduler` running."""
    scheduler: Any | None = None
    """The started APScheduler."""
    socket: Callable[[], bool] | None = None
    """In Socket Mode: whether the connection is up."""

    def live(self) -> tuple[dict[str, Any], int]:
        if database_answers(self.engine):
            return {"status": "ok"}, 200
        return {"status": "database unavailable"}, 503

    def ready(self) -> tuple[dict[str, Any], int]:
        checks = {"database": OK if database_answers(self.engine) else "unavailable"}
        checks["migrations"] = schema_state(self.engine) if checks["database"] == OK else "unknown"
        checks["slack"] = self.slack()
        if self.scheduler_expected:
            running = self.scheduler is not None and self.scheduler.running
            checks["scheduler"] = OK if running else "not running"
        if self.socket is not None:
            checks["socket_mode"] = OK if self.socket() else "not connected"
        return _answer(checks, "ready", "not ready")


def _answer(checks: dict[str, str], good: str, bad: str) -> tuple[dict[str, Any], int]:
    fine = all(value == OK for value in checks.values())
    return {"status": good if fine else bad, "checks": checks}, 200 if fine else 503
