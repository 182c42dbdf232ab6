"""The coach gallery: loading a program's coaches from the database (the ranking itself
is `coaching/ranking.py`, on plain values), and the searches that use them.

A program's `CoachIndex` is built once per process and reused while the database says
nothing changed: each search first asks for a small version stamp (counts and latest
updates of coaches, people and relationships), so a search costs a fixed handful of
statements however many coaches there are, and a change made by any process is seen
at the next search.
"""

from __future__ import annotations

import statistics
import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching.lifecycle import CURRENT, MATCHED, State
from coaching.ranking import CoachCard, CoachIndex, Filters, Match, Seeker, rank_one
from storage.models import CoachExpertise, CoachProfile, LearnerProfile, Person, Relationship

PAGE_SIZE = 5


def _version(session: Session, team_id: str) -> tuple[Any, ...]:
    """Changes whenever a coach, a person or a relationship is added or updated (each
    latest-update look-up is one index seek). Deleting rows other than coach profiles
    does not change it: code that deletes relationships also touches the coach profile."""
    row = session.execute(
        select(
            select(func.count()).where(CoachProfile.team_id == team_id).scalar_subquery(),
            select(func.max(CoachProfile.updated_at))
            .where(CoachProfile.team_id == team_id)
            .scalar_subquery(),
            select(func.max(Person.updated_at)).where(Person.team_id == team_id).scalar_subquery(),
            select(func.max(Relationship.updated_at))
            .where(Relationship.team_id == team_id)
            .scalar_subquery(),
        )
    ).one()
    return tuple(row)


def load_cards(session: Session, team_id: str) -> list[CoachCard]:
    """Every coach of the program who can be reached in Slack, in three statements."""
    rows = session.execute(
        select(Person, CoachProfile)
        .join(CoachProfile, CoachProfile.person_id == Person.id)
        .where(Person.team_id == team_id, Person.slack_user_id.is_not(None))
    ).all()
    areas: dict[int, list[str]] = defaultdict(list)
    for coach_id, area in session.execute(
        select(CoachExpertise.coach_id, CoachExpertise.area)
        .join(CoachProfile, CoachProfile.id == CoachExpertise.coach_id)
        .where(CoachProfile.team_id == team_id)
        .order_by(CoachExpertise.coach_id, CoachExpertise.position)
    ):
        areas[coach_id].append(area)
    taken: dict[int, int] = defaultdict(int)
    answer_hours: dict[int, list[float]] = defaultdict(list)
    for coach_id, state, requested_at, answered_at in session.execute(
        select(
            Relationship.coach_id,
            Relationship.state,
            Relationship.requested_at,
            Relationship.answered_at,
        ).where(Relationship.team_id == team_id)
    ):
        if state in MATCHED:
            taken[coach_id] += 1
        if answered_at is not None:
            answer_hours[coach_id].append((answered_at - requested_at).total_seconds() / 3600)
        elif state == State.EXPIRED:
            answer_hours[coach_id].append(7 * 24)
    return [
        CoachCard(
            person_id=person.id,
            slack_user_id=person.slack_user_id or "",
            name=person.name,
            title=person.title,
            organization=person.organization,
            department=person.department,
            city=person.city,
            state=person.state,
            time_zone=person.time_zone,
            areas=tuple(areas[coach.id]),
            expertise_other=coach.expertise_other,
            coaching_kinds=tuple(coach.coaching_kinds),
            meeting_forms=tuple(coach.meeting_forms),
            statement=coach.why_coach,
            max_learners=coach.max_learners,
            current_learners=taken[person.id],
            paused=coach.paused_at is not None,
            answer_hours=statistics.median(answer_hours[person.id])
            if answer_hours[person.id]
            else None,
            years=coach.years_in_local_government,
        )
        for person, coach in rows
    ]


