"""What every listener needs besides the Slack payload, handed over in Bolt's context:
the database, the clock, the outbox, and each program's settings."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from coaching import programs
from coaching.programs import ProgramSettings
from scheduling.outbox import Outbox
from storage.clock import Clock

CONTEXT_KEY = "runtime"


@dataclass(frozen=True)
class Runtime:
    sessions: sessionmaker[Session]
    clock: Clock
    outbox: Outbox
    defaults: ProgramSettings
    """What a program starts with (from the environment in single-workspace mode)."""

    def program(self, session: Session, team_id: str) -> ProgramSettings:
        return programs.settings_for(session, team_id, self.defaults, self.clock())

    def programs_of(
        self, session: Session, team_ids: Collection[str]
    ) -> dict[str, ProgramSettings]:
        """`program` for several teams at once (one statement)."""
        return programs.settings_of(session, team_ids, self.defaults)

    def middleware(self, context: dict[str, Any], next: Callable[[], None]) -> None:
        """Bolt global middleware: put this runtime in every listener's context."""
        context[CONTEXT_KEY] = self
        next()


def runtime_of(context: Mapping[str, Any]) -> Runtime:
    return context[CONTEXT_KEY]
