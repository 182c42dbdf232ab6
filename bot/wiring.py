"""Assembles a running bot from settings: database (migrated), runtime, client, app."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

import handlers
from bot.app import REQUEST_RATE_LIMIT_WAIT, build_app, build_client
from bot.install import authorize, oauth_settings, register_uninstall
from bot.listeners import ListenerPool
from bot.metrics import Metrics
from bot.settings import Settings
from bot.workspaces import Workspaces, installation_store, state_store
from coaching.programs import ProgramSettings
from handlers.runtime import Runtime
from scheduling.outbox import Outbox
from scheduling.reminders import ReminderRun
from storage.clock import Clock, FileClock, system_clock
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
    workspaces: Workspaces
    listeners: ListenerPool
    """Where Bolt runs the listeners (each finishes its work after its ack)."""


def open_database(settings: Settings | str) -> Engine:
    """The engine for the settings' database (or a database URL), schema up to date."""
    engine = make_engine(settings if isinstance(settings, str) else settings.database_url)
    migrate(engine)
    return engine


def program_defaults(settings: Settings) -> ProgramSettings:
    """What a new program starts with. In single-workspace mode the environment names
    its coordinators and channel (seeded once; the database wins after); a workspace
    that installs with Add to Slack starts with its installer as coordinator."""
    return ProgramSettings(
        coordinators=frozenset() if settings.oauth else settings.program_admins,
        channel=None if settings.oauth else settings.program_channel,
        channel_copy=settings.program_channel_copy,
        max_open_requests=settings.max_open_requests,
        retention_months=settings.retention_months,
    )


def assemble(
    settings: Settings,
    *,
    clock: Clock | None = None,
    listener_executor: Executor | None = None,
) -> Bot:
    """`listener_executor` runs Bolt's listeners (a pool of its own by default), counted
    by the bot's `ListenerPool`. The clock is the system's, or the file SB_TEST_CLOCK_FILE
    names (tests only), unless given."""
    if clock is None:
        clock = FileClock(settings.test_clock_file) if settings.test_clock_file else system_clock
    listeners = ListenerPool(listener_executor)
    engine = open_database(settings)
    sessions = make_sessionmaker(engine, clock)
    courier = handlers.courier()
    outbox = Outbox(sessions, clock, courier)
    outbox.release_dead_claims()
    runtime = Runtime(
        sessions=sessions, clock=clock, outbox=outbox, defaults=program_defaults(settings)
    )
    api_url = settings.slack_api_url
    client = build_client(settings.slack_bot_token, api_url, longest_wait=REQUEST_RATE_LIMIT_WAIT)

    def for_sends(token: str) -> WebClient:
        return build_client(token, api_url, wait_out_rate_limits=False)

    store = installation_store(settings.slack_client_id, engine) if settings.oauth else None
    workspaces = Workspaces(for_sends, token=settings.slack_bot_token, store=store)
    oauth = oauth_settings(settings, store, state_store(engine), runtime) if store else None
    app = build_app(
        runtime,
        client,
        settings.slack_signing_secret,
        listener_executor=listeners,
        oauth_settings=oauth,
        authorize=authorize(store, client) if store else None,
    )
    register_uninstall(app, runtime, store)
    reminders = ReminderRun(
        sessions,
        workspaces.for_team,
        clock,
        courier=courier,
        coordinators=lambda session, teams: {
            team: program.coordinators
            for team, program in runtime.programs_of(session, teams).items()
        },
        worker=outbox.worker,
    )
    return Bot(
        settings=settings,
        engine=engine,
        runtime=runtime,
        client=client,
        app=app,
        reminders=reminders,
        metrics=Metrics(
            sessions, clock, listeners=listeners.running, passes=lambda: reminders.passes
        ),
        workspaces=workspaces,
        listeners=listeners,
    )
