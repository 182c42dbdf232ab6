"""A coordinator's note to a pair, sent to the pair's group conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from coaching import text
from coaching.effects import Effect, Kind, group_conversation
from coaching.errors import Invalid, Refused
from coaching.lifecycle import MATCHED
from storage.models import (
    Relationship,
)
from storage.queries import get_in_team

NOTE_LIMIT = 1000


class NoteRefused(Refused):
    """A coordinator's note can't go to that pair; the message says why."""


class InvalidNote(Invalid):
    """The note's field errors."""


def current_pair(session: Session, team_id: str, relationship_id: int) -> Relationship:
    """A pair of this program that is still together, for a coordinator's note."""
    relationship = get_in_team(session, Relationship, relationship_id, team_id)
    if relationship is None or relationship.state not in MATCHED:
        raise NoteRefused("That pair is no longer together in the program.")
    return relationship


@dataclass(frozen=True)
class PairNames:
    relationship_id: int
    learner_name: str
    coach_name: str


def pair_to_note(session: Session, team_id: str, relationship_id: int) -> PairNames:
    """Who a coordinator's note would go to (`current_pair`)."""
    relationship = current_pair(session, team_id, relationship_id)
    return PairNames(relationship.id, relationship.learner.name, relationship.coach.name)


def note_to_pair(
    session: Session, team_id: str, relationship_id: int, coordinator: str, note: str, now: datetime
) -> list[Effect]:
    """A coordinator's note to a pair, for their group DM."""
    relationship = current_pair(session, team_id, relationship_id)
    fields = text.Fields()
    note = fields.text("note", note, limit=NOTE_LIMIT, required="Please write your note.")
    if fields.errors:
        raise InvalidNote(fields.errors)
    return [
        Effect(
            Kind.PAIR_NOTE,
            relationship.id,
            relationship.learner_id,
            group_conversation(relationship.id),
            key=f"{coordinator} {now.isoformat()}",
            payload={"coordinator": coordinator, "note": note},
        )
    ]
