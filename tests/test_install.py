"""Installing with "Add to Slack", and removing the app.

The bot runs with the app's client id and secret and no bot token (SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET), against the fake Slack, which plays Slack's authorize page and its
code exchange. A person opens the bot's install page, clicks Add to Slack, allows the app
in Slack, and is sent back to the bot: the workspace is installed, she is its program's
first coordinator, and everything the bot does there carries that workspace's token.

Single-workspace mode (SLACK_BOT_TOKEN) is what the rest of the suite runs in; the
sandbox, with no credentials at all, is tests/test_sandbox.py and tests/test_startup.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import func, select, text

from bot.install import ORGANISATION_REFUSED
from handlers import ids
from handlers.views.admin import REFUSED
from storage.models import Nudge, Person, Program, ProgramChange, Relationship

from fakeslack import FakeSlack, Workspace
from support.harness import BotHarness
from support.install import Browser, add_to_slack_link, install, query_of
from support.programs import ask_for_an_intro
from support.seed import add_coach, add_learner
from support.workspace import (
    CLIENT_ID,
    COACH,
    COORDINATOR,
    COUNTY,
    COUNTY_COACH,
    COUNTY_COORDINATOR,
    COUNTY_LEARNER,
    COUNTY_STRANGER,
    LEARNER,
    TEAM,
    TUESDAY,
)

ROOT = Path(__file__).parent.parent


def installed_teams(bot: BotHarness) -> list[str]:
    """The workspaces whose bot token the installation store holds."""
    with bot.bot.engine.connect() as connection:
        return sorted(connection.scalars(text("SELECT DISTINCT team_id FROM slack_bots")).all())


def stored_installations(bot: BotHarness) -> int:
    with bot.bot.engine.connect() as connection:
        return connection.scalar(text("SELECT count(*) FROM slack_installations")) or 0


def program_row(bot: BotHarness, team: str) -> Program | None:
    with bot.sessions() as session:
        row = session.get(Program, team)
        if row is not None:
            session.expunge(row)
        return row


# -- installing ---------------------------------------------------------------------------


def test_the_install_page_offers_add_to_slack_on_the_configured_authorize_page(
    oauth_bot: BotHarness,
) -> None:
    settings = oauth_bot.bot.settings

    page = Browser().get(oauth_bot.base_url + "/slack/install")
    link = add_to_slack_link(page)

    assert page.status == 200
    assert link.startswith(settings.slack_authorize_url + "?")
    assert settings.slack_authorize_url == oauth_bot.fake.authorize_url
    query = query_of(link)
    assert query["client_id"] == CLIENT_ID
    assert query["scope"].split(",") == list(settings.slack_scopes)
    assert query["state"]


def test_installing_stores_the_workspace_and_its_installer_coordinates_the_program(
    oauth_bot: BotHarness, county: Workspace
) -> None:
    page = install(oauth_bot.base_url, oauth_bot.fake, COUNTY, COUNTY_COORDINATOR)

    assert page.status == 200
    assert oauth_bot.fake.last("oauth.v2.access").ok, "the code goes to SLACK_API_URL"
    assert installed_teams(oauth_bot) == [COUNTY]
    assert oauth_bot.bot.workspaces.token_for(COUNTY) == county.bot_token
    program = program_row(oauth_bot, COUNTY)
    assert program is not None and program.coordinators == [COUNTY_COORDINATOR]
    with oauth_bot.sessions() as session:
        change = session.scalars(select(ProgramChange)).one()
    assert (change.team_id, change.setting, change.changed_by) == (
        COUNTY,
        "coordinators",
        COUNTY_COORDINATOR,
    )

    people = oauth_bot.in_team(COUNTY)
    desk = people.command(ids.ADMIN.name, COUNTY_COORDINATOR).json()
    refused = people.command(ids.ADMIN.name, COUNTY_STRANGER).json()

    assert "blocks" in desk and desk["text"] != REFUSED
    assert refused["text"] == REFUSED and "blocks" not in refused


def test_what_the_bot_does_in_a_workspace_carries_that_workspaces_token(
    oauth_bot: BotHarness, county: Workspace
) -> None:
    install(oauth_bot.base_url, oauth_bot.fake, COUNTY, COUNTY_COORDINATOR)
    people = oauth_bot.in_team(COUNTY)
    start = len(oauth_bot.fake.calls)

    people.command(ids.ADMIN.name, COUNTY_COORDINATOR, "settings")
    people.command(ids.ADMIN.name, COUNTY_COORDINATOR, "export")

    calls = oauth_bot.fake.calls[start:]
    assert {call.method for call in calls} >= {"views.open", "files.completeUploadExternal"}
    assert [(c.method, c.team_id) for c in calls if c.team_id != COUNTY] == []
    assert all(call.ok for call in calls), [(c.method, c.error) for c in calls if not c.ok]
    assert people.opened_view()["callback_id"] == ids.ADMIN_SETTINGS_VIEW
    assert {file["name"] for file in county.files} == {
        "people.csv",
        "relationships.csv",
        "agreements.csv",
    }


def test_cancelling_on_slacks_page_installs_nothing_and_says_so(
    oauth_bot: BotHarness, county: Workspace
) -> None:
    before = oauth_bot.rows()

    page = install(oauth_bot.base_url, oauth_bot.fake, COUNTY, COUNTY_COORDINATOR, allow=False)

    assert "Nothing was installed" in page.text and "cancel" in page.text.lower()
    assert "/slack/install" in page.body, "a way to start again"
    assert installed_teams(oauth_bot) == [] and stored_installations(oauth_bot) == 0
    assert oauth_bot.rows() == before


def expired_link_page(page_text: str) -> bool:
    return "Nothing was installed" in page_text and "install page" in page_text


def test_a_forged_or_replayed_state_installs_nothing(
    oauth_bot: BotHarness, county: Workspace
) -> None:
    fake, base = oauth_bot.fake, oauth_bot.base_url
    browser, someone_else = Browser(), Browser()
    redirect = fake.authorize(
        add_to_slack_link(browser.get(base + "/slack/install")), COUNTY, COUNTY_COORDINATOR
    )
    add_to_slack_link(someone_else.get(base + "/slack/install"))
    before = oauth_bot.rows()

    not_theirs = someone_else.get(redirect)
    no_cookie = Browser().get(redirect)
    made_up = Browser(dict(browser.cookies)).get(
        redirect.replace(query_of(redirect)["state"], "made-up-state")
    )

    for refused in (not_theirs, no_cookie, made_up):
        assert refused.status >= 400 and expired_link_page(refused.text), refused.text
    assert installed_teams(oauth_bot) == [] and oauth_bot.rows() == before

    replayer = Browser(dict(browser.cookies))
    done = browser.get(redirect)
    installed = oauth_bot.rows()
    replayed = replayer.get(redirect)

    assert done.status == 200 and installed_teams(oauth_bot) == [COUNTY]
    assert replayed.status >= 400 and expired_link_page(replayed.text), replayed.text
    assert oauth_bot.rows() == installed
    assert len(fake.calls_to("oauth.v2.access")) == 1, "the code was exchanged once"


def test_an_install_link_left_open_past_ten_minutes_installs_nothing(
    frozen_tuesday: FrozenDateTimeFactory, oauth_bot: BotHarness, county: Workspace
) -> None:
    browser = Browser()
    link = add_to_slack_link(browser.get(oauth_bot.base_url + "/slack/install"))
    frozen_tuesday.tick(timedelta(minutes=11))
    redirect = oauth_bot.fake.authorize(link, COUNTY, COUNTY_COORDINATOR)
    before = oauth_bot.rows()

    page = browser.get(redirect)

    assert page.status >= 400 and expired_link_page(page.text), page.text
    assert installed_teams(oauth_bot) == [] and stored_installations(oauth_bot) == 0
    assert oauth_bot.rows() == before
    assert oauth_bot.fake.calls_to("oauth.v2.access") == [], "the code was not exchanged"


def test_an_organisation_wide_install_is_refused_with_a_clear_message(
    oauth_bot: BotHarness, fake_slack: FakeSlack
) -> None:
    redirect_urls = [oauth_bot.base_url + "/slack/oauth_redirect"]
    fake_slack.enable_oauth(CLIENT_ID, oauth_bot.bot.settings.slack_client_secret or "",
                            redirect_urls, org_deploy=True)  # fmt: skip
    grid = fake_slack.add_workspace("T0EAST", team_name="East", enterprise_id="E0STATE")
    grid.add_user("W0ORGADMIN", real_name="Olive Orgadmin")
    before = oauth_bot.rows()

    page = install(oauth_bot.base_url, fake_slack, "T0EAST", "W0ORGADMIN", org_wide=True)

    assert page.status == 400
    assert ORGANISATION_REFUSED in page.text
    assert stored_installations(oauth_bot) == 0 and installed_teams(oauth_bot) == []
    assert oauth_bot.rows() == before


def test_a_workspace_of_an_enterprise_grid_installs_and_is_served(
    frozen_tuesday: FrozenDateTimeFactory, oauth_bot: BotHarness, fake_slack: FakeSlack
) -> None:
    """Installing in one workspace of a Grid organisation is an ordinary install: its
    requests and its scheduled sends both carry its token."""
    grid = fake_slack.add_workspace("T0EAST", team_name="East", enterprise_id="E0STATE")
    grid.add_user("W0LEARNER", real_name="Wanda Learner", email="wanda@east.example.gov")
    grid.add_user("W0COACH", real_name="Walt Coach", email="walt@east.example.gov")
    grid.add_user("W0ADMIN", real_name="Wes Admin", email="wes@east.example.gov")

    page = install(oauth_bot.base_url, fake_slack, "T0EAST", "W0ADMIN")
    east = oauth_bot.in_team("T0EAST")
    with oauth_bot.sessions.begin() as session:
        add_learner(session, "W0LEARNER", team="T0EAST", email="wanda@east.example.gov")
        add_coach(session, "W0COACH", team="T0EAST", email="walt@east.example.gov")
    ask_for_an_intro(east, "W0LEARNER", "W0COACH")
    frozen_tuesday.move_to(TUESDAY + timedelta(days=6))
    report = oauth_bot.bot.reminders()

    assert page.status == 200
    assert east.command(ids.ADMIN.name, "W0ADMIN").json()["text"] != REFUSED
    assert len(grid.messages("W0COACH")) == 2, "the request, then the reminder"
    assert report.sent == 1 and report.skipped == 0


# -- removing the app ---------------------------------------------------------------------


def both_programs_with_a_waiting_request(bot: BotHarness) -> None:
    """In each workspace a learner asked a coach for an intro on Tuesday; the coach was
    told in a DM, and is reminded on Friday if they have not answered."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, email="lena.ortiz@example.gov")
        add_coach(session, COACH, email="carl.mendez@example.gov")
        add_learner(session, COUNTY_LEARNER, team=COUNTY,
                    email="rosalind.pembury@county.example.gov")  # fmt: skip
        add_coach(session, COUNTY_COACH, team=COUNTY,
                  email="thaddeus.okonkwo@county.example.gov")  # fmt: skip
    ask_for_an_intro(bot, LEARNER, COACH)
    ask_for_an_intro(bot.in_team(COUNTY), COUNTY_LEARNER, COUNTY_COACH)


