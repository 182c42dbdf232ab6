"""Importing a coach roster from a CSV file.

Columns (header names are matched ignoring case, spaces and underscores):

| column | required | meaning |
|---|---|---|
| slack_id | no | the coach's Slack member ID; looked up by e-mail when empty |
| name, email, organization, title | yes | contact details |
| phone, department, city, state | no | contact details |
| years_in_local_government | yes | a whole number, 0 to 60 |
| why_coach | yes | why they coach |
| expertise | yes | exactly three areas separated by `;` (Finance; Police; ...; Other) |
| expertise_other | when Other | the other area |
| kinds_of_coaching | yes | `;`-separated: career; situation; political |
| meeting_forms | yes | `;`-separated: in person; phone; video; email |
| frequency | yes | monthly, every other month, quarterly or semi-annually |
| max_learners | no | 1 to 10, default 2 |
| education, prior_mentoring, learner_preferences, extra_info | no | free text |

A row is imported whole or not at all; a bad row is reported with its line number and
what is wrong, and the good rows are imported. Re-importing the same file changes
nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching.profiles import (
    CleanCoach,
    CoachApplication,
    Contact,
    InvalidApplication,
    apply_coach,
    clean_coach,
    coach_application_of,
    find_person,
    find_person_by_email,
)
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm
from storage.models import Person

REQUIRED = (
    "name",
    "email",
    "organization",
    "title",
    "years_in_local_government",
    "why_coach",
    "expertise",
    "kinds_of_coaching",
    "meeting_forms",
    "frequency",
)
OPTIONAL = (
    "slack_id",
    "phone",
    "department",
    "city",
    "state",
    "expertise_other",
    "max_learners",
    "education",
    "prior_mentoring",
    "learner_preferences",
    "extra_info",
)
_FIELD_TO_COLUMN = {"coaching_kinds": "kinds_of_coaching"}


class RosterUnreadable(ValueError):
    """The file as a whole can't be imported (headers missing or unknown, not a CSV)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class RosterRow:
    line: int
    slack_id: str | None
    application: CoachApplication


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_slack: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.problems)

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.problems)} with problems; "
            f"{self.not_in_slack} not in Slack yet"
        )


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "_", header.strip().lower().lstrip("\ufeff"))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _lookup(kind: type[CoachingKind] | type[MeetingForm] | type[Frequency], raw: str) -> str:
    """Accept a value or its label, in any case ("In person", "in_person", "in-person")."""
    wanted = _key(raw)
    for item in kind:
        names = {_key(item.value), _key(item.label)}
        if isinstance(item, CoachingKind):
            names.add(_key(item.short_label))
        if wanted in names or wanted.replace("_", "") in {n.replace("_", "") for n in names}:
            return item.value
    return raw


def _expertise(raw: str) -> list[str]:
    by_key = {_key(area.value): area.value for area in Expertise}
    return [by_key.get(_key(part), part) for part in _split(raw)]


