"""Roster import: good rows in, every bad row named by line, re-import changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coaching.roster import RosterRow, RosterUnreadable, import_rows, read_rows
from storage.models import CoachProfile, Person

from fakeslack import FakeSlack
from support.roster_data import HEADER, synthetic_rows, write_roster
from support.workspace import BOT_TOKEN, TEAM

ROOT = Path(__file__).parent.parent


def csv_text(rows: list[dict[str, str]], tmp_path: Path) -> str:
    return write_roster(tmp_path / "roster.csv", rows).read_text()


def parse(rows: list[dict[str, str]], tmp_path: Path) -> list:
    return list(read_rows(csv_text(rows, tmp_path)))


def no_slack(_email: str) -> None:
    return None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"expertise": "Finance; Police"}, "expertise: Please choose exactly three areas"),
        ({"expertise": "Finance; Police; Other"}, "expertise_other: Please give your other area"),
        ({"email": "not-an-address"}, "email: That doesn't look like an e-mail"),
        ({"phone": "call the front desk"}, "phone: Please give a phone number"),
        ({"years_in_local_government": "120"}, "years_in_local_government: Please give a whole"),
        ({"meeting_forms": "carrier pigeon"}, "meeting_forms: 'carrier pigeon' is not one"),
        ({"kinds_of_coaching": ""}, "kinds_of_coaching: Please choose at least one"),
    ],
)
def test_a_bad_row_is_named_with_its_reason(
    sessions: sessionmaker[Session], tmp_path: Path, change: dict[str, str], reason: str
) -> None:
    rows = synthetic_rows(3)
    rows[1].update(change)
    parsed = parse(rows, tmp_path)
    with sessions.begin() as session:
        result = import_rows(
            session, TEAM, [r for r in parsed if isinstance(r, RosterRow)], no_slack
        )
    assert result.created == 2
    [problem] = result.problems
    assert problem.line == 3
    assert problem.reason.startswith(reason)


def test_labels_and_values_are_both_accepted(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = synthetic_rows(1)
    rows[0].update(
        frequency="Every Other Month",
        meeting_forms="In person; video call; EMAIL",
        kinds_of_coaching="Career; political",
        expertise="finance; strategic planning; work/life balance",
    )
    with sessions.begin() as session:
        import_rows(session, TEAM, parse(rows, tmp_path), no_slack)
    with sessions.begin() as session:
        coach = session.scalars(select(CoachProfile)).one()
        assert coach.frequency == "every_other_month"
        assert coach.meeting_forms == ["in_person", "video", "email"]
        assert coach.coaching_kinds == ["career", "political"]
        assert coach.areas == ["Finance", "Strategic Planning", "Work/Life Balance"]


def test_a_duplicate_email_in_the_file_names_the_first_line(tmp_path: Path) -> None:
    rows = synthetic_rows(3)
    rows[2]["email"] = rows[0]["email"].upper()
    problems = [r for r in parse(rows, tmp_path) if not isinstance(r, RosterRow)]
    assert [(p.line, p.reason) for p in problems] == [
        (4, f"e-mail {rows[0]['email']} is already on line 2")
    ]


def test_unknown_or_missing_headers_stop_the_import(tmp_path: Path) -> None:
    with pytest.raises(RosterUnreadable, match="missing column\\(s\\): why_coach"):
        list(
            read_rows(
                "name,email,organization,title,years_in_local_government,expertise,"
                "kinds_of_coaching,meeting_forms,frequency\n"
            )
        )
    header = ",".join([*HEADER, "shoe_size"])
    with pytest.raises(RosterUnreadable, match="unknown column\\(s\\): shoe_size"):
        list(read_rows(header + "\n"))


def test_excel_bom_and_header_spelling_are_tolerated(tmp_path: Path) -> None:
    text = csv_text(synthetic_rows(1), tmp_path)
    header, rest = text.split("\n", 1)
    header = header.replace("years_in_local_government", "Years In Local Government")
    [row] = list(read_rows("\ufeff" + header + "\n" + rest))
    assert isinstance(row, RosterRow)
    assert row.application.years_in_local_government


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def run_import(path: Path, database_url: str, fake: FakeSlack) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "unused",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "import-coaches", str(path)],
        env=env,
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_300_coach_roster_imports_the_good_rows_and_reimports_nothing(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    rows = synthetic_rows(300, seed=3)
    for row in rows[:40]:
        fake_slack.add_user(
            f"U9{len(row['email']):02d}{rows.index(row):04d}",
            email=row["email"],
            real_name=row["name"],
        )
    broken = {
        10: {"expertise": "Finance"},
        55: {"email": "nobody"},
        120: {"phone": "n/a"},
        200: {"years_in_local_government": "-3"},
        299: {"frequency": "weekly"},
    }
    for index, change in broken.items():
        rows[index].update(change)
    path = write_roster(tmp_path / "roster.csv", rows)

    first = run_import(path, database_url, fake_slack)

    assert first.returncode == 1, first.stderr
    for index in broken:
        assert f"line {index + 2}:" in first.stderr
    assert (
        "300 rows: 295 new, 0 updated, 0 unchanged, 5 with problems; 256 not in Slack yet"
        in first.stderr
    )
    assert "imported 300/300 rows" in first.stderr
    assert count(sessions, CoachProfile) == 295
    with sessions() as session:
        linked = session.scalar(select(func.count()).where(Person.slack_user_id.is_not(None)))
        stamps = sorted(session.scalars(select(CoachProfile.updated_at)).all())
    assert linked == 39
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 295

    second = run_import(path, database_url, fake_slack)

    assert "300 rows: 0 new, 0 updated, 295 unchanged, 5 with problems" in second.stderr
    assert count(sessions, CoachProfile) == 295
    with sessions() as session:
        assert sorted(session.scalars(select(CoachProfile.updated_at)).all()) == stamps


def test_an_unreadable_file_is_one_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    result = run_import(tmp_path / "missing.csv", f"sqlite:///{tmp_path}/x.db", fake_slack)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("sounding-board: cannot read")
    assert "Traceback" not in result.stderr
