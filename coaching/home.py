"""What a person's App Home shows, gathered as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from coaching import profiles, relationships
from coaching.checkins import open_actions
from coaching.intros import matched_learners
from coaching.lifecycle import TALKING, State
from coaching.profiles import ProfileSummary, find_person
from coaching.relationships import MyCoaching
from storage.models import Conversation, Debrief, Person, Relationship


@dataclass(frozen=True)
class HomeData:
    profile: ProfileSummary
    coaching: MyCoaching
    waiting_on_coaches: list[tuple[str, date]]
    """Learner's requests not yet answered: coach name, asked on."""
    waiting_for_me: list[tuple[str, date]]
    """Coach's requests to answer: learner's Slack ID, asked on."""
    room: int | None
    actions: list[tuple[int, str]]
    to_debrief: list[tuple[int, date, str]]
    """Learner's conversations without a debrief: id, date, coach's Slack ID."""


def home_data(session: Session, team_id: str, user_id: str, today: date) -> HomeData:
    summary = profiles.profile_summary(session, team_id, user_id)
    coaching = relationships.my_coaching(session, team_id, user_id, today)
    person = find_person(session, team_id, user_id)
    if person is None:
        return HomeData(summary, coaching, [], [], None, [], [])
    other = aliased(Person)
    waiting_on = [
        (name, asked.date())
        for name, asked in session.execute(
            select(other.name, Relationship.requested_at)
            .join(other, other.id == Relationship.coach_id)
            .where(Relationship.learner_id == person.id, Relationship.state == State.REQUESTED)
        )
    ]
    waiting_for = [
        (slack_id or "", asked.date())
        for slack_id, asked in session.execute(
            select(other.slack_user_id, Relationship.requested_at)
            .join(other, other.id == Relationship.learner_id)
            .where(Relationship.coach_id == person.id, Relationship.state == State.REQUESTED)
        )
    ]
    room = None
    if person.coach is not None:
        room = max(person.coach.max_learners - matched_learners(session, person.id), 0)
    mine = [r.relationship_id for r in coaching.lines if r.role == "learner" and r.state in TALKING]
    actions = [(item.id, item.text) for rid in mine for item in open_actions(session, rid)]
    coach = aliased(Person)
    to_debrief = [
        (conversation_id, day, slack_id or "")
        for conversation_id, day, slack_id in session.execute(
            select(Conversation.id, Conversation.happened_on, coach.slack_user_id)
            .join(Relationship, Relationship.id == Conversation.relationship_id)
            .join(coach, coach.id == Relationship.coach_id)
            .outerjoin(Debrief, Debrief.conversation_id == Conversation.id)
            .where(Relationship.learner_id == person.id, Debrief.id.is_(None))
            .order_by(Conversation.happened_on.desc())
            .limit(5)
        )
    ]
    return HomeData(summary, coaching, waiting_on, waiting_for, room, actions, to_debrief)
