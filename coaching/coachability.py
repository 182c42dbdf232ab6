"""The coachability check: a learner's private reflection on five traits that decide how
much they will get from a coach.

A reflection is the learner's alone. Nobody else sees it unless the learner shares it,
and then only their current coaches receive a copy. A learner may reflect as often as
they like; each summary compares with the one before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coaching import text
from coaching.effects import Decision, Effect, Kind
from coaching.errors import Invalid, Refused
from coaching.lifecycle import MATCHED
from coaching.profiles import find_person
from storage.models import CoachabilityReflection, Person, Relationship

SCALE: tuple[tuple[int, str], ...] = (
    (1, "Not like me yet"),
    (2, "A little like me"),
    (3, "Somewhat like me"),
    (4, "Mostly like me"),
    (5, "Very much like me"),
)
LOW_SCORE = 2
"""A score at or below this gets a suggestion in the summary."""
NOTE_LIMIT = 500
NOTE_SUFFIX = "_note"


@dataclass(frozen=True)
class Trait:
    key: str
    """The reflection's column for the score, and the form's block_id."""
    name: str
    statement: str
    """What the learner rates: how true is this of me?"""
    suggestion: str
    """A small next step, offered when the score is low."""

    @property
    def note_key(self) -> str:
        return self.key + NOTE_SUFFIX


TRAITS: tuple[Trait, ...] = (
    Trait(
        key="self_awareness",
        name="Self-awareness",
        statement="I know my strengths and blind spots, and how I tend to react to feedback.",
        suggestion="Ask two colleagues you trust what you do well and one thing to work on, "
        "then compare their answers with your own view.",
    ),
    Trait(
        key="open_to_learning",
        name="Openness to learning",
        statement="I take on unfamiliar work, accept some discomfort, and look back on what "
        "it taught me.",
        suggestion="Pick one small task outside your comfort zone this month; afterwards, "
        "note what went well and what you would change.",
    ),
    Trait(
        key="action_oriented",
        name="Action orientation",
        statement="When I learn something, I try it out instead of waiting for the perfect moment.",
        suggestion="Choose one stretch assignment or small experiment and put a date on it.",
    ),
    Trait(
        key="growth_mindset",
        name="Growth mindset",
        statement="My abilities can grow, and setbacks and criticism are material to learn from.",
        suggestion="Next time something goes wrong, write down one thing it taught you "
        "before moving on.",
    ),
    Trait(
        key="beginners_mind",
        name="A beginner's mind",
        statement="I stay curious about views that differ from mine, even on subjects I know well.",
        suggestion="In your next meeting, ask a question you think you know the answer to, "
        "and listen for something new.",
    ),
)


class InvalidReflection(Invalid):
    """Field errors, keyed by the form's block_ids."""


class ReflectionRefused(Refused):
    """The reflection can't be taken or shared; the message says why, for the user."""


@dataclass(frozen=True)
class Answers:
    """The form as submitted: score and note text by trait key."""

    scores: Mapping[str, str]
    notes: Mapping[str, str]


@dataclass(frozen=True)
class TraitResult:
    trait: Trait
    score: int
    note: str
    previous: int | None = None
    """The score in the learner's reflection before this one, if any."""

    @property
    def low(self) -> bool:
        return self.score <= LOW_SCORE


@dataclass(frozen=True)
class Summary:
    reflection_id: int
    taken_at: datetime
    results: tuple[TraitResult, ...]

    @property
    def low(self) -> tuple[TraitResult, ...]:
        return tuple(result for result in self.results if result.low)


@dataclass(frozen=True)
class Shared:
    summary: Summary
    coach_users: tuple[str, ...]
    """Slack ids of the learner's current coaches, who now receive the summary."""
    effects: list[Effect]


def clean_answers(answers: Answers) -> tuple[dict[str, int], dict[str, str]]:
    """Scores as 1 to 5 and trimmed notes, or `InvalidReflection` naming each problem."""
    fields = text.Fields()
    scores: dict[str, int] = {}
    notes: dict[str, str] = {}
    allowed = {str(value) for value, _ in SCALE}
    for trait in TRAITS:
        raw = answers.scores.get(trait.key, "").strip()
        if raw not in allowed:
            fields.errors[trait.key] = "Please choose how true this is of you."
        else:
            scores[trait.key] = int(raw)
        note = fields.text(trait.note_key, answers.notes.get(trait.key), limit=NOTE_LIMIT)
        if note:
            notes[trait.key] = note
    if fields.errors:
        raise InvalidReflection(fields.errors)
    return scores, notes


def check_can_reflect(session: Session, team_id: str, user_id: str) -> Person:
    """The learner who may take the check; `ReflectionRefused` for anyone else."""
    person = find_person(session, team_id, user_id)
    if person is None or person.learner is None:
        raise ReflectionRefused(
            "The coachability check is for learners. Register first with "
            "`/coaching-profile learner`; you'll be offered the check when you save."
        )
    return person


