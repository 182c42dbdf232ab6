"""A pair's life after the intro: pause, resume, a no-fault ending, and "my coaching"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching import agreements, text
from coaching.cadence import check_ins, term_end
from coaching.effects import Decision, Effect, Kind, closing
from coaching.errors import Invalid, Refused
from coaching.lifecycle import CURRENT, IllegalTransition, State, Transition, describe, next_state
from coaching.pairs import Pair, other_party, party_to, seen_by
from coaching.profiles import find_person
from coaching.ranking import Slot, slot_for
from coaching.vocabulary import Frequency
from storage.models import Agreement, Conversation, Person, Relationship
from storage.states import AgreementStatus

REASON_LIMIT = 1000
NOTE_LIMIT = 1500


NOT_YOURS = "That relationship isn't one of yours."


class NotYourRelationship(Refused, LookupError):
    """The same refusal whether or not the relationship exists, so it reveals nothing."""

    def __init__(self, relationship_id: int) -> None:
        self.relationship_id = relationship_id
        super().__init__(NOT_YOURS)


class InvalidEnding(Invalid):
    """The end form's texts have problems; `errors` maps each field to what is wrong."""


def _for_party(
    session: Session, team_id: str, relationship_id: int, user_id: str
) -> tuple[Relationship, Person]:
    found = party_to(session, team_id, relationship_id, user_id)
    if found is None:
        raise NotYourRelationship(relationship_id)
    return found


def change(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    transition: Transition,
    now: datetime,
    *,
    reason: str = "",
) -> tuple[Relationship, Person]:
    """Pause, resume or end, as either party; `IllegalTransition` explains a refusal.
    Returns the relationship and the other party, who is to be told."""
    if transition not in (Transition.PAUSE, Transition.RESUME, Transition.END):
        raise ValueError(transition)
    relationship, person = _for_party(session, team_id, relationship_id, user_id)
    target = next_state(relationship.state, transition)
    if transition is Transition.RESUME and agreements.executed(session, relationship.id) is None:
        target = State.EXPLORING
    relationship.state = target
    relationship.replan(now)
    if transition is Transition.PAUSE:
        relationship.paused_by = person.id
    elif transition is Transition.RESUME:
        relationship.paused_by = None
    else:
        relationship.ended_by = person.id
        relationship.ended_at = now
        relationship.end_reason = text.clean(reason)
    coach = relationship.coach.coach
    if coach is not None:
        coach.updated_at = now
    return relationship, other_party(relationship, person.id)


@dataclass(frozen=True)
class Ended:
    relationship: Relationship
    actor: Person
    other: Person
    """The other party, to be told and thanked."""
    thanks: str


def end(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    now: datetime,
    *,
    reason: str = "",
    thanks: str = "",
) -> Ended:
    """A no-fault ending as either party: a private reason, and a note of thanks for the
    other; `InvalidEnding` when either text can't be taken as it is."""
    fields = text.Fields()
    fields.text("reason", reason, limit=REASON_LIMIT)
    thanks = fields.text("thanks", thanks, limit=NOTE_LIMIT)
    if fields.errors:
        raise InvalidEnding(fields.errors)
    relationship, other = change(
        session, team_id, relationship_id, user_id, Transition.END, now, reason=reason
    )
    return Ended(relationship, other_party(relationship, other.id), other, thanks)


def changed_effects(
    relationship: Relationship, actor: Person, paused: bool, now: datetime
) -> list[Effect]:
    """The other party hears that the pair was paused or resumed."""
    other = other_party(relationship, actor.id)
    return [
        Effect(
            Kind.PAIR_CHANGED,
            relationship.id,
            other.id,
            other.slack_user_id or "",
            key=f"{'paused' if paused else 'resumed'} {now.isoformat()}",
            payload={"actor": actor.slack_user_id, "paused": paused},
        )
    ]


def ended_effects(session: Session, ended: Ended) -> list[Effect]:
    """The other party hears the news, with the thank-you note; the one who ended it
    that it is done."""
    relationship, actor, other = ended.relationship, ended.actor, ended.other
    return [
        Effect(
            Kind.PAIR_ENDED,
            relationship.id,
            other.id,
            other.slack_user_id or "",
            payload={"actor": actor.slack_user_id, "thanks": ended.thanks},
        ),
        Effect(Kind.CHANGE_CONFIRMED, relationship.id, actor.id, actor.slack_user_id or ""),
        *_term_closed(session, relationship),
    ]


