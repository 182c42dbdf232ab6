"""What an operator sees: /metrics in Prometheus's format, /healthz and /readyz, and
JSON logs (LOG_FORMAT=json) that the redaction filter still cleans."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from bot.health import schema_state
from bot.log_format import JsonFormatter
from bot.logging_setup import REDACTED, install_redaction
from bot.metrics import Metrics
from bot.server import build_operations_app
from handlers import ids
from scheduling.scheduler import start_scheduler
from storage.db import alembic_config, make_engine, make_sessionmaker, migrate
from storage.models import Nudge

from fakeslack.requests import get
from support.harness import BotHarness
from support.workspace import BOT_TOKEN, LEARNER, SIGNING_SECRET, TEAM

OTHER_TEAM = "T0OTHER"
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, by name and labels (parsed by prometheus-client)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(bot: BotHarness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = get(bot.base_url + "/metrics")
    assert status == 200
    return samples(text)


# -- /metrics ------------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_kind(bot: BotHarness) -> None:
    bot.command(ids.COACHING_HELP.name, LEARNER)
    bot.command(ids.COACHING_HELP.name, LEARNER, "find-coach")
    bot.open_home(LEARNER)

    found = scrape(bot)

    help_labels = (("kind", "/coaching-help"), ("status", "200"))
    assert found[("sounding_board_slack_requests_total", help_labels)] == 2
    home_labels = (("kind", "event:app_home_opened"), ("status", "200"))
    assert found[("sounding_board_slack_requests_total", home_labels)] == 1
    help_count = ("sounding_board_slack_ack_seconds_count", (("kind", "/coaching-help"),))
    assert found[help_count] == 2
    assert ("process_resident_memory_bytes", ()) in found


def test_a_scrape_can_ask_for_some_figures_only(bot: BotHarness) -> None:
    """`name[]` as prometheus-client's own handler takes it: the process's figures
    without the outbox's queries."""
    bot.command(ids.COACHING_HELP.name, LEARNER)

    status, text = get(
        bot.base_url + "/metrics?name[]=sounding_board_listeners_running"
        "&name[]=sounding_board_reminder_passes_total"
    )

    assert status == 200
    assert samples(text) == {
        ("sounding_board_listeners_running", ()): 0,
        ("sounding_board_reminder_passes_total", ()): 0,
    }


def _nudge(team: str, number: int, **values: Any) -> Nudge:
    return Nudge(
        team_id=team,
        kind="checkin",
        subject_id=number,
        recipient_id=None,
        due_key=f"due-{number}",
        **values,
    )


def _seed_outbox(session: Session, now: datetime) -> None:
    session.add_all(
        [
            _nudge(TEAM, 1, deliver_at=now - timedelta(minutes=10)),
            _nudge(TEAM, 2, deliver_at=now - timedelta(minutes=1)),
            _nudge(TEAM, 3, deliver_at=now + timedelta(days=3)),
            _nudge(TEAM, 4, deliver_at=now - timedelta(days=1), status="sent", sent_at=now),
            _nudge(TEAM, 5, deliver_at=now, status="failed", error="not_in_channel"),
            _nudge(TEAM, 6, deliver_at=now, status="failed", error="invalid_blocks: too long"),
            _nudge(TEAM, 7, deliver_at=now, status="failed", error="invalid_blocks: no text"),
            _nudge(OTHER_TEAM, 8, deliver_at=now - timedelta(days=1), status="sent"),
            _nudge(OTHER_TEAM, 9, deliver_at=now - timedelta(days=1), status="sent"),
        ]
    )


def test_the_outbox_figures_are_per_workspace(bot: BotHarness) -> None:
    now = datetime.now(UTC)
    with bot.sessions.begin() as session:
        _seed_outbox(session, now)

    found = scrape(bot)

    def value(name: str, **labels: str) -> float | None:
        return found.get((f"sounding_board_{name}", tuple(sorted(labels.items()))))

    assert value("database_up") == 1
    assert value("messages_sent_total", team_id=TEAM) == 1
    assert value("messages_sent_total", team_id=OTHER_TEAM) == 2
    assert value("outbox_messages", team_id=TEAM, status="pending") == 3
    assert value("message_failures_total", team_id=TEAM, error="invalid_blocks") == 2
    assert value("message_failures_total", team_id=TEAM, error="not_in_channel") == 1
    assert value("outbox_due", team_id=TEAM) == 2
    assert value("outbox_due", team_id=OTHER_TEAM) is None
    oldest = value("outbox_oldest_due_age_seconds", team_id=TEAM)
    assert oldest is not None and 600 <= oldest < 3600


