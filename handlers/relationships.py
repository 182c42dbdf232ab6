"""`/my-coaching` and what a party can do to a relationship: pause, resume, end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import gallery, relationships
from coaching.effects import Decision, Kind
from coaching.lifecycle import Transition, describe
from coaching.pairs import other_party
from coaching.ranking import Filters, Slot
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer
from handlers.forms import clicked_id, form_subject, input_values, text
from handlers.listening import OnField, act, answer_command, opens_form, submit
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


def _summary_blocks(actor: Actor) -> list[dict]:
    today = actor.now().date()
    summary = actor.run(lambda s: relationships.my_coaching(s, actor.team_id, actor.user_id, today))
    return views.my_coaching(summary)


def my_coaching_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, command)
    answer_command(
        ack, respond, lambda: ("My coaching", _summary_blocks(actor)), "Gathering your pairs…"
    )


def _change(
    ack: Ack, body: dict[str, Any], actor: Actor, respond: Respond, transition: Transition
) -> None:
    """Pause or resume; the clicked summary shows the pair as it is now."""
    act(
        ack,
        respond,
        actor,
        lambda s: relationships.change_as_party(
            s, actor.team_id, clicked_id(body), actor.user_id, transition, actor.now()
        ),
        then=lambda _: respond(
            replace_original=True, text="My coaching", blocks=_summary_blocks(actor)
        ),
    )


def pause_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    _change(ack, body, actor_of(context, client, body), respond, Transition.PAUSE)


def resume_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    _change(ack, body, actor_of(context, client, body), respond, Transition.RESUME)


end_button = opens_form(
    relationships.pair_for, lambda pair: views.end_form(pair.relationship_id, pair.other_name)
)


def submit_end(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    values = input_values(view)
    relationship_id = form_subject(view)

    def rule(session: Session) -> Decision[None]:
        return relationships.end_as_party(
            session,
            actor.team_id,
            relationship_id,
            actor.user_id,
            actor.now(),
            reason=text(values, "reason"),
            thanks=text(values, "thanks"),
        )

    submit(ack, actor, rule, refused=OnField("reason"))


def find_for_slot(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """The "2 + 1" button: the gallery, filtered to the missing slot."""
    ack()
    actor = actor_of(context, client, body)
    value = body["actions"][0].get("value")
    filters = Filters(slot=Slot(value) if value in set(Slot) else None)
    found = actor.run(
        lambda s: gallery.find_coaches(s, actor.team_id, actor.user_id, filters, actor.now())
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
    other = other_party(relationship, recipient.id)
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
