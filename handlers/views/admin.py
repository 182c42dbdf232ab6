"""The coordinators' desk: figures, overdue pairs, the export note, removal."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    ConversationSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from coaching.deliveries import FailedDelivery
from coaching.figures import Figures, OverduePair
from coaching.identity import Mismatch
from coaching.notes import NOTE_LIMIT
from coaching.programs import NOT_A_COORDINATOR, ProgramSettings
from coaching.roster import MAX_SIZE
from handlers import ids
from handlers.views.inputs import text_input
from handlers.views.text import counted, date_token, listed, mrkdwn
from storage.states import ChannelCopy

REFUSED = NOT_A_COORDINATOR


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} h" if value < 48 else f"{value / 24:.1f} days"


def figure_blocks(figures: Figures) -> list[Block]:
    people = [
        ("Coaches", str(figures.coaches)),
        ("Learners", str(figures.learners)),
        ("Requests waiting", str(figures.pending_requests)),
        ("Requests accepted", _rate(figures.acceptance_rate)),
        ("Median time to answer", _hours(figures.median_answer_hours)),
    ]
    pairs = [
        ("Pairs together (exploring, active, paused)", str(figures.active_pairs)),
        ("Active pairs on cadence", str(figures.on_cadence)),
        ("Active pairs overdue", str(figures.overdue)),
        ("Pairs at risk", str(figures.at_risk)),
        ("Pairs concluded", str(figures.concluded_pairs)),
        ("Conversations logged", str(figures.conversations)),
        ("Failed deliveries", str(figures.failed_deliveries)),
    ]
    return [
        HeaderBlock(text="Program"),
        *(
            SectionBlock(
                fields=[MarkdownTextObject(text=f"*{label}*\n{value}") for label, value in group]
            )
            for group in (people, pairs)
        ),
    ]


def overdue_blocks(late: list[OverduePair]) -> list[Block]:
    if not late:
        return [SectionBlock(text="No active pair is overdue.")]
    lines = [
        f"• {mrkdwn(p.learner, 100)} with {mrkdwn(p.coach, 100)}: last talked "
        f"{date_token(p.last_conversation) if p.last_conversation else 'never'}, "
        f"overdue since {date_token(p.overdue_since)}"
        for p in late
    ]
    return [SectionBlock(text="*Overdue pairs*\n" + listed(lines, 2800, "\n"))]


LEFT_THE_WORKSPACE = frozenset(
    {"user_not_found", "users_not_found", "account_inactive", "user_disabled", "cannot_dm_bot"}
)
WHAT = {
    "intro_request": "an intro request",
    "request_answered": "the update of an intro request",
    "group_intro": "a pair's introduction in their group DM",
    "agreement_record": "an agreement's record in the pair's group DM",
    "agreement_copy": "an agreement's copy for the program channel",
    "agreement_review": "an agreement to review and sign",
    "export": "the program's export",
    "roster_report": "a roster import's report",
    "roster_unimported": "the answer to a roster file",
    "program_notice": "a note for coordinators",
    "at_risk_digest": "the weekly list of pairs at risk",
}


def in_plain_words(failure: FailedDelivery) -> str:
    """Why a message could not be delivered, as a coordinator can act on it."""
    code, _, detail = failure.reason.partition(":")
    to_channel = failure.to_program_channel
    if code == "invalid_blocks":
        rule = f" ({detail.strip()})" if detail.strip() else ""
        return f"Slack refused the message: its layout broke one of Slack's rules{rule}"
    if code == "msg_too_long":
        return "Slack refused the message: it was too long"
    if code == "not_in_channel" or (to_channel and code == "channel_not_found"):
        return "the bot is not in the program channel: invite it there, then retry"
    if code == "is_archived":
        if to_channel:
            return "the program channel is archived: choose another one, then retry"
        return "this person has left the workspace"
    if code in LEFT_THE_WORKSPACE:
        return "this person has left the workspace or can't be reached"
    if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive"):
        return "Slack no longer accepts the bot's token: reinstall the app, then retry"
    if code in ("missing_scope", "no_permission", "restricted_action"):
        return "the app lacks a permission Slack asks for: reinstall it from the manifest"
    if code == "ratelimited":
        return f"Slack was too busy to take it after {failure.attempts} tries"
    if code in ("ConnectionError", "TimeoutError", "URLError", "OSError", "RemoteDisconnected"):
        return f"Slack could not be reached after {failure.attempts} tries"
    return f"Slack answered `{mrkdwn(code, 60)}`"


def _failure_line(failure: FailedDelivery) -> str:
    what = WHAT.get(failure.kind, f"a {failure.kind.replace('_', ' ')} message")
    return (
        f"*{what.capitalize()}* for {_addressee(failure)}, {date_token(failure.due)}: "
        f"{in_plain_words(failure)}."
    )


def _addressee(failure: FailedDelivery) -> str:
    if failure.recipient is not None:
        return mrkdwn(failure.recipient, 100)
    if failure.member is not None:
        return f"<@{failure.member}>"
    return "the program channel"


def failure_blocks(failures: list[FailedDelivery]) -> list[Block]:
    """Each failed delivery in plain words, with Retry and Mark handled."""
    if not failures:
        return []
    blocks: list[Block] = [SectionBlock(text="*Messages that could not be delivered*")]
    for index, failure in enumerate(failures):
        value = str(failure.delivery_id)
        blocks += [
            SectionBlock(block_id=f"failure-{index}", text=_failure_line(failure)),
            ActionsBlock(
                block_id=f"failure-actions-{index}",
                elements=[
                    ButtonElement(text="Retry", action_id=ids.ADMIN_RETRY, value=value),
                    ButtonElement(text="Mark handled", action_id=ids.ADMIN_HANDLED, value=value),
                ],
            ),
        ]
    return blocks


MAX_AT_RISK = 20


def at_risk_blocks(pairs: list[OverduePair]) -> list[Block]:
    """Pairs that let two or more check-ins pass without talking, each with a button to
    send them a note."""
    if not pairs:
        return []
    blocks: list[Block] = [
        SectionBlock(
            text=f"*Pairs at risk* ({len(pairs)}): two or more check-ins passed without "
            "a conversation. A short note from you often restarts things."
        )
    ]
    for index, pair in enumerate(pairs[:MAX_AT_RISK]):
        last = date_token(pair.last_conversation) if pair.last_conversation else "never"
        blocks.append(
            SectionBlock(
                block_id=f"at-risk-{index}",
                text=f"*{mrkdwn(pair.learner, 100)}* with *{mrkdwn(pair.coach, 100)}*: last "
                f"talked {last}, {pair.missed} check-ins missed",
                accessory=ButtonElement(
                    text="Message them",
                    action_id=ids.AT_RISK_MESSAGE,
                    value=str(pair.relationship_id),
                ),
            )
        )
    if len(pairs) > MAX_AT_RISK:
        blocks.append(SectionBlock(text=f"…and {len(pairs) - MAX_AT_RISK} more (see the export)."))
    return blocks


def at_risk_digest(pairs: list[OverduePair]) -> tuple[str, list[dict]]:
    """The coordinators' Monday digest."""
    text = (
        f"This week, {len(pairs)} coaching pair{'s have' if len(pairs) != 1 else ' has'} let "
        "two or more check-ins pass without talking."
    )
    return text, [block.to_dict() for block in at_risk_blocks(pairs)]


