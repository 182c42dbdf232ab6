"""Block Kit limits as Slack enforces them, and a validator that reports the first
violations the way Slack does (`[ERROR] ... [json-pointer:/blocks/0/text/text]`)."""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MODAL_TITLE = 24
MODAL_BUTTON = 24
PRIVATE_METADATA = 3000
CALLBACK_ID = 255
SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
URL = 3000
ACTION_ID = 255
BLOCK_ID = 255
SELECT_OPTIONS = 100
CHECKBOX_OPTIONS = 10
OPTION_TEXT = 75
OPTION_VALUE = 150
INPUT_LABEL = 2000
INPUT_HINT = 2000
PLACEHOLDER = 150
TEXT_INPUT_MAX_LENGTH = 3000
MESSAGE_TEXT = 40000

BLOCK_TYPES = {
    "section",
    "divider",
    "header",
    "context",
    "actions",
    "input",
    "image",
    "rich_text",
    "markdown",
    "file",
    "video",
}
ELEMENT_TYPES = {
    "button",
    "checkboxes",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "email_text_input",
    "image",
    "multi_static_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "multi_external_select",
    "number_input",
    "overflow",
    "plain_text_input",
    "radio_buttons",
    "static_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "external_select",
    "url_text_input",
    "rich_text_input",
}
INPUT_ELEMENT_TYPES = ELEMENT_TYPES - {"button", "image", "overflow"}


class _Errors:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.messages.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def text(
        self,
        obj: Any,
        pointer: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.add("missing required field: text", pointer)
            return
        if not isinstance(obj, dict) or obj.get("type") not in {"plain_text", "mrkdwn"}:
            self.add("must provide an object with a valid text type", pointer)
            return
        if plain_only and obj["type"] != "plain_text":
            self.add("must be a plain_text object", pointer + "/type")
        text = obj.get("text")
        if not isinstance(text, str) or text == "":
            self.add("must be more than 0 characters", pointer + "/text")
        elif len(text) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer + "/text")

    def length(self, value: Any, pointer: str, limit: int) -> None:
        if value is not None and len(str(value)) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)


def _options(errors: _Errors, options: Any, pointer: str, limit: int) -> None:
    if not isinstance(options, list) or not options:
        errors.add("must provide at least 1 item", pointer)
        return
    if len(options) > limit:
        errors.add(f"must provide no more than {limit} items", pointer)
    for i, option in enumerate(options):
        errors.text(option.get("text"), f"{pointer}/{i}/text", OPTION_TEXT)
        errors.length(option.get("value"), f"{pointer}/{i}/value", OPTION_VALUE)


def _element(errors: _Errors, element: Any, pointer: str, *, in_input: bool) -> None:
    if not isinstance(element, dict) or element.get("type") not in ELEMENT_TYPES:
        errors.add("must be a valid element type", pointer + "/type")
        return
    kind = element["type"]
    if in_input and kind not in INPUT_ELEMENT_TYPES:
        errors.add("must be a valid input element type", pointer + "/type")
    errors.length(element.get("action_id"), pointer + "/action_id", ACTION_ID)
    if "placeholder" in element:
        errors.text(element["placeholder"], pointer + "/placeholder", PLACEHOLDER, plain_only=True)
    if kind == "button":
        errors.text(element.get("text"), pointer + "/text", BUTTON_TEXT, plain_only=True)
        errors.length(element.get("value"), pointer + "/value", BUTTON_VALUE)
        errors.length(element.get("url"), pointer + "/url", URL)
        if element.get("style") not in (None, "primary", "danger"):
            errors.add("must be one of primary, danger", pointer + "/style")
    elif kind in {"static_select", "multi_static_select"}:
        if "option_groups" not in element:
            _options(errors, element.get("options"), pointer + "/options", SELECT_OPTIONS)
        if kind == "multi_static_select":
            chosen = element.get("initial_options") or []
            limit = element.get("max_selected_items")
            if limit is not None and len(chosen) > limit:
                errors.add("must provide no more than max_selected_items", pointer)
    elif kind in {"checkboxes", "radio_buttons"}:
        _options(errors, element.get("options"), pointer + "/options", CHECKBOX_OPTIONS)
    elif kind == "plain_text_input":
        max_length = element.get("max_length")
        if max_length is not None and max_length > TEXT_INPUT_MAX_LENGTH:
            errors.add(f"must be less than {TEXT_INPUT_MAX_LENGTH + 1}", pointer + "/max_length")
        initial = element.get("initial_value")
        if initial is not None and max_length is not None and len(initial) > max_length:
            errors.add("must be less than max_length characters", pointer + "/initial_value")
    for key in ("initial_options",):
        if key in element and kind in {"static_select", "multi_static_select", "checkboxes"}:
            values = {option.get("value") for option in element.get("options") or []}
            for i, option in enumerate(element[key] or []):
                if option.get("value") not in values and "option_groups" not in element:
                    errors.add("must match one of the options", f"{pointer}/{key}/{i}")


