"""Intro request views: the learner's form, the coach's DM and its outcomes, the
question and decline forms, and the messages each side receives."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from coaching.intros import ANY_CALL, FIRST_CALLS, NOTE_LIMIT, REASON_LIMIT, RequestCard
from coaching.profiles import LONG_TEXT
from coaching.ranking import Match
from coaching.vocabulary import CoachingKind
from handlers import ids
from handlers.views.inputs import text_input
from handlers.views.notices import notice
from handlers.views.search import suggestions
from handlers.views.text import counted, mrkdwn, truncate

PAUSE_CHOICE = "pause"


def intro_form(
    coach_name: str, metadata: str, kinds: list[str], meeting_forms: list[str] | None = None
) -> View:
    """The learner's request; the first call offered only in ways the coach meets."""
    preselect = kinds[0] if len(kinds) == 1 else None
    calls = [
        Option(value=value, text=label)
        for value, label in FIRST_CALLS.items()
        if meeting_forms is None or value in meeting_forms or value == ANY_CALL
    ]
    kind_options = [Option(value=k.value, text=k.label) for k in CoachingKind]
    return View(
        type="modal",
        callback_id=ids.INTRO_FORM_VIEW,
        title="Ask for an intro",
        submit="Send request",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            SectionBlock(
                text=f"*{mrkdwn(coach_name, 150)}* will get your request in a DM, with a "
                "summary of your learner profile."
            ),
            InputBlock(
                block_id="coaching_kind",
                label="What kind of coaching are you looking for?",
                element=RadioButtonsElement(
                    action_id=ids.INPUT,
                    options=kind_options,
                    initial_option=next((o for o in kind_options if o.value == preselect), None),
                ),
            ),
            text_input("hopes", "What do you hope for from this coach?", limit=LONG_TEXT),
            InputBlock(
                block_id="first_call",
                label="How would you like a first call?",
                element=StaticSelectElement(action_id=ids.INPUT, options=calls),
            ),
            text_input("note", "A short note to the coach", limit=NOTE_LIMIT, optional=True),
        ],
    )


def request_sent(coach_name: str) -> View:
    return notice(
        "Request sent",
        f"Your request is on its way to *{mrkdwn(coach_name, 150)}*. You'll hear here in "
        "Slack as soon as they answer; most coaches answer within a few days.",
    )


def _card_text(card: RequestCard) -> str:
    who = f"*{mrkdwn(card.learner_name, 150)}*"
    if card.learner_title or card.learner_organization:
        who += f", {mrkdwn(card.learner_title, 150)} at {mrkdwn(card.learner_organization, 150)}"
    details = [
        who,
        f"*Looking for:* {CoachingKind(card.coaching_kind).label}",
        f"*Hopes:* {mrkdwn(card.hopes, 900)}",
        f"*First call:* {FIRST_CALLS.get(card.first_call, card.first_call)}",
    ]
    if card.learner_department:
        details.insert(1, f"*Department:* {mrkdwn(card.learner_department, 150)}")
    if card.learner_place:
        details.insert(1, f"*Where:* {mrkdwn(card.learner_place, 150)}")
    return "\n".join(details)


def request_message(card: RequestCard) -> tuple[str, list[dict]]:
    """The coach's DM: who asks, why, and the three answers."""
    blocks: list[Block] = [
        SectionBlock(text=f"<@{card.learner_user}> would like you as a coach."),
        SectionBlock(text=_card_text(card)),
        SectionBlock(text=f"*Why they want a coach*\n{mrkdwn(card.why_coaching, 1400)}"),
    ]
    if card.note:
        blocks.append(SectionBlock(text=f"*Their note*\n{mrkdwn(card.note, 1400)}"))
    value = str(card.relationship_id)
    blocks.append(
        ActionsBlock(
            block_id=f"answer-{card.relationship_id}",
            elements=[
                ButtonElement(text="Accept", action_id=ids.ACCEPT, value=value, style="primary"),
                ButtonElement(text="Ask a question", action_id=ids.ASK_QUESTION, value=value),
                ButtonElement(text="Decline", action_id=ids.DECLINE, value=value),
            ],
        )
    )
    fallback = f"{mrkdwn(card.learner_name, 150)} would like you as a coach."
    return truncate(fallback, 3000), [block.to_dict() for block in blocks]


def answered_message(card: RequestCard, outcome: str) -> tuple[str, list[dict]]:
    """The coach's DM once answered: the same card, the buttons replaced by the outcome."""
    blocks: list[Block] = [
        SectionBlock(text=f"<@{card.learner_user}> asked you to be their coach."),
        SectionBlock(text=_card_text(card)),
        ContextBlock(elements=[MarkdownTextObject(text=outcome)]),
    ]
    return truncate(outcome, 3000), [block.to_dict() for block in blocks]


def group_intro(learner_user: str, coach_user: str, first_call: str) -> str:
    call = FIRST_CALLS.get(first_call, "a call").lower()
    return (
        f"<@{learner_user}>, meet <@{coach_user}>: they've said yes to exploring a coaching "
        f"relationship with you. A good first step is a short call to explore the fit "
        f"({call} was suggested). <@{learner_user}>, taking the initiative is yours: "
        "suggest two or three times that suit you."
    )


