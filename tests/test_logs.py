"""The logs never hold a credential, nor the words people write to their coach.

`python -m bot` puts a redaction filter on the root logger's handlers: every record that
reaches a handler (from the bot, Bolt, slack_sdk, waitress) is cleaned of Slack tokens
(xoxb-, xoxp-, xapp-, xoxe- ...), the signing secret and the database password before
it is written. The flows below run with the filter installed the same way, over
pytest's log capture; the program's free text (profiles, requests, agreements, debriefs)
must not appear at the production level (INFO), even when Slack calls fail and errors
are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

import bot.__main__ as entry_point
from bot.logging_setup import (
    REDACTED,
    RedactSecrets,
    install_redaction,
    redact,
    remove_redaction,
    secrets_from,
)
from handlers import ids
from storage.models import Agreement, Conversation, Debrief, Relationship, RequestQuestion

from support.harness import BotHarness
from support.seed import add_coach
from support.workspace import (
    BOT_TOKEN,
    COACH,
    LEARNER,
    SIGNING_SECRET,
    learner_form_values,
)

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

USER_TOKEN = "xoxp-1234567890-1234567890-1234567890-abcdef0123456789abcdef0123456789"
APP_TOKEN = "xapp-1-A0SOUNDING-1234567890-abcdef0123456789abcdef0123456789abcdef01"
REFRESH_TOKEN = "xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MC1hYmNkZWY"
ROTATED_TOKEN = "xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MC1hYmNkZWY"
TOKENS = (BOT_TOKEN, USER_TOKEN, APP_TOKEN, REFRESH_TOKEN, ROTATED_TOKEN)
DATABASE_PASSWORD = "s3cret-db-pass"
ENVIRONMENT = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "DATABASE_URL": f"postgresql://sb:{DATABASE_PASSWORD}@db.example/sb",
}

PRIVATE_WORDS = "marmalade-harbour-quietly"
"""A phrase that stands for what people write: it goes into every free-text answer."""


@pytest.fixture
def redacted(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """pytest's log capture, with the filter on the root handlers as `python -m bot`
    installs it (the capture handler is one of them)."""
    root = logging.getLogger()
    assert caplog.handler in root.handlers
    redaction = install_redaction(root, secrets_from(ENVIRONMENT))
    yield caplog
    remove_redaction(root, redaction)


def leaks(text: str) -> list[str]:
    found = [token[:12] for token in TOKENS if token in text]
    found += [name for name, secret in ENVIRONMENT.items() if secret in text]
    found += ["database password"] if DATABASE_PASSWORD in text else []
    found += ["a token pattern"] if redact(text) != text else []
    return found


# -- the filter -----------------------------------------------------------------------


@pytest.mark.parametrize("token", TOKENS)
def test_a_token_in_a_message_or_its_arguments_is_redacted(
    redacted: pytest.LogCaptureFixture, token: str
) -> None:
    log = logging.getLogger("handlers.anything")
    with redacted.at_level(logging.INFO):
        log.info(f"calling Slack with {token}")
        log.info("calling Slack with %s", token)
        log.warning("the settings were %r", {"token": token, "channel": "C0PROGRAM"})

    assert leaks(redacted.text) == []
    assert redacted.text.count(REDACTED) == 3
    assert "C0PROGRAM" in redacted.text


def test_the_signing_secret_and_database_password_are_redacted(
    redacted: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("bot")
    with redacted.at_level(logging.INFO):
        log.info("verifying with %s", SIGNING_SECRET)
        log.info("connecting to %s", ENVIRONMENT["DATABASE_URL"])

    assert leaks(redacted.text) == []
    assert "db.example" in redacted.text


def test_a_token_in_a_traceback_is_redacted(redacted: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("bot.app")
    with redacted.at_level(logging.INFO):
        try:
            raise RuntimeError(f"Slack refused {BOT_TOKEN}")
        except RuntimeError:
            log.exception("Unhandled RuntimeError in a listener")
        log.info("where it happened", stack_info=True)

    assert "Unhandled RuntimeError" in redacted.text and "Slack refused" in redacted.text
    assert leaks(redacted.text) == []


def test_a_record_without_secrets_keeps_its_arguments(
    redacted: pytest.LogCaptureFixture,
) -> None:
    with redacted.at_level(logging.INFO):
        logging.getLogger("scheduling").info("Retention: removed %d row(s)", 3)

    [record] = redacted.records
    assert (record.msg, record.args) == ("Retention: removed %d row(s)", (3,))


def test_words_that_merely_look_alike_are_kept() -> None:
    assert redact("the xoxb- prefix, an xapp token, boxoxb-1") == (
        "the xoxb- prefix, an xapp token, boxoxb-1"
    )
    assert redact("token xoxb-1-2-abc was used") == f"token {REDACTED} was used"


def test_the_entry_point_installs_the_filter_on_the_root_handlers(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m bot` itself: whatever it logs after start-up is redacted."""

    def run(env: dict[str, str]) -> int:
        logging.getLogger("bot").info("started with %s and %s", env["SLACK_BOT_TOKEN"], APP_TOKEN)
        return 0

    monkeypatch.setattr(entry_point, "read_environment", lambda: dict(ENVIRONMENT))
    monkeypatch.setattr(entry_point, "run", run)
    caplog.set_level(logging.INFO)
    alembic_level = logging.getLogger("alembic").level
    try:
        assert entry_point.main(["run"]) == 0
    finally:
        logging.getLogger("alembic").setLevel(alembic_level)
        for handler in logging.getLogger().handlers:
            for installed in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
                handler.removeFilter(installed)

    assert "started with" in caplog.text
    assert leaks(caplog.text) == []


