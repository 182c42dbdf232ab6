"""Profile views: the summary modal, the coach and learner forms, and short replies."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    EmailInputElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from coaching.profiles import (
    LONG_TEXT,
    MAX_LEARNERS,
    MAX_YEARS,
    SHORT_TEXT,
    CoachApplication,
    Contact,
    LearnerApplication,
    ProfileSummary,
)
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm
from handlers import ids
from handlers.views.inputs import text_input
from handlers.views.text import mrkdwn, truncate

PUBLIC_RECORDS_NOTE = (
    "Messages in your employer's Slack may be public records. Keep sensitive detail "
    "for your conversations, not your profile."
)


def _label(item: StrEnum) -> str:
    return getattr(item, "label", item.value)


def _options(items: Iterable[StrEnum]) -> list[Option]:
    return [Option(value=item.value, text=truncate(_label(item), 75)) for item in items]


def _selected(items: Iterable[StrEnum], values: list[str]) -> list[Option] | None:
    """The options for `values`, in the order the values were chosen."""
    known = {item.value: item for item in items}
    picked = [
        Option(value=value, text=truncate(_label(known[value]), 75))
        for value in values
        if value in known
    ]
    return picked or None


def _text_input(
    field: str,
    label: str,
    value: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    limit: int = SHORT_TEXT,
    hint: str | None = None,
) -> InputBlock:
    return text_input(
        field, label, limit=limit, value=value, optional=optional, multiline=multiline, hint=hint
    )


def _contact_inputs(contact: Contact) -> list[Block]:
    return [
        _text_input("name", "Name", contact.name),
        InputBlock(
            block_id="email",
            label="E-mail",
            element=EmailInputElement(action_id=ids.INPUT, initial_value=contact.email or None),
        ),
        _text_input("phone", "Phone", contact.phone, optional=True, limit=40),
        _text_input("organization", "Organization (city, county or agency)", contact.organization),
        _text_input(
            "department",
            "Department",
            contact.department,
            optional=True,
            hint="Used to suggest coaches inside and outside your department.",
        ),
        _text_input("title", "Title", contact.title),
        _text_input("city", "City", contact.city, optional=True, limit=100),
        _text_input("state", "State", contact.state, optional=True, limit=100),
    ]


def _frequency_input(value: str) -> InputBlock:
    return InputBlock(
        block_id="frequency",
        label="How often would you like to meet?",
        element=StaticSelectElement(
            action_id=ids.INPUT,
            options=_options(Frequency),
            initial_option=(_selected(Frequency, [value]) or [None])[0],
        ),
    )


def _kinds_input(values: list[str], label: str) -> InputBlock:
    return InputBlock(
        block_id="coaching_kinds",
        label=label,
        element=CheckboxesElement(
            action_id=ids.INPUT,
            options=_options(CoachingKind),
            initial_options=_selected(CoachingKind, values),
        ),
    )


def _modal(callback_id: str, title: str, blocks: list[Block], metadata: str, submit: str) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


def coach_form(application: CoachApplication, metadata: str = "") -> View:
    """The coach application, pre-filled with what is already known."""
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=PUBLIC_RECORDS_NOTE)]),
        HeaderBlock(text="About you"),
        *_contact_inputs(application.contact),
        HeaderBlock(text="Your experience"),
        InputBlock(
            block_id="years_in_local_government",
            label="Years in local government",
            element=NumberInputElement(
                action_id=ids.INPUT,
                is_decimal_allowed=False,
                min_value="0",
                max_value=str(MAX_YEARS),
                initial_value=application.years_in_local_government or None,
            ),
        ),
        _text_input(
            "education",
            "Education",
            application.education,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
        _text_input(
            "why_coach",
            "Why do you want to coach?",
            application.why_coach,
            multiline=True,
            limit=LONG_TEXT,
            hint="How your experience can help someone new to the profession or the region.",
        ),
        _text_input(
            "prior_mentoring",
            "Have you coached or mentored before?",
            application.prior_mentoring,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
        InputBlock(
            block_id="expertise",
            label="Your three strongest areas",
            hint="Choose exactly three.",
            element=StaticMultiSelectElement(
                action_id=ids.INPUT,
                options=_options(Expertise),
                initial_options=_selected(Expertise, application.expertise),
                max_selected_items=3,
            ),
        ),
        _text_input(
            "expertise_other",
            "If you chose Other: which area?",
            application.expertise_other,
            optional=True,
        ),
        _kinds_input(application.coaching_kinds, "Kinds of coaching you offer"),
        HeaderBlock(text="How you coach"),
        InputBlock(
            block_id="meeting_forms",
            label="How you like to meet",
            element=CheckboxesElement(
                action_id=ids.INPUT,
                options=_options(MeetingForm),
                initial_options=_selected(MeetingForm, application.meeting_forms),
            ),
        ),
        _frequency_input(application.frequency),
        InputBlock(
            block_id="max_learners",
            label="How many learners can you take at once?",
            hint="You can pause at any time with /coaching-profile pause.",
            element=NumberInputElement(
                action_id=ids.INPUT,
                is_decimal_allowed=False,
                min_value="1",
                max_value=str(MAX_LEARNERS),
                initial_value=application.max_learners or "2",
            ),
        ),
        _text_input(
            "learner_preferences",
            "Any preferences about the learners you coach?",
            application.learner_preferences,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
        _text_input(
            "extra_info",
            "Anything else learners should know about you",
            application.extra_info,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
    ]
    return _modal(ids.COACH_FORM_VIEW, "Coach profile", blocks, metadata, "Save")


def learner_form(application: LearnerApplication, metadata: str = "") -> View:
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=PUBLIC_RECORDS_NOTE)]),
        HeaderBlock(text="About you"),
        *_contact_inputs(application.contact),
        HeaderBlock(text="What you are looking for"),
        _text_input(
            "why_coaching",
            "Why would you like a coach?",
            application.why_coaching,
            multiline=True,
            limit=LONG_TEXT,
        ),
        _kinds_input(application.coaching_kinds, "Kinds of coaching you are looking for"),
        _text_input(
            "hopes",
            "What do you hope to get from coaching?",
            application.hopes,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
        _text_input(
            "prior_experience",
            "Have you had a coach or mentor before?",
            application.prior_experience,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
        _frequency_input(application.frequency),
        _text_input(
            "coach_preferences",
            "Any preferences about your coach?",
            application.coach_preferences,
            optional=True,
            multiline=True,
            limit=LONG_TEXT,
        ),
    ]
    return _modal(ids.LEARNER_FORM_VIEW, "Learner profile", blocks, metadata, "Save")


def _labels(kind: type[StrEnum], values: list[str]) -> str:
    known = {item.value: _label(item) for item in kind}
    return ", ".join(known.get(value, value) for value in values) or "—"


def _fields(pairs: list[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as sections of at most ten fields, skipping empty values."""
    shown = [
        MarkdownTextObject(text=f"*{label}*\n{mrkdwn(value, 1900)}")
        for label, value in pairs
        if value.strip()
    ]
    return [SectionBlock(fields=shown[i : i + 10]) for i in range(0, len(shown), 10)]


