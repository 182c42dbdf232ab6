"""The coach gallery: `/find-coach`, its filters and pages, and a coach's profile."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from coaching import gallery, text
from coaching.matching import Filters, Slot
from handlers import ids
from handlers.runtime import runtime_of
from handlers.views import search as views


def register(app: App) -> None:
    app.command(ids.FIND_COACH.name)(find_coach)
    for action_id in ids.FILTER_ACTIONS:
        app.action(action_id)(change_filter)
    app.action(ids.any_index(ids.PAGE))(change_page)
    app.action(ids.VIEW_COACH)(view_coach)


def _results(context: BoltContext, user_id: str, filters: Filters, page: int = 0) -> list[dict]:
    runtime = runtime_of(context)
    team_id = context.team_id or ""
    with runtime.sessions.begin() as session:
        found = gallery.find_coaches(session, team_id, user_id, filters, runtime.clock(), page=page)
    return views.search_results(found)


def find_coach(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Results come back in the acknowledgement itself: one round trip, no extra call."""
    filters = Filters(text=text.clean(command.get("text"), multiline=False)[: text.SHORT])
    blocks = _results(context, command["user_id"], filters)
    ack(response_type="ephemeral", text="Coaches who match your search", blocks=blocks)


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


def change_filter(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    action = body["actions"][0]
    filters = views.filters_from_block_id(action["block_id"])
    selected = (action.get("selected_option") or {}).get("value")
    filters = _with(filters, action["action_id"], selected)
    blocks = _results(context, body["user"]["id"], filters)
    respond(replace_original=True, text="Coaches who match your search", blocks=blocks)


def change_page(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    action = body["actions"][0]
    filters = views.filters_from_block_id(action["block_id"])
    page = int(action["value"]) if str(action.get("value", "")).isdigit() else 0
    blocks = _results(context, body["user"]["id"], filters, page)
    respond(replace_original=True, text="Coaches who match your search", blocks=blocks)


def view_coach(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    action = body["actions"][0]
    runtime = runtime_of(context)
    person_id = int(action["value"]) if str(action.get("value", "")).isdigit() else 0
    with runtime.sessions.begin() as session:
        card = gallery.coach_card(session, context.team_id or "", person_id)
    if card is None:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="That coach is no longer in the gallery. `/find-coach` shows who is.",
        )
        return
    filters = views.filters_from_block_id(action["block_id"])
    client.views_open(trigger_id=body["trigger_id"], view=views.coach_profile(card, filters))
