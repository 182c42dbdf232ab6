"""The App Home tab: published when a person opens it and after anything that changes
it, with its buttons (find a coach, pause or resume, edit my profile)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from coaching import gallery, program
from coaching.home import home_data
from coaching.matching import Filters
from coaching.profiles import NotACoach, profile_summary, set_paused
from handlers import ids
from handlers.members import recognise_newcomer
from handlers.runtime import runtime_of
from handlers.views import home as views
from handlers.views import profiles as profile_views
from handlers.views import search as search_views

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(ids.HOME_FIND)(find_from_home)
    app.action(ids.HOME_PAUSE)(pause_from_home)
    app.action(ids.HOME_RESUME)(resume_from_home)
    app.action(ids.HOME_PROFILE)(profile_from_home)


def publish_home(client: WebClient, context: BoltContext, user_id: str) -> None:
    """Render and publish `user_id`'s Home; best effort, never fails the caller."""
    runtime = runtime_of(context)
    team_id = context.team_id or ""
    with runtime.sessions.begin() as session:
        data = home_data(session, team_id, user_id, runtime.clock().date())
        admin = user_id in runtime.program(session, team_id).coordinators
        desk = program.figures(session, team_id, runtime.clock().date()) if admin else None
        failures = program.failed_deliveries(session, team_id) if admin else None
    try:
        client.views_publish(user_id=user_id, view=views.home(data, desk, failures).to_dict())
    except SlackApiError as error:
        logger.warning("Could not publish a Home tab: %s", error.response.get("error"))


def refresh_homes(client: WebClient, context: BoltContext, *user_ids: str | None) -> None:
    """Re-publish the Home of everyone an action changed something for."""
    for user_id in dict.fromkeys(u for u in user_ids if u):
        publish_home(client, context, user_id)


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    recognise_newcomer(client, context, event["user"])
    publish_home(client, context, event["user"])


def find_from_home(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The gallery arrives in the person's DM with the bot, where its filters work."""
    ack()
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    with runtime.sessions.begin() as session:
        found = gallery.find_coaches(
            session, context.team_id or "", user_id, Filters(), runtime.clock()
        )
    client.chat_postMessage(
        channel=user_id, text="Coaches who match", blocks=search_views.search_results(found)
    )


def _pause(body: dict[str, Any], client: WebClient, context: BoltContext, paused: bool) -> None:
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            set_paused(session, context.team_id or "", user_id, paused, runtime.clock())
    except NotACoach:
        return
    publish_home(client, context, user_id)


def pause_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _pause(body, client, context, paused=True)


def resume_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _pause(body, client, context, paused=False)


def profile_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        summary = profile_summary(session, context.team_id or "", body["user"]["id"])
    client.views_open(
        trigger_id=body["trigger_id"], view=profile_views.profile_summary(summary).to_dict()
    )
