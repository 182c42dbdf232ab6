"""Whether a planned nudge still applies when its time comes, and what it then says.

A nudge planned a while ago may no longer apply (the pair paused, a conversation was
logged, the learner already debriefed): then it is skipped, with the reason. A recipient
outside their working hours gets it at the start of their next working day. What still
applies comes back as plain facts, from the rows as they are at send time; the Slack
side renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching import agreements, gallery
from coaching.cadence import (
    calendar_links,
    check_ins,
    in_working_hours,
    next_working_instant,
    suggested_slot,
    term_end,
)
from coaching.checkins import open_actions
from coaching.effects import Kind
from coaching.lifecycle import State
from coaching.pairs import Pair, seen_by
from coaching.ranking import Match
from coaching.vocabulary import Frequency
from scheduling.outbox import Postpone, Skip
from scheduling.plan import REQUEST_REMINDER_AFTER, TERM_CONCLUDED_AFTER
from scheduling.reminders import EXPIRED_IN_A_ROW
from storage.models import (
    Agreement,
    Conversation,
    Debrief,
    Nudge,
    Person,
    Relationship,
    RequestQuestion,
)

# -- what a scheduled nudge says --------------------------------------------------------


@dataclass(frozen=True)
class FirstCall:
    pair: Pair


@dataclass(frozen=True)
class CheckIn:
    """A check-in date has come: `missed` earlier dates passed without a conversation
    (`months` since the last one, or since the terms began if they never `talked`)."""

    pair: Pair
    due: date
    calendar: dict[str, str]
    open_actions: list[tuple[int, str]]
    """The learner's open commitments (shown to the learner only)."""
    missed: int
    months: int
    talked: bool


@dataclass(frozen=True)
class Prepare:
    pair: Pair
    due: date


@dataclass(frozen=True)
class DebriefDue:
    conversation_id: int
    coach_user: str
    day: date


@dataclass(frozen=True)
class TermEnd:
    pair: Pair
    ends: date
    concludes: date | None
    """For the reminder: the day the pair is concluded unless they renew."""


@dataclass(frozen=True)
class KeepInTouch:
    pair: Pair


@dataclass(frozen=True)
class RequestReminder:
    learner_user: str
    days: int


@dataclass(frozen=True)
class RequestExpired:
    coach_name: str
    alternatives: list[Match]


@dataclass(frozen=True)
class CoachPaused:
    expired: int
    """How many requests in a row expired."""


Scheduled = (
    FirstCall
    | CheckIn
    | Prepare
    | DebriefDue
    | TermEnd
    | KeepInTouch
    | RequestReminder
    | RequestExpired
    | CoachPaused
)


def scheduled(
    session: Session, nudge: Nudge, recipient: Person, now: datetime
) -> Scheduled | Skip | Postpone:
    """What the scheduled nudge says now, in the recipient's working hours, if it still
    applies."""
    if not in_working_hours(now, recipient.time_zone):
        return Postpone(next_working_instant(now, recipient.time_zone))
    if nudge.kind == Kind.DEBRIEF:
        return _debrief(session, nudge)
    relationship = session.get(Relationship, nudge.subject_id)
    if relationship is None:
        return Skip("the relationship is gone")
    if nudge.kind in (Kind.REQUEST_REMINDER, Kind.REQUEST_EXPIRED, Kind.COACH_PAUSED):
        return _request(session, nudge, relationship, now)
    return _pair(session, nudge, recipient, relationship)


def _debrief(session: Session, nudge: Nudge) -> DebriefDue | Skip:
    conversation = session.get(Conversation, nudge.subject_id)
    if conversation is None:
        return Skip("the conversation is gone")
    if session.scalar(select(Debrief.id).where(Debrief.conversation_id == conversation.id)):
        return Skip("already debriefed")
    relationship = session.get(Relationship, conversation.relationship_id)
    assert relationship is not None
    coach_user = relationship.coach.slack_user_id or ""
    return DebriefDue(conversation.id, coach_user, conversation.happened_on)


def _request(
    session: Session, nudge: Nudge, relationship: Relationship, now: datetime
) -> Scheduled | Skip:
    kind = Kind(nudge.kind)
    if kind is Kind.REQUEST_REMINDER:
        if relationship.state != State.REQUESTED:
            return Skip("the request was answered")
        learner = relationship.learner.slack_user_id or ""
        return RequestReminder(learner, REQUEST_REMINDER_AFTER.days)
    if kind is Kind.REQUEST_EXPIRED:
        others = gallery.alternatives(session, relationship, now, {relationship.coach_id})
        return RequestExpired(relationship.coach.name, others)
    return CoachPaused(EXPIRED_IN_A_ROW)


