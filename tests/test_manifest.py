"""manifest.yml and the code agree: every command has a handler and vice versa."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.server import EVENTS_PATH
from handlers import ids

from support.harness import BotHarness
from support.workspace import LEARNER

MANIFEST = Path(__file__).parent.parent / "manifest.yml"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def test_manifest_lists_exactly_the_commands_the_code_registers(manifest: dict[str, Any]) -> None:
    listed = {entry["command"]: entry for entry in manifest["features"]["slash_commands"]}
    assert set(listed) == {command.name for command in ids.COMMANDS}
    for command in ids.COMMANDS:
        assert listed[command.name]["description"] == command.description
        assert listed[command.name]["usage_hint"] == command.usage_hint


def test_every_request_url_is_the_events_endpoint(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [entry["url"] for entry in manifest["features"]["slash_commands"]]
    urls += [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert {url.rsplit(".gov", 1)[1] for url in urls} == {EVENTS_PATH}


def test_app_home_has_both_tabs(manifest: dict[str, Any]) -> None:
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_manifest_command_reaches_a_handler(
    manifest: dict[str, Any], bot: BotHarness
) -> None:
    for entry in manifest["features"]["slash_commands"]:
        before = len(bot.fake.calls)
        response = bot.command(entry["command"], LEARNER, "help")
        assert response.status == 200, f"{entry['command']} has no handler"
        answered = response.body or len(bot.fake.calls) > before
        assert answered, f"{entry['command']} answered nothing"


def test_the_manifest_asks_for_the_scopes_the_install_asks_for(manifest: dict[str, Any]) -> None:
    from bot.settings import DEFAULT_SCOPES

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(DEFAULT_SCOPES)
    [redirect] = manifest["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")


def test_the_manifest_subscribes_to_every_event_the_code_listens_to(
    manifest: dict[str, Any],
) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "app_uninstalled", "tokens_revoked", "user_change"} <= events
    assert "message.im" in events, "coordinators send a roster file in a DM"
