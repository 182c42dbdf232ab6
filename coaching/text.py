"""What people type, checked and cleaned the same way in every form and import.

Every free-text field has a limit, stated on its form and refused (never silently cut)
when exceeded. Text is stored in Unicode NFC. A single-line field (a name, a title)
loses invisible format characters (bidi overrides, zero-width marks) that could make it
read as something else, and its line breaks and tabs become spaces. Every field refuses
other control characters (a NUL byte, for one, which PostgreSQL cannot store).
"""

from __future__ import annotations

import re
import unicodedata

SHORT = 200
"""Names, titles, organizations and other one-line answers."""
LONG = 3000
"""Answers of a paragraph or a few."""

MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
"""A Slack member id as Slack writes it (U..., or W... on Enterprise Grid)."""
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
"""A Slack channel id (C..., or G... for an older private channel)."""

_LINE_SPACES = re.compile(r"[\t\n\r\v\f\u0085\u2028\u2029]+")

CONTROL_CHARACTERS = (
    "This contains an invisible control character that can't be stored; please retype it."
)


def too_long(limit: int) -> str:
    return f"Please keep this to {limit:,} characters or fewer."


def clean(value: str | None, *, multiline: bool = True) -> str:
    """`value` in NFC and trimmed; a single line without format characters, its line
    breaks and tabs turned into spaces; a paragraph with Windows line ends made plain."""
    text = unicodedata.normalize("NFC", value or "")
    if multiline:
        text = text.replace("\r\n", "\n")
    else:
        text = _LINE_SPACES.sub(" ", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.strip()


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


def problem(text: str, *, limit: int) -> str | None:
    """What is wrong with cleaned `text`, in words for the form; None when it is fine."""
    if has_control_characters(text):
        return CONTROL_CHARACTERS
    if len(text) > limit:
        return too_long(limit)
    return None


class Fields:
    """Cleans several fields at once, collecting one error per field name, so that every
    problem in a form is reported together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def text(
        self,
        name: str,
        value: str | None,
        *,
        limit: int,
        multiline: bool = True,
        required: str | None = None,
    ) -> str:
        """The cleaned text; `required` is the message when it is empty (None: optional)."""
        cleaned = clean(value, multiline=multiline)
        if required is not None and not cleaned:
            self.errors.setdefault(name, required)
            return cleaned
        found = problem(cleaned, limit=limit)
        if found is not None:
            self.errors.setdefault(name, found)
        return cleaned

    def line(
        self, name: str, value: str | None, *, limit: int = SHORT, required: str | None = None
    ) -> str:
        return self.text(name, value, limit=limit, multiline=False, required=required)
