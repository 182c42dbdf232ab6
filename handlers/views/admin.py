"""The coordinators' desk: figures, overdue pairs, the export note, removal."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from coaching.program import FailedDelivery, Figures, OverduePair
from handlers import ids
from handlers.views.text import mrkdwn

REFUSED = "Sorry, that's only for the program's coordinators."
MAX_OVERDUE = 20


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} h" if value < 48 else f"{value / 24:.1f} days"


def figure_blocks(figures: Figures) -> list[Block]:
    pairs = [
        ("Coaches", str(figures.coaches)),
        ("Learners", str(figures.learners)),
        ("Pairs (exploring, active, paused)", str(figures.active_pairs)),
        ("Requests waiting", str(figures.pending_requests)),
        ("Requests accepted", _rate(figures.acceptance_rate)),
        ("Median time to answer", _hours(figures.median_answer_hours)),
        ("Active pairs on cadence", str(figures.on_cadence)),
        ("Active pairs overdue", str(figures.overdue)),
        ("Failed deliveries", str(figures.failed_deliveries)),
    ]
    return [
        HeaderBlock(text="Program"),
        SectionBlock(
            fields=[MarkdownTextObject(text=f"*{label}*\n{value}") for label, value in pairs]
        ),
    ]


def overdue_blocks(late: list[OverduePair]) -> list[Block]:
    if not late:
        return [SectionBlock(text="No active pair is overdue.")]
    lines = [
        f"• {mrkdwn(p.learner, 100)} with {mrkdwn(p.coach, 100)}: last talked "
        f"{p.last_conversation.isoformat() if p.last_conversation else 'never'}, "
        f"overdue since {p.overdue_since.isoformat()}"
        for p in late[:MAX_OVERDUE]
    ]
    if len(late) > MAX_OVERDUE:
        lines.append(f"…and {len(late) - MAX_OVERDUE} more (see the export).")
    return [SectionBlock(text="*Overdue pairs*\n" + "\n".join(lines))]


def failure_blocks(failures: list[FailedDelivery]) -> list[Block]:
    if not failures:
        return []
    lines = [
        f"• {f.kind.replace('_', ' ')} to {mrkdwn(f.recipient, 100)}: `{mrkdwn(f.reason, 60)}` "
        f"({f.due.date().isoformat()})"
        for f in failures
    ]
    return [SectionBlock(text="*Deliveries that failed*\n" + "\n".join(lines))]


def desk(
    figures: Figures, late: list[OverduePair], failures: list[FailedDelivery] | None = None
) -> list[dict]:
    blocks = [
        *figure_blocks(figures),
        *overdue_blocks(late),
        *failure_blocks(failures or []),
        ActionsBlock(
            elements=[ButtonElement(text="Export CSV", action_id=ids.ADMIN_EXPORT, value="all")]
        ),
    ]
    return [block.to_dict() for block in blocks]


def confirm_removal(user_id: str) -> list[dict]:
    blocks: list[Block] = [
        SectionBlock(
            text=f"Remove <@{user_id}> and all their data from the program: profiles, "
            "requests, relationships, agreements, conversations and debriefs? Their "
            "coaches and learners keep nothing of it. This can't be undone."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Remove their data",
                    action_id=ids.ADMIN_REMOVE_CONFIRM,
                    value=user_id,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Remove for good?",
                        text="Everything about this person will be deleted.",
                        confirm="Remove",
                        deny="Keep",
                    ),
                )
            ]
        ),
    ]
    return [block.to_dict() for block in blocks]


def removed(user_id: str, rows: int) -> str:
    if rows == 0:
        return f"<@{user_id}> has no data in the program; nothing to remove."
    return f"Removed <@{user_id}> and {rows} row(s) about them. The removal is recorded."


def export_note(files: list[str]) -> str:
    return (
        f"The program export: {', '.join(files)}. Debrief answers are private to learners and "
        "are never exported."
    )


ADMIN_HELP = (
    "`/coaching-admin` shows the program's figures and overdue pairs; "
    "`/coaching-admin export` sends the CSV files to you; "
    "`/coaching-admin remove @person` removes a person's data after you confirm."
)
