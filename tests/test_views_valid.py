"""Every view the bot builds is one Slack takes, however many items it lists.

Each builder that shows a list (commitments, coaches and pages, pairs, requests, failed
deliveries, agreement versions, mismatched addresses, overdue pairs, suggested coaches)
is rendered with 0, 1, 2 and many items, with the longest text the forms allow, and
checked against the strict fake Slack's Block Kit rules, which refuse what Slack
refuses (a repeated action_id in a block, a repeated block_id, text over a limit, too
many blocks or elements). Built blocks are also checked by the bot's own last check
before sending (`views.surface`), which must agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from coaching.agreements import Terms
from coaching.coachability import TRAITS, Summary, TraitResult
from coaching.deliveries import FailedDelivery
from coaching.figures import Figures, OverduePair
from coaching.gallery import SearchPage
from coaching.home import HomeData
from coaching.identity import Mismatch
from coaching.profiles import CoachApplication, Contact, LearnerApplication, ProfileSummary
from coaching.ranking import CoachCard, Filters, Match, Slot
from coaching.relationships import AgreementSummary, MyCoaching, RelationshipLine
from handlers.views import admin, agreements, checkins, guide, home, intros, nudges, search
from handlers.views import relationships as relationship_views
from handlers.views.surface import broken_rule

from fakeslack.blockkit import validate_message_blocks, validate_view

COUNTS = (0, 1, 2, 12)
LONG = "Ö" * 3000
NAME = "Ana María " + "Q" * 190
TODAY = date(2027, 3, 1)


def message_ok(message: tuple[str, list[dict[str, Any]]] | list[dict[str, Any]]) -> None:
    blocks = message[1] if isinstance(message, tuple) else message
    assert validate_message_blocks(blocks) == []
    assert broken_rule(blocks) is None
    if isinstance(message, tuple):
        assert len(message[0]) <= 40_000


def view_ok(view: Any) -> None:
    assert validate_view(view.to_dict()) == []


def coach(n: int) -> CoachCard:
    return CoachCard(
        person_id=n + 1,
        slack_user_id=f"U0COACH{n}",
        name=f"{NAME}{n}",
        title=LONG[:200],
        organization=LONG[:200],
        department=LONG[:200],
        city="Ames",
        state="IA",
        time_zone="America/Chicago",
        areas=("Finance", "Other", "Management"),
        expertise_other=LONG[:200],
        coaching_kinds=("career", "political", "situation"),
        meeting_forms=("video", "phone", "in_person", "email"),
        statement=LONG,
        max_learners=3,
        current_learners=n % 4,
        paused=False,
        answer_hours=30.0,
    )


def matches(count: int) -> list[Match]:
    return [
        Match(coach(n), 1.0 - n / 100, ("Finance", LONG[:300], "has room")) for n in range(count)
    ]


def line(n: int, role: str) -> RelationshipLine:
    return RelationshipLine(
        relationship_id=n + 1,
        role=role,
        other_user=f"U0OTHER{n}",
        other_name=f"{NAME}{n}",
        state=("exploring", "active", "paused", "concluded")[n % 4],
        state_text="working together",
        slot=list(Slot)[n % 3] if role == "learner" else None,
        agreement=AgreementSummary(n + 1, 1 + n % 3, "executed", "monthly", TODAY, 6, n % 2 == 0),
        next_check_in=TODAY + timedelta(days=n),
    )


def my_coaching(count: int, role: str = "learner") -> MyCoaching:
    lines = [line(n, role) for n in range(count)]
    portfolio = {slot: [f"{NAME}{n}" for n in range(count)] for slot in Slot}
    return MyCoaching(lines=lines, is_learner=role == "learner", portfolio=portfolio)


def profile(learner: bool, coach_: bool) -> ProfileSummary:
    contact = Contact(name=NAME, email="a@example.gov", organization=LONG[:200], title="x")
    return ProfileSummary(
        contact=contact,
        coach=CoachApplication(contact=contact, why_coach=LONG, expertise=["Finance"])
        if coach_
        else None,
        coach_paused=False,
        learner=LearnerApplication(contact=contact, why_coaching=LONG) if learner else None,
    )


def home_data(count: int) -> HomeData:
    return HomeData(
        profile=profile(learner=True, coach_=True),
        coaching=my_coaching(count),
        waiting_on_coaches=[(f"{NAME}{n}", TODAY) for n in range(count)],
        waiting_for_me=[(f"U0LEARNER{n}", TODAY) for n in range(count)],
        room=2,
        actions=[(n + 1, LONG[:500]) for n in range(count)],
        to_debrief=[(n + 1, TODAY, f"U0COACH{n}") for n in range(count)],
    )


def figures() -> Figures:
    return Figures(40, 80, 35, 6, 0.75, 30.5, 25, 10, 3)


def late(count: int) -> list[OverduePair]:
    return [OverduePair(n, f"{NAME}{n}", f"{NAME}{n}", TODAY, TODAY) for n in range(count)]


def failures(count: int) -> list[FailedDelivery]:
    """Failures for a person, for the program channel, and for a coordinator's DM."""
    reasons = (
        "invalid_blocks: block 3 repeats action_id 'x'",
        "not_in_channel",
        "is_archived",
        "restricted_action",
    )
    return [
        FailedDelivery(
            delivery_id=n + 1,
            kind=("check_in", "agreement_copy", "intro_request", "export")[n % 4],
            recipient=None if n % 4 in (1, 3) else f"{NAME}{n}",
            reason=reasons[n % 4],
            due=datetime(2027, 3, 1, tzinfo=UTC),
            attempts=1 + n,
            conversation=("U0LEARNER", "C0PROGRAM", "group:3", "U0COORD")[n % 4],
        )
        for n in range(count)
    ]


