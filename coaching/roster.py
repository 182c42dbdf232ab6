"""Importing a coach roster from a CSV file.

The first line names the columns. Header names are matched ignoring case, spaces,
underscores and hyphens ("Years in local government" is `years_in_local_government`),
in any order. A file in Excel's "CSV UTF-8" format (with a byte-order mark) is fine.

Columns (* = required):

- `slack_id`: the coach's Slack member ID, such as U0123ABCD, to match a coach already
  in the program under a new e-mail. Either way, a coach is linked to a Slack member only
  when Slack lists the row's e-mail as that member's (users.lookupByEmail): identity
  comes from Slack, never from the file. A coach Slack doesn't know by that address yet
  is imported all the same and linked when they first use the bot; a slack_id that Slack
  gives to someone else is refused.
- `name`*: full name.
- `email`*: work e-mail address; also how a coach is recognised on a later import.
- `phone`: a phone number such as (515) 555-0123.
- `organization`*: city, county or agency.
- `department`: the department within the organization.
- `title`*: job title.
- `city`, `state`: where they work, for learners who want to meet in person.
- `years_in_local_government`*: a whole number from 0 to 60.
- `education`: degrees and certificates.
- `why_coach`*: why they want to coach.
- `prior_mentoring`: earlier coaching or mentoring.
- `expertise`*: exactly three areas, separated by `;`, from Finance; Police; Fire/EMS;
  Public Works; Human Resources; Management; IT; Economic Development; Engineering;
  Democratic Advocacy/Community Engagement; Council-Manager Relations; Executive Staff
  Relations/Teamwork; Refuse/Recycling; Outsourcing of Municipal Services;
  Intergovernmental Cooperation; Performance Measurement; Strategic Planning;
  Work/Life Balance; Other.
- `expertise_other`: the other area; required when Other is one of the three.
- `kinds_of_coaching`*: one or more of `career; situation; political`, or their labels
  ("Career advancement", "Work situation", "Political").
- `meeting_forms`*: one or more of `in_person; phone; video; email`, or their labels
  ("In person", "Phone", "Video call", "E-mail").
- `frequency`*: one of `monthly`, `every_other_month`, `quarterly`, `semi_annually`, or
  their labels ("Every other month", "Twice a year").
- `max_learners`: how many learners at a time, 1 to 10; 2 when empty.
- `learner_preferences`: the learners they would most like to work with.
- `extra_info`: anything else learners should know.

Choices are matched ignoring case. A row is imported whole or not at all: a bad row is
reported with its line number and the column(s) at fault, and the good rows are
imported. A coach already in the program (same Slack ID, or else same e-mail) is
updated, and a column left out of the file leaves that detail as it is, as does an empty
max_learners. Importing the same file again changes nothing.

A file is at most `MAX_BYTES` (2 MB, about 4,000 coaches); a coordinator sends it to the
bot in a DM (`handlers.roster`) or an operator runs `python -m bot import-coaches`, and
both go through `read_roster` and `import_in_batches`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from coaching import identity
from coaching.effects import Effect, Kind
from coaching.profiles import (
    CONTACT_FIELDS,
    CleanCoach,
    CoachApplication,
    Contact,
    InvalidApplication,
    apply_coach,
    clean_coach,
    coach_application_of,
    contact_of,
    find_person,
    find_person_by_email,
)
from coaching.text import MEMBER_ID
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm
from storage.clock import now_in
from storage.models import Person

COLUMNS = (
    "slack_id",
    *CONTACT_FIELDS,
    "years_in_local_government",
    "education",
    "why_coach",
    "prior_mentoring",
    "expertise",
    "expertise_other",
    "kinds_of_coaching",
    "meeting_forms",
    "frequency",
    "max_learners",
    "learner_preferences",
    "extra_info",
)
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
OPTIONAL = tuple(column for column in COLUMNS if column not in REQUIRED)
DEFAULT_MAX_LEARNERS = "2"

_CONTACT_COLUMNS = frozenset(
    {"name", "email", "phone", "organization", "department", "title", "city", "state"}
)
_FIELD_OF_COLUMN = {"kinds_of_coaching": "coaching_kinds"}
_COLUMN_OF_FIELD = {name: column for column, name in _FIELD_OF_COLUMN.items()}
_QUERY_CHUNK = 500
BATCH = 100
"""Rows written per transaction."""
MAX_BYTES = 2 * 1024 * 1024
MAX_SIZE = "2 MB"
SAVE_AS_CSV = 'in Excel, use Save As and choose "CSV UTF-8 (Comma delimited)"'
NOT_UTF8 = f"it is not UTF-8 text ({SAVE_AS_CSV})"
SPREADSHEETS = frozenset({"xls", "xlsx", "xlsm", "ods", "numbers"})


def _key(text: str) -> str:
    """How names are compared: case, spaces, underscores, hyphens and a BOM don't count."""
    return re.sub(r"[\s_\-\ufeff]+", "", text).casefold()


