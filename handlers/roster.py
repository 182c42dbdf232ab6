"""Roster by DM: a coordinator sends the roster CSV to the bot in a DM, and the report of
good and bad rows comes back there.

The message event is acknowledged at once (Bolt acknowledges events before the listener
runs); the file is fetched and imported after, by the same rule as `python -m bot
import-coaches` (`coaching.roster.read_roster`, `coaching.roster.import_in_batches`). A
file that can't be used at all changes nothing and is answered with the reason. The
report is written to the outbox in the import's last transaction, so a finished import is
reported exactly once; the answer to a file not imported goes through the outbox too.
A large file gets a progress message, updated after each batch (a courtesy, sent
directly).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from coaching import effects, roster
from coaching.effects import Decision, Kind
from coaching.roster import (
    ImportInterrupted,
    ImportResult,
    RosterReport,
    RosterRow,
    RosterUnreadable,
    RowProblem,
    Unimported,
    Unread,
)
from handlers import files
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer
from handlers.files import FileUnavailable
from handlers.listening import decide
from handlers.members import SlackDirectory
from handlers.views import roster as views
from scheduling.outbox import Outcome, Post, Upload
from storage.models import Nudge, Person

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("message")(direct_message)


def _shared_by_a_person(event: dict[str, Any], context: BoltContext) -> bool:
    """A person (not a bot, not this app) shared something in their DM with the bot."""
    return (
        event.get("subtype") == "file_share"
        and event.get("channel_type") == "im"
        and not event.get("bot_id")
        and isinstance(event.get("user"), str)
        and event.get("user") != context.bot_user_id
        and isinstance(event.get("channel"), str)
    )


def direct_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Every message in the bot's DMs comes here (the app subscribes to message.im); only a
    person sharing a file is answered."""
    if not _shared_by_a_person(event, context):
        return
    actor, channel = actor_of(context, client), str(event["channel"])
    key = f"{channel} {event.get('ts') or event.get('event_ts') or ''}"
    if not actor.run(actor.is_coordinator):
        _say(client, channel, views.NOT_A_COORDINATOR)
        return
    shared = event.get("files")
    if not isinstance(shared, list) or len(shared) != 1 or not isinstance(shared[0], dict):
        _answer(actor, channel, key, Unimported(Unread.ONE_FILE))
        return
    import_shared_file(actor, channel, str(shared[0].get("id") or ""), key)


class NotARoster(Exception):
    """The shared file can't be imported at all (Slack would not give it, or it is not a
    roster); nothing was read into the program."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


def _fetch(client: WebClient, file_id: str) -> tuple[str, list[RosterRow | RowProblem]]:
    """The file's name and rows, checked whole (`coaching.roster.read_roster`)."""
    name = "the file"
    try:
        found = files.shared_file(client, file_id)
        name = found.name or name
        if found.external:
            raise FileUnavailable(
                "it is stored outside Slack; upload the CSV file itself from your computer"
            )
        roster.check_file(found.name, found.size)
        return name, roster.read_roster(files.download(client, found.url, roster.MAX_BYTES))
    except (FileUnavailable, RosterUnreadable) as problem:
        raise NotARoster(name, str(problem)) from None


def import_shared_file(actor: Actor, channel: str, file_id: str, key: str) -> None:
    """Fetch the file, check it whole, import it, and tell the actor in `channel`."""
    try:
        name, rows = _fetch(actor.client, file_id)
    except NotARoster as problem:
        _answer(actor, channel, key, Unimported(Unread.NOT_A_ROSTER, problem.name, problem.reason))
        return
    directory = SlackDirectory(actor.client)
    written: list[int] = []
    try:
        roster.import_in_batches(
            actor.runtime.sessions,
            actor.team_id,
            rows,
            directory,
            progress=_progress(actor.client, channel, name, len(rows)),
            finish=_reporter(actor, key, name, directory, written),
        )
    except ImportInterrupted as stopped:
        logger.error("A roster import stopped: %s", stopped.reason)
        _answer(actor, channel, key, Unimported(Unread.INTERRUPTED, name, str(stopped)))
        return
    for reason in directory.reasons:
        logger.warning("A roster import could not look coaches up in Slack: %s", reason)
    actor.deliver(written)


def _reporter(
    actor: Actor, key: str, name: str, directory: SlackDirectory, written: list[int]
) -> Callable[[Session, ImportResult], None]:
    """What the import's last transaction does: write the report to the outbox (the ids
    of the rows written go to `written`, to deliver once it commits)."""

    def finish(session: Session, result: ImportResult) -> None:
        report = RosterReport(name, result, directory.failures, tuple(directory.reasons))
        owed = roster.report_effects(actor.user_id, key, report)
        written.extend(effects.record(session, actor.team_id, owed, actor.now()))

    return finish


def _progress(
    client: WebClient, channel: str, name: str, total: int
) -> Callable[[int], None] | None:
    """For a large file, a progress message now and a function that updates it after
    each batch (`None` for a small file)."""
    if total <= roster.BATCH:
        return None
    ts = _say(client, channel, views.progress(name, 0, total))

    def update(done: int) -> None:
        if ts is not None:
            _update(client, channel, ts, views.progress(name, done, total))

    return update


def _answer(actor: Actor, channel: str, key: str, answer: Unimported) -> None:
    """Tell the sender why their file was not imported, through the outbox, so that an
    answer Slack refuses is on the coordinators' list. When the database itself is
    what failed, the answer can't be written there and is posted directly instead."""
    owed = roster.unimported_effects(actor.user_id, key, answer)
    try:
        _, written = decide(actor, lambda session: Decision(None, owed))
    except SQLAlchemyError as error:
        logger.error("Could not record the answer to a roster file: %s", type(error).__name__)
        _say(actor.client, channel, views.unimported(answer))
        return
    actor.deliver(written)


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


def _compose_unimported(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    return Post(
        nudge.channel_key or "", views.unimported(roster.unimported_of(nudge.payload or {}))
    )


COMPOSERS: dict[Kind, Composer] = {
    Kind.ROSTER_REPORT: _compose_report,
    Kind.ROSTER_UNIMPORTED: _compose_unimported,
}
