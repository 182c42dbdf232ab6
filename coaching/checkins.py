"""Between check-ins: logging a conversation, preparing, the learner's private debrief,
and following through on what they committed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching import errors, text
from coaching.cadence import next_working_instant
from coaching.effects import Decision, Effect, Kind, closing
from coaching.errors import Invalid, Refused
from coaching.lifecycle import TALKING
from coaching.pairs import Pair, meant_by, other_party, party_to, seen_by
from coaching.profiles import LONG_TEXT, find_person
from coaching.vocabulary import MeetingForm
from storage.models import (
    ActionItem,
    Conversation,
    Debrief,
    Nudge,
    Person,
    Preparation,
    Relationship,
)
from storage.states import ActionItemStatus

ACTION_LIMIT = 10
COMMITMENT_LIMIT = 500


class CheckinRefused(Refused):
    """Not allowed; the message says why, for the user."""


class Repeated(CheckinRefused, errors.Repeated):
    """The same thing again (a double submission): nothing to do, nothing to say."""


class InvalidEntry(Invalid):
    """A check-in form's field errors."""


def _party(
    session: Session, team_id: str, relationship_id: int, user_id: str
) -> tuple[Relationship, Person]:
    found = party_to(session, team_id, relationship_id, user_id)
    if found is None:
        raise CheckinRefused("That coaching relationship isn't one of yours.")
    return found


def pair_for(session: Session, team_id: str, relationship_id: int, user_id: str) -> Pair:
    """The pair as `user_id` sees it, if they are one of it (to log a conversation)."""
    relationship, person = _party(session, team_id, relationship_id, user_id)
    return seen_by(relationship, person.id)


def meant(session: Session, team_id: str, user_id: str, mention: str | None) -> list[Pair]:
    """The pairs `/log-conversation` may mean (`pairs.meant_by`); refused when none."""
    found = meant_by(session, team_id, user_id, mention)
    if not found:
        raise CheckinRefused("There's no current coaching relationship to log a conversation for.")
    return found


def may_keep_in_touch(session: Session, team_id: str, relationship_id: int, user_id: str) -> Pair:
    """The pair, if `user_id` is its learner: keeping in touch is theirs to do."""
    found = party_to(session, team_id, relationship_id, user_id)
    if found is None or found[0].learner_id != found[1].id:
        raise CheckinRefused("That coaching relationship isn't one of yours.")
    relationship, learner = found
    return seen_by(relationship, learner.id)


def log_conversation(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    happened_on: str,
    form: str,
    request_key: str,
    now: datetime,
) -> tuple[Conversation, bool]:
    """Record a conversation (once per `request_key`), reset the cadence, and owe the
    learner one debrief prompt. Returns the conversation and whether it is new."""
    relationship, person = _party(session, team_id, relationship_id, user_id)
    existing = session.scalar(
        select(Conversation).where(
            Conversation.relationship_id == relationship.id,
            Conversation.request_key == request_key,
        )
    )
    if existing is not None:
        return existing, False
    if relationship.state not in TALKING:
        raise CheckinRefused(
            "Conversations can be logged while you're exploring or working together."
        )
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(happened_on)
    except ValueError:
        errors["happened_on"] = "Please choose the date you talked."
    else:
        if day > now.date() + timedelta(days=1):
            errors["happened_on"] = "That date is in the future; log it once you've talked."
        elif day < now.date() - timedelta(days=366):
            errors["happened_on"] = "Please choose a date within the last year."
    if form not in set(MeetingForm):
        errors["form"] = "Please choose how you talked."
    if errors:
        raise InvalidEntry(errors)
    conversation = Conversation(
        team_id=team_id,
        relationship_id=relationship.id,
        happened_on=day,
        form=form,
        logged_by=person.id,
        request_key=request_key,
    )
    session.add(conversation)
    session.flush()
    learner = relationship.learner
    session.add(
        Nudge(
            team_id=team_id,
            kind=Kind.DEBRIEF,
            subject_id=conversation.id,
            recipient_id=learner.id,
            due_key="after",
            deliver_at=next_working_instant(now, learner.time_zone),
        )
    )
    relationship.replan(now)
    return conversation, True


