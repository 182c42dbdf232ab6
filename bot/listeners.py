"""Where Bolt runs the listeners, counted, so that a stopping process can let the work it
acknowledged finish (and /metrics can say how much is under way)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

THREADS = 10
"""As many as Bolt's own listener pool."""


class ListenerPool(Executor):
    """Bolt's listener executor: a listener runs here, acknowledges, then finishes its
    work after the acknowledgement (sending what it owes, opening a modal). Runs them on
    `executor` (tests and the sandbox bring one that tracks what it started), or on a
    thread pool of its own."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor or ThreadPoolExecutor(THREADS, thread_name_prefix="bolt-listener")
        self._running = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._running += 1
        try:
            future = self.executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._done()
            raise
        future.add_done_callback(lambda _future: self._done())
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=cancel_futures)

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
