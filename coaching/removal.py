"""Removing data: one person's, on request, recorded; and what the program's retention
period has outlived."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Delete, delete, select, update
from sqlalchemy.orm import Session

from coaching.cadence import add_months
from coaching.effects import Kind
from coaching.lifecycle import State
from coaching.profiles import find_person
from storage.models import (
    ActionItem,
    Agreement,
    CoachProfile,
    Conversation,
    Debrief,
    Nudge,
    Preparation,
    Relationship,
    Removal,
)


def remove_person(
    session: Session, team_id: str, slack_user_id: str, removed_by: str, now: datetime
) -> int:
    """Delete a person and everything about them; returns how many rows went. Their
    former partners' coach profiles are touched so search sees the freed places."""
    person = find_person(session, team_id, slack_user_id)
    if person is None:
        return 0
    relationship_ids = list(
        session.scalars(
            select(Relationship.id).where(
                (Relationship.learner_id == person.id) | (Relationship.coach_id == person.id)
            )
        )
    )
    partners = set(
        session.scalars(select(Relationship.coach_id).where(Relationship.id.in_(relationship_ids)))
    ) - {person.id}
    conversation_ids = list(
        session.scalars(
            select(Conversation.id).where(Conversation.relationship_id.in_(relationship_ids))
        )
    )
    removed = _deleted(
        session,
        delete(Nudge).where(
            Nudge.team_id == team_id,
            (Nudge.recipient_id == person.id)
            | ((Nudge.kind == Kind.DEBRIEF) & Nudge.subject_id.in_(conversation_ids))
            | ((Nudge.kind != Kind.DEBRIEF) & Nudge.subject_id.in_(relationship_ids)),
        ),
    )
    removed += _delete_pair_details(session, relationship_ids)
    removed += _deleted(session, delete(Relationship).where(Relationship.id.in_(relationship_ids)))
    removed += 1 + (person.coach is not None) + (person.learner is not None)
    session.delete(person)
    if partners:
        session.execute(
            update(CoachProfile).where(CoachProfile.person_id.in_(partners)).values(updated_at=now)
        )
    session.add(
        Removal(
            team_id=team_id,
            removed_user=slack_user_id,
            removed_by=removed_by,
            rows_removed=removed,
            removed_at=now,
        )
    )
    return removed


def apply_retention(session: Session, team_id: str, now: datetime, months: int) -> int:
    """Delete the program's debrief answers older than `months`, and the details of its
    relationships that concluded longer ago than that (agreements, conversations,
    notes); the bare relationship row stays for the program's figures."""
    cutoff = add_months(now.date(), -months)
    cutoff_at = datetime.combine(cutoff, datetime.min.time(), tzinfo=now.tzinfo)
    removed = _deleted(
        session, delete(Debrief).where(Debrief.team_id == team_id, Debrief.created_at < cutoff_at)
    )
    old = list(
        session.scalars(
            select(Relationship.id).where(
                Relationship.team_id == team_id,
                Relationship.state == State.CONCLUDED,
                Relationship.ended_at < cutoff_at,
            )
        )
    )
    if old:
        removed += _delete_pair_details(session, old)
        session.execute(
            update(Relationship)
            .where(Relationship.id.in_(old))
            .values(hopes="", note="", end_reason="", decline_reason="", search={})
        )
    return removed


def _deleted(session: Session, statement: Delete) -> int:
    """Run a bulk delete; how many rows went."""
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def _delete_pair_details(session: Session, relationship_ids: Sequence[int]) -> int:
    """Delete what the pairs hold beyond their bare relationship rows: commitments,
    debriefs, preparations, conversations and agreements. Returns how many rows went."""
    conversations = select(Conversation.id).where(
        Conversation.relationship_id.in_(relationship_ids)
    )
    return sum(
        _deleted(session, statement)
        for statement in (
            delete(ActionItem).where(ActionItem.relationship_id.in_(relationship_ids)),
            delete(Debrief).where(Debrief.conversation_id.in_(conversations)),
            delete(Preparation).where(Preparation.relationship_id.in_(relationship_ids)),
            delete(Conversation).where(Conversation.relationship_id.in_(relationship_ids)),
            delete(Agreement).where(Agreement.relationship_id.in_(relationship_ids)),
        )
    )