def record(version: int) -> agreements.AgreementText:
    terms = Terms(
        confidentiality=LONG,
        start_date=TODAY.isoformat(),
        duration_months="6",
        frequency="monthly",
        contact_forms=["video", "phone", "email", "in_person"],
        coach_time=LONG[:200],
        coach_roles=["model", "guide"],
        goals=LONG,
        additional_points=LONG,
        no_fault=True,
        learner_owns_choices=True,
    )
    return agreements.AgreementText(
        version, version, "executed", "U0L", "U0C", terms, TODAY, TODAY, TODAY, TODAY
    )


PAIR = nudges.Pair(7, True, "U0COACH", NAME)


@pytest.mark.parametrize("count", COUNTS)
def test_a_check_in_carries_any_number_of_commitments(count: int) -> None:
    links = {"google": "https://calendar.google.com/x", "outlook": "https://outlook.office.com/x"}
    actions = [(n + 1, LONG[:500]) for n in range(count)]
    message_ok(nudges.check_in(PAIR, TODAY, links, actions))


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("page", [0, 1, 2])
def test_every_page_of_search_results(count: int, page: int) -> None:
    total = count * 5 + 3 if count else 0
    found = SearchPage(
        filters=Filters(text=LONG[:200], area="Finance", slot=Slot.OUTSIDE),
        matches=matches(min(count, 5)),
        page=page,
        total=total,
        regions=[f"State {n}" for n in range(120)],
    )
    message_ok(search.search_results(found))


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("role", ["learner", "coach"])
def test_my_coaching_lists_any_number_of_pairs(count: int, role: str) -> None:
    message_ok(relationship_views.my_coaching(my_coaching(count, role)))


@pytest.mark.parametrize("count", COUNTS)
def test_the_home_of_a_learner_and_coach_and_coordinator(count: int) -> None:
    view_ok(home.home(home_data(count), (figures(), late(count)), failures(count)))


@pytest.mark.parametrize("count", COUNTS)
def test_the_coordinators_desk(count: int) -> None:
    message_ok(admin.desk(figures(), late(count * 3), failures(count)))


@pytest.mark.parametrize("count", COUNTS)
def test_addresses_that_differ(count: int) -> None:
    found = [
        Mismatch(
            n, f"U0M{n}", f"{NAME}{n}", "a" * 60 + "@example.gov", None if n % 2 else "b@x.gov"
        )
        for n in range(count * 3)
    ]
    message_ok(admin.mismatch_blocks(found))


@pytest.mark.parametrize("count", [1, 2, 12])
def test_every_version_of_an_agreement(count: int) -> None:
    view_ok(agreements.record_view([record(v) for v in range(1, count + 1)]))


@pytest.mark.parametrize("count", COUNTS)
def test_suggested_coaches_after_an_expiry(count: int) -> None:
    message_ok(nudges.request_expired(NAME, matches(count)))


@pytest.mark.parametrize("count", COUNTS)
def test_a_debrief_with_any_number_of_commitments_is_confirmed(count: int) -> None:
    text = checkins.debriefed([LONG[:500]] * count)
    message_ok((text, [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]))
    assert len(text) <= 40_000


def test_one_of_every_other_message_and_form() -> None:
    card = intros.RequestCard(1, "U0L", NAME, LONG[:200], LONG[:200], LONG[:200], "Ames, IA",
                              LONG, "career", LONG, "video", LONG[:1000])  # fmt: skip
    message_ok(intros.request_message(card))
    message_ok(intros.answered_message(card, "You accepted."))
    message_ok(agreements.review_message(record(3), "U0L"))
    message_ok(agreements.reviewed_message(record(3), "<@U0L> signed."))
    message_ok(agreements.executed_record(record(3)))
    message_ok(checkins.prepared(1, LONG, LONG))
    for built in (
        nudges.first_call(PAIR),
        nudges.prepare(PAIR, TODAY),
        nudges.debrief(1, "U0C", TODAY),
        nudges.overdue(PAIR),
        nudges.term_end(PAIR, TODAY),
        nudges.keep_in_touch(PAIR),
        nudges.request_reminder("U0L", 3),
        nudges.coach_paused(3),
        guide.first_conversation_guide(NAME),
    ):
        message_ok(built)
    summary = Summary(1, datetime(2027, 1, 1, tzinfo=UTC),
                      tuple(TraitResult(t, 3, LONG[:500], 2) for t in TRAITS))  # fmt: skip
    message_ok(guide.coachability_summary(summary))
    message_ok(guide.shared_summary("U0L", summary))
    for view in (
        intros.intro_form(NAME, "{}", ["career"]),
        intros.question_form(1, NAME),
        intros.answer_form(1, LONG),
        intros.decline_form(1, NAME),
        agreements.agreement_form(record(1).terms, 1, NAME),
        checkins.log_form(1, NAME, TODAY),
        checkins.debrief_form(1, TODAY),
        checkins.follow_up_form(1, LONG[:500]),
        relationship_views.end_form(1, NAME),
        search.coach_profile(coach(1), Filters()),
    ):
        view_ok(view)


def test_the_last_check_catches_what_slack_refuses() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "a"}
    twice = [{"type": "actions", "elements": [button, button]}]
    assert validate_message_blocks(twice) != []
    assert broken_rule(twice) == "block 0 repeats action_id 'a'"
    same_id = [{"type": "divider", "block_id": "b"}, {"type": "divider", "block_id": "b"}]
    assert validate_message_blocks(same_id) != []
    assert broken_rule(same_id) == "block 1 repeats block_id 'b'"
    many = [{"type": "divider"}] * 51
    assert validate_message_blocks(many) != []
    assert broken_rule(many) == "51 blocks, more than the 50 Slack allows"
