"""The running sandbox: the stand-in for Slack, the bot (assembled exactly as in
production, served over HTTP), the sandbox clock, and what a Slack client would do for
each person: send their commands, clicks and submissions to the bot, signed, and keep
track of the modals they have open."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from bot.server import EVENTS_PATH, build_web_app
from bot.settings import Settings
from bot.wiring import Bot, assemble
from handlers import ids
from sandbox import demo, render
from sandbox import slack_requests as requests
from sandbox.clock import SandboxClock
from sandbox.serving import Serving
from sandbox.slack_api import SandboxSlack
from storage.db import make_engine
from storage.models import Base, Person

logger = logging.getLogger("sandbox")

DEFAULT_DATABASE_URL = "sqlite:///sandbox.db"
COMMAND_NAMES = {command.name for command in ids.COMMANDS}


class SandboxError(ValueError):
    """Something the page asked for that makes no sense (unknown person, view, button)."""


def state_path_for(database_url: str) -> Path:
    """Where the stand-in's conversations and the clock are kept between runs."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(f"{url.database}.slack.json")
    return Path("sandbox-state.json")


def wipe_database(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    engine = make_engine(database_url)
    try:
        Base.metadata.drop_all(engine)
        if inspect(engine).has_table("alembic_version"):
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()


@dataclass
class World:
    slack: SandboxSlack
    clock: SandboxClock
    bot: Bot
    server: Serving
    executor: requests.TrackingExecutor
    sender: requests.Sender
    bot_url: str
    seeded: str | None = None
    modals: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    notices: dict[str, list[str]] = field(default_factory=dict)


class Sandbox:
    def __init__(
        self,
        database_url: str = DEFAULT_DATABASE_URL,
        *,
        bot_host: str = "127.0.0.1",
        bot_port: int = 0,
        state_path: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.bot_host = bot_host
        self.bot_port = bot_port
        self.state_path = state_path or state_path_for(database_url)
        self.lock = threading.RLock()
        self._world: World | None = None
        self.people = {person.user_id: person for person in demo.everyone()}
        self.names = {user_id: person.name for user_id, person in self.people.items()}

    # -- life cycle ---------------------------------------------------------------------

    @property
    def world(self) -> World:
        if self._world is None:
            raise RuntimeError("start() the sandbox first")
        return self._world

    def start(self) -> Sandbox:
        with self.lock:
            if self._world is None:
                self._world = self._build()
            return self

    def _build(self) -> World:
        saved: dict[str, Any] = {}
        if self.state_path.is_file():
            try:
                saved = json.loads(self.state_path.read_text(encoding="utf-8"))
            except ValueError:
                saved = {}
        clock = SandboxClock(datetime.fromisoformat(saved["clock"]) if "clock" in saved else None)
        # Made anew at each start: the bot and the stand-in listen on this machine, so a
        # secret written in the code would let any local process or web page use them.
        bot_token = f"xoxb-sandbox-{secrets.token_hex(16)}"
        signing_secret = secrets.token_urlsafe(32)
        slack = SandboxSlack(
            team_id=demo.TEAM,
            bot_token=bot_token,
            team_name=demo.TEAM_NAME,
            team_domain="sandbox",
        ).start()
        for person in self.people.values():
            slack.add_user(
                person.user_id,
                real_name=person.name,
                email=person.email,
                title=person.title,
                tz=person.tz,
                phone=person.phone,
            )
        slack.add_channel(demo.PROGRAM_CHANNEL, members=[demo.COORDINATOR.user_id], name="program")
        settings = Settings(
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_api_url=slack.url,
            database_url=self.database_url,
            program_admins=frozenset({demo.COORDINATOR.user_id}),
            program_channel=demo.PROGRAM_CHANNEL,
            scheduler_enabled=False,
        )
        executor = requests.TrackingExecutor()
        bot = assemble(settings, clock=clock, listener_executor=executor)
        seeded = None
        with bot.runtime.sessions.begin() as session:
            if session.scalar(select(func.count()).select_from(Person)) == 0:
                seeded = demo.seed(session, clock(), max_open=settings.max_open_requests)
                saved = {}
        if saved.get("slack"):
            slack.restore(saved["slack"])
        server = Serving(build_web_app(bot), self.bot_host, self.bot_port, "sandbox-bot")
        bot_url = server.url
        world = World(
            slack=slack,
            clock=clock,
            bot=bot,
            server=server,
            executor=executor,
            sender=requests.Sender(bot_url + EVENTS_PATH, signing_secret, executor),
            bot_url=bot_url,
            seeded=seeded,
        )
        self._world = world
        self.save()
        return world

    def save(self) -> None:
        with self.lock:
            world = self.world
            world.slack.save(self.state_path, {"clock": world.clock().isoformat()})

    def stop(self, *, save: bool = True) -> None:
        with self.lock:
            world, self._world = self._world, None
            if world is None:
                return
            if save:
                world.slack.save(self.state_path, {"clock": world.clock().isoformat()})
            world.executor.drain()
            world.server.stop()
            world.executor.shutdown(wait=True)
            world.bot.engine.dispose()
            world.slack.stop()

    def reset(self) -> str:
        """Back to the freshly seeded demo program."""
        with self.lock:
            self.stop(save=False)
            wipe_database(self.database_url)
            self.state_path.unlink(missing_ok=True)
            return self.start().world.seeded or ""

    # -- what a person sees ---------------------------------------------------------------

    def _check_user(self, user: str) -> None:
        if user not in self.people:
            raise SandboxError(f"no such person in the sandbox: {user!r}")

    def conversation_label(self, conversation: dict[str, Any], user: str) -> str:
        if conversation["kind"] == "im":
            return "Sounding Board (app)"
        if conversation["kind"] == "channel":
            return f"#{conversation['name']}"
        others = [
            self.names.get(member, member)
            for member in conversation["members"]
            if member not in (user, self.world.slack.bot_user_id)
        ]
        return ", ".join(others) or conversation["name"]

    def _names(self) -> dict[str, str]:
        return {**self.names, self.world.slack.bot_user_id: "Sounding Board"}

    def state(self, user: str, channel: str | None = None) -> dict[str, Any]:
        self._check_user(user)
        with self.lock:
            world = self.world
            slack = world.slack
            names = self._names()
            conversations = [
                {
                    "id": c["id"],
                    "kind": c["kind"],
                    "label": self.conversation_label(c, user),
                    "count": c["count"],
                }
                for c in slack.conversations_of(user)
            ]
            known = {c["id"] for c in conversations}
            if channel not in known:
                channel = slack.dm_channel(user)
            entries = []
            for message in slack.messages(channel):
                source = {"type": "message", "channel": channel, "ts": message["ts"]}
                entries.append((message, source, False))
            for message in slack.ephemerals_for(user, channel):
                source = {"type": "ephemeral", "channel": channel, "ts": message["ts"]}
                entries.append((message, source, True))
            entries.sort(key=lambda entry: float(entry[0]["ts"]))
            messages = []
            for message, source, ephemeral in entries:
                body = render.message(message, names)
                author = "Sounding Board" if ephemeral else names.get(message.get("user", ""), "?")
                messages.append(
                    {
                        "ts": message["ts"],
                        "author": author,
                        "ephemeral": ephemeral,
                        "source": source,
                        "html": body,
                        "text": render.visible_text(body),
                        "blocks": message.get("blocks", []),
                    }
                )
            home = slack.home(user)
            stack = world.modals.get(user, [])
            modal = None
            if stack:
                view = slack.view(stack[-1])
                if view is not None:
                    errors = world.errors.get(view["id"], {})
                    body = render.blocks(view["blocks"], names, errors)
                    modal = {
                        "id": view["id"],
                        "callback_id": view.get("callback_id", ""),
                        "title": render.plain(view.get("title")),
                        "submit": render.plain(view.get("submit")) if view.get("submit") else None,
                        "close": render.plain(view.get("close")) or "Cancel",
                        "html": body,
                        "text": render.visible_text(body),
                        "blocks": view["blocks"],
                        "errors": errors,
                    }
            home_html = render.blocks(home["blocks"], names) if home else ""
            now = world.clock()
            return {
                "clock": now.isoformat(),
                "clock_label": now.strftime("%a %d %b %Y"),
                "bot_url": world.bot_url,
                "user": user,
                "people": [
                    {"id": p.user_id, "name": p.name, "title": p.title, "role": p.role}
                    for p in self.people.values()
                ],
                "channel": channel,
                "conversations": conversations,
                "messages": messages,
                "home": {
                    "html": home_html,
                    "text": render.visible_text(home_html),
                    "blocks": home["blocks"] if home else [],
                }
                if home
                else None,
                "modal": modal,
                "notices": world.notices.pop(user, []),
            }

    # -- what a person does ---------------------------------------------------------------

    def _notice(self, user: str, text: str) -> None:
        self.world.notices.setdefault(user, []).append(text)

    def _opened(self, user: str, since: int, trigger_id: str) -> None:
        """Views the bot opened or pushed with this interaction's trigger go on the
        person's modal stack."""
        world = self.world
        for call in world.slack.calls[since:]:
            if call.ok and call.method in {"views.open", "views.push"}:
                if call.args.get("trigger_id") != trigger_id:
                    continue
                stack = world.modals.setdefault(user, [])
                if call.method == "views.open":
                    stack.clear()
                stack.append(call.response["view"]["id"])

    def _mention_ids(self, text_in: str) -> str:
        """Slack turns a typed @Name into <@U…|handle> for commands that escape names."""
        for user_id, name in sorted(self.names.items(), key=lambda item: -len(item[1])):
            text_in = text_in.replace(f"@{name}", f"<@{user_id}|{name.split()[0].lower()}>")
        return text_in

    def command(self, user: str, channel: str, line: str) -> None:
        self._check_user(user)
        line = line.strip()
        name, _, rest = line.partition(" ")
        with self.lock:
            world = self.world
            if not line.startswith("/"):
                world.slack.post_as(channel, user, line)
                return
            if name not in COMMAND_NAMES:
                self._notice(user, f"{name} is not a valid command. Try /coaching-help.")
                return
            trigger = world.slack.issue_trigger_id()
            since = len(world.slack.calls)
            fields = requests.command(
                command=name,
                user=user,
                team=demo.TEAM,
                text=self._mention_ids(rest.strip()),
                channel=channel,
                trigger_id=trigger,
                response_url=world.slack.response_url(channel=channel, user=user),
            )
            reply = world.sender.form(fields)
            if reply.status != 200:
                self._notice(user, f'{name} failed with the error "dispatch_failed"')
            else:
                answer = reply.json()
                if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
                    world.slack.add_ephemeral(channel, user, answer)
                elif reply.body and answer is None:
                    world.slack.add_ephemeral(channel, user, {"text": reply.body})
            self._opened(user, since, trigger)
            self.save()

    def open_home(self, user: str) -> None:
        self._check_user(user)
        with self.lock:
            world = self.world
            payload = requests.event(
                team=demo.TEAM,
                body={
                    "type": "app_home_opened",
                    "user": user,
                    "channel": world.slack.dm_channel(user),
                    "tab": "home",
                    "event_ts": f"{world.clock().timestamp():.6f}",
                },
            )
            world.sender.event(payload)
            self.save()

    def _find_element(
        self, blocks: list[dict[str, Any]], block_id: str, action_id: str
    ) -> dict[str, Any]:
        for item in blocks:
            if item.get("block_id") != block_id:
                continue
            candidates = list(item.get("elements", []))
            for key in ("accessory", "element"):
                if item.get(key):
                    candidates.append(item[key])
            for element in candidates:
                if element.get("action_id") == action_id:
                    return element
        raise SandboxError(f"there is no {action_id!r} in block {block_id!r} here")

    def action(
        self,
        user: str,
        source: dict[str, Any],
        block_id: str,
        action_id: str,
        selected: Any = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        """A click on a button, or a choice in a select, in a message, the App Home or a
        modal."""
        self._check_user(user)
        with self.lock:
            world = self.world
            slack = world.slack
            kind = source.get("type")
            view = None
            message = None
            channel = source.get("channel")
            if kind == "message":
                message = next(
                    (m for m in slack.messages(channel) if m["ts"] == source.get("ts")), None
                )
                if message is None:
                    raise SandboxError("that message is gone")
                found_blocks = message.get("blocks", [])
            elif kind == "ephemeral":
                ephemeral = next(
                    (e for e in slack.ephemerals_for(user, channel) if e["ts"] == source.get("ts")),
                    None,
                )
                if ephemeral is None:
                    raise SandboxError("that message is gone")
                found_blocks = ephemeral.get("blocks", [])
            elif kind in {"home", "modal"}:
                view = slack.home(user) if kind == "home" else slack.view(source.get("view_id", ""))
                if view is None:
                    raise SandboxError("that view is gone")
                view["state"] = requests.view_state(view, values or {})
                found_blocks = view["blocks"]
            else:
                raise SandboxError(f"unknown source {kind!r}")
            element = self._find_element(found_blocks, block_id, action_id)
            action = self._action_for(element, block_id, selected)
            trigger = slack.issue_trigger_id(view["id"] if kind == "modal" and view else None)
            if kind in {"message", "ephemeral"}:
                container = {
                    "type": "message",
                    "message_ts": source["ts"],
                    "channel_id": channel,
                    "is_ephemeral": kind == "ephemeral",
                }
                response_url = slack.response_url(
                    channel=channel, user=user, message_ts=source["ts"]
                )
            else:
                assert view is not None
                container = {"type": "view", "view_id": view["id"]}
                response_url = None
            payload = requests.block_actions(
                user=user,
                team=demo.TEAM,
                action=action,
                trigger_id=trigger,
                container=container,
                view=view,
                message=message,
                channel=channel if kind in {"message", "ephemeral"} else None,
                response_url=response_url,
            )
            since = len(slack.calls)
            reply = world.sender.interactive(payload)
            if reply.status != 200:
                self._notice(user, "Sounding Board didn't answer that click (HTTP error).")
            self._opened(user, since, trigger)
            self.save()

    def _action_for(self, element: dict[str, Any], block_id: str, selected: Any) -> dict[str, Any]:
        kind = element.get("type")
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": block_id,
            "type": kind,
        }
        if kind == "button":
            action["text"] = element.get("text")
            if "value" in element:
                action["value"] = element["value"]
            if element.get("style"):
                action["style"] = element["style"]
        elif kind in {"static_select", "overflow"}:
            options = {o["value"]: o for o in render._options(element)}
            if selected not in options:
                raise SandboxError(f"{selected!r} is not one of the choices")
            action["selected_option"] = options[selected]
        elif kind == "users_select":
            action["selected_user"] = selected
        elif kind == "datepicker":
            action["selected_date"] = selected
        elif kind == "checkboxes":
            options = {o["value"]: o for o in element.get("options", [])}
            action["selected_options"] = [options[v] for v in selected or [] if v in options]
        return action

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Submit the modal on top of the person's stack; returns the bot's answer."""
        self._check_user(user)
        with self.lock:
            world = self.world
            slack = world.slack
            stack = world.modals.get(user, [])
            if not stack or stack[-1] != view_id:
                raise SandboxError("that modal is not open")
            view = slack.view(view_id)
            if view is None:
                raise SandboxError("that modal is gone")
            trigger = slack.issue_trigger_id(view_id)
            payload = requests.view_submission(
                user=user,
                team=demo.TEAM,
                view=view,
                state=requests.view_state(view, values),
                trigger_id=trigger,
            )
            since = len(slack.calls)
            reply = world.sender.interactive(payload)
            answer = reply.json() if reply.status == 200 else None
            world.errors.pop(view_id, None)
            if reply.status != 200:
                world.errors[view_id] = {}
                self._notice(user, "We had some trouble connecting. Try again?")
                return {"response_action": "failed"}
            action = (answer or {}).get("response_action")
            if action == "errors":
                world.errors[view_id] = dict(answer.get("errors", {}))
            elif action == "update":
                slack.replace_view(view_id, answer["view"])
            elif action == "push":
                stack.append(slack.push_view(view_id, answer["view"])["id"])
            elif action == "clear":
                stack.clear()
            else:
                stack.pop()
            self._opened(user, since, trigger)
            self.save()
            return answer or {}

    def close(self, user: str, view_id: str) -> None:
        self._check_user(user)
        with self.lock:
            stack = self.world.modals.get(user, [])
            if stack and stack[-1] == view_id:
                stack.pop()

    def forward(self, step: str) -> dict[str, Any]:
        """Move the clock on and run a reminder pass, as the scheduler would."""
        with self.lock:
            world = self.world
            now = world.clock.forward(step)
            report = world.bot.reminders()
            world.executor.drain()
            self.save()
            return {
                "clock": now.isoformat(),
                "sent": report.sent,
                "planned": report.planned,
                "postponed": report.postponed,
                "failed": report.failed,
            }