def pair_for(session: Session, team_id: str, relationship_id: int, user_id: str) -> Pair:
    """The pair as `user_id` sees it, if they are one of it; `NotYourRelationship` if not."""
    relationship, person = _for_party(session, team_id, relationship_id, user_id)
    return seen_by(relationship, person.id)


def change_as_party(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    transition: Transition,
    now: datetime,
) -> Decision[None]:
    """Pause or resume as either party (`change`); the other party is told."""
    relationship, other = change(session, team_id, relationship_id, user_id, transition, now)
    actor = other_party(relationship, other.id)
    paused = transition is Transition.PAUSE
    owed = changed_effects(relationship, actor, paused, now)
    return Decision(None, owed, (actor.slack_user_id, other.slack_user_id))


def end_as_party(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    now: datetime,
    *,
    reason: str = "",
    thanks: str = "",
) -> Decision[None]:
    """`end`, with what it owes."""
    ended = end(session, team_id, relationship_id, user_id, now, reason=reason, thanks=thanks)
    owed = ended_effects(session, ended)
    return Decision(None, owed, (ended.actor.slack_user_id, ended.other.slack_user_id))


def _term_closed(session: Session, relationship: Relationship) -> list[Effect]:
    """The term-end questions the pair had, saying it is concluded."""
    kinds = (Kind.TERM_END, Kind.TERM_REMINDER)
    return closing(session, relationship.team_id, kinds, relationship.id, "concluded")


def term_ended_on(session: Session, relationship: Relationship) -> date | None:
    """The last day of the pair's agreement in force (or latest executed)."""
    latest = session.scalar(
        select(Agreement)
        .where(
            Agreement.relationship_id == relationship.id,
            Agreement.status.in_((AgreementStatus.EXECUTED, AgreementStatus.SUPERSEDED)),
        )
        .order_by(Agreement.version.desc())
        .limit(1)
    )
    return term_end(latest.start_date, latest.duration_months) if latest else None


def _notices(coordinators: Iterable[str], what: str, subject_id: int) -> list[Effect]:
    return [
        Effect(
            Kind.PROGRAM_NOTICE,
            subject_id,
            None,
            coordinator,
            key=f"{what} {coordinator}",
            payload={"what": what, "coordinator": coordinator},
        )
        for coordinator in coordinators
    ]


def _close(relationship: Relationship, now: datetime) -> None:
    relationship.state = next_state(relationship.state, Transition.END)
    relationship.ended_at = now
    relationship.ended_by = None
    relationship.replan(now)
    coach = relationship.coach.coach
    if coach is not None:
        coach.updated_at = now


def conclude_unrenewed(
    session: Session, relationship_id: int, now: datetime, coordinators: Iterable[str]
) -> list[Effect]:
    """Four weeks after the term ended with no renewal and no answer, the pair is
    concluded: both are thanked, the coordinators told."""
    relationship = session.get(Relationship, relationship_id)
    if relationship is None or relationship.state != State.ACTIVE:
        return []
    _close(relationship, now)
    return [
        *_term_closed(session, relationship),
        *(
            Effect(Kind.TERM_CONCLUDED, relationship.id, person.id, person.slack_user_id or "")
            for person in (relationship.learner, relationship.coach)
        ),
        *_notices(coordinators, "term_concluded", relationship.id),
    ]


def coach_left(
    session: Session, team_id: str, slack_user_id: str, now: datetime, coordinators: Iterable[str]
) -> list[Effect]:
    """A coach has left the workspace: they are paused, each of their pairs and waiting
    requests closes, each learner is told kindly (with coaches who fit) and the
    coordinators are told. Nothing happens for anyone else."""
    coach = find_person(session, team_id, slack_user_id)
    if coach is None or coach.coach is None:
        return []
    if coach.coach.paused_at is None:
        coach.coach.paused_at = now
    found: list[Effect] = []
    for relationship in session.scalars(
        select(Relationship).where(
            Relationship.coach_id == coach.id, Relationship.state.in_(CURRENT)
        )
    ):
        if relationship.state == State.REQUESTED:
            relationship.state = next_state(relationship.state, Transition.WITHDRAW)
            relationship.answered_at = now
        else:
            _close(relationship, now)
        learner = relationship.learner
        found.append(
            Effect(Kind.COACH_LEFT, relationship.id, learner.id, learner.slack_user_id or "")
        )
    if found:
        found += _notices(coordinators, "coach_left", coach.id)
    return found


