"""Safe text for Block Kit: user text is escaped so it can never mention, ping or
disguise a link, and cut to Slack's limits with an ellipsis."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn gives meaning to in `<...>` markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = 3000) -> str:
    """User text for a mrkdwn field: escaped, then truncated without splitting an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def plain_date(day: date) -> str:
    """A date as a person reads it in a form or a notification: "Jan 1, 2027"."""
    return f"{day:%b} {day.day}, {day.year}"


def date_token(when: date | datetime) -> str:
    """A date in a message: Slack shows it in each reader's own locale and time zone
    (`<!date^…>`), with `plain_date` where Slack can't (notifications, old clients). A
    bare date is taken at noon UTC, so it reads as the same day everywhere in the US."""
    if isinstance(when, datetime):
        day, instant = when.date(), when
    else:
        day, instant = when, datetime.combine(when, time(12), tzinfo=UTC)
    return f"<!date^{int(instant.timestamp())}^{{date_short}}|{plain_date(day)}>"


def listed(items: list[str], limit: int, separator: str = ", ") -> str:
    """`items` joined, as many as fit in `limit` characters, then "and N more"."""
    shown: list[str] = []
    for index, item in enumerate(items):
        rest = len(items) - index
        more = f"{separator}and {rest} more" if rest > 1 else ""
        candidate = separator.join([*shown, item])
        if len(candidate) + len(more) > limit:
            return separator.join(shown) + f"{separator if shown else ''}and {rest} more"
        shown.append(item)
    return separator.join(shown)


def check_in_due(next_check_in: date | None, overdue_since: date | None) -> str:
    """When a pair's check-in falls, as a phrase; a date in the past reads as overdue."""
    if overdue_since is not None:
        return f"check-in overdue since {date_token(overdue_since)}"
    if next_check_in is not None:
        return f"next check-in {date_token(next_check_in)}"
    return ""


def counted(count: int, one: str, many: str | None = None) -> str:
    """ "1 learner", "2 learners" ("1 person", "3 people" with `many`)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
