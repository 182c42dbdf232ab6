"""`/coaching-admin`: the coordinators' desk. Everyone else is refused and learns nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import effects, identity, program, programs, relationships
from coaching.cadence import in_working_hours, next_working_instant
from coaching.effects import Kind
from coaching.identity import IdentityRefused
from coaching.programs import NotACoordinator, check_coordinator
from handlers import ids
from handlers.delivery import Composer, deliver
from handlers.forms import clicked_id, input_values, mentioned_email, mentioned_user, text
from handlers.home import publish_home
from handlers.members import slack_addresses
from handlers.runtime import runtime_of
from handlers.views import admin as views
from handlers.views import nudges as nudge_views
from handlers.views.notices import notice
from scheduling import outbox
from scheduling.outbox import Outcome, Post, Postpone, PostToGroup, Skip, Upload
from storage.models import Nudge, Person, Relationship


def register(app: App) -> None:
    app.command(ids.ADMIN.name)(admin_command)
    app.action(ids.ADMIN_EXPORT)(export_button)
    app.action(ids.ADMIN_REMOVE_CONFIRM)(confirm_removal)
    app.action(ids.ADMIN_UNLINK)(unlink_button)
    app.action(ids.ADMIN_RETRY)(retry_button)
    app.action(ids.ADMIN_HANDLED)(handled_button)
    app.action(ids.AT_RISK_MESSAGE)(note_button)
    app.view(ids.ADMIN_SETTINGS_VIEW)(submit_settings)
    app.view(ids.PAIR_NOTE_VIEW)(submit_note)
    app.event("user_change")(member_changed)


def desk_blocks(context: BoltContext, part: str = "") -> list[dict]:
    """The coordinators' desk: everything (`""`), just the figures (`stats`), or just the
    pairs that are late (`overdue`)."""
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        team_id = context.team_id or ""
        figures, late = program.figures(session, team_id, runtime.clock().date())
        failures = program.failed_deliveries(session, team_id)
    if part == "stats":
        return views.stats(figures)
    if part == "overdue":
        return views.overdue(late)
    return views.desk(figures, late, failures)


def admin_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    runtime = runtime_of(context)
    user_id = command["user_id"]
    try:
        check_coordinator(runtime.program_of(context.team_id or ""), user_id)
    except NotACoordinator:
        ack(response_type="ephemeral", text=views.REFUSED)
        return
    word, _, rest = command.get("text", "").strip().partition(" ")
    match word.lower():
        case "" | "stats" | "overdue":
            blocks = desk_blocks(context, word.lower())
            ack(response_type="ephemeral", text="The program", blocks=blocks)
        case "export":
            ack(response_type="ephemeral", text="Preparing the export; it will arrive in a DM.")
            send_export(client, context, user_id)
        case "settings":
            ack()
            current = runtime.program_of(context.team_id or "")
            view = views.settings_form(current).to_dict()
            client.views_open(trigger_id=command["trigger_id"], view=view)
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
        check_coordinator(runtime_of(context).program_of(context.team_id or ""), user_id)
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
        settings = runtime_of(context).program_of(context.team_id or "")
        check_coordinator(settings, body["user"]["id"])
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


def submit_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Saved before acknowledging, so problems show on their fields; each change is
    recorded with who made it."""
    runtime, user_id = runtime_of(context), body["user"]["id"]
    team_id, now = context.team_id or "", runtime.clock()
    try:
        new = programs.cleaned(input_values(view))
        with runtime.sessions.begin() as session:
            changed = programs.update(session, team_id, user_id, new, runtime.defaults, now)
    except programs.InvalidSettings as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except NotACoordinator:
        ack(response_action="errors", errors={"coordinators": views.REFUSED})
        return
    ack(response_action="update", view=notice("Settings", views.settings_saved(changed)).to_dict())
    publish_home(client, context, user_id)


def note_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    if not _coordinator_click(body, context, respond):
        return
    try:
        with runtime_of(context).sessions.begin() as session:
            pair = program.current_pair(session, context.team_id or "", clicked_id(body))
            view = views.pair_note_form(pair.id, pair.learner.name, pair.coach.name)
    except program.NoteRefused as refused:
        respond(response_type="ephemeral", replace_original=False, text=str(refused))
        return
    client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())


