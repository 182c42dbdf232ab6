"""Start-up settings: every bad value is named with its fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings
from storage.clock import set_file_clock

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "s3cret"}


def test_defaults_need_only_the_two_slack_secrets() -> None:
    settings = load_settings(GOOD)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.port == 3000
    assert settings.socket_mode is False
    assert settings.program_admins == frozenset()
    assert settings.scheduler_enabled is True


def test_every_setting_is_read() -> None:
    settings = load_settings(
        {
            **GOOD,
            "SLACK_APP_TOKEN": "xapp-1-A",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "DATABASE_URL": "postgresql://sb@db/sb",
            "PORT": "8080",
            "PROGRAM_ADMINS": "U0AAA, U0BBB",
            "PROGRAM_CHANNEL": "C0PROGRAM",
            "SCHEDULER": "off",
            "LOG_FORMAT": "JSON",
        }
    )
    assert settings.socket_mode is True
    assert settings.log_format == "json"
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 8080
    assert settings.program_admins == {"U0AAA", "U0BBB"}
    assert settings.program_channel == "C0PROGRAM"
    assert settings.scheduler_enabled is False


@pytest.mark.parametrize(
    ("changes", "variable", "hint"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN", "OAuth & Permissions"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_SIGNING_SECRET": " "}, "SLACK_SIGNING_SECRET", "Basic Information"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN", "xapp-"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL", "https://slack.com/api/"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", "sqlite:///"),
        ({"PORT": "http"}, "PORT", "1 to 65535"),
        ({"PORT": "70000"}, "PORT", "1 to 65535"),
        ({"PROGRAM_ADMINS": "dana@example.gov"}, "PROGRAM_ADMINS", "member ID"),
        ({"PROGRAM_CHANNEL": "#coaching"}, "PROGRAM_CHANNEL", "C0123ABCD"),
        ({"SCHEDULER": "maybe"}, "SCHEDULER", "SCHEDULER=off"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "LOG_FORMAT=json"),
        ({"SCHEDULER_INTERVAL": "0"}, "SCHEDULER_INTERVAL", "for example 60"),
        ({"SCHEDULER_INTERVAL": "a minute"}, "SCHEDULER_INTERVAL", "0.05 to 3600"),
        ({"SB_TEST_CLOCK_FILE": "/no/such/clock"}, "SB_TEST_CLOCK_FILE", "leave it unset"),
    ],
)
def test_a_bad_setting_names_the_variable_and_the_fix(
    changes: dict[str, str], variable: str, hint: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**GOOD, **changes})
    assert raised.value.variable == variable
    message = str(raised.value)
    assert message.startswith(variable) and hint in message
    assert "\n" not in message


def test_secrets_never_show_in_the_settings_repr() -> None:
    settings = load_settings({**GOOD, "SLACK_APP_TOKEN": "xapp-1-secret"})
    assert "xoxb-1-2-3" not in repr(settings)
    assert "s3cret" not in repr(settings)
    assert "xapp-1-secret" not in repr(settings)


def test_the_scheduler_interval_and_the_tests_clock_file_are_read(tmp_path: Path) -> None:
    clock = tmp_path / "clock"
    set_file_clock(clock, datetime(2027, 1, 4, 12, tzinfo=UTC))
    settings = load_settings(
        {**GOOD, "SCHEDULER_INTERVAL": "0.5", "SB_TEST_CLOCK_FILE": str(clock)}
    )
    assert settings.scheduler_interval == 0.5
    assert settings.test_clock_file == str(clock)
    assert load_settings(GOOD).scheduler_interval == 60
    assert load_settings(GOOD).test_clock_file is None
