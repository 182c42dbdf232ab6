"""`python -m bot sandbox`: the bot with a local stand-in for Slack and a page to play it."""

from __future__ import annotations

import argparse
import os
import threading

from bot.server import make_server
from sandbox.web import build_page_app
from sandbox.world import DEFAULT_DATABASE_URL, Sandbox

DEFAULT_PORT = 8080


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address for the page (127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SANDBOX_PORT") or DEFAULT_PORT),
        help="port for the page (SANDBOX_PORT, else 8080; 0 picks a free one)",
    )
    parser.add_argument(
        "--bot-port", type=int, default=0, help="port for the bot's own HTTP endpoint (any free)"
    )
    parser.add_argument(
        "--reset", action="store_true", help="start again from the freshly seeded demo program"
    )


def sandbox_database_url() -> str:
    """SANDBOX_DATABASE_URL, else the sandbox's own SQLite file; never the real DATABASE_URL,
    so trying the sandbox cannot touch a real program's data."""
    return os.environ.get("SANDBOX_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def run_sandbox(args: argparse.Namespace, ready: threading.Event | None = None) -> int:
    sandbox = Sandbox(sandbox_database_url(), bot_port=args.bot_port)
    summary = sandbox.reset() if args.reset else sandbox.start().world.seeded
    if summary:
        print(f"Seeded the demo program: {summary}", flush=True)
    server = make_server(build_page_app(sandbox), args.host, args.port)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    print(f"Sounding Board sandbox: http://{shown}:{server.effective_port}/", flush=True)
    print(
        f"(the bot itself answers at {sandbox.world.bot_url}/slack/events; "
        f"data in {sandbox.database_url}; Ctrl+C to stop)",
        flush=True,
    )
    if ready is not None:
        ready.set()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        sandbox.stop()
    return 0