def _learner_conversation(
    session: Session, team_id: str, conversation_id: int, user_id: str
) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    learner = find_person(session, team_id, user_id)
    if conversation is None or conversation.team_id != team_id or learner is None:
        raise CheckinRefused("Only the learner can debrief this conversation.")
    relationship = session.get(Relationship, conversation.relationship_id)
    if relationship is None or relationship.learner_id != learner.id:
        raise CheckinRefused("Only the learner can debrief this conversation.")
    return conversation


def check_debrief(session: Session, team_id: str, conversation_id: int, user_id: str) -> date:
    """The conversation's date, if this learner may debrief it and hasn't yet."""
    conversation = _learner_conversation(session, team_id, conversation_id, user_id)
    if session.scalar(select(Debrief.id).where(Debrief.conversation_id == conversation.id)):
        raise CheckinRefused("You've already debriefed this conversation.")
    return conversation.happened_on


@dataclass
class DebriefAnswers:
    went_well: str = ""
    not_well: str = ""
    insights: str = ""
    suggestions: str = ""
    willing_to_do: str = ""


def save_debrief(
    session: Session,
    team_id: str,
    conversation_id: int,
    user_id: str,
    answers: DebriefAnswers,
) -> tuple[Debrief, list[ActionItem]]:
    """The learner's private debrief; each line of what they're willing to do becomes an
    action item to follow up at the next check-in."""
    conversation = _learner_conversation(session, team_id, conversation_id, user_id)
    if session.scalar(select(Debrief.id).where(Debrief.conversation_id == conversation.id)):
        raise CheckinRefused("You've already debriefed this conversation.")
    fields = text.Fields()
    cleaned = {
        name: fields.text(name, value, limit=LONG_TEXT) for name, value in vars(answers).items()
    }
    if not any(cleaned.values()):
        fields.errors["went_well"] = "Please answer at least one question."
    lines = (line.strip(" -•*\t") for line in cleaned["willing_to_do"].splitlines())
    commitments = [line for line in lines if line]
    if len(commitments) > ACTION_LIMIT:
        fields.errors["willing_to_do"] = f"Please pick at most {ACTION_LIMIT} things, one per line."
    elif any(len(commitment) > COMMITMENT_LIMIT for commitment in commitments):
        fields.errors["willing_to_do"] = (
            f"Please keep each line to {COMMITMENT_LIMIT} characters or fewer."
        )
    if fields.errors:
        raise InvalidEntry(fields.errors)
    debrief = Debrief(team_id=team_id, conversation_id=conversation.id, **cleaned)
    session.add(debrief)
    session.flush()
    items = [
        ActionItem(
            team_id=team_id,
            relationship_id=conversation.relationship_id,
            debrief_id=debrief.id,
            text=commitment,
        )
        for commitment in commitments
    ]
    session.add_all(items)
    session.flush()
    return debrief, items


def open_actions(session: Session, relationship_id: int) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(
                ActionItem.relationship_id == relationship_id,
                ActionItem.status == ActionItemStatus.OPEN,
            )
            .order_by(ActionItem.id)
        )
    )


def follow_up(
    session: Session,
    team_id: str,
    action_id: int,
    user_id: str,
    did: str,
    happened: str,
    now: datetime,
) -> list[Effect]:
    """The learner tells the coach what they did about a commitment and what happened;
    returns what that owes (the coach's message, the learner's thanks)."""
    item = session.get(ActionItem, action_id)
    learner = find_person(session, team_id, user_id)
    relationship = session.get(Relationship, item.relationship_id) if item else None
    if (
        item is None
        or item.team_id != team_id
        or learner is None
        or relationship is None
        or relationship.learner_id != learner.id
    ):
        raise CheckinRefused("Only the learner can follow up on their own commitments.")
    if item.status != ActionItemStatus.OPEN:
        raise CheckinRefused("You've already told your coach about this one.")
    fields = text.Fields()
    did = fields.text("did", did, limit=LONG_TEXT, required="Please say briefly what you did.")
    happened = fields.text("happened", happened, limit=LONG_TEXT)
    if fields.errors:
        raise InvalidEntry(fields.errors)
    item.status = ActionItemStatus.DONE
    item.outcome = f"{did}\n{happened}".strip()
    item.closed_at = now
    return followed_up_effects(item, relationship, did, happened)


