"""What every listener needs besides the Slack payload, handed over in Bolt's context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from coaching.clock import Clock
from scheduling.outbox import Outbox

CONTEXT_KEY = "runtime"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    outbox: Outbox

    def is_admin(self, user_id: str | None) -> bool:
        return user_id in self.settings.program_admins

    def middleware(self, context: dict[str, Any], next: Callable[[], None]) -> None:
        """Bolt global middleware: put this runtime in every listener's context."""
        context[CONTEXT_KEY] = self
        next()


def runtime_of(context: Mapping[str, Any]) -> Runtime:
    return context[CONTEXT_KEY]
