"""The scheduler's messages: what `scheduling.due` says still applies, rendered for
Slack when each is sent."""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from slack_sdk.models.blocks import SectionBlock
from sqlalchemy.orm import Session

from coaching.effects import Kind
from handlers.delivery import Composer
from handlers.views import nudges as views
from scheduling import due
from scheduling.outbox import Outcome, Post, Postpone, Skip, Update
from storage.models import Nudge, Person

Message = tuple[str, list[dict]]


def message(facts: due.Scheduled) -> Message:
    """The message a scheduled nudge's facts make."""
    match facts:
        case due.FirstCall(pair):
            return views.first_call(pair)
        case due.CheckIn(pair, day, calendar, actions, missed, months, talked):
            return views.check_in(pair, day, calendar, actions, missed, months, talked)
        case due.Prepare(pair, day):
            return views.prepare(pair, day)
        case due.DebriefDue(conversation_id, coach_user, day):
            return views.debrief(conversation_id, coach_user, day)
        case due.TermEnd(pair, ends, concludes):
            return views.term_end(pair, ends, concludes)
        case due.KeepInTouch(pair):
            return views.keep_in_touch(pair)
        case due.RequestReminder(learner_user, days):
            return views.request_reminder(learner_user, days)
        case due.RequestExpired(coach_name, alternatives):
            return views.request_expired(coach_name, alternatives)
        case due.CoachPaused(expired):
            return views.coach_paused(expired)
        case _:
            assert_never(facts)


def compose(session: Session, nudge: Nudge, recipient: Person | None, now: datetime) -> Outcome:
    """Any scheduled nudge, if it still applies."""
    assert recipient is not None
    facts = due.scheduled(session, nudge, recipient, now)
    if isinstance(facts, Skip | Postpone):
        return facts
    text, blocks = message(facts)
    return Post(recipient.slack_user_id or "", text, blocks)


def closed_text(said: due.QuestionAnswered | due.Debriefed | due.TermAnswered) -> str:
    match said:
        case due.QuestionAnswered(coach_user, question, answer):
            return views.question_answered(coach_user, question, answer)
        case due.Debriefed(day):
            return views.debriefed(day)
        case due.TermAnswered(outcome, version, ends):
            return views.term_answered(outcome, version, ends)
        case _:
            assert_never(said)


def compose_closed(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    """An earlier message, updated to say what became of its question."""
    became = due.closed(session, nudge)
    if isinstance(became, Skip):
        return became
    text = closed_text(became.said)
    return Update(became.channel, became.ts, text, [SectionBlock(text=text).to_dict()])


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
