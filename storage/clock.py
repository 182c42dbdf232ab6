"""The one clock. Everything that asks "what time is it" asks here, so tests can freeze it
and the sandbox can move it. Rows' own timestamps (created_at, updated_at...) come from
the clock their session was made with (storage/db.make_sessionmaker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


CLOCK_OPTION = "sounding_board_clock"
"""The execution option that carries a session's clock to the rows it writes."""


def stamp(context: Any) -> datetime:
    """A column default: the time on the clock of the connection writing the row."""
    clock: Clock = context.execution_options.get(CLOCK_OPTION, system_clock)
    return clock()


def now_in(session: Session) -> datetime:
    """The time on the clock `session` was made with, for a rule that is handed a session
    but no clock (a roster import recording the links it makes)."""
    options = session.get_bind().get_execution_options()
    clock: Clock = options.get(CLOCK_OPTION, system_clock)
    return clock()


class FileClock:
    """For tests only: the instant written in a file (ISO 8601 with its UTC offset), read
    afresh at each call, so that a test can move the clock of several `python -m bot`
    processes at once, where freezegun cannot reach. `python -m bot` uses it only when
    SB_TEST_CLOCK_FILE names the file; the writer replaces the file whole (write a
    neighbour, then rename), so a reader never sees half an instant."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self()

    def __call__(self) -> datetime:
        value = datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        if value.tzinfo is None:
            raise ValueError(f"{self.path} holds {value.isoformat()}, with no UTC offset")
        return value.astimezone(UTC)


def set_file_clock(path: str | Path, when: datetime) -> None:
    """Move a `FileClock` to `when` (aware), replacing its file whole."""
    if when.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    target = Path(path)
    fresh = target.with_name(target.name + ".new")
    fresh.write_text(when.astimezone(UTC).isoformat(), encoding="utf-8")
    fresh.replace(target)
