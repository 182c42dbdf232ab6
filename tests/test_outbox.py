"""What the bot acknowledges happens, once: every Slack message that must follow a change
is written to the outbox in the same transaction as the change and delivered after.

Each step below is taken through Slack, clicking the buttons in the messages the bot
sent. The bot process "dies" right after the change is committed (before it claims what
it owes, or after claiming and before the first Slack call). Nothing of that step reaches
Slack. A new bot process started on the same database then delivers all of it, each
message exactly once, in order, and a further pass sends nothing more.

Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings
from coaching.effects import Kind
from handlers import ids
from scheduling.outbox import Outbox
from storage.models import Nudge, Relationship

from fakeslack import FakeSlack
from support.harness import BotHarness, running_bot
from support.seed import add_coach, add_learner
from support.workspace import COACH, LEARNER, OTHER_LEARNER, PROGRAM_CHANNEL

TERMS = {
    "confidentiality": "Between us.",
    "start_date": date.today().isoformat(),
    "duration_months": "6",
    "frequency": "monthly",
    "contact_forms": ["video"],
    "acknowledgements": ["no_fault", "owns_choices"],
}


class Crash(BaseException):
    """The process dies here: nothing after this line runs, and nothing catches it."""


def registered(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        add_learner(session, OTHER_LEARNER, name="Priya Shah", email="priya.shah@example.gov")
        add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")


def ask(bot: BotHarness, learner: str = LEARNER) -> None:
    bot.command(ids.REQUEST_INTRO.name, learner, f"<@{COACH}|carl>")
    values = {"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"}
    assert bot.submit(bot.opened_view(), learner, values).json()["response_action"] == "update"


def requested(bot: BotHarness) -> None:
    registered(bot)
    ask(bot)
    ask(bot, OTHER_LEARNER)


def accepted(bot: BotHarness) -> None:
    registered(bot)
    ask(bot)
    bot.click_in_dm(COACH, ids.ACCEPT)


def questioned(bot: BotHarness) -> None:
    registered(bot)
    ask(bot)
    bot.click_in_dm(COACH, ids.ASK_QUESTION)
    bot.submit(bot.opened_view(), COACH, {"question": "Are evenings all right?"})


def drafted(bot: BotHarness) -> None:
    accepted(bot)
    group = bot.fake.last("conversations.open").response["channel"]["id"]
    message = next(m for m in bot.fake.messages(group) if ids.AGREEMENT_START in str(m))
    value = message["blocks"][-1]["elements"][0]["value"]
    bot.click(ids.AGREEMENT_START, LEARNER, value=value, message=message, channel=group)
    assert bot.submit(bot.opened_view(), LEARNER, TERMS).body == ""


def relationship_id(bot: BotHarness) -> str:
    with bot.sessions() as session:
        return str(session.scalars(select(Relationship.id).order_by(Relationship.id)).first())


# -- the steps that owe messages ------------------------------------------------------


def submit_intro(bot: BotHarness) -> None:
    ask(bot)


def accept(bot: BotHarness) -> None:
    bot.click_in_dm(COACH, ids.ACCEPT)


def decline_and_pause(bot: BotHarness) -> None:
    bot.click_in_dm(COACH, ids.DECLINE)
    bot.submit(bot.opened_view(), COACH, {"reason": "I'm full.", "pause": ["pause"]})


def ask_a_question(bot: BotHarness) -> None:
    bot.click_in_dm(COACH, ids.ASK_QUESTION)
    bot.submit(bot.opened_view(), COACH, {"question": "Are evenings all right?"})


def answer(bot: BotHarness) -> None:
    bot.click_in_dm(LEARNER, ids.ANSWER)
    bot.submit(bot.opened_view(), LEARNER, {"answer": "Evenings are fine."})


def propose_changes(bot: BotHarness) -> None:
    bot.click_in_dm(COACH, ids.AGREEMENT_CHANGE)
    bot.submit(bot.opened_view(), COACH, {"frequency": "quarterly"})


def sign(bot: BotHarness) -> None:
    bot.click_in_dm(COACH, ids.AGREEMENT_SIGN)


def pause(bot: BotHarness) -> None:
    bot.click(
        ids.RELATIONSHIP_PAUSE,
        COACH,
        value=relationship_id(bot),
        response_url=bot.fake.response_url(),
    )


def end(bot: BotHarness) -> None:
    bot.click(
        ids.RELATIONSHIP_END,
        LEARNER,
        value=relationship_id(bot),
        response_url=bot.fake.response_url(),
    )
    bot.submit(bot.opened_view(), LEARNER, {"reason": "Moving.", "thanks": "Thank you!"})


@dataclass(frozen=True)
class Step:
    setup: Callable[[BotHarness], None]
    act: Callable[[BotHarness], None]
    owed: Counter[str]


STEPS = {
    "the coach's request DM": Step(registered, submit_intro, Counter({Kind.INTRO_REQUEST: 1})),
    "accepting": Step(
        requested,
        accept,
        Counter(
            {
                Kind.REQUEST_ANSWERED: 1,
                Kind.GROUP_INTRO: 1,
                Kind.COACH_GUIDE: 1,
                Kind.LEARNER_ACCEPTED: 1,
            }
        ),
    ),
    "declining and pausing": Step(
        requested, decline_and_pause, Counter({Kind.REQUEST_ANSWERED: 2, Kind.DECLINED: 2})
    ),
    "a coach's question": Step(requested, ask_a_question, Counter({Kind.QUESTION: 1})),
    "the learner's answer": Step(questioned, answer, Counter({Kind.ANSWER: 1, Kind.CLOSED: 1})),
    "an agreement to review": Step(
        drafted,
        propose_changes,
        Counter({Kind.REVIEW_CLOSED: 1, Kind.AGREEMENT_REVIEW: 1, Kind.SENT_FOR_SIGNATURE: 1}),
    ),
    "signing": Step(
        drafted,
        sign,
        Counter({Kind.REVIEW_CLOSED: 1, Kind.AGREEMENT_RECORD: 1, Kind.AGREEMENT_COPY: 1}),
    ),
    "pausing a pair": Step(accepted, pause, Counter({Kind.PAIR_CHANGED: 1})),
    "ending a pair": Step(accepted, end, Counter({Kind.PAIR_ENDED: 1, Kind.CHANGE_CONFIRMED: 1})),
}


def slack_writes(fake: FakeSlack) -> list[tuple[str, Any]]:
    writes = ("chat.postMessage", "chat.update", "files.completeUploadExternal")
    return [(call.method, call.args.get("channel")) for call in fake.calls if call.method in writes]


def owed_rows(bot: BotHarness) -> list[Nudge]:
    with bot.sessions() as session:
        return list(session.scalars(select(Nudge).where(Nudge.channel_key.is_not(None))))


@contextmanager
def dying(bot: BotHarness, where: str) -> Iterator[None]:
    """The bot's process dies at `where` in every listener from now on."""

    def die(*_args: Any, **_kwargs: Any) -> None:
        raise Crash

    outbox = bot.bot.runtime.outbox
    if where == "before claiming":
        original = outbox.deliver
        outbox.deliver = die  # type: ignore[method-assign]
        try:
            yield
        finally:
            outbox.deliver = original  # type: ignore[method-assign]
    else:
        outbox.before_send = die
        try:
            yield
        finally:
            outbox.before_send = None


