"""Roster import: good rows in, every bad row named by line and column, re-import
changes nothing, Slack IDs found by e-mail."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from roster_data import csv_text, synthetic_rows, write_roster
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.roster_cli import import_roster
from bot.settings import Settings
from coaching import roster
from coaching.profiles import (
    CleanCoach,
    CoachApplication,
    Contact,
    LearnerApplication,
    save_coach,
    save_learner,
)
from coaching.roster import (
    COLUMNS,
    ImportResult,
    RosterRow,
    RosterUnreadable,
    RowProblem,
    import_rows,
    read_rows,
)
from storage.models import CoachProfile, IdentityLink, Person
from storage.states import LinkSource

from fakeslack import FakeSlack

TEAM = "T0TEAM"
EXAMPLE = Path(__file__).parent.parent / "examples" / "coaches.csv"


def problems(parsed: Sequence[RosterRow | RowProblem]) -> list[tuple[int, str]]:
    return [(row.line, row.reason) for row in parsed if isinstance(row, RowProblem)]


class Directory:
    """A `lookup_slack_id` that knows `known` (e-mail -> Slack ID) and records each call."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = known or {}
        self.calls: list[str] = []

    def __call__(self, email: str) -> str | None:
        self.calls.append(email)
        return self.known.get(email)


def import_text(
    sessions: sessionmaker[Session],
    text: str,
    lookup: Callable[[str], str | None] | None = None,
    batch: int = 100,
) -> ImportResult:
    """Import as the command does: parse everything, then one transaction per batch."""
    rows = read_rows(text)
    result = ImportResult()
    for start in range(0, len(rows), batch):
        with sessions.begin() as session:
            import_rows(session, TEAM, rows[start : start + batch], lookup or Directory(), result)
    return result


def stamps(sessions: sessionmaker[Session]) -> dict[str, tuple[datetime, datetime]]:
    with sessions() as session:
        return {
            person.email: (person.updated_at, person.coach.updated_at)
            for person in session.scalars(select(Person))
            if person.coach is not None
        }


def people(sessions: sessionmaker[Session]) -> dict[str, Person]:
    with sessions() as session:
        return {person.email: person for person in session.scalars(select(Person))}


# -- reading and checking rows ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"expertise": "Finance; Police"},
            "expertise: Please choose exactly three areas (you chose 2)",
        ),
        (
            {"expertise": "Finance; Police; IT; Engineering"},
            "expertise: Please choose exactly three areas (you chose 4)",
        ),
        (
            {"expertise": "Finance; Police; Other", "expertise_other": ""},
            "expertise_other: Please give your other area of expertise",
        ),
        (
            {"expertise": "Finance; Police; Astrology"},
            "expertise: 'Astrology' is not one of: Finance, Police, Fire/EMS,",
        ),
        ({"email": "not-an-address"}, "email: That doesn't look like an e-mail address"),
        ({"email": ""}, "email: Please give your e-mail address"),
        ({"phone": "call the front desk"}, "phone: Please give a phone number"),
        ({"phone": "555-01"}, "phone: Please give a phone number"),
        (
            {"years_in_local_government": "120"},
            "years_in_local_government: Please give a whole number of years from 0 to 60",
        ),
        ({"years_in_local_government": "-3"}, "years_in_local_government: Please give a whole"),
        ({"years_in_local_government": "ten"}, "years_in_local_government: Please give a whole"),
        (
            {"meeting_forms": "carrier pigeon"},
            "meeting_forms: 'carrier pigeon' is not one of: in_person, phone, video, email",
        ),
        (
            {"frequency": "weekly"},
            "frequency: 'weekly' is not one of: monthly, every_other_month, quarterly, "
            "semi_annually",
        ),
        ({"frequency": "monthly; quarterly"}, "frequency: Please choose one frequency"),
        ({"kinds_of_coaching": ""}, "kinds_of_coaching: Please choose at least one kind"),
        ({"max_learners": "0"}, "max_learners: Please give a number of learners from 1 to 10"),
        ({"slack_id": "bob"}, "slack_id: 'bob' is not a Slack member ID"),
        ({"name": "  "}, "name: Please give your name"),
        ({"why_coach": ""}, "why_coach: Please give your reasons for coaching"),
    ],
)
def test_a_bad_row_is_named_by_line_and_column(change: dict[str, str], reason: str) -> None:
    rows = synthetic_rows(3)
    rows[1].update(change)

    parsed = read_rows(csv_text(rows))

    [(line, problem)] = problems(parsed)
    assert line == 3
    assert problem.startswith(reason)
    assert [row.line for row in parsed if isinstance(row, RosterRow)] == [2, 4]


