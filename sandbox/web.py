"""The sandbox page and its JSON API (Flask, served by waitress like the bot).

GET  /                          the page (redirects to /sandbox/)
GET  /sandbox/api/state         ?user=U…&channel=…: what that person sees (and marks it read)
GET  /sandbox/api/file          ?user=U…&file=F…: a file shared in one of their conversations
POST /sandbox/api/command       {user, channel, text}: a slash command (or a plain message)
POST /sandbox/api/home          {user}: open the App Home tab (app_home_opened)
POST /sandbox/api/action        {user, source, block_id, action_id, selected?, values?}
POST /sandbox/api/submit        {user, view_id, values}: submit the modal on top
POST /sandbox/api/close         {user, view_id}: close it
POST /sandbox/api/forward       {step: day | week | month}: move the clock, delivering on
                                the way what falls due (sandbox/fastforward.py)
POST /sandbox/api/reset         back to the freshly seeded demo program

Every POST answers with the person's state (and, for forward/reset/submit, a `result`);
`?detail=0` (what the page asks) leaves out the messages' text and Block Kit.

Only the page itself may use the API: the page carries a token made when the sandbox
starts, and every API request must send it back in `X-Sandbox-Token`, as JSON when it
is a POST, from the page's own origin (`Origin`, `Sec-Fetch-Site`); anything else is
refused with 403 and changes nothing. Only the local host names (and those named at
start) are served, so a DNS-rebound name reaches nothing (400).
"""

from __future__ import annotations

import hmac
import html
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, abort, jsonify, redirect, request, send_from_directory

from sandbox import demo
from sandbox.world import Sandbox, SandboxError

STATIC = Path(__file__).parent / "static"
TOKEN_HEADER = "X-Sandbox-Token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# A Host header: a name or IPv4 address, or an IPv6 address in brackets; then a port.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?")
PUBLIC = {"root", "page", "static_file", "favicon"}  # the page and its files: no token
REFUSED = "This request did not come from the sandbox page, or the sandbox was restarted: "


def host_name(host: str) -> str:
    """A host as it appears in a Host header: lower case, an IPv6 address in brackets."""
    host = host.strip().lower()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def served_host(header: str, allowed: set[str]) -> bool:
    """Whether a Host header names one of `allowed`, whatever the port (werkzeug's
    TRUSTED_HOSTS cannot match an IPv6 address, so the check is made here)."""
    found = _HOST.fullmatch(header.lower())
    return found is not None and found.group(1) in allowed


