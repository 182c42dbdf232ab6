"""`python -m bot import-coaches FILE.csv`: load a coach roster into the program.

The whole file is read and checked before anything is written, so a file that can't be
used at all changes nothing. Rows are then written in batches
(`coaching.roster.import_in_batches`, as when a coordinator sends the file to the bot
in a DM); each row has its own savepoint, so a bad row never leaves a half-written
coach. Everything is reported on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import build_client
from bot.settings import Settings
from bot.wiring import open_database
from coaching.roster import (
    BATCH,
    ImportInterrupted,
    RosterRow,
    RosterUnreadable,
    RowProblem,
    import_in_batches,
    read_roster,
)
from handlers.members import SlackDirectory
from storage.db import make_sessionmaker

EXIT_OK = 0
EXIT_SOME_ROWS_BAD = 1
EXIT_NOT_IMPORTED = 2


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _read(path: str) -> list[RosterRow | RowProblem] | None:
    """The file's rows (`coaching.roster.read_roster`), or None once the reason is told."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        _say(f"sounding-board: cannot read {path}: {error.strerror or error}")
        return None
    try:
        return read_roster(raw)
    except RosterUnreadable as error:
        _say(f"sounding-board: cannot import {path}: {error}")
        return None


def import_roster(settings: Settings, path: str, team_id: str | None) -> int:
    """Import the roster at `path` into `team_id` (default: the bot's own workspace).

    Exit code 0 when every row was imported, 1 when some rows were bad, 2 when nothing
    could be imported (the file is unreadable, Slack refused the token, the database
    failed).
    """
    rows = _read(path)
    if rows is None:
        return EXIT_NOT_IMPORTED

    client = build_client(settings.slack_bot_token, settings.slack_api_url)
    try:
        auth = client.auth_test()
    except SlackApiError as error:
        _say(
            f"sounding-board: Slack refused the bot token ({error.response.get('error')}): "
            "check SLACK_BOT_TOKEN"
        )
        return EXIT_NOT_IMPORTED
    except (SlackClientError, OSError) as error:
        _say(f"sounding-board: cannot reach Slack ({error}): check SLACK_API_URL")
        return EXIT_NOT_IMPORTED
    team = team_id or str(auth["team_id"])
    _say(f"importing {len(rows)} rows from {path} into Slack team {team}")

    directory = SlackDirectory(client, _say)
    engine = open_database(settings)

    def progress(done: int) -> None:
        if len(rows) > BATCH:
            _say(f"imported {done}/{len(rows)} rows")

    try:
        result = import_in_batches(
            make_sessionmaker(engine), team, rows, directory, progress=progress
        )
    except ImportInterrupted as interrupted:
        _say(f"sounding-board: {interrupted}")
        return EXIT_NOT_IMPORTED
    finally:
        engine.dispose()

    for problem in sorted(result.problems, key=lambda problem: problem.line):
        _say(f"line {problem.line}: {problem.reason}")
    if (note := result.unconfirmed_note()) is not None:
        _say(note)
    if directory.failures:
        _say(
            f"{directory.failures} coaches could not be looked up in Slack; "
            "import the file again later to link them"
        )
    _say(result.summary())
    return EXIT_SOME_ROWS_BAD if result.problems else EXIT_OK
