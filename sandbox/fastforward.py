"""Fast-forward: the sandbox's clock moved on by a day, a week or a month, with the
reminder passes a scheduler would have run on the way.

One pass at the end of a month would send on the 31st what was due on the 1st. Instead
the clock stops at every moment something falls due on the way (a pair's next planning
time, an owed message's delivery time, which the planner puts in the recipient's
working hours) and a pass runs there, as a scheduler waking often would; and at least
once a simulated day, so nothing waits longer than a day whatever the planner says. A
month holds a few dozen such moments, so a jump takes a fraction of a second, not the
700-odd passes of an hourly walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sandbox.clock import SandboxClock
from scheduling.outbox import RunReport
from storage.models import Nudge, Relationship
from storage.states import NudgeStatus

MAX_PASSES = 5000
AT_LEAST_EVERY = timedelta(days=1)


@dataclass
class Jump:
    """What a fast-forward did, for the page's summary."""

    clock: datetime
    passes: int = 0
    planned: int = 0
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    skipped: int = 0
    retried: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, report: RunReport) -> None:
        self.passes += 1
        self.planned += report.planned
        self.sent += report.sent
        self.failed += report.failed
        self.postponed += report.postponed
        self.skipped += report.skipped
        self.retried += report.retried
        self.failures += report.failures


def next_due(session: Session, after: datetime) -> datetime | None:
    """The first moment after `after` at which a pass would find something to do."""
    planned = session.scalar(
        select(func.min(Relationship.next_plan_at)).where(Relationship.next_plan_at > after)
    )
    owed = session.scalar(
        select(func.min(Nudge.deliver_at)).where(
            Nudge.status == NudgeStatus.PENDING, Nudge.deliver_at > after
        )
    )
    moments = [moment for moment in (planned, owed) if moment is not None]
    return min(moments) if moments else None


def fast_forward(
    clock: SandboxClock,
    target: datetime,
    run_pass: Callable[[], RunReport],
    sessions: sessionmaker[Session],
) -> Jump:
    """Move `clock` to `target`, running `run_pass` now, at each moment something falls
    due before `target`, and at `target`."""
    jump = Jump(clock=target)
    jump.add(run_pass())
    while jump.passes < MAX_PASSES:
        now = clock()
        with sessions() as session:
            due = next_due(session, now)
        moment = min(due or target, now + AT_LEAST_EVERY)
        if moment >= target:
            break
        clock.set(moment)
        jump.add(run_pass())
    clock.set(max(target, clock()))
    jump.add(run_pass())
    return jump
