"""The program's export: three CSV files (people, relationships, agreements), to the
coordinator's DM or from `python -m bot export`. Debrief answers are never in it."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching.effects import Effect, Kind
from coaching.profiles import CONTACT_FIELDS
from storage.models import (
    Agreement,
    Conversation,
    Person,
    Relationship,
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
    *CONTACT_FIELDS,
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
