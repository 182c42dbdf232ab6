"""The App Home tab: one view for learners, coaches and coordinators, each seeing their
own sections."""

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

from coaching.deliveries import FailedDelivery
from coaching.figures import Figures, OverduePair
from coaching.home import HomeData
from coaching.lifecycle import TALKING
from coaching.relationships import RelationshipLine
from handlers import ids
from handlers.views import admin
from handlers.views.text import check_in_due, date_token, listed, mrkdwn, plain_date, truncate

LIST_CHARS = 2800


def _button(
    text: str, action_id: str, value: str | int = "", primary: bool = False
) -> ButtonElement:
    return ButtonElement(
        text=text,
        action_id=action_id,
        value=str(value) if value != "" else None,
        style="primary" if primary else None,
    )


def _pair_row(line: RelationshipLine) -> str:
    when = check_in_due(line.next_check_in, line.overdue_since)
    return f"• <@{line.other_user}> · {line.state_text}" + (f" · {when}" if when else "")


def _learner(data: HomeData) -> list[Block]:
    coaching = data.coaching
    mine = [line for line in coaching.lines if line.role == "learner"]
    blocks: list[Block] = [HeaderBlock(text="Your coaches")]
    if mine:
        rows = [_pair_row(line) for line in mine]
        blocks.append(SectionBlock(text=listed(rows, LIST_CHARS, "\n")))
    else:
        blocks.append(SectionBlock(text="No coach yet. Find one who fits what you hope for."))
    portfolio = "\n".join(
        f"{'✅' if names else '◻️'} {slot.label}: "
        + (listed([mrkdwn(n, 80) for n in names], 900) if names else "missing")
        for slot, names in coaching.portfolio.items()
    )
    blocks.append(SectionBlock(text=f"*Your 2 + 1*\n{portfolio}"))
    if data.waiting_on_coaches:
        waiting = listed(
            [
                f"• {mrkdwn(name, 100)}, asked {date_token(day)}"
                for name, day in data.waiting_on_coaches
            ],
            LIST_CHARS,
            "\n",
        )
        blocks.append(SectionBlock(text=f"*Requests waiting for an answer*\n{waiting}"))
    if data.actions:
        actions = listed([f"• {mrkdwn(text, 200)}" for _id, text in data.actions], LIST_CHARS, "\n")
        blocks.append(SectionBlock(text=f"*You planned to*\n{actions}"))
    blocks.append(
        ActionsBlock(
            block_id="learner-find",
            elements=[_button("Find a coach", ids.HOME_FIND, "any", primary=True)],
        )
    )
    talking = [line for line in mine if line.state in TALKING]
    blocks += [
        ActionsBlock(
            block_id=f"log-{line.relationship_id}",
            elements=[
                _button(
                    f"Log a talk with {truncate(line.other_name, 30)}",
                    ids.LOG_START,
                    line.relationship_id,
                )
            ],
        )
        for line in talking[:3]
    ]
    blocks += [
        ActionsBlock(
            block_id=f"debrief-{conversation_id}",
            elements=[_button(f"Debrief {plain_date(day)}", ids.DEBRIEF_START, conversation_id)],
        )
        for conversation_id, day, _coach in data.to_debrief[:3]
    ]
    return blocks


def _coach(data: HomeData) -> list[Block]:
    mine = [line for line in data.coaching.lines if line.role == "coach"]
    blocks: list[Block] = [HeaderBlock(text="Your learners")]
    if mine:
        blocks.append(
            SectionBlock(
                text=listed(
                    [_pair_row(line) for line in mine],
                    LIST_CHARS,
                    "\n",
                )
            )
        )
    else:
        blocks.append(SectionBlock(text="No learners yet."))
    if data.waiting_for_me:
        asked = [f"• <@{user}>, asked {date_token(day)}" for user, day in data.waiting_for_me]
        waiting = listed(asked, LIST_CHARS, "\n")
        blocks.append(
            SectionBlock(text=f"*Requests waiting for your answer* (in your DMs)\n{waiting}")
        )
    paused = data.profile.coach_paused
    room = data.room or 0
    status = (
        "You're paused: learners aren't offered you."
        if paused
        else f"You have room for {room} more learner{'s' if room != 1 else ''}."
    )
    blocks.append(SectionBlock(text=status))
    switch = (
        _button("Resume coaching", ids.HOME_RESUME, "resume", primary=True)
        if paused
        else _button("Pause coaching", ids.HOME_PAUSE, "pause")
    )
    blocks.append(
        ActionsBlock(
            block_id="coach-actions",
            elements=[switch, _button("Edit my profile", ids.HOME_PROFILE, "coach")],
        )
    )
    return blocks


def home(
    data: HomeData,
    program: tuple[Figures, list[OverduePair]] | None = None,
    failures: list[FailedDelivery] | None = None,
) -> View:
    """`program` (and `failures`) are given for coordinators only."""
    blocks: list[Block] = [
        HeaderBlock(text="Sounding Board"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Coaching and mentoring for people in local government. "
                    "`/coaching-help` lists every command."
                )
            ]
        ),
    ]
    if not data.profile.registered and program is None:
        blocks += [
            SectionBlock(
                text="You haven't registered yet. Register as a learner to find a coach, as "
                "a coach to help others grow, or both."
            ),
            ActionsBlock(
                block_id="register",
                elements=[_button("Register", ids.HOME_PROFILE, "new", primary=True)],
            ),
        ]
    if data.profile.learner is not None:
        blocks += [DividerBlock(), *_learner(data)]
    if data.profile.coach is not None:
        blocks += [DividerBlock(), *_coach(data)]
    if program is not None:
        figures, late = program
        blocks += [
            DividerBlock(),
            *admin.figure_blocks(figures),
            *admin.overdue_blocks(late),
            *admin.at_risk_blocks([pair for pair in late if pair.at_risk]),
            *admin.failure_blocks(failures or []),
            ActionsBlock(
                block_id="admin-actions",
                elements=[_button("Export CSV", ids.ADMIN_EXPORT, "all")],
            ),
        ]
        if not data.profile.registered:
            blocks.append(
                ActionsBlock(
                    block_id="register",
                    elements=[
                        _button("Register as a learner or coach too", ids.HOME_PROFILE, "new")
                    ],
                )
            )
    return View(type="home", blocks=blocks[:100])
