"""Help and guidance views: `/coaching-help`, the coachability check and its summary, and
the short guides a coach and a learner receive when they are matched."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from coaching.coachability import NOTE_LIMIT, SCALE, TRAITS, Summary, TraitResult
from coaching.guidance import FIRST_CONVERSATION, LEARNER_TIPS, Guide
from handlers import ids
from handlers.ids import Command
from handlers.views.inputs import text_input
from handlers.views.text import mrkdwn, truncate

Message = tuple[str, list[dict]]
"""A message's fallback text and its blocks, ready for chat.postMessage."""


# -- /coaching-help ---------------------------------------------------------------------


def _usage(command: Command) -> str:
    return f"`{command.name} {command.usage_hint}`" if command.usage_hint else f"`{command.name}`"


def _command_section(command: Command) -> SectionBlock:
    examples = "  ".join(f"`{example}`" for example in command.examples)
    return SectionBlock(text=f"*{_usage(command)}*\n{command.description}\n_Examples:_ {examples}")


def command_list(commands: Sequence[Command], problem: str | None = None) -> Message:
    """Every command with its description and examples; `problem` (already escaped)
    comes first when the person asked for something unknown."""
    blocks: list[Block] = []
    if problem:
        blocks.append(SectionBlock(text=problem))
    blocks.append(HeaderBlock(text="Sounding Board commands"))
    blocks += [_command_section(command) for command in commands]
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"`{ids.COACHING_HELP.name} find-coach` shows the help for one command."
                )
            ]
        )
    )
    names = ", ".join(command.name for command in commands)
    fallback = f"{problem}\n" if problem else ""
    return truncate(f"{fallback}Sounding Board commands: {names}", 3000), [
        block.to_dict() for block in blocks
    ]


def unknown_command(asked: str, commands: Sequence[Command]) -> Message:
    return command_list(
        commands,
        f"I don't know a command called `{mrkdwn(asked, 40)}`. These are the ones I have:",
    )


def command_help(command: Command) -> Message:
    examples = "\n".join(f"• `{example}`" for example in command.examples)
    blocks: list[Block] = [
        SectionBlock(text=f"*{_usage(command)}*\n{command.description}"),
        SectionBlock(text=f"*Examples*\n{examples}"),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"`{ids.COACHING_HELP.name}` lists every command.")]
        ),
    ]
    return f"{command.name}: {command.description}", [block.to_dict() for block in blocks]


# -- the coachability check --------------------------------------------------------------

PRIVATE_NOTE = (
    "Only you see your answers. Nothing goes to your coach or the program coordinators "
    "unless you choose to share it."
)


def coachability_form() -> View:
    """Per trait: what it means, how true it is of you (1 to 5), and an optional note."""
    scale = [Option(value=str(value), text=f"{value} · {label}") for value, label in SCALE]
    blocks: list[Block] = [
        SectionBlock(
            text="Five short statements, about two minutes. This is a mirror, not a test: "
            "there are no wrong answers."
        ),
        ContextBlock(elements=[MarkdownTextObject(text=PRIVATE_NOTE)]),
    ]
    for trait in TRAITS:
        blocks += [
            DividerBlock(),
            SectionBlock(text=f"*{trait.name}*\n{trait.statement}"),
            InputBlock(
                block_id=trait.key,
                label="How true is this of you?",
                element=RadioButtonsElement(action_id=ids.INPUT, options=scale),
            ),
            text_input(trait.note_key, "A note for yourself", limit=NOTE_LIMIT, optional=True),
        ]
    return View(
        type="modal",
        callback_id=ids.COACHABILITY_VIEW,
        title="Coachability check",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )


def start_button() -> ActionsBlock:
    return ActionsBlock(
        block_id="coachability-start",
        elements=[
            ButtonElement(text="Take the coachability check", action_id=ids.COACHABILITY_START)
        ],
    )


def with_coachability_offer(saved: str) -> list[dict]:
    """The learner's "profile saved" DM, offering the check."""
    blocks: list[Block] = [
        SectionBlock(text=saved),
        SectionBlock(
            text="While you look for a coach, a question worth asking: how ready are you "
            "to get the most from one? The coachability check is a private, two-minute "
            "reflection on five traits."
        ),
        start_button(),
    ]
    return [block.to_dict() for block in blocks]


def _dots(score: int) -> str:
    return "●" * score + "○" * (5 - score)


