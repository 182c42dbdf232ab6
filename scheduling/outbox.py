"""The outbox worker: claim what is owed, send it once, record what happened.

Every message the bot owes is a row (`storage.models.Nudge`) written in the same
transaction as the change that calls for it. A listener delivers the rows it wrote at
once, after its acknowledgement; the scheduler's pass delivers everything else that is
due: what a crashed or failing listener left, and the scheduled nudges.

- One sender at a time per row: a row is claimed in a transaction that locks it (SKIP
  LOCKED on PostgreSQL, SQLite's single writer) before it is sent, and recorded after.
- In order per Slack conversation: a follow-through row is claimed only when no earlier
  row for the same conversation is still waiting or in flight.
- Exactly once, but for one window: a process that dies after Slack answered `ok` and
  before the row is recorded `sent` leaves a claim that is taken up again later, so that
  one message can arrive twice. A claim is taken up again only when its process is known
  to be dead (same host, its pid gone) or after `STALE_CLAIM`, longer than any send.
- Stopping (SIGTERM): `stop()` lets the row in hand finish and hands the rest of the
  batch back at once (`release`), so another process sends them at its next pass rather
  than after `STALE_CLAIM`.
- Failures: rate limits and server errors are retried by slack_sdk within an attempt;
  an attempt that still fails is tried again with growing delays; a permanent failure
  (or too many attempts) is recorded with Slack's reason for the coordinators.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from storage.models import Nudge, Person
from storage.states import NudgeStatus

logger = logging.getLogger(__name__)

BATCH = 500
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_FOLLOW_THROUGH_ATTEMPTS = 8
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "is_archived",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "not_in_channel",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "no_permission",
        "restricted_action",
        "invalid_blocks",
        "msg_too_long",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "not_allowed_token_type",
    }
)
INVALID_BLOCKS = "invalid_blocks"


def worker_name() -> str:
    """host:pid:incarnation. The incarnation tells two bots in one process apart (tests,
    the sandbox); the host and pid tell whether a claim's process can still be alive."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


# -- what to do for a row, as the Slack side works it out ------------------------------


@dataclass(frozen=True)
class Post:
    """chat.postMessage to `channel` (a member id means their DM with the bot)."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None


@dataclass(frozen=True)
class Update:
    """chat.update of a message the bot sent earlier."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PostToGroup:
    """Open (or find) the group DM of `users` and post there."""

    users: list[str]
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Upload:
    """Files to a member's DM with the bot."""

    user: str
    comment: str
    files: dict[str, str]


@dataclass(frozen=True)
class Skip:
    """Nothing to send any more (the pair ended, the answer came)."""

    reason: str


@dataclass(frozen=True)
class Postpone:
    """Not now: outside the recipient's working hours."""

    until: datetime


@dataclass(frozen=True)
class Refuse:
    """The message would break a rule Slack enforces; it is not sent."""

    rule: str


Outcome = Post | Update | PostToGroup | Upload | Skip | Postpone | Refuse


Clients = Callable[[str], WebClient | None]
"""The Web API client of a workspace, by team id; None when the app is not installed
there now."""


def _retry_after(failure: SlackApiError) -> timedelta | None:
    """A rate limit's Retry-After: this workspace's row waits, others go on meanwhile."""
    if failure.response.status_code != 429:
        return None
    headers = {k.lower(): v for k, v in (failure.response.headers or {}).items()}
    value = headers.get("retry-after")
    value = value[0] if isinstance(value, list) else value
    return timedelta(seconds=int(value)) if str(value).isdecimal() else timedelta(seconds=30)


class Courier(Protocol):
    """The Slack side of delivery: what a row says now, and what its delivery records."""

    def compose(
        self, session: Session, nudge: Nudge, recipient: Person | None, now: datetime
    ) -> Outcome: ...

    def delivered(self, session: Session, nudge: Nudge, channel: str, ts: str | None) -> None: ...


