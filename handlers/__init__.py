"""Slack listeners, one module per user flow, and the Block Kit views they render."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    admin,
    agreements,
    checkins,
    guide,
    home,
    intros,
    profiles,
    relationships,
    search,
)


def register_all(app: App) -> None:
    profiles.register(app)
    home.register(app)
    search.register(app)
    intros.register(app)
    agreements.register(app)
    relationships.register(app)
    checkins.register(app)
    admin.register(app)
    guide.register(app)
