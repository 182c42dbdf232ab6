"""What to say for a claimed nudge, worked out from the rows as they are now.

A nudge planned a moment ago may no longer apply (the pair paused, a conversation was
logged, the learner already debriefed): then it is skipped. A recipient outside their
working hours gets it at the start of their next working day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching import gallery
from coaching.checkins import open_actions
from coaching.lifecycle import State
from coaching.vocabulary import Frequency
from handlers.views import nudges as views
from handlers.views import search as search_views
from scheduling.cadence import (
    calendar_links,
    in_working_hours,
    next_check_in,
    next_working_instant,
    overdue_since,
    suggested_slot,
    term_end,
)
from scheduling.plan import REQUEST_REMINDER_AFTER, Kind
from storage.models import Agreement, Conversation, Debrief, Nudge, Person, Relationship


@dataclass(frozen=True)
class Send:
    channel: str
    text: str
    blocks: list[dict]


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class Postpone:
    until: datetime


Outcome = Send | Skip | Postpone


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


def compose(session: Session, nudge: Nudge, now: datetime) -> Outcome:
    recipient = session.get(Person, nudge.recipient_id)
    if recipient is None or recipient.slack_user_id is None:
        return Skip("the recipient is not in Slack")
    if not in_working_hours(now, recipient.time_zone):
        return Postpone(next_working_instant(now, recipient.time_zone))
    kind = Kind(nudge.kind)
    channel = recipient.slack_user_id
    if kind is Kind.DEBRIEF:
        conversation = session.get(Conversation, nudge.subject_id)
        if conversation is None:
            return Skip("the conversation is gone")
        if session.scalar(select(Debrief.id).where(Debrief.conversation_id == conversation.id)):
            return Skip("already debriefed")
        relationship = session.get(Relationship, conversation.relationship_id)
        assert relationship is not None
        text, blocks = views.debrief(
            conversation.id, relationship.coach.slack_user_id or "", conversation.happened_on
        )
        return Send(channel, text, blocks)

    relationship = session.get(Relationship, nudge.subject_id)
    if relationship is None:
        return Skip("the relationship is gone")
    is_learner = recipient.id == relationship.learner_id
    other = relationship.coach if is_learner else relationship.learner
    pair = views.Pair(relationship.id, is_learner, other.slack_user_id or "", other.name)
    state = State(relationship.state)

    if kind is Kind.REQUEST_REMINDER:
        if state is not State.REQUESTED:
            return Skip("the request was answered")
        days = REQUEST_REMINDER_AFTER.days
        text, blocks = views.request_reminder(relationship.learner.slack_user_id or "", days)
        return Send(channel, text, blocks)
    if kind is Kind.REQUEST_EXPIRED:
        filters = search_views.decode_filters(json.dumps(relationship.search or {}))
        found = gallery.find_coaches(session, relationship.team_id, channel, filters, now)
        alternatives = [m for m in found.matches if m.coach.person_id != relationship.coach_id]
        text, blocks = views.request_expired(relationship.coach.name, alternatives[:3])
        return Send(channel, text, blocks)
    if kind is Kind.COACH_PAUSED:
        text, blocks = views.coach_paused(3)
        return Send(channel, text, blocks)
    if kind is Kind.FIRST_CALL:
        talked = session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.relationship_id == relationship.id)
        )
        if state is not State.EXPLORING or talked:
            return Skip("no longer waiting for a first call")
        text, blocks = views.first_call(pair)
        return Send(channel, text, blocks)
    if kind is Kind.KEEP_IN_TOUCH:
        if state is not State.CONCLUDED:
            return Skip("the relationship is not concluded")
        text, blocks = views.keep_in_touch(pair)
        return Send(channel, text, blocks)

    if state is not State.ACTIVE:
        return Skip(f"the relationship is {state.value}")
    cadence = _cadence(session, relationship)
    if cadence is None:
        return Skip("no agreement in force")
    agreement, last = cadence
    frequency = Frequency(agreement.frequency)
    due = next_check_in(frequency, last, agreement.start_date)
    if kind is Kind.TERM_END:
        if nudge.due_key != f"v{agreement.version}":
            return Skip("a newer agreement is in force")
        ends = term_end(agreement.start_date, agreement.duration_months)
        text, blocks = views.term_end(pair, ends)
        return Send(channel, text, blocks)
    if kind is Kind.OVERDUE:
        if nudge.due_key != f"since {overdue_since(frequency, last, agreement.start_date)}":
            return Skip("a conversation was logged since")
        text, blocks = views.overdue(pair)
        return Send(channel, text, blocks)
    if nudge.due_key != due.isoformat():
        return Skip("a conversation was logged since")
    if kind is Kind.PREPARE:
        text, blocks = views.prepare(pair, due)
        return Send(channel, text, blocks)
    slot = suggested_slot(due, recipient.time_zone)
    links = calendar_links(
        f"Coaching check-in: {relationship.learner.name} and {relationship.coach.name}",
        "Check-in arranged through Sounding Board.",
        slot,
    )
    actions = [(item.id, item.text) for item in open_actions(session, relationship.id)]
    text, blocks = views.check_in(pair, due, links, actions if is_learner else [])
    return Send(channel, text, blocks)
