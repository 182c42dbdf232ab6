"""Matching rules without Slack or a database: who is offered, in what order, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.ranking import (
    REMOTE,
    CoachCard,
    CoachIndex,
    Filters,
    Seeker,
    Slot,
    hours_apart,
    rank_one,
    slot_of,
)
from coaching.vocabulary import Expertise

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
JULY = datetime(2026, 7, 1, 15, tzinfo=UTC)


def card(person_id: int, **changes: object) -> CoachCard:
    base = CoachCard(
        person_id=person_id,
        slack_user_id=f"U{person_id}",
        name=f"Coach {person_id}",
        title="Director",
        organization="City of Ames",
        department="Finance",
        city="Ames",
        state="IA",
        time_zone="America/Chicago",
        areas=("Finance", "Management", "IT"),
        expertise_other="",
        coaching_kinds=("career",),
        meeting_forms=("video",),
        statement="I like helping.",
        max_learners=2,
        current_learners=0,
        paused=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


SEEKER = Seeker(
    person_id=1000,
    organization="Polk County",
    department="Public Works",
    city="Des Moines",
    state="IA",
    time_zone="America/Chicago",
    coaching_kinds=("career",),
)


def order(
    cards: list[CoachCard], filters: Filters | None = None, seeker: Seeker = SEEKER
) -> list[int]:
    found = CoachIndex.build(cards).search(seeker, filters or Filters(), NOW)
    return [m.coach.person_id for m in found]


def test_time_zone_distance_follows_daylight_saving() -> None:
    assert hours_apart("America/New_York", "America/Phoenix", NOW) == 2
    assert hours_apart("America/New_York", "America/Phoenix", JULY) == 3
    assert hours_apart("America/Chicago", None, NOW) is None
    assert hours_apart("America/Chicago", "Mars/Olympus", NOW) is None


def test_the_two_plus_one_slot_is_relative_to_the_learner() -> None:
    assert (
        slot_of(SEEKER, card(1, organization="Polk County", department="Public Works"))
        is Slot.DEPARTMENT
    )
    assert (
        slot_of(SEEKER, card(1, organization="polk  county", department="HR")) is Slot.ORGANIZATION
    )
    assert slot_of(SEEKER, card(1, organization="City of Ames")) is Slot.OUTSIDE
    assert slot_of(Seeker(person_id=None), card(1)) is Slot.OUTSIDE


def test_prompt_answerers_rank_above_slow_ones() -> None:
    cards = [
        card(1, name="Slow", answer_hours=120),
        card(2, name="Prompt", answer_hours=3),
        card(3, name="New", answer_hours=None),
    ]
    assert order(cards) == [2, 3, 1]
    assert "answers within a day" in rank_one(SEEKER, cards[1], Filters(), NOW).reasons  # type: ignore[union-attr]
    assert "slow to answer" in rank_one(SEEKER, cards[0], Filters(), NOW).reasons  # type: ignore[union-attr]


def test_remote_coaching_prefers_nearer_time_zones() -> None:
    cards = [
        card(1, state="OR", time_zone="America/Los_Angeles"),
        card(2, state="OH", time_zone="America/New_York"),
    ]
    assert order(cards, Filters(region=REMOTE)) == [2, 1]


def test_in_person_means_the_region_and_meeting_in_person() -> None:
    cards = [
        card(1, meeting_forms=("in_person",)),
        card(2, meeting_forms=("video",)),
        card(3, state="CO", meeting_forms=("in_person",)),
    ]
    assert order(cards, Filters(region="IA")) == [1]


def test_full_paused_self_and_current_coaches_are_never_offered() -> None:
    cards = [card(1, current_learners=2), card(2, paused=True), card(1000), card(4), card(5)]
    seeker = replace(SEEKER, current_coaches=frozenset({5}))
    assert order(cards, seeker=seeker) == [4]


def test_reasons_name_matching_areas_kinds_place_and_room() -> None:
    match = rank_one(
        SEEKER, card(1, city="Des Moines", max_learners=1), Filters(text="finance"), NOW
    )
    assert match is not None
    assert match.reasons == (
        "Finance",
        "career",
        "same city",
        "same time zone",
        "room for one more",
    )


def test_free_text_is_tolerant_and_prefers_strong_fields() -> None:
    cards = [card(1, name="Budget Person"), card(2, statement="budgets are my thing"), card(3)]
    index = CoachIndex.build(cards)
    scores = index.text_scores("budget")
    assert scores is not None and scores[1] > scores.get(2, 0) > 0 and 3 not in scores
    assert set(index.text_scores("managment") or {}) == {1, 2, 3}
    assert index.text_scores("   ") is None


places = st.sampled_from(
    [
        ("IA", "Ames", "America/Chicago"),
        ("CO", "Denver", "America/Denver"),
        ("OR", "Eugene", "America/Los_Angeles"),
        ("ME", "Bangor", "America/New_York"),
    ]
)
cards_strategy = st.lists(
    st.builds(
        lambda pid, place, kinds, forms, hours, full, areas: card(
            pid,
            state=place[0],
            city=place[1],
            time_zone=place[2],
            coaching_kinds=kinds,
            meeting_forms=forms,
            answer_hours=hours,
            current_learners=2 if full else 0,
            areas=areas,
        ),
        st.integers(1, 10_000),
        places,
        st.sampled_from([("career",), ("political",), ("career", "situation")]),
        st.sampled_from([("video",), ("in_person", "phone"), ("email",)]),
        st.one_of(st.none(), st.floats(0, 200)),
        st.booleans(),
        st.sampled_from([("Finance", "IT", "Police"), ("Management", "Engineering", "Finance")]),
    ),
    max_size=30,
    unique_by=lambda c: c.person_id,
)
filters_strategy = st.builds(
    Filters,
    text=st.sampled_from(["", "finance", "enginering police", "coach"]),
    area=st.sampled_from([None, "Finance", "Police"]),
    region=st.sampled_from([None, REMOTE, "IA", "OR"]),
    kind=st.sampled_from([None, "career", "political"]),
    meeting=st.sampled_from([None, "video", "in_person"]),
    slot=st.sampled_from([None, *Slot]),
)


@settings(max_examples=150, deadline=None)
@given(cards=cards_strategy, filters=filters_strategy)
def test_fast_ranking_agrees_with_scoring_each_coach(
    cards: list[CoachCard], filters: Filters
) -> None:
    index = CoachIndex.build(cards)
    text_scores = index.text_scores(filters.text)
    one_by_one = [m for c in cards if (m := rank_one(SEEKER, c, filters, NOW, text_scores))]
    expected = [
        m.coach.person_id
        for m in sorted(
            one_by_one, key=lambda m: (-m.score, m.coach.name.lower(), m.coach.person_id)
        )
    ]
    total, ranked = index.ranked(SEEKER, filters, NOW, text_scores)
    assert total == len(expected)
    assert ranked == expected
    assert index.ranked(SEEKER, filters, NOW, text_scores, limit=5)[1] == expected[:5]


@given(
    text=st.text(max_size=120),
    area=st.sampled_from([None, *Expertise]),
    slot=st.sampled_from([None, *Slot]),
)
@settings(max_examples=200, deadline=None)
def test_filters_travel_in_a_short_id_and_come_back_whole_but_for_long_words(
    text: str, area: str | None, slot: Slot | None
) -> None:
    filters = Filters(text=text, area=area, region=REMOTE, slot=slot)
    encoded = filters.encoded(limit=200, text_limit=60)
    assert len(encoded.encode("utf-16-le")) // 2 <= 200
    back = Filters.decoded(encoded)
    assert replace(back, text="") == replace(filters, text="")
    assert filters.text.startswith(back.text)


def test_unreadable_filters_read_as_no_filter() -> None:
    for raw in ("", "{", "[1]", "null", '{"a": 3}', '{"s": "twice"}'):
        assert Filters.decoded(raw) == Filters()
