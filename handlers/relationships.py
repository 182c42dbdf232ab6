"""`/my-coaching` and what a party can do to a relationship: pause, resume, end."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.runtime import runtime_of
from coaching import gallery, relationships
from coaching.lifecycle import IllegalTransition, Transition, describe
from coaching.matching import Filters, Slot
from coaching.pairs import party_to
from coaching.relationships import NotYourRelationship
from handlers import ids
from handlers.forms import clicked_id, input_values, text
from handlers.home import refresh_homes
from handlers.views import relationships as views
from handlers.views import search as search_views

NOT_YOURS = "That relationship isn't one of yours."


def register(app: App) -> None:
    app.command(ids.MY_COACHING.name)(my_coaching_command)
    app.action(ids.RELATIONSHIP_PAUSE)(pause_button)
    app.action(ids.RELATIONSHIP_RESUME)(resume_button)
    app.action(ids.RELATIONSHIP_END)(end_button)
    app.view(ids.END_VIEW)(submit_end)
    app.action(ids.FIND_FOR_SLOT)(find_for_slot)


def _summary_blocks(context: BoltContext, user_id: str) -> list[dict]:
    with runtime_of(context).sessions.begin() as session:
        summary = relationships.my_coaching(session, context.team_id or "", user_id)
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
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            _relationship, other = relationships.change(
                session,
                context.team_id or "",
                clicked_id(body),
                user_id,
                transition,
                runtime.clock(),
            )
            other_user = other.slack_user_id
    except NotYourRelationship:
        respond(response_type="ephemeral", replace_original=False, text=NOT_YOURS)
        return
    except IllegalTransition as illegal:
        respond(response_type="ephemeral", replace_original=False, text=str(illegal))
        return
    respond(replace_original=True, text="My coaching", blocks=_summary_blocks(context, user_id))
    refresh_homes(client, context, user_id, other_user)
    if other_user:
        client.chat_postMessage(
            channel=other_user,
            text=views.paused_for_other(user_id, paused=transition is Transition.PAUSE),
        )


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
            relationship, other = relationships.change(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                Transition.END,
                runtime.clock(),
                reason=text(values, "reason"),
            )
            other_user = other.slack_user_id
    except NotYourRelationship:
        ack(response_action="errors", errors={"reason": NOT_YOURS})
        return
    except IllegalTransition as illegal:
        ack(response_action="errors", errors={"reason": str(illegal)})
        return
    ack()
    thanks = text(values, "thanks").strip()
    if other_user:
        client.chat_postMessage(channel=other_user, text=views.ended_for_other(user_id, thanks))
    client.chat_postMessage(
        channel=user_id, text=views.changed_for_me(describe(relationship.state))
    )
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
