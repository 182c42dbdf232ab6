"""`python -m sandbox`: the bot with a local stand-in for Slack and a page to play it."""

from __future__ import annotations

import argparse
import os
import threading

from bot.server import close_server, make_server
from sandbox.web import build_page_app, host_name
from sandbox.world import DEFAULT_DATABASE_URL, Sandbox

DEFAULT_PORT = 8080
EVERY_ADDRESS = ("0.0.0.0", "::", "")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address for the page (127.0.0.1); 0.0.0.0 lets other machines reach it",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name or address the page answers to, as typed in the browser "
        "(repeatable; 127.0.0.1, localhost and [::1] always are)",
    )
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


def page_hosts(host: str, allowed: list[str]) -> list[str]:
    """The host names the page answers to besides the local ones: the address it listens
    on (unless that is every address), and those allowed by name. Any other name is
    refused, so a web page cannot reach the sandbox by DNS rebinding."""
    named = [] if host in EVERY_ADDRESS else [host]
    return [name for name in (*named, *allowed) if name.strip()]


def run_sandbox(args: argparse.Namespace, ready: threading.Event | None = None) -> int:
    sandbox = Sandbox(sandbox_database_url(), bot_port=args.bot_port)
    summary = sandbox.reset() if args.reset else sandbox.start().world.seeded
    if summary:
        print(f"Seeded the demo program: {summary}", flush=True)
    hosts = page_hosts(args.host, args.allow_host)
    server = make_server(build_page_app(sandbox, hosts), args.host, args.port)
    first = "127.0.0.1" if args.host in EVERY_ADDRESS else args.host
    names = dict.fromkeys(host_name(name) for name in (first, *args.allow_host))
    addresses = [f"http://{name}:{server.effective_port}/" for name in names]
    print(f"Sounding Board sandbox: {addresses[0]}", flush=True)
    if len(addresses) > 1:
        print(f"(also at {', '.join(addresses[1:])})", flush=True)
    if args.host not in LOOPBACK:
        print(
            "Other machines can reach this page, and anyone who opens it can act as every "
            "demo person and reset the demo. It answers only at the addresses above and at "
            "127.0.0.1, localhost and [::1]; name others with --allow-host.",
            flush=True,
        )
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
        close_server(server)
        sandbox.stop()
    return 0
