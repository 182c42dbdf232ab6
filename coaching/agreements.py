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

from coaching import errors, text
from coaching.cadence import next_working_day, term_end
from coaching.effects import Decision, Effect, Kind, closing, group_conversation
from coaching.errors import Invalid, Refused
from coaching.lifecycle import State, Transition, next_state
from coaching.pairs import meant_by, other_party, party_to
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


class Repeated(AgreementRefused, errors.Repeated):
    """The same terms again (a double submission): nothing to do, nothing to say."""


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
    if not raw.isdecimal() or not MIN_MONTHS <= int(raw) <= MAX_MONTHS:
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


@dataclass(frozen=True)
class AgreementText:
    """An agreement as shown to people: plain values, no database."""

    agreement_id: int
    version: int
    status: AgreementStatus
    learner_user: str
    coach_user: str
    terms: Terms
    learner_signed: date | None
    coach_signed: date | None
    executed: date | None
    term_ends: date


def text_of(agreement: Agreement) -> AgreementText:
    relationship = agreement.relationship
    return AgreementText(
        agreement_id=agreement.id,
        version=agreement.version,
        status=AgreementStatus(agreement.status),
        learner_user=relationship.learner.slack_user_id or "",
        coach_user=relationship.coach.slack_user_id or "",
        terms=terms_of(agreement),
        learner_signed=agreement.learner_signed_at.date() if agreement.learner_signed_at else None,
        coach_signed=agreement.coach_signed_at.date() if agreement.coach_signed_at else None,
        executed=agreement.executed_at.date() if agreement.executed_at else None,
        term_ends=term_end(agreement.start_date, agreement.duration_months),
    )


# -- what a party asks for, start to finish ------------------------------------------------


def meant(session: Session, team_id: str, user_id: str, mention: str | None) -> int:
    """The relationship `/coaching-agreement` means: the one with the mentioned person,
    or the user's only current one."""
    pairs = meant_by(session, team_id, user_id, mention)
    if pairs is None:
        raise AgreementRefused("You aren't in a coaching relationship yet. `/find-coach` to start.")
    if len(pairs) == 1:
        return pairs[0].relationship_id
    if not pairs:
        raise AgreementRefused(
            "There's no current coaching relationship to record an agreement for."
            + (" Check the name you mentioned." if mention else "")
        )
    raise AgreementRefused(
        "You have more than one coaching relationship: name the other person, for example "
        "`/coaching-agreement @name`."
    )


@dataclass(frozen=True)
class Form:
    """What the agreement form opens with, for one of the pair."""

    relationship_id: int
    other_name: str
    terms: Terms


def form_for(
    session: Session, team_id: str, relationship_id: int, user_id: str, today: date
) -> Form:
    terms = starting_terms(session, team_id, relationship_id, user_id, today)
    relationship, person = _relationship_for(session, team_id, relationship_id, user_id)
    return Form(relationship.id, other_party(relationship, person.id).name, terms)


def form_to_change(
    session: Session, team_id: str, agreement_id: int, user_id: str, today: date
) -> Form:
    """The form for proposing changes to an agreement, for one of its pair."""
    agreement = visible_agreement(session, team_id, agreement_id, user_id, frozenset())
    return form_for(session, team_id, agreement.relationship_id, user_id, today)


def submit_terms(
    session: Session,
    team_id: str,
    relationship_id: int,
    user_id: str,
    terms: Terms,
    key: str,
    now: datetime,
) -> Decision[None]:
    """The drafter's submission: the terms signed as theirs, sent to the other party to
    sign; `key` (the form's) tells revisions apart. The same terms again are `Repeated`."""
    if repeats_draft(session, team_id, relationship_id, user_id, terms):
        raise Repeated("These terms are already waiting for the other signature.")
    previous = current_draft(session, relationship_id)
    review = (previous.review_channel, previous.review_ts) if previous else (None, None)
    agreement = draft(session, team_id, relationship_id, user_id, terms, now)
    drafter = find_person(session, team_id, user_id)
    assert drafter is not None
    return Decision(None, drafted_effects(agreement, drafter, review, key))


def sign_as_party(
    session: Session,
    team_id: str,
    agreement_id: int,
    user_id: str,
    now: datetime,
    program_channel: str | None,
    copy: ChannelCopy,
) -> Decision[None]:
    """`sign`, with what it owes; once executed, both Homes show the agreement."""
    signed = sign(session, team_id, agreement_id, user_id, now)
    review = (signed.agreement.review_channel, signed.agreement.review_ts)
    owed = signed_effects(session, signed, review, program_channel, copy)
    if not signed.executed:
        return Decision(None, owed)
    pair = signed.agreement.relationship
    return Decision(None, owed, (pair.learner.slack_user_id, pair.coach.slack_user_id))


def shown_to(
    session: Session, team_id: str, agreement_id: int, user_id: str, admins: frozenset[str]
) -> list[AgreementText]:
    """Every version of a pair's agreement (an open draft first), for the two of them
    and the coordinators."""
    agreement = visible_agreement(session, team_id, agreement_id, user_id, admins)
    draft_ = current_draft(session, agreement.relationship_id)
    shown = ([draft_] if draft_ else []) + versions(session, agreement.relationship_id)
    return [text_of(a) for a in shown]


# -- what each step owes the pair ---------------------------------------------------------


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
    other = other_party(agreement.relationship, drafter.id)
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
