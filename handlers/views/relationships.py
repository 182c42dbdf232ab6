"""`/my-coaching`: each relationship with its state and agreement, the "2 + 1"
portfolio, and the end-of-relationship form."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from coaching.lifecycle import MATCHED, TALKING, State
from coaching.ranking import Slot
from coaching.relationships import NOTE_LIMIT, REASON_LIMIT, MyCoaching, RelationshipLine
from coaching.vocabulary import Frequency
from handlers import ids
from handlers.views.inputs import text_input
from handlers.views.text import check_in_due, date_token, listed, mrkdwn

MAX_SHOWN = 12


def _agreement_text(line: RelationshipLine) -> str:
    agreement = line.agreement
    if agreement is None:
        return "No agreement recorded yet."
    text = (
        f"Agreement v{agreement.version} ({agreement.status}): "
        f"{Frequency(agreement.frequency).label.lower()}, from {date_token(agreement.start_date)} "
        f"for {agreement.duration_months} months"
    )
    if agreement.awaiting_me:
        text += " · *waiting for your signature*"
    return text


def _buttons(line: RelationshipLine) -> list[ButtonElement]:
    value = str(line.relationship_id)
    buttons: list[ButtonElement] = []
    if line.agreement is not None:
        buttons.append(
            ButtonElement(
                text="View agreement",
                action_id=ids.AGREEMENT_VIEW,
                value=str(line.agreement.agreement_id),
            )
        )
    if line.state in TALKING:
        label = "Record agreement" if line.agreement is None else "Change agreement"
        buttons.append(ButtonElement(text=label, action_id=ids.AGREEMENT_START, value=value))
        buttons.append(ButtonElement(text="Pause", action_id=ids.RELATIONSHIP_PAUSE, value=value))
    if line.state == State.PAUSED:
        buttons.append(ButtonElement(text="Resume", action_id=ids.RELATIONSHIP_RESUME, value=value))
    if line.state in MATCHED:
        buttons.append(
            ButtonElement(text="End", action_id=ids.RELATIONSHIP_END, value=value, style="danger")
        )
    return buttons


def my_coaching(summary: MyCoaching) -> list[dict]:
    blocks: list[Block] = [HeaderBlock(text="My coaching")]
    if not summary.lines:
        blocks.append(
            SectionBlock(text="You have no coaching relationships yet. `/find-coach` to start.")
        )
    for line in summary.lines[:MAX_SHOWN]:
        who = "your coach" if line.role == "learner" else "your learner"
        text = f"*<@{line.other_user}>* ({who}) · {line.state_text}\n{_agreement_text(line)}"
        when = check_in_due(line.next_check_in, line.overdue_since)
        if when:
            text += f"\n{when[0].upper()}{when[1:]}."
        blocks += [DividerBlock(), SectionBlock(text=text)]
        buttons = _buttons(line)
        if buttons:
            blocks.append(
                ActionsBlock(block_id=f"relationship-{line.relationship_id}", elements=buttons)
            )
    if summary.is_learner:
        blocks += [
            DividerBlock(),
            SectionBlock(
                text="*Your 2 + 1*: a coach in your department, one elsewhere in your "
                "organization, and one outside your agency."
            ),
        ]
        rows = []
        for slot, names in summary.portfolio.items():
            mark = "✅" if names else "◻️"
            filled = listed([mrkdwn(name, 80) for name in names], 900) if names else "missing"
            rows.append(f"{mark} {slot.label}: {filled}")
        blocks.append(SectionBlock(text="\n".join(rows)))
        missing = summary.missing
        blocks += [
            ActionsBlock(
                block_id=f"portfolio-{slot.value}",
                elements=[
                    ButtonElement(
                        text=f"Find: {_short(slot)}", action_id=ids.FIND_FOR_SLOT, value=slot.value
                    )
                ],
            )
            for slot in missing
        ]
    if len(summary.lines) > MAX_SHOWN:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"Showing {MAX_SHOWN} of {len(summary.lines)}.")]
            )
        )
    return [block.to_dict() for block in blocks]


def _short(slot: Slot) -> str:
    return {
        "department": "in my department",
        "organization": "in my organization",
        "outside": "outside my agency",
    }[slot.value]


def end_form(relationship_id: int, other_name: str) -> View:
    return View(
        type="modal",
        callback_id=ids.END_VIEW,
        title="End the relationship",
        submit="End it",
        close="Cancel",
        private_metadata=str(relationship_id),
        blocks=[
            SectionBlock(
                text=f"Either of you may end this at any time, no fault. {mrkdwn(other_name, 150)} "
                "will be told kindly."
            ),
            text_input(
                "reason",
                "Why? (private: never shown to them)",
                limit=REASON_LIMIT,
                optional=True,
            ),
            text_input(
                "thanks",
                f"A thank-you note to {other_name}",
                limit=NOTE_LIMIT,
                optional=True,
                hint="Sent with the news. A few words about what you gained go a long way.",
            ),
        ],
    )


def ended_for_other(ender_user: str, thanks: str) -> str:
    text = (
        f"<@{ender_user}> has brought your coaching relationship to a close. That's part of how "
        "coaching works, no fault on either side: thank you for the time you gave each other."
    )
    if thanks:
        text += f"\n\nThey wrote:\n> {mrkdwn(thanks, NOTE_LIMIT + 200)}"
    return text


def paused_for_other(user: str, paused: bool) -> str:
    if paused:
        return (
            f"<@{user}> has paused your coaching relationship for now. Either of you can "
            "resume it from `/my-coaching`."
        )
    return f"<@{user}> has resumed your coaching relationship."


def changed_for_me(state_text: str) -> str:
    return f"Done: the relationship is now {state_text}."
