"""The sandbox's demo program: a state association's coaching program with a few dozen
volunteer coaches across its regions, a handful of learners, one newcomer in the
workspace who has not registered yet, and one pair already working under a signed
agreement. Every name is invented; e-mails are at example.gov and phone numbers in the
555-01xx range set aside for fiction.

Created through the program's own rules (coaching.profiles, coaching.intros,
coaching.agreements), exactly as the Slack flows would create it, and the messages those
flows owe (the coach's request DM, the pair's group DM, the signed agreement's record
and its copy in the program channel) written to the outbox and delivered, step by step.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from coaching import agreements, effects, intros
from coaching.agreements import Terms
from coaching.intros import IntroDetails
from coaching.profiles import (
    CoachApplication,
    Contact,
    LearnerApplication,
    find_person,
    save_coach,
    save_learner,
)
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm

TEAM = "T0SANDBOX"
TEAM_NAME = "Prairie State City Management Association"
PROGRAM_CHANNEL = "C0PROGRAM"
STATE = "IA"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    title: str
    role: str  # "coach", "learner", "newcomer" (not registered) or "coordinator"
    tz: str = "America/Chicago"
    email: str = ""
    phone: str = ""
    organization: str = ""
    department: str = ""
    city: str = ""
    state: str = STATE
    fields: dict[str, object] = field(default_factory=dict, compare=False)


REGIONS = {
    "Northwest": ("Loess Ridge", "Sioux Bend", "Orchard Falls"),
    "North Central": ("Marrow Creek", "Kestrel Falls", "Linden Prairie"),
    "Northeast": ("Cedar Bluff", "Driftless Hollow", "Wapsie Crossing"),
    "Central": ("Capitol Heights", "Prairie Vista", "Skunk River"),
    "Southwest": ("Nishna Valley", "Walnut Grove", "Red Oak Mills"),
    "Southeast": ("Riverport", "Bramblewood", "Iron Landing"),
}
FIRST = (
    "Adaeze", "Bram", "Calla", "Darnell", "Elif", "Fintan", "Greer", "Hollis", "Ines",
    "Jarrah", "Kwame", "Linnea", "Marisol", "Nadim", "Odette", "Piers", "Rosalind",
    "Soren", "Tamsin", "Ulani", "Vikram", "Wren", "Xiomara", "Yusuf", "Zelda", "Arlo",
    "Beatriz", "Cormac", "Delphine", "Emeka", "Freya", "Gideon", "Halima", "Ivo",
)  # fmt: skip
LAST = (
    "Abernathy", "Bellweather", "Castellanos", "Drummond", "Eastwick", "Fairbanks",
    "Galloway", "Halvorsen", "Iwasaki", "Jorgensen", "Kettleby", "Lindqvist", "Marchetti",
    "Nakagawa", "Oyelaran", "Pemberton", "Quenneville", "Rasmussen", "Szabo", "Thistlewood",
)  # fmt: skip
EMPLOYERS = ("City of {city}", "{city} County", "Town of {city}")
ROLES = (
    ("City Manager", "Administration", ("Management", "Council-Manager Relations")),
    ("Assistant City Manager", "Administration", ("Management", "Strategic Planning")),
    ("Deputy County Administrator", "Administration", ("Intergovernmental Cooperation",)),
    ("Finance Director", "Finance", ("Finance", "Performance Measurement")),
    ("Budget and Performance Manager", "Finance", ("Finance", "Performance Measurement")),
    ("Public Works Director", "Public Works", ("Public Works", "Refuse/Recycling")),
    ("City Engineer", "Public Works", ("Engineering", "Public Works")),
    ("Chief Information Officer", "Information Technology", ("IT",)),
    ("Human Resources Director", "Human Resources", ("Human Resources",)),
    ("Fire Chief", "Fire", ("Fire/EMS",)),
    ("Police Chief", "Police", ("Police",)),
    ("Economic Development Director", "Community Development", ("Economic Development",)),
    ("Community Engagement Manager", "Administration",
     ("Democratic Advocacy/Community Engagement",)),
)  # fmt: skip
REASONS = (
    "Somebody answered my calls when I was new; I want to do the same.",
    "I like helping people see the politics of a decision before they walk into it.",
    "Coaching keeps me honest about my own habits as a manager.",
    "Our profession needs more people ready for the top job, and I can help with that.",
    "I made most of the classic budget mistakes and can save others a few of them.",
    "Council meetings taught me more than graduate school did; happy to share the scars.",
)
PREFERENCES = (
    "",
    "Early-career analysts",
    "Anyone preparing for a first department-head role",
    "People in small towns",
)
COORDINATOR = Person(
    "U0DANA", "Dana Whitfield", "Program Coordinator", "coordinator",
    email="dana.whitfield@example.gov", organization=TEAM_NAME, city="Capitol Heights",
)  # fmt: skip
LEARNERS = (
    Person(
        "U0LENA", "Lena Ortiz", "Senior Management Analyst", "learner",
        email="lena.ortiz@example.gov", phone="(515) 555-0142",
        organization="Capitol Heights County", department="Public Works",
        city="Capitol Heights",
        fields={"why_coaching": "I want to move into a deputy director role within five "
                "years, and I need help with budgets and with council.",
                "hopes": "A clearer plan and a wider network.", "frequency": "monthly",
                "coaching_kinds": ["career", "political"]},
    ),
    Person(
        "U0PRIYA", "Priya Shah", "Budget Analyst", "learner", tz="America/New_York",
        email="priya.shah@example.gov", phone="(319) 555-0107",
        organization="City of Cedar Bluff", department="Finance", city="Cedar Bluff",
        fields={"why_coaching": "I was just promoted to lead the budget team and want to "
                "manage my former peers well.", "hopes": "Confidence as a new supervisor.",
                "frequency": "monthly", "coaching_kinds": ["situation"]},
    ),
    Person(
        "U0MARCUS", "Marcus Bell", "Assistant to the Town Administrator", "learner",
        email="marcus.bell@example.gov", phone="(712) 555-0133",
        organization="Town of Walnut Grove", department="Administration", city="Walnut Grove",
        fields={"why_coaching": "A small town means I do a bit of everything; I want a "
                "sounding board outside my organization.", "hopes": "Perspective.",
                "frequency": "quarterly", "coaching_kinds": ["career"]},
    ),
    Person(
        "U0TOMAS", "Tomás Rivera", "Economic Development Specialist", "learner",
        tz="America/Denver", email="tomas.rivera@example.gov", phone="(563) 555-0119",
        organization="Riverport County", department="Community Development",
        city="Riverport",
        fields={"why_coaching": "Our board is split on a development deal and I am in the "
                "middle of it.", "hopes": "Advice on working with elected officials.",
                "frequency": "every_other_month", "coaching_kinds": ["political"]},
    ),
)  # fmt: skip
NEWCOMER = Person(
    "U0SAM", "Sam Okafor", "Management Analyst", "newcomer",
    email="sam.okafor@example.gov", phone="(641) 555-0161",
    organization="City of Prairie Vista", department="Administration", city="Prairie Vista",
)  # fmt: skip
"""In the workspace, not in the program: the person to register from scratch."""
ACTIVE_LEARNER = "U0PRIYA"
COACH_COUNT = 36


def coaches(n: int = COACH_COUNT, seed: int = 7) -> list[Person]:
    """`n` coaches spread over the regions, the same for a seed."""
    rng = random.Random(seed)
    places = [(region, city) for region, cities in REGIONS.items() for city in cities]
    areas = [area.value for area in Expertise if area is not Expertise.OTHER]
    people = []
    for i in range(n):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        _region, city = places[i % len(places)]
        title, department, strengths = ROLES[i % len(ROLES)]
        expertise = list(strengths)
        while len(expertise) < 3:
            area = rng.choice(areas)
            if area not in expertise:
                expertise.append(area)
        email = f"{first}.{last}@example.gov".lower()
        people.append(
            Person(
                user_id=f"U0C{i + 1:03d}",
                name=f"{first} {last}",
                title=title,
                role="coach",
                tz=rng.choice(("America/Chicago",) * 4 + ("America/New_York", "America/Denver")),
                email=email,
                phone=f"({rng.choice((515, 319, 563, 641, 712))}) 555-01{i % 100:02d}",
                organization=rng.choice(EMPLOYERS).format(city=city),
                department=department,
                city=city,
                fields={
                    "years_in_local_government": str(rng.randint(8, 34)),
                    "education": rng.choice(("MPA", "MBA", "BS Civil Engineering", "MPP", "")),
                    "why_coach": rng.choice(REASONS),
                    "prior_mentoring": rng.choice(("", "Mentored interns for several years.")),
                    "expertise": expertise,
                    "coaching_kinds": rng.sample(
                        [kind.value for kind in CoachingKind], rng.randint(1, 3)
                    ),
                    "meeting_forms": rng.sample(
                        [form.value for form in MeetingForm], rng.randint(1, 4)
                    ),
                    "frequency": rng.choice([f.value for f in Frequency]),
                    "max_learners": rng.choice(("1", "2", "2", "3")),
                    "learner_preferences": rng.choice(PREFERENCES),
                },
            )
        )
    return people


def everyone() -> list[Person]:
    return [COORDINATOR, NEWCOMER, *LEARNERS, *coaches()]


def _contact(person: Person) -> Contact:
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


def seed(
    sessions: sessionmaker[Session],
    now: datetime,
    deliver: Callable[[], object],
    *,
    max_open: int = 3,
    program_channel: str | None = PROGRAM_CHANNEL,
) -> str:
    """Register everyone but the newcomer and set up the one active pair, as its two
    people would in Slack: the learner asks, the coach accepts, the learner drafts the
    agreement and the coach signs it. After each step `deliver` sends what the step
    wrote to the outbox. Returns a one-line summary."""
    coach = active_coach()
    with sessions.begin() as session:
        coach_ids = _register(session)
        request, _ = intros.request_intro(
            session,
            TEAM,
            ACTIVE_LEARNER,
            coach_ids[coach.user_id],
            IntroDetails("situation", "Confidence as a new supervisor.", "video", ""),
            "sandbox-seed-1",
            now,
            max_open=max_open,
        )
        effects.record(session, TEAM, intros.requested_effects(request), now)
        relationship_id = request.id
    deliver()
    with sessions.begin() as session:
        request = intros.accept(session, TEAM, relationship_id, coach.user_id, now)
        effects.record(session, TEAM, intros.accepted_effects(request, now), now)
    deliver()
    with sessions.begin() as session:
        agreement = agreements.draft(
            session, TEAM, relationship_id, ACTIVE_LEARNER, seeded_terms(now), now
        )
        drafter = find_person(session, TEAM, ACTIVE_LEARNER)
        assert drafter is not None
        owed = agreements.drafted_effects(agreement, drafter, (None, None), "sandbox-seed")
        effects.record(session, TEAM, owed, now)
        agreement_id = agreement.id
    deliver()
    with sessions.begin() as session:
        signed = agreements.sign(session, TEAM, agreement_id, coach.user_id, now)
        review = (signed.agreement.review_channel, signed.agreement.review_ts)
        owed = agreements.signed_effects(session, signed, review, program_channel)
        effects.record(session, TEAM, owed, now)
    deliver()
    return (
        f"{len(coach_ids)} coaches, {len(LEARNERS)} learners, {NEWCOMER.name} not registered "
        f"yet, and {LEARNERS[1].name} working with {coach.name}"
    )


def _register(session: Session) -> dict[str, int]:
    """Every coach and learner's profile; returns the coaches' person ids by Slack id."""
    coach_ids: dict[str, int] = {}
    for person in coaches():
        profile = save_coach(
            session,
            TEAM,
            person.user_id,
            CoachApplication(contact=_contact(person), **person.fields),  # type: ignore[arg-type]
            time_zone=person.tz,
            slack_email=person.email,
        )
        session.flush()
        coach_ids[person.user_id] = profile.person_id
    for person in LEARNERS:
        save_learner(
            session,
            TEAM,
            person.user_id,
            LearnerApplication(contact=_contact(person), **person.fields),  # type: ignore[arg-type]
            time_zone=person.tz,
            slack_email=person.email,
        )
    session.flush()
    return coach_ids


def seeded_terms(now: datetime) -> Terms:
    """The seeded pair's agreement."""
    return Terms(
        confidentiality="What we discuss stays between us unless we both agree otherwise.",
        start_date=now.date().isoformat(),
        duration_months="6",
        frequency=Frequency.MONTHLY.value,
        contact_forms=[MeetingForm.VIDEO.value, MeetingForm.EMAIL.value],
        coach_time="About an hour a month",
        coach_roles=["guide", "feedback"],
        goals="Lead the budget team well in the first year.",
        no_fault=True,
        learner_owns_choices=True,
    )


def active_coach() -> Person:
    """The coach already working with the seeded active learner (a Finance Director)."""
    return next(p for p in coaches() if p.title == "Finance Director")
