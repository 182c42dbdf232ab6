"""What makes a coach or learner application valid, and what saving one does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coaching.identity import recognise
from coaching.profiles import (
    CONTACT_FIELDS,
    CoachApplication,
    Contact,
    InvalidApplication,
    LearnerApplication,
    NotACoach,
    clean_coach,
    clean_learner,
    profile_summary,
    save_coach,
    save_learner,
    set_capacity,
    set_paused,
)
from coaching.vocabulary import Expertise, Frequency
from storage.models import CoachExpertise, CoachProfile, Person

from support.workspace import TEAM, coach_form_values, learner_form_values


def coach(**changes: object) -> CoachApplication:
    values = coach_form_values(**changes)
    contact = Contact(**{name: values.pop(name) for name in CONTACT_FIELDS})
    return CoachApplication(contact=contact, **values)


def learner(**changes: object) -> LearnerApplication:
    values = learner_form_values(**changes)
    contact = Contact(**{name: values.pop(name) for name in CONTACT_FIELDS})
    return LearnerApplication(contact=contact, **values)


def errors_of(application: CoachApplication | LearnerApplication) -> dict[str, str]:
    clean = clean_coach if isinstance(application, CoachApplication) else clean_learner
    with pytest.raises(InvalidApplication) as raised:
        clean(application)  # type: ignore[arg-type]
    return raised.value.errors


def test_a_complete_coach_application_is_cleaned_into_typed_values() -> None:
    clean = clean_coach(coach(email="  Carl.Mendez@Example.GOV "))
    assert clean.contact.email == "carl.mendez@example.gov"
    assert clean.years_in_local_government == 22
    assert clean.frequency is Frequency.MONTHLY
    assert clean.expertise == [
        Expertise.FINANCE,
        Expertise.STRATEGIC_PLANNING,
        Expertise.COUNCIL_MANAGER_RELATIONS,
    ]
    assert clean.max_learners == 3


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        (["Finance", "Police"], "exactly three areas (you chose 2)"),
        (["Finance", "Police", "IT", "Engineering"], "exactly three areas (you chose 4)"),
        ([], "at least one area"),
    ],
)
def test_a_coach_names_exactly_three_areas(areas: list[str], message: str) -> None:
    assert message in errors_of(coach(expertise=areas))["expertise"]


def test_choosing_other_needs_its_text() -> None:
    errors = errors_of(coach(expertise=["Finance", "Police", "Other"], expertise_other="  "))
    assert set(errors) == {"expertise_other"}
    ok = clean_coach(
        coach(expertise=["Finance", "Police", "Other"], expertise_other="Airport operations")
    )
    assert ok.expertise_other == "Airport operations"


def test_other_text_without_other_is_dropped() -> None:
    assert clean_coach(coach(expertise_other="Ignored")).expertise_other == ""


@pytest.mark.parametrize("email", ["carl", "carl@", "carl@example", "carl@@x.gov", "<@U1>@x.gov"])
def test_email_must_look_like_an_address(email: str) -> None:
    assert "e-mail" in errors_of(coach(email=email))["email"]


@pytest.mark.parametrize("phone", ["12345", "call me", "555-0100-555-0100-555", "+1 (515) abc"])
def test_phone_must_look_like_a_phone_number(phone: str) -> None:
    assert "phone number" in errors_of(coach(phone=phone))["phone"]


@pytest.mark.parametrize(
    "phone", ["(515) 555-0142", "+1 515 555 0142", "515.555.0142 x204", "515-555-0142 ext. 7"]
)
def test_common_phone_formats_are_accepted(phone: str) -> None:
    assert clean_coach(coach(phone=phone)).contact.phone == phone


@pytest.mark.parametrize("years", ["-1", "61", "200", "twelve", "3.5", "", "²", "1²"])
def test_years_in_local_government_must_be_plausible(years: str) -> None:
    assert (
        "0 to 60" in errors_of(coach(years_in_local_government=years))["years_in_local_government"]
    )


def test_every_problem_is_reported_at_once() -> None:
    errors = errors_of(
        coach(name=" ", email="nope", expertise=["IT"], frequency="weekly", meeting_forms=[])
    )
    assert {"name", "email", "expertise", "frequency", "meeting_forms"} <= set(errors)


def test_whitespace_only_required_text_counts_as_missing() -> None:
    assert "why_coach" in errors_of(coach(why_coach=" \n\t "))


def test_overlong_text_is_refused_not_truncated() -> None:
    assert "3,000 characters or fewer" in errors_of(coach(why_coach="x" * 3001))["why_coach"]


def test_a_learner_needs_a_reason_and_a_cadence() -> None:
    errors = errors_of(learner(why_coaching="", frequency=""))
    assert set(errors) == {"why_coaching", "frequency"}


def test_saving_a_coach_then_editing_replaces_the_areas(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach(), time_zone="America/Denver")
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach(expertise=["IT", "Police", "Fire/EMS"]))
    with sessions.begin() as session:
        person = session.scalars(select(Person)).one()
        assert person.time_zone == "America/Denver"
        assert person.coach is not None
        assert person.coach.areas == ["IT", "Police", "Fire/EMS"]
        assert session.scalar(select(func.count()).select_from(CoachExpertise)) == 3


def test_one_person_can_be_coach_and_learner(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach())
        save_learner(session, TEAM, "U1", learner(email="carl.mendez@example.gov"))
    with sessions.begin() as session:
        summary = profile_summary(session, TEAM, "U1")
    assert summary.coach is not None and summary.learner is not None
    assert summary.contact is not None and summary.contact.organization == "Polk County"


def test_an_email_belongs_to_one_person(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach())
    with pytest.raises(InvalidApplication) as raised, sessions.begin() as session:
        save_learner(session, TEAM, "U2", learner(email="carl.mendez@example.gov"))
    assert "belongs to another member" in raised.value.errors["email"]


def test_an_imported_coach_is_claimed_only_through_the_address_slack_vouches_for(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime(2026, 11, 23, 15, tzinfo=UTC)
    with sessions.begin() as session:
        session.add(
            Person(team_id=TEAM, slack_user_id=None, name="Carl", email="carl.mendez@example.gov")
        )
    with pytest.raises(InvalidApplication) as raised, sessions.begin() as session:
        save_coach(session, TEAM, "U0TYPED", coach())
    assert "belongs to another member" in raised.value.errors["email"]
    with sessions.begin() as session:
        assert recognise(session, TEAM, "U0OTHER", "someone.else@example.gov", now) is None
        assert recognise(session, TEAM, "U1", "Carl.Mendez@example.gov", now) is not None
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach())
    with sessions.begin() as session:
        people = session.scalars(select(Person)).all()
    assert [(p.slack_user_id, p.email) for p in people] == [("U1", "carl.mendez@example.gov")]


def test_teams_are_kept_apart(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach())
        save_coach(session, "T0OTHER", "U1", coach())
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(CoachProfile)) == 2
        assert profile_summary(session, "T0THIRD", "U1").registered is False


def test_pausing_and_capacity_need_a_coach_profile(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 11, 23, 15, tzinfo=UTC)
    with pytest.raises(NotACoach), sessions.begin() as session:
        set_paused(session, TEAM, "U9", True, now)
    with sessions.begin() as session:
        save_coach(session, TEAM, "U1", coach())
        assert set_paused(session, TEAM, "U1", True, now).paused_at == now
        assert set_capacity(session, TEAM, "U1", "4").max_learners == 4
    with pytest.raises(InvalidApplication), sessions.begin() as session:
        set_capacity(session, TEAM, "U1", "0")
    with sessions.begin() as session:
        assert set_paused(session, TEAM, "U1", False, now).paused_at is None