def _pair(
    session: Session, nudge: Nudge, recipient: Person, relationship: Relationship
) -> Scheduled | Skip:
    kind = Kind(nudge.kind)
    pair = seen_by(relationship, recipient.id)
    state = State(relationship.state)
    if kind is Kind.FIRST_CALL:
        talked = session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.relationship_id == relationship.id)
        )
        if state is not State.EXPLORING or talked:
            return Skip("no longer waiting for a first call")
        return FirstCall(pair)
    if kind is Kind.KEEP_IN_TOUCH:
        if state is not State.CONCLUDED:
            return Skip("the relationship is not concluded")
        return KeepInTouch(pair)
    if state is not State.ACTIVE:
        return Skip(f"the relationship is {state.value}")
    cadence = _cadence(session, relationship)
    if cadence is None:
        return Skip("no agreement in force")
    return _on_cadence(session, nudge, recipient, relationship, cadence)


@dataclass(frozen=True)
class _Cadence:
    agreement: Agreement
    last: date | None
    """The day of the pair's last conversation, if any."""

    @property
    def ends(self) -> date:
        return term_end(self.agreement.start_date, self.agreement.duration_months)

    def check_ins(self) -> list[str]:
        frequency = Frequency(self.agreement.frequency)
        found = check_ins(frequency, self.last, self.agreement.start_date, self.ends)
        return [day.isoformat() for day in found]


def _cadence(session: Session, relationship: Relationship) -> _Cadence | None:
    """The agreement in force and the last conversation."""
    agreement = agreements.executed(session, relationship.id)
    if agreement is None:
        return None
    last = session.scalar(
        select(func.max(Conversation.happened_on)).where(
            Conversation.relationship_id == relationship.id
        )
    )
    return _Cadence(agreement, last)


def _on_cadence(
    session: Session,
    nudge: Nudge,
    recipient: Person,
    relationship: Relationship,
    cadence: _Cadence,
) -> Scheduled | Skip:
    kind, pair = Kind(nudge.kind), seen_by(relationship, recipient.id)
    if kind in (Kind.TERM_END, Kind.TERM_REMINDER):
        if nudge.due_key != f"v{cadence.agreement.version}":
            return Skip("a newer agreement is in force")
        concludes = cadence.ends + TERM_CONCLUDED_AFTER if kind is Kind.TERM_REMINDER else None
        return TermEnd(pair, cadence.ends, concludes)
    dates = cadence.check_ins()
    if kind is Kind.OVERDUE or nudge.due_key not in dates:
        return Skip("a conversation was logged since")
    day, missed = date.fromisoformat(nudge.due_key), dates.index(nudge.due_key)
    if kind is Kind.PREPARE:
        return Prepare(pair, day)
    return _check_in(session, pair, recipient, relationship, cadence, day, missed)


def _check_in(
    session: Session,
    pair: Pair,
    recipient: Person,
    relationship: Relationship,
    cadence: _Cadence,
    day: date,
    missed: int,
) -> CheckIn:
    """When (`missed` check-ins late), with calendar links in the recipient's zone, and
    for the learner their open commitments."""
    agreement, last = cadence.agreement, cadence.last
    calendar = calendar_links(
        f"Coaching check-in: {relationship.learner.name} and {relationship.coach.name}",
        "Check-in arranged through Sounding Board.",
        suggested_slot(day, recipient.time_zone),
    )
    actions = [(item.id, item.text) for item in open_actions(session, relationship.id)]
    months = (missed + 1) * Frequency(agreement.frequency).months
    talked = last is not None and last >= agreement.start_date
    shown = actions if pair.is_learner else []
    return CheckIn(pair, day, calendar, shown, missed, months, talked)


# -- what became of an earlier message's question ---------------------------------------


@dataclass(frozen=True)
class QuestionAnswered:
    coach_user: str
    question: str
    answer: str


@dataclass(frozen=True)
class Debriefed:
    day: date


@dataclass(frozen=True)
class TermAnswered:
    outcome: str
    version: int
    ends: date | None


@dataclass(frozen=True)
class Closed:
    """The earlier message (`channel`, `ts`) and what became of its question."""

    channel: str
    ts: str
    said: QuestionAnswered | Debriefed | TermAnswered


def closed(session: Session, nudge: Nudge) -> Closed | Skip:
    """What an earlier message's question came to, to update that message with."""
    original = session.get(Nudge, nudge.subject_id)
    if original is None or not (original.slack_channel and original.slack_ts):
        return Skip("the message was never delivered")
    said = _became(session, original, str((nudge.payload or {}).get("outcome")))
    if said is None:
        return Skip("nothing to say")
    return Closed(original.slack_channel, original.slack_ts, said)


def _became(
    session: Session, original: Nudge, outcome: str
) -> QuestionAnswered | Debriefed | TermAnswered | None:
    if original.kind == Kind.QUESTION:
        asked = session.get(RequestQuestion, original.subject_id)
        if asked is None:
            return None
        coach = asked.relationship.coach.slack_user_id or ""
        return QuestionAnswered(coach, asked.question, asked.answer or "")
    if original.kind == Kind.DEBRIEF:
        conversation = session.get(Conversation, original.subject_id)
        return Debriefed(conversation.happened_on) if conversation else None
    relationship = session.get(Relationship, original.subject_id)
    if relationship is None:
        return None
    agreement = agreements.executed(session, relationship.id)
    ends = term_end(agreement.start_date, agreement.duration_months) if agreement else None
    return TermAnswered(outcome, agreement.version if agreement else 0, ends)
