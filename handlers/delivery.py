"""The Slack side of the outbox: what each owed message says, composed when it is sent
from the rows as they are then, and what its delivery records (where a request DM
landed, the pair's group DM). Each flow module lists its own kinds in `COMPOSERS` and
`RECORDERS`; `courier()` gathers them.

Nothing is sent that breaks a rule Slack enforces: a builder that slack_sdk's models
refuse, or blocks that break a whole-message rule (`views.surface`), make the delivery a
`Refuse` with the rule, recorded as failed for the coordinators.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.models.basic_objects import SlackObjectFormationError
from sqlalchemy.orm import Session

from coaching import programs
from coaching.effects import Kind
from handlers.views.surface import broken_rule
from scheduling.outbox import Outcome, Post, PostToGroup, Refuse, Skip, Update
from storage.models import Nudge, Person

Composer = Callable[[Session, Nudge, Person | None, datetime], Outcome]
Recorder = Callable[[Session, Nudge, str, str | None], None]


@dataclass
class SlackCourier:
    composers: dict[str, Composer] = field(default_factory=dict)
    recorders: dict[str, Recorder] = field(default_factory=dict)

    def compose(
        self, session: Session, nudge: Nudge, recipient: Person | None, now: datetime
    ) -> Outcome:
        composer = self.composers.get(nudge.kind)
        if composer is None:
            return Skip(f"no message is known for {nudge.kind}")
        if not programs.is_installed(session, nudge.team_id):
            return Skip("the app was removed from this workspace")
        try:
            outcome = composer(session, nudge, recipient, now)
        except SlackObjectFormationError as error:
            return Refuse(str(error))
        if isinstance(outcome, Post | Update | PostToGroup):
            rule = broken_rule(outcome.blocks)
            if rule is not None:
                return Refuse(rule)
        return outcome

    def delivered(self, session: Session, nudge: Nudge, channel: str, ts: str | None) -> None:
        recorder = self.recorders.get(nudge.kind)
        if recorder is not None:
            recorder(session, nudge, channel, ts)


def courier(
    composers: Iterable[Mapping[Kind, Composer]], recorders: Iterable[Mapping[Kind, Recorder]]
) -> SlackCourier:
    gathered = SlackCourier()
    for table in composers:
        gathered.composers.update({kind.value: composer for kind, composer in table.items()})
    for table in recorders:
        gathered.recorders.update({kind.value: recorder for kind, recorder in table.items()})
    return gathered
