"""`python -m bot`: run the bot, or one of the coordinators' commands."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from slack_bolt.error import BoltError
from sqlalchemy.exc import SQLAlchemyError

from bot.log_format import configure_logging
from bot.logging_setup import install_redaction, secrets_from
from bot.settings import SettingsError, load_settings, log_format, read_environment

logger = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Sounding Board: a Slack app for coaching and mentoring programs.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (the default)")
    importer = commands.add_parser(
        "import-coaches", help="import or update coaches from a roster CSV file"
    )
    importer.add_argument("file", help="the roster, a CSV file (see examples/coaches.csv)")
    importer.add_argument(
        "--team", help="the Slack team ID to import into (default: the bot's own workspace)"
    )
    exporter = commands.add_parser(
        "export", help="write the program's CSV files (people, relationships, agreements)"
    )
    exporter.add_argument("--out", default=".", help="the folder to write them to")
    exporter.add_argument("--team", help="the Slack team ID (default: the bot's own workspace)")
    commands.add_parser(
        "configured",
        help="say whether Slack credentials are set (exit 0) or not (exit 1); `make run` "
        "starts the sandbox when they are not",
    )
    return parser


NO_CREDENTIALS = (
    "No Slack credentials are set (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for one "
    "workspace, or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET for Add to "
    "Slack; from https://api.slack.com/apps, see .env.example)"
)
CREDENTIALS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
)


def has_credentials(env: dict[str, str]) -> bool:
    """Whether any Slack credential is set; with only some, starting the bot names the
    missing one."""
    return any(env.get(name, "").strip() for name in CREDENTIALS)


def run(settings_env: dict[str, str]) -> int:
    from bot.server import serve
    from bot.wiring import assemble

    settings = load_settings(settings_env)
    if settings.test_clock_file:
        logger.warning("The clock is read from SB_TEST_CLOCK_FILE: for tests only")
    bot = assemble(settings)
    scheduler = None
    if settings.scheduler_enabled:
        from scheduling.scheduler import start_scheduler

        scheduler = start_scheduler(bot.reminders, settings.scheduler_interval)
        logger.info("Reminders are on (SCHEDULER=off to serve Slack without them)")
    if settings.socket_mode:
        from bot.socket_mode import serve_socket_mode

        return serve_socket_mode(bot, scheduler)
    return serve(bot, scheduler)


def import_coaches(settings_env: dict[str, str], path: str, team_id: str | None) -> int:
    from bot.roster_cli import import_roster

    return import_roster(load_settings(settings_env), path, team_id)


def export_program(settings_env: dict[str, str], out: str, team_id: str | None) -> int:
    """Write the program's CSV files from the database alone: no Slack token is needed.
    Without --team, the database's one program is exported (or the programs are named)."""
    from pathlib import Path

    from bot.settings import load_database_url
    from bot.wiring import open_database
    from coaching.export import export, teams
    from storage.db import make_sessionmaker

    sessions = make_sessionmaker(open_database(load_database_url(settings_env)))
    with sessions.begin() as session:
        if team_id is None:
            known = teams(session)
            if len(known) != 1:
                print(
                    "sounding-board: "
                    + (
                        f"this database holds {len(known)} programs ({', '.join(known)}): "
                        "choose one with --team"
                        if known
                        else "this database holds no program yet: nothing to export"
                    ),
                    file=sys.stderr,
                )
                return 2
            team_id = known[0]
        files = export(session, team_id)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
        print(f"wrote {folder / name} ({content.count(chr(10)) - 1} rows)", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = read_environment()
    try:
        configure_logging(log_format(env))
    except SettingsError as error:
        print(f"sounding-board: {error}", file=sys.stderr)
        return 2
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    install_redaction(logging.getLogger(), secrets_from(env))
    try:
        if args.command == "import-coaches":
            return import_coaches(env, args.file, args.team)
        if args.command == "export":
            return export_program(env, args.out, args.team)
        if args.command == "configured":
            if has_credentials(env):
                return 0
            print(NO_CREDENTIALS, flush=True)
            return 1
        if not has_credentials(env):
            print(
                f"sounding-board: {NO_CREDENTIALS}. To try the bot without Slack: "
                "python -m sandbox (make run starts it when nothing is set)",
                file=sys.stderr,
            )
            return 2
        return run(env)
    except SettingsError as error:
        print(f"sounding-board: {error}", file=sys.stderr)
    except SQLAlchemyError as error:
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        print(
            f"sounding-board: cannot open the database ({reason}): check DATABASE_URL",
            file=sys.stderr,
        )
    except BoltError as error:
        print(
            f"sounding-board: Slack refused the bot token ({error}): check SLACK_BOT_TOKEN "
            "and SLACK_API_URL",
            file=sys.stderr,
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
