"""The one clock. Everything that asks "what time is it" asks here, so tests can freeze it
and the sandbox can move it. Rows' own timestamps (created_at, updated_at...) come from
the clock their session was made with (storage/db.make_sessionmaker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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
