"""Finding a pair, checking that someone belongs to it, and the pair as one of its two
parties sees it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.lifecycle import MATCHED
from coaching.profiles import find_person
from storage.models import Person, Relationship
from storage.queries import get_in_team


@dataclass(frozen=True)
class Pair:
    """A pair as one of its parties sees it: the relationship and the other person."""

    relationship_id: int
    is_learner: bool
    """Whether the one who sees it is the pair's learner."""
    other_user: str
    other_name: str


def other_party(relationship: Relationship, person_id: int) -> Person:
    """The pair's other person, for one of its two parties."""
    return relationship.coach if person_id == relationship.learner_id else relationship.learner


def seen_by(relationship: Relationship, person_id: int) -> Pair:
    other = other_party(relationship, person_id)
    return Pair(
        relationship.id, person_id == relationship.learner_id, other.slack_user_id or "", other.name
    )


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


def pair_of(session: Session, team_id: str, relationship_id: int, user_id: str) -> Pair | None:
    """`party_to`, as the party sees the pair."""
    found = party_to(session, team_id, relationship_id, user_id)
    return seen_by(found[0], found[1].id) if found else None


def meant_by(
    session: Session, team_id: str, user_id: str, mention: str | None
) -> list[Pair] | None:
    """Which current pair a command means: the user's matched pairs, only the one with
    the @-mentioned member when someone else is mentioned. None if the user isn't in
    the program at all."""
    person = find_person(session, team_id, user_id)
    if person is None:
        return None
    current = session.scalars(
        select(Relationship).where(
            (Relationship.learner_id == person.id) | (Relationship.coach_id == person.id),
            Relationship.state.in_(MATCHED),
        )
    )
    pairs = [seen_by(relationship, person.id) for relationship in current]
    if mention in (None, user_id):
        return pairs
    return [pair for pair in pairs if pair.other_user == mention]
