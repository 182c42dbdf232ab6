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
    nudges,
    profiles,
    relationships,
    roster,
    search,
)
from handlers.delivery import SlackCourier
from handlers.delivery import courier as gather

FLOWS = (
    profiles,
    home,
    search,
    intros,
    agreements,
    relationships,
    checkins,
    admin,
    guide,
    nudges,
    roster,
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
    roster.register(app)


def courier() -> SlackCourier:
    """Every flow's messages, for the outbox."""
    return gather(
        (getattr(flow, "COMPOSERS", {}) for flow in FLOWS),
        (getattr(flow, "RECORDERS", {}) for flow in FLOWS),
    )
