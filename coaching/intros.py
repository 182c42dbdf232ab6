"""Intro requests: a learner asks a coach; the coach accepts, asks a question or declines.

Every answer is a compare-and-set on the request's state, so a double click or a Slack
retry changes the request once and the second attempt learns it was already answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching import errors, gallery, text
from coaching.effects import Decision, Effect, Kind, closing, group_conversation
from coaching.errors import Invalid, Refused
from coaching.lifecycle import MATCHED, OPEN_REQUEST, State, Transition, describe, next_state
from coaching.profiles import LONG_TEXT, find_person
from coaching.ranking import CoachCard, Filters, Match
from coaching.vocabulary import CoachingKind
from storage.models import Person, Relationship, RequestQuestion
from storage.queries import get_in_team

ANY_CALL = "either"
FIRST_CALLS = {
    "phone": "A phone call",
    "video": "A video call",
    "in_person": "Coffee in person",
    ANY_CALL: "Whatever suits the coach",
}
NOTE_LIMIT = 1000
REASON_LIMIT = 500


class IntroRefused(Refused):
    """The request can't be made or answered; the message says why, for the user."""


@dataclass(frozen=True)
class IntroDetails:
    coaching_kind: str
    hopes: str
    first_call: str
    note: str
    search: Filters = field(default_factory=Filters)
    """What the learner searched for when they asked (kept with the request, so that a
    decline can suggest coaches for the same needs)."""


def clean_details(details: IntroDetails) -> IntroDetails:
    fields = text.Fields()
    if details.coaching_kind not in set(CoachingKind):
        fields.errors["coaching_kind"] = "Please choose the kind of coaching you're looking for."
    hopes = fields.text(
        "hopes", details.hopes, limit=LONG_TEXT, required="Please say briefly what you hope for."
    )
    if details.first_call not in FIRST_CALLS:
        fields.errors["first_call"] = "Please choose how you'd like a first call."
    note = fields.text("note", details.note, limit=NOTE_LIMIT)
    if fields.errors:
        raise InvalidIntro(fields.errors)
    return IntroDetails(
        coaching_kind=details.coaching_kind,
        hopes=hopes,
        first_call=details.first_call,
        note=note,
        search=details.search,
    )


class InvalidIntro(Invalid):
    """The request form's (or an answer's) field errors."""


def open_requests(session: Session, learner_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Relationship)
            .where(Relationship.learner_id == learner_id, Relationship.state.in_(OPEN_REQUEST))
        )
        or 0
    )


def matched_learners(session: Session, coach_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Relationship)
            .where(Relationship.coach_id == coach_id, Relationship.state.in_(MATCHED))
        )
        or 0
    )


def check_can_request(
    session: Session, team_id: str, learner_user: str, coach: Person | None, max_open: int
) -> Person:
    """The learner, if they may ask this coach for an intro; `IntroRefused` otherwise."""
    learner = find_person(session, team_id, learner_user)
    if learner is None or learner.learner is None:
        raise IntroRefused(
            "Before asking for an intro, register as a learner so the coach can read "
            "about you: `/coaching-profile learner`."
        )
    if coach is None or coach.coach is None or coach.slack_user_id is None:
        raise IntroRefused("That person isn't a coach in the program.")
    if coach.id == learner.id:
        raise IntroRefused("You can't ask yourself for an intro.")
    if coach.coach.paused_at is not None:
        raise IntroRefused(f"{coach.name} is not taking learners right now.")
    existing = session.scalar(
        select(Relationship.state).where(
            Relationship.learner_id == learner.id,
            Relationship.coach_id == coach.id,
            Relationship.state.in_([State.REQUESTED, *MATCHED]),
        )
    )
    if existing == State.REQUESTED:
        raise IntroRefused(f"You already asked {coach.name}; they'll answer in a DM.")
    if existing is not None:
        raise IntroRefused(f"{coach.name} is already your coach.")
    if matched_learners(session, coach.id) >= coach.coach.max_learners:
        raise IntroRefused(f"{coach.name} has no room for another learner just now.")
    if open_requests(session, learner.id) >= max_open:
        raise IntroRefused(
            "You already have as many requests waiting for an answer as the program allows "
            f"({max_open}). Wait for an answer, or withdraw one, before asking someone else."
        )
    return learner


