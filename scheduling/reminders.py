"""The reminder run: plan what the stored rows say is due, claim it, send it once,
record what happened.

Safe to run in several processes at once and to kill at any point: planning and
claiming happen in transactions that lock what they take (SKIP LOCKED on PostgreSQL,
SQLite's single writer), a claimed nudge left behind by a dead process is taken up again
after `STALE_CLAIM`, and a sent nudge is never sent again.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, sessionmaker

from coaching.lifecycle import State, Transition, next_state
from scheduling import deliver
from scheduling.plan import Kind, PairFacts, plan_pair
from storage.models import Agreement, Conversation, Nudge, Person, Relationship

logger = logging.getLogger(__name__)

BATCH = 1000
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 5
EXPIRED_IN_A_ROW = 3
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "is_archived",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "not_in_channel",
        "invalid_auth",
        "not_authed",
        "missing_scope",
        "no_permission",
        "invalid_blocks",
        "msg_too_long",
    }
)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class RunReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    skipped: int = 0
    retried: int = 0
    failures: list[str] = field(default_factory=list)


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
                Agreement.relationship_id.in_(relationship_ids), Agreement.status == "executed"
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
                "status": "pending",
                "attempts": 0,
                "error": "",
                "created_at": now,
            }
        ]
    return []


def plan_due(session: Session, now: datetime, batch: int = BATCH) -> tuple[int, int]:
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
        rows += [
            {
                "team_id": teams[facts.relationship_id],
                "kind": nudge.kind.value,
                "subject_id": nudge.subject_id,
                "recipient_id": nudge.recipient_id,
                "due_key": nudge.due_key,
                "deliver_at": nudge.deliver_at,
                "status": "pending",
                "attempts": 0,
                "error": "",
                "created_at": now,
            }
            for nudge in plan.due
        ]
    _insert_ignoring_duplicates(session, rows)
    for relationship_id, when in next_at.items():
        session.execute(
            update(Relationship)
            .where(Relationship.id == relationship_id)
            .values(next_plan_at=when)
            .execution_options(synchronize_session=False)
        )
    return len(ids), len(rows)


def claim(session: Session, now: datetime, worker: str, batch: int = BATCH) -> list[int]:
    """Take the nudges due now (and any a dead process left claimed) for this worker."""
    ids = session.scalars(
        select(Nudge.id)
        .where(
            or_(
                and_(Nudge.status == "pending", Nudge.deliver_at <= now),
                and_(Nudge.status == "claimed", Nudge.claimed_at < now - STALE_CLAIM),
            )
        )
        .order_by(Nudge.deliver_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if ids:
        session.execute(
            update(Nudge)
            .where(Nudge.id.in_(ids))
            .values(status="claimed", claimed_by=worker, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return list(ids)


class ReminderRun:
    """One pass: plan, claim, send. Call it from the scheduler or a test."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        clock: Callable[[], datetime],
        *,
        worker: str | None = None,
        batch: int = BATCH,
        send_hook: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.worker = worker or worker_name()
        self.batch = batch
        self.send_hook = send_hook
        """Called before each send; tests use it to kill a run half-way."""

    def __call__(self) -> RunReport:
        report = RunReport()
        now = self.clock()
        while True:
            with self.sessions.begin() as session:
                pairs, planned = plan_due(session, now, self.batch)
            report.planned += planned
            if pairs < self.batch:
                break
        while True:
            with self.sessions.begin() as session:
                claimed = claim(session, now, self.worker, self.batch)
            for nudge_id in claimed:
                self._deliver(nudge_id, now, report)
            if len(claimed) < self.batch:
                break
        return report

    def _record(self, nudge_id: int, **values: Any) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Nudge)
                .where(Nudge.id == nudge_id, Nudge.claimed_by == self.worker)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def _deliver(self, nudge_id: int, now: datetime, report: RunReport) -> None:
        with self.sessions.begin() as session:
            nudge = session.get(Nudge, nudge_id)
            if nudge is None or nudge.status != "claimed" or nudge.claimed_by != self.worker:
                return
            outcome = deliver.compose(session, nudge, now)
            kind, attempts = nudge.kind, nudge.attempts
        if isinstance(outcome, deliver.Skip):
            report.skipped += 1
            self._record(nudge_id, status="skipped", error=outcome.reason[:200])
            return
        if isinstance(outcome, deliver.Postpone):
            report.postponed += 1
            self._record(nudge_id, status="pending", deliver_at=outcome.until, claimed_by=None)
            return
        if self.send_hook is not None:
            self.send_hook()
        try:
            self.client.chat_postMessage(
                channel=outcome.channel, text=outcome.text, blocks=outcome.blocks
            )
        except SlackApiError as failure:
            error = str(failure.response.get("error", "unknown_error"))
            self._failed(nudge_id, kind, attempts, error, now, report)
            return
        except OSError as failure:
            self._failed(nudge_id, kind, attempts, type(failure).__name__, now, report)
            return
        report.sent += 1
        self._record(nudge_id, status="sent", sent_at=now, attempts=attempts + 1)

    def _failed(
        self, nudge_id: int, kind: str, attempts: int, error: str, now: datetime, report: RunReport
    ) -> None:
        """Permanent failures are recorded with their reason and not retried; others are
        tried again later, a limited number of times (slack_sdk already retried 429s and
        5xx answers within this attempt)."""
        attempts += 1
        if error in PERMANENT_ERRORS or attempts >= MAX_ATTEMPTS:
            report.failed += 1
            report.failures.append(f"{kind}: {error}")
            logger.warning("A %s nudge could not be delivered: %s", kind, error)
            self._record(nudge_id, status="failed", error=error[:200], attempts=attempts)
            return
        report.retried += 1
        retry_at = now + timedelta(minutes=5 * 2**attempts)
        self._record(
            nudge_id,
            status="pending",
            claimed_by=None,
            attempts=attempts,
            error=error[:200],
            deliver_at=retry_at,
        )
