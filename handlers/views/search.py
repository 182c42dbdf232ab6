"""Search results: the gallery page with its filters, and a coach's full profile."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from coaching.gallery import SearchPage
from coaching.ranking import REMOTE, CoachCard, Filters, Match, Slot
from coaching.vocabulary import CoachingKind, Expertise, MeetingForm
from handlers import ids
from handlers.views.text import counted, mrkdwn, truncate

TEXT_IN_STATE = 60
STATE_CHARS = 200
"""The most of a block_id (255 characters) the filters may take, leaving room for the
prefix; counted in UTF-16 code units, so an emoji counts as two whatever Slack counts."""


def encode_filters(filters: Filters) -> str:
    """Filters compact enough for a block_id (255 characters) or a modal's metadata."""
    return filters.encoded(limit=STATE_CHARS, text_limit=TEXT_IN_STATE)


def state_block_id(prefix: str, filters: Filters) -> str:
    return f"{prefix}|{encode_filters(filters)}"


def filters_from_block_id(block_id: str) -> Filters:
    return Filters.decoded(block_id.partition("|")[2])


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=truncate(label, 75))


def _select(
    action_id: str, placeholder: str, choices: list[tuple[str, str]], current: str | None
) -> StaticSelectElement:
    options = [_option(ids.ANY, placeholder), *(_option(v, label) for v, label in choices)]
    initial = next((option for option in options if option.value == current), None)
    return StaticSelectElement(
        action_id=action_id,
        placeholder=placeholder,
        options=options[:100],
        initial_option=initial,
    )


def _filters_block(filters: Filters, regions: list[str]) -> ActionsBlock:
    return ActionsBlock(
        block_id=state_block_id("filters", filters),
        elements=[
            _select(
                ids.FILTER_AREA,
                "Any area",
                [(area.value, area.value) for area in Expertise if area is not Expertise.OTHER],
                filters.area,
            ),
            _select(
                ids.FILTER_REGION,
                "Anywhere",
                [(REMOTE, "Remote is fine")] + [(r, f"In person in {r}") for r in regions],
                filters.region,
            ),
            _select(
                ids.FILTER_KIND,
                "Any kind of coaching",
                [(kind.value, kind.short_label) for kind in CoachingKind],
                filters.kind,
            ),
            _select(
                ids.FILTER_MEETING,
                "Any way to meet",
                [(form.value, form.label) for form in MeetingForm],
                filters.meeting,
            ),
            _select(
                ids.FILTER_SLOT,
                "Any place (2 + 1)",
                [(slot.value, slot.label) for slot in Slot],
                filters.slot.value if filters.slot else None,
            ),
        ],
    )


def _place(coach: CoachCard) -> str:
    return ", ".join(part for part in (coach.city, coach.state) if part)


def _labels(kind: type[CoachingKind] | type[MeetingForm], values: tuple[str, ...]) -> str:
    known = {item.value: item for item in kind}
    return ", ".join(
        getattr(known[v], "short_label", None) or known[v].label for v in values if v in known
    )


def result_blocks(match: Match, filters: Filters) -> list[Block]:
    coach = match.coach
    room = f"room for {coach.room} more" if coach.room > 1 else "room for one more"
    lines = [
        f"*{mrkdwn(coach.name, 150)}* · {mrkdwn(coach.title, 150)}, "
        f"{mrkdwn(coach.organization, 150)}"
        + (f" · {mrkdwn(_place(coach), 150)}" if _place(coach) else ""),
        f"Strongest in {mrkdwn(', '.join(coach.area_labels), 400)} · "
        f"{counted(coach.years, 'year')} in local government",
        f"{_labels(CoachingKind, coach.coaching_kinds)} · meets by "
        f"{_labels(MeetingForm, coach.meeting_forms).lower()} · {room}",
    ]
    return [
        SectionBlock(text="\n".join(lines)),
        ContextBlock(elements=[MarkdownTextObject(text=mrkdwn(" · ".join(match.reasons), 2000))]),
        ActionsBlock(
            block_id=state_block_id(f"coach-{coach.person_id}", filters),
            elements=[
                ButtonElement(
                    text="View profile", action_id=ids.VIEW_COACH, value=str(coach.person_id)
                ),
                ButtonElement(
                    text="Ask for an intro",
                    action_id=ids.ASK_INTRO,
                    value=str(coach.person_id),
                    style="primary",
                ),
            ],
        ),
    ]