@pytest.mark.parametrize("where", ["before claiming", "before sending"])
@pytest.mark.parametrize("step", list(STEPS))
def test_a_crash_after_the_commit_loses_nothing_and_repeats_nothing(
    settings: Settings, fake_slack: FakeSlack, step: str, where: str
) -> None:
    spec = STEPS[step]
    with running_bot(settings, fake_slack) as first:
        spec.setup(first)
        done_before = {row.id for row in owed_rows(first)}
        writes_before = len(slack_writes(fake_slack))
        with dying(first, where):
            spec.act(first)
        owed = [row for row in owed_rows(first) if row.id not in done_before]
        assert Counter(row.kind for row in owed) == spec.owed
        assert len(slack_writes(fake_slack)) == writes_before, "nothing reached Slack"

    with running_bot(settings, fake_slack) as restarted:
        restarted.bot.reminders()
        again = restarted.bot.reminders()

    rows = {row.id: row for row in owed_rows(restarted)}
    assert {rows[row.id].status for row in owed} == {"sent"}
    assert again.sent == 0
    delivered = slack_writes(fake_slack)[writes_before:]
    assert len(delivered) == sum(spec.owed.values())
    assert all(call.ok for call in fake_slack.calls), [c.error for c in fake_slack.calls]


def test_the_one_window_a_message_can_be_sent_twice(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    """The process dies after Slack answered ok and before the row is recorded sent:
    the restart sends it again. This is the only way a message arrives twice."""
    with running_bot(settings, fake_slack) as first:
        registered(first)
        outbox = first.bot.runtime.outbox
        record = outbox._record

        def die_when_recording_sent(nudge_id: int, *args: Any, **values: Any) -> None:
            if values.get("status") == "sent":
                raise Crash
            record(nudge_id, *args, **values)

        outbox._record = die_when_recording_sent  # type: ignore[method-assign]
        ask(first)

    with running_bot(settings, fake_slack) as restarted:
        restarted.bot.reminders()

    requests = [
        call for call in fake_slack.calls_to("chat.postMessage") if call.args["channel"] == COACH
    ]
    assert len(requests) == 2
    assert [row.status for row in owed_rows(restarted)] == ["sent"]


def test_messages_for_one_conversation_arrive_in_the_order_they_were_owed(
    bot: BotHarness,
) -> None:
    """The coach's request DM fails (Slack is down); the update saying it was accepted
    waits behind it rather than editing a message that was never sent."""
    registered(bot)
    bot.fake.fail_next("chat.postMessage", "internal_error", status=503, times=3)
    ask(bot)
    [request] = owed_rows(bot)
    assert request.status == "pending" and request.attempts == 1

    with bot.sessions.begin() as session:
        session.get(Nudge, request.id).deliver_at = bot.bot.runtime.clock()
    bot.bot.reminders()

    assert [row.status for row in owed_rows(bot)] == ["sent"]
    assert "would like you as a coach" in bot.dm(COACH)[-1]["text"]


def test_a_permanent_failure_is_told_to_the_coordinators_who_can_retry_it(
    bot: BotHarness,
) -> None:
    """The program channel copy fails because the bot is not in the channel; the
    coordinator's Home says so in plain words, and Retry sends it once invited."""
    from support.workspace import COORDINATOR

    drafted(bot)
    bot.fake.add_channel(PROGRAM_CHANNEL, members=[COORDINATOR], bot_member=False)
    sign(bot)

    home = bot.open_home(COORDINATOR)
    assert "the bot is not in the program channel" in str(home["blocks"])

    bot.fake.add_channel(PROGRAM_CHANNEL, members=[COORDINATOR])
    bot.click_on_home(COORDINATOR, ids.ADMIN_RETRY)

    copies = bot.fake.messages(PROGRAM_CHANNEL)
    assert len(copies) == 1 and "signed version 1 of their agreement" in str(copies[0]["blocks"])
    assert "the bot is not in the program channel" not in str(bot.open_home(COORDINATOR))


def test_a_failure_marked_handled_leaves_the_list(bot: BotHarness) -> None:
    from support.workspace import COORDINATOR

    drafted(bot)
    bot.fake.add_channel(PROGRAM_CHANNEL, members=[COORDINATOR], bot_member=False)
    sign(bot)

    bot.click_on_home(COORDINATOR, ids.ADMIN_HANDLED)

    assert "Marked handled: it leaves the list." in str(bot.fake.last("views.open").args["view"])

    assert "could not be delivered" not in str(bot.open_home(COORDINATOR)["blocks"])
    assert bot.fake.messages(PROGRAM_CHANNEL) == []
    with bot.sessions() as session:
        row = session.scalars(select(Nudge).where(Nudge.kind == Kind.AGREEMENT_COPY)).one()
        assert (row.status, row.handled_by) == ("failed", COORDINATOR)


def test_a_message_that_breaks_a_slack_rule_is_not_sent_and_is_told(bot: BotHarness) -> None:
    """A courier whose message repeats an action_id: it is recorded failed with the
    rule it broke, never sent to Slack."""
    from scheduling.outbox import Post

    registered(bot)
    outbox: Outbox = bot.bot.runtime.outbox
    composers = outbox.courier.composers  # type: ignore[attr-defined]
    original = composers[Kind.INTRO_REQUEST]
    button = {"type": "button", "text": {"type": "plain_text", "text": "x"}, "action_id": "a"}
    composers[Kind.INTRO_REQUEST] = lambda *_: Post(
        COACH, "x", [{"type": "actions", "elements": [button, button]}]
    )
    try:
        ask(bot)
    finally:
        composers[Kind.INTRO_REQUEST] = original

    [row] = owed_rows(bot)
    assert row.status == "failed"
    assert row.error == "invalid_blocks: block 0 repeats action_id 'a'"
    assert bot.dm(COACH) == []
