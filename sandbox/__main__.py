"""`python -m sandbox`: try the bot without Slack, on a local page that plays Slack."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence

from bot.log_format import configure_logging

MISSING_FAKE = (
    "The sandbox needs the fake Slack, which is development code outside the bot: "
    "run `make run`, or `pip install -e ./devtools/fakeslack -e '.[sandbox]'`."
)


def main(argv: Sequence[str] | None = None) -> int:
    if importlib.util.find_spec("fakeslack") is None:
        print(MISSING_FAKE, file=sys.stderr)
        return 2
    from sandbox.cli import add_arguments, run_sandbox

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
