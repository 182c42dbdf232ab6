"""The App Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from coaching.profiles import ProfileSummary
from handlers import ids


def home(summary: ProfileSummary) -> View:
    roles = [
        role
        for role, present in (("coach", summary.coach), ("learner", summary.learner))
        if present is not None
    ]
    if roles:
        status = f"You're registered as a {' and a '.join(roles)}."
        if summary.coach_paused:
            status += " Your coaching is paused."
    else:
        status = "You haven't registered yet."
    commands = "\n".join(f"• `{command.name}` — {command.description}" for command in ids.COMMANDS)
    blocks: list[Block] = [
        HeaderBlock(text="Sounding Board"),
        SectionBlock(
            text="Coaching and mentoring for people in local government: find a coach, agree "
            "how you'll work together, and keep the conversations going."
        ),
        SectionBlock(text=status),
        SectionBlock(text=f"*Commands*\n{commands}"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Start with `/coaching-profile` to register as a learner, "
                    "a coach, or both."
                )
            ]
        ),
    ]
    return View(type="home", blocks=blocks)
