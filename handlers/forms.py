"""Reading a submitted modal's inputs as plain values keyed by block_id."""

from __future__ import annotations

import re
from typing import Any

from handlers import ids


def input_values(view: dict[str, Any]) -> dict[str, str | list[str]]:
    """Each input's value: a string for text, number, e-mail and single selects, a list of
    option values for checkboxes and multi-selects. Untouched inputs are empty."""
    values: dict[str, str | list[str]] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        state = actions.get(ids.INPUT)
        if state is None:
            continue
        if "selected_options" in state:
            values[block_id] = [option["value"] for option in state["selected_options"] or []]
        elif "selected_option" in state:
            selected = state["selected_option"]
            values[block_id] = selected["value"] if selected else ""
        elif "selected_date" in state:
            values[block_id] = state["selected_date"] or ""
        elif "selected_user" in state:
            values[block_id] = state["selected_user"] or ""
        elif "selected_users" in state:
            values[block_id] = list(state["selected_users"] or [])
        elif "selected_conversation" in state:
            values[block_id] = state["selected_conversation"] or ""
        else:
            values[block_id] = state.get("value") or ""
    return values


def text(values: dict[str, str | list[str]], field: str) -> str:
    value = values.get(field, "")
    return value if isinstance(value, str) else ""


def choices(values: dict[str, str | list[str]], field: str) -> list[str]:
    value = values.get(field, [])
    return value if isinstance(value, list) else [value] if value else []


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned_user(command_text: str) -> str | None:
    """The first @-mentioned member in a command's text (Slack escapes mentions as
    `<@U123|name>` for commands that ask it to)."""
    found = _MENTION.search(command_text)
    return found.group(1) if found else None


_EMAIL = re.compile(r"<mailto:([^|>\s]+)(?:\|[^>]*)?>|([^\s<>|@]+@[^\s<>|@]+)")


def mentioned_email(command_text: str) -> str | None:
    """The first e-mail address in a command's text, plain or as Slack formats it for
    commands that ask for escaping (`<mailto:a@b.gov|a@b.gov>`)."""
    found = _EMAIL.search(_MENTION.sub(" ", command_text))
    if found is None:
        return None
    return (found.group(1) or found.group(2)).lower()


def form_subject(view: dict[str, Any]) -> int:
    """The id a form was opened for (its private_metadata, which Slack returns as the app
    set it)."""
    return int(view.get("private_metadata") or 0)


def clicked_id(body: dict[str, Any]) -> int:
    """The numeric id a button carries as its value; 0 when it carries none."""
    value = str(body["actions"][0].get("value", ""))
    return int(value) if value.isdecimal() else 0
