"""The running sandbox: the stand-in for Slack, the bot (assembled exactly as in
production, served over HTTP), the sandbox clock, and what a Slack client would do for
each person: send their commands, clicks and submissions to the bot, signed, and keep
track of the modals they have open."""

from __future__ import annotations

import copy
import json
import logging
import secrets
import threading
from collections.abc import Callable
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
from sandbox.clock import SandboxClock, landing
from sandbox.fastforward import fast_forward
from sandbox.serving import Serving
from storage.db import make_engine
from storage.models import Base, Person

from fakeslack import ClientSlack, SlackError, requests

logger = logging.getLogger("sandbox")

DEFAULT_DATABASE_URL = "sqlite:///sandbox.db"
MESSAGES_SHOWN = 100  # the latest of a conversation, as Slack loads its history
DRAWN_KEPT = 5000
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
    slack: ClientSlack
    clock: SandboxClock
    bot: Bot
    server: Serving
    executor: requests.TrackingExecutor
    sender: requests.Sender
    bot_url: str
    saver: Saver
    seeded: str | None = None
    modals: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What each person typed or picked in an open modal, by view id and block id: the
    page shows it again after field errors and after a click in the modal, as Slack does."""
    notices: dict[str, list[str]] = field(default_factory=dict)
    read: dict[str, dict[str, str]] = field(default_factory=dict)
    """The last message each person has seen in each conversation (user -> channel -> ts)."""


class Saver:
    """Writes the stand-in's conversations and the clock to disk off the click's path:
    `soon()` asks for a write, and a thread of its own makes it once the asking has
    paused for `QUIET` seconds (one write for a burst of clicks, out of their way)."""

    QUIET = 0.5

    def __init__(self, write: Callable[[], None]) -> None:
        self.write = write
        self._asked = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-saver", daemon=True)
        self._thread.start()

    def soon(self) -> None:
        self._asked.set()

    def _run(self) -> None:
        while True:
            self._asked.wait()
            while not self._stopping:
                self._asked.clear()
                if not self._asked.wait(self.QUIET):
                    break
            if self._stopping:
                return
            try:
                self.write()
            except (OSError, ValueError):
                logger.exception("The sandbox could not save its conversations")

    def close(self) -> None:
        self._stopping = True
        self._asked.set()
        self._thread.join(timeout=10)


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
        self._drawn: dict[str, tuple[str, str]] = {}
        self._read_lock = threading.Lock()

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
        slack = ClientSlack(
            team_id=demo.TEAM,
            bot_token=bot_token,
            team_name=demo.TEAM_NAME,
            team_domain="sandbox",
            posted_at=clock,
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
            empty = session.scalar(select(func.count()).select_from(Person)) == 0
        if empty:
            seeded = demo.seed(
                bot.runtime.sessions,
                clock(),
                lambda: bot.runtime.outbox.deliver(bot.client),
                max_open=settings.max_open_requests,
            )
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
            saver=Saver(self._write),
            seeded=seeded,
            read=dict(saved.get("read", {})),
        )
        self._world = world
        self._write()
        return world

    def _write(self) -> None:
        world = self.world
        with self._read_lock:  # not the sandbox's lock, which stop() holds while it waits
            read = {user: dict(seen) for user, seen in world.read.items()}
        world.slack.save(self.state_path, {"clock": world.clock().isoformat(), "read": read})

    def save(self) -> None:
        """Ask for the conversations to be written to disk (at once, on another thread)."""
        self.world.saver.soon()

    def stop(self, *, save: bool = True) -> None:
        with self.lock:
            world = self._world
            if world is None:
                return
            world.saver.close()
            if save:
                self._write()
            self._world = None
            world.executor.drain()
            world.server.stop()
            world.executor.shutdown(wait=True)
            world.bot.engine.dispose()
            world.slack.stop()
            self._drawn.clear()

    def reset(self) -> str:
        """Back to the freshly seeded demo program."""
        with self.lock:
            self.stop(save=False)
            wipe_database(self.database_url)
            self.state_path.unlink(missing_ok=True)
            return self.start().world.seeded or ""

    # -- what a person sees ---------------------------------------------------------------

    def check_user(self, user: str) -> None:
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
        """People's names by id, the app's, and each channel's `#name` (the page's
        conversation menus list those)."""
        channels = {cid: f"#{name}" for cid, name in self.world.slack.channels().items()}
        return {**self.names, self.world.slack.bot_user_id: "Sounding Board", **channels}

    def _drawn_message(
        self, message: dict[str, Any], ephemeral: bool, names: dict[str, str]
    ) -> tuple[str, str, str]:
        """A message's key, HTML and text. The key changes when the message does (an edit
        gives it a new `edited` ts), and drawing is kept per key, so a long conversation
        costs what changed in it, not all it holds."""
        edited = (message.get("edited") or {}).get("ts", "")
        key = f"{'e' if ephemeral else 'm'}{message['ts']}{edited}"
        drawn = self._drawn.get(key)
        if drawn is None:
            if len(self._drawn) >= DRAWN_KEPT:
                self._drawn.clear()
            body = render.message(message, names)
            drawn = self._drawn[key] = (body, render.visible_text(body))
        return key, *drawn

    def _messages(
        self, user: str, channel: str, names: dict[str, str], detail: bool
    ) -> list[dict[str, Any]]:
        slack = self.world.slack
        shown = []
        with slack.lock:
            for message, ephemeral in slack.shown(user, channel, MESSAGES_SHOWN):
                key, body, words = self._drawn_message(message, ephemeral, names)
                kind = "ephemeral" if ephemeral else "message"
                author = "Sounding Board" if ephemeral else names.get(message.get("user", ""), "?")
                entry = {
                    "ts": message["ts"],
                    "key": key,
                    "author": author,
                    "ephemeral": ephemeral,
                    "source": {"type": kind, "channel": channel, "ts": message["ts"]},
                    "html": body,
                }
                if detail:
                    entry["text"] = words
                    entry["blocks"] = copy.deepcopy(message.get("blocks", []))
                shown.append(entry)
        return shown

    def _modal(self, user: str, names: dict[str, str]) -> dict[str, Any] | None:
        world = self.world
        stack = world.modals.get(user, [])
        view = world.slack.view(stack[-1]) if stack else None
        if view is None:
            return None
        errors = world.errors.get(view["id"], {})
        typed = render.printable_values(world.drafts.get(view["id"], {}))
        body = render.blocks(view["blocks"], names, errors, typed)
        return {
            "id": view["id"],
            "callback_id": view.get("callback_id", ""),
            "title": render.plain(view.get("title")),
            "submit": render.plain(view.get("submit")) if view.get("submit") else None,
            "close": render.plain(view.get("close")) or "Cancel",
            "html": body,
            "text": render.visible_text(body),
            "blocks": view["blocks"],
            "errors": errors,
            "values": typed,
            "depth": len(stack),
        }

    def _welcome(self) -> dict[str, Any]:
        """The people and places the welcome screen points at."""
        learner, coach = demo.ACTIVE_LEARNER, demo.active_coach().user_id
        slack = self.world.slack
        group = next(
            (
                c["id"]
                for c in slack.conversations_of(learner, {})
                if c["kind"] == "mpim" and coach in c["members"]
            ),
            None,
        )
        return {
            "newcomer": {"id": demo.NEWCOMER.user_id, "name": demo.NEWCOMER.name},
            "learner": {"id": learner, "name": self.names[learner]},
            "coach": {"id": coach, "name": self.names[coach]},
            "coordinator": {"id": demo.COORDINATOR.user_id, "name": demo.COORDINATOR.name},
            "group": group,
            "team": demo.TEAM_NAME,
        }

    def state(
        self, user: str, channel: str | None = None, *, detail: bool = True
    ) -> dict[str, Any]:
        """What `user` sees with `channel` open; opening it marks it read. Without
        `detail` the messages come as HTML only (what the page draws), without their
        text and Block Kit (what tests and tools read)."""
        self.check_user(user)
        with self.lock:
            world = self.world
            slack = world.slack
            names = self._names()
            with self._read_lock:
                seen = dict(world.read.get(user, {}))
            conversations = [
                {
                    "id": c["id"],
                    "kind": c["kind"],
                    "label": self.conversation_label(c, user),
                    "unread": c["unread"],
                    "latest": c["latest"],
                }
                for c in slack.conversations_of(user, seen)
            ]
            known = {c["id"] for c in conversations}
            if channel not in known:
                channel = slack.dm_channel(user)
            for conversation in conversations:
                if conversation["id"] == channel:
                    conversation["unread"] = 0
                    if conversation["latest"]:
                        with self._read_lock:
                            world.read.setdefault(user, {})[channel] = conversation["latest"]
            home = slack.home(user)
            home_html = render.blocks(home["blocks"], names) if home else ""
            now = world.clock()
            person = self.people[user]
            return {
                "clock": now.isoformat(),
                "clock_label": now.strftime("%a %d %b %Y"),
                "bot_url": world.bot_url,
                "user": user,
                "viewer": {"tz": person.tz},
                "people": [
                    {"id": p.user_id, "name": p.name, "title": p.title, "role": p.role}
                    for p in self.people.values()
                ],
                "channel": channel,
                "conversations": conversations,
                "messages": self._messages(user, channel, names, detail),
                "home": {
                    "html": home_html,
                    "text": render.visible_text(home_html),
                    "blocks": home["blocks"],
                }
                if home
                else None,
                "modal": self._modal(user, names),
                "notices": world.notices.pop(user, []),
                "welcome": self._welcome(),
            }

    def file(self, user: str, file_id: str) -> tuple[str, bytes]:
        """A file shared in a conversation `user` is in: its name and content."""
        self.check_user(user)
        with self.lock:
            slack = self.world.slack
            shared = slack.file(file_id)
            mine = {c["id"] for c in slack.conversations_of(user, {})}
            if shared is None or not mine & set(shared["channels"]):
                raise SandboxError("no such file in your conversations")
            return str(shared["name"]), bytes(shared["content"] or b"")

    # -- what a person does ---------------------------------------------------------------

    def _notice(self, user: str, text: str) -> None:
        self.world.notices.setdefault(user, []).append(text)

    def _opened(self, user: str, trigger_id: str) -> None:
        """Views the bot opened or pushed with this interaction's trigger go on the
        person's modal stack."""
        world = self.world
        for method, view_id in world.slack.opened_with(trigger_id):
            stack = world.modals.setdefault(user, [])
            if method == "views.open":
                self._forget(stack)
            stack.append(view_id)

    def _forget(self, stack: list[str], keep: int = 0) -> None:
        """Close the modals above the first `keep` of a stack, with what was typed there."""
        world = self.world
        for view_id in stack[keep:]:
            world.errors.pop(view_id, None)
            world.drafts.pop(view_id, None)
        del stack[keep:]

    def _mention_ids(self, text_in: str) -> str:
        """Slack turns a typed @Name into <@U…|handle> for commands that escape names."""
        for user_id, name in sorted(self.names.items(), key=lambda item: -len(item[1])):
            text_in = text_in.replace(f"@{name}", f"<@{user_id}|{name.split()[0].lower()}>")
        return text_in

    def command(self, user: str, channel: str, line: str) -> None:
        self.check_user(user)
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
                try:
                    answer = reply.json()
                except ValueError:
                    answer = None
                try:
                    if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
                        world.slack.add_ephemeral(channel, user, answer)
                    elif reply.body and answer is None:
                        world.slack.add_ephemeral(channel, user, {"text": reply.body})
                except SlackError as refused:
                    self._notice(user, f'{name} failed with the error "{refused.error}"')
            self._opened(user, trigger)
            self.save()

    def open_home(self, user: str) -> None:
        self.check_user(user)
        with self.lock:
            world = self.world
            payload = requests.event(
                team=demo.TEAM,
                event={
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
        self.check_user(user)
        with self.lock:
            world = self.world
            slack = world.slack
            kind = source.get("type")
            view = None
            message = None
            channel = source.get("channel")
            if kind in {"message", "ephemeral"}:
                found = slack.find_message(
                    str(channel), str(source.get("ts")), user if kind == "ephemeral" else None
                )
                if found is None:
                    raise SandboxError("that message is gone")
                message = found if kind == "message" else None
                found_blocks = found.get("blocks", [])
            elif kind in {"home", "modal"}:
                view = slack.home(user) if kind == "home" else slack.view(source.get("view_id", ""))
                if view is None:
                    raise SandboxError("that view is gone")
                if kind == "modal" and values is not None:
                    world.drafts[view["id"]] = dict(values)
                view["state"] = requests.view_state(view, world.drafts.get(view["id"], {}))
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
            reply = world.sender.interactive(payload)
            if reply.status != 200:
                self._notice(user, "Sounding Board didn't answer that click (HTTP error).")
            self._opened(user, trigger)
            self.save()

    def _action_for(self, element: dict[str, Any], block_id: str, selected: Any) -> dict[str, Any]:
        """The `actions[0]` Slack sends for a click or a choice on `element`."""
        kind = element.get("type")
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": block_id,
            "type": kind,
        }
        choices = {o["value"]: o for o in render.options(element)}
        many = (
            selected if isinstance(selected, list) else [] if selected in (None, "") else [selected]
        )
        if kind == "button":
            action["text"] = element.get("text")
            for key in ("value", "style", "url"):
                if element.get(key):
                    action[key] = element[key]
        elif kind in {"static_select", "overflow", "radio_buttons"}:
            if selected not in choices:
                raise SandboxError(f"{selected!r} is not one of the choices")
            action["selected_option"] = choices[selected]
        elif kind in {"checkboxes", "multi_static_select"}:
            if any(value not in choices for value in many):
                raise SandboxError("that is not one of the choices")
            action["selected_options"] = [choices[value] for value in many]
        elif kind == "users_select":
            if selected not in self.people:
                raise SandboxError(f"no such person in the sandbox: {selected!r}")
            action["selected_user"] = selected
        elif kind == "multi_users_select":
            action["selected_users"] = [value for value in many if value in self.people]
        elif kind == "conversations_select":
            if selected not in self.world.slack.channels():
                raise SandboxError(f"no such channel in the sandbox: {selected!r}")
            action["selected_conversation"] = selected
        elif kind == "datepicker":
            action["selected_date"] = selected or None
        elif kind == "timepicker":
            action["selected_time"] = selected or None
        elif kind in {"plain_text_input", "number_input", "email_text_input", "url_text_input"}:
            action["value"] = selected or ""
        return action

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Submit the modal on top of the person's stack; returns the bot's answer."""
        self.check_user(user)
        with self.lock:
            world = self.world
            slack = world.slack
            stack = world.modals.get(user, [])
            if not stack or stack[-1] != view_id:
                raise SandboxError("that modal is not open")
            view = slack.view(view_id)
            if view is None:
                raise SandboxError("that modal is gone")
            world.drafts[view_id] = dict(values)
            trigger = slack.issue_trigger_id(view_id)
            payload = requests.view_submission(
                user=user,
                team=demo.TEAM,
                view=view,
                values=values,
                trigger_id=trigger,
            )
            reply = world.sender.interactive(payload)
            try:
                answer = reply.json() if reply.status == 200 else None
            except ValueError:
                answer = None
            world.errors.pop(view_id, None)
            if reply.status != 200:
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
                self._forget(stack)
            else:
                self._forget(stack, len(stack) - 1)
            self._opened(user, trigger)
            self.save()
            return answer or {}

    def close(self, user: str, view_id: str) -> None:
        """The modal's close button: back to the modal under it, if any. A view that asks
        to be told (`notify_on_close`) is sent to the bot as `view_closed`."""
        self.check_user(user)
        with self.lock:
            world = self.world
            stack = world.modals.get(user, [])
            if not stack or stack[-1] != view_id:
                return
            view = world.slack.view(view_id)
            self._forget(stack, len(stack) - 1)
            if view is not None and view.get("notify_on_close"):
                world.sender.interactive(requests.view_closed(user=user, team=demo.TEAM, view=view))

    def forward(self, step: str) -> dict[str, Any]:
        """Move the clock on by a day, a week or a month, delivering on the way what
        falls due, when it falls due (`sandbox.fastforward`)."""
        with self.lock:
            world = self.world
            world.executor.drain()
            bot = world.bot
            jump = fast_forward(
                world.clock,
                landing(world.clock(), step),
                bot.reminders,
                bot.runtime.sessions,
            )
            self.save()
            return {
                "clock": jump.clock.isoformat(),
                "passes": jump.passes,
                "planned": jump.planned,
                "sent": jump.sent,
                "failed": jump.failed,
                "postponed": jump.postponed,
                "failures": jump.failures,
            }
