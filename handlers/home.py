"""The App Home tab, published whenever a person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.runtime import runtime_of
from coaching import profiles
from handlers.views import home as views


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    user_id = event["user"]
    with runtime_of(context).sessions.begin() as session:
        summary = profiles.profile_summary(session, context.team_id or "", user_id)
    client.views_publish(user_id=user_id, view=views.home(summary).to_dict())
