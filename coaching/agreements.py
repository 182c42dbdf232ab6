"""The statement of mutual understanding: drafting, proposing changes, signing, versions.

The drafter signs by submitting; the other party signs or proposes changes (which makes
them the drafter of a new draft). When both have signed, the version is executed and the
relationship becomes active. A change after execution is a new version that both sign
again; executed versions are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coaching import text
from coaching.cadence import add_months, next_working_day
from coaching.errors import Invalid, Refused
from coaching.effects import Effect, Kind, closing, group_conversation
from coaching.lifecycle import State, Transition, next_state
from coaching.pairs import party_to
from coaching.profiles import LONG_TEXT, find_person
from coaching.vocabulary import Frequency, MeetingForm
from storage.models import Agreement, Person, Relationship
from storage.queries import get_in_team
from storage.states import AgreementStatus, ChannelCopy

MIN_MONTHS, MAX_MONTHS = 1, 24
COACH_TIME_LIMIT = text.SHORT
SUGGESTED_MONTHS = "3 to 6"


class Role(StrEnum):
    MODEL = "model"
    GUIDE = "guide"
    FEEDBACK = "feedback"
    DEVELOPMENT = "development"
    FACILITATE = "facilitate"
    RESOURCES = "resources"

    @property
    def label(self) -> str:
        return {
            "model": "Be a model",
            "guide": "Guide",
            "feedback": "Observe and give feedback",
            "development": "Recommend developmental activities",
            "facilitate": "Facilitate learning",
            "resources": "Suggest or provide resources",
        }[self.value]


class AgreementRefused(Refused):
    """The action is not allowed; the message says why, for the user."""


class InvalidTerms(Invalid):
    """The terms' field errors."""


@dataclass
class Terms:
    """An agreement's terms as entered (strings and lists), before checking."""

    confidentiality: str = ""
    start_date: str = ""
    duration_months: str = ""
    frequency: str = ""
    contact_forms: list[str] = field(default_factory=list)
    coach_time: str = ""
    coach_roles: list[str] = field(default_factory=list)
    goals: str = ""
    additional_points: str = ""
    no_fault: bool = False
    learner_owns_choices: bool = False


def terms_of(agreement: Agreement) -> Terms:
    return Terms(
        confidentiality=agreement.confidentiality,
        start_date=agreement.start_date.isoformat(),
        duration_months=str(agreement.duration_months),
        frequency=agreement.frequency,
        contact_forms=list(agreement.contact_forms),
        coach_time=agreement.coach_time,
        coach_roles=list(agreement.coach_roles),
        goals=agreement.goals,
        additional_points=agreement.additional_points,
        no_fault=True,
        learner_owns_choices=True,
    )


def check_terms(terms: Terms, today: date) -> dict[str, str]:
    """Field errors; empty when the terms can be signed."""
    fields = text.Fields()
    fields.text(
        "confidentiality",
        terms.confidentiality,
        limit=LONG_TEXT,
        required="Please agree what, if anything, either of you may share.",
    )
    fields.line("coach_time", terms.coach_time, limit=COACH_TIME_LIMIT)
    fields.text("goals", terms.goals, limit=LONG_TEXT)
    fields.text("additional_points", terms.additional_points, limit=LONG_TEXT)
    errors = fields.errors
    try:
        start = date.fromisoformat(terms.start_date)
    except ValueError:
        errors["start_date"] = "Please choose the date the relationship starts."
    else:
        if abs((start - today).days) > 366:
            errors["start_date"] = "Please choose a start within a year of today."
    raw = terms.duration_months.strip()
    if not raw.isdigit() or not MIN_MONTHS <= int(raw) <= MAX_MONTHS:
        errors["duration_months"] = (
            f"Please give a whole number of months from {MIN_MONTHS} to {MAX_MONTHS} "
            f"({SUGGESTED_MONTHS} is a good first term)."
        )
    if terms.frequency not in set(Frequency):
        errors["frequency"] = "Please choose how often you'll meet."
    if not terms.contact_forms or not set(terms.contact_forms) <= set(MeetingForm):
        errors["contact_forms"] = "Please choose at least one way to be in touch."
    if not set(terms.coach_roles) <= set(Role):
        errors["coach_roles"] = "Please choose from the listed roles."
    if not (terms.no_fault and terms.learner_owns_choices):
        errors["acknowledgements"] = "Both of you need to accept these two points to sign."
    return errors


