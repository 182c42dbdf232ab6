"""Cadence arithmetic: when check-ins fall due, and when a nudge should reach a person.

Pure functions of dates, aware datetimes and IANA time-zone names; no database, no
Slack, no scheduler. Instants go in and come out in UTC; wall-clock decisions (weekday,
working hours, "10:00") are made in the recipient's own zone.

Local times are built with ``fold=0`` (PEP 495), which resolves the two awkward cases
of a daylight-saving change the way a person would expect: a wall time that does not
exist (inside a spring-forward gap) lands as far after the gap as it was into it
(02:30 becomes 03:30), and a wall time that happens twice (fall-back) means the first
of the two.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coaching.vocabulary import Frequency

DEFAULT_TIME_ZONE = "America/Chicago"
"""The program's home zone, used for anyone whose Slack profile gives no usable zone."""

SATURDAY = 5
GOOGLE_CALENDAR_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR_URL = "https://outlook.office.com/calendar/0/deeplink/compose"


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone called `name`, or the program default when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT_TIME_ZONE)


def add_months(day: date, months: int) -> date:
    """`day` moved by calendar months, clamped to the last day of a shorter month.

    Jan 31 + 1 month is Feb 28 (Feb 29 in a leap year); `months` may be negative.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _anchor(last_conversation: date | None, agreement_start: date) -> date:
    """The date a cadence counts from.

    A conversation logged before the agreement began (the explore-the-fit call, or a
    talk under a previous term) does not restart the clock; the agreement does.
    """
    if last_conversation is None:
        return agreement_start
    return max(last_conversation, agreement_start)


def next_check_in(
    frequency: Frequency, last_conversation: date | None, agreement_start: date
) -> date:
    """The date the pair's next check-in is due: one cadence after their last
    conversation, or after the agreement's start if they have not logged one yet."""
    return add_months(_anchor(last_conversation, agreement_start), frequency.months)


def check_ins(
    frequency: Frequency, last_conversation: date | None, agreement_start: date, ends: date
) -> list[date]:
    """Every date a check-in falls due while the pair keeps not talking: one cadence
    after the anchor (their last conversation, or the agreement's start), then one more
    cadence for each period missed, until the term ends. A logged conversation moves the
    anchor, so the count starts again."""
    anchor = _anchor(last_conversation, agreement_start)
    found = []
    periods = 1
    while (day := add_months(anchor, periods * frequency.months)) < ends:
        found.append(day)
        periods += 1
    return found


def missed_periods(
    frequency: Frequency,
    last_conversation: date | None,
    agreement_start: date,
    ends: date,
    today: date,
) -> int:
    """How many check-in dates have passed with no conversation logged (0: the first
    is still ahead). Two or more and the pair is at risk."""
    return sum(
        1 for day in check_ins(frequency, last_conversation, agreement_start, ends) if day < today
    )


