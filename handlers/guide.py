"""Help and guidance: `/coaching-help`, and the coachability check (`/coachability`, the
button offered after registering, the form, and sharing the summary with a coach)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import coachability, effects
from coaching.coachability import Answers, InvalidReflection, ReflectionRefused
from coaching.effects import Kind
from coaching.profiles import find_person
from handlers import ids
from handlers.delivery import Composer, deliver
from handlers.forms import input_values, text
from handlers.runtime import runtime_of
from handlers.views import guide as views
from handlers.views.notices import notice
from scheduling.outbox import Outcome, Post, Skip
from storage.models import Nudge, Person


def register(app: App) -> None:
    app.command(ids.COACHING_HELP.name)(help_command)
    app.command(ids.COACHABILITY.name)(coachability_command)
    app.action(ids.COACHABILITY_START)(coachability_button)
    app.view(ids.COACHABILITY_VIEW)(submit_coachability)
    app.action(ids.COACHABILITY_SHARE)(share_coachability)


def find_command(asked: str) -> ids.Command | None:
    """The command named, with or without its slash, in any case."""
    name = "/" + asked.strip().lstrip("/").lower()
    return next((command for command in ids.COMMANDS if command.name == name), None)


def help_command(ack: Ack, command: dict[str, Any]) -> None:
    """The answer rides in the acknowledgement: nothing to look up, nothing to wait for."""
    asked = command.get("text", "").strip().split(" ", 1)[0]
    if not asked:
        fallback, blocks = views.command_list(ids.COMMANDS)
    elif (found := find_command(asked)) is not None:
        fallback, blocks = views.command_help(found)
    else:
        fallback, blocks = views.unknown_command(asked, ids.COMMANDS)
    ack(response_type="ephemeral", text=fallback, blocks=blocks)


def _ephemeral(respond: Respond, message: str) -> None:
    respond(response_type="ephemeral", replace_original=False, text=message)


def _open_form(
    context: BoltContext, client: WebClient, respond: Respond, user_id: str, trigger_id: str
) -> None:
    try:
        with runtime_of(context).sessions.begin() as session:
            coachability.check_can_reflect(session, context.team_id or "", user_id)
    except ReflectionRefused as refused:
        _ephemeral(respond, str(refused))
        return
    client.views_open(trigger_id=trigger_id, view=views.coachability_form().to_dict())


def coachability_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    if command.get("text", "").strip().lower() == "help":
        fallback, blocks = views.command_help(ids.COACHABILITY)
        respond(response_type="ephemeral", text=fallback, blocks=blocks)
        return
    _open_form(context, client, respond, command["user_id"], command["trigger_id"])


def coachability_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _open_form(context, client, respond, body["user"]["id"], body["trigger_id"])


def _answers(view: dict[str, Any]) -> Answers:
    values = input_values(view)
    return Answers(
        scores={trait.key: text(values, trait.key) for trait in coachability.TRAITS},
        notes={trait.key: text(values, trait.note_key) for trait in coachability.TRAITS},
    )


def submit_coachability(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save before acknowledging, so a missing rating shows on its field."""
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            summary = coachability.save_reflection(
                session, context.team_id or "", user_id, _answers(view), runtime.clock()
            )
            learner = find_person(session, context.team_id or "", user_id)
            assert learner is not None
            owed = coachability.reflected_effects(summary, learner)
            written = effects.record(session, learner.team_id, owed, runtime.clock())
    except InvalidReflection as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except ReflectionRefused as refused:
        ack(response_action="update", view=notice("Coachability check", str(refused)).to_dict())
        return
    ack()
    deliver(client, context, written)


def share_coachability(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    value = str(body["actions"][0].get("value", ""))
    try:
        with runtime.sessions.begin() as session:
            shared = coachability.share(
                session,
                context.team_id or "",
                int(value) if value.isdigit() else 0,
                user_id,
                runtime.clock(),
            )
            written = effects.record(
                session, context.team_id or "", shared.effects, runtime.clock()
            )
    except ReflectionRefused as refused:
        _ephemeral(respond, str(refused))
        return
    deliver(client, context, written)
    _ephemeral(respond, views.shared_with(shared.coach_users))


# -- the messages this flow owes, composed when they are sent ---------------------------


def _compose_summary(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    summary = coachability.reflection_summary(session, nudge.subject_id)
    if summary is None or recipient is None:
        return Skip("the reflection is gone")
    text_, blocks = views.coachability_summary(summary)
    return Post(recipient.slack_user_id or "", text_, blocks)


def _compose_shared(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    summary = coachability.reflection_summary(session, nudge.subject_id)
    learner = coachability.author_of(session, nudge.subject_id)
    if summary is None or recipient is None or learner is None:
        return Skip("the reflection is gone")
    text_, blocks = views.shared_summary(learner.slack_user_id or "", summary)
    return Post(recipient.slack_user_id or "", text_, blocks)


COMPOSERS: dict[Kind, Composer] = {
    Kind.COACHABILITY_SUMMARY: _compose_summary,
    Kind.COACHABILITY_SHARED: _compose_shared,
}
