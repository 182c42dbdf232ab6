"""Roster by DM: a coordinator sends the roster CSV to the bot in a DM (as Slack sends it:
a `message` event with subtype file_share), and the report of good and bad rows comes
back there. Everyone else is refused; a file that can't be used changes nothing.

Files are uploaded through the fake Slack, which hosts them at their url_private and
gives them only to the bot's token. Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from roster_data import csv_text, synthetic_rows
from slack_sdk import WebClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bot.settings import Settings
from coaching.roster import BATCH, COLUMNS, MAX_BYTES
from handlers import ids
from handlers.files import FileUnavailable, download
from handlers.views.roster import SHOWN_PROBLEMS
from storage.models import CoachProfile, IdentityLink, Person

from fakeslack import FakeSlack
from fakeslack import requests as slack
from fakeslack.requests import Sender, TrackingExecutor
from support.harness import BotHarness, running_bot
from support.workspace import BOT_TOKEN, COORDINATOR, LEARNER, SIGNING_SECRET, STRANGER, TEAM


def roster(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    return csv_text(rows, columns).encode()


def bot_messages(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    """What the bot said in `user`'s DM, oldest first."""
    return [message for message in bot.dm(user) if message.get("bot_id")]


def said(message: dict[str, Any]) -> str:
    """Everything a person reads in a message: its text and every block's text."""
    parts = [message.get("text", "")]
    for block in message.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [element.get("text", "") for element in block.get("elements", [])]
    return "\n".join(parts)


def the_answer(bot: BotHarness, user: str) -> str:
    """The one message the bot sent `user` about their file."""
    [answer] = bot_messages(bot, user)
    return said(answer)


def coaches(bot: BotHarness) -> dict[str, str | None]:
    """Every person in the program: e-mail to their linked Slack ID."""
    with bot.sessions() as session:
        return dict(session.execute(select(Person.email, Person.slack_user_id)).all())


