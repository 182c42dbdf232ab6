"""The sandbox page and its JSON API (Flask, served by waitress like the bot).

GET  /                          the page (redirects to /sandbox/)
GET  /sandbox/api/state         ?user=U…&channel=…: what that person sees
POST /sandbox/api/command       {user, channel, text}: a slash command (or a plain message)
POST /sandbox/api/home          {user}: open the App Home tab (app_home_opened)
POST /sandbox/api/action        {user, source, block_id, action_id, selected?, values?}
POST /sandbox/api/submit        {user, view_id, values}: submit the modal on top
POST /sandbox/api/close         {user, view_id}: close it
POST /sandbox/api/forward       {step: day | week | month}: move the clock, run reminders
POST /sandbox/api/reset         back to the freshly seeded demo program

Every POST answers with the person's state (and, for forward/reset/submit, a `result`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, redirect, request, send_from_directory

from sandbox import demo
from sandbox.world import Sandbox, SandboxError

STATIC = Path(__file__).parent / "static"


def build_page_app(sandbox: Sandbox) -> Flask:
    web = Flask("sounding_board_sandbox", static_folder=None)

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    def answer(user: str, channel: str | None, result: Any = None) -> Response:
        state = sandbox.state(user, channel)
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
        return send_from_directory(STATIC, "index.html")

    @web.get("/sandbox/static/<path:name>")
    def static_file(name: str) -> Response:
        return send_from_directory(STATIC, name)

    @web.get("/sandbox/api/state")
    def state() -> Response:
        user = request.args.get("user") or demo.LEARNERS[0].user_id
        return answer(user, request.args.get("channel"))

    @web.post("/sandbox/api/command")
    def command() -> Response:
        data = body()
        user, channel = str(data.get("user", "")), str(data.get("channel", ""))
        sandbox._check_user(user)
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
