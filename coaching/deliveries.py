"""Messages Slack refused for good, as coordinators see them: what failed, and marking
one handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coaching.text import MEMBER_ID
from storage.models import (
    Nudge,
    Person,
)
from storage.states import NudgeStatus


@dataclass(frozen=True)
class FailedDelivery:
    delivery_id: int
    kind: str
    recipient: str | None
    """The person it was for; None for the program channel."""
    reason: str
    """Slack's error code, and for a refused layout the rule it broke."""
    due: datetime
    attempts: int
    conversation: str = ""
    """Where it was to land: a member id (a DM), `group:<pair>`, or a channel id."""

    @property
    def member(self) -> str | None:
        """The member whose DM it was for when no person in the program was (an
        export, a roster report or a digest for a coordinator); None otherwise."""
        if self.recipient is None and MEMBER_ID.match(self.conversation):
            return self.conversation
        return None

    @property
    def to_program_channel(self) -> bool:
        return self.recipient is None and self.member is None


def failed_deliveries(session: Session, team_id: str, limit: int = 10) -> list[FailedDelivery]:
    """The latest messages that could not be delivered and no coordinator has marked
    handled, and why (never their content)."""
    rows = session.execute(
        select(
            Nudge.id,
            Nudge.kind,
            Person.name,
            Nudge.error,
            Nudge.deliver_at,
            Nudge.attempts,
            Nudge.channel_key,
        )
        .outerjoin(Person, Person.id == Nudge.recipient_id)
        .where(
            Nudge.team_id == team_id, Nudge.status == NudgeStatus.FAILED, Nudge.handled_at.is_(None)
        )
        .order_by(Nudge.deliver_at.desc(), Nudge.id.desc())
        .limit(limit)
    ).all()
    return [FailedDelivery(*row) for row in rows]


def mark_handled(
    session: Session, team_id: str, delivery_id: int, coordinator: str, now: datetime
) -> bool:
    """A coordinator has dealt with a failed delivery; it leaves the list. False if it
    is not a failure of this program waiting for them."""
    return (
        session.execute(
            update(Nudge)
            .where(
                Nudge.id == delivery_id,
                Nudge.team_id == team_id,
                Nudge.status == NudgeStatus.FAILED,
                Nudge.handled_at.is_(None),
            )
            .values(handled_at=now, handled_by=coordinator)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