class _IndexCache:
    """One index per program. When it is stale, one thread rebuilds it while the others
    wait for that build instead of all building their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self._entries: dict[str, tuple[tuple[Any, ...], CoachIndex]] = {}

    def _cached(self, team_id: str, version: tuple[Any, ...]) -> CoachIndex | None:
        with self._lock:
            entry = self._entries.get(team_id)
        return entry[1] if entry is not None and entry[0] == version else None

    def get(self, session: Session, team_id: str) -> CoachIndex:
        version = _version(session, team_id)
        index = self._cached(team_id, version)
        if index is not None:
            return index
        with self._lock:
            building = self._building.setdefault(team_id, threading.Lock())
        with building:
            index = self._cached(team_id, version)
            if index is None:
                index = CoachIndex.build(load_cards(session, team_id))
                with self._lock:
                    self._entries[team_id] = (version, index)
        return index

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


INDEXES = _IndexCache()


def alternatives(
    session: Session, relationship: Relationship, now: datetime, exclude: set[int], limit: int = 3
) -> list[Match]:
    """Other coaches for the learner of `request`: ranked by the learner's needs and the
    filters they searched with, not the words (a learner who looked a coach up by name
    would find no one else), leaving out `exclude`."""
    filters = replace(Filters.from_dict(relationship.search), text="")
    found = find_coaches(
        session, relationship.team_id, relationship.learner.slack_user_id or "", filters, now
    )
    fitting = [m for m in found.matches if m.coach.room > 0 and not m.coach.paused]
    return [m for m in fitting if m.coach.person_id not in exclude][:limit]


def with_room(session: Session, team_id: str, exclude: int) -> list[CoachCard]:
    """Coaches who are taking learners and have room, by name; `exclude` is left out."""
    cards = INDEXES.get(session, team_id).coaches.values()
    return sorted(
        (c for c in cards if c.room > 0 and not c.paused and c.person_id != exclude),
        key=lambda card: card.name.lower(),
    )


def seeker_for(session: Session, team_id: str, slack_user_id: str) -> Seeker:
    """The searching learner: their place, time zone, wishes and current coaches."""
    row = session.execute(
        select(Person, LearnerProfile)
        .outerjoin(LearnerProfile, LearnerProfile.person_id == Person.id)
        .where(Person.team_id == team_id, Person.slack_user_id == slack_user_id)
    ).first()
    if row is None:
        return Seeker(person_id=None)
    person, learner = row
    coaches = session.scalars(
        select(Relationship.coach_id).where(
            Relationship.learner_id == person.id, Relationship.state.in_(CURRENT)
        )
    ).all()
    return Seeker(
        person_id=person.id,
        organization=person.organization,
        department=person.department,
        city=person.city,
        state=person.state,
        time_zone=person.time_zone,
        coaching_kinds=tuple(learner.coaching_kinds) if learner else (),
        current_coaches=frozenset(coaches),
    )


@dataclass(frozen=True)
class SearchPage:
    filters: Filters
    matches: list[Match]
    page: int
    total: int
    regions: list[str]
    """The states where coaches meet in person, for the region filter."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def find_coaches(
    session: Session,
    team_id: str,
    slack_user_id: str,
    filters: Filters,
    now: datetime,
    *,
    page: int = 0,
) -> SearchPage:
    index = INDEXES.get(session, team_id)
    seeker = seeker_for(session, team_id, slack_user_id)
    page = max(page, 0)
    text_scores = index.text_scores(filters.text)
    total, ranked = index.ranked(seeker, filters, now, text_scores, limit=(page + 1) * PAGE_SIZE)
    page = min(page, max(0, (total - 1) // PAGE_SIZE))
    shown = [
        match
        for person_id in ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        if (match := rank_one(seeker, index.coaches[person_id], filters, now, text_scores))
    ]
    return SearchPage(filters=filters, matches=shown, page=page, total=total, regions=index.regions)


def coach_card(session: Session, team_id: str, person_id: int) -> CoachCard | None:
    return INDEXES.get(session, team_id).coaches.get(person_id)
