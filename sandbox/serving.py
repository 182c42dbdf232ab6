"""A waitress server on a thread of its own, as the sandbox runs the bot (and tests run
the page)."""

from __future__ import annotations

import threading

from flask import Flask

from bot.server import close_server, make_server


class Serving:
    """Serves `web` on `host:port` (0: any free port) from start until `stop()`."""

    def __init__(self, web: Flask, host: str, port: int, name: str) -> None:
        self.server = make_server(web, host, port)
        self.url = f"http://{host}:{self.server.effective_port}"
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            # waitress's loop may be inside select() when close() shuts its sockets
            if not self._closing.is_set():
                raise

    def stop(self) -> None:
        self._closing.set()
        close_server(self.server)
        self._thread.join(timeout=5)