def program(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the program, leaving out the outbox (the messages the bot owes)."""
    return {table: rows for table, rows in bot.rows().items() if table != "nudges"}


def broken_roster() -> tuple[list[dict[str, str]], dict[int, dict[str, str]]]:
    rows = synthetic_rows(8, seed=3)
    broken = {
        2: {"expertise": "Finance; Police"},
        5: {"years_in_local_government": "ninety"},
    }
    for index, change in broken.items():
        rows[index].update(change)
    return rows, broken


# -- the import, end to end ---------------------------------------------------------------


def test_a_coordinators_roster_is_imported_and_the_report_comes_back_in_the_dm(
    bot: BotHarness,
) -> None:
    rows, broken = broken_roster()
    bot.fake.add_user("U0ROW0", real_name=rows[0]["name"], email=rows[0]["email"].upper())
    bot.fake.add_user("U0ROW7", real_name=rows[7]["name"], email=rows[7]["email"])

    response = bot.share_in_dm(COORDINATOR, "coaches.csv", roster(rows), text="Our coaches")

    assert response.status == 200
    report = the_answer(bot, COORDINATOR)
    assert "Roster *coaches.csv* imported. 8 rows: 6 new, 0 updated, 0 unchanged, 2 with" in (
        report
    )
    assert "4 coaches not in Slack yet" in report
    assert "• Line 4: expertise: Please choose exactly three areas (you chose 2)" in report
    assert "• Line 7: years_in_local_government: Please give a whole number" in report
    stored = coaches(bot)
    assert set(stored) == {row["email"] for i, row in enumerate(rows) if i not in broken}
    assert (stored[rows[0]["email"]], stored[rows[7]["email"]]) == ("U0ROW0", "U0ROW7")
    info = bot.fake.last("files.info")
    download_call = bot.fake.last("url_private")
    assert info.ok and download_call.ok and download_call.team_id == TEAM
    assert len(bot.fake.calls_to("users.lookupByEmail")) == 6


def test_sending_the_same_file_again_changes_nothing_and_says_so(bot: BotHarness) -> None:
    rows, _ = broken_roster()
    bot.share_in_dm(COORDINATOR, "coaches.csv", roster(rows))
    before = bot.rows()["people"]

    bot.share_in_dm(COORDINATOR, "coaches.csv", roster(rows))

    first, second = bot_messages(bot, COORDINATOR)
    assert "8 rows: 6 new, 0 updated, 0 unchanged, 2 with problems" in said(first)
    assert "8 rows: 0 new, 0 updated, 6 unchanged, 2 with problems" in said(second)
    assert bot.rows()["people"] == before


def test_a_repeated_delivery_of_one_share_reports_once(bot: BotHarness) -> None:
    rows, _ = broken_roster()
    event = bot.fake.share_file(COORDINATOR, "coaches.csv", roster(rows))

    bot.event(event)
    bot.event(event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})

    assert len(bot_messages(bot, COORDINATOR)) == 1
    assert len(coaches(bot)) == 6


def test_the_report_shows_peoples_text_as_text(bot: BotHarness) -> None:
    rows = synthetic_rows(2)
    rows[1]["expertise"] = "Finance; Police; <!channel> <@U0ADMIN>"

    bot.share_in_dm(COORDINATOR, "<!here> roster & co.csv", roster(rows))

    report = the_answer(bot, COORDINATOR)
    assert "'&lt;!channel&gt; &lt;@U0ADMIN&gt;' is not one of" in report
    assert "*&lt;!here&gt; roster &amp; co.csv*" in report
    assert "<!" not in report and "<@" not in report


def test_a_report_with_many_bad_rows_comes_with_a_file_of_all_of_them(bot: BotHarness) -> None:
    rows = synthetic_rows(60, seed=5)
    bad = list(range(0, 2 * (SHOWN_PROBLEMS + 3), 2))
    for index in bad:
        rows[index]["frequency"] = "weekly"

    bot.share_in_dm(COORDINATOR, "big roster.csv", roster(rows))

    [upload] = [file for file in bot.fake.files if file["name"] == "big roster-problems.csv"]
    listed = list(csv.DictReader(io.StringIO(upload["content"].decode())))
    assert [int(row["line"]) for row in listed] == [index + 2 for index in bad]
    assert all(row["problem"].startswith("frequency: 'weekly' is not one of") for row in listed)
    [message] = bot_messages(bot, COORDINATOR)
    good = 60 - len(bad)
    assert (
        f"60 rows: {good} new, 0 updated, 0 unchanged, {len(bad)} with problems"
        in (message["text"])
    )
    assert f"The {len(bad)} rows not imported are all in the attached file" in message["text"]
    assert upload["channel"] == bot.fake.dm_channel(COORDINATOR)


# -- who may, and what is refused -----------------------------------------------------------


@pytest.mark.parametrize("sender", [LEARNER, STRANGER])
def test_anyone_but_a_coordinator_is_refused_politely_and_the_file_is_not_read(
    bot: BotHarness, sender: str
) -> None:
    before = bot.rows()
    bot.fake.reset_calls()

    bot.share_in_dm(sender, "coaches.csv", roster(synthetic_rows(3)))

    assert "Only the program's coordinators can import a roster" in the_answer(bot, sender)
    assert [call.method for call in bot.fake.calls] == ["chat.postMessage"]
    assert bot.rows() == before


def unusable_files() -> Iterator[Any]:
    rows = synthetic_rows(3)
    yield pytest.param(
        "coaches.xlsx", b"PK\x03\x04 not really", 'use Save As and choose "CSV UTF-8', False,
        id="a spreadsheet",
    )  # fmt: skip
    yield pytest.param("coaches.pdf", b"%PDF-1.7", "it is not a CSV file", False, id="not a CSV")
    yield pytest.param(
        "coaches.csv", b"x" * (MAX_BYTES + 1), "a roster can be at most 2 MB", False,
        id="too large",
    )  # fmt: skip
    yield pytest.param("coaches.csv", b"", "the file is empty", False, id="empty")
    yield pytest.param(
        "coaches.csv", roster(rows, (*COLUMNS, "favourite colour")),
        "unknown column(s): 'favourite colour'", True, id="an unknown column",
    )  # fmt: skip
    yield pytest.param(
        "coaches.csv", roster(rows, tuple(c for c in COLUMNS if c != "email")),
        "missing column(s): email", True, id="a missing column",
    )  # fmt: skip
    yield pytest.param(
        "coaches.csv", roster([]), "it has the header row but no coaches under it", True,
        id="no rows",
    )  # fmt: skip
    yield pytest.param(
        "coaches.csv", csv_text(rows).replace("Ad", "Äd").encode("cp1252"),
        "it is not UTF-8 text", True, id="not UTF-8",
    )  # fmt: skip


@pytest.mark.parametrize(("name", "content", "reason", "downloaded"), list(unusable_files()))
def test_a_file_that_cannot_be_a_roster_is_answered_and_changes_nothing(
    bot: BotHarness, name: str, content: bytes, reason: str, downloaded: bool
) -> None:
    before = program(bot)

    bot.share_in_dm(COORDINATOR, name, content)

    answer = the_answer(bot, COORDINATOR)
    assert answer.startswith(f"I could not import *{name}*: ")
    assert reason in answer
    assert answer.endswith("Nothing was changed.")
    assert bool(bot.fake.calls_to("url_private")) is downloaded
    assert bot.fake.calls_to("users.lookupByEmail") == []
    assert program(bot) == before


def test_several_files_in_one_message_are_not_imported(bot: BotHarness) -> None:
    first = bot.fake.share_file(COORDINATOR, "a.csv", roster(synthetic_rows(2)))
    second = bot.fake.share_file(COORDINATOR, "b.csv", roster(synthetic_rows(2, seed=1)))
    before = program(bot)

    bot.event({**first, "files": first["files"] + second["files"]})

    assert "one CSV file per message" in the_answer(bot, COORDINATOR)
    assert program(bot) == before


def test_without_the_files_read_scope_the_coordinator_is_told_to_reinstall(
    bot: BotHarness,
) -> None:
    bot.fake.fail_next("files.info", "missing_scope")

    bot.share_in_dm(COORDINATOR, "coaches.csv", roster(synthetic_rows(2)))

    assert "the app needs the files:read scope; reinstall it" in the_answer(bot, COORDINATOR)
    assert coaches(bot) == {}


def test_an_answer_slack_refuses_is_on_the_coordinators_home_and_retry_sends_it(
    bot: BotHarness,
) -> None:
    bot.fake.fail_next("chat.postMessage", "restricted_action")

    bot.share_in_dm(COORDINATOR, "coaches.pdf", b"%PDF-1.7")

    assert bot_messages(bot, COORDINATOR) == []
    home = bot.open_home(COORDINATOR)
    told = str(home["blocks"])
    assert f"*The answer to a roster file* for <@{COORDINATOR}>" in told
    assert "the app lacks a permission Slack asks for" in told
    assert "program channel" not in told

    bot.click_on_home(COORDINATOR, ids.ADMIN_RETRY)

    [notice] = [call.args["view"] for call in bot.fake.calls_to("views.open")]
    assert "Trying it again now" in str(notice)
    assert the_answer(bot, COORDINATOR).startswith("I could not import *coaches.pdf*: ")
    assert "could not be delivered" not in str(bot.open_home(COORDINATOR)["blocks"])


def test_other_messages_in_the_dm_are_left_alone(bot: BotHarness) -> None:
    message = {
        "type": "message",
        "channel": bot.fake.dm_channel(COORDINATOR),
        "channel_type": "im",
        "user": COORDINATOR,
        "text": "hello",
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
    }

    bot.fake.reset_calls()

    response = bot.event(message)

    assert response.status == 200
    assert bot.fake.calls == []


# -- identity -----------------------------------------------------------------------------


def test_a_slack_id_in_the_file_links_no_one_slack_does_not_vouch_for(bot: BotHarness) -> None:
    rows = synthetic_rows(3, seed=9)
    rows[0]["slack_id"] = STRANGER
    rows[1]["slack_id"] = LEARNER
    bot.fake.add_user("U0OWNER", real_name="Owner", email=rows[1]["email"])
    bot.fake.add_user("U0THIRD", real_name=rows[2]["name"], email=rows[2]["email"])
    rows[2]["slack_id"] = "U0THIRD"

    bot.share_in_dm(COORDINATOR, "coaches.csv", roster(rows))

    report = the_answer(bot, COORDINATOR)
    assert (
        f"• Line 3: slack_id: Slack lists {rows[1]['email']} as the address of Slack user "
        f"U0OWNER, not {LEARNER}" in report
    )
    assert "Line(s) 2: Slack did not confirm the slack_id" in report
    stored = coaches(bot)
    assert stored == {rows[0]["email"]: None, rows[2]["email"]: "U0THIRD"}
    with bot.sessions() as session:
        links = session.execute(select(IdentityLink.slack_user_id, IdentityLink.email)).all()
    assert links == [("U0THIRD", rows[2]["email"])]


# -- acknowledging first, and a large file ----------------------------------------------------


class HeldExecutor(TrackingExecutor):
    """Runs listeners only once `release` is set, so a test can see the ack come first."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        def when_released() -> Any:
            if not self.release.wait(timeout=30):
                raise TimeoutError("the test never released the listener")
            return fn(*args, **kwargs)

        return super().submit(when_released)


def test_the_event_is_acknowledged_before_the_file_is_fetched(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    executor = HeldExecutor()
    with running_bot(settings, fake_slack, executor) as bot:
        fake_slack.reset_calls()
        event = fake_slack.share_file(COORDINATOR, "coaches.csv", roster(synthetic_rows(3)))
        body = slack.event(team=TEAM, event=event)
        unwaiting = Sender(bot.sender.url, SIGNING_SECRET)

        response = unwaiting.post(json.dumps(body), content_type="application/json")

        assert response.status == 200
        assert fake_slack.calls == []
        executor.release.set()
        executor.drain()
        assert "3 rows: 3 new" in the_answer(bot, COORDINATOR)


def test_a_large_file_shows_its_progress_then_the_report(bot: BotHarness) -> None:
    rows = synthetic_rows(2 * BATCH + 50, seed=13)

    bot.share_in_dm(COORDINATOR, "state roster.csv", roster(rows))

    progress, report = bot_messages(bot, COORDINATOR)
    assert said(progress) == "Imported all 250 rows of *state roster.csv*; the report follows."
    updates = [call.args["text"] for call in bot.fake.calls_to("chat.update")]
    assert updates == [
        "Importing *state roster.csv*: 100 of 250 rows done. A large file takes a while; the "
        "report will arrive here.",
        "Importing *state roster.csv*: 200 of 250 rows done. A large file takes a while; the "
        "report will arrive here.",
        "Imported all 250 rows of *state roster.csv*; the report follows.",
    ]
    assert "250 rows: 250 new, 0 updated, 0 unchanged, 0 with problems" in said(report)
    assert "Every row was imported." in said(report)
    with bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CoachProfile)) == 250