def _relationship_for(
    session: Session, team_id: str, relationship_id: int, user_id: str
) -> tuple[Relationship, Person]:
    found = party_to(session, team_id, relationship_id, user_id)
    if found is None:
        raise AgreementRefused("Only the learner and the coach can record their agreement.")
    return found


def current_draft(session: Session, relationship_id: int) -> Agreement | None:
    return session.scalar(
        select(Agreement).where(
            Agreement.relationship_id == relationship_id, Agreement.status == AgreementStatus.DRAFT
        )
    )


def executed(session: Session, relationship_id: int) -> Agreement | None:
    return session.scalar(
        select(Agreement).where(
            Agreement.relationship_id == relationship_id,
            Agreement.status == AgreementStatus.EXECUTED,
        )
    )


def _signed_by(agreement: Agreement, person_id: int) -> bool:
    relationship = agreement.relationship
    if person_id == relationship.learner_id:
        return agreement.learner_signed_at is not None
    return agreement.coach_signed_at is not None


def awaiting(agreement: Agreement) -> int:
    """The person id whose signature the draft waits for."""
    relationship = agreement.relationship
    if agreement.learner_signed_at is None:
        return relationship.learner_id
    return relationship.coach_id


def starting_terms(
    session: Session, team_id: str, relationship_id: int, user_id: str, today: date
) -> Terms:
    """What the form opens with: the open draft, else the executed version, else
    suggestions: the cadence the learner asked for if it is no more often than the
    coach's preference (else the coach's), the coach's ways to meet, the learner's hopes,
    and a start on the next working day."""
    relationship, _person = _relationship_for(session, team_id, relationship_id, user_id)
    if relationship.state not in (State.EXPLORING, State.ACTIVE, State.PAUSED):
        raise AgreementRefused("This relationship has ended; there is nothing to agree.")
    existing = current_draft(session, relationship.id) or executed(session, relationship.id)
    if existing is not None:
        return terms_of(existing)
    coach, learner = relationship.coach.coach, relationship.learner.learner
    return Terms(
        start_date=next_working_day(today).isoformat(),
        duration_months="6",
        frequency=suggested_frequency(
            learner.frequency if learner else None, coach.frequency if coach else None
        ),
        contact_forms=list(coach.meeting_forms) if coach else [],
        goals=relationship.hopes,
    )


def suggested_frequency(learner: str | None, coach: str | None) -> str:
    """The learner's wish when the coach's preference allows it (it is no more often
    than the coach's), otherwise the coach's; quarterly when neither said."""
    wished = Frequency(learner) if learner in set(Frequency) else None
    offered = Frequency(coach) if coach in set(Frequency) else None
    if wished and (offered is None or wished.months >= offered.months):
        return wished.value
    return (offered or Frequency.QUARTERLY).value


def repeats_draft(
    session: Session, team_id: str, relationship_id: int, user_id: str, terms: Terms
) -> bool:
    """Whether `user_id` already drafted exactly these terms (a double submission)."""
    found = party_to(session, team_id, relationship_id, user_id)
    existing = current_draft(session, relationship_id) if found else None
    if found is None or existing is None or existing.drafted_by != found[1].id:
        return False
    return terms_of(existing) == normalized(terms)


