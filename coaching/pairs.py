"""Finding a pair and checking that someone belongs to it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from coaching.profiles import find_person
from storage.models import Person, Relationship
from storage.queries import get_in_team


def party_to(
    session: Session, team_id: str, relationship_id: int, user_id: str
) -> tuple[Relationship, Person] | None:
    """The relationship and `user_id`'s person if they are its learner or coach; None
    otherwise, whether or not it exists, so a refusal reveals nothing."""
    relationship = get_in_team(session, Relationship, relationship_id, team_id)
    person = find_person(session, team_id, user_id)
    if (
        relationship is None
        or person is None
        or person.id not in (relationship.learner_id, relationship.coach_id)
    ):
        return None
    return relationship, person
