"""The program's figures as coordinators see them: who is waiting, who talks on
cadence, which pairs are overdue or at risk. Debrief answers never count in any of it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from coaching.cadence import missed_periods, overdue_since, term_end
from coaching.effects import Kind
from coaching.lifecycle import MATCHED, State
from coaching.vocabulary import Frequency
from storage.models import (
    Agreement,
    CoachProfile,
    Conversation,
    LearnerProfile,
    Nudge,
    Person,
    Relationship,
)
from storage.states import AgreementStatus, NudgeStatus

AT_RISK_MISSED = 2


@dataclass(frozen=True)
class Figures:
    coaches: int
    learners: int
    active_pairs: int
    pending_requests: int
    acceptance_rate: float | None
    median_answer_hours: float | None
    on_cadence: int
    overdue: int
    failed_deliveries: int
    at_risk: int = 0
    concluded_pairs: int = 0
    conversations: int = 0
    """Conversations logged, by every pair ever."""


@dataclass(frozen=True)
class OverduePair:
    relationship_id: int
    learner: str
    coach: str
    last_conversation: date | None
    overdue_since: date
    missed: int = 0
    """Check-in dates passed with no conversation; two or more and the pair is at risk."""

    @property
    def at_risk(self) -> bool:
        return self.missed >= AT_RISK_MISSED


def _overdue(session: Session, team_id: str, today: date) -> tuple[int, list[OverduePair]]:
    learner, coach = aliased(Person), aliased(Person)
    last = (
        select(Conversation.relationship_id, func.max(Conversation.happened_on).label("last"))
        .group_by(Conversation.relationship_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Relationship.id,
            learner.name,
            coach.name,
            Agreement.frequency,
            Agreement.start_date,
            Agreement.duration_months,
            last.c.last,
        )
        .join(learner, learner.id == Relationship.learner_id)
        .join(coach, coach.id == Relationship.coach_id)
        .join(
            Agreement,
            (Agreement.relationship_id == Relationship.id)
            & (Agreement.status == AgreementStatus.EXECUTED),
        )
        .outerjoin(last, last.c.relationship_id == Relationship.id)
        .where(Relationship.team_id == team_id, Relationship.state == State.ACTIVE)
    ).all()
    on_cadence, late = 0, []
    for relationship_id, learner_name, coach_name, frequency, start, months, last_talk in rows:
        cadence = Frequency(frequency)
        since = overdue_since(cadence, last_talk, start)
        if today >= since:
            missed = missed_periods(cadence, last_talk, start, term_end(start, months), today)
            late.append(
                OverduePair(relationship_id, learner_name, coach_name, last_talk, since, missed)
            )
        else:
            on_cadence += 1
    return on_cadence, late


def at_risk(session: Session, team_id: str, today: date) -> list[OverduePair]:
    """Active pairs that have let two or more check-in dates pass without talking."""
    return [pair for pair in _overdue(session, team_id, today)[1] if pair.at_risk]


def figures(session: Session, team_id: str, today: date) -> tuple[Figures, list[OverduePair]]:
    def count(statement: object) -> int:
        return session.scalar(statement) or 0  # type: ignore[call-overload]

    answered = session.execute(
        select(Relationship.state, Relationship.requested_at, Relationship.answered_at).where(
            Relationship.team_id == team_id,
            Relationship.state.not_in([State.REQUESTED, State.WITHDRAWN]),
        )
    ).all()
    accepted = sum(1 for state, _r, _a in answered if state not in (State.DECLINED, State.EXPIRED))
    hours = [
        (answered_at - requested_at).total_seconds() / 3600
        for _s, requested_at, answered_at in answered
        if answered_at is not None
    ]
    on_cadence, late = _overdue(session, team_id, today)
    return (
        Figures(
            coaches=count(
                select(func.count())
                .select_from(CoachProfile)
                .where(CoachProfile.team_id == team_id)
            ),
            learners=count(
                select(func.count())
                .select_from(LearnerProfile)
                .where(LearnerProfile.team_id == team_id)
            ),
            active_pairs=count(
                select(func.count())
                .select_from(Relationship)
                .where(Relationship.team_id == team_id, Relationship.state.in_(MATCHED))
            ),
            pending_requests=count(
                select(func.count())
                .select_from(Relationship)
                .where(Relationship.team_id == team_id, Relationship.state == State.REQUESTED)
            ),
            acceptance_rate=accepted / len(answered) if answered else None,
            median_answer_hours=statistics.median(hours) if hours else None,
            on_cadence=on_cadence,
            overdue=len(late),
            at_risk=sum(1 for pair in late if pair.at_risk),
            concluded_pairs=count(
                select(func.count())
                .select_from(Relationship)
                .where(Relationship.team_id == team_id, Relationship.state == State.CONCLUDED)
            ),
            conversations=count(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.team_id == team_id)
            ),
            failed_deliveries=count(
                select(func.count())
                .select_from(Nudge)
                .where(
                    Nudge.team_id == team_id,
                    Nudge.status == NudgeStatus.FAILED,
                    Nudge.handled_at.is_(None),
                )
            ),
        ),
        late,
    )


def learners_told(session: Session, coach_id: int) -> int:
    """How many learners were told their coach left."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Nudge)
            .join(Relationship, Relationship.id == Nudge.subject_id)
            .where(Nudge.kind == Kind.COACH_LEFT, Relationship.coach_id == coach_id)
        )
        or 0
    )