def refusal(token: str) -> str | None:
    """Why the current API request is not the page's own, or None when it is."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return f"sent from another site ({site})"
    origin = request.headers.get("Origin")
    if (
        origin is not None
        and origin.lower() != f"{request.scheme}://{request.headers['Host'].lower()}"
    ):
        return "sent from another origin"
    if request.method != "GET" and request.mimetype != "application/json":
        return "not JSON"
    given = request.headers.get(TOKEN_HEADER, "").encode()
    if not hmac.compare_digest(given, token.encode()):
        return "without the page's token"
    return None


def content_disposition(name: str) -> str:
    """An attachment header for a file name the bot chose (RFC 6266, with an ASCII
    fallback), so no name can break out of the header."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name)[:100] or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def build_page_app(sandbox: Sandbox, hosts: Iterable[str] = ()) -> Flask:
    """The page and its API; `hosts` are host names served besides the local ones."""
    web = Flask("sounding_board_sandbox", static_folder=None)
    web.json.sort_keys = False  # type: ignore[attr-defined]  # a person's state is large
    token = secrets.token_urlsafe(32)
    allowed = {host_name(host) for host in (*LOCAL_HOSTS, *hosts)}
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    page_html = index.replace("{{ token }}", html.escape(token, quote=True))

    @web.before_request
    def only_the_page() -> tuple[Response, int] | tuple[str, int] | None:
        if not served_host(request.headers.get("Host", ""), allowed):
            names = ", ".join(sorted(allowed))
            return (
                f"This sandbox answers only at {names}; start it with --allow-host NAME "
                "to use another name.\n",
                400,
            )
        if request.endpoint not in PUBLIC:
            reason = refusal(token)
            if reason is not None:
                return jsonify({"error": f"{REFUSED}{reason}. Please reload the page."}), 403
        return None

    @web.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    def answer(user: str, channel: str | None, result: Any = None) -> Response:
        """The person's state; the page leaves out the messages' text and Block Kit
        (`?detail=0`), which tests and tools read."""
        state = sandbox.state(user, channel, detail=request.args.get("detail") != "0")
        if result is not None:
            state["result"] = result
        return jsonify(state)

    @web.errorhandler(SandboxError)
    def refused(error: SandboxError) -> tuple[Response, int]:
        return jsonify({"error": str(error)}), 400

    @web.get("/")
    def root() -> Any:
        return redirect("/sandbox/")

    @web.get("/sandbox/")
    def page() -> Response:
        return Response(page_html, mimetype="text/html")

    @web.get("/favicon.ico")
    def favicon() -> Any:
        return redirect("/sandbox/static/favicon.svg")

    @web.get("/sandbox/static/<path:name>")
    def static_file(name: str) -> Response:
        if name.endswith(".html"):
            abort(404)
        return send_from_directory(STATIC, name)

    @web.get("/sandbox/api/state")
    def state() -> Response:
        user = request.args.get("user") or demo.LEARNERS[0].user_id
        return answer(user, request.args.get("channel"))

    @web.get("/sandbox/api/file")
    def shared_file() -> Response:
        name, content = sandbox.file(request.args.get("user", ""), request.args.get("file", ""))
        return Response(
            content,
            mimetype="application/octet-stream",
            headers={"Content-Disposition": content_disposition(name)},
        )

    @web.post("/sandbox/api/command")
    def command() -> Response:
        data = body()
        user, channel = str(data.get("user", "")), str(data.get("channel", ""))
        sandbox.check_user(user)
        if not channel:
            channel = sandbox.world.slack.dm_channel(user)
        sandbox.command(user, channel, str(data.get("text", "")))
        return answer(user, channel)

    @web.post("/sandbox/api/home")
    def home() -> Response:
        data = body()
        user = str(data.get("user", ""))
        sandbox.open_home(user)
        return answer(user, data.get("channel"))

    @web.post("/sandbox/api/action")
    def action() -> Response:
        data = body()
        user = str(data.get("user", ""))
        source = data.get("source")
        if not isinstance(source, dict):
            raise SandboxError("source is missing")
        sandbox.action(
            user,
            source,
            str(data.get("block_id", "")),
            str(data.get("action_id", "")),
            data.get("selected"),
            data.get("values") if isinstance(data.get("values"), dict) else None,
        )
        return answer(user, data.get("channel"))

    @web.post("/sandbox/api/submit")
    def submit() -> Response:
        data = body()
        user = str(data.get("user", ""))
        values = data.get("values") if isinstance(data.get("values"), dict) else {}
        result = sandbox.submit(user, str(data.get("view_id", "")), values)
        return answer(user, data.get("channel"), result)

    @web.post("/sandbox/api/close")
    def close() -> Response:
        data = body()
        user = str(data.get("user", ""))
        sandbox.close(user, str(data.get("view_id", "")))
        return answer(user, data.get("channel"))

    @web.post("/sandbox/api/forward")
    def forward() -> Response:
        data = body()
        step = str(data.get("step", "day"))
        if step not in ("day", "week", "month"):
            raise SandboxError("step is day, week or month")
        result = sandbox.forward(step)
        return answer(
            str(data.get("user") or demo.LEARNERS[0].user_id), data.get("channel"), result
        )

    @web.post("/sandbox/api/reset")
    def reset() -> Response:
        data = body()
        result = {"seeded": sandbox.reset()}
        return answer(str(data.get("user") or demo.LEARNERS[0].user_id), None, result)

    return web
