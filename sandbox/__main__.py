"""`python -m sandbox`: try the bot without Slack, on a local page that plays Slack."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.log_format import configure_logging
from sandbox.cli import add_arguments, run_sandbox


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Sounding Board's sandbox: the bot against a local stand-in for Slack, "
        "with a page to play it as any of the demo program's people.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging("text")
    return run_sandbox(args)


if __name__ == "__main__":
    sys.exit(main())
