"""The scheduler's messages, composed when each is sent from the rows as they are then.

A nudge planned a while ago may no longer apply (the pair paused, a conversation was
logged, the learner already debriefed): then it is skipped. A recipient outside their
working hours gets it at the start of their next working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import SectionBlock
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
from coaching.pairs import seen_by
from coaching.vocabulary import Frequency
from handlers.delivery import Composer
from handlers.views import nudges as views
from scheduling.outbox import Outcome, Post, Postpone, Skip, Update
from scheduling.plan import REQUEST_REMINDER_AFTER, TERM_CONCLUDED_AFTER
from storage.models import (
    Agreement,
    Conversation,
    Debrief,
    Nudge,
    Person,
    Relationship,
    RequestQuestion,
)

Message = tuple[str, list[dict]]


def _post(recipient: Person, message: Message) -> Post:
    text, blocks = message
    return Post(recipient.slack_user_id or "", text, blocks)


def _cadence(session: Session, relationship: Relationship) -> Cadence | None:
    """The agreement in force and the last conversation, for a check-in nudge."""
    agreement = agreements.executed(session, relationship.id)
    if agreement is None:
        return None
    last = session.scalar(
        select(func.max(Conversation.happened_on)).where(
            Conversation.relationship_id == relationship.id
        )
    )
    return Cadence(agreement, last)


def _debrief(session: Session, nudge: Nudge, recipient: Person) -> Outcome:
    conversation = session.get(Conversation, nudge.subject_id)
    if conversation is None:
        return Skip("the conversation is gone")
    if session.scalar(select(Debrief.id).where(Debrief.conversation_id == conversation.id)):
        return Skip("already debriefed")
    relationship = session.get(Relationship, conversation.relationship_id)
    assert relationship is not None
    coach_user = relationship.coach.slack_user_id or ""
    return _post(recipient, views.debrief(conversation.id, coach_user, conversation.happened_on))


def _request_nudge(
    session: Session, nudge: Nudge, recipient: Person, relationship: Relationship, now: datetime
) -> Outcome:
    kind = Kind(nudge.kind)
    if kind is Kind.REQUEST_REMINDER:
        if relationship.state != State.REQUESTED:
            return Skip("the request was answered")
        learner = relationship.learner.slack_user_id or ""
        return _post(recipient, views.request_reminder(learner, REQUEST_REMINDER_AFTER.days))
    if kind is Kind.REQUEST_EXPIRED:
        others = gallery.alternatives(session, relationship, now, {relationship.coach_id})
        return _post(recipient, views.request_expired(relationship.coach.name, others))
    return _post(recipient, views.coach_paused(3))


def _pair_nudge(
    session: Session, nudge: Nudge, recipient: Person, relationship: Relationship
) -> Outcome:
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
        return _post(recipient, views.first_call(pair))
    if kind is Kind.KEEP_IN_TOUCH:
        if state is not State.CONCLUDED:
            return Skip("the relationship is not concluded")
        return _post(recipient, views.keep_in_touch(pair))
    if state is not State.ACTIVE:
        return Skip(f"the relationship is {state.value}")
    cadence = _cadence(session, relationship)
    if cadence is None:
        return Skip("no agreement in force")
    return _cadence_nudge(session, nudge, recipient, relationship, cadence)


@dataclass(frozen=True)
class Cadence:
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


def _cadence_nudge(
    session: Session, nudge: Nudge, recipient: Person, relationship: Relationship, cadence: Cadence
) -> Outcome:
    kind, pair = Kind(nudge.kind), seen_by(relationship, recipient.id)
    if kind in (Kind.TERM_END, Kind.TERM_REMINDER):
        if nudge.due_key != f"v{cadence.agreement.version}":
            return Skip("a newer agreement is in force")
        concludes = cadence.ends + TERM_CONCLUDED_AFTER if kind is Kind.TERM_REMINDER else None
        return _post(recipient, views.term_end(pair, cadence.ends, concludes))
    dates = cadence.check_ins()
    if kind is Kind.OVERDUE or nudge.due_key not in dates:
        return Skip("a conversation was logged since")
    due = date.fromisoformat(nudge.due_key)
    if kind is Kind.PREPARE:
        return _post(recipient, views.prepare(pair, due))
    return _check_in(session, recipient, relationship, cadence, due, dates.index(nudge.due_key))


def _check_in(
    session: Session,
    recipient: Person,
    relationship: Relationship,
    cadence: Cadence,
    due: date,
    missed: int,
) -> Outcome:
    """The check-in nudge: when (`missed` check-ins late), with calendar links, and the
    learner's open commitments."""
    pair = seen_by(relationship, recipient.id)
    agreement, last = cadence.agreement, cadence.last
    links = calendar_links(
        f"Coaching check-in: {relationship.learner.name} and {relationship.coach.name}",
        "Check-in arranged through Sounding Board.",
        suggested_slot(due, recipient.time_zone),
    )
    actions = [(item.id, item.text) for item in open_actions(session, relationship.id)]
    shown = actions if pair.is_learner else []
    months = (missed + 1) * Frequency(agreement.frequency).months
    talked = last is not None and last >= agreement.start_date
    return _post(recipient, views.check_in(pair, due, links, shown, missed, months, talked))


