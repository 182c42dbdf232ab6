"""Faults: the database gone, Slack refusing or failing mid-flow, an old schema."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.app import DATABASE_BUSY
from bot.runtime import Runtime
from coaching import intros
from coaching.intros import IntroDetails
from handlers import ids
from storage.db import make_engine, make_sessionmaker, migrate
from storage.models import Person, Relationship

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

    web = build_web_app(bot.bot.app, make_engine("postgresql://nobody@127.0.0.1:1/none"))
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