def test_an_unavailable_database_is_a_figure_not_a_failed_scrape(bot: BotHarness) -> None:
    gone = make_sessionmaker(make_engine("postgresql://nobody@127.0.0.1:1/none"))
    metrics = Metrics(gone, bot.bot.runtime.clock)
    web = build_operations_app(replace(bot.bot, metrics=metrics))

    reply = web.test_client().get("/metrics")

    assert reply.status_code == 200
    found = samples(reply.get_data(as_text=True))
    assert found[("sounding_board_database_up", ())] == 0
    assert not any(name.startswith("sounding_board_outbox") for name, _ in found)


# -- /healthz and /readyz --------------------------------------------------------------------


def test_a_running_bot_is_healthy_and_ready(bot: BotHarness) -> None:
    status, body = get(bot.base_url + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, body = get(bot.base_url + "/readyz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "slack": "ok"},
    }


def test_slack_refusing_the_token_makes_the_bot_not_ready_and_is_asked_sparingly(
    bot: BotHarness,
) -> None:
    web = build_operations_app(bot.bot)
    bot.fake.reset_calls()
    bot.fake.fail_next("auth.test", "invalid_auth")

    first = web.test_client().get("/readyz")
    again = web.test_client().get("/readyz")

    assert first.status_code == 503
    assert first.json["status"] == "not ready"
    assert first.json["checks"]["slack"] == "invalid_auth"
    assert again.json == first.json
    assert len(bot.fake.calls_to("auth.test")) == 1
    assert web.test_client().get("/healthz").status_code == 200


def test_the_scheduler_must_run_when_it_is_on(bot: BotHarness) -> None:
    on = replace(bot.bot, settings=replace(bot.bot.settings, scheduler_enabled=True))

    missing = build_operations_app(on).test_client().get("/readyz")
    assert (missing.status_code, missing.json["checks"]["scheduler"]) == (503, "not running")

    scheduler = start_scheduler(bot.bot.reminders, interval_seconds=3600)
    try:
        running = build_operations_app(on, scheduler=scheduler).test_client().get("/readyz")
        assert (running.status_code, running.json["checks"]["scheduler"]) == (200, "ok")
    finally:
        scheduler.shutdown(wait=True)


@SQLITE
def test_a_database_behind_the_migrations_is_not_ready(bot: BotHarness, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine)
    command.downgrade(alembic_config(engine), "-1")
    try:
        state = schema_state(engine)
        reply = build_operations_app(replace(bot.bot, engine=engine)).test_client().get("/readyz")
    finally:
        engine.dispose()

    assert state.startswith("at ") and "expected" in state
    assert reply.status_code == 503
    assert reply.json["checks"]["migrations"] == state


# -- JSON logs -----------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sounding_board.test_json")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install_redaction(logger, [SIGNING_SECRET])
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_on_one_line(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_log
    logger.info("first line\nsecond line, %s", "with an argument")
    logger.warning("plain")

    written = lines(stream)
    assert len(written) == 2
    assert written[0]["message"] == "first line\nsecond line, with an argument"
    assert written[0]["level"] == "INFO" and written[1]["level"] == "WARNING"
    assert written[0]["logger"] == "sounding_board.test_json"
    assert datetime.fromisoformat(written[0]["time"]).tzinfo is not None


def test_json_logs_are_redacted_messages_and_tracebacks_alike(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_log
    logger.info("calling Slack with %s", BOT_TOKEN)
    try:
        raise RuntimeError(f"refused {BOT_TOKEN} signed with {SIGNING_SECRET}")
    except RuntimeError:
        logger.exception("a listener failed")

    written = lines(stream)
    assert written[0]["message"] == f"calling Slack with {REDACTED}"
    assert written[1]["message"] == "a listener failed"
    assert "RuntimeError" in written[1]["exception"]
    assert "Traceback" in written[1]["exception"]
    assert BOT_TOKEN not in stream.getvalue() and SIGNING_SECRET not in stream.getvalue()
