"""The synthetic Slack workspace every Slack-level test starts from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

TEAM = "T0TEAM"
BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret-do-not-use"
PROGRAM_CHANNEL = "C0PROGRAM"
TUESDAY = datetime(2026, 11, 24, 17, tzinfo=UTC)
"""A working Tuesday: 11:00 in Chicago, where most of the people are."""

LEARNER = "U0LEARNER"
COACH = "U0COACH"
OTHER_LEARNER = "U0OTHER"
COORDINATOR = "U0ADMIN"
STRANGER = "U0STRANGER"

USERS: dict[str, dict[str, Any]] = {
    LEARNER: {
        "real_name": "Lena Ortiz",
        "email": "lena.ortiz@example.gov",
        "title": "Senior Management Analyst",
        "tz": "America/Chicago",
        "phone": "(515) 555-0142",
    },
    COACH: {
        "real_name": "Carl Mendez",
        "email": "carl.mendez@example.gov",
        "title": "City Manager",
        "tz": "America/Denver",
    },
    OTHER_LEARNER: {
        "real_name": "Priya Shah",
        "email": "priya.shah@example.gov",
        "title": "Budget Analyst",
        "tz": "America/New_York",
    },
    COORDINATOR: {
        "real_name": "Dana Whitfield",
        "email": "dana.whitfield@example.gov",
        "title": "Program Coordinator",
        "tz": "America/Chicago",
    },
    STRANGER: {
        "real_name": "Sam Stone",
        "email": "sam.stone@example.gov",
        "title": "",
        "tz": "America/Los_Angeles",
    },
}


# -- installing with "Add to Slack" (OAuth), and a second workspace beside the first -----

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret-do-not-use"

COUNTY = "T0COUNTY"
COUNTY_NAME = "Travis County"
COUNTY_CHANNEL = "C0COUNTY"
COUNTY_COORDINATOR = "U0CADMIN"
COUNTY_LEARNER = "U0CLEARNER"
COUNTY_COACH = "U0CCOACH"
COUNTY_STRANGER = "U0CSTRANGER"

COUNTY_USERS: dict[str, dict[str, Any]] = {
    COUNTY_COORDINATOR: {
        "real_name": "Quentin Ashgrove",
        "email": "quentin.ashgrove@county.example.gov",
        "title": "Leadership Program Manager",
        "tz": "America/Chicago",
    },
    COUNTY_LEARNER: {
        "real_name": "Rosalind Pembury",
        "email": "rosalind.pembury@county.example.gov",
        "title": "Assistant Budget Officer",
        "tz": "America/Chicago",
    },
    COUNTY_COACH: {
        "real_name": "Thaddeus Okonkwo",
        "email": "thaddeus.okonkwo@county.example.gov",
        "title": "County Administrator",
        "tz": "America/Chicago",
    },
    COUNTY_STRANGER: {
        "real_name": "Ulla Brandvold",
        "email": "ulla.brandvold@county.example.gov",
        "title": "",
        "tz": "America/Chicago",
    },
}


def coach_form_values(**changes: Any) -> dict[str, Any]:
    """A complete, valid coach application as modal inputs (by block_id)."""
    values: dict[str, Any] = {
        "name": "Carl Mendez",
        "email": "carl.mendez@example.gov",
        "phone": "303-555-0188",
        "organization": "City of Alder Springs",
        "department": "City Manager's Office",
        "title": "City Manager",
        "city": "Alder Springs",
        "state": "CO",
        "years_in_local_government": "22",
        "education": "MPA",
        "why_coach": "I had great coaches early on and want to return the favour.",
        "prior_mentoring": "Coached six analysts through our regional program.",
        "expertise": ["Finance", "Strategic Planning", "Council-Manager Relations"],
        "expertise_other": "",
        "coaching_kinds": ["career", "political"],
        "meeting_forms": ["video", "phone"],
        "frequency": "monthly",
        "max_learners": "3",
        "learner_preferences": "",
        "extra_info": "",
    }
    values.update(changes)
    return values


def learner_form_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Lena Ortiz",
        "email": "lena.ortiz@example.gov",
        "phone": "(515) 555-0142",
        "organization": "Polk County",
        "department": "Public Works",
        "title": "Senior Management Analyst",
        "city": "Des Moines",
        "state": "IA",
        "why_coaching": "I want to move into a deputy director role within five years.",
        "coaching_kinds": ["career"],
        "hopes": "A clearer plan and a wider network.",
        "prior_experience": "",
        "frequency": "quarterly",
        "coach_preferences": "",
    }
    values.update(changes)
    return values
