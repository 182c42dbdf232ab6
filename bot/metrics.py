"""The figures an operator watches, in Prometheus's text format (prometheus-client), at
GET /metrics.

Two kinds:
- **this process**: Slack requests it acknowledged, by kind (a slash command by name,
  `block_actions`, `view_submission`, `event:app_home_opened`, ...), and how long each
  acknowledgement took; listeners still at work after their acknowledgement; reminder
  passes finished; plus prometheus-client's process figures (memory, CPU, open files).
  Sum these over the processes.
- **the program, from the database** (read at each scrape, so every process reports the
  same figures, and they survive restarts): the outbox per workspace (`team_id`) — messages
  by status, sent, failures by Slack's error, how many are due and waiting and how long
  the oldest has waited. Take the max over the processes, not the sum.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Nudge
from storage.states import NudgeStatus

PREFIX = "sounding_board"
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Seconds; Slack gives up on an acknowledgement after 3."""
MAX_LABEL = 48

Dispatch = Callable[[BoltRequest], BoltResponse]


def request_kind(body: dict[str, object]) -> str:
    """What a Slack request is, as a metrics label: the slash command's name, the event's
    type, or the interaction's type."""
    command = body.get("command")
    if isinstance(command, str) and command:
        return command[:MAX_LABEL]
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, dict) else None
        return f"event:{event_type}"[:MAX_LABEL]
    return str(kind)[:MAX_LABEL] if kind else "unknown"


def error_label(error: str) -> str:
    """Slack's error code from a recorded failure ("invalid_blocks: the rule" -> the code)."""
    code = error.split(":", 1)[0].strip()
    return code[:MAX_LABEL] or "unknown"


class OutboxCollector(Collector):
    """Reads the outbox (`nudges`) at each scrape. A database that does not answer is
    reported as `sounding_board_database_up 0`, never as a failed scrape."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(f"{PREFIX}_database_up", "")
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            f"{PREFIX}_database_up", "1 if the database answered the last scrape's queries."
        )
        try:
            families = self._outbox()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _outbox(self) -> list[Metric]:
        now = self.clock()
        with self.sessions() as session:
            by_status = session.execute(
                select(Nudge.team_id, Nudge.status, func.count()).group_by(
                    Nudge.team_id, Nudge.status
                )
            ).all()
            failures = session.execute(
                select(Nudge.team_id, Nudge.error, func.count())
                .where(Nudge.status == NudgeStatus.FAILED)
                .group_by(Nudge.team_id, Nudge.error)
            ).all()
            due = session.execute(
                select(Nudge.team_id, func.count(), func.min(Nudge.deliver_at))
                .where(Nudge.status == NudgeStatus.PENDING, Nudge.deliver_at <= now)
                .group_by(Nudge.team_id)
            ).all()

        messages, sent, failed, waiting, oldest = self._families()
        for team_id, status, count in by_status:
            messages.add_metric([team_id, status], count)
            if status == NudgeStatus.SENT:
                sent.add_metric([team_id], count)

        tally: Tally[tuple[str, str]] = Tally()
        for team_id, error, count in failures:
            tally[(team_id, error_label(error or ""))] += count
        for (team_id, error), count in sorted(tally.items()):
            failed.add_metric([team_id, error], count)

        for team_id, count, first in due:
            waiting.add_metric([team_id], count)
            if first is not None:
                oldest.add_metric([team_id], max(0.0, (now - _aware(first, now)).total_seconds()))
        return [messages, sent, failed, waiting, oldest]

    @staticmethod
    def _families() -> tuple[
        GaugeMetricFamily,
        CounterMetricFamily,
        CounterMetricFamily,
        GaugeMetricFamily,
        GaugeMetricFamily,
    ]:
        return (
            GaugeMetricFamily(
                f"{PREFIX}_outbox_messages",
                "Messages in the outbox by status (pending, claimed, sent, failed, skipped).",
                labels=["team_id", "status"],
            ),
            CounterMetricFamily(
                f"{PREFIX}_messages_sent",
                "Messages the outbox delivered to Slack (all processes).",
                labels=["team_id"],
            ),
            CounterMetricFamily(
                f"{PREFIX}_message_failures",
                "Messages Slack refused for good or that ran out of attempts, by Slack's error.",
                labels=["team_id", "error"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_outbox_due",
                "Messages due now and not yet sent (the queue).",
                labels=["team_id"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_outbox_oldest_due_age_seconds",
                "How long the oldest message due has waited.",
                labels=["team_id"],
            ),
        )


def _aware(value: datetime, like: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value


class ProcessWork(Collector):
    """What this process has under way, read when scraped: listeners at work after their
    acknowledgement, and reminder passes finished."""

    def __init__(self, listeners: Callable[[], int], passes: Callable[[], int]) -> None:
        self.listeners = listeners
        self.passes = passes

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(f"{PREFIX}_listeners_running", "")
        yield CounterMetricFamily(f"{PREFIX}_reminder_passes", "")

    def collect(self) -> Iterator[Metric]:
        running = GaugeMetricFamily(
            f"{PREFIX}_listeners_running",
            "Slack requests whose listener is still at work after acknowledging (this process).",
        )
        running.add_metric([], self.listeners())
        yield running
        passes = CounterMetricFamily(
            f"{PREFIX}_reminder_passes", "Reminder passes this process finished."
        )
        passes.add_metric([], self.passes())
        yield passes


class Metrics:
    """One registry per bot (so several bots in one process, as in the tests, never
    collide), exposed by `exposition()`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        listeners: Callable[[], int] = lambda: 0,
        passes: Callable[[], int] = lambda: 0,
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            f"{PREFIX}_slack_requests",
            "Slack requests this process acknowledged, by kind and status.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            f"{PREFIX}_slack_ack_seconds",
            "Seconds this process took to acknowledge a Slack request, by kind.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(OutboxCollector(sessions, clock))
        self.registry.register(ProcessWork(listeners, passes))
        ProcessCollector(registry=self.registry)

    def timed(self, dispatch: Dispatch) -> Dispatch:
        """`dispatch` (Bolt's `App.dispatch`), counting and timing each request up to its
        acknowledgement. Both transports call the app through it."""

        def timed_dispatch(request: BoltRequest) -> BoltResponse:
            started = time.perf_counter()
            kind = request_kind(request.body)
            response = dispatch(request)
            self.ack_seconds.labels(kind).observe(time.perf_counter() - started)
            self.requests.labels(kind, str(response.status)).inc()
            return response

        return timed_dispatch

    def exposition(self, names: Sequence[str] = ()) -> tuple[bytes, str]:
        """Every figure, or only those `names` (`/metrics?name[]=...`, as prometheus-client's
        own handler takes them: the outbox's database queries run only when asked for)."""
        registry = self.registry.restricted_registry(names) if names else self.registry
        return generate_latest(registry), CONTENT_TYPE_LATEST