def test_a_database_failure_part_way_keeps_the_batches_before_and_says_where_it_stopped(
    bot: BotHarness,
) -> None:
    rows = synthetic_rows(2 * BATCH + 10, seed=17)

    def fail_the_second_batch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """Once the first batch's progress is shown, writing coaches fails."""
        writing = statement.lstrip().upper().startswith("INSERT INTO PEOPLE")
        if writing and bot.fake.calls_to("chat.update"):
            raise OperationalError(statement, None, Exception("disk I/O error"))

    engine = bot.bot.engine
    event.listen(engine, "before_cursor_execute", fail_the_second_batch)
    try:
        bot.share_in_dm(COORDINATOR, "state roster.csv", roster(rows))
    finally:
        event.remove(engine, "before_cursor_execute", fail_the_second_batch)

    progress, answer = bot_messages(bot, COORDINATOR)
    assert said(progress).startswith(f"Importing *state roster.csv*: {BATCH} of 210 rows done.")
    assert said(answer).startswith(
        f"The import of *state roster.csv* stopped: the database failed at the batch starting "
        f"on line {BATCH + 2} (disk I/O error); the rows before it are saved"
    )
    assert len(coaches(bot)) == BATCH


# -- the download goes only to Slack, with the bot's token --------------------------------------


def test_a_file_is_downloaded_only_from_slack(fake_slack: FakeSlack) -> None:
    shared = fake_slack.share_file(COORDINATOR, "coaches.csv", b"name\n")["files"][0]
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    elsewhere = shared["url_private"].replace("127.0.0.1", "localhost")

    assert download(client, shared["url_private"], 100) == b"name\n"
    with pytest.raises(FileUnavailable, match="not hosted by Slack"):
        download(client, elsewhere, 100)
    with pytest.raises(FileUnavailable, match="would not let the bot download it"):
        download(WebClient(token="xoxb-wrong", base_url=fake_slack.url), shared["url_private"], 9)
    assert [call.ok for call in fake_slack.calls_to("url_private")] == [True, False]