def read_rows(text: str) -> Iterator[RosterRow | RowProblem]:
    """Parse the roster; raises `RosterUnreadable` for a bad header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterUnreadable("the file is empty") from None
    columns = [_key(name) for name in header]
    unknown = [
        name
        for name, key in zip(header, columns, strict=True)
        if key and key not in REQUIRED + OPTIONAL
    ]
    missing = [name for name in REQUIRED if name not in columns]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)}")
        raise RosterUnreadable("; ".join(parts) + " (see the column list in the README)")
    seen_emails: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            yield RowProblem(line, f"has {len(cells)} cells, the header has {len(columns)}")
            continue
        row = {key: cell.strip() for key, cell in zip(columns, cells, strict=True) if key}
        email = row["email"].lower()
        slack_id = row.get("slack_id") or None
        if email in seen_emails:
            yield RowProblem(line, f"e-mail {email} is already on line {seen_emails[email]}")
            continue
        if slack_id and slack_id in seen_ids:
            yield RowProblem(line, f"Slack ID {slack_id} is already on line {seen_ids[slack_id]}")
            continue
        if slack_id and not re.fullmatch(r"[UW][A-Z0-9]{2,}", slack_id):
            yield RowProblem(line, f"slack_id: {slack_id!r} is not a Slack member ID")
            continue
        if email:
            seen_emails[email] = line
        if slack_id:
            seen_ids[slack_id] = line
        yield RosterRow(
            line=line,
            slack_id=slack_id,
            application=CoachApplication(
                contact=Contact(
                    name=row["name"],
                    email=row["email"],
                    phone=row.get("phone", ""),
                    organization=row["organization"],
                    department=row.get("department", ""),
                    title=row["title"],
                    city=row.get("city", ""),
                    state=row.get("state", ""),
                ),
                years_in_local_government=row["years_in_local_government"],
                education=row.get("education", ""),
                why_coach=row["why_coach"],
                prior_mentoring=row.get("prior_mentoring", ""),
                expertise=_expertise(row["expertise"]),
                expertise_other=row.get("expertise_other", ""),
                frequency=_lookup(Frequency, row["frequency"]),
                learner_preferences=row.get("learner_preferences", ""),
                extra_info=row.get("extra_info", ""),
                meeting_forms=[_lookup(MeetingForm, v) for v in _split(row["meeting_forms"])],
                coaching_kinds=[_lookup(CoachingKind, v) for v in _split(row["kinds_of_coaching"])],
                max_learners=row.get("max_learners") or "2",
            ),
        )


def _as_application(coach: CleanCoach) -> CoachApplication:
    """A clean coach in the shape stored profiles are compared in."""
    return CoachApplication(
        contact=coach.contact,
        years_in_local_government=str(coach.years_in_local_government),
        education=coach.education,
        why_coach=coach.why_coach,
        prior_mentoring=coach.prior_mentoring,
        expertise=[area.value for area in coach.expertise],
        expertise_other=coach.expertise_other,
        frequency=coach.frequency.value,
        learner_preferences=coach.learner_preferences,
        extra_info=coach.extra_info,
        meeting_forms=[form.value for form in coach.meeting_forms],
        coaching_kinds=[kind.value for kind in coach.coaching_kinds],
        max_learners=str(coach.max_learners),
    )


def import_row(
    session: Session,
    team_id: str,
    row: RosterRow,
    lookup_slack_id: Callable[[str], str | None],
    result: ImportResult,
) -> None:
    """Create or update one coach; a bad row is recorded in `result` and writes nothing."""
    try:
        coach = clean_coach(row.application)
    except InvalidApplication as invalid:
        reason = "; ".join(
            f"{_FIELD_TO_COLUMN.get(name, name)}: {problem}"
            for name, problem in invalid.errors.items()
        )
        result.problems.append(RowProblem(row.line, reason))
        return
    person = find_person(session, team_id, row.slack_id) if row.slack_id else None
    if person is None:
        person = find_person_by_email(session, team_id, coach.contact.email)
    slack_id = row.slack_id or (person.slack_user_id if person else None)
    if slack_id is None:
        slack_id = lookup_slack_id(coach.contact.email)
    clash = find_person(session, team_id, slack_id) if slack_id else None
    if clash is not None and clash is not person:
        result.problems.append(
            RowProblem(row.line, f"Slack ID {slack_id} already belongs to {clash.email}")
        )
        return
    if slack_id is None:
        result.not_in_slack += 1
    if person is not None:
        current = coach_application_of(person, person.coach) if person.coach else None
        if person.slack_user_id == slack_id and current == _as_application(coach):
            result.unchanged += 1
            return
        result.updated += 1
    else:
        person = Person(team_id=team_id, name=coach.contact.name, email=coach.contact.email)
        session.add(person)
        result.created += 1
    person.slack_user_id = slack_id
    apply_coach(session, person, coach)


def import_rows(
    session: Session,
    team_id: str,
    rows: Iterable[RosterRow],
    lookup_slack_id: Callable[[str], str | None],
    result: ImportResult | None = None,
) -> ImportResult:
    result = result or ImportResult()
    for row in rows:
        counts = (result.created, result.updated, result.unchanged, result.not_in_slack)
        try:
            with session.begin_nested():
                import_row(session, team_id, row, lookup_slack_id, result)
        except IntegrityError:
            (result.created, result.updated, result.unchanged, result.not_in_slack) = counts
            result.problems.append(
                RowProblem(row.line, "its e-mail or Slack ID already belongs to someone else")
            )
    return result