def compose(session: Session, nudge: Nudge, recipient: Person | None, now: datetime) -> Outcome:
    """Any scheduled nudge: in the recipient's working hours, if it still applies."""
    assert recipient is not None
    if not in_working_hours(now, recipient.time_zone):
        return Postpone(next_working_instant(now, recipient.time_zone))
    if nudge.kind == Kind.DEBRIEF:
        return _debrief(session, nudge, recipient)
    relationship = session.get(Relationship, nudge.subject_id)
    if relationship is None:
        return Skip("the relationship is gone")
    if nudge.kind in (Kind.REQUEST_REMINDER, Kind.REQUEST_EXPIRED, Kind.COACH_PAUSED):
        return _request_nudge(session, nudge, recipient, relationship, now)
    return _pair_nudge(session, nudge, recipient, relationship)


def compose_closed(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    """An earlier message, updated to say what became of its question."""
    original = session.get(Nudge, nudge.subject_id)
    if original is None or not (original.slack_channel and original.slack_ts):
        return Skip("the message was never delivered")
    outcome = str((nudge.payload or {}).get("outcome"))
    text = _closed_text(session, original, outcome)
    if text is None:
        return Skip("nothing to say")
    return Update(
        original.slack_channel, original.slack_ts, text, [SectionBlock(text=text).to_dict()]
    )


def _closed_text(session: Session, original: Nudge, outcome: str) -> str | None:
    if original.kind == Kind.QUESTION:
        asked = session.get(RequestQuestion, original.subject_id)
        if asked is None:
            return None
        coach = asked.relationship.coach.slack_user_id or ""
        return views.question_answered(coach, asked.question, asked.answer or "")
    if original.kind == Kind.DEBRIEF:
        conversation = session.get(Conversation, original.subject_id)
        return views.debriefed(conversation.happened_on) if conversation else None
    relationship = session.get(Relationship, original.subject_id)
    if relationship is None:
        return None
    agreement = agreements.executed(session, relationship.id)
    ends = term_end(agreement.start_date, agreement.duration_months) if agreement else None
    return views.term_answered(outcome, agreement.version if agreement else 0, ends)


SCHEDULED = (
    Kind.FIRST_CALL,
    Kind.CHECK_IN,
    Kind.PREPARE,
    Kind.DEBRIEF,
    Kind.OVERDUE,
    Kind.TERM_END,
    Kind.TERM_REMINDER,
    Kind.KEEP_IN_TOUCH,
    Kind.REQUEST_REMINDER,
    Kind.REQUEST_EXPIRED,
    Kind.COACH_PAUSED,
)
COMPOSERS: dict[Kind, Composer] = dict.fromkeys(SCHEDULED, compose) | {Kind.CLOSED: compose_closed}