def normalized(terms: Terms) -> Terms:
    """The terms as they would be stored: texts cleaned, choices in the lists' order."""
    return replace(
        terms,
        contact_forms=[f.value for f in MeetingForm if f.value in terms.contact_forms],
        coach_roles=[r.value for r in Role if r.value in terms.coach_roles],
        confidentiality=text.clean(terms.confidentiality),
        coach_time=text.clean(terms.coach_time, multiline=False),
        goals=text.clean(terms.goals),
        additional_points=text.clean(terms.additional_points),
    )


def draft(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    terms: Terms,
    now: datetime,
) -> Agreement:
    """Record terms and sign them as `user_id`; the other party is asked to sign next."""
    relationship, person = _relationship_for(session, team_id, relationship_id, user_id)
    if relationship.state not in (State.EXPLORING, State.ACTIVE, State.PAUSED):
        raise AgreementRefused("This relationship has ended; there is nothing to agree.")
    errors = check_terms(terms, now.date())
    if errors:
        raise InvalidTerms(errors)
    terms = normalized(terms)
    agreement = current_draft(session, relationship.id)
    if agreement is None:
        latest = session.scalar(
            select(func.max(Agreement.version)).where(Agreement.relationship_id == relationship.id)
        )
        agreement = Agreement(team_id=team_id, relationship=relationship, version=(latest or 0) + 1)
        session.add(agreement)
    agreement.status = AgreementStatus.DRAFT
    agreement.confidentiality = terms.confidentiality
    agreement.start_date = date.fromisoformat(terms.start_date)
    agreement.duration_months = int(terms.duration_months)
    agreement.frequency = terms.frequency
    agreement.contact_forms = terms.contact_forms
    agreement.coach_time = terms.coach_time
    agreement.coach_roles = terms.coach_roles
    agreement.goals = terms.goals
    agreement.additional_points = terms.additional_points
    agreement.drafted_by = person.id
    is_learner = person.id == relationship.learner_id
    agreement.learner_signed_at = now if is_learner else None
    agreement.coach_signed_at = None if is_learner else now
    session.flush()
    return agreement


@dataclass(frozen=True)
class Signed:
    agreement: Agreement
    executed: bool
    signer: Person