@dataclass
class RunReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    skipped: int = 0
    retried: int = 0
    failures: list[str] = field(default_factory=list)


# -- claiming ---------------------------------------------------------------------------


def _claimable(now: datetime) -> Any:
    earlier = aliased(Nudge)
    waiting_before = exists().where(
        earlier.channel_key == Nudge.channel_key,
        earlier.id < Nudge.id,
        earlier.status.in_((NudgeStatus.PENDING, NudgeStatus.CLAIMED)),
    )
    due = and_(Nudge.status == NudgeStatus.PENDING, Nudge.deliver_at <= now)
    stale = and_(Nudge.status == NudgeStatus.CLAIMED, Nudge.claimed_at < now - STALE_CLAIM)
    in_order = or_(Nudge.channel_key.is_(None), ~waiting_before)
    return and_(or_(due, stale), in_order)


def claim(
    session: Session,
    now: datetime,
    worker: str,
    batch: int = BATCH,
    only: Sequence[int] | None = None,
) -> list[int]:
    """Take the rows due now (and any a dead process left claimed) for this worker."""
    query = select(Nudge.id).where(_claimable(now))
    if only is not None:
        query = query.where(Nudge.id.in_(list(only)))
    ids = session.scalars(
        query.order_by(Nudge.deliver_at, Nudge.id).limit(batch).with_for_update(skip_locked=True)
    ).all()
    if ids:
        session.execute(
            update(Nudge)
            .where(Nudge.id.in_(ids))
            .values(status=NudgeStatus.CLAIMED, claimed_by=worker, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return list(ids)


def release(session: Session, worker: str, ids: Sequence[int]) -> int:
    """Hand back rows this worker claimed and has not sent: pending again, for any process."""
    if not ids:
        return 0
    return (
        session.execute(
            update(Nudge)
            .where(
                Nudge.id.in_(list(ids)),
                Nudge.status == NudgeStatus.CLAIMED,
                Nudge.claimed_by == worker,
            )
            .values(status=NudgeStatus.PENDING, claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def release_dead_claims(session: Session, worker: str) -> int:
    """Hand back the claims of processes on this host that are gone (or of an earlier
    bot in this very process), so that a restart delivers at once what a crash left."""
    host, pid, _incarnation = worker.rsplit(":", 2)
    dead = [
        name
        for name in session.scalars(
            select(Nudge.claimed_by)
            .where(Nudge.status == NudgeStatus.CLAIMED, Nudge.claimed_by.like(f"{host}:%"))
            .distinct()
        )
        if name and name != worker and not _alive(name, pid)
    ]
    if not dead:
        return 0
    return (
        session.execute(
            update(Nudge)
            .where(Nudge.status == NudgeStatus.CLAIMED, Nudge.claimed_by.in_(dead))
            .values(status=NudgeStatus.PENDING, claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def _alive(worker: str, my_pid: str) -> bool:
    parts = worker.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdecimal():
        return True
    if parts[1] == my_pid:
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- sending ----------------------------------------------------------------------------


def _perform(client: WebClient, outcome: Post | Update | PostToGroup | Upload) -> tuple[str, str]:
    """Make the Slack calls; returns where the message landed (channel, ts)."""
    if isinstance(outcome, Post):
        sent = client.chat_postMessage(
            channel=outcome.channel,
            text=outcome.text,
            blocks=outcome.blocks or None,
            thread_ts=outcome.thread_ts,
        )
        return str(sent["channel"]), str(sent["ts"])
    if isinstance(outcome, Update):
        sent = client.chat_update(
            channel=outcome.channel, ts=outcome.ts, text=outcome.text, blocks=outcome.blocks
        )
        return str(sent["channel"]), str(sent["ts"])
    if isinstance(outcome, PostToGroup):
        group = client.conversations_open(users=outcome.users)["channel"]["id"]
        sent = client.chat_postMessage(
            channel=group, text=outcome.text, blocks=outcome.blocks or None
        )
        return str(sent["channel"]), str(sent["ts"])
    channel = client.conversations_open(users=outcome.user)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        initial_comment=outcome.comment,
        file_uploads=[
            {"content": content, "filename": name, "title": name}
            for name, content in outcome.files.items()
        ],
    )
    return str(channel), ""


class Outbox:
    """Delivers outbox rows: all that are due (`deliver`), or just those a listener
    wrote (`deliver(only=...)`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        courier: Courier,
        *,
        worker: str | None = None,
        batch: int = BATCH,
        before_send: Callable[[Nudge], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.courier = courier
        self.worker = worker or worker_name()
        self.batch = batch
        self.before_send = before_send
        """Called with each row just before its Slack call; tests use it to stop a
        process between the commit and the send."""
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Finish the row in hand, hand back the rest of the batch, claim no more."""
        self._stopping.set()

    def release_dead_claims(self) -> int:
        with self.sessions.begin() as session:
            return release_dead_claims(session, self.worker)

    def deliver(
        self,
        clients: WebClient | Clients,
        only: Sequence[int] | None = None,
        report: RunReport | None = None,
    ) -> RunReport:
        """Send what is due (or just `only`), each row with its workspace's client (one
        client for all, or a function of the team id; None: not installed there now).

        Each workspace's client is looked up once a batch, outside any transaction (the
        installation store reads the same database). A workspace that answers 429 gets no
        more calls until its Retry-After has passed: its other rows wait as long, and the
        other workspaces' rows go on in the same pass."""
        client_for = (lambda _team: clients) if isinstance(clients, WebClient) else clients
        report = report or RunReport()
        if only is not None and not only:
            return report
        held: dict[str, datetime] = {}
        while not self._stopping.is_set():
            now = self.clock()
            with self.sessions.begin() as session:
                claimed = claim(session, now, self.worker, self.batch, only)
                teams = _teams_of(session, claimed)
            if not claimed:
                return report
            client_of = {team: client_for(team) for team in set(teams.values())}
            for position, nudge_id in enumerate(claimed):
                if self._stopping.is_set():
                    with self.sessions.begin() as session:
                        released = release(session, self.worker, claimed[position:])
                    logger.info("Stopping: handed back %d claimed message(s)", released)
                    return report
                team = teams.get(nudge_id, "")
                if team in held:
                    report.retried += 1
                    self._record(
                        nudge_id, status=NudgeStatus.PENDING, claimed_by=None, deliver_at=held[team]
                    )
                    continue
                wait = self._deliver_one(client_of.get(team), nudge_id, now, report)
                if wait is not None:
                    held[team] = now + wait
        return report

    def _record(self, nudge_id: int, session: Session | None = None, **values: Any) -> None:
        statement = (
            update(Nudge)
            .where(Nudge.id == nudge_id, Nudge.claimed_by == self.worker)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if session is not None:
            session.execute(statement)
            return
        with self.sessions.begin() as own:
            own.execute(statement)

    def _deliver_one(
        self, client: WebClient | None, nudge_id: int, now: datetime, report: RunReport
    ) -> timedelta | None:
        """Deliver one claimed row with its workspace's client; returns Slack's
        Retry-After when the workspace is rate limited."""
        with self.sessions.begin() as session:
            nudge = session.get(Nudge, nudge_id)
            if (
                nudge is None
                or nudge.status != NudgeStatus.CLAIMED
                or nudge.claimed_by != self.worker
            ):
                return None
            recipient = (
                session.get(Person, nudge.recipient_id) if nudge.recipient_id is not None else None
            )
            if client is None:
                outcome: Outcome = Skip("the app is not installed in this workspace")
            elif nudge.recipient_id is not None and (
                recipient is None or recipient.slack_user_id is None
            ):
                outcome = Skip("the recipient is not in Slack")
            else:
                outcome = self.courier.compose(session, nudge, recipient, now)
            kind, attempts, follow_through = nudge.kind, nudge.attempts, nudge.channel_key
            if self.before_send is not None and not isinstance(outcome, Skip | Postpone):
                self.before_send(nudge)
        if isinstance(outcome, Skip):
            report.skipped += 1
            self._record(
                nudge_id, status=NudgeStatus.SKIPPED, error=outcome.reason[:200], payload=None
            )
            return None
        if isinstance(outcome, Postpone):
            report.postponed += 1
            self._record(
                nudge_id, status=NudgeStatus.PENDING, deliver_at=outcome.until, claimed_by=None
            )
            return None
        if isinstance(outcome, Refuse):
            logger.warning("A %s message broke a Block Kit rule: %s", kind, outcome.rule)
            self._failed(nudge_id, kind, attempts, f"{INVALID_BLOCKS}: {outcome.rule}", now, report)
            return None
        assert client is not None
        try:
            channel, ts = _perform(client, outcome)
        except SlackApiError as failure:
            error = str(failure.response.get("error", "unknown_error"))
            wait = _retry_after(failure)
            self._failed(nudge_id, kind, attempts, error, now, report, follow_through, wait)
            return wait
        except OSError as failure:
            self._failed(
                nudge_id, kind, attempts, type(failure).__name__, now, report, follow_through
            )
            return None
        report.sent += 1
        with self.sessions.begin() as session:
            self._record(
                nudge_id,
                session,
                status=NudgeStatus.SENT,
                sent_at=self.clock(),
                attempts=attempts + 1,
                slack_channel=channel,
                slack_ts=ts or None,
                payload=None,
                error="",
            )
            sent = session.get(Nudge, nudge_id)
            if sent is not None:
                self.courier.delivered(session, sent, channel, ts or None)
        return None

    def _failed(
        self,
        nudge_id: int,
        kind: str,
        attempts: int,
        error: str,
        now: datetime,
        report: RunReport,
        follow_through: str | None = None,
        wait: timedelta | None = None,
    ) -> None:
        """Permanent failures are recorded with their reason and not retried; others are
        tried again later with growing delays (or when Slack's Retry-After says, `wait`),
        a limited number of times (a rate limit is not counted as an attempt)."""
        attempts += 0 if wait else 1
        code = error.split(":", 1)[0]
        limit = MAX_FOLLOW_THROUGH_ATTEMPTS if follow_through else MAX_ATTEMPTS
        if code in PERMANENT_ERRORS or attempts >= limit:
            report.failed += 1
            report.failures.append(f"{kind}: {error}")
            logger.warning("A %s message could not be delivered: %s", kind, code)
            self._record(nudge_id, status=NudgeStatus.FAILED, error=error[:200], attempts=attempts)
            return
        report.retried += 1
        delay = wait or (
            min(timedelta(seconds=30) * 2 ** (attempts - 1), timedelta(hours=1))
            if follow_through
            else timedelta(minutes=5 * 2**attempts)
        )
        self._record(
            nudge_id,
            status=NudgeStatus.PENDING,
            claimed_by=None,
            attempts=attempts,
            error=error[:200],
            deliver_at=now + delay,
        )


def _teams_of(session: Session, nudge_ids: Sequence[int]) -> dict[int, str]:
    if not nudge_ids:
        return {}
    found = session.execute(select(Nudge.id, Nudge.team_id).where(Nudge.id.in_(list(nudge_ids))))
    return {nudge_id: team_id for nudge_id, team_id in found.all()}


def retry(session: Session, team_id: str, nudge_id: int, now: datetime) -> bool:
    """A coordinator asks for a failed delivery to be tried again; False if it isn't a
    failed delivery of this program (any more)."""
    return (
        session.execute(
            update(Nudge)
            .where(
                Nudge.id == nudge_id, Nudge.team_id == team_id, Nudge.status == NudgeStatus.FAILED
            )
            .values(
                status=NudgeStatus.PENDING,
                attempts=0,
                error="",
                deliver_at=now,
                claimed_by=None,
                claimed_at=None,
                handled_at=None,
                handled_by=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
