"""What a pair is owed, and when: pure planning from a pair's stored facts.

`plan_pair` is given everything the database knows about one pair and the time now, and
answers with the nudges whose moment has come and the next moment anything will be due.
The reminder run stores the first (at most once each, by key) and wakes the pair again
at the second; nothing lives in scheduler memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coaching.cadence import (
    add_months,
    check_ins,
    delivery_time,
    next_working_instant,
    prepare_date,
    term_end,
)
from coaching.effects import Kind
from coaching.lifecycle import State
from coaching.vocabulary import Frequency

FIRST_CALL_AFTER = timedelta(days=7)
REQUEST_REMINDER_AFTER = timedelta(days=3)
REQUEST_EXPIRES_AFTER = timedelta(days=7)
KEEP_IN_TOUCH_MONTHS = 3
TERM_REMINDER_AFTER = timedelta(days=14)
TERM_CONCLUDED_AFTER = timedelta(days=28)


@dataclass(frozen=True)
class PairFacts:
    relationship_id: int
    state: str
    learner_id: int
    learner_tz: str | None
    coach_id: int
    coach_tz: str | None
    requested_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    agreement_version: int | None
    agreement_start: date | None
    agreement_months: int | None
    frequency: str | None
    last_conversation: date | None
    conversations: int


@dataclass(frozen=True)
class Planned:
    kind: Kind
    subject_id: int
    recipient_id: int
    due_key: str
    deliver_at: datetime


@dataclass(frozen=True)
class Plan:
    due: list[Planned]
    next_at: datetime | None
    expire: bool = False
    """The intro request has waited too long and is to be marked expired."""
    conclude: bool = False
    """The term ended four weeks ago and nobody renewed: the pair is to be concluded."""


def _both(
    facts: PairFacts, kind: Kind, key: str, when: Callable[[str | None], datetime]
) -> list[Planned]:
    """The same nudge to learner and coach, each timed by `when` in their own zone."""
    return [
        Planned(kind, facts.relationship_id, person, key, when(tz))
        for person, tz in ((facts.learner_id, facts.learner_tz), (facts.coach_id, facts.coach_tz))
    ]


def _on(day: date) -> Callable[[str | None], datetime]:
    return lambda tz: delivery_time(day, tz)


def _from(instant: datetime) -> Callable[[str | None], datetime]:
    return lambda tz: next_working_instant(instant, tz)


def candidates(facts: PairFacts) -> tuple[list[Planned], bool]:
    """Every nudge the pair's present state calls for, due or not yet; and whether the
    request is to expire (when its expiry nudge is among them)."""
    state = State(facts.state)
    pid = facts.relationship_id
    if state is State.REQUESTED:
        remind_at = facts.requested_at + REQUEST_REMINDER_AFTER
        expire_at = facts.requested_at + REQUEST_EXPIRES_AFTER
        return [
            Planned(
                Kind.REQUEST_REMINDER,
                pid,
                facts.coach_id,
                "reminder",
                next_working_instant(remind_at, facts.coach_tz),
            ),
            Planned(Kind.REQUEST_EXPIRED, pid, facts.learner_id, "expired", expire_at),
        ], True
    if state is State.EXPLORING and facts.conversations == 0 and facts.answered_at is not None:
        return _both(
            facts, Kind.FIRST_CALL, "first", _from(facts.answered_at + FIRST_CALL_AFTER)
        ), False
    if state is State.ACTIVE and facts.agreement_start is not None:
        return _active(facts), False
    if state is State.CONCLUDED and facts.ended_at is not None:
        day = add_months(facts.ended_at.date(), KEEP_IN_TOUCH_MONTHS)
        return [
            Planned(
                Kind.KEEP_IN_TOUCH,
                pid,
                facts.learner_id,
                "after",
                delivery_time(day, facts.learner_tz),
            )
        ], False
    return [], False


def _active(facts: PairFacts) -> list[Planned]:
    """Check-ins at the agreed cadence and, while the pair does not talk, one for each
    period missed; a prompt to prepare for the first; the term-end question, a reminder
    two weeks later, and the conclusion four weeks after the end if nobody renewed."""
    assert facts.agreement_start is not None
    frequency = Frequency(facts.frequency)
    ends = term_end(facts.agreement_start, facts.agreement_months or 0)
    version = f"v{facts.agreement_version}"
    due = check_ins(frequency, facts.last_conversation, facts.agreement_start, ends)
    planned: list[Planned] = []
    for day in due:
        planned += _both(facts, Kind.CHECK_IN, day.isoformat(), _on(day))
    if due:
        planned.append(
            Planned(
                Kind.PREPARE,
                facts.relationship_id,
                facts.learner_id,
                due[0].isoformat(),
                delivery_time(prepare_date(due[0]), facts.learner_tz),
            )
        )
    planned += _both(facts, Kind.TERM_END, version, _on(ends))
    planned += _both(facts, Kind.TERM_REMINDER, version, _on(ends + TERM_REMINDER_AFTER))
    concluded_at = delivery_time(ends + TERM_CONCLUDED_AFTER, facts.learner_tz)
    planned.append(
        Planned(Kind.TERM_CONCLUDED, facts.relationship_id, facts.learner_id, version, concluded_at)
    )
    return planned


def _latest_check_ins(due: list[Planned]) -> list[Planned]:
    """Of the check-ins due, only the latest for each person: a pass that runs after a
    long stop sends where the pair stands now, not every period it missed."""
    latest: dict[int, str] = {}
    for nudge in due:
        if nudge.kind is Kind.CHECK_IN:
            latest[nudge.recipient_id] = max(latest.get(nudge.recipient_id, ""), nudge.due_key)
    return [
        nudge
        for nudge in due
        if nudge.kind is not Kind.CHECK_IN or nudge.due_key == latest[nudge.recipient_id]
    ]


def plan_pair(facts: PairFacts, now: datetime) -> Plan:
    """The nudges due by `now`, and when to look at this pair again (None: not until
    something about it changes). `expire` and `conclude` ask the run to end a request
    left unanswered, or a term nobody renewed."""
    planned, may_expire = candidates(facts)
    due = _latest_check_ins([nudge for nudge in planned if nudge.deliver_at <= now])
    later = [nudge.deliver_at for nudge in planned if nudge.deliver_at > now]
    expire = may_expire and any(nudge.kind is Kind.REQUEST_EXPIRED for nudge in due)
    if expire:
        due = [nudge for nudge in due if nudge.kind is Kind.REQUEST_EXPIRED]
        later = []
    conclude = any(nudge.kind is Kind.TERM_CONCLUDED for nudge in due)
    if conclude:
        due = [nudge for nudge in due if nudge.kind is not Kind.TERM_CONCLUDED]
        later = []
    return Plan(due=due, next_at=min(later) if later else None, expire=expire, conclude=conclude)
