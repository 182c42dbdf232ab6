"""What people type is stored cleaned and checked the same way in every form: Unicode
NFC, no invisible format characters in names, no control characters anywhere but
newlines and tabs in paragraphs, and a stated limit that is refused, never cut."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching import text
from coaching.profiles import (
    CoachApplication,
    Contact,
    InvalidApplication,
    LearnerApplication,
    clean_coach,
    clean_learner,
)

DECOMPOSED = "Jose\u0301 Nun\u0303ez"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"


def test_text_is_stored_in_nfc() -> None:
    assert text.clean(DECOMPOSED, multiline=False) == "José Nuñez"
    assert unicodedata.is_normalized("NFC", text.clean(DECOMPOSED))


def test_a_name_loses_bidi_controls_and_zero_width_characters() -> None:
    typed = f"Carl{RIGHT_TO_LEFT_OVERRIDE} Men\u200bdez\u2066\ufeff"
    assert text.clean(typed, multiline=False) == "Carl Mendez"


def test_a_name_keeps_letters_from_any_script() -> None:
    assert text.clean("  שלום Ōtsuka 王 ", multiline=False) == "שלום Ōtsuka 王"


def test_line_breaks_in_a_single_line_become_spaces() -> None:
    assert text.clean("City\nof\tAmes\r\n", multiline=False) == "City of Ames"


def test_a_paragraph_keeps_its_lines_and_tabs() -> None:
    assert text.clean("First\r\nSecond\n\tthird") == "First\nSecond\n\tthird"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused_in_paragraphs(control: str) -> None:
    fields = text.Fields()
    fields.text("why", f"I want{control} to grow", limit=text.LONG)
    assert fields.errors == {"why": text.CONTROL_CHARACTERS}


def test_a_nul_in_a_name_is_refused_not_stored() -> None:
    fields = text.Fields()
    fields.line("name", "Sam\x00Stone")
    assert fields.errors == {"name": text.CONTROL_CHARACTERS}


def test_text_over_the_limit_is_refused_not_cut() -> None:
    fields = text.Fields()
    kept = fields.text("reason", "x" * 1001, limit=1000)
    assert kept == "x" * 1001
    assert fields.errors == {"reason": "Please keep this to 1,000 characters or fewer."}


def test_text_at_the_limit_is_taken() -> None:
    fields = text.Fields()
    assert fields.text("reason", "x" * 1000, limit=1000) == "x" * 1000
    assert fields.errors == {}


@given(st.text())
def test_cleaning_is_idempotent_and_leaves_no_format_characters_in_a_line(typed: str) -> None:
    line = text.clean(typed, multiline=False)
    assert text.clean(line, multiline=False) == line
    assert not any(unicodedata.category(ch) == "Cf" for ch in line)
    assert "\n" not in line and "\t" not in line


def test_a_learner_application_is_cleaned_field_by_field() -> None:
    learner = clean_learner(
        LearnerApplication(
            contact=Contact(
                name=f"Lena{RIGHT_TO_LEFT_OVERRIDE} Ortiz",
                email="lena@example.gov",
                organization="Polk\u200b County",
                title="Analyst",
            ),
            why_coaching="Grow\r\ninto a director role.",
            frequency="monthly",
            coaching_kinds=["career"],
        )
    )
    assert (learner.contact.name, learner.contact.organization) == ("Lena Ortiz", "Polk County")
    assert learner.why_coaching == "Grow\ninto a director role."


def test_a_coach_application_with_control_characters_names_each_field() -> None:
    with pytest.raises(InvalidApplication) as raised:
        clean_coach(
            CoachApplication(
                contact=Contact(
                    name="Carl\x00", email="c@example.gov", organization="Ames", title="x"
                ),
                why_coach="To give\x1b back.",
            )
        )
    assert raised.value.errors["name"] == text.CONTROL_CHARACTERS
    assert raised.value.errors["why_coach"] == text.CONTROL_CHARACTERS
