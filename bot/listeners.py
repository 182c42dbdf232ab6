"""The threads Bolt runs listeners on, counted, so that a stopping process can let the
work it acknowledged finish (and /metrics can say how much is under way)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

THREADS = 10
"""As many as Bolt's own listener pool."""


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor: a listener runs here, acknowledges, then finishes its
    work after the acknowledgement (sending what it owes, opening a modal)."""

    def __init__(self, max_workers: int = THREADS) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt-listener")
        self._running = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._running += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done()
            raise
        future.add_done_callback(lambda _future: self._done())
        return future

    def _done(self) -> None:
        with self._idle:
            self._running -= 1
            if self._running == 0:
                self._idle.notify_all()

    def running(self) -> int:
        """Listeners started and not yet finished."""
        with self._idle:
            return self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no listener runs (listeners may start others meanwhile); False if
        some still run after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
            return True
