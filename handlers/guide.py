"""Help and guidance: `/coaching-help`, and the coachability check (`/coachability`, the
button offered after registering, the form, and sharing the summary with a coach)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import coachability
from coaching.coachability import Answers
from coaching.effects import Kind
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer
from handlers.forms import clicked_id, input_values, text
from handlers.listening import AsNotice, act, ephemeral, submit
from handlers.views import guide as views
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


def _open_form(ack: Ack, respond: Respond, actor: Actor) -> None:
    """The check's form, for learners."""

    def may_reflect(session: Session) -> None:
        coachability.check_can_reflect(session, actor.team_id, actor.user_id)

    act(ack, respond, actor, may_reflect, then=lambda _: actor.open(views.coachability_form()))


def coachability_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    if command.get("text", "").strip().lower() == "help":
        ack()
        fallback, blocks = views.command_help(ids.COACHABILITY)
        respond(response_type="ephemeral", text=fallback, blocks=blocks)
        return
    _open_form(ack, respond, actor_of(context, client, command))


def coachability_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    _open_form(ack, respond, actor_of(context, client, body))


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
    actor = actor_of(context, client, body)
    answers = _answers(view)
    submit(
        ack,
        actor,
        lambda s: coachability.submit_reflection(
            s, actor.team_id, actor.user_id, answers, actor.now()
        ),
        refused=AsNotice("Coachability check"),
    )


def share_coachability(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    act(
        ack,
        respond,
        actor,
        lambda s: coachability.share_with_coaches(
            s, actor.team_id, clicked_id(body), actor.user_id, actor.now()
        ),
        then=lambda shared: ephemeral(actor, respond, views.shared_with(shared.value)),
    )


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