def test_every_problem_of_a_row_is_named_in_column_order() -> None:
    rows = synthetic_rows(1)
    rows[0].update(frequency="weekly", email="nobody", expertise="Finance")

    [(line, reason)] = problems(read_rows(csv_text(rows)))

    assert line == 2
    assert [part.split(":")[0] for part in reason.split("; ") if ":" in part] == [
        "email",
        "expertise",
        "frequency",
    ]


def test_other_with_its_text_is_accepted() -> None:
    rows = synthetic_rows(1)
    rows[0].update(expertise="Finance; other; IT", expertise_other="Airports")

    [row] = read_rows(csv_text(rows))

    assert isinstance(row, RosterRow)
    assert row.application.expertise == ["Finance", "Other", "IT"]
    assert row.application.expertise_other == "Airports"


def test_values_and_labels_are_accepted_in_any_case() -> None:
    rows = synthetic_rows(1)
    rows[0].update(
        frequency="Twice a year",
        meeting_forms="In person; VIDEO CALL; e-mail; phone",
        kinds_of_coaching="Career advancement; POLITICAL; work situation",
        expertise="finance; strategic planning; work/life balance",
    )

    [row] = read_rows(csv_text(rows))

    assert isinstance(row, RosterRow)
    assert row.application.frequency == "semi_annually"
    assert row.application.meeting_forms == ["in_person", "video", "email", "phone"]
    assert row.application.coaching_kinds == ["career", "political", "situation"]
    assert row.application.expertise == ["Finance", "Strategic Planning", "Work/Life Balance"]


def test_a_duplicate_email_or_slack_id_names_the_first_line() -> None:
    rows = synthetic_rows(5)
    rows[3]["email"] = rows[0]["email"].upper()
    rows[1]["slack_id"] = "U0DUPE"
    rows[4]["slack_id"] = "u0dupe"

    parsed = read_rows(csv_text(rows))

    assert problems(parsed) == [
        (5, f"email: {rows[0]['email']} is already on line 2"),
        (6, "slack_id: U0DUPE is already on line 3"),
    ]


def test_unknown_and_missing_headers_are_reported_once_before_any_row() -> None:
    columns = [column for column in COLUMNS if column != "why_coach"] + ["Shoe Size"]
    text = csv_text(synthetic_rows(3), columns)

    with pytest.raises(RosterUnreadable) as raised:
        read_rows(text)

    message = str(raised.value)
    assert message.startswith("missing column(s): why_coach; unknown column(s): 'Shoe Size'.")
    assert "The columns are: slack_id, name, email," in message


def test_a_column_given_twice_stops_the_import() -> None:
    with pytest.raises(RosterUnreadable, match=r"column\(s\) given twice: email"):
        read_rows(csv_text([], [*COLUMNS, "E-mail"]))


def test_an_empty_file_stops_the_import_and_a_header_alone_imports_nothing() -> None:
    with pytest.raises(RosterUnreadable, match="the file is empty"):
        read_rows("")
    assert read_rows(csv_text([])) == []


