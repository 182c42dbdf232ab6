"""A local stand-in for Slack's Socket Mode service, on a real WebSocket (the `websockets`
library's threaded server), for the fake Web API's `apps.connections.open` to hand out.

What it does, as Slack does:
- a URL carries a one-use ticket; a connection without a good ticket is refused (401);
- every connection is greeted with `hello`;
- `send` delivers an envelope (`slash_commands`, `interactive`, `events_api`) with an
  `envelope_id` to a connection in service, and expects `{"envelope_id": ..., "payload":
  ...}` back; an answer later than `ACK_DEADLINE` seconds after the person acted, or
  none, is *late* (Slack has already shown them an error; it does not deliver a command
  or a click again);
- `refresh` is Slack's routine connection refresh: a `disconnect` message (reason
  `refresh_requested` or `warning`), no new envelopes on that connection, and the
  connection closed (cleanly) a while later;
- `drop` ends a connection with a TCP reset and no close frame; `go_silent` leaves it
  half-open (Slack's end gone, the app told nothing: no frames, no pongs, no FIN).

Envelopes wait for a connection in service (up to `send`'s `wait`; one never delivered
is `undelivered`), so one sent while the app is reconnecting is delivered once it is
back, and its lateness counts the wait. Acknowledgements are accepted on any open
connection, also one opened after the envelope's own closed: Slack documents no rule
about which, and slack_sdk's clients send each on whichever connection is current.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from fakeslack import FakeSlack

APP_TOKEN = "xapp-1-A0SOUNDING-1-test-app-level-token"
APP_ID = "A0SOUNDING"
ACK_DEADLINE = 3.0
"""Slack's deadline for an acknowledgement, counted from when the person acted."""
REFRESH_GRACE = 10.0
"""Seconds between a `disconnect` message and Slack closing that connection (Slack's
`warning` comes 10 seconds ahead)."""


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    created: float
    """When the person acted (time.monotonic())."""
    delivered: float | None = None
    link: int | None = None
    """The number of the connection it went out on."""
    acked_at: float | None = None
    acked_on: int | None = None
    """The number of the connection the acknowledgement came back on."""
    response: dict[str, Any] | None = None
    """The `payload` of the acknowledgement (a command's reply, a modal's answer)."""
    undelivered: bool = False
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            message.update(retry_attempt=0, retry_reason="")
        return message

    def wait(self, timeout: float = 30) -> bool:
        """Wait until it is acknowledged (or found undeliverable); True if acknowledged."""
        self._done.wait(timeout)
        return self.acked

    @property
    def acked(self) -> bool:
        return self.acked_at is not None

    @property
    def late(self) -> bool:
        """Not acknowledged within Slack's deadline of the person's action (or not at all)."""
        return self.acked_at is None or self.acked_at - self.created > ACK_DEADLINE

    @property
    def seconds(self) -> float | None:
        """From the person's action to the acknowledgement."""
        return None if self.acked_at is None else self.acked_at - self.created


class _Connection(ServerConnection):
    """A server connection that can go silent: everything it would write (pongs, close
    frames, the end of the stream) is dropped, as on a half-open TCP connection."""

    silent = False

    def send_data(self) -> None:
        if not self.silent:
            super().send_data()
            return
        for _ in self.protocol.data_to_send():
            pass


@dataclass
class Link:
    """One WebSocket connection from the app."""

    number: int
    connection: _Connection
    opened: float
    retiring: bool = False
    silent: bool = False
    dropped: float | None = None
    closed: float | None = None
    envelopes: list[Envelope] = field(default_factory=list)

    @property
    def in_service(self) -> bool:
        return self.closed is None and self.dropped is None and not self.silent


