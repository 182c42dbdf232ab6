"""`/coaching-admin`: the coordinators' desk. Everyone else is refused and learns nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.runtime import runtime_of
from coaching import effects, identity, program
from coaching.effects import Kind
from coaching.identity import IdentityRefused
from coaching.program import NotACoordinator
from handlers import ids
from handlers.delivery import Composer, deliver
from handlers.forms import clicked_id, mentioned_email, mentioned_user
from handlers.home import publish_home
from handlers.members import slack_addresses
from handlers.views import admin as views
from scheduling import outbox
from scheduling.outbox import Outcome, Upload
from storage.models import Nudge, Person


def register(app: App) -> None:
    app.command(ids.ADMIN.name)(admin_command)
    app.action(ids.ADMIN_EXPORT)(export_button)
    app.action(ids.ADMIN_REMOVE_CONFIRM)(confirm_removal)
    app.action(ids.ADMIN_UNLINK)(unlink_button)
    app.action(ids.ADMIN_RETRY)(retry_button)
    app.action(ids.ADMIN_HANDLED)(handled_button)


def desk_blocks(context: BoltContext) -> list[dict]:
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        team_id = context.team_id or ""
        figures, late = program.figures(session, team_id, runtime.clock().date())
        failures = program.failed_deliveries(session, team_id)
    return views.desk(figures, late, failures)


def admin_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    runtime = runtime_of(context)
    user_id = command["user_id"]
    try:
        program.check_coordinator(user_id, runtime.settings.program_admins)
    except NotACoordinator:
        ack(response_type="ephemeral", text=views.REFUSED)
        return
    word, _, rest = command.get("text", "").strip().partition(" ")
    match word.lower():
        case "" | "stats" | "overdue":
            ack(response_type="ephemeral", text="The program", blocks=desk_blocks(context))
        case "export":
            ack(response_type="ephemeral", text="Preparing the export; it will arrive in a DM.")
            send_export(client, context, user_id)
        case "links":
            ack(response_type="ephemeral", text="Comparing everyone's address with Slack's…")
            respond(response_type="ephemeral", text="Links", blocks=_mismatches(client, context))
        case "link":
            target, email = mentioned_user(rest), mentioned_email(rest)
            if target is None or email is None:
                ack(response_type="ephemeral", text=views.LINK_HOW)
                return
            ack(response_type="ephemeral", text=_link(context, user_id, target, email))
        case "unlink":
            target = mentioned_user(rest)
            if target is None:
                ack(response_type="ephemeral", text=views.LINK_HOW)
                return
            ack(response_type="ephemeral", text=_unlink(context, user_id, target))
        case "remove":
            target = mentioned_user(rest)
            if target is None:
                ack(
                    response_type="ephemeral",
                    text="Name the person: `/coaching-admin remove @name`.",
                )
                return
            ack(
                response_type="ephemeral",
                text="Confirm the removal",
                blocks=views.confirm_removal(target),
            )
        case _:
            ack(response_type="ephemeral", text=views.ADMIN_HELP)


def _mismatches(client: WebClient, context: BoltContext) -> list[dict]:
    addresses = slack_addresses(client)
    with runtime_of(context).sessions.begin() as session:
        found = identity.mismatches(session, context.team_id or "", addresses)
    return views.mismatch_blocks(found)


def _link(context: BoltContext, coordinator: str, target: str, email: str) -> str:
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            person = identity.link(
                session, context.team_id or "", target, email, coordinator, runtime.clock()
            )
            return views.linked(target, person.name, person.email)
    except IdentityRefused as refused:
        return views.mrkdwn(str(refused))


def _unlink(context: BoltContext, coordinator: str, target: str) -> str:
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            person = identity.unlink(
                session, context.team_id or "", target, coordinator, runtime.clock()
            )
            return views.unlinked(target, person.name)
    except IdentityRefused as refused:
        return views.mrkdwn(str(refused))


def unlink_button(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id = body["user"]["id"]
    try:
        program.check_coordinator(user_id, runtime_of(context).settings.program_admins)
    except NotACoordinator:
        respond(response_type="ephemeral", replace_original=False, text=views.REFUSED)
        return
    target = str(body["actions"][0].get("value", ""))
    respond(
        response_type="ephemeral", replace_original=False, text=_unlink(context, user_id, target)
    )


def send_export(client: WebClient, context: BoltContext, user_id: str) -> None:
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        owed = program.export_effects(user_id, runtime.clock())
        written = effects.record(session, context.team_id or "", owed, runtime.clock())
    deliver(client, context, written)


def _coordinator_click(body: dict[str, Any], context: BoltContext, respond: Respond) -> bool:
    """Whether the clicker is a coordinator; anyone else is told no."""
    try:
        program.check_coordinator(body["user"]["id"], runtime_of(context).settings.program_admins)
    except NotACoordinator:
        respond(response_type="ephemeral", replace_original=False, text=views.REFUSED)
        return False
    return True


def retry_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    if not _coordinator_click(body, context, respond):
        return
    runtime = runtime_of(context)
    delivery_id = clicked_id(body)
    with runtime.sessions.begin() as session:
        ok = outbox.retry(session, context.team_id or "", delivery_id, runtime.clock())
    respond(response_type="ephemeral", replace_original=False, text=views.retried(ok))
    if ok:
        deliver(client, context, [delivery_id])
    publish_home(client, context, body["user"]["id"])


def handled_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    if not _coordinator_click(body, context, respond):
        return
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    with runtime.sessions.begin() as session:
        ok = program.mark_handled(
            session, context.team_id or "", clicked_id(body), user_id, runtime.clock()
        )
    respond(response_type="ephemeral", replace_original=False, text=views.handled(ok))
    publish_home(client, context, user_id)


def _compose_export(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    user = str((nudge.payload or {}).get("user") or nudge.channel_key or "")
    files = program.export(session, nudge.team_id)
    return Upload(user, views.export_note(list(files)), files)


COMPOSERS: dict[Kind, Composer] = {Kind.EXPORT: _compose_export}


def export_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = body["user"]["id"]
    try:
        program.check_coordinator(user_id, runtime_of(context).settings.program_admins)
    except NotACoordinator:
        return
    send_export(client, context, user_id)


def confirm_removal(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        program.check_coordinator(user_id, runtime.settings.program_admins)
    except NotACoordinator:
        respond(response_type="ephemeral", replace_original=False, text=views.REFUSED)
        return
    target = str(body["actions"][0].get("value", ""))
    with runtime.sessions.begin() as session:
        rows = program.remove_person(
            session, context.team_id or "", target, user_id, runtime.clock()
        )
    respond(replace_original=True, text=views.removed(target, rows))