def test_excel_bom_and_header_spellings_are_accepted(tmp_path: Path) -> None:
    spellings = {
        "years_in_local_government": "Years In Local Government",
        "kinds_of_coaching": "KINDS_OF_COACHING",
        "meeting_forms": "meetingForms",
        "max_learners": " max-learners ",
    }
    path = write_roster(
        tmp_path / "excel.csv",
        [{spellings.get(k, k): v for k, v in row.items()} for row in synthetic_rows(2)],
        columns=[spellings.get(column, column) for column in COLUMNS],
        bom=True,
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    parsed = read_rows(path.read_bytes().decode("utf-8"))

    assert problems(parsed) == []
    assert [row.line for row in parsed] == [2, 3]


def test_line_numbers_count_physical_lines_and_skip_blank_ones() -> None:
    rows = synthetic_rows(3)
    rows[0]["why_coach"] = "First paragraph.\n\nSecond paragraph."
    rows[2]["phone"] = "no phone"
    lines = csv_text(rows).splitlines(keepends=True)
    header, first, second, third = lines[0], "".join(lines[1:4]), lines[4], lines[5]

    parsed = read_rows(header + first + "\n" + second + ",,,\n" + third)

    assert [row.line for row in parsed] == [2, 6, 8]
    assert [line for line, _reason in problems(parsed)] == [8]


def test_a_row_with_the_wrong_number_of_cells_is_reported() -> None:
    text = csv_text(synthetic_rows(2))
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\r\n") + ",surplus\r\n"

    assert problems(read_rows("".join(lines))) == [
        (3, "has 22 cells but the header has 21 (a value with a comma in it needs double quotes)")
    ]


def test_the_example_roster_is_valid() -> None:
    parsed = read_rows(EXAMPLE.read_text(encoding="utf-8-sig"))

    assert problems(parsed) == []
    assert len(parsed) >= 10
    states = {row.application.contact.state for row in parsed if isinstance(row, RosterRow)}
    assert len(states) >= 8


# -- importing ----------------------------------------------------------------------------


def test_coaches_are_created_and_linked_to_slack_by_email(
    sessions: sessionmaker[Session],
) -> None:
    rows = synthetic_rows(4)
    rows[3]["slack_id"] = "U0GIVEN"
    lookup = Directory({rows[0]["email"]: "U0FOUND", rows[3]["email"]: "U0GIVEN"})

    result = import_text(sessions, csv_text(rows), lookup)

    assert (result.created, result.updated, result.unchanged, result.not_in_slack) == (4, 0, 0, 2)
    assert lookup.calls == [row["email"] for row in rows]
    stored = people(sessions)
    assert [stored[row["email"]].slack_user_id for row in rows] == [
        "U0FOUND",
        None,
        None,
        "U0GIVEN",
    ]
    with sessions() as session:
        links = session.execute(
            select(IdentityLink.slack_user_id, IdentityLink.email, IdentityLink.source)
        ).all()
    assert sorted(links) == [
        ("U0FOUND", rows[0]["email"], LinkSource.SLACK_EMAIL),
        ("U0GIVEN", rows[3]["email"], LinkSource.SLACK_EMAIL),
    ]


def test_a_slack_id_links_a_coach_only_when_slack_lists_the_rows_email_as_theirs(
    sessions: sessionmaker[Session],
) -> None:
    rows = synthetic_rows(3)
    rows[0]["slack_id"] = "U0CLAIMED"
    rows[1]["slack_id"] = "U0IMPOSTOR"
    rows[2]["slack_id"] = "U0RIGHT"
    lookup = Directory({rows[1]["email"]: "U0REAL", rows[2]["email"]: "U0RIGHT"})

    result = import_text(sessions, csv_text(rows), lookup)

    assert problems(result.problems) == [
        (
            3,
            f"slack_id: Slack lists {rows[1]['email']} as the address of Slack user U0REAL, "
            "not U0IMPOSTOR",
        )
    ]
    assert result.unconfirmed == [2]
    assert "line(s) 2: Slack did not confirm the slack_id" in str(result.unconfirmed_note())
    stored = people(sessions)
    assert rows[1]["email"] not in stored
    assert stored[rows[0]["email"]].slack_user_id is None
    assert stored[rows[2]["email"]].slack_user_id == "U0RIGHT"


def test_a_changed_row_updates_that_coach_only(sessions: sessionmaker[Session]) -> None:
    rows = synthetic_rows(5)
    import_text(sessions, csv_text(rows))
    before = stamps(sessions)
    rows[2]["title"] = "Chief Administrative Officer"
    rows[4]["expertise"] = "IT; Finance; Police"

    result = import_text(sessions, csv_text(rows))

    assert (result.created, result.updated, result.unchanged) == (0, 2, 3)
    after = stamps(sessions)
    changed = {email for email in before if before[email] != after[email]}
    assert rows[2]["email"] in changed <= {rows[2]["email"], rows[4]["email"]}
    with sessions() as session:
        coach = session.scalars(
            select(CoachProfile).join(Person).where(Person.email == rows[4]["email"])
        ).one()
        assert coach.areas == ["IT", "Finance", "Police"]


def test_a_coach_not_in_slack_yet_is_linked_by_a_later_import(
    sessions: sessionmaker[Session],
) -> None:
    rows = synthetic_rows(2)
    import_text(sessions, csv_text(rows))
    lookup = Directory({rows[1]["email"]: "U0JOINED"})

    result = import_text(sessions, csv_text(rows), lookup)

    assert (result.updated, result.unchanged, result.not_in_slack) == (1, 1, 1)
    assert people(sessions)[rows[1]["email"]].slack_user_id == "U0JOINED"
    again = Directory({rows[1]["email"]: "U0JOINED"})
    import_text(sessions, csv_text(rows), again)
    assert again.calls == [rows[0]["email"]]


def test_a_coach_who_registered_in_slack_is_matched_by_email_and_keeps_what_the_file_omits(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        save_coach(
            session,
            TEAM,
            "U0SELF",
            CoachApplication(
                contact=Contact(
                    name="Wren Abernathy",
                    email="Wren.Abernathy@example.gov",
                    phone="(319) 555-0199",
                    organization="City of Marrow Creek",
                    title="City Manager",
                ),
                years_in_local_government="20",
                why_coach="To give back.",
                expertise=["Finance", "IT", "Police"],
                frequency="monthly",
                meeting_forms=["video"],
                coaching_kinds=["career"],
                max_learners="4",
            ),
            slack_email="wren.abernathy@example.gov",
        )
    [row] = synthetic_rows(1)
    row.update(email="WREN.ABERNATHY@example.gov", max_learners="")
    columns = [column for column in COLUMNS if column != "phone"]
    lookup = Directory()

    result = import_text(sessions, csv_text([row], columns), lookup)

    assert (result.created, result.updated, result.not_in_slack) == (0, 1, 0)
    assert lookup.calls == []
    with sessions() as session:
        person = session.scalars(select(Person)).one()
        assert (person.slack_user_id, person.phone, person.name) == (
            "U0SELF",
            "(319) 555-0199",
            row["name"],
        )
        assert person.coach is not None
        assert person.coach.max_learners == 4

    again = import_text(sessions, csv_text([row], columns), lookup)
    assert (again.updated, again.unchanged) == (0, 1)


def test_a_learner_on_the_roster_becomes_a_coach_and_keeps_their_contact_details(
    sessions: sessionmaker[Session],
) -> None:
    [row] = synthetic_rows(1)
    with sessions.begin() as session:
        save_learner(
            session,
            TEAM,
            "U0LEARNS",
            LearnerApplication(
                contact=Contact(
                    name=row["name"],
                    email=row["email"],
                    phone="(319) 555-0142",
                    organization="Marrow Creek County",
                    title="Deputy Administrator",
                    city="Marrow Creek",
                ),
                why_coaching="Stepping up to the top job.",
                frequency="quarterly",
                coaching_kinds=["career"],
            ),
            slack_email=row["email"],
        )
    columns = [column for column in COLUMNS if column not in {"phone", "city"}]

    result = import_text(sessions, csv_text([row], columns))

    assert (result.created, result.updated, result.not_in_slack) == (1, 0, 0)
    with sessions() as session:
        person = session.scalars(select(Person)).one()
        assert person.coach is not None and person.learner is not None
        assert (person.slack_user_id, person.phone, person.city, person.organization) == (
            "U0LEARNS",
            "(319) 555-0142",
            "Marrow Creek",
            row["organization"],
        )


def test_a_row_with_a_slack_id_is_matched_by_it_even_with_a_new_email(
    sessions: sessionmaker[Session],
) -> None:
    rows = synthetic_rows(1)
    rows[0]["slack_id"] = "U0MOVED"
    import_text(sessions, csv_text(rows), Directory({rows[0]["email"]: "U0MOVED"}))
    old_email = rows[0]["email"]
    rows[0]["email"] = "new.address@example.gov"

    result = import_text(sessions, csv_text(rows))

    assert (result.created, result.updated) == (0, 1)
    assert list(people(sessions)) == ["new.address@example.gov"]
    assert old_email not in people(sessions)


def test_a_row_that_clashes_with_someone_else_is_refused_and_writes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    rows = synthetic_rows(4)
    rows[0]["slack_id"] = "U0FIRST"
    import_text(sessions, csv_text(rows[:2]), Directory({rows[0]["email"]: "U0FIRST"}))
    before = stamps(sessions)
    rows[2]["slack_id"] = "U0SOMEONE"
    rows[2]["email"] = rows[0]["email"]
    clashes = [
        rows[2],
        {**rows[3], "slack_id": "U0FIRST", "email": rows[1]["email"]},
        rows[3],
    ]
    lookup = Directory({rows[3]["email"]: "U0FIRST"})

    result = import_text(sessions, csv_text(clashes), lookup)

    assert [problem.line for problem in result.problems] == [2, 3, 4]
    first, second, third = (problem.reason for problem in result.problems)
    assert first.startswith(f"slack_id: {rows[2]['email']} is already linked to Slack user U0FIRST")
    assert second.startswith(f"email: {rows[1]['email']} belongs to another person")
    assert third.startswith("slack_id: Slack user U0FIRST (found by e-mail) is already in the")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert stamps(sessions) == before


def test_a_row_that_fails_halfway_leaves_no_half_written_coach(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = synthetic_rows(3)
    real_apply = roster.apply_coach

    def apply_then_collide(session: Session, person: Person, coach: CleanCoach) -> CoachProfile:
        profile = real_apply(session, person, coach)
        if person.email == rows[1]["email"]:
            session.flush()
            person.email = rows[0]["email"]
        return profile

    monkeypatch.setattr(roster, "apply_coach", apply_then_collide)

    result = import_text(sessions, csv_text(rows))

    assert result.created == 2
    assert [(p.line, p.reason.split(";")[0]) for p in result.problems] == [
        (3, "its e-mail or Slack ID was taken by someone else during the import")
    ]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 2
        assert session.scalar(select(func.count()).select_from(CoachProfile)) == 2
    assert set(people(sessions)) == {rows[0]["email"], rows[2]["email"]}


def test_a_300_coach_roster_imports_the_good_rows_and_a_second_import_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    rows = synthetic_rows(300, seed=7)
    broken = {
        10: {"expertise": "Finance; Police"},
        55: {"email": "nobody-at-all"},
        120: {"phone": "ask the clerk"},
        200: {"years_in_local_government": "75"},
        299: {"expertise": "IT; Finance; Other", "expertise_other": ""},
    }
    for index, change in broken.items():
        rows[index].update(change)
    in_slack = {row["email"]: f"U1{index:05d}" for index, row in enumerate(rows) if index % 3 == 0}
    text = csv_text(rows)

    first = import_text(sessions, text, Directory(in_slack))

    assert (first.created, first.updated, first.unchanged) == (295, 0, 0)
    assert [problem.line for problem in first.problems] == [index + 2 for index in broken]
    assert [problem.reason.split(":")[0] for problem in first.problems] == [
        "expertise",
        "email",
        "phone",
        "years_in_local_government",
        "expertise_other",
    ]
    linked = sum(1 for i in range(300) if i % 3 == 0 and i not in broken)
    assert first.not_in_slack == 295 - linked
    assert first.summary() == (
        f"300 rows: 295 new, 0 updated, 0 unchanged, 5 with problems; "
        f"{295 - linked} not in Slack yet"
    )
    before = stamps(sessions)
    assert len(before) == 295

    second = import_text(sessions, text, Directory(in_slack))

    assert (second.created, second.updated, second.unchanged) == (0, 0, 295)
    assert [problem.line for problem in second.problems] == [index + 2 for index in broken]
    assert stamps(sessions) == before


# -- the command --------------------------------------------------------------------------


def run_command(
    path: Path, database_url: str, fake: FakeSlack, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith("SLACK_") and name != "DATABASE_URL"
        },
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "import-coaches", str(path), *extra],
        env=env,
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_command_imports_a_roster_end_to_end(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    rows = synthetic_rows(300, seed=11)
    for index in range(0, 300, 4):
        fake_slack.add_user(
            f"U2{index:05d}", real_name=rows[index]["name"], email=rows[index]["email"].upper()
        )
    broken = {
        3: {"frequency": "weekly"},
        96: {"email": rows[95]["email"]},
        150: {"phone": "n/a"},
        250: {"expertise": "Finance"},
        251: {"years_in_local_government": "200"},
    }
    for index, change in broken.items():
        rows[index].update(change)
    path = write_roster(tmp_path / "roster.csv", rows, bom=True)
    linked = len([index for index in range(0, 300, 4) if index not in broken])

    first = run_command(path, database_url, fake_slack)

    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    for index in broken:
        assert f"\nline {index + 2}: " in first.stderr
    assert f"line 98: email: {rows[95]['email']} is already on line 97" in first.stderr
    assert "imported 100/300 rows" in first.stderr
    assert "imported 300/300 rows" in first.stderr
    assert first.stderr.rstrip().endswith(
        f"300 rows: 295 new, 0 updated, 0 unchanged, 5 with problems; "
        f"{295 - linked} not in Slack yet"
    )
    lookups = fake_slack.calls_to("users.lookupByEmail")
    assert len(lookups) == 295
    with sessions() as session:
        found = dict(
            session.execute(
                select(Person.email, Person.slack_user_id).where(Person.slack_user_id.is_not(None))
            ).all()
        )
        assert session.scalar(select(func.count()).select_from(CoachProfile)) == 295
    assert len(found) == linked
    assert found[rows[0]["email"]] == "U200000"
    before = stamps(sessions)

    second = run_command(path, database_url, fake_slack, "--team", fake_slack.team_id)

    assert second.returncode == 1, second.stderr
    assert second.stderr.rstrip().endswith(
        f"300 rows: 0 new, 0 updated, 295 unchanged, 5 with problems; "
        f"{295 - linked} not in Slack yet"
    )
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 295 + 295 - linked
    assert stamps(sessions) == before


def test_an_unreadable_file_is_one_line_and_exit_2(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_roster(settings, str(tmp_path / "missing.csv"), None) == 2
    assert capsys.readouterr().err == (
        f"sounding-board: cannot read {tmp_path / 'missing.csv'}: No such file or directory\n"
    )

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(csv_text([{**synthetic_rows(1)[0], "name": "Zoë Ávila"}]).encode("cp1252"))
    assert import_roster(settings, str(latin1), None) == 2
    [message] = capsys.readouterr().err.splitlines()
    assert "is not UTF-8 text" in message
    assert "CSV UTF-8" in message


def test_a_bad_header_imports_nothing_and_exits_2(
    tmp_path: Path,
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(csv_text(synthetic_rows(3), [*COLUMNS, "favourite colour"]))

    assert import_roster(settings, str(path), None) == 2

    [message] = capsys.readouterr().err.splitlines()
    assert message.startswith(
        f"sounding-board: cannot import {path}: unknown column(s): 'favourite colour'."
    )
    assert fake_slack.calls == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_clean_roster_exits_0_and_stays_quiet_for_a_small_file(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_slack.add_user("U0ROS", real_name="Rosalind Achterberg", email="r.achterberg@example.gov")

    assert import_roster(settings, str(EXAMPLE), None) == 0

    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"importing 12 rows from {EXAMPLE} into Slack team {fake_slack.team_id}",
        "12 rows: 12 new, 0 updated, 0 unchanged, 0 with problems; 11 not in Slack yet",
    ]
    assert people(sessions)["r.achterberg@example.gov"].slack_user_id == "U0ROS"


def test_slack_rate_limits_are_waited_out_and_other_failures_reported_once(
    tmp_path: Path,
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = synthetic_rows(4)
    fake_slack.add_user("U0FIRST", email=rows[0]["email"])
    fake_slack.add_user("U0LAST", email=rows[3]["email"])
    fake_slack.fail_next("users.lookupByEmail", "ratelimited", retry_after=1)
    path = write_roster(tmp_path / "roster.csv", rows)

    assert import_roster(settings, str(path), None) == 0
    assert people(sessions)[rows[0]["email"]].slack_user_id == "U0FIRST"
    capsys.readouterr()

    rows[1]["title"] = "Interim City Manager"
    write_roster(path, rows)
    fake_slack.fail_next("users.lookupByEmail", "missing_scope")

    assert import_roster(settings, str(path), fake_slack.team_id) == 0

    err = capsys.readouterr().err.splitlines()
    assert err[1] == (
        f"could not look {rows[1]['email']} up in Slack (missing_scope; the app needs the "
        "users:read.email scope; reinstall it from the manifest); no more coaches will be "
        "looked up in this run"
    )
    assert err[2:] == [
        "2 coaches could not be looked up in Slack; import the file again later to link them",
        "4 rows: 0 new, 1 updated, 3 unchanged, 0 with problems; 2 not in Slack yet",
    ]


def test_a_refused_token_stops_before_the_import(
    tmp_path: Path,
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_roster(tmp_path / "roster.csv", synthetic_rows(2))
    fake_slack.fail_next("auth.test", "invalid_auth")

    assert import_roster(settings, str(path), None) == 2

    assert capsys.readouterr().err == (
        "sounding-board: Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN\n"
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
