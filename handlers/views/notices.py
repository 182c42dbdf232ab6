"""The one modal that only says something: shown in place of a form (`response_action:
update`) or pushed over one, for a refusal, a confirmation or a failure."""

from __future__ import annotations

from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View

from handlers.views.text import truncate

REPLY_TITLE = "Sounding Board"
"""The title of a reply shown as a notice (to a click on the App Home or in a modal)."""


def notice(title: str, text: str) -> View:
    """`text` is mrkdwn: escape any user text in it first."""
    return View(
        type="modal",
        title=truncate(title, 24),
        close="Close",
        blocks=[SectionBlock(text=text)],
    )
