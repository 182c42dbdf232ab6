"""The statement of mutual understanding: its form, the review DM and the record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from coaching.agreements import (
    COACH_TIME_LIMIT,
    MAX_MONTHS,
    MIN_MONTHS,
    SUGGESTED_MONTHS,
    AgreementText,
    Role,
    Terms,
)
from coaching.profiles import LONG_TEXT
from coaching.vocabulary import Frequency, MeetingForm
from handlers import ids
from handlers.views.inputs import text_input
from handlers.views.text import date_token, mrkdwn, plain_date, truncate
from storage.states import ChannelCopy

NO_FAULT = "no_fault"
OWNS_CHOICES = "owns_choices"
RECORDS_NOTE = (
    "Messages in a public employer's Slack may be public records and kept under retention "
    "rules. Agree the outline here; keep sensitive detail for your conversations."
)


def _options(items: list[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, text=truncate(label, 75)) for value, label in items]


def _chosen(options: list[Option], values: list[str]) -> list[Option] | None:
    picked = [option for option in options if option.value in values]
    return picked or None


def channel_note(channel: str | None, copy: ChannelCopy) -> str | None:
    """Who else reads what the pair signs, for the form."""
    if not channel:
        return None
    what = "the whole agreement" if copy == ChannelCopy.FULL else "a short notice that you signed"
    return (
        f"Once you both sign, {what} goes to <#{channel}>, where everyone in that channel "
        "can read it."
    )


def agreement_form(
    terms: Terms, relationship_id: int, other_name: str, channel: str | None = None
) -> View:
    """`channel` says who else will read what the pair signs (`channel_note`)."""
    forms = _options([(f.value, f.label) for f in MeetingForm])
    roles = _options([(r.value, r.label) for r in Role])
    frequencies = _options([(f.value, f.label) for f in Frequency])
    acknowledgements = _options(
        [
            (NO_FAULT, "Either of us may end this at any time, no fault, with thanks"),
            (OWNS_CHOICES, "The learner owns their choices; the coach isn't responsible for them"),
        ]
    )

    def text(
        block_id: str,
        label: str,
        value: str,
        *,
        optional: bool = True,
        hint: str | None = None,
        limit: int = LONG_TEXT,
    ) -> InputBlock:
        return text_input(
            block_id,
            label,
            limit=limit,
            value=value,
            optional=optional,
            multiline=limit > COACH_TIME_LIMIT,
            hint=hint,
        )

    blocks: list[Block] = [
        ContextBlock(
            elements=[MarkdownTextObject(text=" ".join(filter(None, (RECORDS_NOTE, channel))))]
        ),
        SectionBlock(
            text=f"How you and *{mrkdwn(other_name, 150)}* will work together. Submitting signs "
            "it; they'll be asked to sign or propose changes."
        ),
        text(
            "confidentiality",
            "Confidentiality: what, if anything, may either of you share?",
            terms.confidentiality,
            optional=False,
        ),
        InputBlock(
            block_id="start_date",
            label="Start",
            element=DatePickerElement(action_id=ids.INPUT, initial_date=terms.start_date or None),
        ),
        InputBlock(
            block_id="duration_months",
            label="Intended duration in months",
            hint=f"{SUGGESTED_MONTHS} months is a good first term.",
            element=NumberInputElement(
                action_id=ids.INPUT,
                is_decimal_allowed=False,
                min_value=str(MIN_MONTHS),
                max_value=str(MAX_MONTHS),
                initial_value=terms.duration_months or None,
            ),
        ),
        InputBlock(
            block_id="frequency",
            label="How often you'll be in touch",
            hint="At least every other month or quarterly keeps momentum.",
            element=StaticSelectElement(
                action_id=ids.INPUT,
                options=frequencies,
                initial_option=(_chosen(frequencies, [terms.frequency]) or [None])[0],
            ),
        ),
        InputBlock(
            block_id="contact_forms",
            label="Ways to be in touch",
            element=CheckboxesElement(
                action_id=ids.INPUT,
                options=forms,
                initial_options=_chosen(forms, terms.contact_forms),
            ),
        ),
        text(
            "coach_time",
            "The coach's approximate time",
            terms.coach_time,
            limit=COACH_TIME_LIMIT,
            hint="For example: an hour a month, plus e-mail in between.",
        ),
        InputBlock(
            block_id="coach_roles",
            label="What the learner asks of the coach",
            optional=True,
            element=CheckboxesElement(
                action_id=ids.INPUT,
                options=roles,
                initial_options=_chosen(roles, terms.coach_roles),
            ),
        ),
        text("goals", "Topics or goals", terms.goals),
        text("additional_points", "Additional points", terms.additional_points),
        InputBlock(
            block_id="acknowledgements",
            label="We both agree",
            element=CheckboxesElement(
                action_id=ids.INPUT,
                options=acknowledgements,
                initial_options=(
                    acknowledgements if terms.no_fault and terms.learner_owns_choices else None
                ),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.AGREEMENT_FORM_VIEW,
        title="Our agreement",
        submit="Sign and send",
        close="Cancel",
        private_metadata=str(relationship_id),
        blocks=blocks,
    )


def _labels(values: list[str], kind: type[MeetingForm] | type[Role]) -> str:
    known = {item.value: item.label for item in kind}
    return ", ".join(known.get(v, v) for v in values) or "—"


def terms_blocks(record: AgreementText, dated: Callable[[date], str] = date_token) -> list[Block]:
    """The terms; `dated` writes a date (a Slack date token in messages, plain words in
    a modal)."""
    terms = record.terms
    start = date.fromisoformat(terms.start_date) if terms.start_date else None
    fields = [
        ("Start", dated(start) if start else "—"),
        ("Duration", f"{terms.duration_months} months (to {dated(record.term_ends)})"),
        ("How often", Frequency(terms.frequency).label),
        ("Ways to be in touch", _labels(terms.contact_forms, MeetingForm)),
        ("Coach's time", mrkdwn(terms.coach_time, 1800) or "—"),
        ("Coach's role", _labels(terms.coach_roles, Role)),
    ]
    blocks: list[Block] = [
        SectionBlock(
            fields=[MarkdownTextObject(text=f"*{label}*\n{value}") for label, value in fields]
        ),
        SectionBlock(text=f"*Confidentiality*\n{mrkdwn(terms.confidentiality, 2900)}"),
    ]
    if terms.goals:
        blocks.append(SectionBlock(text=f"*Topics or goals*\n{mrkdwn(terms.goals, 2900)}"))
    if terms.additional_points:
        blocks.append(
            SectionBlock(text=f"*Additional points*\n{mrkdwn(terms.additional_points, 2900)}")
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Both agree that either may end the relationship at any time, no "
                    "fault, and that the learner owns their choices and actions."
                )
            ]
        )
    )
    return blocks


def _signatures(record: AgreementText, dated: Callable[[date], str] = date_token) -> str:
    def one(user: str, day: date | None) -> str:
        return f"<@{user}> signed {dated(day)}" if day else f"<@{user}> has not signed yet"

    learner = one(record.learner_user, record.learner_signed)
    return f"{learner} · {one(record.coach_user, record.coach_signed)}"


def review_message(record: AgreementText, drafter_user: str) -> tuple[str, list[dict]]:
    """The other party's DM: the draft, with Sign and Propose changes."""
    blocks: list[Block] = [
        SectionBlock(
            text=f"<@{drafter_user}> signed version {record.version} of your agreement and asks "
            "you to sign it too."
        ),
        *terms_blocks(record),
        ActionsBlock(
            block_id=f"review-{record.agreement_id}",
            elements=[
                ButtonElement(
                    text="Sign",
                    action_id=ids.AGREEMENT_SIGN,
                    value=str(record.agreement_id),
                    style="primary",
                ),
                ButtonElement(
                    text="Propose changes",
                    action_id=ids.AGREEMENT_CHANGE,
                    value=str(record.agreement_id),
                ),
            ],
        ),
    ]
    return f"Please review version {record.version} of your agreement.", [
        b.to_dict() for b in blocks
    ]


