"""The program as coordinators see it: figures, who is overdue, the export, removing a
person on request, and retention. Debrief answers never appear in any of it."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased

from coaching import text
from coaching.cadence import add_months, missed_periods, overdue_since, term_end
from coaching.effects import Effect, Kind, group_conversation
from coaching.errors import Invalid, Refused
from coaching.lifecycle import MATCHED, State
from coaching.profiles import find_person
from coaching.vocabulary import Frequency
from storage.models import (
    ActionItem,
    Agreement,
    CoachProfile,
    Conversation,
    Debrief,
    LearnerProfile,
    Nudge,
    Person,
    Preparation,
    Relationship,
    Removal,
)
from storage.queries import get_in_team
from storage.states import AgreementStatus, NudgeStatus

AT_RISK_MISSED = 2
NOTE_LIMIT = 1000


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


def failed_deliveries(session: Session, team_id: str, limit: int = 10) -> list[FailedDelivery]:
    """The latest messages that could not be delivered and no coordinator has marked
    handled, and why (never their content)."""
    rows = session.execute(
        select(Nudge.id, Nudge.kind, Person.name, Nudge.error, Nudge.deliver_at, Nudge.attempts)
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


def time_zone_of(session: Session, team_id: str, slack_user_id: str) -> str | None:
    """A member's time zone, if the program knows them."""
    return session.scalar(
        select(Person.time_zone).where(
            Person.team_id == team_id, Person.slack_user_id == slack_user_id
        )
    )


def export_effects(coordinator: str, now: datetime) -> list[Effect]:
    """The export, to the coordinator's DM (coordinators need not be in the program)."""
    return [
        Effect(
            Kind.EXPORT,
            0,
            None,
            coordinator,
            key=f"{coordinator} {now.isoformat()}",
            payload={"user": coordinator},
        )
    ]


PEOPLE_COLUMNS = [
    "slack_id",
    "name",
    "email",
    "phone",
    "organization",
    "department",
    "title",
    "city",
    "state",
    "is_coach",
    "is_learner",
    "coach_areas",
    "coach_max_learners",
    "coach_paused",
    "learner_frequency",
]
RELATIONSHIP_COLUMNS = [
    "relationship_id",
    "learner",
    "learner_email",
    "coach",
    "coach_email",
    "state",
    "coaching_kind",
    "requested_on",
    "answered_on",
    "ended_on",
    "conversations",
    "last_conversation",
]
AGREEMENT_COLUMNS = [
    "relationship_id",
    "version",
    "status",
    "start_date",
    "duration_months",
    "frequency",
    "contact_forms",
    "coach_time",
    "coach_roles",
    "learner_signed_on",
    "coach_signed_on",
    "executed_on",
]


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def _csv(columns: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return out.getvalue()


def _cell(value: object) -> object:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is shown as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(session: Session, team_id: str) -> dict[str, str]:
    """people.csv, relationships.csv and agreements.csv; no debrief, preparation or
    private reason is ever among the columns."""
    people = []
    for person in session.scalars(
        select(Person).where(Person.team_id == team_id).order_by(Person.name)
    ):
        coach, learner = person.coach, person.learner
        people.append(
            [
                person.slack_user_id or "",
                person.name,
                person.email,
                person.phone,
                person.organization,
                person.department,
                person.title,
                person.city,
                person.state,
                "yes" if coach else "no",
                "yes" if learner else "no",
                "; ".join(coach.areas) if coach else "",
                coach.max_learners if coach else "",
                ("yes" if coach.paused_at else "no") if coach else "",
                learner.frequency if learner else "",
            ]
        )
    talks = dict(
        (rid, (count, last))
        for rid, count, last in session.execute(
            select(Conversation.relationship_id, func.count(), func.max(Conversation.happened_on))
            .where(Conversation.team_id == team_id)
            .group_by(Conversation.relationship_id)
        )
    )
    relationships = []
    for r in session.scalars(
        select(Relationship).where(Relationship.team_id == team_id).order_by(Relationship.id)
    ):
        count, last = talks.get(r.id, (0, None))
        relationships.append(
            [
                r.id,
                r.learner.name,
                r.learner.email,
                r.coach.name,
                r.coach.email,
                r.state,
                r.coaching_kind,
                _day(r.requested_at),
                _day(r.answered_at),
                _day(r.ended_at),
                count,
                last.isoformat() if last else "",
            ]
        )
    agreements = [
        [
            a.relationship_id,
            a.version,
            a.status,
            a.start_date.isoformat(),
            a.duration_months,
            a.frequency,
            "; ".join(a.contact_forms),
            a.coach_time,
            "; ".join(a.coach_roles),
            _day(a.learner_signed_at),
            _day(a.coach_signed_at),
            _day(a.executed_at),
        ]
        for a in session.scalars(
            select(Agreement)
            .where(Agreement.team_id == team_id)
            .order_by(Agreement.relationship_id, Agreement.version)
        )
    ]
    return {
        "people.csv": _csv(PEOPLE_COLUMNS, people),
        "relationships.csv": _csv(RELATIONSHIP_COLUMNS, relationships),
        "agreements.csv": _csv(AGREEMENT_COLUMNS, agreements),
    }


def teams(session: Session) -> list[str]:
    """The Slack workspaces this database holds a program for."""
    return sorted(session.scalars(select(Person.team_id).distinct()))


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
    removed = 0
    for statement in (
        delete(Nudge).where(
            Nudge.team_id == team_id,
            (Nudge.recipient_id == person.id)
            | ((Nudge.kind == "debrief") & Nudge.subject_id.in_(conversation_ids))
            | ((Nudge.kind != "debrief") & Nudge.subject_id.in_(relationship_ids)),
        ),
        delete(ActionItem).where(ActionItem.relationship_id.in_(relationship_ids)),
        delete(Debrief).where(Debrief.conversation_id.in_(conversation_ids)),
        delete(Preparation).where(Preparation.relationship_id.in_(relationship_ids)),
        delete(Conversation).where(Conversation.id.in_(conversation_ids)),
        delete(Agreement).where(Agreement.relationship_id.in_(relationship_ids)),
        delete(Relationship).where(Relationship.id.in_(relationship_ids)),
    ):
        removed += (
            session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0
        )
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
    removed = (
        session.execute(
            delete(Debrief)
            .where(Debrief.team_id == team_id, Debrief.created_at < cutoff_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
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
        conversations = select(Conversation.id).where(Conversation.relationship_id.in_(old))
        for statement in (
            delete(ActionItem).where(ActionItem.relationship_id.in_(old)),
            delete(Debrief).where(Debrief.conversation_id.in_(conversations)),
            delete(Preparation).where(Preparation.relationship_id.in_(old)),
            delete(Conversation).where(Conversation.relationship_id.in_(old)),
            delete(Agreement).where(Agreement.relationship_id.in_(old)),
        ):
            removed += (
                session.execute(statement.execution_options(synchronize_session=False)).rowcount
                or 0
            )
        session.execute(
            update(Relationship)
            .where(Relationship.id.in_(old))
            .values(hopes="", note="", end_reason="", decline_reason="", search={})
        )
    return removed
