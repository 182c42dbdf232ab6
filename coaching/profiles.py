"""Coach and learner applications: what a valid one looks like, and saving it.

An application arrives as plain strings and lists (from a modal, a CSV row or a test),
is cleaned into typed values or refused with an error per field, and only a clean one
touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from coaching import text
from coaching.effects import Decision, Effect, Kind
from coaching.errors import Invalid, Refused
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm
from storage.models import CoachExpertise, CoachProfile, LearnerProfile, Person

SHORT_TEXT = text.SHORT
LONG_TEXT = text.LONG
MAX_YEARS = 60
MAX_LEARNERS = 10
AREAS_REQUIRED = 3

_EMAIL = re.compile(r"^[^@\s<>|]+@[^@\s<>|]+\.[A-Za-z]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]+((x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)


E = TypeVar("E", bound=StrEnum)


class InvalidApplication(Invalid):
    """The application has errors; `errors` maps each field name to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        message = "; ".join(f"{name}: {problem}" for name, problem in errors.items())
        super().__init__(errors, message)


@dataclass
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    organization: str = ""
    department: str = ""
    title: str = ""
    city: str = ""
    state: str = ""


CONTACT_FIELDS = tuple(detail.name for detail in fields(Contact))
"""The contact details, in the order the forms, the roster and the export list them."""


@dataclass
class CoachApplication:
    contact: Contact
    years_in_local_government: str = ""
    education: str = ""
    why_coach: str = ""
    prior_mentoring: str = ""
    expertise: list[str] = field(default_factory=list)
    expertise_other: str = ""
    frequency: str = ""
    learner_preferences: str = ""
    extra_info: str = ""
    meeting_forms: list[str] = field(default_factory=list)
    coaching_kinds: list[str] = field(default_factory=list)
    max_learners: str = "2"


@dataclass
class LearnerApplication:
    contact: Contact
    why_coaching: str = ""
    prior_experience: str = ""
    frequency: str = ""
    coach_preferences: str = ""
    hopes: str = ""
    coaching_kinds: list[str] = field(default_factory=list)


def _text(value: str | None) -> str:
    """Trim, and treat whitespace-only as empty."""
    return (value or "").strip()


class _Checker(text.Fields):
    """Collects per-field errors while cleaning, so every problem is reported at once."""

    def field(self, name: str, value: str, *, required: bool, limit: int, label: str) -> str:
        return self.text(
            name,
            value,
            limit=limit,
            multiline=limit >= LONG_TEXT,
            required=f"Please give your {label}." if required else None,
        )

    def optional(self, name: str, value: str, limit: int = LONG_TEXT) -> str:
        return self.field(name, value, required=False, limit=limit, label="")

    def learners(self, value: str) -> int:
        """How many learners a coach takes at once."""
        return self.integer(
            "max_learners",
            value,
            1,
            MAX_LEARNERS,
            f"Please give a number of learners from 1 to {MAX_LEARNERS}; "
            "to take none for now, pause instead.",
        )

    def integer(self, name: str, value: str, low: int, high: int, problem: str) -> int:
        raw = _text(value)
        if not raw.isdecimal() or not low <= int(raw) <= high:
            self.errors.setdefault(name, problem)
            return low
        return int(raw)

    def choice(self, name: str, value: str, label: str) -> Frequency | None:
        try:
            return Frequency(_text(value))
        except ValueError:
            self.errors.setdefault(name, f"Please choose {label}.")
            return None

    def choices(self, name: str, values: list[str], kind: type[E], label: str) -> list[E]:
        """Chosen values in the list's own order; areas keep the order chosen."""
        chosen: list[E] = []
        for value in values:
            try:
                item = kind(_text(value))
            except ValueError:
                self.errors.setdefault(name, f"{value!r} is not one of the choices.")
                continue
            if item not in chosen:
                chosen.append(item)
        if not chosen:
            self.errors.setdefault(name, f"Please choose at least one {label}.")
        if kind is not Expertise:
            chosen.sort(key=list(kind).index)
        return chosen


