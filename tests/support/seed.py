"""Putting coaches and learners straight into a program's database for a test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coaching import agreements
from coaching.agreements import Terms
from coaching.profiles import (
    CONTACT_FIELDS,
    CoachApplication,
    Contact,
    LearnerApplication,
    save_coach,
    save_learner,
)

from support.workspace import TEAM


def _contact(values: dict[str, Any]) -> Contact:
    return Contact(**{name: values.pop(name, "") for name in CONTACT_FIELDS})


def add_coach(
    session: Session,
    user_id: str,
    *,
    time_zone: str = "America/Chicago",
    team: str = TEAM,
    **fields: Any,
) -> int:
    """A coach with sensible defaults, registered from Slack (which vouches for the
    address); returns their person id."""
    values: dict[str, Any] = {
        "name": f"Coach {user_id}",
        "email": f"{user_id.lower()}@example.gov",
        "organization": "City of Ames",
        "department": "Finance",
        "title": "Finance Director",
        "city": "Ames",
        "state": "IA",
        "years_in_local_government": "15",
        "why_coach": "I enjoy helping people grow.",
        "expertise": ["Finance", "Management", "Strategic Planning"],
        "coaching_kinds": ["career"],
        "meeting_forms": ["video"],
        "frequency": "quarterly",
        "max_learners": "2",
    }
    values.update(fields)
    contact = _contact(values)
    profile = save_coach(
        session,
        team,
        user_id,
        CoachApplication(contact=contact, **values),
        time_zone=time_zone,
        slack_email=contact.email,
    )
    session.flush()
    return profile.person_id


def add_learner(
    session: Session,
    user_id: str,
    *,
    time_zone: str = "America/Chicago",
    team: str = TEAM,
    **fields: Any,
) -> int:
    values: dict[str, Any] = {
        "name": f"Learner {user_id}",
        "email": f"{user_id.lower()}@example.gov",
        "organization": "Polk County",
        "department": "Public Works",
        "title": "Analyst",
        "city": "Des Moines",
        "state": "IA",
        "why_coaching": "I want to grow into a director role.",
        "coaching_kinds": ["career"],
        "frequency": "quarterly",
    }
    values.update(fields)
    contact = _contact(values)
    profile = save_learner(
        session,
        team,
        user_id,
        LearnerApplication(contact=contact, **values),
        time_zone=time_zone,
        slack_email=contact.email,
    )
    session.flush()
    return profile.person_id


def sign_terms(
    session: Session,
    relationship_id: int,
    learner: str,
    coach: str,
    now: datetime,
    *,
    team: str = TEAM,
    months: int = 6,
    frequency: str = "monthly",
) -> int:
    """Terms from `now`, drafted by the learner and signed by the coach: the pair is
    active. Returns the agreement's id."""
    terms = Terms(
        confidentiality="Between us.",
        start_date=now.date().isoformat(),
        duration_months=str(months),
        frequency=frequency,
        contact_forms=["video"],
        no_fault=True,
        learner_owns_choices=True,
    )
    agreement = agreements.draft(session, team, relationship_id, learner, terms, now)
    agreements.sign(session, team, agreement.id, coach, now)
    return agreement.id
