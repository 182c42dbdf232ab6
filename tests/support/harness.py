"""A running bot on a real HTTP port, talking to the fake Slack Web API."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.server import EVENTS_PATH, build_web_app, close_server, make_server
from bot.settings import Settings
from bot.wiring import Bot, assemble
from storage.models import Base

from fakeslack import FakeSlack, Workspace
from fakeslack import requests as slack
from fakeslack.requests import Response, Sender, TrackingExecutor
from support.workspace import TEAM


@dataclass
class BotHarness:
    bot: Bot
    fake: FakeSlack
    base_url: str
    sender: Sender
    team: str = TEAM
    """The workspace this harness's people act in (`in_team` gives one for another)."""

    @property
    def sessions(self) -> Any:
        return self.bot.runtime.sessions

    @property
    def slack(self) -> Workspace:
        """The fake's side of this harness's workspace: its trigger_ids, response_urls,
        messages and the calls made with its token."""
        return self.fake.workspace(self.team)

    def in_team(self, team: str) -> BotHarness:
        """The same bot, with people of workspace `team` acting (Slack puts that team's
        id in what they send, and issues their trigger_ids and response_urls there)."""
        return dataclasses.replace(self, team=team)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: equal before and after shows nothing was changed."""
        with self.sessions() as session:
            return {
                table.name: [tuple(row) for row in session.execute(select(table)).all()]
                for table in Base.metadata.sorted_tables
            }

    def command(self, name: str, user: str, text: str = "", **kwargs: Any) -> Response:
        return self.sender.form(
            typed_command(self.slack, name, user, text, team=self.team), **kwargs
        )

    @property
    def enterprise(self) -> str | None:
        return self.slack.enterprise_id

    def click(
        self,
        action_id: str,
        user: str,
        *,
        value: str | None = None,
        block_id: str = "actions",
        selected_option: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Response:
        """`user` clicks `action_id`; `kwargs` say where (view, message, channel,
        response_url)."""
        payload = slack.block_actions(
            user=user,
            team=self.team,
            action=slack.action(
                action_id, value=value, block_id=block_id, selected_option=selected_option
            ),
            trigger_id=self.slack.issue_trigger_id(),
            enterprise=self.enterprise,
            **kwargs,
        )
        return self.sender.interactive(payload)

    def submit(self, view: dict[str, Any], user: str, values: dict[str, Any]) -> Response:
        return self.sender.interactive(self.submission(view, user, values))

    def submission(self, view: dict[str, Any], user: str, values: dict[str, Any]) -> dict:
        """The payload Slack sends when `user` submits `view` filled with `values`."""
        return slack.view_submission(
            user=user,
            team=self.team,
            view=view,
            values=values,
            trigger_id=self.slack.issue_trigger_id(),
            enterprise=self.enterprise,
        )

    def open_home(self, user: str) -> dict[str, Any] | None:
        """Open the App Home tab as `user`; returns the view Slack now shows them."""
        self.event({"type": "app_home_opened", "user": user, "tab": "home"})
        return self.slack.home(user)

    def event(self, event: dict[str, Any], **kwargs: Any) -> Response:
        """Slack's Events API callback for `event` in this workspace, signed."""
        payload = slack.event(team=self.team, event=event, enterprise=self.enterprise)
        return self.sender.post(json.dumps(payload), content_type="application/json", **kwargs)

    def share_in_dm(self, user: str, filename: str, content: bytes, **kwargs: Any) -> Response:
        """`user` uploads a file into their DM with the bot (through the fake, which then
        hosts it), and Slack sends the bot the file_share message event."""
        event = self.fake.workspace(self.team).share_file(user, filename, content, **kwargs)
        return self.event(event)

    def dm(self, user: str) -> list[dict[str, Any]]:
        """The messages in `user`'s DM with the bot, oldest first."""
        return self.slack.messages(self.slack.dm_channel(user))

    def click_on_home(self, user: str, action_id: str) -> Response:
        """Open `user`'s App Home and click the first button with `action_id` in it, as
        Slack sends a Home click: with the view, and no response_url."""
        home = self.open_home(user)
        assert home is not None, f"{user} has no Home"
        found = _button(home["blocks"], action_id)
        if found is None:
            raise AssertionError(f"no {action_id} button on {user}'s Home")
        block_id, value = found
        return self.click(action_id, user, value=value, block_id=block_id, view=home)

    def click_in_dm(self, user: str, action_id: str) -> Response:
        """Click, as `user`, the latest button with `action_id` in their DM with the bot,
        with the value and message Slack would send."""
        channel = self.slack.dm_channel(user)
        for message in reversed(self.slack.messages(channel)):
            found = _button(message.get("blocks", []), action_id)
            if found is not None:
                block_id, value = found
                return self.click(
                    action_id,
                    user,
                    value=value,
                    block_id=block_id,
                    message=message,
                    channel=channel,
                    response_url=self.slack.response_url(),
                )
        raise AssertionError(f"no {action_id} button in {user}'s DM")

    def opened_view(self) -> dict[str, Any]:
        """The modal the bot most recently opened or updated, as Slack now holds it."""
        return latest_view(self.slack)


def typed_command(
    fake: FakeSlack | Workspace, name: str, user: str, text: str = "", *, team: str = TEAM
) -> dict[str, str]:
    """What Slack sends when `user` of workspace `team` types the slash command `name`
    with `text`, with a fresh trigger_id and response_url from `fake`."""
    return slack.command(
        command=name,
        user=user,
        team=team,
        text=text,
        enterprise=fake.enterprise_id if isinstance(fake, Workspace) else None,
        trigger_id=fake.issue_trigger_id(),
        response_url=fake.response_url(),
    )


def latest_view(fake: FakeSlack | Workspace) -> dict[str, Any]:
    """The modal the bot most recently opened, updated or pushed, as Slack now holds it."""
    call = next(
        call
        for call in reversed(fake.calls)
        if call.method in {"views.open", "views.update", "views.push"} and call.ok
    )
    return call.response["view"]


def _button(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, str | None] | None:
    """The block_id and value of the first button with `action_id` in `blocks`."""
    for block in blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return block.get("block_id", "actions"), element.get("value")
    return None


@contextmanager
def running_bot(
    settings: Settings, fake: FakeSlack, executor: TrackingExecutor | None = None
) -> Iterator[BotHarness]:
    """`executor` runs the listeners after their ack (a fresh TrackingExecutor by default)."""
    executor = executor or TrackingExecutor()
    assembled = assemble(settings, listener_executor=executor)
    server = make_server(build_web_app(assembled), "127.0.0.1", 0)
    closing = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except OSError:
            if not closing.is_set():
                raise

    thread = threading.Thread(target=serve, name="waitress", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.effective_port}"
    sender = Sender(base_url + EVENTS_PATH, settings.slack_signing_secret, executor)
    try:
        yield BotHarness(bot=assembled, fake=fake, base_url=base_url, sender=sender)
    finally:
        executor.drain()
        closing.set()
        close_server(server)
        thread.join(timeout=5)
        executor.shutdown(wait=True)
        assembled.engine.dispose()