def accepted_for_learner(coach_user: str) -> str:
    return (
        f"Good news: <@{coach_user}> accepted your request. I've started a group DM with "
        "the two of you; suggest a time for a first call there."
    )


def _other_coaches(alternatives: list[Match], suggested: Match | None) -> list[Block]:
    shown = ([suggested] if suggested else []) + alternatives
    if not shown:
        return [SectionBlock(text="`/find-coach` shows who else has room.")]
    return suggestions("Coaches who fit what you hope for and have room:", shown)


def declined_for_learner(
    coach_name: str, reason: str, suggested: Match | None, alternatives: list[Match]
) -> tuple[str, list[dict]]:
    """The learner's news, kindly, with the declining coach's suggestion first and
    other coaches who fit, each with View and Ask buttons."""
    lines = [
        f"{mrkdwn(coach_name, 150)} can't take you on just now. It's nothing personal: "
        "coaches volunteer their time and sometimes it runs out."
    ]
    if reason:
        lines.append(f"They said: “{mrkdwn(reason, REASON_LIMIT + 50)}”")
    if suggested:
        lines.append(f"They suggest you ask {mrkdwn(suggested.coach.name, 150)}.")
    text = "\n\n".join(lines)
    blocks = [SectionBlock(text=text), *_other_coaches(alternatives, suggested)]
    return text, [block.to_dict() for block in blocks]


def question_form(relationship_id: int, learner_name: str) -> View:
    return View(
        type="modal",
        callback_id=ids.QUESTION_VIEW,
        title="Ask a question",
        submit="Send",
        close="Cancel",
        private_metadata=str(relationship_id),
        blocks=[
            text_input(
                "question",
                f"Your question for {learner_name}",
                limit=NOTE_LIMIT,
                hint="The request stays open while you wait for the answer.",
            )
        ],
    )


def question_for_learner(coach_user: str, question: str, question_id: int) -> list[dict]:
    blocks: list[Block] = [
        SectionBlock(
            text=f"<@{coach_user}> has a question about your intro request:\n"
            f"> {mrkdwn(question, 1500)}"
        ),
        ActionsBlock(
            block_id=f"question-{question_id}",
            elements=[
                ButtonElement(
                    text="Answer", action_id=ids.ANSWER, value=str(question_id), style="primary"
                )
            ],
        ),
    ]
    return [block.to_dict() for block in blocks]


def answer_form(question_id: int, question: str) -> View:
    return View(
        type="modal",
        callback_id=ids.ANSWER_VIEW,
        title="Answer the coach",
        submit="Send",
        close="Cancel",
        private_metadata=str(question_id),
        blocks=[
            SectionBlock(text=f"> {mrkdwn(question, 2500)}"),
            text_input("answer", "Your answer", limit=LONG_TEXT),
        ],
    )


def answer_for_coach(learner_user: str, question: str, answer: str, still_open: bool) -> str:
    """The learner's answer, in the request's thread; what to do next while it waits."""
    text = (
        f"<@{learner_user}> answered your question “{mrkdwn(question, 300)}”:\n"
        f"> {mrkdwn(answer, 2500)}"
    )
    if still_open:
        text += "\nThe request is still open: accept or decline above."
    return text


def decline_form(
    relationship_id: int, learner_name: str, coaches: list[tuple[int, str]] | None = None
) -> View:
    """`coaches` are the ones with room the coach may suggest instead (id, name)."""
    suggestion: list[Block] = []
    if coaches:
        suggestion.append(
            InputBlock(
                block_id="suggestion",
                label="Suggest another coach",
                optional=True,
                hint="Coaches with room for another learner.",
                element=StaticSelectElement(
                    action_id=ids.INPUT,
                    options=[
                        Option(value=str(person_id), text=truncate(name, 75))
                        for person_id, name in coaches[:100]
                    ],
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.DECLINE_VIEW,
        title="Decline",
        submit="Decline",
        close="Cancel",
        private_metadata=str(relationship_id),
        blocks=[
            SectionBlock(
                text=f"{mrkdwn(learner_name, 150)} will be told kindly and offered other coaches."
            ),
            text_input(
                "reason",
                "A short reason (shared with them)",
                limit=REASON_LIMIT,
                optional=True,
                multiline=False,
            ),
            *suggestion,
            InputBlock(
                block_id="pause",
                label="Your availability",
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.INPUT,
                    options=[
                        Option(
                            value=PAUSE_CHOICE,
                            text="I'm not taking learners right now",
                            description="Pauses you and kindly declines your other waiting "
                            "requests.",
                        )
                    ],
                ),
            ),
        ],
    )


def declined_outcome(also: int) -> str:
    text = "You declined. They've been told kindly and offered other coaches."
    if also:
        text += (
            f" You're paused, and {counted(also, 'other waiting request')} "
            f"{'was' if also == 1 else 'were'} declined too."
        )
    return text