def suggestions(intro: str, matches: list[Match]) -> list[Block]:
    """Coaches offered to a learner (after a decline, an expiry, a coach leaving): each
    as in the gallery, with View profile and Ask for an intro."""
    blocks: list[Block] = [SectionBlock(text=intro)]
    for match in matches:
        blocks += [DividerBlock(), *result_blocks(match, Filters())]
    return blocks


WIDEN_TIPS = (
    "No coach matches all of that. Try fewer words, check the spelling, or set a filter "
    "back to *Any*; choosing *Remote is fine* instead of a state widens the search most."
)


def search_results(page: SearchPage, note: str | None = None) -> list[dict[str, Any]]:
    """The gallery as message blocks: filters, one page of coaches, paging; `note` says
    what just happened (a request sent)."""
    filters = page.filters
    if page.total:
        first = page.page * 5 + 1
        summary = (
            f"{page.total} coach{'es' if page.total != 1 else ''} match"
            f"{'' if page.total != 1 else 'es'}"
            + (f" “{mrkdwn(filters.text, 60)}”" if filters.text.strip() else "")
            + (f" · showing {first}–{first + len(page.matches) - 1}" if page.pages > 1 else "")
        )
    else:
        summary = WIDEN_TIPS
    blocks: list[Block] = [
        HeaderBlock(text="Find a coach"),
        *([ContextBlock(elements=[MarkdownTextObject(text=note)])] if note else []),
        SectionBlock(text=summary),
        _filters_block(filters, page.regions[:98]),
    ]
    for match in page.matches:
        blocks += [DividerBlock(), *result_blocks(match, filters)]
    if page.pages > 1:
        buttons = []
        if page.page > 0:
            buttons.append(
                ButtonElement(
                    text="Previous", action_id=ids.indexed(ids.PAGE, 0), value=str(page.page - 1)
                )
            )
        if page.page + 1 < page.pages:
            buttons.append(
                ButtonElement(
                    text="More coaches",
                    action_id=ids.indexed(ids.PAGE, 1),
                    value=str(page.page + 1),
                )
            )
        blocks += [
            DividerBlock(),
            ActionsBlock(block_id=state_block_id("pages", filters), elements=buttons),
        ]
    return [block.to_dict() for block in blocks]


def coach_profile(coach: CoachCard, filters: Filters, asked: bool = False) -> View:
    """A coach's full profile, as a modal, with the intro button (or, once `asked`, a
    note that the request is on its way)."""
    blocks: list[Block] = [
        SectionBlock(
            text=f"*{mrkdwn(coach.name, 150)}*\n{mrkdwn(coach.title, 150)}, "
            f"{mrkdwn(coach.organization, 150)}"
            + (f"\n{mrkdwn(coach.department, 150)}" if coach.department else "")
            + (f"\n{mrkdwn(_place(coach), 150)}" if _place(coach) else "")
            + f"\n{counted(coach.years, 'year')} in local government"
        ),
        SectionBlock(
            fields=[
                MarkdownTextObject(
                    text=f"*Strongest areas*\n{mrkdwn(', '.join(coach.area_labels), 1900)}"
                ),
                MarkdownTextObject(
                    text=f"*Kinds of coaching*\n{_labels(CoachingKind, coach.coaching_kinds)}"
                ),
                MarkdownTextObject(text=f"*Meets by*\n{_labels(MeetingForm, coach.meeting_forms)}"),
                MarkdownTextObject(
                    text="*Room*\n"
                    + (
                        f"Room for {counted(coach.room, 'more learner')}"
                        if coach.room
                        else "Full just now"
                    )
                ),
            ]
        ),
        SectionBlock(text=f"*Why I coach*\n{mrkdwn(coach.statement, 2900)}"),
    ]
    if asked:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text="✓ Request sent: they'll answer you in a DM.")]
            )
        )
    else:
        blocks.append(
            ActionsBlock(
                block_id=state_block_id(f"coach-{coach.person_id}", filters),
                elements=[
                    ButtonElement(
                        text="Ask for an intro",
                        action_id=ids.ASK_INTRO,
                        value=str(coach.person_id),
                        style="primary",
                    )
                ],
            )
        )
    return View(
        type="modal",
        callback_id=ids.COACH_PROFILE_VIEW,
        title="Coach profile",
        close="Close",
        blocks=blocks,
    )