def _clean_contact(check: _Checker, contact: Contact) -> Contact:
    clean = Contact(
        name=check.field("name", contact.name, required=True, limit=SHORT_TEXT, label="name"),
        email=check.field(
            "email", contact.email, required=True, limit=254, label="e-mail address"
        ).lower(),
        phone=check.field("phone", contact.phone, required=False, limit=40, label="phone"),
        organization=check.field(
            "organization",
            contact.organization,
            required=True,
            limit=SHORT_TEXT,
            label="organization",
        ),
        department=check.field(
            "department", contact.department, required=False, limit=SHORT_TEXT, label="department"
        ),
        title=check.field("title", contact.title, required=True, limit=SHORT_TEXT, label="title"),
        city=check.field("city", contact.city, required=False, limit=100, label="city"),
        state=check.field("state", contact.state, required=False, limit=100, label="state"),
    )
    if clean.email and "email" not in check.errors and not _EMAIL.match(clean.email):
        check.errors["email"] = "That doesn't look like an e-mail address (name@example.gov)."
    if clean.phone and "phone" not in check.errors:
        digits = re.sub(r"(x|ext\.?)\s*\d+$", "", clean.phone, flags=re.IGNORECASE)
        digit_count = sum(ch.isdigit() for ch in digits)
        if not _PHONE_CHARS.match(clean.phone) or not 7 <= digit_count <= 15:
            check.errors["phone"] = "Please give a phone number such as (515) 555-0123."
    return clean


@dataclass(frozen=True)
class CleanCoach:
    contact: Contact
    years_in_local_government: int
    education: str
    why_coach: str
    prior_mentoring: str
    expertise: list[Expertise]
    expertise_other: str
    frequency: Frequency
    learner_preferences: str
    extra_info: str
    meeting_forms: list[MeetingForm]
    coaching_kinds: list[CoachingKind]
    max_learners: int


@dataclass(frozen=True)
class CleanLearner:
    contact: Contact
    why_coaching: str
    prior_experience: str
    frequency: Frequency
    coach_preferences: str
    hopes: str
    coaching_kinds: list[CoachingKind]


def clean_coach(application: CoachApplication) -> CleanCoach:
    """The application as typed values, or `InvalidApplication` naming every bad field."""
    check = _Checker()
    contact = _clean_contact(check, application.contact)
    years = check.integer(
        "years_in_local_government",
        application.years_in_local_government,
        0,
        MAX_YEARS,
        f"Please give a whole number of years from 0 to {MAX_YEARS}.",
    )
    areas = check.choices("expertise", application.expertise, Expertise, "area")
    if "expertise" not in check.errors and len(areas) != AREAS_REQUIRED:
        check.errors["expertise"] = f"Please choose exactly three areas (you chose {len(areas)})."
    other = check.field(
        "expertise_other",
        application.expertise_other,
        required=Expertise.OTHER in areas,
        limit=SHORT_TEXT,
        label="other area of expertise",
    )
    if Expertise.OTHER not in areas:
        other = ""
    clean = CleanCoach(
        contact=contact,
        years_in_local_government=years,
        education=check.optional("education", application.education),
        why_coach=check.field(
            "why_coach",
            application.why_coach,
            required=True,
            limit=LONG_TEXT,
            label="reasons for coaching",
        ),
        prior_mentoring=check.optional("prior_mentoring", application.prior_mentoring),
        expertise=areas,
        expertise_other=other,
        frequency=check.choice("frequency", application.frequency, "how often to meet")
        or Frequency.QUARTERLY,
        learner_preferences=check.optional("learner_preferences", application.learner_preferences),
        extra_info=check.optional("extra_info", application.extra_info),
        meeting_forms=check.choices(
            "meeting_forms", application.meeting_forms, MeetingForm, "way to meet"
        ),
        coaching_kinds=check.choices(
            "coaching_kinds", application.coaching_kinds, CoachingKind, "kind of coaching"
        ),
        max_learners=check.learners(application.max_learners),
    )
    if check.errors:
        raise InvalidApplication(check.errors)
    return clean


def clean_learner(application: LearnerApplication) -> CleanLearner:
    check = _Checker()
    contact = _clean_contact(check, application.contact)
    clean = CleanLearner(
        contact=contact,
        why_coaching=check.field(
            "why_coaching",
            application.why_coaching,
            required=True,
            limit=LONG_TEXT,
            label="reasons for wanting a coach",
        ),
        prior_experience=check.optional("prior_experience", application.prior_experience),
        frequency=check.choice("frequency", application.frequency, "how often to meet")
        or Frequency.QUARTERLY,
        coach_preferences=check.optional("coach_preferences", application.coach_preferences),
        hopes=check.optional("hopes", application.hopes),
        coaching_kinds=check.choices(
            "coaching_kinds", application.coaching_kinds, CoachingKind, "kind of coaching"
        ),
    )
    if check.errors:
        raise InvalidApplication(check.errors)
    return clean


def find_person(session: Session, team_id: str, slack_user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.team_id == team_id, Person.slack_user_id == slack_user_id)
    )


