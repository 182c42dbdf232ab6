"""`/my-coaching` and what a party can do to a relationship: pause, resume, end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import effects, gallery, relationships
from coaching.effects import Kind
from coaching.lifecycle import IllegalTransition, Transition, describe
from coaching.matching import Filters, Slot
from coaching.pairs import party_to
from coaching.relationships import InvalidEnding, NotYourRelationship
from handlers import ids
from handlers.delivery import Composer, deliver
from handlers.forms import clicked_id, input_values, text
from handlers.home import refresh_homes
from handlers.runtime import runtime_of
from handlers.views import nudges as nudge_views
from handlers.views import relationships as views
from handlers.views import search as search_views
from scheduling.outbox import Outcome, Post, Skip
from storage.models import Nudge, Person, Relationship

def register(app: App) -> None:
    app.command(ids.MY_COACHING.name)(my_coaching_command)
    app.action(ids.RELATIONSHIP_PAUSE)(pause_button)
    app.action(ids.RELATIONSHIP_RESUME)(resume_button)
    app.action(ids.RELATIONSHIP_END)(end_button)
    app.view(ids.END_VIEW)(submit_end)
    app.action(ids.FIND_FOR_SLOT)(find_for_slot)


def _summary_blocks(context: BoltContext, user_id: str) -> list[dict]:
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        summary = relationships.my_coaching(
            session, context.team_id or "", user_id, runtime.clock().date()
        )
    return views.my_coaching(summary)


def my_coaching_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    blocks = _summary_blocks(context, command["user_id"])
    ack(response_type="ephemeral", text="My coaching", blocks=blocks)


def _change(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
    transition: Transition,
) -> None:
    runtime = runtime_of(context)
    user_id, team_id = body["user"]["id"], context.team_id or ""
    try:
        with runtime.sessions.begin() as session:
            now = runtime.clock()
            relationship, other = relationships.change(
                session, team_id, clicked_id(body), user_id, transition, now
            )
            actor = relationships.other_party(relationship, other)
            paused = transition is Transition.PAUSE
            owed = relationships.changed_effects(relationship, actor, paused, now)
            written = effects.record(session, team_id, owed, now)
            other_user = other.slack_user_id
    except NotYourRelationship:
        respond(response_type="ephemeral", replace_original=False, text=NOT_YOURS)
        return
    except IllegalTransition as illegal:
        respond(response_type="ephemeral", replace_original=False, text=str(illegal))
        return
    respond(replace_original=True, text="My coaching", blocks=_summary_blocks(context, user_id))
    deliver(client, context, written)
    refresh_homes(client, context, user_id, other_user)


def pause_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _change(body, client, context, respond, Transition.PAUSE)


def resume_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _change(body, client, context, respond, Transition.RESUME)


def end_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = body["user"]["id"]
    with runtime_of(context).sessions.begin() as session:
        found = party_to(session, context.team_id or "", clicked_id(body), user_id)
        if found is None:
            respond(response_type="ephemeral", replace_original=False, text=NOT_YOURS)
            return
        relationship, person = found
        other = relationships.other_party(relationship, person)
        view = views.end_form(relationship.id, other.name).to_dict()
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_end(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    values = input_values(view)
    try:
        with runtime.sessions.begin() as session:
            ended = relationships.end(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                runtime.clock(),
                reason=text(values, "reason"),
                thanks=text(values, "thanks"),
            )
            owed = relationships.ended_effects(session, ended)
            written = effects.record(session, context.team_id or "", owed, runtime.clock())
            other_user = ended.other.slack_user_id
    except InvalidEnding as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except NotYourRelationship:
        ack(response_action="errors", errors={"reason": NOT_YOURS})
        return
    except IllegalTransition as illegal:
        ack(response_action="errors", errors={"reason": str(illegal)})
        return
    ack()
    deliver(client, context, written)
    refresh_homes(client, context, user_id, other_user)


def find_for_slot(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The "2 + 1" button: the gallery, filtered to the missing slot."""
    ack()
    value = body["actions"][0].get("value")
    slot = Slot(value) if value in set(Slot) else None
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        found = gallery.find_coaches(
            session, context.team_id or "", body["user"]["id"], Filters(slot=slot), runtime.clock()
        )
    respond(
        response_type="ephemeral",
        replace_original=False,
        text="Coaches for your 2 + 1",
        blocks=search_views.search_results(found),
    )


# -- the messages this flow owes, composed when they are sent ---------------------------


def _compose_changed(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    payload = nudge.payload or {}
    if recipient is None:
        return Skip("the recipient is gone")
    message = views.paused_for_other(str(payload.get("actor")), paused=bool(payload.get("paused")))
    return Post(recipient.slack_user_id or "", message)


def _compose_ended(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    payload = nudge.payload or {}
    if recipient is None:
        return Skip("the recipient is gone")
    message = views.ended_for_other(str(payload.get("actor")), str(payload.get("thanks") or ""))
    return Post(recipient.slack_user_id or "", message)


def _compose_confirmed(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = session.get(Relationship, nudge.subject_id)
    if relationship is None or recipient is None:
        return Skip("the relationship is gone")
    return Post(recipient.slack_user_id or "", views.changed_for_me(describe(relationship.state)))


def _compose_concluded(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = session.get(Relationship, nudge.subject_id)
    if relationship is None or recipient is None or relationship.ended_at is None:
        return Skip("the relationship is gone")
    other = relationships.other_party(relationship, recipient)
    ended = relationships.term_ended_on(session, relationship) or relationship.ended_at.date()
    return Post(
        recipient.slack_user_id or "", nudge_views.term_concluded(other.slack_user_id or "", ended)
    )


def _compose_coach_left(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = session.get(Relationship, nudge.subject_id)
    if relationship is None or recipient is None:
        return Skip("the relationship is gone")
    others = gallery.alternatives(session, relationship, now, {relationship.coach_id})
    text_, blocks = nudge_views.coach_left(relationship.coach.name, others)
    return Post(recipient.slack_user_id or "", text_, blocks)


COMPOSERS: dict[Kind, Composer] = {
    Kind.TERM_CONCLUDED: _compose_concluded,
    Kind.COACH_LEFT: _compose_coach_left,
    Kind.PAIR_CHANGED: _compose_changed,
    Kind.PAIR_ENDED: _compose_ended,
    Kind.CHANGE_CONFIRMED: _compose_confirmed,
}
