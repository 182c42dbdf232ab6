"""Who acts, in which workspace, as Slack vouches for them: read once per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from coaching.programs import ProgramSettings
from handlers.runtime import Runtime, runtime_of

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """The member who acts and their workspace (from what Slack signed, never from what
    they typed), with what it takes to answer them."""

    team_id: str
    user_id: str
    trigger_id: str
    client: WebClient
    runtime: Runtime
    in_modal: bool = False
    """The action came from inside an open modal (a form opens over it, not beside it)."""

    def now(self) -> datetime:
        return self.runtime.clock()

    def program(self, session: Session) -> ProgramSettings:
        return self.runtime.program(session, self.team_id)

    def is_coordinator(self, session: Session) -> bool:
        return self.user_id in self.program(session).coordinators

    def run(self, rule: Callable[[Session], T]) -> T:
        """`rule` in a transaction of its own, for a read or a change that owes no
        message (`listening.decide` writes what a `Decision` owes)."""
        with self.runtime.sessions.begin() as session:
            return rule(session)

    def open(self, view: View) -> None:
        self.client.views_open(trigger_id=self.trigger_id, view=view.to_dict())

    def push(self, view: View) -> None:
        self.client.views_push(trigger_id=self.trigger_id, view=view.to_dict())

    def update(self, modal: dict[str, Any], view: View) -> None:
        """Replace the open modal `modal` (as Slack sent it) with `view`."""
        self.client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=view.to_dict())

    def deliver(self, written: list[int]) -> None:
        """Send at once what a change wrote to the outbox (after the ack). What can't go
        now (Slack down, the process dies) stays in the outbox for the worker."""
        if written:
            self.runtime.outbox.deliver(self.client, only=written)


def actor_of(context: BoltContext, client: WebClient, body: dict[str, Any] | None = None) -> Actor:
    """The actor of a command, a click, a submission or an event (`body` is the
    command's payload for a command)."""
    return Actor(
        team_id=context.team_id or "",
        user_id=context.user_id or "",
        trigger_id=str((body or {}).get("trigger_id") or ""),
        client=client,
        runtime=runtime_of(context),
        in_modal=_view_type(body) == "modal",
    )


def _view_type(body: dict[str, Any] | None) -> str:
    view = (body or {}).get("view")
    return str(view.get("type") or "") if isinstance(view, dict) else ""