def find_person_by_email(session: Session, team_id: str, email: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.team_id == team_id, Person.email == email.strip().lower())
    )


TAKEN_EMAIL = (
    "This address belongs to another member of the program. Please give your own; if it "
    "is yours, ask a program coordinator to link it to you."
)


def _person_for(session: Session, team_id: str, slack_user_id: str, contact: Contact) -> Person:
    """The person behind this Slack user, or a new one. A typed address never links a
    member to someone else's row (that happens only through the address Slack vouches
    for, in `coaching.identity`); an address that is another person's is a field error."""
    person = find_person(session, team_id, slack_user_id)
    holder = find_person_by_email(session, team_id, contact.email)
    if holder is not None and (person is None or holder.id != person.id):
        raise InvalidApplication({"email": TAKEN_EMAIL})
    if person is None:
        person = Person(team_id=team_id, slack_user_id=slack_user_id)
        session.add(person)
    _apply_contact(person, contact)
    return person


def _apply_contact(person: Person, contact: Contact) -> None:
    person.name = contact.name
    person.email = contact.email
    person.phone = contact.phone
    person.organization = contact.organization
    person.department = contact.department
    person.title = contact.title
    person.city = contact.city
    person.state = contact.state


def _from_slack(person: Person, time_zone: str | None, slack_email: str | None) -> None:
    """What Slack said of the member when their form was opened (never what they typed)."""
    if time_zone:
        person.time_zone = time_zone
    if slack_email:
        person.slack_email = slack_email.strip().lower()


def apply_coach(session: Session, person: Person, coach: CleanCoach) -> CoachProfile:
    """Write a clean coach application onto `person`, creating the profile if needed."""
    _apply_contact(person, coach.contact)
    profile = person.coach
    if profile is None:
        profile = CoachProfile(team_id=person.team_id, person=person)
        session.add(profile)
    profile.years_in_local_government = coach.years_in_local_government
    profile.education = coach.education
    profile.why_coach = coach.why_coach
    profile.prior_mentoring = coach.prior_mentoring
    profile.expertise_other = coach.expertise_other
    profile.frequency = coach.frequency.value
    profile.learner_preferences = coach.learner_preferences
    profile.extra_info = coach.extra_info
    profile.meeting_forms = [form.value for form in coach.meeting_forms]
    profile.coaching_kinds = [kind.value for kind in coach.coaching_kinds]
    profile.max_learners = coach.max_learners
    wanted = [area.value for area in coach.expertise]
    if profile.areas != wanted:
        profile.expertise.clear()
        session.flush()
        profile.expertise.extend(
            CoachExpertise(area=area, position=position) for position, area in enumerate(wanted)
        )
        # The expertise rows are the profile's too: its own row is written (and so
        # stamped with the session's clock) even when nothing else on it changed.
        flag_modified(profile, "frequency")
    return profile


def save_coach(
    session: Session,
    team_id: str,
    slack_user_id: str,
    application: CoachApplication,
    *,
    time_zone: str | None = None,
    slack_email: str | None = None,
) -> CoachProfile:
    """Register or update the coach profile of a Slack user. `time_zone` and
    `slack_email` are what Slack says of them, kept for scheduling and identity."""
    coach = clean_coach(application)
    person = _person_for(session, team_id, slack_user_id, coach.contact)
    _from_slack(person, time_zone, slack_email)
    profile = apply_coach(session, person, coach)
    session.flush()
    return profile


def save_learner(
    session: Session,
    team_id: str,
    slack_user_id: str,
    application: LearnerApplication,
    *,
    time_zone: str | None = None,
    slack_email: str | None = None,
) -> LearnerProfile:
    """Register or update the learner profile of a Slack user (written, so it has ids)."""
    learner = clean_learner(application)
    person = _person_for(session, team_id, slack_user_id, learner.contact)
    _from_slack(person, time_zone, slack_email)
    profile = person.learner
    if profile is None:
        profile = LearnerProfile(team_id=team_id, person=person)
        session.add(profile)
    profile.why_coaching = learner.why_coaching
    profile.prior_experience = learner.prior_experience
    profile.frequency = learner.frequency.value
    profile.coach_preferences = learner.coach_preferences
    profile.hopes = learner.hopes
    profile.coaching_kinds = [kind.value for kind in learner.coaching_kinds]
    session.flush()
    return profile


