"""Every message the bot owes someone, as plain values.

An `Effect` is decided by a rule (the coach's request DM after a learner asks, the group
DM after an accept, a check-in the scheduler planned) and written to the outbox in the
same transaction as the change that calls for it, so a crash after that commit loses
nothing: the worker delivers what is written, once, in order per Slack conversation.
What a message says is worked out when it is sent, on the Slack side, from these values
and the rows as they are then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Nudge, Person
from storage.states import NudgeStatus

T = TypeVar("T")


class Kind(StrEnum):
    # Follow-through: what a person's action promised, sent at once.
    PROFILE_SAVED = "profile_saved"
    INTRO_REQUEST = "intro_request"
    REQUEST_ANSWERED = "request_answered"
    GROUP_INTRO = "group_intro"
    COACH_GUIDE = "coach_guide"
    LEARNER_ACCEPTED = "learner_accepted"
    DECLINED = "declined"
    QUESTION = "question"
    ANSWER = "answer"
    AGREEMENT_REVIEW = "agreement_review"
    REVIEW_CLOSED = "review_closed"
    SENT_FOR_SIGNATURE = "sent_for_signature"
    AGREEMENT_RECORD = "agreement_record"
    AGREEMENT_COPY = "agreement_copy"
    PAIR_CHANGED = "pair_changed"
    PAIR_ENDED = "pair_ended"
    CHANGE_CONFIRMED = "change_confirmed"
    LOGGED = "logged"
    DEBRIEFED = "debriefed"
    PREPARED = "prepared"
    PREPARATION_SHARED = "preparation_shared"
    FOLLOW_UP = "follow_up"
    FOLLOWED_UP = "followed_up"
    UPDATE_FOR_COACH = "update_for_coach"
    COACHABILITY_SUMMARY = "coachability_summary"
    COACHABILITY_SHARED = "coachability_shared"
    EXPORT = "export"
    ROSTER_REPORT = "roster_report"
    ROSTER_UNIMPORTED = "roster_unimported"
    TERM_CONCLUDED = "term_concluded"
    COACH_LEFT = "coach_left"
    PROGRAM_NOTICE = "program_notice"
    PAIR_NOTE = "pair_note"
    CLOSED = "closed"
    """An earlier message updated to say what became of its question, its buttons gone."""
    # Scheduled: planned from stored rows, sent in the recipient's working hours.
    FIRST_CALL = "first_call"
    CHECK_IN = "check_in"
    PREPARE = "prepare"
    DEBRIEF = "debrief"
    OVERDUE = "overdue"
    TERM_END = "term_end"
    TERM_REMINDER = "term_reminder"
    AT_RISK_DIGEST = "at_risk_digest"
    KEEP_IN_TOUCH = "keep_in_touch"
    REQUEST_REMINDER = "request_reminder"
    REQUEST_EXPIRED = "request_expired"
    COACH_PAUSED = "coach_paused"


@dataclass(frozen=True)
class Effect:
    """One message owed.

    `subject_id` is the row it is about (a relationship, an agreement, a question...),
    `recipient_id` the person it goes to (None for the program channel), `conversation`
    the Slack conversation it lands in: a member id for a DM, `group:<relationship id>`
    for a pair's group DM, or a channel id. Effects for one conversation are delivered in
    the order they were written. `key` makes the effect unique among its kind, subject
    and recipient (a repeated request writes nothing twice). `payload` carries what the
    rows will not hold at send time (the words of a relay, who acted), never more.
    """

    kind: Kind
    subject_id: int
    recipient_id: int | None
    conversation: str
    key: str = "once"
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision(Generic[T]):
    """What a person's action decided, as plain values: `value` for the reply, the
    messages it owes (written to the outbox in the same transaction as the change), and
    the members (Slack ids) for whom the program now looks different."""

    value: T
    effects: Sequence[Effect] = ()
    changed_for: tuple[str | None, ...] = ()


def group_conversation(relationship_id: int) -> str:
    return f"group:{relationship_id}"


def record(
    session: Session,
    team_id: str,
    effects: Iterable[Effect],
    now: datetime,
    *,
    deliver_at: datetime | None = None,
) -> list[int]:
    """Write `effects` to the outbox in the session's transaction, to go now (or at
    `deliver_at`); returns the ids of the rows now waiting for them (an effect already
    written is not written again)."""
    effects = list(effects)
    if any(effect.subject_id is None for effect in effects):
        raise ValueError("an effect's subject has no id yet: flush the session first")
    rows = [
        {
            "team_id": team_id,
            "kind": effect.kind.value,
            "subject_id": effect.subject_id,
            "recipient_id": effect.recipient_id,
            "due_key": effect.key[:64],
            "channel_key": effect.conversation[:64],
            "payload": effect.payload,
            "deliver_at": deliver_at or now,
            "status": NudgeStatus.PENDING,
            "attempts": 0,
            "error": "",
            "created_at": now,
        }
        for effect in effects
    ]
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    ids: list[int] = []
    for row in rows:
        written = (
            _written(session, row)
            or session.execute(
                dialect.insert(Nudge).on_conflict_do_nothing().returning(Nudge.id), [row]
            ).scalar()
        )
        written = written or _written(session, row)
        if written is not None:
            ids.append(written)
    return ids


def unwritten(session: Session, owed: Sequence[tuple[str, Effect]]) -> list[tuple[str, Effect]]:
    """Those of `owed` (team id, effect) not yet in the outbox, found in one statement."""
    if not owed:
        return []
    found = set(
        session.execute(
            select(
                Nudge.team_id, Nudge.kind, Nudge.subject_id, Nudge.recipient_id, Nudge.due_key
            ).where(
                Nudge.team_id.in_({team for team, _ in owed}),
                Nudge.kind.in_({effect.kind.value for _, effect in owed}),
                Nudge.due_key.in_({effect.key[:64] for _, effect in owed}),
            )
        )
    )
    return [
        (team, effect)
        for team, effect in owed
        if (team, effect.kind.value, effect.subject_id, effect.recipient_id, effect.key[:64])
        not in found
    ]


def _written(session: Session, row: dict[str, Any]) -> int | None:
    recipient = row["recipient_id"]
    return session.scalar(
        select(Nudge.id).where(
            Nudge.team_id == row["team_id"],
            Nudge.kind == row["kind"],
            Nudge.subject_id == row["subject_id"],
            Nudge.recipient_id.is_(None) if recipient is None else Nudge.recipient_id == recipient,
            Nudge.due_key == row["due_key"],
        )
    )


def closing(
    session: Session, team_id: str, kinds: Iterable[Kind], subject_id: int, outcome: str
) -> list[Effect]:
    """Effects that update each message of `kinds` about `subject_id` that went (or is
    going) out, to say `outcome` without live buttons."""
    rows = session.execute(
        select(Nudge.id, Nudge.recipient_id, Nudge.channel_key, Person.slack_user_id)
        .join(Person, Person.id == Nudge.recipient_id)
        .where(
            Nudge.team_id == team_id,
            Nudge.kind.in_([kind.value for kind in kinds]),
            Nudge.subject_id == subject_id,
            Nudge.status.in_((NudgeStatus.PENDING, NudgeStatus.CLAIMED, NudgeStatus.SENT)),
        )
    ).all()
    return [
        Effect(
            Kind.CLOSED,
            nudge_id,
            recipient_id,
            channel_key or slack_user_id or "",
            key=outcome[:40],
            payload={"outcome": outcome},
        )
        for nudge_id, recipient_id, channel_key, slack_user_id in rows
    ]