@dataclass(frozen=True)
class Commitment:
    """Something a learner said they would do, still open."""

    action_id: int
    text: str


def open_commitment(session: Session, team_id: str, action_id: int, user_id: str) -> Commitment:
    """The commitment, if it is this learner's and still open."""
    item = session.get(ActionItem, action_id)
    learner = find_person(session, team_id, user_id)
    relationship = session.get(Relationship, item.relationship_id) if item else None
    if (
        item is None
        or item.status != ActionItemStatus.OPEN
        or learner is None
        or relationship is None
        or relationship.learner_id != learner.id
    ):
        raise CheckinRefused("That one is already done, or it isn't yours.")
    return Commitment(item.id, item.text)


def prepare(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    purpose: str,
    questions: str,
) -> Preparation:
    relationship, person = _party(session, team_id, relationship_id, user_id)
    if person.id != relationship.learner_id:
        raise CheckinRefused("Preparing is the learner's part.")
    fields = text.Fields()
    purpose = fields.text(
        "purpose", purpose, limit=LONG_TEXT, required="Please name the purpose of the conversation."
    )
    questions = fields.text("questions", questions, limit=LONG_TEXT)
    if fields.errors:
        raise InvalidEntry(fields.errors)
    if repeats_preparation(session, relationship.id, purpose, questions):
        raise Repeated("That preparation is already saved.")
    preparation = Preparation(
        team_id=team_id,
        relationship_id=relationship.id,
        purpose=purpose,
        questions=questions,
    )
    session.add(preparation)
    session.flush()
    return preparation


def repeats_preparation(
    session: Session, relationship_id: int, purpose: str, questions: str
) -> bool:
    """Whether the latest unshared preparation says exactly this (a double submission)."""
    latest = session.scalar(
        select(Preparation)
        .where(Preparation.relationship_id == relationship_id, Preparation.shared_at.is_(None))
        .order_by(Preparation.id.desc())
        .limit(1)
    )
    return (
        latest is not None
        and latest.purpose == purpose.strip()
        and latest.questions == questions.strip()
    )


def share_preparation(
    session: Session, team_id: str, preparation_id: int, user_id: str, now: datetime
) -> tuple[Preparation, Person]:
    """Mark a learner's preparation shared (once); returns it and the coach to tell."""
    preparation = session.get(Preparation, preparation_id)
    learner = find_person(session, team_id, user_id)
    relationship = session.get(Relationship, preparation.relationship_id) if preparation else None
    if (
        preparation is None
        or learner is None
        or relationship is None
        or relationship.learner_id != learner.id
    ):
        raise CheckinRefused("Only the learner can share their preparation.")
    if preparation.shared_at is not None:
        raise CheckinRefused("You've already shared this with your coach.")
    preparation.shared_at = now
    return preparation, relationship.coach


def keep_in_touch(
    session: Session, team_id: str, relationship_id: int, user_id: str, update: str, now: datetime
) -> list[Effect]:
    """A learner's update to a former coach; returns what it owes (the coach's DM)."""
    relationship, person = _party(session, team_id, relationship_id, user_id)
    if person.id != relationship.learner_id:
        raise CheckinRefused("Keeping in touch is the learner's part.")
    fields = text.Fields()
    update = fields.text(
        "update", update, limit=LONG_TEXT, required="Please write a few words for your coach."
    )
    if fields.errors:
        raise InvalidEntry(fields.errors)
    return update_effects(relationship, update, now)


# -- each step with what it owes --------------------------------------------------------


def submit_log(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    happened_on: str,
    form: str,
    request_key: str,
    now: datetime,
) -> Decision[None]:
    """`log_conversation`; a new one is confirmed and shows on both Homes."""
    conversation, new = log_conversation(
        session, team_id, relationship_id, user_id, happened_on, form, request_key, now
    )
    if not new:
        return Decision(None)
    owed = logged_effects(session, conversation)
    return Decision(None, owed, parties(session, conversation.relationship_id))


def submit_preparation(
    session: Session, team_id: str, relationship_id: int, user_id: str, purpose: str, questions: str
) -> Decision[None]:
    preparation = prepare(session, team_id, relationship_id, user_id, purpose, questions)
    learner = find_person(session, team_id, user_id)
    assert learner is not None
    return Decision(None, prepared_effects(preparation, learner))