def sign(session: Session, team_id: str, agreement_id: int, user_id: str, now: datetime) -> Signed:
    """Add `user_id`'s signature once; with both signatures the version is executed."""
    agreement = visible_agreement(session, team_id, agreement_id, user_id, admins=frozenset())
    person = find_person(session, team_id, user_id)
    assert person is not None
    if agreement.status != AgreementStatus.DRAFT:
        raise AgreementRefused(f"Version {agreement.version} is already {agreement.status}.")
    if _signed_by(agreement, person.id):
        raise AgreementRefused(
            "You have already signed this draft; it waits for the other signature."
        )
    column = (
        Agreement.learner_signed_at
        if person.id == agreement.relationship.learner_id
        else Agreement.coach_signed_at
    )
    changed = session.execute(
        update(Agreement)
        .where(
            Agreement.id == agreement.id,
            Agreement.status == AgreementStatus.DRAFT,
            column.is_(None),
        )
        .values({column: now, Agreement.updated_at: now})
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(agreement)
    if changed != 1:
        raise AgreementRefused("This draft was signed or changed a moment ago.")
    if agreement.learner_signed_at is None or agreement.coach_signed_at is None:
        return Signed(agreement, executed=False, signer=person)
    previous = executed(session, agreement.relationship_id)
    if previous is not None:
        previous.status = AgreementStatus.SUPERSEDED
    agreement.status = AgreementStatus.EXECUTED
    agreement.executed_at = now
    relationship = agreement.relationship
    if relationship.state != State.PAUSED:
        relationship.state = next_state(relationship.state, Transition.EXECUTE_AGREEMENT)
    relationship.replan(now)
    return Signed(agreement, executed=True, signer=person)


def visible_agreement(
    session: Session,
    team_id: str,
    agreement_id: int,
    user_id: str,
    admins: frozenset[str],
) -> Agreement:
    """The agreement if `user_id` is one of its two parties or a coordinator; otherwise
    the same refusal whether or not it exists, so nothing leaks."""
    agreement = get_in_team(session, Agreement, agreement_id, team_id)
    if agreement is not None:
        if user_id in admins:
            return agreement
        parties = (
            agreement.relationship.learner.slack_user_id,
            agreement.relationship.coach.slack_user_id,
        )
        if user_id in parties:
            return agreement
    raise AgreementRefused("That agreement isn't one of yours.")


def versions(session: Session, relationship_id: int) -> list[Agreement]:
    """Every version that was executed (superseded or current), newest first."""
    return list(
        session.scalars(
            select(Agreement)
            .where(
                Agreement.relationship_id == relationship_id,
                Agreement.status != AgreementStatus.DRAFT,
            )
            .order_by(Agreement.version.desc())
        )
    )


def term_end(agreement: Agreement) -> date:
    return add_months(agreement.start_date, agreement.duration_months)


# -- what each step owes the pair ---------------------------------------------------------


def _other_party(agreement: Agreement, person_id: int) -> Person:
    relationship = agreement.relationship
    return relationship.coach if person_id == relationship.learner_id else relationship.learner


def _closed_review(
    previous: tuple[str | None, str | None], agreement: Agreement, actor: Person, outcome: str
) -> list[Effect]:
    """The review DM `actor` answered says what became of it (`proposed` changes or
    `signed`); its buttons go."""
    channel, ts = previous
    if not (channel and ts):
        return []
    return [
        Effect(
            Kind.REVIEW_CLOSED,
            agreement.id,
            actor.id,
            actor.slack_user_id or "",
            key=ts,
            payload={
                "channel": channel,
                "ts": ts,
                "actor": actor.slack_user_id,
                "outcome": outcome,
            },
        )
    ]


def drafted_effects(
    agreement: Agreement, drafter: Person, previous: tuple[str | None, str | None], key: str
) -> list[Effect]:
    """The other party gets the draft to sign; the drafter hears it went; an earlier
    review DM, if any, says changes were proposed. `key` tells revisions apart."""
    other = _other_party(agreement, drafter.id)
    actor = drafter.slack_user_id or ""
    return [
        *_closed_review(previous, agreement, drafter, "proposed"),
        Effect(
            Kind.AGREEMENT_REVIEW,
            agreement.id,
            other.id,
            other.slack_user_id or "",
            key=key,
            payload={"drafter": actor},
        ),
        Effect(
            Kind.SENT_FOR_SIGNATURE,
            agreement.id,
            drafter.id,
            actor,
            key=key,
            payload={"other": other.slack_user_id or ""},
        ),
    ]


def signed_effects(
    session: Session,
    signed: Signed,
    previous: tuple[str | None, str | None],
    program_channel: str | None,
    copy: ChannelCopy = ChannelCopy.NOTICE,
) -> list[Effect]:
    """The review DM says it was signed; once executed, the record goes to the pair's
    group DM and to the program channel a short notice (or, with `copy` "full", the
    whole text: the channel may be a public record)."""
    agreement, signer = signed.agreement, signed.signer
    found = _closed_review(previous, agreement, signer, "signed")
    if not signed.executed:
        return found
    relationship = agreement.relationship
    if agreement.version > 1:
        found += closing(
            session,
            agreement.team_id,
            (Kind.TERM_END, Kind.TERM_REMINDER),
            relationship.id,
            "renewed",
        )
    found.append(
        Effect(
            Kind.AGREEMENT_RECORD,
            agreement.id,
            relationship.learner_id,
            group_conversation(relationship.id),
        )
    )
    if program_channel:
        found.append(
            Effect(Kind.AGREEMENT_COPY, agreement.id, None, program_channel, payload={"copy": copy})
        )
    return found
