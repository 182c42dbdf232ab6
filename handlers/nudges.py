"""The scheduler's messages, composed when each is sent from the rows as they are then.

A nudge planned a while ago may no longer apply (the pair paused, a conversation was
logged, the learner already debriefed): then it is skipped. A recipient outside their
working hours gets it at the start of their next working day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching import gallery
from coaching.checkins import open_actions
from coaching.effects import Kind
from coaching.lifecycle import State
from coaching.matching import Filters
from coaching.vocabulary import Frequency
from handlers.delivery import Composer
from handlers.views import nudges as views
from scheduling.cadence import (
    calendar_links,
    in_working_hours,
    next_check_in,
    next_working_instant,
    overdue_since,
    suggested_slot,
    term_end,
)
from scheduling.outbox import Outcome, Post, Postpone, Skip
from scheduling.plan import REQUEST_REMINDER_AFTER
from storage.models import Agreement, Conversation, Debrief, Nudge, Person, Relationship

Message = tuple[str, list[dict]]


def _post(recipient: Person, message: Message) -> Post:
    text, blocks = message
    return Post(recipient.slack_user_id or "", text, blocks)


def _pair(relationship: Relationship, recipient: Person) -> views.Pair:
    is_learner = recipient.id == relationship.learner_id
    other = relationship.coach if is_learner else relationship.learner
    return views.Pair(relationship.id, is_learner, other.slack_user_id or "", other.name)


def _cadence(session: Session, relationship: Relationship) -> tuple[Agreement, date | None] | None:
    agreement = session.scalar(
        select(Agreement).where(
            Agreement.relationship_id == relationship.id, Agreement.status == "executed"
        )
    )
    if agreement is None:
        return None
    last = session.scalar(
        select(func.max(Conversation.happened_on)).where(
            Conversation.relationship_id == relationship.id
        )
    )
    return agreement, last


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
        filters = Filters.from_dict(relationship.search)
        found = gallery.find_coaches(
            session, relationship.team_id, recipient.slack_user_id or "", filters, now
        )
        others = [m for m in found.matches if m.coach.person_id != relationship.coach_id]
        return _post(recipient, views.request_expired(relationship.coach.name, others[:3]))
    return _post(recipient, views.coach_paused(3))


def _pair_nudge(
    session: Session, nudge: Nudge, recipient: Person, relationship: Relationship
) -> Outcome:
    kind = Kind(nudge.kind)
    pair = _pair(relationship, recipient)
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
    return _cadence_nudge(session, nudge, recipient, relationship, pair, cadence)


def _cadence_nudge(
    session: Session,
    nudge: Nudge,
    recipient: Person,
    relationship: Relationship,
    pair: views.Pair,
    cadence: tuple[Agreement, date | None],
) -> Outcome:
    agreement, last = cadence
    kind = Kind(nudge.kind)
    frequency = Frequency(agreement.frequency)
    due = next_check_in(frequency, last, agreement.start_date)
    if kind is Kind.TERM_END:
        if nudge.due_key != f"v{agreement.version}":
            return Skip("a newer agreement is in force")
        ends = term_end(agreement.start_date, agreement.duration_months)
        return _post(recipient, views.term_end(pair, ends))
    if kind is Kind.OVERDUE:
        if nudge.due_key != f"since {overdue_since(frequency, last, agreement.start_date)}":
            return Skip("a conversation was logged since")
        return _post(recipient, views.overdue(pair))
    if nudge.due_key != due.isoformat():
        return Skip("a conversation was logged since")
    if kind is Kind.PREPARE:
        return _post(recipient, views.prepare(pair, due))
    slot = suggested_slot(due, recipient.time_zone)
    links = calendar_links(
        f"Coaching check-in: {relationship.learner.name} and {relationship.coach.name}",
        "Check-in arranged through Sounding Board.",
        slot,
    )
    actions = [(item.id, item.text) for item in open_actions(session, relationship.id)]
    return _post(
        recipient, views.check_in(pair, due, links, actions if pair.recipient_is_learner else [])
    )


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


SCHEDULED = (
    Kind.FIRST_CALL,
    Kind.CHECK_IN,
    Kind.PREPARE,
    Kind.DEBRIEF,
    Kind.OVERDUE,
    Kind.TERM_END,
    Kind.KEEP_IN_TOUCH,
    Kind.REQUEST_REMINDER,
    Kind.REQUEST_EXPIRED,
    Kind.COACH_PAUSED,
)
COMPOSERS: dict[Kind, Composer] = dict.fromkeys(SCHEDULED, compose)