@dataclass(frozen=True)
class AgreementSummary:
    agreement_id: int
    version: int
    status: str
    frequency: str
    start_date: date
    duration_months: int
    awaiting_me: bool


@dataclass(frozen=True)
class RelationshipLine:
    relationship_id: int
    role: str
    """"learner" if I am the learner in it, else "coach"."""
    other_user: str
    other_name: str
    state: State
    state_text: str
    slot: Slot | None
    agreement: AgreementSummary | None
    next_check_in: date | None = None
    overdue_since: date | None = None
    """The check-in date that passed with no conversation logged since, if any."""


@dataclass(frozen=True)
class MyCoaching:
    lines: list[RelationshipLine]
    is_learner: bool
    portfolio: dict[Slot, list[str]]
    """For learners: each "2 + 1" slot and the names of the coaches filling it."""

    @property
    def missing(self) -> list[Slot]:
        return [slot for slot, names in self.portfolio.items() if not names]


def _slot(learner: Person, coach: Person) -> Slot:
    return slot_for(learner.organization, learner.department, coach.organization, coach.department)


def my_coaching(session: Session, team_id: str, user_id: str, today: date) -> MyCoaching:
    person = find_person(session, team_id, user_id)
    if person is None:
        return MyCoaching(lines=[], is_learner=False, portfolio={})
    relationships = session.scalars(
        select(Relationship)
        .where(
            (Relationship.learner_id == person.id) | (Relationship.coach_id == person.id),
            Relationship.state.in_([*CURRENT, State.CONCLUDED]),
        )
        .order_by(Relationship.requested_at.desc())
    ).all()
    lines = []
    portfolio: dict[Slot, list[str]] = {slot: [] for slot in Slot}
    for relationship in relationships:
        as_learner = relationship.learner_id == person.id
        other = other_party(relationship, person.id)
        slot = _slot(person, other) if as_learner else None
        draft = agreements.current_draft(session, relationship.id)
        shown = draft or agreements.executed(session, relationship.id)
        summary = None
        if shown is not None:
            summary = AgreementSummary(
                agreement_id=shown.id,
                version=shown.version,
                status=shown.status,
                frequency=shown.frequency,
                start_date=shown.start_date,
                duration_months=shown.duration_months,
                awaiting_me=draft is not None and agreements.awaiting(draft) == person.id,
            )
        if as_learner and slot is not None and relationship.state in CURRENT - {State.REQUESTED}:
            portfolio[slot].append(other.name)
        upcoming = overdue = None
        current = agreements.executed(session, relationship.id)
        if relationship.state == State.ACTIVE and current is not None:
            last = session.scalar(
                select(func.max(Conversation.happened_on)).where(
                    Conversation.relationship_id == relationship.id
                )
            )
            dates = check_ins(
                Frequency(current.frequency),
                last,
                current.start_date,
                term_end(current.start_date, current.duration_months),
            )
            upcoming = next((day for day in dates if day >= today), None)
            overdue = dates[0] if dates and dates[0] < today else None
        lines.append(
            RelationshipLine(
                relationship_id=relationship.id,
                role="learner" if as_learner else "coach",
                other_user=other.slack_user_id or "",
                other_name=other.name,
                state=relationship.state,
                state_text=describe(relationship.state),
                slot=slot,
                agreement=summary,
                next_check_in=upcoming,
                overdue_since=overdue,
            )
        )
    return MyCoaching(lines=lines, is_learner=person.learner is not None, portfolio=portfolio)


__all__ = [
    "IllegalTransition",
    "InvalidEnding",
    "MyCoaching",
    "NotYourRelationship",
    "change",
    "change_as_party",
    "changed_effects",
    "coach_left",
    "conclude_unrenewed",
    "end",
    "end_as_party",
    "ended_effects",
    "my_coaching",
    "pair_for",
]