def _choice_key(text: str) -> str:
    """How choices are compared: letters and digits only ("E-mail" is "email")."""
    return re.sub(r"[\W_]+", "", text).casefold()


_COLUMN_BY_KEY = {_key(column): column for column in COLUMNS}


def _spellings(item: Frequency | MeetingForm | CoachingKind) -> set[str]:
    names = {item.value, item.label}
    if isinstance(item, CoachingKind):
        names.add(item.short_label)
    return {_choice_key(name) for name in names}


_CHOICES: dict[str, dict[str, str]] = {
    "expertise": {_choice_key(area.value): area.value for area in Expertise},
    "frequency": {key: item.value for item in Frequency for key in _spellings(item)},
    "meeting_forms": {key: item.value for item in MeetingForm for key in _spellings(item)},
    "kinds_of_coaching": {key: item.value for item in CoachingKind for key in _spellings(item)},
}
_ALLOWED = {
    "expertise": ", ".join(area.value for area in Expertise),
    "frequency": ", ".join(item.value for item in Frequency),
    "meeting_forms": ", ".join(item.value for item in MeetingForm),
    "kinds_of_coaching": ", ".join(item.value for item in CoachingKind),
}


class RosterUnreadable(ValueError):
    """The file as a whole can't be imported (not CSV, or a header is missing or unknown)."""