REMOVALS = {
    "app_uninstalled": lambda county: {"type": "app_uninstalled"},
    "tokens_revoked": lambda county: {
        "type": "tokens_revoked",
        "tokens": {"oauth": [], "bot": [county.bot_user_id]},
    },
}


@pytest.mark.parametrize("removal", list(REMOVALS))
def test_removing_the_app_stops_every_send_there_at_once_and_keeps_its_data(
    frozen_tuesday: FrozenDateTimeFactory,
    two_programs: BotHarness,
    county: Workspace,
    removal: str,
    tmp_path: Path,
    database_url: str,
) -> None:
    bot = two_programs
    both_programs_with_a_waiting_request(bot)
    event = REMOVALS[removal](county)
    county.uninstall()
    bot.in_team(COUNTY).event(event)
    county.reset_calls()

    frozen_tuesday.move_to(TUESDAY + timedelta(days=6))
    report = bot.bot.reminders()

    assert county.calls == [], "nothing more is sent to the county"
    assert len(bot.dm(COACH)) == 2, "the other workspace's coach is reminded as usual"
    assert report.sent == 1 and report.failed == 0
    assert installed_teams(bot) == [TEAM]
    program = program_row(bot, COUNTY)
    assert program is not None and program.uninstalled_at is not None
    with bot.sessions() as session:
        kept = session.scalars(select(Person.name).where(Person.team_id == COUNTY)).all()
        assert len(kept) == 2
        assert (
            session.scalar(
                select(func.count()).select_from(Relationship).where(Relationship.team_id == COUNTY)
            )
            == 1
        )
        owed = session.scalars(select(Nudge.status).where(Nudge.team_id == COUNTY)).all()
        assert "pending" not in owed and "claimed" not in owed

    exported = export_from_the_command_line(database_url, COUNTY, tmp_path / "out")
    assert all(name in exported["people.csv"] for name in kept)


