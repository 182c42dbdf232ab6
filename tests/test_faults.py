"""Faults: the database gone, Slack refusing or failing mid-flow, an old schema."""

from __future__ import annotations

import functools
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from slack_bolt.listener import thread_runner
from sqlalchemy import make_url, select

from bot.app import DATABASE_BUSY
from coaching import intros
from coaching.intros import IntroDetails
from handlers import ids
from handlers.runtime import Runtime
from handlers.views import profiles as profile_views
from storage.db import make_engine, make_sessionmaker, migrate
from storage.models import CoachProfile, Person, Relationship

from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import COACH, LEARNER, TEAM, coach_form_values

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def database_down(bot: BotHarness) -> Any:
    """Point the running bot at a database server that isn't there."""
    runtime = bot.bot.runtime
    gone = make_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    object.__setattr__(runtime, "sessions", make_sessionmaker(gone))
    yield
    gone.dispose()


def test_a_command_while_the_database_is_down_gets_a_polite_answer(
    bot: BotHarness, database_down: None
) -> None:
    reply = bot.command(ids.FIND_COACH.name, LEARNER, "budget")
    assert reply.status == 200
    assert reply.json() == {"response_type": "ephemeral", "text": DATABASE_BUSY}


def test_a_modal_submitted_while_the_database_is_down_says_nothing_was_saved(
    bot: BotHarness,
) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    form = bot.opened_view()
    runtime: Runtime = bot.bot.runtime
    working = runtime.sessions
    gone = make_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    object.__setattr__(runtime, "sessions", make_sessionmaker(gone))
    try:
        reply = bot.submit(form, COACH, coach_form_values()).json()
    finally:
        object.__setattr__(runtime, "sessions", working)
        gone.dispose()
    assert reply["response_action"] == "update"
    assert DATABASE_BUSY in str(reply["view"]["blocks"])
    with working() as session:
        assert session.scalars(select(Person)).all() == []


def test_the_health_check_reports_an_unavailable_database(
    bot: BotHarness, database_down: None
) -> None:
    from bot.server import build_web_app

    web = build_web_app(
        replace(bot.bot, engine=make_engine("postgresql://nobody@127.0.0.1:1/none"))
    )
    reply = web.test_client().get("/healthz")
    assert reply.status_code == 503 and reply.json == {"status": "database unavailable"}


def _waiting_request(bot: BotHarness) -> int:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER)
        coach_id = add_coach(session, COACH)
        request, _ = intros.request_intro(
            session,
            TEAM,
            LEARNER,
            coach_id,
            IntroDetails("career", "x", "video", ""),
            "k",
            bot.bot.runtime.clock(),
            max_open=3,
        )
        return request.id


@pytest.mark.parametrize(
    ("method", "error", "status"),
    [
        ("conversations.open", "ratelimited", None),
        ("chat.postMessage", "internal_error", 503),
        ("chat.update", "ratelimited", None),
    ],
)
def test_slack_failing_during_an_accept_is_retried_and_leaves_one_of_everything(
    bot: BotHarness, method: str, error: str, status: int | None
) -> None:
    request_id = _waiting_request(bot)
    posted = bot.bot.client.chat_postMessage(channel=COACH, text="A request for you")
    bot.fake.fail_next(method, error, status=status, retry_after=0, times=1)

    bot.click(
        ids.ACCEPT,
        COACH,
        value=str(request_id),
        response_url=bot.fake.response_url(),
        message={"ts": posted["ts"], "blocks": []},
        channel=posted["channel"],
    )

    with bot.sessions() as session:
        assert session.scalars(select(Relationship.state)).one() == "exploring"
        assert session.scalars(select(Relationship.group_channel)).one() is not None
    failed = [c for c in bot.fake.calls_to(method) if not c.ok]
    assert len(failed) == 1
    opened = [c for c in bot.fake.calls_to("conversations.open") if c.ok]
    assert len(opened) == 1