def pair_note_form(relationship_id: int, learner: str, coach: str) -> View:
    return View(
        type="modal",
        callback_id=ids.PAIR_NOTE_VIEW,
        title="Message the pair",
        submit="Send",
        close="Cancel",
        private_metadata=str(relationship_id),
        blocks=[
            SectionBlock(
                text=f"Your note goes to the group DM of *{mrkdwn(learner, 150)}* and "
                f"*{mrkdwn(coach, 150)}*, signed with your name."
            ),
            text_input("note", "Your note", limit=NOTE_LIMIT),
        ],
    )


def note_sent() -> str:
    return "Your note is on its way to the pair's group DM."


def stats(figures: Figures) -> list[dict]:
    """`/coaching-admin stats`: the figures, and the export."""
    blocks = [*figure_blocks(figures), _export_actions()]
    return [block.to_dict() for block in blocks]


def overdue(late: list[OverduePair]) -> list[dict]:
    """`/coaching-admin overdue`: the pairs behind their cadence, and those at risk."""
    blocks = [
        *overdue_blocks(late),
        *at_risk_blocks([pair for pair in late if pair.at_risk]),
    ]
    return [block.to_dict() for block in blocks]


def _export_actions() -> ActionsBlock:
    return ActionsBlock(
        elements=[ButtonElement(text="Export CSV", action_id=ids.ADMIN_EXPORT, value="all")]
    )


def settings_form(current: ProgramSettings) -> View:
    """The program's settings, for its coordinators."""
    copies = [
        Option(value=ChannelCopy.NOTICE, text="A short notice that the pair signed"),
        Option(value=ChannelCopy.FULL, text="The whole agreement"),
    ]
    return View(
        type="modal",
        callback_id=ids.ADMIN_SETTINGS_VIEW,
        title="Program settings",
        submit="Save",
        close="Cancel",
        blocks=[
            text_input(
                "name",
                "The program's name",
                limit=200,
                value=current.name,
                optional=True,
                multiline=False,
            ),
            InputBlock(
                block_id="coordinators",
                label="Coordinators",
                hint="They see the program's figures, export it and change these settings. "
                "A program always keeps at least one.",
                element=UserMultiSelectElement(
                    action_id=ids.INPUT, initial_users=sorted(current.coordinators) or None
                ),
            ),
            InputBlock(
                block_id="channel",
                label="Program channel",
                optional=True,
                hint="Told when a pair signs. Invite the bot to it; everyone in it can read "
                "what it gets.",
                element=ConversationSelectElement(
                    action_id=ids.INPUT, initial_conversation=current.channel
                ),
            ),
            InputBlock(
                block_id="channel_copy",
                label="What the program channel gets",
                element=RadioButtonsElement(
                    action_id=ids.INPUT,
                    options=copies,
                    initial_option=next(o for o in copies if o.value == current.channel_copy),
                ),
            ),
            text_input(
                "max_open_requests",
                "Intro requests a learner may have waiting at once",
                limit=2,
                value=str(current.max_open_requests),
                multiline=False,
            ),
            text_input(
                "retention_months",
                "Delete what ended after this many months (empty: keep)",
                limit=3,
                value=str(current.retention_months or ""),
                optional=True,
                multiline=False,
            ),
        ],
    )