def reviewed_message(record: AgreementText, outcome: str) -> tuple[str, list[dict]]:
    blocks: list[Block] = [
        SectionBlock(text=f"Version {record.version} of your agreement."),
        *terms_blocks(record),
        ContextBlock(elements=[MarkdownTextObject(text=outcome)]),
    ]
    return outcome, [b.to_dict() for b in blocks]


def executed_record(record: AgreementText) -> tuple[str, list[dict]]:
    """The clear record posted to the pair (and copied to the program channel)."""
    assert record.executed is not None
    blocks: list[Block] = [
        HeaderBlock(text=f"Statement of mutual understanding · v{record.version}"),
        SectionBlock(
            text=f"Between <@{record.learner_user}> (learner) and <@{record.coach_user}> "
            f"(coach), executed {date_token(record.executed)}."
        ),
        *terms_blocks(record),
        ContextBlock(elements=[MarkdownTextObject(text=_signatures(record))]),
    ]
    text = f"Agreement version {record.version} executed on {plain_date(record.executed)}."
    return text, [b.to_dict() for b in blocks]


def executed_notice(record: AgreementText) -> tuple[str, list[dict]]:
    """What the program channel gets by default: that the pair signed, not what."""
    assert record.executed is not None
    terms = record.terms
    text = (
        f"<@{record.learner_user}> (learner) and <@{record.coach_user}> (coach) signed version "
        f"{record.version} of their agreement on {date_token(record.executed)}: "
        f"{Frequency(terms.frequency).label.lower()}, until {date_token(record.term_ends)}."
    )
    fallback = f"A pair signed version {record.version} of their agreement."
    return fallback, [SectionBlock(text=text).to_dict()]


def record_view(records: list[AgreementText]) -> View:
    """Every version a person may see: the open draft first, then executed versions."""
    blocks: list[Block] = []
    for record in records[:8]:
        title = f"Version {record.version} · {record.status}"
        blocks += [HeaderBlock(text=title), *terms_blocks(record, plain_date)]
        signatures = _signatures(record, plain_date)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=signatures)]))
        blocks.append(DividerBlock())
    if not blocks:
        blocks = [SectionBlock(text="No agreement has been recorded yet.")]
    return View(
        type="modal",
        callback_id=ids.AGREEMENT_RECORD_VIEW,
        title="Our agreement",
        close="Close",
        blocks=blocks[:100],
    )


def start_button(relationship_id: int) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"agreement-{relationship_id}",
        elements=[
            ButtonElement(
                text="Record our agreement",
                action_id=ids.AGREEMENT_START,
                value=str(relationship_id),
                style="primary",
            )
        ],
    )


def sent_for_signature(other_user: str, version: int) -> str:
    return (
        f"You signed version {version} of your agreement; it's with <@{other_user}> to sign "
        "or to propose changes."
    )
