"""Fixtures: databases (SQLite and a real PostgreSQL), the fake Slack Web API, and a
running bot that tests talk to over signed HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from storage.db import make_engine, make_sessionmaker, migrate

from fakeslack import FakeSlack, Workspace
from support.harness import BotHarness, running_bot
from support.install import REDIRECT_PATH, install
from support.postgres import PostgresUnavailable, create_database, drop_database, postgres_server
from support.workspace import (
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    COORDINATOR,
    COUNTY,
    COUNTY_CHANNEL,
    COUNTY_COORDINATOR,
    COUNTY_NAME,
    COUNTY_USERS,
    PROGRAM_CHANNEL,
    SIGNING_SECRET,
    TEAM,
    TUESDAY,
    USERS,
)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except PostgresUnavailable as unavailable:
            if os.environ.get("SB_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"PostgreSQL is required here but unavailable: {unavailable}")
            pytest.skip(f"PostgreSQL unavailable: {unavailable}")
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'program.db'}"
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"sb_{uuid.uuid4().hex[:12]}"
    url = create_database(admin_url, name)
    request.addfinalizer(lambda: drop_database(admin_url, name))
    return url


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A migrated database (Alembic, never create_all) and its sessionmaker."""
    engine = make_engine(database_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def frozen_tuesday() -> Iterator[FrozenDateTimeFactory]:
    """Time stands at TUESDAY (ticking on), until the test moves it."""
    with freeze_time(TUESDAY, tick=True) as frozen:
        yield frozen


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake:
        for user_id, profile in USERS.items():
            fake.add_user(user_id, **profile)
        fake.add_channel(PROGRAM_CHANNEL, members=[COORDINATOR])
        yield fake


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
        database_url=database_url,
        program_admins=frozenset({COORDINATOR}),
        program_channel=PROGRAM_CHANNEL,
        scheduler_enabled=False,
    )


@pytest.fixture
def bot(settings: Settings, fake_slack: FakeSlack) -> Iterator[BotHarness]:
    with running_bot(settings, fake_slack) as harness:
        yield harness


# -- many workspaces, each installed with "Add to Slack" --------------------------------


@pytest.fixture
def county(fake_slack: FakeSlack) -> Workspace:
    """A second workspace behind the same Slack, its people and a channel; the app is not
    installed there yet."""
    county = fake_slack.add_workspace(COUNTY, team_name=COUNTY_NAME)
    for user_id, profile in COUNTY_USERS.items():
        county.add_user(user_id, **profile)
    county.add_channel(COUNTY_CHANNEL, members=[COUNTY_COORDINATOR])
    return county


@pytest.fixture
def oauth_settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    """The app installed with Add to Slack: no bot token, the app's client id and secret,
    and Slack's authorize page (a setting) on the fake."""
    return Settings(
        slack_bot_token=None,
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_authorize_url=fake_slack.authorize_url,
        slack_api_url=fake_slack.url,
        database_url=database_url,
        scheduler_enabled=False,
    )


@pytest.fixture
def oauth_bot(oauth_settings: Settings, fake_slack: FakeSlack) -> Iterator[BotHarness]:
    """The bot in many-workspace mode, its redirect URL registered with Slack; installed
    nowhere yet."""
    with running_bot(oauth_settings, fake_slack) as harness:
        fake_slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, [harness.base_url + REDIRECT_PATH])
        yield harness


@pytest.fixture
def two_programs(oauth_bot: BotHarness, county: Workspace) -> BotHarness:
    """Two workspaces with the app installed side by side, each by its coordinator."""
    for team, installer in ((TEAM, COORDINATOR), (COUNTY, COUNTY_COORDINATOR)):
        page = install(oauth_bot.base_url, oauth_bot.fake, team, installer)
        assert page.status == 200, page.text
    return oauth_bot
