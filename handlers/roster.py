"""Roster by DM: a coordinator sends the roster CSV to the bot in a DM, and the report of
good and bad rows comes back there.

The message event is acknowledged at once (Bolt acknowledges events before the listener
runs); the file is fetched and imported after, by the same rule as `python -m bot
import-coaches` (`coaching.roster.read_roster`, `coaching.roster.import_in_batches`). A
file that can't be used at all changes nothing and is answered with the reason. The
report is written to the outbox in the import's last transaction, so a finished import is
reported exactly once. A large file gets a progress message, updated after each batch.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from coaching import effects, roster
from coaching.effects import Kind
from coaching.roster import ImportInterrupted, ImportResult, RosterReport, RosterUnreadable
from handlers import files
from handlers.delivery import Composer, deliver
from handlers.files import FileUnavailable
from handlers.members import SlackDirectory
from handlers.runtime import runtime_of
from handlers.views import roster as views
from scheduling.outbox import Outcome, Post, Upload
from storage.models import Nudge, Person

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("message")(direct_message)


def direct_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Every message in the bot's DMs comes here (the app subscribes to message.im); only a
    person sharing a file is answered."""
    user = event.get("user")
    channel = event.get("channel")
    if (
        event.get("subtype") != "file_share"
        or event.get("channel_type") != "im"
        or event.get("bot_id")
        or user == context.bot_user_id
        or not isinstance(user, str)
        or not isinstance(channel, str)
    ):
        return
    runtime = runtime_of(context)
    if not runtime.is_admin(context.team_id or "", user):
        _say(client, channel, views.NOT_A_COORDINATOR)
        return
    shared = event.get("files")
    if not isinstance(shared, list) or len(shared) != 1 or not isinstance(shared[0], dict):
        _say(client, channel, views.ONE_FILE)
        return
    key = f"{channel} {event.get('ts') or event.get('event_ts') or ''}"
    import_shared_file(client, context, user, channel, str(shared[0].get("id") or ""), key)


def import_shared_file(
    client: WebClient, context: BoltContext, user: str, channel: str, file_id: str, key: str
) -> None:
    """Fetch the file, check it whole, import it, and tell `user` in `channel`."""
    runtime, team_id = runtime_of(context), context.team_id or ""
    name = "the file"
    try:
        found = files.shared_file(client, file_id)
        name = found.name or name
        if found.external:
            raise FileUnavailable(
                "it is stored outside Slack; upload the CSV file itself from your computer"
            )
        roster.check_file(found.name, found.size)
        rows = roster.read_roster(files.download(client, found.url, roster.MAX_BYTES))
    except (FileUnavailable, RosterUnreadable) as problem:
        _say(client, channel, views.not_imported(name, str(problem)))
        return

    progress_ts = None
    if len(rows) > roster.BATCH:
        progress_ts = _say(client, channel, views.progress(name, 0, len(rows)))

    def progress(done: int) -> None:
        if progress_ts is not None:
            _update(client, channel, progress_ts, views.progress(name, done, len(rows)))

    directory = SlackDirectory(client)
    written: list[int] = []

    def finish(session: Session, result: ImportResult) -> None:
        report = RosterReport(name, result, directory.failures, tuple(directory.reasons))
        owed = roster.report_effects(user, key, report)
        written.extend(effects.record(session, team_id, owed, runtime.clock()))

    try:
        roster.import_in_batches(
            runtime.sessions, team_id, rows, directory, progress=progress, finish=finish
        )
    except ImportInterrupted as stopped:
        logger.error("A roster import stopped: %s", stopped.reason)
        _say(client, channel, views.interrupted(name, str(stopped)))
        return
    for reason in directory.reasons:
        logger.warning("A roster import could not look coaches up in Slack: %s", reason)
    deliver(client, context, written)


def _say(client: WebClient, channel: str, text: str) -> str | None:
    """Post `text` in the DM; the message's ts, or None when Slack refused it."""
    try:
        return str(client.chat_postMessage(channel=channel, text=text)["ts"])
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("Could not answer a roster file: %s", type(error).__name__)
        return None


def _update(client: WebClient, channel: str, ts: str, text: str) -> None:
    """Progress is a courtesy: a failed update never stops the import."""
    try:
        client.chat_update(channel=channel, ts=ts, text=text)
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("Could not update a roster import's progress: %s", type(error).__name__)


# -- the message this flow owes, composed when it is sent -------------------------------


def _compose_report(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    report = roster.report_of(nudge.payload or {})
    coordinator = str((nudge.payload or {}).get("coordinator") or nudge.channel_key or "")
    if len(report.result.problems) > views.SHOWN_PROBLEMS:
        attached = {views.problems_file_name(report.file_name): views.problems_csv(report)}
        return Upload(coordinator, views.report_comment(report), attached)
    text, blocks = views.report(report)
    return Post(coordinator, text, blocks)


COMPOSERS: dict[Kind, Composer] = {Kind.ROSTER_REPORT: _compose_report}