def submit_application(
    session: Session,
    team_id: str,
    slack_user_id: str,
    application: CoachApplication | LearnerApplication,
    key: str,
    *,
    time_zone: str | None = None,
    slack_email: str | None = None,
) -> Decision[None]:
    """Save a coach's or a learner's form (`key` is the form's): they hear it is saved,
    and their Home shows it."""
    slack = {"time_zone": time_zone, "slack_email": slack_email}
    profile: CoachProfile | LearnerProfile
    if isinstance(application, CoachApplication):
        profile = save_coach(session, team_id, slack_user_id, application, **slack)
    else:
        profile = save_learner(session, team_id, slack_user_id, application, **slack)
    role = "coach" if isinstance(profile, CoachProfile) else "learner"
    return Decision(None, saved_effects(profile.person, role, key), (slack_user_id,))


def saved_effects(person: Person, role: str, key: str) -> list[Effect]:
    """The person hears their `role` profile is saved (once per form submitted)."""
    return [
        Effect(
            Kind.PROFILE_SAVED,
            person.id,
            person.id,
            person.slack_user_id or "",
            key=key,
            payload={"role": role},
        )
    ]


NOT_A_COACH = (
    "You don't have a coach profile yet. `/coaching-profile coach` opens the form to register."
)


class NotACoach(Refused, LookupError):
    """The user has no coach profile yet."""

    def __init__(self, slack_user_id: str) -> None:
        self.slack_user_id = slack_user_id
        super().__init__(NOT_A_COACH)


def set_paused(
    session: Session, team_id: str, slack_user_id: str, paused: bool, now: datetime
) -> CoachProfile:
    """Pause (no new learners offered or accepted) or resume a coach."""
    person = find_person(session, team_id, slack_user_id)
    if person is None or person.coach is None:
        raise NotACoach(slack_user_id)
    if paused and person.coach.paused_at is None:
        person.coach.paused_at = now
    elif not paused:
        person.coach.paused_at = None
    return person.coach


def set_capacity(session: Session, team_id: str, slack_user_id: str, learners: str) -> CoachProfile:
    person = find_person(session, team_id, slack_user_id)
    if person is None or person.coach is None:
        raise NotACoach(slack_user_id)
    check = _Checker()
    count = check.learners(learners)
    if check.errors:
        raise InvalidApplication(check.errors)
    person.coach.max_learners = count
    return person.coach


@dataclass(frozen=True)
class ProfileSummary:
    """What a person has registered, as plain values for display and for pre-filling."""

    contact: Contact | None
    coach: CoachApplication | None
    coach_paused: bool
    learner: LearnerApplication | None

    @property
    def registered(self) -> bool:
        return self.coach is not None or self.learner is not None


def contact_of(person: Person) -> Contact:
    return Contact(
        name=person.name,
        email=person.email,
        phone=person.phone,
        organization=person.organization,
        department=person.department,
        title=person.title,
        city=person.city,
        state=person.state,
    )


def coach_application_of(person: Person, coach: CoachProfile) -> CoachApplication:
    return CoachApplication(
        contact=contact_of(person),
        years_in_local_government=str(coach.years_in_local_government),
        education=coach.education,
        why_coach=coach.why_coach,
        prior_mentoring=coach.prior_mentoring,
        expertise=coach.areas,
        expertise_other=coach.expertise_other,
        frequency=coach.frequency,
        learner_preferences=coach.learner_preferences,
        extra_info=coach.extra_info,
        meeting_forms=list(coach.meeting_forms),
        coaching_kinds=list(coach.coaching_kinds),
        max_learners=str(coach.max_learners),
    )


def learner_application_of(person: Person, learner: LearnerProfile) -> LearnerApplication:
    return LearnerApplication(
        contact=contact_of(person),
        why_coaching=learner.why_coaching,
        prior_experience=learner.prior_experience,
        frequency=learner.frequency,
        coach_preferences=learner.coach_preferences,
        hopes=learner.hopes,
        coaching_kinds=list(learner.coaching_kinds),
    )


def profile_summary(session: Session, team_id: str, slack_user_id: str) -> ProfileSummary:
    person = find_person(session, team_id, slack_user_id)
    if person is None:
        return ProfileSummary(contact=None, coach=None, coach_paused=False, learner=None)
    return ProfileSummary(
        contact=contact_of(person),
        coach=coach_application_of(person, person.coach) if person.coach else None,
        coach_paused=person.coach is not None and person.coach.paused_at is not None,
        learner=learner_application_of(person, person.learner) if person.learner else None,
    )


def time_zone_of(session: Session, team_id: str, slack_user_id: str) -> str | None:
    """A member's time zone, if the program knows them."""
    return session.scalar(
        select(Person.time_zone).where(
            Person.team_id == team_id, Person.slack_user_id == slack_user_id
        )
    )