def submit_note(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime, user_id = runtime_of(context), body["user"]["id"]
    if not runtime.is_admin(context.team_id or "", user_id):
        ack(response_action="errors", errors={"note": views.REFUSED})
        return
    team_id, now = context.team_id or "", runtime.clock()
    try:
        with runtime.sessions.begin() as session:
            note = text(input_values(view), "note")
            pair = int(view.get("private_metadata") or 0)
            owed = program.note_to_pair(session, team_id, pair, user_id, note, now)
            written = effects.record(session, team_id, owed, now)
    except program.InvalidNote as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except program.NoteRefused as refused:
        ack(response_action="errors", errors={"note": str(refused)})
        return
    ack(response_action="update", view=notice("Note sent", views.note_sent()).to_dict())
    deliver(client, context, written)


def member_changed(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A member was deactivated: if they coach, their learners and the coordinators
    hear of it (`coaching.relationships.coach_left`)."""
    user = event.get("user") or {}
    if not user.get("deleted") or not user.get("id"):
        return
    runtime = runtime_of(context)
    team_id, now = context.team_id or "", runtime.clock()
    with runtime.sessions.begin() as session:
        owed = relationships.coach_left(
            session, team_id, str(user["id"]), now, runtime.program(session, team_id).coordinators
        )
        written = effects.record(session, team_id, owed, now)
    deliver(client, context, written)


def _compose_notice(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    payload = nudge.payload or {}
    coordinator = str(payload.get("coordinator") or "")
    if payload.get("what") == "coach_left":
        coach = session.get(Person, nudge.subject_id)
        names = (coach.name if coach else "A coach", "")
        count = program.learners_told(session, nudge.subject_id)
        return Post(coordinator, nudge_views.program_notice("coach_left", names, count))
    pair = session.get(Relationship, nudge.subject_id)
    if pair is None:
        return Skip("the pair is gone")
    names = (pair.learner.name, pair.coach.name)
    return Post(coordinator, nudge_views.program_notice("term_concluded", names))


def _compose_digest(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    coordinator = str((nudge.payload or {}).get("coordinator") or "")
    tz = program.time_zone_of(session, nudge.team_id, coordinator)
    if not in_working_hours(now, tz):
        return Postpone(next_working_instant(now, tz))
    pairs = program.at_risk(session, nudge.team_id, now.date())
    if not pairs:
        return Skip("no pair is at risk this week")
    text_, blocks = views.at_risk_digest(pairs)
    return Post(coordinator, text_, blocks)


def _compose_note(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    pair = session.get(Relationship, nudge.subject_id)
    payload = nudge.payload or {}
    if pair is None:
        return Skip("the pair is gone")
    message = nudge_views.pair_note(str(payload.get("coordinator")), str(payload.get("note")))
    if pair.group_channel:
        return Post(pair.group_channel, message)
    users = [pair.learner.slack_user_id or "", pair.coach.slack_user_id or ""]
    return PostToGroup(users, message)


def _compose_export(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    user = str((nudge.payload or {}).get("user") or nudge.channel_key or "")
    files = program.export(session, nudge.team_id)
    return Upload(user, views.export_note(list(files)), files)


COMPOSERS: dict[Kind, Composer] = {
    Kind.EXPORT: _compose_export,
    Kind.PROGRAM_NOTICE: _compose_notice,
    Kind.AT_RISK_DIGEST: _compose_digest,
    Kind.PAIR_NOTE: _compose_note,
}


def export_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = body["user"]["id"]
    try:
        check_coordinator(runtime_of(context).program_of(context.team_id or ""), user_id)
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
        check_coordinator(runtime.program_of(context.team_id or ""), user_id)
    except NotACoordinator:
        respond(response_type="ephemeral", replace_original=False, text=views.REFUSED)
        return
    target = str(body["actions"][0].get("value", ""))
    with runtime.sessions.begin() as session:
        rows = program.remove_person(
            session, context.team_id or "", target, user_id, runtime.clock()
        )
    respond(replace_original=True, text=views.removed(target, rows))
