"""A stopped bot lets go of everything it started: a process that runs the bot more
than once (the sandbox's reset, the test suite) must not grow with each run."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from bot.settings import Settings
from handlers import ids

from fakeslack.server import FakeSlack
from support.harness import running_bot
from support.workspace import LEARNER

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_stopped_bot_leaves_no_thread_and_no_app_behind(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    before = set(threading.enumerate())
    with running_bot(settings, fake_slack) as harness:
        served = harness.command(ids.COACHING_HELP.name, LEARNER)
        app, engine = weakref.ref(harness.bot.app), weakref.ref(harness.bot.engine)
    del harness
    gc.collect()

    assert served.status == 200
    started = [thread.name for thread in threading.enumerate() if thread not in before]
    assert started == [], "waitress's worker threads outlived the server"
    assert app() is None and engine() is None