class ImportInterrupted(Exception):
    """The database failed part-way through an import: the batches before the one that
    starts on `line` are saved, and importing the file again is safe."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(
            f"the database failed at the batch starting on line {line} ({reason}); the rows "
            "before it are saved, and importing the file again is safe"
        )
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class RosterRow:
    """A row that passed validation. `keep` names the application fields the file does
    not give (an absent column, an empty max_learners): a coach already in the program
    keeps their stored value for those."""

    line: int
    slack_id: str | None
    application: CoachApplication
    keep: frozenset[str] = frozenset()


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_slack: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    unconfirmed: list[int] = field(default_factory=list)
    """Lines whose slack_id Slack did not confirm (it knows no one by the row's e-mail):
    imported without a link to Slack."""

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.problems)

    def count(self, outcome: Outcome, slack_id: str | None) -> None:
        if outcome is Outcome.CREATED:
            self.created += 1
        elif outcome is Outcome.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1
        if slack_id is None:
            self.not_in_slack += 1

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.problems)} with problems; "
            f"{self.not_in_slack} not in Slack yet"
        )

    def unconfirmed_note(self) -> str | None:
        """What became of slack_ids Slack did not confirm, when there were any."""
        if not self.unconfirmed:
            return None
        lines = ", ".join(str(line) for line in self.unconfirmed)
        return (
            f"line(s) {lines}: Slack did not confirm the slack_id (it lists no member with "
            "the row's e-mail, or could not be asked), so it was not used; the coach is "
            "linked when they use the bot with that address, or by hand with "
            "`/coaching-admin link @member address`"
        )


# -- reading -----------------------------------------------------------------------------


def _columns(header: Sequence[str]) -> list[str | None]:
    """The known column under each header cell (None for a blank header cell)."""
    columns: list[str | None] = []
    unknown: list[str] = []
    repeated: list[str] = []
    for name in header:
        if not name.strip(" \ufeff"):
            columns.append(None)
            continue
        column = _COLUMN_BY_KEY.get(_key(name))
        if column is None:
            unknown.append(repr(name.strip()))
        elif column in columns:
            repeated.append(column)
        columns.append(column)
    missing = [column for column in COLUMNS if column in REQUIRED and column not in columns]
    parts = []
    if missing:
        parts.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column(s): {', '.join(unknown)}")
    if repeated:
        parts.append(f"column(s) given twice: {', '.join(repeated)}")
    if parts:
        raise RosterUnreadable(
            "; ".join(parts) + f". The columns are: {', '.join(COLUMNS)} (see examples/coaches.csv)"
        )
    return columns


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise RosterUnreadable(f"line {start} is not valid CSV ({error})") from None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _choices(column: str, raw: str, errors: dict[str, str]) -> list[str]:
    """Canonical values for `raw`; an unknown one is reported with the allowed values."""
    known = _CHOICES[column]
    values = []
    for part in _split(raw):
        value = known.get(_choice_key(part))
        if value is None:
            errors.setdefault(column, f"{part!r} is not one of: {_ALLOWED[column]}")
        values.append(value or part)
    return values


def _application(row: dict[str, str], errors: dict[str, str]) -> CoachApplication:
    frequency = _choices("frequency", row["frequency"], errors)
    if len(frequency) > 1:
        errors.setdefault("frequency", "Please choose one frequency")
    return CoachApplication(
        contact=Contact(**{column: row.get(column, "") for column in _CONTACT_COLUMNS}),
        years_in_local_government=row["years_in_local_government"],
        education=row.get("education", ""),
        why_coach=row["why_coach"],
        prior_mentoring=row.get("prior_mentoring", ""),
        expertise=_choices("expertise", row["expertise"], errors),
        expertise_other=row.get("expertise_other", ""),
        frequency=frequency[0] if frequency else "",
        learner_preferences=row.get("learner_preferences", ""),
        extra_info=row.get("extra_info", ""),
        meeting_forms=_choices("meeting_forms", row["meeting_forms"], errors),
        coaching_kinds=_choices("kinds_of_coaching", row["kinds_of_coaching"], errors),
        max_learners=row.get("max_learners") or DEFAULT_MAX_LEARNERS,
    )


def _reason(errors: dict[str, str]) -> str:
    """Errors keyed by column, in the file's documented column order, on one line."""
    ordered = sorted(errors.items(), key=lambda item: COLUMNS.index(item[0]))
    return "; ".join(f"{column}: {problem.rstrip('.')}" for column, problem in ordered)


def _column_errors(invalid: InvalidApplication) -> dict[str, str]:
    return {_COLUMN_OF_FIELD.get(name, name): problem for name, problem in invalid.errors.items()}


def check_file(name: str, size: int) -> None:
    """Whether a file, by its name and size, can be a roster, before it is fetched;
    raises `RosterUnreadable` saying what is wrong."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in SPREADSHEETS:
        raise RosterUnreadable(
            f"it is a spreadsheet, not a CSV file ({SAVE_AS_CSV}, and send that file)"
        )
    if extension != "csv":
        raise RosterUnreadable(
            "it is not a CSV file (the roster is a .csv file; see examples/coaches.csv)"
        )
    if size == 0:
        raise RosterUnreadable("the file is empty")
    if size > MAX_BYTES:
        raise RosterUnreadable(_too_large(size))


def _too_large(size: int) -> str:
    return (
        f"it is {size / 1024 / 1024:.1f} MB and a roster can be at most {MAX_SIZE} "
        "(about 4,000 coaches); split it into several files"
    )


def decode(raw: bytes) -> str:
    """A roster file's text: UTF-8, with or without the byte-order mark Excel writes."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterUnreadable(NOT_UTF8) from None


def read_roster(raw: bytes) -> list[RosterRow | RowProblem]:
    """The file's rows, checked (`read_rows`), from its bytes: at most `MAX_BYTES`, UTF-8."""
    if len(raw) > MAX_BYTES:
        raise RosterUnreadable(_too_large(len(raw)))
    rows = read_rows(decode(raw))
    if not rows:
        raise RosterUnreadable("it has the header row but no coaches under it")
    return rows


def read_rows(text: str) -> list[RosterRow | RowProblem]:
    """Parse and validate the whole roster, in file order.

    Raises `RosterUnreadable` before returning any row when the file can't be used at
    all, so an import never starts on a file it cannot finish reading.
    """
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise RosterUnreadable("the file is empty")
    columns = _columns(first[1])
    given = {column for column in columns if column is not None}
    absent = frozenset(_FIELD_OF_COLUMN.get(c, c) for c in COLUMNS if c not in given) - {"slack_id"}
    seen_emails: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    rows: list[RosterRow | RowProblem] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            rows.append(
                RowProblem(
                    line,
                    f"has {len(cells)} cells but the header has {len(columns)} "
                    "(a value with a comma in it needs double quotes)",
                )
            )
            continue
        row = {
            column: cell.strip()
            for column, cell in zip(columns, cells, strict=True)
            if column is not None
        }
        errors: dict[str, str] = {}
        email = row["email"].lower()
        slack_id = row.get("slack_id", "").upper() or None
        if email in seen_emails:
            errors["email"] = f"{email} is already on line {seen_emails[email]}"
        elif email:
            seen_emails[email] = line
        if slack_id is not None:
            if not MEMBER_ID.match(slack_id):
                errors["slack_id"] = (
                    f"{row['slack_id']!r} is not a Slack member ID (they look like U0123ABCD)"
                )
            elif slack_id in seen_ids:
                errors["slack_id"] = f"{slack_id} is already on line {seen_ids[slack_id]}"
            else:
                seen_ids[slack_id] = line
        application = _application(row, errors)
        try:
            clean_coach(application)
        except InvalidApplication as invalid:
            errors = {**_column_errors(invalid), **errors}
        if errors:
            rows.append(RowProblem(line, _reason(errors)))
            continue
        keep = absent | ({"max_learners"} if not row.get("max_learners") else set())
        rows.append(RosterRow(line, slack_id, application, frozenset(keep)))
    return rows


# -- importing ---------------------------------------------------------------------------


class _Refused(Exception):
    """A row that can't be imported; raised inside the row's savepoint to undo it."""


def _as_application(coach: CleanCoach) -> CoachApplication:
    """A clean coach in the shape `coach_application_of` gives for a stored one."""
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


def _merged(row: RosterRow, person: Person | None) -> CoachApplication:
    """The row's application, with the stored value for each field the file leaves out."""
    if person is None or not row.keep:
        return row.application
    stored = contact_of(person)
    contact = replace(
        row.application.contact,
        **{name: getattr(stored, name) for name in row.keep & _CONTACT_COLUMNS},
    )
    if person.coach is None:
        return replace(row.application, contact=contact)
    current = coach_application_of(person, person.coach)
    return replace(
        row.application,
        contact=contact,
        **{name: getattr(current, name) for name in row.keep - _CONTACT_COLUMNS},
    )


def _linked(session: Session, team_id: str, column: Any, values: list[str]) -> set[str]:
    """Which of these values of `column` (e-mails, Slack IDs) belong to people already
    linked to a Slack user."""
    linked: set[str] = set()
    for start in range(0, len(values), _QUERY_CHUNK):
        linked.update(
            session.scalars(
                select(column).where(
                    Person.team_id == team_id,
                    column.in_(values[start : start + _QUERY_CHUNK]),
                    Person.slack_user_id.is_not(None),
                )
            )
        )
    return linked


def _person(session: Session, team_id: str, row: RosterRow, email: str) -> Person | None:
    """The person the row describes: by Slack ID first, else by e-mail."""
    by_email = find_person_by_email(session, team_id, email)
    if row.slack_id is None:
        if (
            by_email is not None
            and by_email.slack_user_id is not None
            and by_email.slack_email != email
        ):
            raise _Refused(
                f"email: {email} is the address Slack user {by_email.slack_user_id} typed into "
                "their profile, but Slack does not list it as theirs; check it with "
                "`/coaching-admin links` (or give the row a slack_id)"
            )
        return by_email
    by_id = find_person(session, team_id, row.slack_id)
    if by_id is not None and by_email is not None and by_id is not by_email:
        raise _Refused(
            f"email: {email} belongs to another person in the program "
            f"(Slack ID {by_email.slack_user_id or 'not linked yet'}), "
            f"not to {row.slack_id} ({by_id.email})"
        )
    if by_id is None and by_email is not None and by_email.slack_user_id is not None:
        raise _Refused(
            f"slack_id: {email} is already linked to Slack user {by_email.slack_user_id}, "
            f"not {row.slack_id}"
        )
    return by_id or by_email


def _import_row(
    session: Session, team_id: str, row: RosterRow, looked_up: str | None
) -> tuple[Outcome, str | None]:
    """Create or update one coach; returns the outcome and the coach's Slack ID.

    `looked_up` is the Slack ID that Slack lists for the row's e-mail: the only way a
    coach not linked yet becomes linked (a slack_id in the file must agree with it).
    Raises `_Refused` when the row clashes with someone else in the program; the caller
    runs this in a savepoint, so a row that fails at any point writes nothing.
    """
    email = row.application.contact.email.strip().lower()
    person = _person(session, team_id, row, email)
    current = (
        coach_application_of(person, person.coach) if person is not None and person.coach else None
    )
    try:
        coach = clean_coach(_merged(row, person))
    except InvalidApplication as invalid:
        raise _Refused(_reason(_column_errors(invalid))) from None
    linked = person.slack_user_id if person is not None else None
    if linked is None and row.slack_id not in (None, looked_up) and looked_up is not None:
        raise _Refused(
            f"slack_id: Slack lists {email} as the address of Slack user {looked_up}, "
            f"not {row.slack_id}"
        )
    slack_id = linked or looked_up
    if slack_id is not None:
        holder = find_person(session, team_id, slack_id)
        if holder is not None and holder is not person:
            raise _Refused(
                f"slack_id: Slack user {slack_id} (found by e-mail) is already in the program "
                f"as {holder.email}"
            )
    unchanged = current == _as_application(coach)
    if person is not None and person.slack_user_id == slack_id and unchanged:
        return Outcome.UNCHANGED, slack_id
    outcome = Outcome.CREATED if current is None else Outcome.UPDATED
    if person is None:
        person = Person(team_id=team_id, name=coach.contact.name, email=coach.contact.email)
        session.add(person)
    apply_coach(session, person, coach)
    session.flush()
    if linked is None and slack_id is not None:
        identity.vouched(session, person, slack_id, email, now_in(session))
    return outcome, slack_id


def import_rows(
    session: Session,
    team_id: str,
    rows: Iterable[RosterRow | RowProblem],
    lookup_slack_id: Callable[[str], str | None],
    result: ImportResult | None = None,
) -> ImportResult:
    """Upsert the coaches in `rows` into the session's transaction; problems (given, or
    found while importing) are collected in `result` in row order.

    Slack is asked (`lookup_slack_id(email)`) only about coaches not yet linked, and all
    the asking happens before the first write, so no write lock is held while waiting
    on Slack. Each row is written in its own savepoint: a row refused halfway (or beaten
    to its e-mail by a concurrent sign-up) leaves nothing behind. Pass the same `result`
    to several calls to import a file in several transactions.
    """
    result = ImportResult() if result is None else result
    rows = list(rows)
    good = [row for row in rows if isinstance(row, RosterRow)]
    emails = [row.application.contact.email.strip().lower() for row in good]
    linked = _linked(session, team_id, Person.email, emails)
    linked_ids = _linked(
        session, team_id, Person.slack_user_id, [row.slack_id for row in good if row.slack_id]
    )
    looked_up: dict[int, str | None] = {}
    for row, email in zip(good, emails, strict=True):
        if email not in linked and row.slack_id not in linked_ids:
            looked_up[row.line] = lookup_slack_id(email)
    for row in rows:
        if isinstance(row, RowProblem):
            result.problems.append(row)
            continue
        try:
            with session.begin_nested():
                outcome, slack_id = _import_row(session, team_id, row, looked_up.get(row.line))
        except _Refused as refused:
            result.problems.append(RowProblem(row.line, str(refused)))
            continue
        except IntegrityError:
            result.problems.append(
                RowProblem(
                    row.line,
                    "its e-mail or Slack ID was taken by someone else during the import; "
                    "import the file again",
                )
            )
            continue
        result.count(outcome, slack_id)
        if row.slack_id is not None and slack_id is None:
            result.unconfirmed.append(row.line)
    return result


def import_in_batches(
    sessions: sessionmaker[Session],
    team_id: str,
    rows: Sequence[RosterRow | RowProblem],
    lookup_slack_id: Callable[[str], str | None],
    *,
    progress: Callable[[int], None] | None = None,
    finish: Callable[[Session, ImportResult], None] | None = None,
) -> ImportResult:
    """`import_rows` in batches of `BATCH` rows, one transaction each, so a large roster
    neither holds one long transaction nor loses the finished batches when something
    fails later. `progress(rows_done)` is told after each batch; `finish` runs in the
    last batch's transaction (its own when there are no rows), so what must follow the
    import commits with its end. Raises `ImportInterrupted` when the database fails."""
    result = ImportResult()
    starts = range(0, len(rows), BATCH) if rows else range(1)
    for start in starts:
        batch = rows[start : start + BATCH]
        try:
            with sessions.begin() as session:
                import_rows(session, team_id, batch, lookup_slack_id, result)
                if finish is not None and start == starts[-1]:
                    finish(session, result)
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            line = batch[0].line if batch else 1
            raise ImportInterrupted(line, reason) from error
        if progress is not None and batch:
            progress(start + len(batch))
    return result


# -- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterReport:
    """What a coordinator is told after importing a file they sent the bot."""

    file_name: str
    result: ImportResult
    lookup_failures: int = 0
    """Coaches Slack could not be asked about (they are imported unlinked)."""
    lookup_reasons: tuple[str, ...] = ()
    """Why, each once."""


def report_effects(coordinator: str, key: str, report: RosterReport) -> list[Effect]:
    """The report, to the coordinator's DM with the bot. Written in the import's last
    transaction, so a finished import is always reported, once (`key`: the shared
    message, so a repeated delivery of one share reports once)."""
    result = report.result
    payload = {
        "coordinator": coordinator,
        "file": report.file_name,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "not_in_slack": result.not_in_slack,
        "unconfirmed": result.unconfirmed,
        "lookup_failures": report.lookup_failures,
        "lookup_reasons": list(report.lookup_reasons),
        "problems": [[problem.line, problem.reason] for problem in result.problems],
    }
    return [Effect(Kind.ROSTER_REPORT, 0, None, coordinator, key=key, payload=payload)]


def report_of(payload: dict[str, Any]) -> RosterReport:
    """The report `report_effects` wrote."""
    result = ImportResult(
        created=int(payload.get("created", 0)),
        updated=int(payload.get("updated", 0)),
        unchanged=int(payload.get("unchanged", 0)),
        not_in_slack=int(payload.get("not_in_slack", 0)),
        problems=[RowProblem(int(line), str(reason)) for line, reason in payload["problems"]],
        unconfirmed=[int(line) for line in payload.get("unconfirmed", [])],
    )
    return RosterReport(
        str(payload.get("file", "")),
        result,
        int(payload.get("lookup_failures", 0)),
        tuple(str(reason) for reason in payload.get("lookup_reasons", [])),
    )


class Unread(StrEnum):
    """Why a coordinator's file was not imported, or not whole."""

    ONE_FILE = "one_file"
    NOT_A_ROSTER = "not_a_roster"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Unimported:
    """The answer to a file the bot did not import (or stopped importing)."""

    why: Unread
    file_name: str = ""
    reason: str = ""


def unimported_effects(member: str, key: str, answer: Unimported) -> list[Effect]:
    """The answer, to the coordinator's DM through the outbox like the report, so that
    an answer Slack refuses reaches the coordinators' list of failed deliveries."""
    payload = {"why": answer.why.value, "file": answer.file_name, "reason": answer.reason}
    return [Effect(Kind.ROSTER_UNIMPORTED, 0, None, member, key=key, payload=payload)]


def unimported_of(payload: dict[str, Any]) -> Unimported:
    """The answer `unimported_effects` wrote."""
    return Unimported(
        Unread(str(payload.get("why"))),
        str(payload.get("file", "")),
        str(payload.get("reason", "")),
    )