def request_intro(
    session: Session,
    team_id: str,
    learner_user: str,
    coach_person_id: int,
    details: IntroDetails,
    request_key: str,
    now: datetime,
    *,
    max_open: int,
) -> tuple[Relationship, bool]:
    """Create the request, or return the one this `request_key` already made.

    Returns the request and whether it is new, so a retried submission sends nothing
    twice."""
    existing = session.scalar(
        select(Relationship).where(
            Relationship.team_id == team_id, Relationship.request_key == request_key
        )
    )
    if existing is not None:
        return existing, False
    details = clean_details(details)
    coach = get_in_team(session, Person, coach_person_id, team_id)
    learner = check_can_request(session, team_id, learner_user, coach, max_open)
    assert coach is not None and coach.coach is not None
    if details.first_call not in (*coach.coach.meeting_forms, ANY_CALL):
        raise InvalidIntro(
            {"first_call": f"{coach.name} doesn't meet that way; please choose again."}
        )
    relationship = Relationship(
        team_id=team_id,
        learner=learner,
        coach=coach,
        state=State.REQUESTED,
        request_key=request_key,
        coaching_kind=details.coaching_kind,
        hopes=details.hopes,
        first_call=details.first_call,
        note=details.note,
        search=details.search.to_dict(),
        requested_at=now,
        next_plan_at=now,
    )
    try:
        with session.begin_nested():
            session.add(relationship)
    except IntegrityError:
        # Another process made the same request a moment ago.
        again = session.scalar(
            select(Relationship).where(
                Relationship.team_id == team_id, Relationship.request_key == request_key
            )
        )
        if again is None:
            raise IntroRefused(f"You already asked {coach.name}; they'll answer in a DM.") from None
        return again, False
    return relationship, True


def _request_for_coach(
    session: Session, team_id: str, relationship_id: int, coach_user: str
) -> Relationship:
    relationship = get_in_team(session, Relationship, relationship_id, team_id)
    if relationship is None:
        raise IntroRefused("That request no longer exists.")
    if relationship.coach.slack_user_id != coach_user:
        raise IntroRefused("Only the coach this request was sent to can answer it.")
    return relationship