def _block(errors: _Errors, block: Any, pointer: str, seen: set[str], surface: str) -> None:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        errors.add("must be a valid block type", pointer + "/type")
        return
    block_id = block.get("block_id")
    if block_id is not None:
        errors.length(block_id, pointer + "/block_id", BLOCK_ID)
        if block_id in seen:
            errors.add("block_id must be unique", pointer + "/block_id")
        seen.add(block_id)
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.add("must provide text or fields", pointer)
        if "text" in block:
            errors.text(block["text"], pointer + "/text", SECTION_TEXT)
        fields = block.get("fields")
        if fields is not None:
            if len(fields) > SECTION_FIELDS:
                errors.add(f"must provide no more than {SECTION_FIELDS} items", pointer + "/fields")
            for i, field in enumerate(fields):
                errors.text(field, f"{pointer}/fields/{i}", SECTION_FIELD_TEXT)
        if "accessory" in block:
            _element(errors, block["accessory"], pointer + "/accessory", in_input=False)
    elif kind == "header":
        errors.text(block.get("text"), pointer + "/text", HEADER_TEXT, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > CONTEXT_ELEMENTS:
            errors.add(f"must provide 1 to {CONTEXT_ELEMENTS} items", pointer + "/elements")
        for i, element in enumerate(elements):
            if element.get("type") in {"plain_text", "mrkdwn"}:
                errors.text(element, f"{pointer}/elements/{i}", SECTION_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > ACTIONS_ELEMENTS:
            errors.add(f"must provide 1 to {ACTIONS_ELEMENTS} items", pointer + "/elements")
        action_ids: set[str] = set()
        for i, element in enumerate(elements):
            _element(errors, element, f"{pointer}/elements/{i}", in_input=False)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is not None:
                if action_id in action_ids:
                    errors.add("action_id must be unique", f"{pointer}/elements/{i}/action_id")
                action_ids.add(action_id)
    elif kind == "input":
        if surface == "message":
            errors.add("input blocks are not allowed in messages", pointer + "/type")
        errors.text(block.get("label"), pointer + "/label", INPUT_LABEL, plain_only=True)
        if "hint" in block:
            errors.text(block["hint"], pointer + "/hint", INPUT_HINT, plain_only=True)
        _element(errors, block.get("element"), pointer + "/element", in_input=True)


def validate_blocks(blocks: Any, *, surface: str, pointer: str = "/blocks") -> list[str]:
    """Errors for a message's (`surface="message"`) or a view's blocks."""
    errors = _Errors()
    if not isinstance(blocks, list):
        errors.add("must be an array", pointer)
        return errors.messages
    limit = MESSAGE_BLOCKS if surface == "message" else VIEW_BLOCKS
    if len(blocks) > limit:
        errors.add(f"must provide no more than {limit} items", pointer)
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        _block(errors, block, f"{pointer}/{i}", seen, surface)
    return errors.messages


def validate_view(view: Any) -> list[str]:
    errors = _Errors()
    if not isinstance(view, dict):
        errors.add("must be an object", "/view")
        return errors.messages
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        errors.add("must be one of modal, home", "/view/type")
        return errors.messages
    if kind == "modal":
        errors.text(view.get("title"), "/view/title", MODAL_TITLE, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                errors.text(view[key], f"/view/{key}", MODAL_BUTTON, plain_only=True)
        has_input = any(
            isinstance(block, dict) and block.get("type") == "input"
            for block in view.get("blocks") or []
        )
        if has_input and "submit" not in view:
            errors.add("must provide submit when the view has input blocks", "/view/submit")
    errors.length(view.get("private_metadata"), "/view/private_metadata", PRIVATE_METADATA)
    errors.length(view.get("callback_id"), "/view/callback_id", CALLBACK_ID)
    errors.messages += validate_blocks(view.get("blocks", []), surface=kind, pointer="/view/blocks")
    return errors.messages
