"""Alembic environment: runs against the engine the bot hands over, or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

from storage import models
from storage.db import make_engine

target_metadata = models.Base.metadata

LOCK_KEY = 0x50B0A2D
"""PostgreSQL advisory lock held while migrating (until the transaction ends): processes
started together migrate one after the other, and the later ones find nothing to do."""


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our UTC timestamp type as the plain SQL type it stores as."""
    if type_ == "type" and isinstance(obj, models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    """slack_sdk's installation and OAuth state tables are migrated here but defined by
    slack_sdk, not by our models: autogenerate leaves them alone."""
    return not (type_ == "table" and (name or "").startswith("slack_"))


def run_migrations() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///sounding-board.db"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
            include_name=_ours,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()
        connection.commit()


run_migrations()
