"""The one shape of a listener.

Who acts and in which workspace are read once, from what Slack signed (`Actor`). One
rule runs in one transaction; what a `Decision` owes is written to the outbox in that
same transaction. What the rule won't do is shown the one way: `Invalid` as field errors
on the form (plain text, as Slack shows them), `Refused` as one ephemeral reply or a
notice in the modal, its text escaped for mrkdwn, `Repeated` not at all. Then the ack (a
submission's comes after the rule, so errors can ride on it; a click's or a command's
comes first), the delivery of what was written, and the Homes the change touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from coaching import effects
from coaching.effects import Decision
from coaching.errors import Invalid, Refused, Repeated
from coaching.programs import ProgramSettings
from handlers.delivery import deliver
from handlers.home import refresh_homes
from handlers.runtime import Runtime, runtime_of
from handlers.views.notices import notice
from handlers.views.text import mrkdwn

T = TypeVar("T")
Rule = Callable[[Session], T]
"""A rule's call, given the transaction's session: a `Decision`, or a plain value for a
rule that only reads."""


@dataclass(frozen=True)
class Actor:
    """Who acts (as Slack vouches for them), in which workspace, and what Bolt handed the
    listener to answer with."""

    team_id: str
    user_id: str
    trigger_id: str
    context: BoltContext
    client: WebClient

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.context)

    def now(self) -> datetime:
        return self.runtime.clock()

    def program(self, session: Session) -> ProgramSettings:
        return self.runtime.program(session, self.team_id)

    def read(self, query: Rule[T]) -> T:
        """`query` in a transaction of its own, for what only reads."""
        with self.runtime.sessions.begin() as session:
            return query(session)

    def open(self, view: View) -> None:
        self.client.views_open(trigger_id=self.trigger_id, view=view.to_dict())

    def push(self, view: View) -> None:
        self.client.views_push(trigger_id=self.trigger_id, view=view.to_dict())

    def decide(self, rule: Rule[T]) -> tuple[T, list[int]]:
        """`rule` in one transaction, with the outbox rows a `Decision` owes; returns
        its result and those rows' ids, to deliver after the ack."""
        with self.runtime.sessions.begin() as session:
            result = rule(session)
            owed = result.effects if isinstance(result, Decision) else ()
            written = effects.record(session, self.team_id, owed, self.now())
        return result, written

    def follow_through(self, result: object, written: list[int]) -> None:
        """Send what was written, then show the change on the Homes it touched."""
        if written:
            deliver(self.client, self.context, written)
        if isinstance(result, Decision):
            refresh_homes(self.client, self.context, *result.changed_for)


def actor(context: BoltContext, client: WebClient, body: dict[str, Any]) -> Actor:
    """The actor of a command, a click or a submission (`body` is the command's payload
    for a command)."""
    return Actor(
        context.team_id or "",
        context.user_id or "",
        str(body.get("trigger_id") or ""),
        context,
        client,
    )


def ephemeral(respond: Respond, text: str) -> None:
    """One reply only the person sees, below the message they clicked (never over it)."""
    respond(response_type="ephemeral", replace_original=False, text=text)


@dataclass(frozen=True)
class OnField:
    """A submission's refusal, shown under this field of the form (plain text)."""

    field: str


@dataclass(frozen=True)
class AsNotice:
    """A refusal shown in a modal notice with this title, in place of the form or pushed
    over the modal that was clicked in."""

    title: str


def act(
    ack: Ack,
    respond: Respond,
    actor: Actor,
    rule: Rule[T],
    *,
    in_modal: AsNotice | None = None,
) -> T | None:
    """A click or a command: acknowledged at once, then `rule`. Its refusal is one
    ephemeral reply, or for a click inside a modal (`in_modal`) a notice pushed over it.
    Returns the rule's result, or None when it was refused."""
    ack()
    try:
        result, written = actor.decide(rule)
    except Refused as refused:
        if in_modal is not None:
            actor.push(notice(in_modal.title, mrkdwn(str(refused))))
        else:
            ephemeral(respond, mrkdwn(str(refused)))
        return None
    actor.follow_through(result, written)
    return result


def submit(
    ack: Ack,
    actor: Actor,
    rule: Rule[T],
    *,
    refused: OnField | AsNotice,
    shown: Callable[[T], View] | None = None,
) -> T | None:
    """A modal's submission: `rule` runs before the ack, so its field errors and its
    refusal (`refused`) can ride on the ack; a repeat is acknowledged and nothing more.
    On success the modal closes, or shows `shown` of the result. Returns the result, or
    None when nothing was done."""
    try:
        result, written = actor.decide(rule)
    except Repeated:
        ack()
        return None
    except Invalid as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return None
    except Refused as refusal:
        if isinstance(refused, OnField):
            ack(response_action="errors", errors={refused.field: str(refusal)})
        else:
            view = notice(refused.title, mrkdwn(str(refusal)))
            ack(response_action="update", view=view.to_dict())
        return None
    if shown is None:
        ack()
    else:
        ack(response_action="update", view=shown(result).to_dict())
    actor.follow_through(result, written)
    return result