# -- whole flows ----------------------------------------------------------------------


def private(field: str) -> str:
    return f"{field}: {PRIVATE_WORDS}"


def register_and_ask(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_coach(session, COACH, name="Carl Mendez")
    bot.command(ids.PROFILE.name, LEARNER, "learner")
    bot.submit(
        bot.opened_view(),
        LEARNER,
        learner_form_values(
            why_coaching=private("why"),
            hopes=private("hopes"),
            prior_experience=private("prior"),
            coach_preferences=private("preferences"),
        ),
    )
    bot.command(ids.FIND_COACH.name, LEARNER, PRIVATE_WORDS)
    bot.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")
    bot.submit(
        bot.opened_view(),
        LEARNER,
        {
            "coaching_kind": "career",
            "hopes": private("request"),
            "first_call": "video",
            "note": private("note"),
        },
    )


def coach_clicks(bot: BotHarness, action_id: str) -> None:
    channel = bot.fake.dm_channel(COACH)
    message = next(m for m in reversed(bot.fake.messages(channel)) if action_id in str(m["blocks"]))
    value = next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    bot.click(
        action_id,
        COACH,
        value=value,
        message=message,
        channel=channel,
        response_url=bot.fake.response_url(),
    )


def whole_program(bot: BotHarness) -> None:
    """A learner's path from registering to debriefing and ending, with private words
    in every answer, and Slack failing now and then so errors are logged too."""
    register_and_ask(bot)
    coach_clicks(bot, ids.ASK_QUESTION)
    bot.submit(bot.opened_view(), COACH, {"question": private("question")})
    question = bot.fake.last("chat.postMessage").args["blocks"][1]["elements"][0]
    bot.click(ids.ANSWER, LEARNER, value=question["value"])
    bot.submit(bot.opened_view(), LEARNER, {"answer": private("answer")})
    coach_clicks(bot, ids.ACCEPT)
    with bot.sessions() as session:
        relationship_id = session.scalars(select(Relationship.id)).one()

    bot.click(ids.AGREEMENT_START, LEARNER, value=str(relationship_id))
    terms: dict[str, Any] = {
        "confidentiality": private("confidentiality"),
        "start_date": date.today().isoformat(),
        "duration_months": "6",
        "frequency": "monthly",
        "contact_forms": ["video"],
        "coach_time": private("time")[:200],
        "coach_roles": ["guide"],
        "goals": private("goals"),
        "additional_points": private("points"),
        "acknowledgements": ["no_fault", "owns_choices"],
    }
    bot.submit(bot.opened_view(), LEARNER, terms)
    bot.fake.fail_next("views.publish", "internal_error")
    coach_clicks(bot, ids.AGREEMENT_SIGN)

    bot.click(ids.LOG_START, LEARNER, value=str(relationship_id))
    bot.submit(
        bot.opened_view(), LEARNER, {"happened_on": date.today().isoformat(), "form": "video"}
    )
    with bot.sessions() as session:
        conversation_id = session.scalars(select(Conversation.id)).one()
    bot.click(ids.DEBRIEF_START, LEARNER, value=str(conversation_id))
    bot.submit(
        bot.opened_view(),
        LEARNER,
        {
            "went_well": private("went well"),
            "not_well": private("not well"),
            "insights": private("insights"),
            "suggestions": private("suggestions"),
            "willing_to_do": private("willing"),
        },
    )

    bot.click(ids.RELATIONSHIP_END, LEARNER, value=str(relationship_id))
    bot.fake.fail_next("chat.postMessage", "channel_not_found")
    bot.submit(bot.opened_view(), LEARNER, {"reason": private("reason"), "thanks": private("t")})


@SQLITE
def test_a_whole_program_logs_no_private_words(
    bot: BotHarness, redacted: pytest.LogCaptureFixture
) -> None:
    redacted.set_level(logging.INFO)

    whole_program(bot)

    with bot.sessions() as session:
        assert session.scalars(select(Relationship.state)).one() == "concluded"
        assert session.scalars(select(RequestQuestion.answer)).one() == private("answer")
        assert session.scalars(select(Agreement.status)).one() == "executed"
        assert session.scalars(select(Debrief.went_well)).one() == private("went well")
    assert "Could not publish a Home tab" in redacted.text, "Slack's failures were logged"
    assert "message could not be delivered: channel_not_found" in redacted.text
    assert PRIVATE_WORDS not in redacted.text
    assert leaks(redacted.text) == []


@SQLITE
def test_even_debug_logs_hold_no_credentials(
    bot: BotHarness, redacted: pytest.LogCaptureFixture
) -> None:
    """DEBUG shows what is sent to Slack (message texts included, so it is not for
    production), but never a token or the signing secret."""
    redacted.set_level(logging.DEBUG)

    whole_program(bot)

    assert "Sending a request" in redacted.text
    assert leaks(redacted.text) == []
