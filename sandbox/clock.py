"""The sandbox's clock: real time, moved forward on request.

The bot's runtime and the reminder run both read it, so fast-forwarding a month makes a
monthly check-in due. A jump lands at 17:00 UTC on a weekday (late morning in the
Americas), inside every seeded person's working hours; on the way, the fast-forward
stops the clock wherever something falls due (`sandbox.fastforward`).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from coaching.cadence import add_months

LANDING_HOUR_UTC = 17
STEPS = ("day", "week", "month")


def working_moment(when: datetime) -> datetime:
    """17:00 UTC on `when`'s date, or on the Monday after if that is a weekend."""
    day = when.astimezone(UTC).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, LANDING_HOUR_UTC, tzinfo=UTC)


def landing(now: datetime, step: str) -> datetime:
    """Where a jump by a day, a week or a calendar month from `now` lands."""
    if step == "day":
        return working_moment(now + timedelta(days=1))
    if step == "week":
        return working_moment(now + timedelta(days=7))
    if step == "month":
        day = add_months(now.astimezone(UTC).date(), 1)
        return working_moment(datetime(day.year, day.month, day.day, tzinfo=UTC))
    raise ValueError(f"step must be one of {', '.join(STEPS)}")


class SandboxClock:
    """Callable like `storage.clock.system_clock`; ticks with real time between jumps."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._anchor = start or working_moment(datetime.now(UTC))
        self._since = time.monotonic()

    def __call__(self) -> datetime:
        with self._lock:
            return self._anchor + timedelta(seconds=time.monotonic() - self._since)

    def set(self, when: datetime) -> None:
        with self._lock:
            self._anchor, self._since = when, time.monotonic()
