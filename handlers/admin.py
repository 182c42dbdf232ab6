"""`/coaching-admin`: the coordinators' desk. Everyone else is refused and learns nothing."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.runtime import runtime_of
from coaching import program
from coaching.program import NotACoordinator
from handlers import ids
from handlers.forms import mentioned_user
from handlers.views import admin as views


def register(app: App) -> None:
    app.command(ids.ADMIN.name)(admin_command)
    app.action(ids.ADMIN_EXPORT)(export_button)
    app.action(ids.ADMIN_REMOVE_CONFIRM)(confirm_removal)


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


def send_export(client: WebClient, context: BoltContext, user_id: str) -> None:
    with runtime_of(context).sessions.begin() as session:
        files = program.export(session, context.team_id or "")
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        initial_comment=views.export_note(list(files)),
        file_uploads=[
            {"content": content, "filename": name, "title": name} for name, content in files.items()
        ],
    )


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