def export_from_the_command_line(database_url: str, team: str, out: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--team", team, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=out.parent,
    )
    assert result.returncode == 0, result.stderr
    return {path.name: path.read_text() for path in out.iterdir()}


def test_after_removal_its_people_are_told_to_reinstall_and_nothing_happens(
    two_programs: BotHarness, county: Workspace
) -> None:
    people = two_programs.in_team(COUNTY)
    county.uninstall()
    people.event({"type": "app_uninstalled"})
    before, start = two_programs.rows(), len(two_programs.fake.calls)

    reply = people.command(ids.FIND_COACH.name, COUNTY_STRANGER)

    told = [call.args.get("text", "") for call in two_programs.fake.calls[start:]]
    assert reply.status == 200 and "reinstall" in " ".join(told).lower()
    assert [call.method for call in two_programs.fake.calls[start:]] == ["response_url"]
    assert two_programs.rows() == before


def test_slack_is_asked_about_a_workspaces_token_once_not_on_every_request(
    two_programs: BotHarness, county: Workspace
) -> None:
    people = two_programs.in_team(COUNTY)
    county.reset_calls()

    for _ in range(3):
        people.command(ids.FIND_COACH.name, COUNTY_STRANGER)
        people.command(ids.ADMIN.name, COUNTY_COORDINATOR)

    assert len(county.calls_to("auth.test")) == 1


