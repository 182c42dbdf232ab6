"""`python -m bot import-coaches FILE.csv`: load a coach roster into the program.

The whole file is read and checked before anything is written, so a file that can't be
used at all changes nothing. Rows are then written in batches of `BATCH`, one
transaction each, so a large roster neither holds one long transaction nor loses the
finished batches when something fails later; each row has its own savepoint, so a bad
row never leaves a half-written coach. Everything is reported on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_client
from bot.settings import Settings
from bot.wiring import open_database
from coaching.roster import ImportResult, RosterUnreadable, import_rows, read_rows
from storage.db import make_sessionmaker

BATCH = 100
EXIT_OK = 0
EXIT_SOME_ROWS_BAD = 1
EXIT_NOT_IMPORTED = 2

_HINTS = {
    "missing_scope": "the app needs the users:read.email scope; reinstall it from the manifest",
    "ratelimited": "Slack asked to slow down",
}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class SlackDirectory:
    """`lookup_slack_id` for the import: the Slack member ID that owns an e-mail address.

    "No such user" is an answer (None). Any other failure is reported once and treated as
    not found, so the coach is imported unlinked and a later import links them. After a
    failure that will only repeat (a missing scope, a refused token, Slack unreachable),
    Slack is not asked again during this run.
    """

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.failures = 0
        self._reported: set[str] = set()
        self._gave_up = False

    def __call__(self, email: str) -> str | None:
        if self._gave_up:
            self.failures += 1
            return None
        try:
            user = self.client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            code = str(error.response.get("error") or error.response.status_code)
            if code == "users_not_found":
                return None
            self._failed(code, email, give_up=code != "ratelimited")
            return None
        except (SlackClientError, OSError) as error:
            self._failed(f"cannot reach Slack: {error}", email, give_up=True)
            return None
        if user.get("deleted") or user.get("is_bot"):
            return None
        return str(user["id"])

    def _failed(self, code: str, email: str, *, give_up: bool) -> None:
        self.failures += 1
        self._gave_up = give_up
        if code in self._reported:
            return
        self._reported.add(code)
        hint = f"; {_HINTS[code]}" if code in _HINTS else ""
        then = "no more coaches will be looked up in this run" if give_up else "carrying on"
        _say(f"could not look {email} up in Slack ({code}{hint}); {then}")


def _read(path: str) -> str | None:
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        _say(f"sounding-board: cannot read {path}: {error.strerror or error}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _say(
            f"sounding-board: cannot read {path}: it is not UTF-8 text "
            '(in Excel, save it as "CSV UTF-8 (Comma delimited)")'
        )
        return None


def import_roster(settings: Settings, path: str, team_id: str | None) -> int:
    """Import the roster at `path` into `team_id` (default: the bot's own workspace).

    Exit code 0 when every row was imported, 1 when some rows were bad, 2 when nothing
    could be imported (the file is unreadable, Slack refused the token, the database
    failed).
    """
    text = _read(path)
    if text is None:
        return EXIT_NOT_IMPORTED
    try:
        rows = read_rows(text)
    except RosterUnreadable as error:
        _say(f"sounding-board: cannot import {path}: {error}")
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

    directory = SlackDirectory(client)
    result = ImportResult()
    engine = open_database(settings)
    sessions = make_sessionmaker(engine)
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            try:
                with sessions.begin() as session:
                    import_rows(session, team, batch, directory, result)
            except SQLAlchemyError as error:
                reason = str(getattr(error, "orig", None) or error).splitlines()[0]
                _say(
                    f"sounding-board: the database failed at the batch starting on line "
                    f"{batch[0].line} ({reason}); the rows before it are saved, and "
                    "importing the file again is safe"
                )
                return EXIT_NOT_IMPORTED
            if len(rows) > BATCH:
                _say(f"imported {start + len(batch)}/{len(rows)} rows")
    finally:
        engine.dispose()

    for problem in sorted(result.problems, key=lambda problem: problem.line):
        _say(f"line {problem.line}: {problem.reason}")
    if directory.failures:
        _say(
            f"{directory.failures} coaches could not be looked up in Slack; "
            "import the file again later to link them"
        )
    _say(result.summary())
    return EXIT_SOME_ROWS_BAD if result.problems else EXIT_OK