class SocketModeService:
    """The stand-in. `attach(fake)` makes the fake Web API's apps.connections.open hand
    out its URLs for `app_token`."""

    def __init__(self, app_token: str = APP_TOKEN, app_id: str = APP_ID) -> None:
        self.app_token = app_token
        self.app_id = app_id
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._links: list[Link] = []
        self._numbers = itertools.count(1)
        self._envelopes: dict[str, Envelope] = {}
        self._stray: list[dict[str, Any]] = []
        self._timers: list[threading.Timer] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> SocketModeService:
        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            ping_interval=None,
            create_connection=_Connection,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode-service", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SocketModeService:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def attach(self, fake: FakeSlack) -> SocketModeService:
        fake.enable_socket_mode(self.app_token, self.open_url)
        return self

    def open_url(self) -> str:
        """A WebSocket URL with a fresh one-use ticket (what apps.connections.open gives)."""
        assert self._server is not None, "start() the service first"
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- what the app sees -----------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = ""
        _, _, query = request.path.partition("?")
        for part in query.split("&"):
            key, _, value = part.partition("=")
            if key == "ticket":
                ticket = value
        with self._lock:
            if ticket not in self._tickets:
                return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
            self._tickets.discard(ticket)
        return None

    def _handle(self, connection: ServerConnection) -> None:
        """`hello` first, then the connection is in service: envelopes may follow."""
        assert isinstance(connection, _Connection)
        with self._lock:
            live = 1 + sum(1 for known in self._links if known.closed is None)
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": live,
                    "debug_info": {
                        "host": "applink-stand-in",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        with self._lock:
            link = Link(next(self._numbers), connection, time.monotonic())
            self._links.append(link)
            self._lock.notify_all()
        try:
            for message in connection:
                self._receive(link, message)
        except Exception:  # a reset connection ends like a closed one
            pass
        finally:
            with self._lock:
                link.closed = time.monotonic()
                self._lock.notify_all()

    def _receive(self, link: Link, message: str | bytes) -> None:
        if link.silent:
            return
        try:
            ack = json.loads(message)
        except ValueError:
            ack = None
        with self._lock:
            envelope = (
                self._envelopes.get(ack.get("envelope_id", "")) if isinstance(ack, dict) else None
            )
            if envelope is None or envelope.acked:
                self._stray.append({"link": link.number, "message": message})
                return
            envelope.acked_at = time.monotonic()
            envelope.acked_on = link.number
            payload = ack.get("payload")
            envelope.response = payload if isinstance(payload, dict) else None
            envelope._done.set()

    # -- driving it ----------------------------------------------------------------------

    def send(self, type: str, payload: dict[str, Any], *, wait: float = 30) -> Envelope:
        """Deliver one envelope to the newest connection in service, waiting up to
        `wait` seconds for one. Returns at once after writing it; `Envelope.wait()` for
        the acknowledgement."""
        accepts = type == "slash_commands" or (
            type == "interactive"
            and payload.get("type") in {"view_submission", "block_suggestion", "shortcut"}
        )
        envelope = Envelope(
            envelope_id=str(uuid.uuid4()),
            type=type,
            payload=payload,
            accepts_response_payload=accepts,
            created=time.monotonic(),
        )
        with self._lock:
            self._envelopes[envelope.envelope_id] = envelope
        give_up = envelope.created + wait
        while True:
            with self._lock:
                link = self._in_service()
                while link is None and time.monotonic() < give_up:
                    self._lock.wait(give_up - time.monotonic())
                    link = self._in_service()
                if link is None:
                    envelope.undelivered = True
                    envelope._done.set()
                    return envelope
                link.envelopes.append(envelope)
                envelope.link = link.number
                envelope.delivered = time.monotonic()
            try:
                link.connection.send(json.dumps(envelope.message()))
                return envelope
            except Exception:  # it closed just now: try the next one
                with self._lock:
                    link.envelopes.remove(envelope)
                    link.closed = link.closed or time.monotonic()

    def command(self, payload: dict[str, Any], **kwargs: Any) -> Envelope:
        return self.send("slash_commands", payload, **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Envelope:
        return self.send("interactive", payload, **kwargs)

    def event(self, payload: dict[str, Any], **kwargs: Any) -> Envelope:
        return self.send("events_api", payload, **kwargs)

    def refresh(
        self,
        link: Link | None = None,
        *,
        reason: str = "refresh_requested",
        close_after: float = REFRESH_GRACE,
    ) -> Link:
        """Slack's routine refresh of `link` (default: the newest in service): a
        `disconnect` message with `reason` (`refresh_requested` or `warning`), no more
        envelopes there, and a clean close `close_after` seconds later."""
        link = link or self.current()
        with self._lock:
            link.retiring = True
        self._say(
            link,
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-stand-in"}},
        )
        timer = threading.Timer(close_after, self._close, args=[link])
        timer.daemon = True
        self._timers.append(timer)
        timer.start()
        return link

    def drop(self, link: Link | None = None) -> Link:
        """End `link` with a TCP reset and no close frame."""
        link = link or self.current()
        with self._lock:
            link.dropped = time.monotonic()
        sock = link.connection.socket
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        link.connection.close_socket()
        return link

    def go_silent(self, link: Link | None = None) -> Link:
        """Leave `link` half-open: from now on nothing reaches the app on it."""
        link = link or self.current()
        with self._lock:
            link.silent = True
            link.connection.silent = True
            link.dropped = time.monotonic()
        return link

    def _say(self, link: Link, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            link.connection.send(json.dumps(message))

    def _close(self, link: Link) -> None:
        with contextlib.suppress(Exception):
            link.connection.close(1000, "refresh")

    # -- looking ---------------------------------------------------------------------------

    def _in_service(self) -> Link | None:
        serving = [link for link in self._links if link.in_service and not link.retiring]
        return serving[-1] if serving else None

    def current(self, timeout: float = 30) -> Link:
        """The newest connection in service, waiting up to `timeout` seconds for one."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while (link := self._in_service()) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no Socket Mode connection in service")
                self._lock.wait(left)
            return link

    def wait_for_link(self, after: Link | None = None, timeout: float = 30) -> Link:
        """The first connection in service opened after `after` (any, if None)."""
        deadline = time.monotonic() + timeout
        floor = after.number if after is not None else 0
        with self._lock:
            while True:
                newer = [ln for ln in self._links if ln.number > floor and ln.in_service]
                if newer:
                    return newer[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no new Socket Mode connection after #{floor}")
                self._lock.wait(left)

    def wait_closed(self, link: Link, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while link.closed is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    @property
    def links(self) -> list[Link]:
        with self._lock:
            return list(self._links)

    def open_links(self) -> list[Link]:
        with self._lock:
            return [link for link in self._links if link.closed is None]

    @property
    def envelopes(self) -> list[Envelope]:
        with self._lock:
            return list(self._envelopes.values())

    @property
    def stray(self) -> list[dict[str, Any]]:
        """Messages from the app that acknowledged nothing (unknown or repeated ids)."""
        with self._lock:
            return list(self._stray)