def test_revoking_only_peoples_tokens_leaves_the_bot_installed(
    two_programs: BotHarness, county: Workspace
) -> None:
    two_programs.in_team(COUNTY).event(
        {"type": "tokens_revoked", "tokens": {"oauth": [COUNTY_COORDINATOR], "bot": []}}
    )

    assert installed_teams(two_programs) == [COUNTY, TEAM]
    program = program_row(two_programs, COUNTY)
    assert program is not None and program.uninstalled_at is None


def test_installing_again_resumes_with_the_new_token(
    frozen_tuesday: FrozenDateTimeFactory, two_programs: BotHarness, county: Workspace
) -> None:
    bot = two_programs
    both_programs_with_a_waiting_request(bot)
    old_token = county.bot_token
    county.uninstall()
    bot.in_team(COUNTY).event({"type": "app_uninstalled"})
    frozen_tuesday.move_to(TUESDAY + timedelta(days=6))
    bot.bot.reminders()

    page = install(bot.base_url, bot.fake, COUNTY, COUNTY_STRANGER)
    county.reset_calls()
    frozen_tuesday.move_to(TUESDAY + timedelta(days=8))
    report = bot.bot.reminders()

    assert page.status == 200 and county.bot_token != old_token
    assert bot.bot.workspaces.token_for(COUNTY) == county.bot_token
    program = program_row(bot, COUNTY)
    assert program is not None and program.uninstalled_at is None
    assert program.coordinators == [COUNTY_COORDINATOR], "the program keeps its coordinators"
    expired = bot.in_team(COUNTY).dm(COUNTY_LEARNER)[-1]["text"]
    assert "expired" in expired.lower() or "didn't answer" in expired.lower(), expired
    assert report.sent >= 1
    assert [c.error for c in county.calls if not c.ok] == []
    desk = bot.in_team(COUNTY).command(ids.ADMIN.name, COUNTY_COORDINATOR).json()
    assert desk["text"] != REFUSED


def test_single_workspace_mode_serves_no_install_page(bot: BotHarness) -> None:
    page = Browser().get(bot.base_url + "/slack/install")

    assert page.status == 404
    assert bot.command(ids.ADMIN.name, COORDINATOR).json()["text"] != REFUSED
