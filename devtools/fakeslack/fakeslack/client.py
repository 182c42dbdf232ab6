"""The sandbox's stand-in for the Slack Web API: the strict fake the tests use, plus what
a Slack *client* keeps that the Web API does not show (ephemeral messages answered or
replaced through a response_url, modals replaced by a submission's response_action, the
files shared in a conversation), and a snapshot so a restarted sandbox shows the same
conversations.

Message timestamps follow the sandbox's clock, as Slack's follow the wall clock, so a
check-in sent on a fast-forwarded day shows that day on the page."""

from __future__ import annotations

import base64
import copy
import itertools
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from .server import FakeSlack, _Conversation

EPHEMERALS_KEPT = 200


class ClientSlack(FakeSlack):
    def __init__(self, *args: Any, posted_at: Callable[[], datetime], **kwargs: Any) -> None:
        self.posted_at = posted_at
        self._last_second = 0
        self._by_trigger: dict[str, list[str]] = {}
        super().__init__(*args, **kwargs)

    def _next_ts(self) -> str:
        """`seconds.serial`: the sandbox's time, and a serial that keeps every ts unique
        and in order (Slack's own are the wall clock's microseconds)."""
        second = max(int(self.posted_at().timestamp()), self._last_second)
        self._last_second = second
        return f"{second}.{next(self._ts) % 1_000_000:06d}"

    def add_ephemeral(self, channel: str, user: str, content: dict[str, Any]) -> dict[str, Any]:
        """An ephemeral message as Slack shows the answer to a slash command: checked as
        Slack checks a message (SlackError if it would refuse it), with the block_ids
        and action_ids Slack fills in."""
        with self._lock:
            checked = self._content(content)
            message = {
                "channel": channel,
                "user": user,
                "ts": self._next_ts(),
                "text": checked.get("text", ""),
                "blocks": checked.get("blocks", []),
            }
            self._ephemerals.append(message)
            del self._ephemerals[:-EPHEMERALS_KEPT]
            return copy.deepcopy(message)

    def opened_with(self, trigger_id: str) -> list[tuple[str, str]]:
        """The modals views.open and views.push opened with this trigger, in order, as
        (method, view id)."""
        with self._lock:
            return [tuple(item.split(" ", 1)) for item in self._by_trigger.pop(trigger_id, [])]  # type: ignore[misc]

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_open(args)
        self._by_trigger.setdefault(str(args.get("trigger_id")), []).append(
            f"views.open {answer['view']['id']}"
        )
        return answer

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_push(args)
        self._by_trigger.setdefault(str(args.get("trigger_id")), []).append(
            f"views.push {answer['view']['id']}"
        )
        return answer

    def file(self, file_id: str) -> dict[str, Any] | None:
        """A shared file (name, title, channels, content bytes), or None."""
        with self._lock:
            found = next((f for f in self._files if f["id"] == file_id), None)
            return copy.deepcopy(found) if found else None

    def _respond(self, key: str, payload: Any) -> dict[str, Any]:
        """Like Slack, replace_original and delete_original also act on the ephemeral
        message the interaction came from."""
        url = self._response_urls.get(key)
        if url is not None and url.message_ts and isinstance(payload, dict):
            original = next(
                (
                    e
                    for e in self._ephemerals
                    if e["ts"] == url.message_ts and e["user"] == url.user
                ),
                None,
            )
            replace = payload.get("replace_original") in (True, "true")
            delete = payload.get("delete_original") in (True, "true")
            if original is not None and (replace or delete):
                url.uses += 1
                if delete:
                    self._ephemerals.remove(original)
                    return {"ok": True}
                content = self._content(payload, status=400)
                original.update(
                    text=content.get("text", ""),
                    blocks=content.get("blocks", []),
                    edited={"user": self.bot_user_id, "ts": self._next_ts()},
                )
                return {"ok": True}
        return super()._respond(key, payload)

    def ephemerals_for(self, user: str, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if e["user"] == user and e["channel"] in (channel, None)
            ]

    def shown(self, user: str, channel: str, last: int) -> list[tuple[dict[str, Any], bool]]:
        """The `last` messages `user` sees in `channel` (its messages and the ephemeral
        messages shown to them), oldest first, each with whether it is ephemeral. Not
        copies: read them while holding `lock`, and change nothing."""
        with self._lock:
            conversation = self._conversations.get(channel)
            found = [(m, False) for m in (conversation.messages if conversation else [])[-last:]]
            found += [
                (e, True)
                for e in self._ephemerals
                if e["user"] == user and e["channel"] in (channel, None)
            ]
            found.sort(key=lambda item: float(item[0]["ts"]))
            return found[-last:]

    def find_message(self, channel: str, ts: str, user: str | None = None) -> dict[str, Any] | None:
        """A copy of one message in `channel` (an ephemeral one shown to `user`, if given)."""
        with self._lock:
            if user is not None:
                found = next(
                    (
                        e
                        for e in self._ephemerals
                        if e["ts"] == ts and e["user"] == user and e["channel"] in (channel, None)
                    ),
                    None,
                )
            else:
                conversation = self._conversations.get(channel)
                messages = conversation.messages if conversation else []
                found = next((m for m in messages if m["ts"] == ts), None)
            return copy.deepcopy(found) if found is not None else None

    @property
    def lock(self) -> Any:
        return self._lock

    def replace_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """`response_action: update`: the modal now shows `view`."""
        with self._lock:
            current = self._views[view_id]
            view = {"type": current["type"], **view}
            return copy.deepcopy(
                self._store_view(
                    view,
                    view_id,
                    root_view_id=current["root_view_id"],
                    previous_view_id=current["previous_view_id"],
                )
            )

    def push_view(self, on_top_of: str, view: dict[str, Any]) -> dict[str, Any]:
        """`response_action: push`: a new modal on top of `on_top_of`."""
        with self._lock:
            current = self._views[on_top_of]
            view_id = self._new_id("V")
            return copy.deepcopy(
                self._store_view(
                    {"type": "modal", **view},
                    view_id,
                    root_view_id=current["root_view_id"],
                    previous_view_id=on_top_of,
                )
            )

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def user(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def post_as(self, channel: str, user: str, text: str) -> dict[str, Any]:
        """A message a person typed (the bot subscribes to no message events)."""
        return self.add_message(channel, user, text)

    def channels(self) -> dict[str, str]:
        """Every channel's id and name, for the page's conversation menus."""
        with self._lock:
            return {c.id: c.name for c in self._conversations.values() if c.kind == "channel"}

    def conversations_of(self, user: str, read: dict[str, str]) -> list[dict[str, Any]]:
        """The DMs, group DMs and channels `user` is in, the app's DM first, each with how
        many messages others posted after `read[id]` (the last one `user` has seen)."""
        with self._lock:
            self._im(user)
            found = []
            for conversation in self._conversations.values():
                if user not in conversation.members:
                    continue
                seen = float(read.get(conversation.id, "0"))
                found.append(
                    {
                        "id": conversation.id,
                        "kind": conversation.kind,
                        "name": conversation.name,
                        "members": sorted(conversation.members),
                        "unread": sum(
                            1
                            for message in conversation.messages
                            if float(message["ts"]) > seen and message.get("user") != user
                        ),
                        "latest": conversation.messages[-1]["ts"] if conversation.messages else "",
                    }
                )
            order = {"im": 0, "mpim": 1, "channel": 2}
            return sorted(found, key=lambda c: (order.get(c["kind"], 3), c["id"]))

    # -- keeping the conversations across restarts ----------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            next_id, next_ts = next(self._ids), next(self._ts)
            self._ids, self._ts = itertools.count(next_id + 1), itertools.count(next_ts + 1)
            return {
                "epoch": self._epoch,
                "next_id": next_id + 1,
                "next_ts": next_ts + 1,
                "conversations": [
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "members": sorted(c.members),
                        "name": c.name,
                        "user": c.user,
                        "is_private": c.is_private,
                        "messages": c.messages,
                    }
                    for c in self._conversations.values()
                ],
                "views": {key: self._views[key] for key in self._homes.values()},
                "homes": self._homes,
                "ephemerals": self._ephemerals[-EPHEMERALS_KEPT:],
                "last_second": self._last_second,
                "files": [
                    {**f, "content": base64.b64encode(f["content"] or b"").decode()}
                    for f in self._files
                ],
            }

    def restore(self, saved: dict[str, Any]) -> None:
        with self._lock:
            self._epoch = int(saved["epoch"])
            self._ids = itertools.count(int(saved["next_id"]))
            self._ts = itertools.count(int(saved["next_ts"]))
            for c in saved["conversations"]:
                self._conversations[c["id"]] = _Conversation(
                    id=c["id"],
                    kind=c["kind"],
                    members=set(c["members"]),
                    name=c["name"],
                    user=c["user"],
                    is_private=c["is_private"],
                    messages=c["messages"],
                )
            self._views.update(saved["views"])
            self._homes.update(saved["homes"])
            self._ephemerals.extend(saved["ephemerals"])
            self._last_second = int(saved.get("last_second", 0))
            self._files.extend(
                {**f, "content": base64.b64decode(f["content"])} for f in saved.get("files", [])
            )

    def save(self, path: Path, extra: dict[str, Any]) -> None:
        with self._lock:  # the snapshot shares the conversations' lists until dumped
            data = json.dumps({"slack": self.snapshot(), **extra})
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(data, encoding="utf-8")
        temporary.replace(path)
