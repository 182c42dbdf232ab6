"""The reminder run: plan what the stored rows say is due into the outbox, then deliver
what is due there (`scheduling.outbox`: claim, send once, record).

Safe to run in several processes at once and to kill at any point: planning happens in
transactions that lock the pairs they take (SKIP LOCKED on PostgreSQL, SQLite's single
writer), and a nudge is unique by kind, subject, recipient and occasion, so planning it
twice writes it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, sessionmaker

from coaching import effects, relationships
from coaching.cadence import delivery_time, zone
from coaching.effects import Effect, Kind
from coaching.lifecycle import State, Transition, next_state
from scheduling.outbox import Clients, Courier, Outbox, RunReport
from scheduling.plan import PairFacts, plan_pair
from storage.models import Agreement, Conversation, Nudge, Person, Relationship
from storage.states import AgreementStatus, NudgeStatus

logger = logging.getLogger(__name__)

BATCH = 1000
EXPIRED_IN_A_ROW = 3


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(Nudge).on_conflict_do_nothing(), rows)


def load_facts(session: Session, relationship_ids: list[int]) -> list[PairFacts]:
    """Everything planning needs about these pairs, in three statements."""
    learner, coach = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Relationship, learner.time_zone, coach.time_zone)
        .join(learner, learner.id == Relationship.learner_id)
        .join(coach, coach.id == Relationship.coach_id)
        .where(Relationship.id.in_(relationship_ids))
    ).all()
    agreements = {
        agreement.relationship_id: agreement
        for agreement in session.scalars(
            select(Agreement).where(
                Agreement.relationship_id.in_(relationship_ids),
                Agreement.status == AgreementStatus.EXECUTED,
            )
        )
    }
    talks = {
        relationship_id: (last, count)
        for relationship_id, last, count in session.execute(
            select(
                Conversation.relationship_id,
                func.max(Conversation.happened_on),
                func.count(),
            )
            .where(Conversation.relationship_id.in_(relationship_ids))
            .group_by(Conversation.relationship_id)
        )
    }
    facts = []
    for relationship, learner_tz, coach_tz in rows:
        agreement = agreements.get(relationship.id)
        last, count = talks.get(relationship.id, (None, 0))
        facts.append(
            PairFacts(
                relationship_id=relationship.id,
                state=relationship.state,
                learner_id=relationship.learner_id,
                learner_tz=learner_tz,
                coach_id=relationship.coach_id,
                coach_tz=coach_tz,
                requested_at=relationship.requested_at,
                answered_at=relationship.answered_at,
                ended_at=relationship.ended_at,
                agreement_version=agreement.version if agreement else None,
                agreement_start=agreement.start_date if agreement else None,
                agreement_months=agreement.duration_months if agreement else None,
                frequency=agreement.frequency if agreement else None,
                last_conversation=last,
                conversations=count,
            )
        )
    return facts


def _expire(session: Session, relationship_id: int, now: datetime) -> list[dict[str, Any]]:
    """Mark a request expired; pause a coach who let several expire in a row."""
    relationship = session.get(Relationship, relationship_id)
    if relationship is None or relationship.state != State.REQUESTED:
        return []
    relationship.state = next_state(relationship.state, Transition.EXPIRE)
    session.flush()
    recent = session.scalars(
        select(Relationship.state)
        .where(
            Relationship.coach_id == relationship.coach_id,
            Relationship.state != State.REQUESTED,
        )
        .order_by(Relationship.requested_at.desc())
        .limit(EXPIRED_IN_A_ROW)
    ).all()
    coach = relationship.coach.coach
    if (
        len(recent) == EXPIRED_IN_A_ROW
        and all(state == State.EXPIRED for state in recent)
        and coach is not None
        and coach.paused_at is None
    ):
        coach.paused_at = now
        return [
            {
                "team_id": relationship.team_id,
                "kind": Kind.COACH_PAUSED.value,
                "subject_id": relationship.id,
                "recipient_id": relationship.coach_id,
                "due_key": "paused",
                "deliver_at": now,
                "status": NudgeStatus.PENDING,
                "attempts": 0,
                "error": "",
                "created_at": now,
            }
        ]
    return []


Coordinators = Callable[[Session, Sequence[str]], Mapping[str, Iterable[str]]]
"""Programs' coordinators (Slack member ids), for several teams at once, by team, read in
the run's session."""


def no_coordinators(session: Session, team_ids: Sequence[str]) -> Mapping[str, Iterable[str]]:
    return {team_id: () for team_id in team_ids}


