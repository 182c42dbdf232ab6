"""What a person sees when something fails on our side."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View


def error_notice(message: str) -> dict[str, Any]:
    """A modal that replaces the one whose submission failed."""
    return View(
        type="modal",
        title="Not saved",
        close="Close",
        blocks=[SectionBlock(text=message)],
    ).to_dict()
