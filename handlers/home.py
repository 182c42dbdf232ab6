"""The App Home tab: published when a person opens it and after anything that changes
it, with its buttons (find a coach, pause or resume, edit my profile)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from coaching import deliveries, figures, gallery
from coaching.home import home_data
from coaching.profiles import NotACoach, profile_summary, set_paused
from coaching.ranking import Filters
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.members import recognise_newcomer
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


def publish_home(actor: Actor, user_id: str) -> None:
    """Render and publish `user_id`'s Home; best effort, never fails the caller."""
    today = actor.now().date()

    def read(session: Session) -> View:
        data = home_data(session, actor.team_id, user_id, today)
        if user_id not in actor.program(session).coordinators:
            return views.home(data, None, None)
        desk = figures.figures(session, actor.team_id, today)
        return views.home(data, desk, deliveries.failed_deliveries(session, actor.team_id))

    view = actor.run(read)
    try:
        actor.client.views_publish(user_id=user_id, view=view.to_dict())
    except SlackApiError as error:
        logger.warning("Could not publish a Home tab: %s", error.response.get("error"))


def refresh_homes(actor: Actor, *user_ids: str | None) -> None:
    """Re-publish the Home of everyone an action changed something for."""
    for user_id in dict.fromkeys(u for u in user_ids if u):
        publish_home(actor, user_id)


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    actor = actor_of(context, client)
    recognise_newcomer(actor)
    publish_home(actor, actor.user_id)


def find_from_home(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The gallery arrives in the person's DM with the bot, where its filters work."""
    ack()
    actor = actor_of(context, client, body)
    found = actor.run(
        lambda s: gallery.find_coaches(s, actor.team_id, actor.user_id, Filters(), actor.now())
    )
    client.chat_postMessage(
        channel=actor.user_id, text="Coaches who match", blocks=search_views.search_results(found)
    )


def _pause(actor: Actor, paused: bool) -> None:
    try:
        actor.run(lambda s: set_paused(s, actor.team_id, actor.user_id, paused, actor.now()))
    except NotACoach:
        return
    publish_home(actor, actor.user_id)


def pause_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _pause(actor_of(context, client, body), paused=True)


def resume_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _pause(actor_of(context, client, body), paused=False)


def profile_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    actor = actor_of(context, client, body)
    summary = actor.run(lambda s: profile_summary(s, actor.team_id, actor.user_id))
    actor.open(profile_views.profile_summary(summary))
