"""Every slash command, callback_id, action_id and block_id the app uses.

`COMMANDS` is the one list of slash commands: handlers register from it, the help text
is built from it, and a test checks that `manifest.yml` says the same.
"""

from __future__ import annotations

import re
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

FIND_COACH = Command(
    name="/find-coach",
    description="Search the coach gallery and ask a coach for an intro",
    usage_hint="[words to search for, e.g. budget or council relations]",
    examples=("/find-coach", "/find-coach budget", "/find-coach strategic planing"),
)

REQUEST_INTRO = Command(
    name="/request-intro",
    description="Ask a coach for an introduction",
    usage_hint="@coach",
    examples=("/request-intro @a coach's name",),
)

AGREEMENT = Command(
    name="/coaching-agreement",
    description="Record or change the agreement with your coach or learner",
    usage_hint="[@the other person]",
    examples=("/coaching-agreement", "/coaching-agreement @your coach or learner"),
)

MY_COACHING = Command(
    name="/my-coaching",
    description="Your coaching relationships, agreements and 2 + 1 portfolio",
    usage_hint="",
    examples=("/my-coaching",),
)

LOG_CONVERSATION = Command(
    name="/log-conversation",
    description="Record that you and your coach or learner talked",
    usage_hint="[@the other person]",
    examples=("/log-conversation", "/log-conversation @your coach or learner"),
)

COACHING_HELP = Command(
    name="/coaching-help",
    description="Every Sounding Board command, with examples",
    usage_hint="[command]",
    examples=("/coaching-help", "/coaching-help find-coach"),
)

COACHABILITY = Command(
    name="/coachability",
    description="A private reflection: how ready am I to get the most from a coach?",
    usage_hint="",
    examples=("/coachability",),
)

ADMIN = Command(
    name="/coaching-admin",
    description="For program coordinators: figures, overdue pairs, export, settings, removal",
    usage_hint="[stats | overdue | export | settings | links | link @person address | "
    "unlink @person | remove @person]",
    examples=(
        "/coaching-admin",
        "/coaching-admin overdue",
        "/coaching-admin export",
        "/coaching-admin settings",
        "/coaching-admin links",
        "/coaching-admin link @a member their.address@example.gov",
        "/coaching-admin unlink @a member",
        "/coaching-admin remove @a member",
    ),
)

COMMANDS: tuple[Command, ...] = (
    PROFILE,
    FIND_COACH,
    REQUEST_INTRO,
    AGREEMENT,
    MY_COACHING,
    LOG_CONVERSATION,
    COACHING_HELP,
    COACHABILITY,
    ADMIN,
)


def indexed(action_id: str, index: int) -> str:
    """The action_id of the `index`-th of several buttons of one kind in one block
    (Slack refuses a block whose elements repeat an action_id)."""
    return f"{action_id}-{index}"


def any_index(action_id: str) -> re.Pattern[str]:
    """What to register for `action_id` used plainly or `indexed`."""
    return re.compile(rf"^{re.escape(action_id)}(-\d+)?$")


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

# Search results (an ephemeral message); the filter state rides in block_ids
FILTER_AREA = "search_area"
FILTER_REGION = "search_region"
FILTER_KIND = "search_kind"
FILTER_MEETING = "search_meeting"
FILTER_SLOT = "search_slot"
FILTER_ACTIONS = (FILTER_AREA, FILTER_REGION, FILTER_KIND, FILTER_MEETING, FILTER_SLOT)
PAGE = "search_page"
VIEW_COACH = "search_view_coach"
ASK_INTRO = "search_ask_intro"
ANY = "any"

# Intro requests
COACH_PROFILE_VIEW = "coach_profile"
INTRO_FORM_VIEW = "intro_request_form"
ACCEPT = "intro_accept"
ASK_QUESTION = "intro_ask_question"
DECLINE = "intro_decline"
QUESTION_VIEW = "intro_question_form"
ANSWER = "intro_answer"
ANSWER_VIEW = "intro_answer_form"
DECLINE_VIEW = "intro_decline_form"

# Agreements
AGREEMENT_FORM_VIEW = "agreement_form"
AGREEMENT_START = "agreement_start"
AGREEMENT_SIGN = "agreement_sign"
AGREEMENT_CHANGE = "agreement_change"
AGREEMENT_VIEW = "agreement_view"
AGREEMENT_RECORD_VIEW = "agreement_record"

# My coaching
RELATIONSHIP_PAUSE = "relationship_pause"
RELATIONSHIP_RESUME = "relationship_resume"
RELATIONSHIP_END = "relationship_end"
END_VIEW = "relationship_end_form"
FIND_FOR_SLOT = "find_for_slot"

# Help, guidance and the coachability reflection (handlers/guide.py)
COACHABILITY_VIEW = "coachability_form"
COACHABILITY_START = "coachability_start"
COACHABILITY_SHARE = "coachability_share"

# Check-ins, conversations, debriefs and nudges (handlers/checkins.py)
LOG_VIEW = "log_conversation_form"
LOG_START = "log_start"
PREPARE_START = "prepare_start"
PREPARE_VIEW = "prepare_form"
PREPARE_SHARE = "prepare_share"
DEBRIEF_START = "debrief_start"
DEBRIEF_VIEW = "debrief_form"
FOLLOW_UP_START = "follow_up_start"
FOLLOW_UP_VIEW = "follow_up_form"
RENEW = "term_renew"
CONCLUDE = "term_conclude"
KEEP_IN_TOUCH_START = "keep_in_touch_start"
KEEP_IN_TOUCH_VIEW = "keep_in_touch_form"

# The App Home and the coordinators' desk (handlers/home.py, handlers/admin.py)
HOME_FIND = "home_find_coach"
HOME_PAUSE = "home_pause"
HOME_RESUME = "home_resume"
HOME_PROFILE = "home_profile"
ADMIN_EXPORT = "admin_export"
ADMIN_REMOVE_CONFIRM = "admin_remove_confirm"
ADMIN_UNLINK = "admin_unlink"
ADMIN_SETTINGS_VIEW = "admin_settings_form"
ADMIN_RETRY = "admin_retry_delivery"
AT_RISK_MESSAGE = "at_risk_message"
PAIR_NOTE_VIEW = "pair_note_form"
ADMIN_HANDLED = "admin_delivery_handled"