def save_reflection(
    session: Session, team_id: str, user_id: str, answers: Answers, now: datetime
) -> Summary:
    """Store a new reflection and return its summary (compared with the one before)."""
    scores, notes = clean_answers(answers)
    person = check_can_reflect(session, team_id, user_id)
    reflection = CoachabilityReflection(
        team_id=team_id, person_id=person.id, notes=notes, created_at=now, **scores
    )
    session.add(reflection)
    session.flush()
    return summary_of(session, reflection)


def submit_reflection(
    session: Session, team_id: str, user_id: str, answers: Answers, now: datetime
) -> Decision[None]:
    """`save_reflection`: the learner gets their summary."""
    summary = save_reflection(session, team_id, user_id, answers, now)
    learner = find_person(session, team_id, user_id)
    assert learner is not None
    return Decision(None, reflected_effects(summary, learner))


def share_with_coaches(
    session: Session, team_id: str, reflection_id: int, user_id: str, now: datetime
) -> Decision[tuple[str, ...]]:
    """`share`; the value is the coaches' member ids."""
    shared = share(session, team_id, reflection_id, user_id, now)
    return Decision(shared.coach_users, shared.effects)


def reflected_effects(summary: Summary, learner: Person) -> list[Effect]:
    """The learner gets their summary, privately, with the offer to share it."""
    return [
        Effect(
            Kind.COACHABILITY_SUMMARY,
            summary.reflection_id,
            learner.id,
            learner.slack_user_id or "",
        )
    ]


def author_of(session: Session, reflection_id: int) -> Person | None:
    reflection = session.get(CoachabilityReflection, reflection_id)
    return session.get(Person, reflection.person_id) if reflection is not None else None


def reflection_summary(session: Session, reflection_id: int) -> Summary | None:
    reflection = session.get(CoachabilityReflection, reflection_id)
    return summary_of(session, reflection) if reflection is not None else None


def _previous(
    session: Session, reflection: CoachabilityReflection
) -> CoachabilityReflection | None:
    return session.scalar(
        select(CoachabilityReflection)
        .where(
            CoachabilityReflection.person_id == reflection.person_id,
            CoachabilityReflection.id < reflection.id,
        )
        .order_by(CoachabilityReflection.id.desc())
        .limit(1)
    )


def summarize(
    reflection: CoachabilityReflection, previous: CoachabilityReflection | None = None
) -> Summary:
    return Summary(
        reflection_id=reflection.id,
        taken_at=reflection.created_at,
        results=tuple(
            TraitResult(
                trait=trait,
                score=getattr(reflection, trait.key),
                note=str(reflection.notes.get(trait.key, "")),
                previous=getattr(previous, trait.key) if previous is not None else None,
            )
            for trait in TRAITS
        ),
    )


def summary_of(session: Session, reflection: CoachabilityReflection) -> Summary:
    """The reflection's summary, compared with the learner's reflection before it."""
    return summarize(reflection, _previous(session, reflection))


def current_coaches(session: Session, learner_id: int) -> list[Person]:
    """The coaches the learner is exploring with, working with, or paused with."""
    return list(
        session.scalars(
            select(Person)
            .join(Relationship, Relationship.coach_id == Person.id)
            .where(Relationship.learner_id == learner_id, Relationship.state.in_(MATCHED))
            .order_by(Relationship.id)
        ).unique()
    )


def share(
    session: Session, team_id: str, reflection_id: int, user_id: str, now: datetime
) -> Shared:
    """Mark the learner's own reflection shared (once) with all of their current coaches."""
    reflection = session.get(CoachabilityReflection, reflection_id)
    person = find_person(session, team_id, user_id)
    if (
        reflection is None
        or person is None
        or reflection.team_id != team_id
        or reflection.person_id != person.id
    ):
        raise ReflectionRefused("Only the person who wrote this reflection can share it.")
    coaches = [coach for coach in current_coaches(session, person.id) if coach.slack_user_id]
    if not coaches:
        raise ReflectionRefused(
            "You don't have a current coach to share it with yet. Once a coach accepts "
            "you, come back to this message and press the button again."
        )
    claimed = session.execute(
        update(CoachabilityReflection)
        .where(
            CoachabilityReflection.id == reflection.id,
            CoachabilityReflection.shared_at.is_(None),
        )
        .values(shared_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ReflectionRefused("You've already shared this reflection with your coach.")
    session.refresh(reflection)
    return Shared(
        summary=summary_of(session, reflection),
        coach_users=tuple(coach.slack_user_id or "" for coach in coaches),
        effects=[
            Effect(Kind.COACHABILITY_SHARED, reflection.id, coach.id, coach.slack_user_id or "")
            for coach in coaches
        ],
    )
