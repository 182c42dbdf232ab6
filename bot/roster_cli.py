"""`python -m bot import-coaches FILE.csv`: load a coach roster, row by row."""

from __future__ import annotations

import sys
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.app import build_client
from bot.settings import Settings
from bot.wiring import open_database
from coaching.roster import ImportResult, RosterRow, RosterUnreadable, import_rows, read_rows
from storage.db import make_sessionmaker

BATCH = 100


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def import_roster(settings: Settings, path: str, team_id: str | None) -> int:
    """Exit code 0 when every row was imported, 1 when some rows were bad, 2 when the file
    could not be read at all."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        _say(f"sounding-board: cannot read {path}: {error}")
        return 2
    client = build_client(settings.slack_bot_token, settings.slack_api_url)
    if team_id is None:
        try:
            team_id = client.auth_test()["team_id"]
        except SlackApiError as error:
            _say(
                f"sounding-board: Slack refused the bot token ({error.response.get('error')}): "
                "check SLACK_BOT_TOKEN, or pass --team"
            )
            return 2

    def lookup(email: str) -> str | None:
        try:
            return client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                _say(f"  could not look up {email} in Slack: {error.response.get('error')}")
            return None

    try:
        parsed = list(read_rows(text))
    except RosterUnreadable as error:
        _say(f"sounding-board: {path} can't be imported: {error}")
        return 2
    result = ImportResult()
    rows = [row for row in parsed if isinstance(row, RosterRow)]
    result.problems += [row for row in parsed if not isinstance(row, RosterRow)]
    sessions = make_sessionmaker(open_database(settings))
    for start in range(0, len(rows), BATCH):
        with sessions.begin() as session:
            import_rows(session, team_id, rows[start : start + BATCH], lookup, result)
        if len(rows) > BATCH:
            _say(f"imported {min(start + BATCH, len(rows))}/{len(rows)} rows")
    for problem in sorted(result.problems, key=lambda problem: problem.line):
        _say(f"line {problem.line}: {problem.reason}")
    _say(result.summary())
    return 1 if result.problems else 0
