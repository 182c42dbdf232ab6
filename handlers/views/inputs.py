"""The one free-text input every form uses."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement

from coaching import text
from handlers import ids
from handlers.views.text import truncate


def text_input(
    block_id: str,
    label: str,
    *,
    limit: int,
    value: str = "",
    optional: bool = False,
    multiline: bool = True,
    hint: str | None = None,
) -> InputBlock:
    """A text input whose limit Slack enforces (`max_length`) and, for anything longer
    than a name, the form states; the rules refuse longer text with the same limit."""
    if multiline or limit > text.SHORT:
        stated = f"Up to {limit:,} characters."
        hint = f"{hint} {stated}" if hint else stated
    return InputBlock(
        block_id=block_id,
        label=truncate(label, 2000),
        optional=optional,
        hint=truncate(hint, 2000) if hint else None,
        element=PlainTextInputElement(
            action_id=ids.INPUT,
            multiline=multiline,
            max_length=limit,
            initial_value=value[:limit] or None,
        ),
    )
