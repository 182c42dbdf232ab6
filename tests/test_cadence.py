"""Cadence arithmetic: when check-ins fall due and when nudges reach people, in their zone."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.cadence import (
    DEFAULT_TIME_ZONE,
    add_months,
    calendar_links,
    delivery_time,
    in_working_hours,
    next_check_in,
    next_working_instant,
    overdue_since,
    prepare_date,
    suggested_slot,
    term_end,
    zone,
)
from coaching.vocabulary import Frequency

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
zones = st.sampled_from(ZONES)


def local(instant: datetime, name: str) -> datetime:
    return instant.astimezone(ZoneInfo(name))


# --- calendar months -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 15), 1, date(2025, 2, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_months_last_day(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


@given(day=dates, months=st.integers(min_value=0, max_value=120))
def test_add_months_never_moves_backwards_and_lands_in_the_right_month(
    day: date, months: int
) -> None:
    moved = add_months(day, months)

    assert moved >= day
    assert moved.year * 12 + moved.month == day.year * 12 + day.month + months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


def test_term_end_is_the_agreed_number_of_months_after_the_start() -> None:
    assert term_end(date(2025, 1, 15), 6) == date(2025, 7, 15)
    assert term_end(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert term_end(date(2025, 10, 1), 3) == date(2026, 1, 1)


# --- when a check-in is due ------------------------------------------------------------


def test_a_new_pair_is_due_one_cadence_after_the_agreement_starts() -> None:
    start = date(2025, 1, 10)

    assert next_check_in(Frequency.MONTHLY, None, start) == date(2025, 2, 10)
    assert next_check_in(Frequency.EVERY_OTHER_MONTH, None, start) == date(2025, 3, 10)
    assert next_check_in(Frequency.QUARTERLY, None, start) == date(2025, 4, 10)
    assert next_check_in(Frequency.SEMI_ANNUALLY, None, start) == date(2025, 7, 10)


def test_a_logged_conversation_restarts_the_cadence() -> None:
    start = date(2025, 1, 10)

    assert next_check_in(Frequency.MONTHLY, date(2025, 2, 20), start) == date(2025, 3, 20)
    assert next_check_in(Frequency.QUARTERLY, date(2025, 2, 20), start) == date(2025, 5, 20)


def test_a_conversation_before_the_agreement_began_does_not_count() -> None:
    explore_the_fit_call = date(2025, 1, 3)

    assert next_check_in(Frequency.MONTHLY, explore_the_fit_call, date(2025, 1, 10)) == date(
        2025, 2, 10
    )


def test_a_monthly_pairs_check_ins_over_a_year_fall_on_twelve_distinct_dates() -> None:
    start = date(2025, 1, 31)
    due: list[date] = []
    last: date | None = None
    for _ in range(12):
        last = next_check_in(Frequency.MONTHLY, last, start)
        due.append(last)

    assert len(set(due)) == 12
    assert len({(day.year, day.month) for day in due}) == 12
    assert due == sorted(due)
    assert due[0] == date(2025, 2, 28)


def test_a_quarterly_pair_meets_four_times_a_year() -> None:
    start = date(2025, 1, 6)
    due: list[date] = []
    last: date | None = None
    while (last := next_check_in(Frequency.QUARTERLY, last, start)) <= add_months(start, 12):
        due.append(last)

    assert due == [date(2025, 4, 6), date(2025, 7, 6), date(2025, 10, 6), date(2026, 1, 6)]


def test_a_pair_is_overdue_half_a_cadence_after_the_check_in_was_due() -> None:
    start = date(2025, 1, 10)

    # due Feb 10; Feb 10 -> Mar 10 is 28 days, half is 14
    assert overdue_since(Frequency.MONTHLY, None, start) == date(2025, 2, 24)
    # due Apr 10; Apr 10 -> Jul 10 is 91 days, half is 45
    assert overdue_since(Frequency.QUARTERLY, None, start) == date(2025, 5, 25)
    # due Jul 10; Jul 10 -> Jan 10 is 184 days, half is 92
    assert overdue_since(Frequency.SEMI_ANNUALLY, None, start) == date(2025, 10, 10)
    # due Apr 1; Apr 1 -> May 1 is 30 days, half is 15
    assert overdue_since(Frequency.MONTHLY, date(2025, 3, 1), start) == date(2025, 4, 16)


@given(
    frequency=st.sampled_from(list(Frequency)),
    start=dates,
    gap=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)
def test_overdue_always_comes_after_the_due_date_and_before_the_next_one(
    frequency: Frequency, start: date, gap: int | None
) -> None:
    last = None if gap is None else start + timedelta(days=gap)
    due = next_check_in(frequency, last, start)
    overdue = overdue_since(frequency, last, start)

    assert due < overdue < add_months(last or start, 2 * frequency.months)


# --- preparing for a check-in ----------------------------------------------------------


def test_the_prepare_prompt_comes_three_days_before_a_midweek_check_in() -> None:
    assert prepare_date(date(2025, 6, 13)) == date(2025, 6, 10)  # Friday -> Tuesday


@pytest.mark.parametrize(
    ("check_in", "expected"),
    [
        (date(2025, 6, 9), date(2025, 6, 6)),  # Monday: three days back is Friday
        (date(2025, 6, 10), date(2025, 6, 6)),  # Tuesday: Saturday, back to Friday
        (date(2025, 6, 11), date(2025, 6, 6)),  # Wednesday: Sunday, back to Friday
    ],
)
def test_a_prepare_prompt_falling_at_a_weekend_moves_back_to_friday(
    check_in: date, expected: date
) -> None:
    assert prepare_date(check_in) == expected
    assert expected.weekday() == 4


def test_the_prepare_lead_time_can_be_changed() -> None:
    assert prepare_date(date(2025, 6, 13), days_before=1) == date(2025, 6, 12)
    assert prepare_date(date(2025, 6, 16), days_before=7) == date(2025, 6, 9)


# --- delivering a nudge in the recipient's zone ----------------------------------------


def test_a_nudge_is_delivered_at_ten_in_the_morning_local_time() -> None:
    instant = delivery_time(date(2025, 6, 11), "America/Los_Angeles")

    assert instant == datetime(2025, 6, 11, 17, 0, tzinfo=UTC)
    assert instant.tzinfo is UTC


@pytest.mark.parametrize("weekend_day", [date(2025, 6, 14), date(2025, 6, 15)])
def test_a_nudge_due_at_the_weekend_moves_to_monday(weekend_day: date) -> None:
    instant = local(delivery_time(weekend_day, "America/New_York"), "America/New_York")

    assert instant.date() == date(2025, 6, 16)
    assert instant.time() == time(10)


@pytest.mark.parametrize(
    ("before", "after", "name"),
    [
        (date(2025, 3, 7), date(2025, 3, 10), "America/New_York"),  # clocks forward Mar 9
        (date(2025, 10, 31), date(2025, 11, 3), "America/New_York"),  # back Nov 2
        (date(2025, 3, 28), date(2025, 3, 31), "Europe/London"),  # forward Mar 30
        (date(2025, 10, 24), date(2025, 10, 27), "Europe/London"),  # back Oct 26
    ],
)
def test_ten_oclock_local_stays_ten_oclock_across_a_daylight_saving_change(
    before: date, after: date, name: str
) -> None:
    first, second = delivery_time(before, name), delivery_time(after, name)

    assert local(first, name).time() == local(second, name).time() == time(10)
    assert first.utcoffset() == second.utcoffset() == timedelta(0)
    assert abs((second - first) - timedelta(days=3)) == timedelta(hours=1)


def test_new_york_utc_delivery_times_shift_by_an_hour_with_daylight_saving() -> None:
    assert delivery_time(date(2025, 3, 7), "America/New_York") == datetime(
        2025, 3, 7, 15, tzinfo=UTC
    )
    assert delivery_time(date(2025, 3, 10), "America/New_York") == datetime(
        2025, 3, 10, 14, tzinfo=UTC
    )


def test_a_nudge_due_on_the_sunday_clocks_change_goes_out_at_ten_on_monday() -> None:
    assert delivery_time(date(2025, 3, 30), "Europe/London") == datetime(2025, 3, 31, 9, tzinfo=UTC)
    assert delivery_time(date(2025, 11, 2), "America/New_York") == datetime(
        2025, 11, 3, 15, tzinfo=UTC
    )


def test_a_local_time_skipped_by_the_clocks_lands_just_after_the_gap() -> None:
    # Tehran moved from 00:00 to 01:00 on Monday 22 March 2021.
    instant = delivery_time(date(2021, 3, 22), "Asia/Tehran", hour=0)

    assert local(instant, "Asia/Tehran") == datetime(2021, 3, 22, 1, tzinfo=ZoneInfo("Asia/Tehran"))


def test_a_local_time_that_happens_twice_means_the_first_one() -> None:
    # Tehran went back from 24:00 to 23:00 at the end of Tuesday 21 September 2021.
    instant = delivery_time(date(2021, 9, 21), "Asia/Tehran", hour=23)

    assert instant == datetime(2021, 9, 21, 18, 30, tzinfo=UTC)


@given(day=dates, name=zones)
def test_a_nudge_is_always_delivered_on_a_weekday_in_working_hours(day: date, name: str) -> None:
    instant = delivery_time(day, name)
    wall = local(instant, name)

    assert instant.utcoffset() == timedelta(0)
    assert wall.weekday() < 5
    assert wall.time() == time(10)
    assert in_working_hours(instant, name)
    assert 0 <= (wall.date() - day).days <= 2


@pytest.mark.parametrize("unusable", [None, "", "Mars/Olympus_Mons", "../../etc/passwd"])
def test_a_missing_or_unknown_zone_falls_back_to_the_program_default(
    unusable: str | None,
) -> None:
    assert DEFAULT_TIME_ZONE == "America/Chicago"
    assert zone(unusable) == ZoneInfo("America/Chicago")
    assert delivery_time(date(2025, 6, 11), unusable) == datetime(2025, 6, 11, 15, tzinfo=UTC)


def test_a_nudge_not_yet_due_ignores_now() -> None:
    now = datetime(2025, 6, 10, 22, tzinfo=UTC)

    assert delivery_time(date(2025, 6, 11), "America/Chicago", now=now) == datetime(
        2025, 6, 11, 15, tzinfo=UTC
    )


def test_a_late_nudge_goes_out_now_if_it_is_working_hours() -> None:
    now = datetime(2025, 6, 11, 19, 30, tzinfo=UTC)  # 14:30 in Chicago

    assert delivery_time(date(2025, 6, 11), "America/Chicago", now=now) == now


def test_a_late_nudge_found_at_night_waits_for_the_morning() -> None:
    now = datetime(2025, 6, 13, 3, tzinfo=UTC)  # Thursday 22:00 in Chicago

    instant = delivery_time(date(2025, 6, 10), "America/Chicago", now=now)

    assert local(instant, "America/Chicago") == datetime(
        2025, 6, 13, 9, tzinfo=ZoneInfo("America/Chicago")
    )


# --- working hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        (datetime(2025, 6, 11, 9, 0), True),
        (datetime(2025, 6, 11, 16, 59, 59), True),
        (datetime(2025, 6, 11, 8, 59, 59), False),
        (datetime(2025, 6, 11, 17, 0), False),
        (datetime(2025, 6, 11, 3, 0), False),
        (datetime(2025, 6, 14, 11, 0), False),  # Saturday
        (datetime(2025, 6, 15, 11, 0), False),  # Sunday
    ],
)
def test_working_hours_are_nine_to_five_on_weekdays_on_the_local_clock(
    wall: datetime, expected: bool
) -> None:
    instant = wall.replace(tzinfo=LONDON).astimezone(UTC)

    assert in_working_hours(instant, "Europe/London") is expected


def test_the_same_instant_can_be_working_hours_in_one_zone_and_night_in_another() -> None:
    instant = datetime(2025, 6, 11, 14, tzinfo=UTC)

    assert in_working_hours(instant, "Europe/London")
    assert not in_working_hours(instant, "Pacific/Honolulu")
    assert in_working_hours(instant, "Pacific/Honolulu", start_hour=4, end_hour=12)


def test_an_instant_in_working_hours_is_its_own_next_working_instant() -> None:
    instant = datetime(2025, 6, 11, 11, 15, tzinfo=NEW_YORK)

    assert next_working_instant(instant, "America/New_York") == instant
    assert next_working_instant(instant, "America/New_York").tzinfo is UTC


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        (datetime(2025, 6, 11, 6, 30), datetime(2025, 6, 11, 9)),  # early: same morning
        (datetime(2025, 6, 11, 17, 0), datetime(2025, 6, 12, 9)),  # evening: next morning
        (datetime(2025, 6, 13, 20, 0), datetime(2025, 6, 16, 9)),  # Friday night: Monday
        (datetime(2025, 6, 14, 10, 0), datetime(2025, 6, 16, 9)),  # Saturday: Monday
        (datetime(2025, 6, 15, 7, 0), datetime(2025, 6, 16, 9)),  # Sunday: Monday
    ],
)
def test_outside_working_hours_the_next_working_instant_is_nine_on_a_weekday(
    wall: datetime, expected: datetime
) -> None:
    instant = wall.replace(tzinfo=NEW_YORK).astimezone(UTC)

    assert next_working_instant(instant, "America/New_York") == expected.replace(
        tzinfo=NEW_YORK
    ).astimezone(UTC)


def test_the_next_working_morning_after_the_clocks_change_is_still_nine_local() -> None:
    friday_night = datetime(2025, 10, 24, 22, tzinfo=LONDON)

    instant = next_working_instant(friday_night, "Europe/London")

    assert instant == datetime(2025, 10, 27, 9, tzinfo=UTC)  # GMT again on Monday
    assert local(instant, "Europe/London").time() == time(9)


@given(
    instant=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    name=zones,
)
def test_the_next_working_instant_is_never_earlier_and_always_in_working_hours(
    instant: datetime, name: str
) -> None:
    following = next_working_instant(instant, name)

    assert following >= instant
    assert in_working_hours(following, name)
    assert following - instant < timedelta(days=4)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        in_working_hours(datetime(2025, 6, 11, 10), "Europe/London")
    with pytest.raises(ValueError, match="no time zone"):
        calendar_links("Check-in", "", datetime(2025, 6, 11, 10))


# --- suggesting a meeting and adding it to a calendar ----------------------------------


def test_a_suggested_meeting_is_early_afternoon_on_a_weekday_in_the_learners_zone() -> None:
    assert suggested_slot(date(2025, 6, 11), "America/Denver") == datetime(
        2025, 6, 11, 20, tzinfo=UTC
    )
    saturday = suggested_slot(date(2025, 6, 14), "Europe/London")
    assert local(saturday, "Europe/London") == datetime(2025, 6, 16, 14, tzinfo=LONDON)


def test_calendar_links_carry_the_encoded_title_and_the_utc_times() -> None:
    start = datetime(2025, 3, 10, 14, 0, tzinfo=NEW_YORK)  # 18:00 UTC, EDT

    links = calendar_links("Check-in: Ana & Ben / Fire/EMS", "Purpose?\nQuestions = 2", start)

    google = urlsplit(links["google"])
    assert f"{google.scheme}://{google.netloc}{google.path}" == (
        "https://calendar.google.com/calendar/render"
    )
    assert "text=Check-in%3A%20Ana%20%26%20Ben%20%2F%20Fire%2FEMS" in google.query
    assert parse_qs(google.query) == {
        "action": ["TEMPLATE"],
        "text": ["Check-in: Ana & Ben / Fire/EMS"],
        "dates": ["20250310T180000Z/20250310T184500Z"],
        "details": ["Purpose?\nQuestions = 2"],
    }

    outlook = urlsplit(links["outlook"])
    assert f"{outlook.scheme}://{outlook.netloc}{outlook.path}" == (
        "https://outlook.office.com/calendar/0/deeplink/compose"
    )
    assert "subject=Check-in%3A%20Ana%20%26%20Ben%20%2F%20Fire%2FEMS" in outlook.query
    assert parse_qs(outlook.query) == {
        "subject": ["Check-in: Ana & Ben / Fire/EMS"],
        "startdt": ["2025-03-10T18:00:00+00:00"],
        "enddt": ["2025-03-10T18:45:00+00:00"],
        "body": ["Purpose?\nQuestions = 2"],
        "path": ["/calendar/action/compose"],
        "rru": ["addevent"],
    }


def test_calendar_links_use_the_meeting_length_and_encode_any_script() -> None:
    start = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)

    links = calendar_links("Café con Zoë", "", start, minutes=60)

    assert "dates=20251231T233000Z%2F20260101T003000Z" in links["google"]
    assert "text=Caf%C3%A9%20con%20Zo%C3%AB" in links["google"]
    assert parse_qs(urlsplit(links["outlook"]).query)["enddt"] == ["2026-01-01T00:30:00+00:00"]
    assert " " not in links["google"] + links["outlook"]
