"""The scheduler's messages: one builder per kind of nudge, from plain values."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    SectionBlock,
)

from coaching.pairs import Pair
from coaching.ranking import Match
from handlers import ids
from handlers.views.search import suggestions
from handlers.views.text import date_token, mrkdwn, truncate

Message = tuple[str, list[dict]]
MAX_FOLLOW_UPS = 5


def _render(text: str, blocks: list[Block]) -> Message:
    return truncate(text, 3000), [block.to_dict() for block in blocks]


def _button(text: str, action_id: str, value: str | int, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=text, action_id=action_id, value=str(value), style="primary" if primary else None
    )


def _link(text: str, url: str) -> ButtonElement:
    return ButtonElement(text=text, action_id=f"link_{text.split()[-1].lower()}", url=url)


def first_call(pair: Pair) -> Message:
    if pair.is_learner:
        text = (
            f"It's been a week since <@{pair.other_user}> said yes. Have you had your first "
            "call to explore the fit? Taking the initiative is yours: suggest two or three "
            "times in your group DM."
        )
    else:
        text = (
            f"It's been a week since you accepted <@{pair.other_user}>. If you haven't talked "
            "yet, a short call to explore the fit is the next step."
        )
    return _render(
        text,
        [
            SectionBlock(text=text),
            ActionsBlock(
                elements=[_button("We've talked: log it", ids.LOG_START, pair.relationship_id)]
            ),
        ],
    )


def check_in(
    pair: Pair,
    due: date,
    calendar: dict[str, str],
    open_actions: list[tuple[int, str]],
    missed: int = 0,
    months: int = 0,
    talked_before: bool = True,
) -> Message:
    """The cadence reminder; for learners it brings back what they planned to do. After
    `missed` check-in dates passed without a conversation (`months` since the last one,
    or since the agreement began if they never `talked_before`), it says so, kindly, and
    offers to pause or to end it."""
    if missed:
        since = "last talked" if talked_before else "agreed your terms"
        text = (
            f"It's been {_months(months)} since you and <@{pair.other_user}> {since}. "
            "A short call still counts: fifteen minutes keeps the thread. If now isn't the "
            "time, pause; or bring it to a close, no fault."
        )
    else:
        text = f"Time for a check-in with <@{pair.other_user}> (due {date_token(due)}). " + (
            "Suggest a time; preparing a purpose and a few questions helps."
            if pair.is_learner
            else "Your learner should be in touch; a short note from you helps too."
        )
    blocks: list[Block] = [SectionBlock(text=text)]
    if pair.is_learner and open_actions:
        blocks += _follow_ups(open_actions)
    buttons = [_button("Log a conversation", ids.LOG_START, pair.relationship_id, True)]
    if pair.is_learner and not missed:
        buttons.append(_button("Prepare", ids.PREPARE_START, pair.relationship_id))
    if missed:
        buttons += [
            _button("Pause", ids.RELATIONSHIP_PAUSE, pair.relationship_id),
            _button("End, no fault", ids.RELATIONSHIP_END, pair.relationship_id),
        ]
    buttons += [
        _link("Add to Google Calendar", calendar["google"]),
        _link("Add to Outlook", calendar["outlook"]),
    ]
    blocks.append(ActionsBlock(block_id="check-in", elements=buttons))
    return _render(text, blocks)


NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _months(months: int) -> str:
    number = NUMBERS[months] if months < len(NUMBERS) else str(months)
    return f"{number} month{'' if months == 1 else 's'}"


def _follow_ups(open_actions: list[tuple[int, str]]) -> list[Block]:
    """What the learner planned to do, each with its own button to tell the coach."""
    shown = open_actions[:MAX_FOLLOW_UPS]
    lines = "\n".join(f"• {mrkdwn(action, 300)}" for _id, action in shown)
    more = len(open_actions) - len(shown)
    if more:
        lines += f"\n…and {more} more on your Home tab."
    return [
        SectionBlock(text=f"Last time you planned to:\n{lines}\nDone?"),
        ActionsBlock(
            block_id="follow-ups",
            elements=[
                _button(
                    f"Tell my coach: {truncate(action, 40)}",
                    ids.indexed(ids.FOLLOW_UP_START, index),
                    item_id,
                )
                for index, (item_id, action) in enumerate(shown)
            ],
        ),
    ]


def prepare(pair: Pair, due: date) -> Message:
    text = (
        f"Your check-in with <@{pair.other_user}> is coming up ({date_token(due)}). "
        "What's the purpose of this conversation, and which questions do you want to ask?"
    )
    return _render(
        text,
        [
            SectionBlock(text=text),
            ActionsBlock(
                elements=[_button("Prepare", ids.PREPARE_START, pair.relationship_id, True)]
            ),
        ],
    )


def debrief(conversation_id: int, other_user: str, day: date) -> Message:
    text = (
        f"How did your conversation with <@{other_user}> on {date_token(day)} go? A "
        "few minutes of debrief now helps it stick. Your answers stay private to you."
    )
    return _render(
        text,
        [
            SectionBlock(text=text),
            ActionsBlock(elements=[_button("Debrief", ids.DEBRIEF_START, conversation_id, True)]),
        ],
    )


def overdue(pair: Pair) -> Message:
    text = (
        f"You and <@{pair.other_user}> haven't logged a conversation for a while. Life gets "
        "busy; a short call to reconnect keeps the momentum. If the timing isn't right, you "
        "can pause from `/my-coaching`."
    )
    return _render(
        text,
        [
            SectionBlock(text=text),
            ActionsBlock(
                elements=[_button("We've talked: log it", ids.LOG_START, pair.relationship_id)]
            ),
        ],
    )


def term_end(pair: Pair, ends: date, concludes: date | None = None) -> Message:
    """The term-end question; with `concludes`, the one reminder two weeks later."""
    if concludes is None:
        text = (
            f"The term you agreed with <@{pair.other_user}> ends {date_token(ends)}. "
            "Would you like to renew with a new version of your agreement, or bring it to "
            "a close (no fault, with thanks)?"
        )
    else:
        text = (
            f"Your term with <@{pair.other_user}> ended {date_token(ends)} and neither of "
            "you has said what's next. Renew with a new version of your agreement, signed by "
            f"both, or it will be brought to a close, with thanks, on {date_token(concludes)}."
        )
    return _render(
        text,
        [
            SectionBlock(text=text),
            ActionsBlock(
                elements=[
                    _button("Renew", ids.RENEW, pair.relationship_id, True),
                    _button("Conclude", ids.CONCLUDE, pair.relationship_id),
                ]
            ),
        ],
    )


def keep_in_touch(pair: Pair) -> Message:
    text = (
        f"It's been a few months since you and <@{pair.other_user}> wrapped up. Coaches love "
        "to hear how things turned out: send them a short update?"
    )
    return _render(
        text,
        [
            SectionBlock(text=text),
            ActionsBlock(
                elements=[
                    _button("Send an update", ids.KEEP_IN_TOUCH_START, pair.relationship_id, True)
                ]
            ),
        ],
    )


def request_reminder(learner_user: str, days: int) -> Message:
    text = (
        f"<@{learner_user}> asked you for an intro {days} days ago and is waiting to hear. "
        "You'll find Accept, Ask a question and Decline on the request above; the request "
        "expires after a week."
    )
    return _render(text, [SectionBlock(text=text)])


def request_expired(coach_name: str, alternatives: list[Match]) -> Message:
    text = (
        f"Your intro request to {mrkdwn(coach_name, 150)} expired without an answer. That "
        "happens: coaches are volunteers and their lives get full."
    )
    blocks: list[Block] = [SectionBlock(text=text)]
    if alternatives:
        blocks += suggestions("These coaches fit what you hope for and have room:", alternatives)
    else:
        blocks.append(SectionBlock(text="`/find-coach` shows who has room."))
    return _render(text, blocks)


def coach_paused(expired: int) -> Message:
    text = (
        f"{expired} intro requests to you expired in a row, so we've paused you: learners "
        "won't be offered you for now. Whenever you're ready, `/coaching-profile resume` "
        "brings you back."
    )
    return _render(text, [SectionBlock(text=text)])


def term_concluded(other_user: str, ended: date) -> str:
    return (
        f"Your coaching term with <@{other_user}> ended {date_token(ended)} with no renewal, "
        "so we've brought it to a close, no fault on either side. Thank you for the time you "
        "gave each other. `/find-coach` is there whenever you want to start again."
    )


def coach_left(coach_name: str, alternatives: list[Match]) -> Message:
    """A learner's coach has left the Slack workspace."""
    text = (
        f"{mrkdwn(coach_name, 150)} has left the Slack workspace, so your coaching "
        "relationship with them has come to a close. Nothing you did caused it, and what "
        "you worked on together stays yours."
    )
    blocks: list[Block] = [SectionBlock(text=text)]
    if alternatives:
        blocks += suggestions("These coaches fit what you hope for and have room:", alternatives)
    else:
        blocks.append(SectionBlock(text="`/find-coach` shows who has room."))
    return _render(text, blocks)


