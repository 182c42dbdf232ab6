"""The coach gallery: `/find-coach`, its filters and pages, and a coach's profile."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from coaching import gallery, text
from coaching.ranking import Filters, Slot
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.forms import clicked_id
from handlers.listening import answer_command, ephemeral
from handlers.views import search as views


def register(app: App) -> None:
    app.command(ids.FIND_COACH.name)(find_coach)
    for action_id in ids.FILTER_ACTIONS:
        app.action(action_id)(change_filter)
    app.action(ids.any_index(ids.PAGE))(change_page)
    app.action(ids.VIEW_COACH)(view_coach)


def _results(actor: Actor, filters: Filters, page: int = 0) -> list[dict]:
    found = actor.run(
        lambda s: gallery.find_coaches(
            s, actor.team_id, actor.user_id, filters, actor.now(), page=page
        )
    )
    return views.search_results(found)


RESULTS = "Coaches who match your search"


def find_coach(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """Results come back in the acknowledgement itself when they are ready in time."""
    filters = Filters(text=text.clean(command.get("text"), multiline=False)[: text.SHORT])
    actor = actor_of(context, client, command)
    answer_command(
        ack, respond, lambda: (RESULTS, _results(actor, filters)), "Searching the gallery…"
    )


def _with(filters: Filters, action_id: str, value: str | None) -> Filters:
    value = None if value in (None, ids.ANY) else value
    changes: dict[str, Any] = {
        ids.FILTER_AREA: {"area": value},
        ids.FILTER_REGION: {"region": value},
        ids.FILTER_KIND: {"kind": value},
        ids.FILTER_MEETING: {"meeting": value},
        ids.FILTER_SLOT: {"slot": Slot(value) if value in set(Slot) else None},
    }[action_id]
    return Filters(**{**filters.__dict__, **changes})


def change_filter(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    action = body["actions"][0]
    filters = views.filters_from_block_id(action["block_id"])
    selected = (action.get("selected_option") or {}).get("value")
    filters = _with(filters, action["action_id"], selected)
    blocks = _results(actor_of(context, client, body), filters)
    respond(replace_original=True, text=RESULTS, blocks=blocks)


def change_page(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    action = body["actions"][0]
    filters = views.filters_from_block_id(action["block_id"])
    blocks = _results(actor_of(context, client, body), filters, clicked_id(body))
    respond(replace_original=True, text=RESULTS, blocks=blocks)


GONE = "That coach is no longer in the gallery. `/find-coach` shows who is."


def view_coach(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    actor = actor_of(context, client, body)
    card = actor.run(lambda s: gallery.coach_card(s, actor.team_id, clicked_id(body)))
    if card is None:
        ephemeral(actor, respond, GONE)
        return
    filters = views.filters_from_block_id(body["actions"][0]["block_id"])
    actor.open(views.coach_profile(card, filters))
