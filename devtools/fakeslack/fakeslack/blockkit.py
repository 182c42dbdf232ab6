"""Block Kit validation the way Slack reports it, and the defaults Slack fills in.

Problems read like Slack's, `<message> [json-pointer:<where>]`, without the `[ERROR] `
prefix that Slack adds in `response_metadata.messages` (the server adds it). Wordings known
from Slack's answers: `must be less than N characters`, `must be more than 0 characters`,
`no more than N items allowed`, `must provide an object`, `must provide a string`,
`invalid additional property: x`, `failed to match all allowed schemas`, `missing required
field: x`, `unsupported type: x` and `must be a valid enum value`. Slack's wording for a
repeated block_id or action_id, an initial option that is not among the options, an
initial value longer than `max_length` and a malformed date was not found; those use the
closest wording above or a plain description.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable, Mapping
from typing import Any

from .limits import MAX_CHARS, MAX_ITEMS, MIN_ITEMS, PLAIN_TEXT_INPUT_MAX_LENGTH

BLOCK_FIELDS: dict[str, frozenset[str]] = {
    "section": frozenset({"type", "block_id", "text", "fields", "accessory", "expand"}),
    "divider": frozenset({"type", "block_id"}),
    "header": frozenset({"type", "block_id", "text"}),
    "context": frozenset({"type", "block_id", "elements"}),
    "actions": frozenset({"type", "block_id", "elements"}),
    "input": frozenset(
        {"type", "block_id", "label", "element", "dispatch_action", "hint", "optional"}
    ),
    "image": frozenset({"type", "block_id", "image_url", "slack_file", "alt_text", "title"}),
    "rich_text": frozenset({"type", "block_id", "elements"}),
    "markdown": frozenset({"type", "block_id", "text"}),
    "file": frozenset({"type", "block_id", "external_id", "source"}),
    "video": frozenset(
        {
            "type",
            "block_id",
            "alt_text",
            "author_name",
            "description",
            "provider_icon_url",
            "provider_name",
            "title",
            "title_url",
            "thumbnail_url",
            "video_url",
        }
    ),
}
MESSAGE_ONLY_BLOCKS = frozenset({"file", "markdown"})

_SELECT = frozenset({"type", "action_id", "placeholder", "confirm", "focus_on_load"})
_MULTI = _SELECT | {"max_selected_items"}
_TEXT_INPUT = frozenset(
    {"type", "action_id", "initial_value", "dispatch_action_config", "focus_on_load", "placeholder"}
)
ELEMENT_FIELDS: dict[str, frozenset[str]] = {
    "button": frozenset(
        {"type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"}
    ),
    "checkboxes": frozenset(
        {"type", "action_id", "options", "initial_options", "confirm", "focus_on_load"}
    ),
    "radio_buttons": frozenset(
        {"type", "action_id", "options", "initial_option", "confirm", "focus_on_load"}
    ),
    "overflow": frozenset({"type", "action_id", "options", "confirm"}),
    "static_select": _SELECT | {"options", "option_groups", "initial_option"},
    "multi_static_select": _MULTI | {"options", "option_groups", "initial_options"},
    "external_select": _SELECT | {"initial_option", "min_query_length"},
    "multi_external_select": _MULTI | {"initial_options", "min_query_length"},
    "users_select": _SELECT | {"initial_user"},
    "multi_users_select": _MULTI | {"initial_users"},
    "conversations_select": _SELECT
    | {"initial_conversation", "default_to_current_conversation", "response_url_enabled", "filter"},
    "multi_conversations_select": _MULTI
    | {"initial_conversations", "default_to_current_conversation", "filter"},
    "channels_select": _SELECT | {"initial_channel", "response_url_enabled"},
    "multi_channels_select": _MULTI | {"initial_channels"},
    "datepicker": frozenset(
        {"type", "action_id", "initial_date", "confirm", "focus_on_load", "placeholder"}
    ),
    "timepicker": frozenset(
        {"type", "action_id", "initial_time", "confirm", "focus_on_load", "placeholder", "timezone"}
    ),
    "datetimepicker": frozenset(
        {"type", "action_id", "initial_date_time", "confirm", "focus_on_load"}
    ),
    "plain_text_input": _TEXT_INPUT | {"multiline", "min_length", "max_length"},
    "email_text_input": _TEXT_INPUT,
    "url_text_input": _TEXT_INPUT,
    "number_input": _TEXT_INPUT | {"is_decimal_allowed", "min_value", "max_value"},
    "rich_text_input": _TEXT_INPUT,
    "file_input": frozenset({"type", "action_id", "filetypes", "max_files"}),
    "image": frozenset({"type", "image_url", "slack_file", "alt_text"}),
    "workflow_button": frozenset(
        {"type", "text", "workflow", "action_id", "style", "accessibility_label"}
    ),
}
_MENUS = frozenset(
    {
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
    }
)
SECTION_ACCESSORIES = _MENUS | {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
ACTIONS_ELEMENTS = _MENUS | {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
INPUT_ELEMENTS = _MENUS | {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
}
INTERACTIVE_ELEMENTS = frozenset(ELEMENT_FIELDS) - {"image"}

MODAL_FIELDS = frozenset(
    {
        "type",
        "title",
        "blocks",
        "close",
        "submit",
        "private_metadata",
        "callback_id",
        "clear_on_close",
        "notify_on_close",
        "external_id",
    }
)
HOME_FIELDS = frozenset({"type", "blocks", "private_metadata", "callback_id", "external_id"})

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class _Check:
    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def add(self, message: str, pointer: str) -> None:
        self.problems.append(f"{message} [json-pointer:{pointer}]")

    def object(self, value: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add("must provide an object", pointer)
            return None
        return value

    def fields(
        self,
        obj: Mapping[str, Any],
        pointer: str,
        allowed: Iterable[str],
        required: Iterable[str] = (),
    ) -> None:
        allowed = set(allowed)
        for key in obj:
            if key not in allowed:
                self.add(f"invalid additional property: {key}", pointer)
        for key in required:
            if key not in obj:
                self.add(f"missing required field: {key}", pointer)

    def string(
        self, value: Any, pointer: str, max_chars: int | None = None, *, min_chars: int = 1
    ) -> bool:
        if not isinstance(value, str):
            self.add("must provide a string", pointer)
            return False
        if len(value) < min_chars:
            self.add(f"must be more than {min_chars - 1} characters", pointer)
            return False
        if max_chars is not None and len(value) > max_chars:
            self.add(f"must be less than {max_chars + 1} characters", pointer)
            return False
        return True

    def boolean(self, value: Any, pointer: str) -> None:
        if not isinstance(value, bool):
            self.add("must provide a boolean", pointer)

    def integer(self, value: Any, pointer: str, low: int, high: int) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add("must provide an integer", pointer)
            return False
        if value < low:
            self.add(f"must be greater than {low - 1}", pointer)
            return False
        if value > high:
            self.add(f"must be less than {high + 1}", pointer)
            return False
        return True

    def array(
        self, value: Any, pointer: str, max_items: int | None = None, min_items: int = 0
    ) -> list[Any]:
        if not isinstance(value, list):
            self.add("must provide an array", pointer)
            return []
        if max_items is not None and len(value) > max_items:
            self.add(f"no more than {max_items} items allowed", pointer)
        if len(value) < min_items:
            self.add(f"must provide at least {min_items} items", pointer)
        return value

    def enum(self, value: Any, pointer: str, allowed: Iterable[str]) -> None:
        if value not in set(allowed):
            self.add("must be a valid enum value", pointer)

    def text(
        self,
        value: Any,
        pointer: str,
        max_chars: int = MAX_CHARS["text_object"],
        *,
        plain_only: bool = False,
    ) -> None:
        """A text object; where either type is allowed Slack first reports that the object
        matched neither schema, then what is wrong inside it."""
        start = len(self.problems)
        obj = self.object(value, pointer)
        if obj is not None:
            kind = obj.get("type")
            allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
            if "type" not in obj:
                self.add("missing required field: type", pointer)
            elif kind not in allowed:
                self.add(f"unsupported type: {kind}", pointer + "/type")
            else:
                extra = "emoji" if kind == "plain_text" else "verbatim"
                self.fields(obj, pointer, {"type", "text", extra}, required=("text",))
                if "text" in obj:
                    self.string(obj["text"], pointer + "/text", max_chars)
                if extra in obj:
                    self.boolean(obj[extra], f"{pointer}/{extra}")
        if not plain_only and len(self.problems) > start:
            self.problems.insert(
                start, f"failed to match all allowed schemas [json-pointer:{pointer}]"
            )

    def identifier(self, value: Any, pointer: str, limit_key: str) -> None:
        self.string(value, pointer, MAX_CHARS[limit_key])

    def url(self, value: Any, pointer: str) -> None:
        self.string(value, pointer, MAX_CHARS["url"])


def _option(check: _Check, value: Any, pointer: str, *, plain_only: bool, url: bool) -> None:
    option = check.object(value, pointer)
    if option is None:
        return
    allowed = {"text", "value", "description"} | ({"url"} if url else set())
    check.fields(option, pointer, allowed, required=("text", "value"))
    if "text" in option:
        check.text(
            option["text"], pointer + "/text", MAX_CHARS["option.text"], plain_only=plain_only
        )
    if "value" in option:
        check.string(option["value"], pointer + "/value", MAX_CHARS["option.value"])
    if "description" in option:
        check.text(
            option["description"],
            pointer + "/description",
            MAX_CHARS["option.description"],
            plain_only=plain_only,
        )
    if "url" in option:
        check.url(option["url"], pointer + "/url")


def _options(
    check: _Check,
    value: Any,
    pointer: str,
    max_items: int,
    *,
    plain_only: bool = True,
    url: bool = False,
) -> list[Any]:
    options = check.array(value, pointer, max_items, MIN_ITEMS["options"])
    for index, option in enumerate(options):
        _option(check, option, f"{pointer}/{index}", plain_only=plain_only, url=url)
    return options


def _option_key(option: Any) -> tuple[Any, Any]:
    if not isinstance(option, dict):
        return (None, None)
    text = option.get("text")
    return (option.get("value"), text.get("text") if isinstance(text, dict) else None)


def _initial_options(
    check: _Check, element: Mapping[str, Any], pointer: str, choices: list[Any]
) -> None:
    known = {_option_key(option) for option in choices}
    if "initial_option" in element and _option_key(element["initial_option"]) not in known:
        check.add("must match one of the provided options", pointer + "/initial_option")
    if "initial_options" in element:
        initial = check.array(element["initial_options"], pointer + "/initial_options")
        for index, option in enumerate(initial):
            if _option_key(option) not in known:
                check.add(
                    "must match one of the provided options",
                    f"{pointer}/initial_options/{index}",
                )


def _confirm(check: _Check, value: Any, pointer: str) -> None:
    confirm = check.object(value, pointer)
    if confirm is None:
        return
    check.fields(
        confirm,
        pointer,
        {"title", "text", "confirm", "deny", "style"},
        required=("title", "text", "confirm", "deny"),
    )
    if "title" in confirm:
        check.text(
            confirm["title"], pointer + "/title", MAX_CHARS["confirm.title"], plain_only=True
        )
    if "text" in confirm:
        check.text(confirm["text"], pointer + "/text", MAX_CHARS["confirm.text"])
    for key in ("confirm", "deny"):
        if key in confirm:
            check.text(
                confirm[key], f"{pointer}/{key}", MAX_CHARS[f"confirm.{key}"], plain_only=True
            )
    if "style" in confirm:
        check.enum(confirm["style"], pointer + "/style", ("primary", "danger"))


def _select(check: _Check, element: Mapping[str, Any], pointer: str) -> None:
    kind = element["type"]
    if kind in {"static_select", "multi_static_select"}:
        has_options, has_groups = "options" in element, "option_groups" in element
        if has_options == has_groups:
            check.add("must provide exactly one of options or option_groups", pointer)
        choices: list[Any] = []
        if has_options:
            choices = _options(
                check, element["options"], pointer + "/options", MAX_ITEMS["static_select.options"]
            )
        if has_groups:
            groups = check.array(
                element["option_groups"],
                pointer + "/option_groups",
                MAX_ITEMS["static_select.option_groups"],
                1,
            )
            for index, value in enumerate(groups):
                group_pointer = f"{pointer}/option_groups/{index}"
                group = check.object(value, group_pointer)
                if group is None:
                    continue
                check.fields(
                    group, group_pointer, {"label", "options"}, required=("label", "options")
                )
                if "label" in group:
                    check.text(
                        group["label"],
                        group_pointer + "/label",
                        MAX_CHARS["option_group.label"],
                        plain_only=True,
                    )
                if "options" in group:
                    choices += _options(
                        check,
                        group["options"],
                        group_pointer + "/options",
                        MAX_ITEMS["option_group.options"],
                    )
        _initial_options(check, element, pointer, choices)
    if kind.startswith("multi_"):
        if "max_selected_items" in element:
            limit = element["max_selected_items"]
            if check.integer(limit, pointer + "/max_selected_items", 1, 10_000):
                initial_key = next((key for key in element if key.startswith("initial_")), None)
                initial = element.get(initial_key) if initial_key else None
                if isinstance(initial, list) and len(initial) > limit:
                    check.add(f"no more than {limit} items allowed", f"{pointer}/{initial_key}")
        for key in ("initial_users", "initial_conversations", "initial_channels"):
            if key in element:
                for index, item in enumerate(check.array(element[key], f"{pointer}/{key}")):
                    check.string(item, f"{pointer}/{key}/{index}")
    for key in ("initial_user", "initial_conversation", "initial_channel"):
        if key in element:
            check.string(element[key], f"{pointer}/{key}")
    if "min_query_length" in element:
        check.integer(element["min_query_length"], pointer + "/min_query_length", 0, 10_000)


def _text_input(check: _Check, element: Mapping[str, Any], pointer: str) -> None:
    kind = element["type"]
    if kind == "plain_text_input":
        if "multiline" in element:
            check.boolean(element["multiline"], pointer + "/multiline")
        bounds: dict[str, int] = {}
        for key, low in (("min_length", 0), ("max_length", 1)):
            if key in element and check.integer(
                element[key], f"{pointer}/{key}", low, PLAIN_TEXT_INPUT_MAX_LENGTH
            ):
                bounds[key] = element[key]
        if bounds.get("min_length", 0) > bounds.get("max_length", PLAIN_TEXT_INPUT_MAX_LENGTH):
            check.add("min_length must not be greater than max_length", pointer)
        if "initial_value" in element and check.string(
            element["initial_value"], pointer + "/initial_value", min_chars=0
        ):
            longest = bounds.get("max_length", PLAIN_TEXT_INPUT_MAX_LENGTH)
            if len(element["initial_value"]) > longest:
                check.add(f"must be less than {longest + 1} characters", pointer + "/initial_value")
    elif kind == "number_input":
        if "is_decimal_allowed" not in element:
            check.add("missing required field: is_decimal_allowed", pointer)
        else:
            check.boolean(element["is_decimal_allowed"], pointer + "/is_decimal_allowed")
        for key in ("initial_value", "min_value", "max_value"):
            if key in element:
                check.string(element[key], f"{pointer}/{key}")
    elif kind in {"email_text_input", "url_text_input"} and "initial_value" in element:
        check.string(element["initial_value"], pointer + "/initial_value", min_chars=0)
    config = element.get("dispatch_action_config")
    if config is not None:
        config_pointer = pointer + "/dispatch_action_config"
        found = check.object(config, config_pointer)
        if found is not None:
            check.fields(found, config_pointer, {"trigger_actions_on"})
            triggers = check.array(
                found.get("trigger_actions_on", []), config_pointer + "/trigger_actions_on"
            )
            for index, trigger in enumerate(triggers):
                check.enum(
                    trigger,
                    f"{config_pointer}/trigger_actions_on/{index}",
                    ("on_enter_pressed", "on_character_entered"),
                )


def _image_element(check: _Check, element: Mapping[str, Any], pointer: str) -> None:
    if "image_url" not in element and "slack_file" not in element:
        check.add("missing required field: image_url", pointer)
    if "image_url" in element:
        check.url(element["image_url"], pointer + "/image_url")
    if "alt_text" not in element:
        check.add("missing required field: alt_text", pointer)
    else:
        check.string(element["alt_text"], pointer + "/alt_text", MAX_CHARS["image.alt_text"])


def _element(check: _Check, value: Any, pointer: str, allowed: frozenset[str]) -> None:
    element = check.object(value, pointer)
    if element is None:
        return
    kind = element.get("type")
    if "type" not in element:
        check.add("missing required field: type", pointer)
        return
    if kind not in allowed:
        check.add(f"unsupported type: {kind}", pointer + "/type")
        return
    required = {
        "button": ("text",),
        "workflow_button": ("text", "workflow"),
        "checkboxes": ("options",),
        "radio_buttons": ("options",),
        "overflow": ("options",),
    }.get(kind, ())
    check.fields(element, pointer, ELEMENT_FIELDS[kind], required)
    if "action_id" in element:
        check.identifier(element["action_id"], pointer + "/action_id", "action_id")
    if "placeholder" in element:
        check.text(
            element["placeholder"],
            pointer + "/placeholder",
            MAX_CHARS["placeholder"],
            plain_only=True,
        )
    if "confirm" in element:
        _confirm(check, element["confirm"], pointer + "/confirm")
    if "focus_on_load" in element:
        check.boolean(element["focus_on_load"], pointer + "/focus_on_load")
    if kind in {"button", "workflow_button"}:
        if "text" in element:
            check.text(
                element["text"], pointer + "/text", MAX_CHARS["button.text"], plain_only=True
            )
        if "style" in element:
            check.enum(element["style"], pointer + "/style", ("primary", "danger"))
        if "accessibility_label" in element:
            check.string(
                element["accessibility_label"],
                pointer + "/accessibility_label",
                MAX_CHARS["button.accessibility_label"],
            )
        if "value" in element:
            check.string(element["value"], pointer + "/value", MAX_CHARS["button.value"])
        if "url" in element:
            check.url(element["url"], pointer + "/url")
    elif kind in {"checkboxes", "radio_buttons"}:
        if "options" in element:
            choices = _options(
                check,
                element["options"],
                pointer + "/options",
                MAX_ITEMS[f"{kind}.options"],
                plain_only=False,
            )
            _initial_options(check, element, pointer, choices)
    elif kind == "overflow":
        if "options" in element:
            _options(
                check,
                element["options"],
                pointer + "/options",
                MAX_ITEMS["overflow.options"],
                url=True,
            )
    elif kind in _MENUS:
        _select(check, element, pointer)
    elif kind == "datepicker":
        date = element.get("initial_date")
        if date is not None and not (isinstance(date, str) and _DATE.fullmatch(date)):
            check.add("must be a valid date in the format YYYY-MM-DD", pointer + "/initial_date")
    elif kind == "timepicker":
        time = element.get("initial_time")
        if time is not None and not (isinstance(time, str) and _TIME.fullmatch(time)):
            check.add("must be a valid time in the format HH:mm", pointer + "/initial_time")
    elif kind == "datetimepicker":
        if "initial_date_time" in element:
            check.integer(element["initial_date_time"], pointer + "/initial_date_time", 0, 2**63)
    elif kind == "image":
        _image_element(check, element, pointer)
    elif kind == "file_input":
        if "max_files" in element:
            check.integer(element["max_files"], pointer + "/max_files", 1, 10)
    else:
        _text_input(check, element, pointer)


def _unique_action_ids(check: _Check, elements: list[Any], pointer: str) -> None:
    seen: set[str] = set()
    for index, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in seen:
                check.add("duplicate action_id", f"{pointer}/{index}/action_id")
            seen.add(action_id)


def _block(check: _Check, value: Any, pointer: str) -> None:
    block = check.object(value, pointer)
    if block is None:
        return
    kind = block.get("type")
    if "type" not in block:
        check.add("missing required field: type", pointer)
        return
    if kind not in BLOCK_FIELDS or (kind in MESSAGE_ONLY_BLOCKS and check.surface != "message"):
        check.add(f"unsupported type: {kind}", pointer + "/type")
        return
    required = {
        "header": ("text",),
        "context": ("elements",),
        "actions": ("elements",),
        "input": ("label", "element"),
        "image": ("alt_text",),
        "rich_text": ("elements",),
        "markdown": ("text",),
        "file": ("external_id", "source"),
        "video": ("alt_text", "title", "thumbnail_url", "video_url"),
    }.get(kind, ())
    check.fields(block, pointer, BLOCK_FIELDS[kind], required)
    if "block_id" in block:
        block_id = block["block_id"]
        check.identifier(block_id, pointer + "/block_id", "block_id")
        if isinstance(block_id, str):
            if block_id in check.block_ids:
                check.add("duplicate block_id", pointer + "/block_id")
            check.block_ids.add(block_id)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            check.add("missing required field: text", pointer)
        if "text" in block:
            check.text(block["text"], pointer + "/text", MAX_CHARS["section.text"])
        if "fields" in block:
            fields = check.array(
                block["fields"], pointer + "/fields", MAX_ITEMS["section.fields"], 1
            )
            for index, field in enumerate(fields):
                check.text(field, f"{pointer}/fields/{index}", MAX_CHARS["section.field"])
        if "accessory" in block:
            _element(check, block["accessory"], pointer + "/accessory", SECTION_ACCESSORIES)
        if "expand" in block:
            check.boolean(block["expand"], pointer + "/expand")
    elif kind == "header":
        if "text" in block:
            check.text(block["text"], pointer + "/text", MAX_CHARS["header.text"], plain_only=True)
    elif kind == "context":
        elements = check.array(
            block.get("elements"),
            pointer + "/elements",
            MAX_ITEMS["context.elements"],
            MIN_ITEMS["context.elements"],
        )
        for index, element in enumerate(elements):
            element_pointer = f"{pointer}/elements/{index}"
            if isinstance(element, dict) and element.get("type") == "image":
                _element(check, element, element_pointer, frozenset({"image"}))
            else:
                check.text(element, element_pointer)
    elif kind == "actions":
        elements = check.array(
            block.get("elements"),
            pointer + "/elements",
            MAX_ITEMS["actions.elements"],
            MIN_ITEMS["actions.elements"],
        )
        for index, element in enumerate(elements):
            _element(check, element, f"{pointer}/elements/{index}", ACTIONS_ELEMENTS)
        _unique_action_ids(check, elements, pointer + "/elements")
    elif kind == "input":
        if "label" in block:
            check.text(
                block["label"], pointer + "/label", MAX_CHARS["input.label"], plain_only=True
            )
        if "hint" in block:
            check.text(block["hint"], pointer + "/hint", MAX_CHARS["input.hint"], plain_only=True)
        for key in ("optional", "dispatch_action"):
            if key in block:
                check.boolean(block[key], f"{pointer}/{key}")
        if "element" in block:
            _element(check, block["element"], pointer + "/element", INPUT_ELEMENTS)
    elif kind == "image":
        _image_element(check, block, pointer)
        if "title" in block:
            check.text(
                block["title"], pointer + "/title", MAX_CHARS["image.title"], plain_only=True
            )
    elif kind == "markdown":
        if "text" in block:
            check.string(block["text"], pointer + "/text", MAX_CHARS["markdown.text"])
    elif kind == "rich_text":
        check.array(block.get("elements"), pointer + "/elements")
    elif kind == "video":
        for key in ("video_url", "thumbnail_url", "title_url", "provider_icon_url"):
            if key in block:
                check.url(block[key], f"{pointer}/{key}")
        if "title" in block:
            check.text(
                block["title"], pointer + "/title", MAX_CHARS["video.title"], plain_only=True
            )


def _blocks(check: _Check, value: Any, pointer: str, max_items: int) -> None:
    for index, block in enumerate(check.array(value, pointer, max_items)):
        _block(check, block, f"{pointer}/{index}")


def validate_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """Problems with a message's `blocks` (chat.postMessage, postEphemeral, update, and
    response_url posts)."""
    check = _Check("message")
    _blocks(check, blocks, pointer, MAX_ITEMS["message.blocks"])
    return check.problems


def validate_view(view: Any, allowed_types: Iterable[str] = ("modal", "home")) -> list[str]:
    """Problems with a view payload; Slack reports a view that fails anywhere as matching
    none of the view schemas before saying what is wrong."""
    check = _Check("view")
    pointer = "/view"
    found = check.object(view, pointer)
    if found is not None:
        kind = found.get("type")
        if "type" not in found:
            check.add("missing required field: type", pointer)
        elif kind not in set(allowed_types):
            check.add(f"unsupported type: {kind}", pointer + "/type")
        else:
            _view_fields(check, found, pointer, kind)
    if check.problems:
        check.problems.insert(0, f"failed to match all allowed schemas [json-pointer:{pointer}]")
    return check.problems


def _view_fields(check: _Check, view: Mapping[str, Any], pointer: str, kind: str) -> None:
    if kind == "modal":
        check.fields(view, pointer, MODAL_FIELDS, required=("title", "blocks"))
        for key in ("title", "submit", "close"):
            if key in view:
                check.text(
                    view[key], f"{pointer}/{key}", MAX_CHARS[f"modal.{key}"], plain_only=True
                )
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(block, dict) and block.get("type") == "input" for block in blocks
        )
        if has_input and "submit" not in view:
            check.add("missing required field: submit", pointer)
        for key in ("clear_on_close", "notify_on_close"):
            if key in view:
                check.boolean(view[key], f"{pointer}/{key}")
    else:
        check.fields(view, pointer, HOME_FIELDS, required=("blocks",))
    for key in ("private_metadata", "callback_id", "external_id"):
        if key in view:
            check.string(view[key], f"{pointer}/{key}", MAX_CHARS[f"view.{key}"], min_chars=0)
    if "blocks" in view:
        _blocks(check, view["blocks"], pointer + "/blocks", MAX_ITEMS["view.blocks"])


_ALPHABET = string.ascii_letters + string.digits


def _generated_id(taken: set[str]) -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(5))
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def with_defaults(blocks: list[Any]) -> list[Any]:
    """A copy of valid blocks as Slack stores them: every block gets a block_id and every
    interactive element an action_id, as Slack generates them when they are left out."""
    taken = {block["block_id"] for block in blocks if "block_id" in block}
    stored: list[Any] = []
    for block in blocks:
        copy = _deep_copy(block)
        if "block_id" not in copy:
            copy["block_id"] = _generated_id(taken)
        elements: list[dict[str, Any]] = []
        if copy["type"] == "actions":
            elements = copy["elements"]
        elif copy["type"] == "input":
            elements = [copy["element"]]
        elif copy["type"] == "section" and "accessory" in copy:
            elements = [copy["accessory"]]
        action_ids = {element["action_id"] for element in elements if "action_id" in element}
        for element in elements:
            if element["type"] in INTERACTIVE_ELEMENTS and "action_id" not in element:
                element["action_id"] = _generated_id(action_ids)
        stored.append(copy)
    return stored


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value