def test_the_bot_starting_on_the_first_schema_migrates_without_losing_rows(
    tmp_path: Any, database_url: str
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "865f3878a746")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO people (team_id, slack_user_id, name, email, phone, organization, "
                "department, title, city, state, created_at, updated_at) VALUES ('T0TEAM', "
                "'U1', 'Old Timer', 'old@example.gov', '', 'City', '', 'Manager', '', '', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    migrate(engine)
    with make_sessionmaker(engine)() as session:
        [person] = session.scalars(select(Person)).all()
        assert (person.name, person.email) == ("Old Timer", "old@example.gov")
        assert person.created_at.tzinfo is not None
    engine.dispose()


def _database_file(bot: BotHarness) -> Path:
    return Path(make_url(bot.bot.settings.database_url).database or "")


def _aside(path: Path) -> Path:
    return path.with_name("moved-away.db")


GONE: dict[str, Callable[[Path], object]] = {
    "moved away": lambda path: path.rename(_aside(path)),
    "deleted": lambda path: path.unlink(),
    "replaced by a copy": lambda path: os.replace(shutil.copy(path, path.with_name("copy")), path),
}


def _health(bot: BotHarness) -> int:
    try:
        with urllib.request.urlopen(bot.base_url + "/healthz", timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("how", GONE)
def test_a_database_file_taken_away_fails_the_health_check_and_refuses_writes(
    bot: BotHarness, how: str
) -> None:
    """Open connections would go on writing into the file that is gone, and confirm it."""
    with bot.sessions.begin() as session:
        add_coach(session, COACH)
    GONE[how](_database_file(bot))

    health = _health(bot)
    reply = bot.command(ids.PROFILE.name, COACH, "pause")

    assert health == 503
    assert reply.status == 200
    assert [call.args["text"] for call in bot.fake.calls_to("chat.postMessage")] == [DATABASE_BUSY]
    assert bot.fake.calls_to("response_url") == [], "the pause was confirmed"


def test_a_form_submitted_after_the_database_file_was_replaced_is_not_saved(
    bot: BotHarness,
) -> None:
    bot.command(ids.PROFILE.name, COACH, "coach")
    form = bot.opened_view()
    GONE["replaced by a copy"](_database_file(bot))

    reply = bot.submit(form, COACH, coach_form_values()).json()

    assert reply["response_action"] == "update"
    assert DATABASE_BUSY in str(reply["view"]["blocks"])
    assert bot.fake.calls_to("chat.postMessage") == []


def test_the_database_file_put_back_serves_again_and_was_not_written_meanwhile(
    bot: BotHarness,
) -> None:
    """What is checked is that it is the same file, not merely a file at that path."""
    with bot.sessions.begin() as session:
        add_coach(session, COACH)
    path = _database_file(bot)
    GONE["moved away"](path)
    bot.command(ids.PROFILE.name, COACH, "pause")
    _aside(path).rename(path)

    health = _health(bot)

    assert health == 200
    with bot.sessions() as session:
        assert session.scalars(select(CoachProfile.paused_at)).all() == [None]
    bot.command(ids.PROFILE.name, COACH, "pause")
    assert bot.fake.last("response_url").args["text"] == profile_views.paused_message(True)


class _LooksLate:
    """Bolt's listener executor and its thread runner's `time` in one: the listener
    starts only when the request's thread first waits for the acknowledgement, and runs
    to its end before that thread looks again, the latest it can look."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], object]] = []
        self.time = time.time

    def submit(self, function: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        self.waiting.append(functools.partial(function, *args, **kwargs))

    def sleep(self, _seconds: float) -> None:
        while self.waiting:
            self.waiting.pop(0)()


def test_a_command_that_fails_after_acknowledging_is_answered_at_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt sets the acknowledgement back to None when the listener fails after giving
    it; a request thread that had not looked yet then waited three seconds for it and
    answered 404, so Slack showed an error on top of the bot's own apology."""
    with bot.sessions.begin() as session:
        add_coach(session, COACH)
    GONE["deleted"](_database_file(bot))
    looks_late = _LooksLate()
    monkeypatch.setattr(bot.bot.app.listener_runner, "listener_executor", looks_late)
    monkeypatch.setattr(thread_runner, "time", looks_late)

    reply = bot.command(ids.PROFILE.name, COACH, "pause")

    assert reply.status == 200
    assert [call.args["text"] for call in bot.fake.calls_to("chat.postMessage")] == [DATABASE_BUSY]
