"""Assembles a running bot from settings: database (migrated), runtime, client, app."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

import handlers
from bot.app import build_app, build_client
from bot.metrics import Metrics
from bot.runtime import Runtime
from bot.settings import Settings
from coaching.clock import Clock, system_clock
from scheduling.outbox import Outbox
from scheduling.reminders import ReminderRun
from storage.db import make_engine, make_sessionmaker, migrate


@dataclass(frozen=True)
class Bot:
    settings: Settings
    engine: Engine
    runtime: Runtime
    client: WebClient
    app: App
    reminders: ReminderRun
    metrics: Metrics


def open_database(settings: Settings | str) -> Engine:
    """The engine for the settings' database (or a database URL), schema up to date."""
    engine = make_engine(settings if isinstance(settings, str) else settings.database_url)
    migrate(engine)
    return engine


def assemble(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    listener_executor: Executor | None = None,
) -> Bot:
    """`listener_executor` runs Bolt's listeners after the ack (Bolt's own pool by default)."""
    engine = open_database(settings)
    sessions = make_sessionmaker(engine)
    courier = handlers.courier()
    outbox = Outbox(sessions, clock, courier)
    outbox.release_dead_claims()
    runtime = Runtime(settings=settings, sessions=sessions, clock=clock, outbox=outbox)
    client = build_client(settings.slack_bot_token, settings.slack_api_url)
    return Bot(
        settings=settings,
        engine=engine,
        runtime=runtime,
        client=client,
        app=build_app(runtime, client, listener_executor=listener_executor),
        reminders=ReminderRun(
            sessions,
            client,
            clock,
            courier=courier,
            coordinators=lambda _team: settings.program_admins,
            worker=outbox.worker,
        ),
        metrics=Metrics(sessions, clock),
    )
