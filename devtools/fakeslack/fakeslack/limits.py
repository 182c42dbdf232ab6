"""Slack's numeric limits in one table, so a reader can check them against the docs.

Sources: the Block Kit reference (docs.slack.dev/reference/block-kit), the view object
reference, the chat.*, views.* and files.* method pages, and error texts Slack is known to
return (for example `no more than 25 items allowed [json-pointer:/blocks/1/elements]`).
"""

from __future__ import annotations

from typing import Final

MAX_ITEMS: Final[dict[str, int]] = {
    "message.blocks": 50,
    "view.blocks": 100,
    "message.attachments": 100,
    "section.fields": 10,
    "context.elements": 10,
    "actions.elements": 25,
    "static_select.options": 100,
    "static_select.option_groups": 100,
    "option_group.options": 100,
    "checkboxes.options": 10,
    "radio_buttons.options": 10,
    "overflow.options": 5,
    "conversations_open.users": 8,
    "view.stack": 3,
}

MIN_ITEMS: Final[dict[str, int]] = {
    "context.elements": 1,
    "actions.elements": 1,
    "options": 1,
}

MAX_CHARS: Final[dict[str, int]] = {
    "message.text": 40_000,
    "text_object": 3000,
    "section.text": 3000,
    "section.field": 2000,
    "header.text": 150,
    "markdown.text": 12_000,
    "button.text": 75,
    "button.value": 2000,
    "button.accessibility_label": 75,
    "url": 3000,
    "action_id": 255,
    "block_id": 255,
    "option.text": 75,
    "option.value": 150,
    "option.description": 75,
    "option_group.label": 75,
    "placeholder": 150,
    "input.label": 2000,
    "input.hint": 2000,
    "image.alt_text": 2000,
    "image.title": 2000,
    "video.title": 200,
    "confirm.title": 100,
    "confirm.text": 300,
    "confirm.confirm": 30,
    "confirm.deny": 30,
    "modal.title": 24,
    "modal.submit": 24,
    "modal.close": 24,
    "view.private_metadata": 3000,
    "view.callback_id": 255,
    "view.external_id": 255,
    "files.alt_txt": 1000,
}

PLAIN_TEXT_INPUT_MAX_LENGTH: Final = 3000
"""`max_length` and `min_length` of a plain_text_input may not exceed this."""

VIEW_PAYLOAD_BYTES: Final = 250_000
"""views.* answer `view_too_large` above this."""

TRIGGER_TTL_SECONDS: Final = 3.0
"""A trigger_id can be exchanged once, within this many seconds of the interaction."""

RESPONSE_URL_TTL_SECONDS: Final = 30 * 60.0
RESPONSE_URL_USES: Final = 5

RATE_LIMIT_WINDOW_SECONDS: Final = 60.0

OAUTH_CODE_TTL_SECONDS: Final = 10 * 60.0
"""An OAuth code from /oauth/v2/authorize can be exchanged once, within ten minutes."""
