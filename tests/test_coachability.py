"""The coachability check's rules: validation, the summary, privacy and sharing.

The database tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from coaching import coachability
from coaching.coachability import (
    LOW_SCORE,
    NOTE_LIMIT,
    TRAITS,
    Answers,
    InvalidReflection,
    ReflectionRefused,
)
from coaching.lifecycle import State
from storage.models import CoachabilityReflection, Person, Relationship

from support.seed import add_coach, add_learner
from support.workspace import COACH, LEARNER, OTHER_LEARNER, STRANGER, TEAM

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
KEYS = [trait.key for trait in TRAITS]


def answers(*scores: int, **notes: str) -> Answers:
    return Answers(
        scores={key: str(score) for key, score in zip(KEYS, scores, strict=True)},
        notes=notes,
    )


def pair(session: Session, learner_id: int, coach_id: int, state: State, key: str) -> None:
    session.add(
        Relationship(
            team_id=TEAM,
            learner_id=learner_id,
            coach_id=coach_id,
            state=state,
            request_key=key,
            coaching_kind="career",
            requested_at=NOW,
        )
    )
    session.flush()


def test_every_trait_needs_a_rating_from_one_to_five() -> None:
    with pytest.raises(InvalidReflection) as invalid:
        coachability.clean_answers(
            Answers(scores={"self_awareness": "4", "growth_mindset": "9"}, notes={})
        )
    assert set(invalid.value.errors) == set(KEYS) - {"self_awareness"}
    assert invalid.value.errors["growth_mindset"] == "Please choose how true this is of you."


def test_notes_are_optional_trimmed_and_limited() -> None:
    scores, notes = coachability.clean_answers(
        answers(1, 2, 3, 4, 5, self_awareness="  I get defensive.  ", beginners_mind=" ")
    )
    assert scores == dict(zip(KEYS, [1, 2, 3, 4, 5], strict=True))
    assert notes == {"self_awareness": "I get defensive."}

    with pytest.raises(InvalidReflection) as invalid:
        coachability.clean_answers(answers(3, 3, 3, 3, 3, growth_mindset="x" * (NOTE_LIMIT + 1)))
    assert invalid.value.errors == {
        "growth_mindset_note": f"Please keep this to {NOTE_LIMIT} characters or fewer."
    }


def test_the_summary_suggests_a_step_only_for_low_traits() -> None:
    reflection = CoachabilityReflection(
        id=7,
        created_at=NOW,
        notes={"action_oriented": "I wait too long."},
        **dict(zip(KEYS, [5, LOW_SCORE + 1, LOW_SCORE, 1, 4], strict=True)),
    )
    summary = coachability.summarize(reflection)

    assert [result.trait.name for result in summary.low] == ["Action orientation", "Growth mindset"]
    assert summary.results[2].note == "I wait too long."
    assert all(result.previous is None for result in summary.results)
    assert all(trait.suggestion and trait.statement for trait in TRAITS)


def test_a_learner_reflects_privately_and_sees_what_changed(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        add_learner(session, LEARNER)
        first = coachability.save_reflection(session, TEAM, LEARNER, answers(2, 3, 3, 3, 3), NOW)
    with sessions.begin() as session:
        later = NOW + timedelta(days=90)
        second = coachability.save_reflection(session, TEAM, LEARNER, answers(4, 3, 3, 3, 3), later)

    assert first.results[0].previous is None and first.results[0].low
    assert (second.results[0].score, second.results[0].previous) == (4, 2)
    assert not second.low
    with sessions() as session:
        rows = session.scalars(select(CoachabilityReflection).order_by(CoachabilityReflection.id))
        assert [(row.self_awareness, row.shared_at) for row in rows] == [(2, None), (4, None)]


def test_only_learners_take_the_check(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_coach(session, COACH)
        for user in (COACH, STRANGER):
            with pytest.raises(ReflectionRefused, match="/coaching-profile learner"):
                coachability.save_reflection(session, TEAM, user, answers(3, 3, 3, 3, 3), NOW)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CoachabilityReflection)) == 0


def test_sharing_reaches_every_current_coach_and_no_one_else(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        learner = add_learner(session, LEARNER)
        coaches = {
            state: add_coach(session, f"U1{state.value.upper()}", email=f"{state.value}@x.gov")
            for state in (State.EXPLORING, State.ACTIVE, State.PAUSED, State.CONCLUDED)
        }
        waiting = add_coach(session, "U1WAITING", email="waiting@x.gov")
        for state, coach in coaches.items():
            pair(session, learner, coach, state, f"key-{state.value}")
        pair(session, learner, waiting, State.REQUESTED, "key-waiting")
        summary = coachability.save_reflection(session, TEAM, LEARNER, answers(1, 2, 3, 4, 5), NOW)

    with sessions.begin() as session:
        shared = coachability.share(session, TEAM, summary.reflection_id, LEARNER, NOW)

    assert shared.coach_users == ("U1EXPLORING", "U1ACTIVE", "U1PAUSED")
    assert [result.score for result in shared.summary.results] == [1, 2, 3, 4, 5]
    with sessions.begin() as session, pytest.raises(ReflectionRefused, match="already shared"):
        coachability.share(session, TEAM, summary.reflection_id, LEARNER, NOW)


def test_nobody_else_can_share_a_reflection(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        learner = add_learner(session, LEARNER)
        other = add_learner(session, OTHER_LEARNER)
        coach = add_coach(session, COACH)
        pair(session, learner, coach, State.ACTIVE, "key-1")
        pair(session, other, coach, State.ACTIVE, "key-2")
        summary = coachability.save_reflection(session, TEAM, LEARNER, answers(3, 3, 3, 3, 3), NOW)

    for user in (OTHER_LEARNER, COACH, STRANGER):
        with sessions.begin() as session, pytest.raises(ReflectionRefused, match="Only the person"):
            coachability.share(session, TEAM, summary.reflection_id, user, NOW)
    with sessions.begin() as session, pytest.raises(ReflectionRefused, match="Only the person"):
        coachability.share(session, "T0OTHERTEAM", summary.reflection_id, LEARNER, NOW)
    with sessions() as session:
        assert session.get(CoachabilityReflection, summary.reflection_id).shared_at is None


def test_without_a_current_coach_there_is_no_one_to_share_with(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        add_learner(session, LEARNER)
        summary = coachability.save_reflection(session, TEAM, LEARNER, answers(3, 3, 3, 3, 3), NOW)
    with sessions.begin() as session, pytest.raises(ReflectionRefused, match="current coach"):
        coachability.share(session, TEAM, summary.reflection_id, LEARNER, NOW)
    with sessions() as session:
        assert session.get(CoachabilityReflection, summary.reflection_id).shared_at is None


def test_removing_a_person_removes_their_reflections(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        person_id = add_learner(session, LEARNER)
        coachability.save_reflection(session, TEAM, LEARNER, answers(3, 3, 3, 3, 3), NOW)
    with sessions.begin() as session:
        session.execute(delete(Person).where(Person.id == person_id))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CoachabilityReflection)) == 0