def plan_due(
    session: Session,
    now: datetime,
    batch: int = BATCH,
    coordinators: Coordinators = no_coordinators,
) -> tuple[int, int]:
    """Turn the pairs whose time has come into nudge rows; returns how many pairs were
    looked at and how many nudges fell due."""
    ids = session.scalars(
        select(Relationship.id)
        .where(Relationship.next_plan_at <= now)
        .order_by(Relationship.next_plan_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return 0, 0
    rows: list[dict[str, Any]] = []
    next_at: dict[int, datetime | None] = {}
    teams = dict(
        session.execute(
            select(Relationship.id, Relationship.team_id).where(Relationship.id.in_(ids))
        ).all()
    )
    for facts in load_facts(session, list(ids)):
        plan = plan_pair(facts, now)
        next_at[facts.relationship_id] = plan.next_at
        if plan.expire:
            rows += _expire(session, facts.relationship_id, now)
        if plan.conclude:
            team = teams[facts.relationship_id]
            owed = relationships.conclude_unrenewed(
                session, facts.relationship_id, now, coordinators(session, [team])[team]
            )
            effects.record(session, team, owed, now)
            next_at[facts.relationship_id] = now
        rows += [
            {
                "team_id": teams[facts.relationship_id],
                "kind": nudge.kind.value,
                "subject_id": nudge.subject_id,
                "recipient_id": nudge.recipient_id,
                "due_key": nudge.due_key,
                "deliver_at": nudge.deliver_at,
                "status": NudgeStatus.PENDING,
                "attempts": 0,
                "error": "",
                "created_at": now,
            }
            for nudge in plan.due
        ]
    _insert_ignoring_duplicates(session, rows)
    if next_at:
        session.execute(
            update(Relationship),
            [{"id": pair, "next_plan_at": when} for pair, when in next_at.items()],
        )
    return len(ids), len(rows)


def plan_digests(session: Session, now: datetime, coordinators: Coordinators) -> int:
    """Each week, a Monday digest of the pairs at risk is owed to every coordinator of a
    program with active pairs, at 10:00 on their Monday; whether there is anything to say
    is decided when it is sent. Returns how many were newly owed. A handful of statements
    however many programs there are: it runs at every pass."""
    teams = session.scalars(
        select(Relationship.team_id).where(Relationship.state == State.ACTIVE).distinct()
    ).all()
    if not teams:
        return 0
    by_team = coordinators(session, teams)
    wanted = [(team, coordinator) for team in teams for coordinator in by_team[team]]
    zones = {
        (team, user): tz
        for team, user, tz in session.execute(
            select(Person.team_id, Person.slack_user_id, Person.time_zone).where(
                Person.team_id.in_(teams),
                Person.slack_user_id.in_({coordinator for _, coordinator in wanted}),
            )
        )
    }
    digests: list[tuple[str, Effect]] = []
    mondays: dict[tuple[str, str], datetime] = {}
    for team, coordinator in wanted:
        tz = zones.get((team, coordinator))
        local = now.astimezone(zone(tz)).date()
        monday = local - timedelta(days=local.weekday())
        year, week, _day = monday.isocalendar()
        digest = Effect(
            Kind.AT_RISK_DIGEST,
            0,
            None,
            f"digest:{coordinator}",
            key=f"{year}-W{week:02d} {coordinator}",
            payload={"coordinator": coordinator},
        )
        digests.append((team, digest))
        mondays[(team, digest.key)] = delivery_time(monday, tz)
    owed = effects.unwritten(session, digests)
    for team, digest in owed:
        effects.record(session, team, [digest], now, deliver_at=mondays[(team, digest.key)])
    return len(owed)


class ReminderRun:
    """One pass: plan what the stored rows say is due, then deliver everything due in the
    outbox (scheduled nudges, and follow-through a listener could not send). Call it from
    the scheduler or a test."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient | Clients,
        clock: Callable[[], datetime],
        *,
        courier: Courier,
        coordinators: Coordinators = no_coordinators,
        worker: str | None = None,
        batch: int = BATCH,
        send_hook: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.batch = batch
        self.coordinators = coordinators
        self.outbox = Outbox(
            sessions,
            clock,
            courier,
            worker=worker,
            batch=batch,
            before_send=(lambda _nudge: send_hook()) if send_hook is not None else None,
        )
        """`send_hook` is called before each send; tests use it to kill a run half-way."""
        self.passes = 0
        """Passes finished in this process (for /metrics)."""
        self._stopping = threading.Event()

    @property
    def worker(self) -> str:
        return self.outbox.worker

    def stop(self) -> None:
        """Stop the pass under way after the row in hand, handing back the rest of its
        claims, and start no other."""
        self._stopping.set()
        self.outbox.stop()

    def __call__(self) -> RunReport:
        report = RunReport()
        now = self.clock()
        while not self._stopping.is_set():
            with self.sessions.begin() as session:
                pairs, planned = plan_due(session, now, self.batch, self.coordinators)
            report.planned += planned
            if pairs < self.batch:
                break
        if self._stopping.is_set():
            return report
        with self.sessions.begin() as session:
            report.planned += plan_digests(session, now, self.coordinators)
        report = self.outbox.deliver(self.client, report=report)
        self.passes += 1
        return report
