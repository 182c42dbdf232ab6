"""`python -m bot` start-up: one clear line for a bad setting, never a traceback."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).parent.parent


def start(
    env: dict[str, str], cwd: Path, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def spawn(command: list[str], cwd: Path) -> subprocess.Popen[str]:
    """`python -m COMMAND` left running, without Slack credentials or a real database."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    env = {**clean, "PYTHONPATH": str(ROOT), "SANDBOX_PORT": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("SANDBOX_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", *command],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_without_slack_credentials_the_bot_says_so_and_points_to_the_sandbox(
    tmp_path: Path,
) -> None:
    result = start({}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "No Slack credentials are set (SLACK_BOT_TOKEN and SLACK_SIGNING" in lines[0]
    assert "https://api.slack.com/apps" in lines[0] and "python -m sandbox" in lines[0]


def test_make_run_starts_the_sandbox_only_when_no_credential_is_set(tmp_path: Path) -> None:
    """`make run` asks `python -m bot configured`: any credential means the bot (which
    then names what is missing); none means the sandbox, with the reason said."""
    bare = start({}, tmp_path, ("configured",))
    assert bare.returncode == 1
    assert bare.stdout.startswith("No Slack credentials are set")
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_SIGNING_SECRET"):
        assert start({name: "x"}, tmp_path, ("configured",)).returncode == 0, name
    (tmp_path / ".env").write_text("SLACK_CLIENT_ID=from-dotenv\n")
    assert start({}, tmp_path, ("configured",)).returncode == 0
    make = (ROOT / "Makefile").read_text()
    assert "-m bot configured" in make and "-m sandbox" in make


def test_python_m_sandbox_starts_the_sandbox_without_credentials(tmp_path: Path) -> None:
    process = spawn(["sandbox"], tmp_path)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while "Sounding Board sandbox: http://127.0.0.1:" not in lines[-1]:
            line = process.stdout.readline()
            assert line, "the sandbox stopped before printing its address"
            lines.append(line)
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=30)
    assert "Traceback" not in errors


def test_the_sandbox_answers_at_the_names_it_is_given_and_no_other(tmp_path: Path) -> None:
    process = spawn(["sandbox", "--allow-host", "Box.Example"], tmp_path)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while not lines[-1].startswith("(also at"):
            assert lines[-1], "the sandbox stopped before printing its addresses"
            lines.append(process.stdout.readline())
        address = urlsplit(lines[-2].removeprefix("Sounding Board sandbox: ").strip())
        assert address.hostname == "127.0.0.1"
        assert lines[-1].strip() == f"(also at http://box.example:{address.port}/)"
        answers = {}
        for host in ("box.example", "127.0.0.1", "other.example"):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            connection.request("GET", "/sandbox/", headers={"Host": f"{host}:{address.port}"})
            reply = connection.getresponse()
            answers[host] = (reply.status, reply.read().decode())
            connection.close()
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert answers["box.example"][0] == answers["127.0.0.1"][0] == 200
    assert answers["other.example"][0] == 400 and "--allow-host" in answers["other.example"][1]


def test_with_one_slack_setting_missing_it_names_it_in_one_line(tmp_path: Path) -> None:
    result = start({"SLACK_SIGNING_SECRET": "s"}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_BOT_TOKEN is not set" in lines[0]
    assert "https://api.slack.com/apps" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"DATABASE_URL": "oracle://db"}, "DATABASE_URL"),
        ({"PROGRAM_ADMINS": "dana"}, "PROGRAM_ADMINS"),
        ({"LOG_FORMAT": "yaml"}, "LOG_FORMAT"),
    ],
)
def test_a_malformed_setting_is_named(tmp_path: Path, env: dict[str, str], variable: str) -> None:
    result = start({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", **env}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"sounding-board: {variable}")
    assert "Traceback" not in result.stderr


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=\n")
    result = start({}, tmp_path)
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert "xoxb-from-dotenv" not in result.stderr


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = start(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/x.db",
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr
