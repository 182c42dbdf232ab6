"""`python -m benchmarks search|reminders|load|year|socket|page|roster|workspaces`: see
each module for what it measures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    commands = parser.add_subparsers(dest="name", required=True)
    search = commands.add_parser("search", help="/find-coach against a no-op command over HTTP")
    search.add_argument("--coaches", type=int, default=10_000)
    search.add_argument("--people", type=int, default=50_000)
    search.add_argument("--requests", type=int, default=300)
    search.add_argument(
        "--database-url", help="default: a fresh SQLite file; 'postgres' starts a throwaway server"
    )
    reminders = commands.add_parser(
        "reminders", help="one reminder run: N and 10N relationships, the same number due"
    )
    reminders.add_argument("--relationships", type=int, default=100_000)
    reminders.add_argument("--due", type=int, default=1_000)
    load = commands.add_parser("load", help="signed requests, 20 at a time, at a bot process")
    load.add_argument("--requests", type=int, default=400)
    load.add_argument("--databases", default="sqlite,postgresql")
    year = commands.add_parser("year", help="a year of a program: seeds, pairs, invariants")
    year.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds")
    year.add_argument("--pairs", type=int, default=80)
    year.add_argument("--days", type=int, default=365)
    year.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    socket_mode = commands.add_parser(
        "socket", help="Socket Mode clients through a refresh and dropped connections"
    )
    socket_mode.add_argument(
        "--adapters",
        default="builtin,websocket_client,aiohttp,websockets",
        help="Bolt's adapters to measure (comma-separated; none: only the bot's own)",
    )
    socket_mode.add_argument("--repeats", type=int, default=3, help="drops of each kind")
    socket_mode.add_argument(
        "--no-bot", action="store_true", help="leave out the bot's own client and process"
    )
    page = commands.add_parser("page", help="clicks on the sandbox page in headless Chromium")
    page.add_argument("--history", type=int, default=40, help="searches made before timing")
    page.add_argument("--rounds", type=int, default=6)
    roster = commands.add_parser("roster", help="a large roster sent to the bot in a DM")
    roster.add_argument("--coaches", type=int, default=4_000)
    roster.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    workspaces = commands.add_parser(
        "workspaces",
        help="many workspaces on PostgreSQL, two bot processes, a month of nudges",
    )
    workspaces.add_argument("--workspaces", type=int, default=50)
    workspaces.add_argument("--people", type=int, default=200, help="in each workspace")
    workspaces.add_argument("--pairs", type=int, default=20, help="active, in each workspace")
    workspaces.add_argument("--days", type=int, default=30)
    workspaces.add_argument("--rate", type=float, default=10, help="requests a second")
    args = parser.parse_args()
    if args.name == "search":
        from benchmarks.search import run

        return run(args.coaches, args.people, args.requests, args.database_url)
    if args.name == "reminders":
        from benchmarks.reminders import run as run_reminders

        return run_reminders(args.relationships, args.due)
    if args.name == "load":
        from benchmarks.load import run as run_load

        return run_load(args.requests, args.databases.split(","))
    if args.name == "year":
        from benchmarks.year import run as run_year

        seeds = [int(seed) for seed in args.seeds.split(",")]
        return run_year(seeds, args.pairs, args.days, args.database)
    if args.name == "socket":
        from benchmarks.socket import run as run_socket

        adapters = [name for name in args.adapters.split(",") if name]
        return run_socket(adapters, args.repeats, not args.no_bot)
    if args.name == "page":
        from benchmarks.page import run as run_page

        return run_page(args.history, args.rounds)
    if args.name == "roster":
        from benchmarks.roster import run as run_roster

        return run_roster(args.coaches, args.database)
    if args.name == "workspaces":
        from benchmarks.workspaces import run as run_workspaces

        return run_workspaces(args.workspaces, args.people, args.pairs, args.days, args.rate)
    return 2


if __name__ == "__main__":
    sys.exit(main())
