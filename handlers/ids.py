"""Every slash command, callback_id, action_id and block_id the app uses.

`COMMANDS` is the one list of slash commands: handlers register from it, the help text
is built from it, and a test checks that `manifest.yml` says the same.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    usage_hint: str
    examples: tuple[str, ...]


PROFILE = Command(
    name="/coaching-profile",
    description="Create, view or edit your coach or learner profile",
    usage_hint="[coach | learner | pause | resume | capacity N | help]",
    examples=(
        "/coaching-profile",
        "/coaching-profile learner",
        "/coaching-profile coach",
        "/coaching-profile pause",
        "/coaching-profile capacity 3",
    ),
)

COMMANDS: tuple[Command, ...] = (PROFILE,)

# Modals (callback_id)
PROFILE_SUMMARY_VIEW = "profile_summary"
COACH_FORM_VIEW = "coach_profile_form"
LEARNER_FORM_VIEW = "learner_profile_form"

# Buttons (action_id)
EDIT_COACH = "profile_edit_coach"
EDIT_LEARNER = "profile_edit_learner"
PAUSE_COACHING = "profile_pause"
RESUME_COACHING = "profile_resume"

# Inputs: the block_id of each form input is the field name the rules report errors
# against (coaching.profiles), and every input's action_id is INPUT.
INPUT = "value"
CONTACT_FIELDS = (
    "name",
    "email",
    "phone",
    "organization",
    "department",
    "title",
    "city",
    "state",
)