def settings_saved(changed: list[str]) -> str:
    if not changed:
        return "Nothing changed."
    labels = {
        "name": "the name",
        "coordinators": "the coordinators",
        "channel": "the program channel",
        "channel_copy": "what the channel gets",
        "max_open_requests": "the cap on waiting requests",
        "retention_months": "how long to keep what ended",
    }
    return "Saved: " + ", ".join(labels.get(name, name) for name in changed) + ". Recorded."


def desk(
    figures: Figures, late: list[OverduePair], failures: list[FailedDelivery] | None = None
) -> list[dict]:
    blocks = [
        *figure_blocks(figures),
        *overdue_blocks(late),
        *at_risk_blocks([pair for pair in late if pair.at_risk]),
        *failure_blocks(failures or []),
        _export_actions(),
        ContextBlock(elements=[MarkdownTextObject(text=ADMIN_HELP)]),
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
    return f"Removed <@{user_id}> and {counted(rows, 'row')} about them. The removal is recorded."


def retried(ok: bool) -> str:
    if ok:
        return "Trying it again now; if it fails again it comes back here."
    return "That delivery is no longer waiting (someone retried it or marked it handled)."


def handled(ok: bool) -> str:
    if ok:
        return "Marked handled: it leaves the list."
    return "That delivery is no longer waiting (someone retried it or marked it handled)."


def export_note(files: list[str]) -> str:
    return (
        f"The program export: {', '.join(files)}. Debrief answers are private to learners and "
        "are never exported."
    )


MAX_MISMATCHES = 20
LINK_HOW = (
    "To link a member to a person in the program by hand: "
    "`/coaching-admin link @member their.address@example.gov`. To detach a member from the "
    "person they are linked to: `/coaching-admin unlink @member`. Both are recorded."
)


def mismatch_blocks(found: list[Mismatch]) -> list[dict]:
    """Members whose Slack address is not the one the program holds for them; each may
    have taken over someone else's row, or just changed address."""
    if not found:
        blocks: list[Block] = [
            SectionBlock(
                text="Everyone linked to the program has the same address in Slack as in "
                "the program."
            ),
            SectionBlock(text=LINK_HOW),
        ]
        return [block.to_dict() for block in blocks]
    blocks = [
        SectionBlock(
            text=f"*{counted(len(found), 'member')} whose Slack address differs from the "
            "program's*\n"
            "Their row may have been claimed by someone else, or they changed address. "
            "Unlink a member to detach them; the right person is linked again through the "
            "address on their Slack profile."
        )
    ]
    for index, mismatch in enumerate(found[:MAX_MISMATCHES]):
        slack = (
            f"Slack says `{mrkdwn(mismatch.slack_email, 254)}`"
            if mismatch.slack_email
            else "Slack no longer lists this member"
        )
        blocks.append(
            SectionBlock(
                block_id=f"mismatch-{index}",
                text=f"*{mrkdwn(mismatch.name, 100)}* (<@{mismatch.slack_user_id}>): the program "
                f"has `{mrkdwn(mismatch.stored_email, 254)}`; {slack}.",
                accessory=ButtonElement(
                    text="Unlink",
                    action_id=ids.ADMIN_UNLINK,
                    value=mismatch.slack_user_id,
                    confirm=ConfirmObject(
                        title="Unlink this member?",
                        text="They will no longer be this person in the program. Their "
                        "profile and history stay for the right member.",
                        confirm="Unlink",
                        deny="Keep",
                    ),
                ),
            )
        )
    if len(found) > MAX_MISMATCHES:
        blocks.append(SectionBlock(text=f"…and {len(found) - MAX_MISMATCHES} more."))
    blocks.append(SectionBlock(text=LINK_HOW))
    return [block.to_dict() for block in blocks]


def linked(user_id: str, name: str, email: str) -> str:
    return (
        f"Linked <@{user_id}> to {mrkdwn(name, 100)} ({mrkdwn(email, 254)}). The link is recorded."
    )


def unlinked(user_id: str, name: str) -> str:
    return (
        f"Unlinked <@{user_id}> from {mrkdwn(name, 100)}. The profile stays, waiting for the "
        "member whose Slack address matches it. The change is recorded."
    )


ADMIN_HELP = (
    "`/coaching-admin` shows the program's figures and overdue pairs; "
    "`/coaching-admin export` sends the CSV files to you; "
    "`/coaching-admin links` lists members whose Slack address differs from the program's, "
    "and `link @member address` / `unlink @member` fix a link by hand; "
    "`/coaching-admin remove @person` removes a person's data after you confirm. "
    f"To import or update coaches, send me the roster as a CSV file (at most {MAX_SIZE}) "
    "in a DM."
)
