"""The one shape of a listener.

The actor (who, in which workspace) is read once, from what Slack signed. One rule runs
in one transaction; what a `Decision` owes is written to the outbox in that same
transaction. What the rule won't do is shown the one way: `Invalid` as field errors on
the form (plain text, as Slack shows them), `Refused` as one ephemeral reply or a notice
in the modal, its text escaped for mrkdwn, `Repeated` not at all. Then the ack (a
submission's comes after the rule, so errors can ride on it; a click's or a command's
comes first), the reply to the actor, the delivery of what was written, and the Homes
the change touched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from coaching import effects
from coaching.effects import Decision
from coaching.errors import Invalid, Refused, Repeated
from handlers.actor import Actor, actor_of
from handlers.forms import clicked_id
from handlers.home import refresh_homes
from handlers.views.notices import REPLY_TITLE, notice
from handlers.views.text import mrkdwn

T = TypeVar("T")
Rule = Callable[[Session], T]
"""A rule's call, given the transaction's session: a `Decision`, or a plain value for a
rule that only reads."""


def decide(actor: Actor, rule: Rule[T]) -> tuple[T, list[int]]:
    """`rule` in one transaction, with the outbox rows a `Decision` owes; returns its
    result and those rows' ids, to deliver after the ack."""
    with actor.runtime.sessions.begin() as session:
        result = rule(session)
        owed = result.effects if isinstance(result, Decision) else ()
        written = effects.record(session, actor.team_id, owed, actor.now())
    return result, written


def follow_through(actor: Actor, result: object, written: list[int]) -> None:
    """Send what was written, then show the change on the Homes it touched."""
    actor.deliver(written)
    if isinstance(result, Decision):
        refresh_homes(actor, *result.changed_for)


ACK_DEADLINE_SECONDS = 2.0
"""How long a command's answer may take and still ride in its ack: Slack shows the
person an error when a command is not acknowledged within 3 seconds."""

Answer = tuple[str, list[dict]]
"""A command's answer: its fallback text and its blocks."""


class _Deadline:
    """Says `progress` in the ack at the deadline, unless the answer came first."""

    def __init__(self, ack: Ack, progress: str) -> None:
        self.ack, self.progress = ack, progress
        self.lock = threading.Lock()
        self.answered = self.late = False
        self.timer = threading.Timer(ACK_DEADLINE_SECONDS, self._say_progress)
        self.timer.daemon = True
        self.timer.start()

    def _say_progress(self) -> None:
        with self.lock:
            if not self.answered:
                self.late = True
                self.ack(response_type="ephemeral", text=self.progress)

    def stop(self) -> bool:
        """Whether the progress line went out (so the answer goes by response_url)."""
        with self.lock:
            self.answered = True
            self.timer.cancel()
            return self.late


def answer_command(
    ack: Ack, respond: Respond, compose: Callable[[], Answer], progress: str
) -> None:
    """The answer `compose` makes, in the ack when it is ready in time (one round trip).
    When it is not (a busy database, a large program), the ack says `progress` at the
    deadline and the answer replaces it by response_url once it is ready."""
    deadline = _Deadline(ack, progress)
    try:
        text, blocks = compose()
    finally:
        late = deadline.stop()
    if late:
        respond(response_type="ephemeral", replace_original=True, text=text, blocks=blocks)
    else:
        ack(response_type="ephemeral", text=text, blocks=blocks)


def ephemeral(actor: Actor, respond: Respond, text: str) -> None:
    """One reply only the person sees: below the message they clicked or the command
    they typed (never over it). A click on the App Home or in a modal comes with no
    response_url: there the reply is a small modal, opened, or pushed over the one the
    click was in."""
    if respond.response_url is None:
        (actor.push if actor.in_modal else actor.open)(notice(REPLY_TITLE, text))
    else:
        respond(response_type="ephemeral", replace_original=False, text=text)


@dataclass(frozen=True)
class OnField:
    """A submission's refusal, shown under this field of the form (plain text)."""

    field: str


@dataclass(frozen=True)
class AsNotice:
    """A refusal shown in a modal notice with this title: in place of the submitted form,
    or pushed over the modal that was clicked in."""

    title: str


def refuse(respond: Respond, actor: Actor, refused: Refused, in_modal: AsNotice | None) -> None:
    """A click's or a command's refusal: one ephemeral reply, or over a modal a notice."""
    if in_modal is not None:
        actor.push(notice(in_modal.title, mrkdwn(str(refused))))
    else:
        ephemeral(actor, respond, mrkdwn(str(refused)))


def act(
    ack: Ack,
    respond: Respond,
    actor: Actor,
    rule: Rule[T],
    *,
    then: Callable[[T], object] | None = None,
    in_modal: AsNotice | None = None,
) -> T | None:
    """A click or a command: acknowledged at once, then `rule`; on success `then` answers
    the actor (opens a form, replies) before what the rule owes is delivered. A refusal
    is one ephemeral reply, or for a click inside a modal (`in_modal`) a notice pushed
    over it. Returns the rule's result, or None when it was refused."""
    ack()
    try:
        result, written = decide(actor, rule)
    except Repeated:
        return None
    except Refused as refused:
        refuse(respond, actor, refused, in_modal)
        return None
    if then is not None:
        then(result)
    follow_through(actor, result, written)
    return result


def _not_done(ack: Ack, failure: Invalid | Refused, refused: OnField | AsNotice | None) -> None:
    """What a submission that did nothing acknowledges (see `submit`)."""
    if isinstance(failure, Repeated):
        ack()
    elif isinstance(failure, Invalid):
        ack(response_action="errors", errors=failure.errors)
    elif refused is None:
        raise failure
    elif isinstance(refused, OnField):
        ack(response_action="errors", errors={refused.field: str(failure)})
    else:
        view = notice(refused.title, mrkdwn(str(failure)))
        ack(response_action="update", view=view.to_dict())


def submit(
    ack: Ack,
    actor: Actor,
    rule: Rule[T],
    *,
    refused: OnField | AsNotice | None = None,
    shown: Callable[[T], View] | None = None,
) -> T | None:
    """A modal's submission: `rule` runs before the ack, so field errors and a refusal
    (shown as `refused` says; a rule that refuses nothing needs none) ride on the ack;
    a repeat is acknowledged and nothing more. On success the modal closes, or shows
    `shown` of the result. Returns the result, or None when nothing was done."""
    try:
        result, written = decide(actor, rule)
    except (Invalid, Refused) as failure:
        _not_done(ack, failure, refused)
        return None
    if shown is None:
        ack()
    else:
        ack(response_action="update", view=shown(result).to_dict())
    follow_through(actor, result, written)
    return result


def opens_form(
    check: Callable[[Session, str, int, str], T], form: Callable[[T], View]
) -> Callable[..., None]:
    """The listener of a button that opens a form: `check(session, team, clicked id,
    clicker)` says whether the clicker may (a refusal is one ephemeral reply) and finds
    what `form` shows."""

    def open_form(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
    ) -> None:
        actor = actor_of(context, client, body)
        act(
            ack,
            respond,
            actor,
            lambda s: check(s, actor.team_id, clicked_id(body), actor.user_id),
            then=lambda found: actor.open(form(found)),
        )

    open_form.__name__ = check.__name__
    return open_form