def _score_line(result: TraitResult) -> str:
    line = f"*{result.trait.name}*  {_dots(result.score)}  {result.score}/5"
    if result.previous is not None and result.previous != result.score:
        line += f" (was {result.previous})"
    return line


def _trait_text(result: TraitResult, *, suggest: bool) -> str:
    lines = [_score_line(result)]
    if result.note:
        lines.append(f"> {mrkdwn(result.note, 600)}")
    if suggest and result.low:
        lines.append(f"_Something to try:_ {result.trait.suggestion}")
    return "\n".join(lines)


def coachability_summary(summary: Summary) -> Message:
    """The learner's private DM: their scores, a kind suggestion per low trait, and the
    button to share it with their coach."""
    if summary.low:
        opening = (
            "Thank you for taking a moment to reflect. Every trait can grow; for the ones "
            "you rated low, there's a small step to try."
        )
    else:
        opening = (
            "Thank you for taking a moment to reflect. You see yourself as ready on every "
            "trait; a coach can help you stretch further still."
        )
    blocks: list[Block] = [
        HeaderBlock(text="Your coachability reflection"),
        SectionBlock(text=opening),
        *(SectionBlock(text=_trait_text(result, suggest=True)) for result in summary.results),
        ContextBlock(elements=[MarkdownTextObject(text=PRIVATE_NOTE)]),
        ActionsBlock(
            block_id=f"coachability-{summary.reflection_id}",
            elements=[
                ButtonElement(
                    text="Share with my coach",
                    action_id=ids.COACHABILITY_SHARE,
                    value=str(summary.reflection_id),
                    confirm=ConfirmObject(
                        title="Share your reflection?",
                        text="Your current coach gets a copy of these scores and notes.",
                        confirm="Share",
                        deny="Not now",
                    ),
                )
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Take it again any time with `{ids.COACHABILITY.name}`; the next "
                    "summary shows what changed."
                )
            ]
        ),
    ]
    return "Your coachability reflection (only you can see it)", [
        block.to_dict() for block in blocks
    ]


def shared_summary(learner_user: str, summary: Summary) -> Message:
    """What a coach receives when the learner shares their reflection."""
    growing = ", ".join(result.trait.name for result in summary.low)
    blocks: list[Block] = [
        SectionBlock(text=f"<@{learner_user}> shared their coachability reflection with you."),
        *(SectionBlock(text=_trait_text(result, suggest=False)) for result in summary.results),
    ]
    if growing:
        blocks.append(SectionBlock(text=f"*Where they want to grow:* {growing}"))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Shared in confidence. A good opening for your next conversation: "
                    "ask what they noticed while answering."
                )
            ]
        )
    )
    return f"A learner shared their coachability reflection with you (<@{learner_user}>)", [
        block.to_dict() for block in blocks
    ]


def shared_with(coach_users: Sequence[str]) -> str:
    mentions = [f"<@{user}>" for user in coach_users]
    if len(mentions) == 1:
        return f"Shared with your coach, {mentions[0]}."
    listed = ", ".join(mentions[:-1]) + f" and {mentions[-1]}"
    return f"Shared with all {len(mentions)} of your current coaches: {listed}."


# -- guides when a pair is matched -------------------------------------------------------


def _guide_blocks(guide: Guide) -> list[Block]:
    points = "\n".join(f"• *{title}*: {line}" for title, line in guide.points)
    return [SectionBlock(text=f"*{guide.title}*\n{guide.lead}"), SectionBlock(text=points)]


def first_conversation_guide(learner_name: str) -> Message:
    """The coach's DM after accepting a learner."""
    blocks: list[Block] = [
        SectionBlock(
            text=f"Before your first conversation with *{mrkdwn(learner_name, 150)}*, "
            "a short guide."
        ),
        *_guide_blocks(FIRST_CONVERSATION),
        ContextBlock(elements=[MarkdownTextObject(text="Celebrate what they achieve.")]),
    ]
    return f"{FIRST_CONVERSATION.title}: a short guide", [block.to_dict() for block in blocks]


def with_learner_tips(accepted: str) -> list[dict]:
    """The learner's "accepted" DM, with tips for getting the most from a coach."""
    blocks: list[Block] = [
        SectionBlock(text=accepted),
        DividerBlock(),
        *_guide_blocks(LEARNER_TIPS),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"`{ids.COACHABILITY.name}` is a private two-minute reflection on "
                    "how ready you are to get the most from coaching."
                )
            ]
        ),
    ]
    return [block.to_dict() for block in blocks]
