"""Forms and replies between check-ins: logging, preparing, the debrief, following up,
keeping in touch."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from coaching.profiles import LONG_TEXT
from coaching.vocabulary import MeetingForm
from handlers import ids
from handlers.views.inputs import text_input
from handlers.views.text import mrkdwn, plain_date, truncate

PRIVATE = "Only you can see this. It is never shown to your coach or the program coordinators."


def _text(
    block_id: str, label: str, *, optional: bool = True, hint: str | None = None
) -> InputBlock:
    return text_input(block_id, label, limit=LONG_TEXT, optional=optional, hint=hint)


def _modal(
    callback_id: str, title: str, metadata: str, blocks: list[Block], submit: str = "Save"
) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


def log_form(relationship_id: int, other_name: str, today: date) -> View:
    forms = [Option(value=form.value, text=form.label) for form in MeetingForm]
    return _modal(
        ids.LOG_VIEW,
        "Log a conversation",
        str(relationship_id),
        [
            SectionBlock(text=f"You talked with *{mrkdwn(other_name, 150)}*."),
            InputBlock(
                block_id="happened_on",
                label="When",
                element=DatePickerElement(action_id=ids.INPUT, initial_date=today.isoformat()),
            ),
            InputBlock(
                block_id="form",
                label="How",
                element=StaticSelectElement(action_id=ids.INPUT, options=forms),
            ),
        ],
    )


def choose_pair(names: list[str]) -> str:
    listed = ", ".join(mrkdwn(name, 150) for name in names)
    return (
        f"You have more than one coaching relationship ({listed}): name the other person, "
        "for example `/log-conversation @name`."
    )


def logged(other_user: str) -> str:
    return (
        f"Logged your conversation with <@{other_user}>. The next check-in is counted from today."
    )


def prepare_form(relationship_id: int) -> View:
    return _modal(
        ids.PREPARE_VIEW,
        "Prepare",
        str(relationship_id),
        [
            ContextBlock(elements=[MarkdownTextObject(text=PRIVATE + " Until you share it.")]),
            _text("purpose", "What's the purpose of this conversation?", optional=False),
            _text("questions", "Which questions do you want to ask?"),
        ],
    )


def prepared(preparation_id: int, purpose: str, questions: str) -> tuple[str, list[dict]]:
    text = f"*Your preparation*\n*Purpose:* {mrkdwn(purpose, 1200)}"
    if questions:
        text += f"\n*Questions:*\n{mrkdwn(questions, 1500)}"
    blocks: list[Block] = [
        SectionBlock(text=text),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Share with my coach",
                    action_id=ids.PREPARE_SHARE,
                    value=str(preparation_id),
                    style="primary",
                )
            ]
        ),
    ]
    return "Your preparation is saved.", [block.to_dict() for block in blocks]


def shared_preparation(learner_user: str, purpose: str, questions: str) -> str:
    text = (
        f"<@{learner_user}> shared their plan for your next conversation.\n"
        f"*Purpose:* {mrkdwn(purpose, 1200)}"
    )
    if questions:
        text += f"\n*Questions:*\n{mrkdwn(questions, 1500)}"
    return text


def debrief_form(conversation_id: int, day: date) -> View:
    return _modal(
        ids.DEBRIEF_VIEW,
        "Debrief",
        str(conversation_id),
        [
            ContextBlock(elements=[MarkdownTextObject(text=PRIVATE)]),
            SectionBlock(text=f"Your conversation on {plain_date(day)}."),
            _text("went_well", "What went well?"),
            _text("not_well", "What didn't go so well?"),
            _text("insights", "What insights did you gain?"),
            _text("suggestions", "Which suggestions make sense to you?"),
            _text(
                "willing_to_do",
                "What are you willing to do? (one per line)",
                hint="Each line comes back at your next check-in, so you can tell your coach "
                "how it went.",
            ),
        ],
    )


def debriefed(actions: list[str]) -> str:
    if not actions:
        return "Debrief saved, privately. Thank you for taking the time."
    listed = "\n".join(f"• {mrkdwn(action, 300)}" for action in actions)
    return (
        "Debrief saved, privately. You plan to:\n"
        f"{listed}\nThese come back at your next check-in so you can tell your coach how it went."
    )


def follow_up_form(action_id: int, action: str) -> View:
    return _modal(
        ids.FOLLOW_UP_VIEW,
        "Tell your coach",
        str(action_id),
        [
            SectionBlock(text=f"You planned to: {mrkdwn(action, 1000)}"),
            _text("did", "What did you do?", optional=False),
            _text("happened", "What happened?"),
        ],
        submit="Send",
    )


def follow_up_for_coach(learner_user: str, action: str, did: str, happened: str) -> str:
    text = (
        f"<@{learner_user}> followed through on “{mrkdwn(action, 300)}”.\n"
        f"*What they did:* {mrkdwn(did, 1200)}"
    )
    if happened:
        text += f"\n*What happened:* {mrkdwn(happened, 1200)}"
    return text


def thanks_for_following_up(coach_user: str) -> str:
    return (
        f"Sent to <@{coach_user}>. Acting on one thing at a time is how coaching pays off: "
        "thank you."
    )


def keep_in_touch_form(relationship_id: int, coach_name: str) -> View:
    return _modal(
        ids.KEEP_IN_TOUCH_VIEW,
        "Send an update",
        str(relationship_id),
        [_text("update", truncate(f"Your update for {coach_name}", 2000), optional=False)],
        submit="Send",
    )


def update_for_coach(learner_user: str, update: str) -> str:
    return f"<@{learner_user}> sent you an update:\n> {mrkdwn(update, 2800)}"
