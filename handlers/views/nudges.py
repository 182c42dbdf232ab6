"""The scheduler's messages: one builder per kind of nudge, from plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    SectionBlock,
)

from coaching.matching import Match
from handlers import ids
from handlers.views.text import listed, mrkdwn, truncate

Message = tuple[str, list[dict]]
MAX_FOLLOW_UPS = 5


@dataclass(frozen=True)
class Pair:
    """A nudge's pair as the recipient sees it."""

    relationship_id: int
    recipient_is_learner: bool
    other_user: str
    other_name: str


def _render(text: str, blocks: list[Block]) -> Message:
    return truncate(text, 3000), [block.to_dict() for block in blocks]


def _button(text: str, action_id: str, value: str | int, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=text, action_id=action_id, value=str(value), style="primary" if primary else None
    )


def _link(text: str, url: str) -> ButtonElement:
    return ButtonElement(text=text, action_id=f"link_{text.split()[-1].lower()}", url=url)


def first_call(pair: Pair) -> Message:
    if pair.recipient_is_learner:
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
) -> Message:
    """The cadence reminder; for learners it brings back what they planned to do."""
    text = f"Time for a check-in with <@{pair.other_user}> (due {due.strftime('%A %d %B')}). " + (
        "Suggest a time; preparing a purpose and a few questions helps."
        if pair.recipient_is_learner
        else "Your learner should be in touch; a short note from you helps too."
    )
    blocks: list[Block] = [SectionBlock(text=text)]
    if pair.recipient_is_learner and open_actions:
        shown = open_actions[:MAX_FOLLOW_UPS]
        lines = "\n".join(f"• {mrkdwn(action, 300)}" for _id, action in shown)
        more = len(open_actions) - len(shown)
        if more:
            lines += f"\n…and {more} more on your Home tab."
        blocks.append(SectionBlock(text=f"Last time you planned to:\n{lines}\nDone?"))
        blocks.append(
            ActionsBlock(
                block_id="follow-ups",
                elements=[
                    _button(
                        f"Tell my coach: {truncate(action, 40)}",
                        ids.indexed(ids.FOLLOW_UP_START, index),
                        item_id,
                    )
                    for index, (item_id, action) in enumerate(open_actions[:MAX_FOLLOW_UPS])
                ],
            )
        )
    buttons = [_button("Log a conversation", ids.LOG_START, pair.relationship_id, True)]
    if pair.recipient_is_learner:
        buttons.append(_button("Prepare", ids.PREPARE_START, pair.relationship_id))
    buttons += [
        _link("Add to Google Calendar", calendar["google"]),
        _link("Add to Outlook", calendar["outlook"]),
    ]
    blocks.append(ActionsBlock(block_id="check-in", elements=buttons))
    return _render(text, blocks)


def prepare(pair: Pair, due: date) -> Message:
    text = (
        f"Your check-in with <@{pair.other_user}> is coming up ({due.strftime('%A %d %B')}). "
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
        f"How did your conversation with <@{other_user}> on {day.strftime('%d %B')} go? A "
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


def term_end(pair: Pair, ends: date) -> Message:
    text = (
        f"The term you agreed with <@{pair.other_user}> ends {ends.strftime('%d %B %Y')}. "
        "Would you like to renew with a new version of your agreement, or bring it to a close "
        "(no fault, with thanks)?"
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
    lines = [
        f"Your intro request to {mrkdwn(coach_name, 150)} expired without an answer. That "
        "happens: coaches are volunteers and their lives get full."
    ]
    if alternatives:
        lines.append(
            "These coaches fit the same search and have room:\n"
            + listed(
                [
                    f"• <@{m.coach.slack_user_id}> — {mrkdwn(', '.join(m.coach.area_labels), 300)}"
                    for m in alternatives
                ],
                2000,
                "\n",
            )
        )
    else:
        lines.append("`/find-coach` shows who has room.")
    text = "\n\n".join(lines)
    return _render(text, [SectionBlock(text=text)])


def coach_paused(expired: int) -> Message:
    text = (
        f"{expired} intro requests to you expired in a row, so we've paused you: learners "
        "won't be offered you for now. Whenever you're ready, `/coaching-profile resume` "
        "brings you back."
    )
    return _render(text, [SectionBlock(text=text)])