def _contact_fields(contact: Contact) -> list[Block]:
    place = ", ".join(part for part in (contact.city, contact.state) if part)
    return _fields(
        [
            ("Title", contact.title),
            ("Organization", contact.organization),
            ("Department", contact.department),
            ("Where", place),
            ("E-mail", contact.email),
            ("Phone", contact.phone),
        ]
    )


def _coach_fields(coach: CoachApplication, paused: bool) -> list[Block]:
    areas = [area if area != Expertise.OTHER else coach.expertise_other for area in coach.expertise]
    status = "Paused: not taking new learners" if paused else "Taking learners"
    return [
        HeaderBlock(text="As a coach"),
        *_fields(
            [
                ("Status", status),
                ("Learners at once", coach.max_learners),
                ("Strongest areas", ", ".join(areas)),
                ("Kinds of coaching", _labels(CoachingKind, coach.coaching_kinds)),
                ("Meets by", _labels(MeetingForm, coach.meeting_forms)),
                ("How often", _labels(Frequency, [coach.frequency])),
                ("Years in local government", coach.years_in_local_government),
            ]
        ),
        SectionBlock(text=f"*Why I coach*\n{mrkdwn(coach.why_coach, 2900)}"),
    ]


def _learner_fields(learner: LearnerApplication) -> list[Block]:
    return [
        HeaderBlock(text="As a learner"),
        *_fields(
            [
                ("Looking for", _labels(CoachingKind, learner.coaching_kinds)),
                ("How often", _labels(Frequency, [learner.frequency])),
            ]
        ),
        SectionBlock(text=f"*Why I want a coach*\n{mrkdwn(learner.why_coaching, 2900)}"),
    ]