def overdue_since(
    frequency: Frequency, last_conversation: date | None, agreement_start: date
) -> date:
    """The date a pair counts as overdue: one and a half cadences after the same anchor
    as `next_check_in`.

    The half is half of the following cadence period in whole days, rounded down:
    due + (add_months(anchor, 2 * months) - due) // 2. Monthly from Jan 10 is due
    Feb 10 and overdue Feb 24 (Feb 10 → Mar 10 is 28 days).
    """
    anchor = _anchor(last_conversation, agreement_start)
    due = add_months(anchor, frequency.months)
    following = add_months(anchor, 2 * frequency.months)
    return due + timedelta(days=(following - due).days // 2)


def prepare_date(check_in: date, days_before: int = 3) -> date:
    """The day to prompt the learner to prepare (purpose, questions) for a check-in:
    `days_before` days earlier, brought back to the Friday if that is a weekend."""
    day = check_in - timedelta(days=days_before)
    if day.weekday() >= SATURDAY:
        day -= timedelta(days=day.weekday() - SATURDAY + 1)
    return day


def term_end(start: date, months: int) -> date:
    """The last day of an agreement that starts on `start` and runs `months` months."""
    return add_months(start, months)


def _weekday_on_or_after(day: date) -> date:
    if day.weekday() >= SATURDAY:
        return day + timedelta(days=7 - day.weekday())
    return day


def next_working_day(day: date) -> date:
    """The first Monday-to-Friday after `day`."""
    return _weekday_on_or_after(day + timedelta(days=1))


def _require_aware(instant: datetime) -> None:
    if instant.utcoffset() is None:
        raise ValueError(f"{instant!r} has no time zone; cadence works with aware datetimes")


def _local_instant(day: date, hour: int, where: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=where).astimezone(UTC)


def in_working_hours(
    instant: datetime, tz: str | None, start_hour: int = 9, end_hour: int = 17
) -> bool:
    """Whether `instant` is Monday to Friday, from `start_hour`:00 up to (not including)
    `end_hour`:00, on the wall clock in `tz`."""
    _require_aware(instant)
    local = instant.astimezone(zone(tz))
    return local.weekday() < SATURDAY and time(start_hour) <= local.time() < time(end_hour)


def next_working_instant(
    instant: datetime, tz: str | None, start_hour: int = 9, end_hour: int = 17
) -> datetime:
    """`instant` itself (in UTC) if it falls in working hours in `tz`, otherwise the
    start of the next working period there: the next weekday at `start_hour`:00."""
    _require_aware(instant)
    if start_hour >= end_hour:
        raise ValueError(f"working hours {start_hour}-{end_hour} are empty")
    if in_working_hours(instant, tz, start_hour, end_hour):
        return instant.astimezone(UTC)
    where = zone(tz)
    local = instant.astimezone(where)
    day = local.date()
    if local.time() >= time(start_hour):
        day += timedelta(days=1)
    return _local_instant(_weekday_on_or_after(day), start_hour, where)


def delivery_time(
    day: date, tz: str | None, *, hour: int = 10, now: datetime | None = None
) -> datetime:
    """The UTC instant to deliver a nudge due on `day` to someone in `tz`.

    That is `hour`:00 on their wall clock, on `day` or, if `day` is a Saturday or
    Sunday, the Monday after; it stays `hour`:00 local on either side of a
    daylight-saving change. A missing or unknown `tz` means `DEFAULT_TIME_ZONE`.

    When `now` is given and that instant has already passed (a late or missed nudge),
    the nudge goes out at the first working moment from `now` instead, never at night.
    """
    where = zone(tz)
    scheduled = _local_instant(_weekday_on_or_after(day), hour, where)
    if now is not None:
        _require_aware(now)
        if scheduled < now:
            return next_working_instant(now, where.key)
    return scheduled


def suggested_slot(day: date, tz: str | None, *, hour: int = 14) -> datetime:
    """A meeting start to suggest for a check-in due on `day`: early afternoon on the
    learner's wall clock, on `day` or the Monday after a weekend, in UTC."""
    return delivery_time(day, tz, hour=hour)


def calendar_links(title: str, details: str, start: datetime, minutes: int = 45) -> dict[str, str]:
    """Add-to-calendar links for a meeting at `start` lasting `minutes`.

    Keys are ``"google"`` (Google Calendar's event template) and ``"outlook"`` (Outlook
    on the web's compose deeplink, for Microsoft 365 work accounts). Both carry UTC
    times, so each calendar shows the meeting in its owner's own zone.
    """
    _require_aware(start)
    begin = start.astimezone(UTC).replace(microsecond=0)
    end = begin + timedelta(minutes=minutes)
    stamp = "%Y%m%dT%H%M%SZ"
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{begin.strftime(stamp)}/{end.strftime(stamp)}",
        "details": details,
    }
    outlook = {
        "subject": title,
        "startdt": begin.isoformat(),
        "enddt": end.isoformat(),
        "body": details,
        "path": "/calendar/action/compose",
        "rru": "addevent",
    }
    return {
        "google": f"{GOOGLE_CALENDAR_URL}?{urlencode(google, quote_via=quote)}",
        "outlook": f"{OUTLOOK_CALENDAR_URL}?{urlencode(outlook, quote_via=quote)}",
    }