def _answer(
    session: Session, relationship: Relationship, transition: Transition, now: datetime
) -> Relationship:
    """Move the request on, once: the UPDATE only matches while it is still waiting."""
    target = next_state(State.REQUESTED, transition)
    changed = session.execute(
        update(Relationship)
        .where(Relationship.id == relationship.id, Relationship.state == State.REQUESTED)
        .values(state=target, answered_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(relationship)
    if changed != 1:
        raise AlreadyAnswered(relationship)
    return relationship


class Repeated(IntroRefused, errors.Repeated):
    """The same thing again (a double submission): nothing to do, nothing to say."""


class AlreadyAnswered(IntroRefused):
    def __init__(self, relationship: Relationship) -> None:
        self.relationship = relationship
        super().__init__(
            f"This request was already answered: it is {describe(relationship.state)}."
        )


def accept(
    session: Session, team_id: str, relationship_id: int, coach_user: str, now: datetime
) -> Relationship:
    relationship = _request_for_coach(session, team_id, relationship_id, coach_user)
    if relationship.state == State.REQUESTED:
        coach = relationship.coach.coach
        if (
            coach is not None
            and matched_learners(session, relationship.coach_id) >= coach.max_learners
        ):
            raise IntroRefused(
                "You're at your limit of learners. Raise it with "
                "`/coaching-profile capacity N` first, or decline."
            )
    accepted = _answer(session, relationship, Transition.ACCEPT, now)
    accepted.replan(now)
    return accepted


@dataclass(frozen=True)
class Declined:
    relationship: Relationship
    also_declined: list[Relationship]
    """Other waiting requests declined because the coach paused."""


def decline(
    session: Session,
    team_id: str,
    relationship_id: int,
    coach_user: str,
    now: datetime,
    *,
    reason: str = "",
    pause: bool = False,
    suggested: int | None = None,
) -> Declined:
    """`suggested` is another coach the declining coach recommends: one with room."""
    relationship = _request_for_coach(session, team_id, relationship_id, coach_user)
    fields = text.Fields()
    reason = fields.line("reason", reason, limit=REASON_LIMIT)
    if suggested is not None and suggested not in {
        card.person_id for card in suggestable(session, team_id, relationship.coach_id)
    }:
        fields.errors["suggestion"] = (
            "That coach isn't taking learners just now; choose another or leave it empty."
        )
    if fields.errors:
        raise InvalidIntro(fields.errors)
    relationship = _answer(session, relationship, Transition.DECLINE, now)
    relationship.decline_reason = reason
    others: list[Relationship] = []
    if pause:
        coach = relationship.coach.coach
        if coach is not None and coach.paused_at is None:
            coach.paused_at = now
        for other in session.scalars(
            select(Relationship).where(
                Relationship.coach_id == relationship.coach_id,
                Relationship.state == State.REQUESTED,
                Relationship.id != relationship.id,
            )
        ).all():
            try:
                others.append(_answer(session, other, Transition.DECLINE, now))
            except AlreadyAnswered:
                continue
    return Declined(relationship=relationship, also_declined=others)


def ask_question(
    session: Session,
    team_id: str,
    relationship_id: int,
    coach_user: str,
    question: str,
    now: datetime,
) -> RequestQuestion:
    relationship = _request_for_coach(session, team_id, relationship_id, coach_user)
    if relationship.state != State.REQUESTED:
        raise AlreadyAnswered(relationship)
    fields = text.Fields()
    question = fields.text(
        "question", question, limit=NOTE_LIMIT, required="Please write your question."
    )
    if fields.errors:
        raise InvalidIntro(fields.errors)
    if repeats_question(session, relationship.id, question):
        raise Repeated("This question is already waiting for an answer.")
    asked = RequestQuestion(
        team_id=team_id, relationship=relationship, question=question, asked_at=now
    )
    session.add(asked)
    session.flush()
    return asked


def repeats_question(session: Session, relationship_id: int, question: str) -> bool:
    """Whether this question is already waiting on the request (a double submission)."""
    return (
        session.scalar(
            select(RequestQuestion.id).where(
                RequestQuestion.relationship_id == relationship_id,
                RequestQuestion.question == question.strip(),
                RequestQuestion.answered_at.is_(None),
            )
        )
        is not None
    )


def question_for_learner(
    session: Session, team_id: str, question_id: int, learner_user: str
) -> RequestQuestion | None:
    """The question if it is waiting for this learner's answer."""
    asked = session.get(RequestQuestion, question_id)
    if (
        asked is None
        or asked.team_id != team_id
        or asked.answered_at is not None
        or asked.relationship.learner.slack_user_id != learner_user
    ):
        return None
    return asked


def answer_question(
    session: Session, team_id: str, question_id: int, learner_user: str, answer: str, now: datetime
) -> RequestQuestion:
    asked = session.get(RequestQuestion, question_id)
    if asked is None or asked.team_id != team_id:
        raise IntroRefused("That question no longer exists.")
    if asked.relationship.learner.slack_user_id != learner_user:
        raise IntroRefused("Only the learner who was asked can answer.")
    if asked.answered_at is not None:
        raise IntroRefused("You already answered this question.")
    fields = text.Fields()
    answer = fields.text("answer", answer, limit=LONG_TEXT, required="Please write your answer.")
    if fields.errors:
        raise InvalidIntro(fields.errors)
    asked.answer = answer
    asked.answered_at = now
    return asked


def record_coach_message(session: Session, relationship_id: int, channel: str, ts: str) -> None:
    relationship = session.get(Relationship, relationship_id)
    if relationship is not None:
        relationship.coach_channel = channel
        relationship.coach_message_ts = ts


def record_group_channel(session: Session, relationship_id: int, channel: str) -> None:
    relationship = session.get(Relationship, relationship_id)
    if relationship is not None:
        relationship.group_channel = channel


@dataclass(frozen=True)
class RequestCard:
    """An intro request as the coach sees it."""

    relationship_id: int
    learner_user: str
    learner_name: str
    learner_title: str
    learner_organization: str
    learner_department: str
    learner_place: str
    why_coaching: str
    coaching_kind: str
    hopes: str
    first_call: str
    note: str


def card_of(relationship: Relationship) -> RequestCard:
    learner = relationship.learner
    return RequestCard(
        relationship_id=relationship.id,
        learner_user=learner.slack_user_id or "",
        learner_name=learner.name,
        learner_title=learner.title,
        learner_organization=learner.organization,
        learner_department=learner.department,
        learner_place=", ".join(part for part in (learner.city, learner.state) if part),
        why_coaching=learner.learner.why_coaching if learner.learner else "",
        coaching_kind=relationship.coaching_kind,
        hopes=relationship.hopes,
        first_call=relationship.first_call,
        note=relationship.note,
    )


# -- each step as a person takes it, with what it owes ------------------------------------


@dataclass(frozen=True)
class Askable:
    """A coach the learner may ask for an intro, with what the request form offers."""

    coach_id: int
    coach_name: str
    coaching_kinds: list[str]
    """The learner's kinds of coaching, to offer first."""
    meeting_forms: list[str]
    """The ways the coach meets, for the first call."""


def askable(
    session: Session,
    team_id: str,
    learner_user: str,
    max_open: int,
    *,
    coach_id: int | None = None,
    coach_user: str | None = None,
) -> Askable:
    """Whether the learner may ask this coach (by person id, or by Slack member):
    `IntroRefused` says why not."""
    if coach_user is not None:
        coach = find_person(session, team_id, coach_user)
    elif coach_id:
        coach = get_in_team(session, Person, coach_id, team_id)
    else:
        raise IntroRefused("That coach is gone.")
    learner = check_can_request(session, team_id, learner_user, coach, max_open)
    assert coach is not None and coach.coach is not None and learner.learner is not None
    kinds, forms = list(learner.learner.coaching_kinds), list(coach.coach.meeting_forms)
    return Askable(coach.id, coach.name, kinds, forms)


@dataclass(frozen=True)
class Requested:
    coach_name: str
    new: bool
    """False when this submission's request was already made (a retry)."""


def submit_request(
    session: Session,
    team_id: str,
    learner_user: str,
    coach_id: int,
    details: IntroDetails,
    request_key: str,
    now: datetime,
    max_open: int,
) -> Decision[Requested]:
    """`request_intro`; a new request reaches the coach and shows on both Homes."""
    relationship, new = request_intro(
        session, team_id, learner_user, coach_id, details, request_key, now, max_open=max_open
    )
    coach = relationship.coach
    if not new:
        return Decision(Requested(coach.name, new=False))
    owed = requested_effects(relationship)
    return Decision(Requested(coach.name, new=True), owed, (learner_user, coach.slack_user_id))


def accept_as_coach(
    session: Session,
    team_id: str,
    relationship_id: int,
    coach_user: str,
    now: datetime,
    clicked: tuple[str, str] | None,
) -> Decision[None]:
    """`accept`, with what it owes (`accepted_effects`)."""
    relationship = accept(session, team_id, relationship_id, coach_user, now)
    owed = accepted_effects(relationship, now, clicked)
    return Decision(None, owed, (relationship.learner.slack_user_id, coach_user))


def waiting_request(
    session: Session, team_id: str, relationship_id: int, coach_user: str
) -> RequestCard:
    """The request, for the coach it was sent to, while it waits for an answer."""
    relationship = _request_for_coach(session, team_id, relationship_id, coach_user)
    if relationship.state != State.REQUESTED:
        raise AlreadyAnswered(relationship)
    return card_of(relationship)


def suggestable(session: Session, team_id: str, coach_id: int) -> list[CoachCard]:
    """The coaches a declining coach may suggest instead: others with room, by name."""
    return gallery.with_room(session, team_id, coach_id)


@dataclass(frozen=True)
class DeclineChoices:
    card: RequestCard
    suggestions: list[tuple[int, str]]
    """Coaches the declining coach may suggest (person id, name)."""


def decline_choices(
    session: Session, team_id: str, relationship_id: int, coach_user: str
) -> DeclineChoices:
    card = waiting_request(session, team_id, relationship_id, coach_user)
    relationship = session.get(Relationship, card.relationship_id)
    assert relationship is not None
    room = suggestable(session, team_id, relationship.coach_id)
    return DeclineChoices(card, [(c.person_id, c.name) for c in room])


def submit_decline(
    session: Session,
    team_id: str,
    relationship_id: int,
    coach_user: str,
    now: datetime,
    *,
    reason: str,
    pause: bool,
    suggested: int | None,
) -> Decision[None]:
    """`decline`: each declined learner hears kindly; the Homes show it."""
    declined = decline(
        session,
        team_id,
        relationship_id,
        coach_user,
        now,
        reason=reason,
        pause=pause,
        suggested=suggested,
    )
    learners = [r.learner.slack_user_id for r in (declined.relationship, *declined.also_declined)]
    return Decision(None, declined_effects(declined, suggested), (coach_user, *learners))


def submit_question(
    session: Session,
    team_id: str,
    relationship_id: int,
    coach_user: str,
    question: str,
    now: datetime,
) -> Decision[None]:
    asked = ask_question(session, team_id, relationship_id, coach_user, question, now)
    return Decision(None, asked_effects(asked))


@dataclass(frozen=True)
class WaitingQuestion:
    question_id: int
    question: str


def waiting_question(
    session: Session, team_id: str, question_id: int, learner_user: str
) -> WaitingQuestion:
    """The coach's question, if it waits for this learner's answer."""
    asked = question_for_learner(session, team_id, question_id, learner_user)
    if asked is None:
        raise IntroRefused("That question is no longer waiting for your answer.")
    return WaitingQuestion(asked.id, asked.question)


def submit_answer(
    session: Session,
    team_id: str,
    question_id: int,
    learner_user: str,
    answer: str,
    now: datetime,
) -> Decision[None]:
    asked = answer_question(session, team_id, question_id, learner_user, answer, now)
    return Decision(None, answered_effects(session, asked))


@dataclass(frozen=True)
class AfterDecline:
    """The coaches a declined learner is offered: the declining coach's suggestion (if
    it still has room) and others who fit."""

    suggested: Match | None
    others: list[Match]


def after_decline(
    session: Session, relationship: Relationship, suggested_id: int | None, now: datetime
) -> AfterDecline:
    team_id = relationship.team_id
    card = gallery.coach_card(session, team_id, int(suggested_id)) if suggested_id else None
    suggested = Match(card, 1.0, ("suggested by the coach you asked",)) if card else None
    exclude = {relationship.coach_id, card.person_id if card else 0}
    return AfterDecline(suggested, gallery.alternatives(session, relationship, now, exclude))


# -- what each step owes the people involved ----------------------------------------------


def requested_effects(relationship: Relationship) -> list[Effect]:
    """The coach hears of the request in a DM."""
    coach = relationship.coach
    return [Effect(Kind.INTRO_REQUEST, relationship.id, coach.id, coach.slack_user_id or "")]


def accepted_effects(
    relationship: Relationship, now: datetime, clicked: tuple[str, str] | None = None
) -> list[Effect]:
    """The coach's request DM (`clicked`, where the coach pressed Accept, if known) says
    it was accepted; the pair get a group DM; the coach a guide to the first
    conversation; the learner the news."""
    learner, coach = relationship.learner, relationship.coach
    where = {"channel": clicked[0], "ts": clicked[1]} if clicked else {}
    return [
        Effect(
            Kind.REQUEST_ANSWERED,
            relationship.id,
            coach.id,
            coach.slack_user_id or "",
            payload={"outcome": "accepted", "at": now.isoformat(), **where},
        ),
        Effect(Kind.GROUP_INTRO, relationship.id, learner.id, group_conversation(relationship.id)),
        Effect(Kind.COACH_GUIDE, relationship.id, coach.id, coach.slack_user_id or ""),
        Effect(Kind.LEARNER_ACCEPTED, relationship.id, learner.id, learner.slack_user_id or ""),
    ]


def declined_effects(declined: Declined, suggested: int | None) -> list[Effect]:
    """Each declined request's DM says so; each learner hears kindly, with other coaches
    (and the coach's own suggestion, for the request the coach declined by hand)."""
    found: list[Effect] = []
    others = len(declined.also_declined)
    for relationship in (declined.relationship, *declined.also_declined):
        coach, learner = relationship.coach, relationship.learner
        main = relationship is declined.relationship
        found.append(
            Effect(
                Kind.REQUEST_ANSWERED,
                relationship.id,
                coach.id,
                coach.slack_user_id or "",
                payload={"outcome": "declined", "also": others},
            )
        )
        found.append(
            Effect(
                Kind.DECLINED,
                relationship.id,
                learner.id,
                learner.slack_user_id or "",
                payload={"suggested": suggested if main else None, "reason": main},
            )
        )
    return found


def asked_effects(asked: RequestQuestion) -> list[Effect]:
    learner = asked.relationship.learner
    return [Effect(Kind.QUESTION, asked.id, learner.id, learner.slack_user_id or "")]


def answered_effects(session: Session, asked: RequestQuestion) -> list[Effect]:
    """The coach gets the answer; the question's message says it was answered."""
    coach = asked.relationship.coach
    return [
        Effect(Kind.ANSWER, asked.id, coach.id, coach.slack_user_id or ""),
        *closing(session, asked.team_id, [Kind.QUESTION], asked.id, "answered"),
    ]