def program_notice(what: str, names: tuple[str, str], count: int = 0) -> str:
    """What coordinators are told when the bot closes something on its own."""
    first, second = (mrkdwn(name, 150) for name in names)
    if what == "coach_left":
        return (
            f"{first} has left the Slack workspace. Their {count} learner"
            f"{'s were' if count != 1 else ' was'} told kindly and offered coaches who fit."
        )
    return (
        f"The term of {first} with {second} ended four weeks ago with no renewal and no "
        "answer, so the pair is now concluded. Both were thanked."
    )


def pair_note(coordinator: str, note: str) -> str:
    return f"A note from your program coordinator, <@{coordinator}>:\n> {mrkdwn(note, 2800)}"


def question_answered(coach_user: str, question: str, answer: str) -> str:
    return (
        f"<@{coach_user}> asked about your intro request:\n> {mrkdwn(question, 1200)}\n"
        f"✓ You answered:\n> {mrkdwn(answer, 1500)}"
    )


def debriefed(day: date) -> str:
    return (
        f"✓ You debriefed your conversation on {date_token(day)}. Your answers stay private to you."
    )


def term_answered(outcome: str, version: int, ends: date | None) -> str:
    if outcome == "renewed" and ends is not None:
        return f"✓ Renewed: version {version} of your agreement runs until {date_token(ends)}."
    return "✓ This coaching relationship is concluded, with thanks on both sides."