def share_with_coach(
    session: Session, team_id: str, preparation_id: int, user_id: str, now: datetime
) -> Decision[str]:
    """`share_preparation`; the value is the coach's member id."""
    preparation, coach = share_preparation(session, team_id, preparation_id, user_id, now)
    return Decision(coach.slack_user_id or "", shared_preparation_effects(preparation, coach))


def submit_debrief(
    session: Session, team_id: str, conversation_id: int, user_id: str, answers: DebriefAnswers
) -> Decision[None]:
    debrief, _items = save_debrief(session, team_id, conversation_id, user_id, answers)
    learner = find_person(session, team_id, user_id)
    assert learner is not None
    return Decision(None, debriefed_effects(session, debrief, learner), (user_id,))


def submit_follow_up(
    session: Session,
    team_id: str,
    action_id: int,
    user_id: str,
    did: str,
    happened: str,
    now: datetime,
) -> Decision[None]:
    owed = follow_up(session, team_id, action_id, user_id, did, happened, now)
    return Decision(None, owed, (user_id,))


def submit_update(
    session: Session, team_id: str, relationship_id: int, user_id: str, update: str, now: datetime
) -> Decision[None]:
    return Decision(None, keep_in_touch(session, team_id, relationship_id, user_id, update, now))


# -- what each step owes ---------------------------------------------------------------


def _to(person: Person, kind: Kind, subject_id: int, **payload: object) -> Effect:
    return Effect(kind, subject_id, person.id, person.slack_user_id or "", payload=payload)


def parties(session: Session, relationship_id: int) -> tuple[str | None, str | None]:
    """The Slack members of a pair: learner, coach."""
    relationship = session.get(Relationship, relationship_id)
    if relationship is None:
        return None, None
    return relationship.learner.slack_user_id, relationship.coach.slack_user_id


def commitments_of(session: Session, debrief_id: int) -> list[str]:
    """What the learner said they would do, in a debrief, in their order."""
    return list(
        session.scalars(
            select(ActionItem.text)
            .where(ActionItem.debrief_id == debrief_id)
            .order_by(ActionItem.id)
        )
    )


def logged_effects(session: Session, conversation: Conversation) -> list[Effect]:
    """The one who logged hears it is recorded (the learner's debrief prompt is a
    scheduled nudge, written by `log_conversation`)."""
    relationship = session.get(Relationship, conversation.relationship_id)
    logged_by = session.get(Person, conversation.logged_by) if conversation.logged_by else None
    if relationship is None or logged_by is None:
        return []
    other = other_party(relationship, logged_by.id)
    return [_to(logged_by, Kind.LOGGED, conversation.id, other=other.slack_user_id)]


def debriefed_effects(session: Session, debrief: Debrief, learner: Person) -> list[Effect]:
    """The learner's confirmation; the debrief prompt says it is done."""
    return [
        _to(learner, Kind.DEBRIEFED, debrief.id),
        *closing(session, debrief.team_id, [Kind.DEBRIEF], debrief.conversation_id, "debriefed"),
    ]


def prepared_effects(preparation: Preparation, learner: Person) -> list[Effect]:
    return [_to(learner, Kind.PREPARED, preparation.id)]


def shared_preparation_effects(preparation: Preparation, coach: Person) -> list[Effect]:
    return [_to(coach, Kind.PREPARATION_SHARED, preparation.id)]


def followed_up_effects(
    item: ActionItem, relationship: Relationship, did: str, happened: str
) -> list[Effect]:
    """The coach hears what the learner did; the learner is thanked."""
    coach, learner = relationship.coach, relationship.learner
    return [
        _to(coach, Kind.FOLLOW_UP, item.id, did=did, happened=happened),
        _to(learner, Kind.FOLLOWED_UP, item.id, coach=coach.slack_user_id),
    ]


def update_effects(relationship: Relationship, update: str, now: datetime) -> list[Effect]:
    """A learner's update reaches their former coach (as many as they send)."""
    coach = relationship.coach
    return [
        Effect(
            Kind.UPDATE_FOR_COACH,
            relationship.id,
            coach.id,
            coach.slack_user_id or "",
            key=now.isoformat(),
            payload={"learner": relationship.learner.slack_user_id, "update": update},
        )
    ]