def profile_summary(summary: ProfileSummary) -> View:
    """Your own profile, with buttons to edit it, register in the other role, or pause."""
    if not summary.registered:
        blocks: list[Block] = [
            SectionBlock(
                text="Sounding Board pairs people in local government with experienced "
                "coaches. Register as a *learner* to find a coach, as a *coach* to help "
                "others grow, or both."
            ),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Register as a learner", action_id=ids.EDIT_LEARNER, style="primary"
                    ),
                    ButtonElement(text="Register as a coach", action_id=ids.EDIT_COACH),
                ]
            ),
        ]
        return View(
            type="modal",
            callback_id=ids.PROFILE_SUMMARY_VIEW,
            title="Your profile",
            close="Close",
            blocks=blocks,
        )
    assert summary.contact is not None
    blocks = [
        SectionBlock(text=f"*{mrkdwn(summary.contact.name, 200)}*"),
        *_contact_fields(summary.contact),
    ]
    buttons: list[ButtonElement] = []
    if summary.coach is not None:
        blocks += [DividerBlock(), *_coach_fields(summary.coach, summary.coach_paused)]
        buttons.append(ButtonElement(text="Edit coach profile", action_id=ids.EDIT_COACH))
        if summary.coach_paused:
            buttons.append(ButtonElement(text="Resume coaching", action_id=ids.RESUME_COACHING))
        else:
            buttons.append(ButtonElement(text="Pause coaching", action_id=ids.PAUSE_COACHING))
    else:
        buttons.append(ButtonElement(text="Also register as a coach", action_id=ids.EDIT_COACH))
    if summary.learner is not None:
        blocks += [DividerBlock(), *_learner_fields(summary.learner)]
        buttons.insert(0, ButtonElement(text="Edit learner profile", action_id=ids.EDIT_LEARNER))
    else:
        buttons.append(ButtonElement(text="Also register as a learner", action_id=ids.EDIT_LEARNER))
    blocks += [DividerBlock(), ActionsBlock(elements=buttons)]
    return View(
        type="modal",
        callback_id=ids.PROFILE_SUMMARY_VIEW,
        title="Your profile",
        close="Close",
        blocks=blocks,
    )


def saved_message(role: str) -> str:
    if role == "coach":
        return (
            "Your coach profile is saved. Learners can now find you. "
            "Use `/coaching-profile pause` whenever you need a break."
        )
    return "Your learner profile is saved. Next, look for a coach who fits what you hope for."


def paused_message(paused: bool) -> str:
    if paused:
        return (
            "You're paused: learners won't be offered you and no new requests will reach you. "
            "Your current learners are not affected. `/coaching-profile resume` to come back."
        )
    return "Welcome back: learners can find you again."


def capacity_message(learners: int) -> str:
    noun = "learner" if learners == 1 else "learners"
    return f"Got it: you'll be offered to learners until you have {learners} {noun}."


def command_help(problem: str | None = None) -> str:
    lines = [f"*{ids.PROFILE.name}* — {ids.PROFILE.description}"]
    if problem:
        lines.insert(0, problem)
    lines += [f"• `{example}`" for example in ids.PROFILE.examples]
    return "\n".join(lines)
