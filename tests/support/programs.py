"""Two programs side by side: the city's (the fake's first workspace) and the county's
(a second workspace), each installed with Add to Slack by its coordinator, each with a
learner and a coach who work together, and a secret the learner wrote in a debrief.

`markers` lists what identifies a program's people (ids, names, addresses, the secret):
a test that looks at everything one workspace was shown checks that none of the other
program's markers is in it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from coaching import checkins
from coaching.checkins import DebriefAnswers
from handlers import ids
from storage.models import Relationship

from fakeslack import Call
from fakeslack.requests import Response
from support.harness import BotHarness
from support.seed import add_coach, add_learner, sign_terms
from support.workspace import (
    COACH,
    COORDINATOR,
    COUNTY,
    COUNTY_CHANNEL,
    COUNTY_COACH,
    COUNTY_COORDINATOR,
    COUNTY_LEARNER,
    COUNTY_STRANGER,
    COUNTY_USERS,
    LEARNER,
    OTHER_LEARNER,
    PROGRAM_CHANNEL,
    STRANGER,
    TEAM,
    USERS,
)


@dataclass(frozen=True)
class Cast:
    """One program's workspace and people."""

    team: str
    coordinator: str
    learner: str
    coach: str
    stranger: str
    channel: str
    profiles: dict[str, dict[str, Any]]
    secret: str
    """What the learner wrote in their private debrief."""
    more_learners: tuple[str, ...] = ()

    def name(self, user_id: str) -> str:
        return str(self.profiles[user_id]["real_name"])

    def email(self, user_id: str) -> str:
        return str(self.profiles[user_id]["email"])

    @property
    def learners(self) -> tuple[str, ...]:
        return (self.learner, *self.more_learners)

    @property
    def markers(self) -> frozenset[str]:
        """What would show that something of this program reached someone else."""
        people = [
            value
            for user_id, profile in self.profiles.items()
            for value in (user_id, profile["real_name"], profile["email"])
        ]
        return frozenset({*people, self.team, self.channel, self.secret})


CITY = Cast(
    team=TEAM,
    coordinator=COORDINATOR,
    learner=LEARNER,
    coach=COACH,
    stranger=STRANGER,
    channel=PROGRAM_CHANNEL,
    profiles=USERS,
    secret="my manager is impossible to work with",
    more_learners=(OTHER_LEARNER,),
)
COUNTY_PROGRAM = Cast(
    team=COUNTY,
    coordinator=COUNTY_COORDINATOR,
    learner=COUNTY_LEARNER,
    coach=COUNTY_COACH,
    stranger=COUNTY_STRANGER,
    channel=COUNTY_CHANNEL,
    profiles=COUNTY_USERS,
    secret="the commissioners keep moving the budget deadline",
)


@dataclass
class Seeded:
    """The ids a seeded program left, as its people would meet them."""

    coach_id: int = 0
    pair_id: int = 0
    agreement_id: int = 0
    conversation_id: int = 0
    learner_ids: dict[str, int] = field(default_factory=dict)


def ask_for_an_intro(people: BotHarness, learner: str, coach: str) -> Response:
    """`learner` types /request-intro @coach and sends the form the bot opens."""
    people.command(ids.REQUEST_INTRO.name, learner, f"<@{coach}>")
    values = {"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"}
    reply = people.submit(people.opened_view(), learner, values)
    assert reply.json()["response_action"] == "update", reply.body
    return reply


def seed(bot: BotHarness, cast: Cast) -> Seeded:
    """The program's learners and coach registered; the learner asks the coach for an
    intro in Slack and the coach accepts in their DM; both sign monthly terms, and the
    learner logs a first conversation and debriefs it (the secret)."""
    people = bot.in_team(cast.team)
    seeded = Seeded()
    with bot.sessions.begin() as session:
        for learner in cast.learners:
            seeded.learner_ids[learner] = add_learner(
                session, learner, team=cast.team, name=cast.name(learner), email=cast.email(learner)
            )
        seeded.coach_id = add_coach(
            session,
            cast.coach,
            team=cast.team,
            name=cast.name(cast.coach),
            email=cast.email(cast.coach),
        )
    ask_for_an_intro(people, cast.learner, cast.coach)
    people.click_in_dm(cast.coach, ids.ACCEPT)
    now = bot.bot.runtime.clock()
    with bot.sessions.begin() as session:
        pair = session.scalars(select(Relationship).where(Relationship.team_id == cast.team)).one()
        seeded.pair_id = pair.id
        seeded.agreement_id = sign_terms(
            session, pair.id, cast.learner, cast.coach, now, team=cast.team
        )
        yesterday = (now - timedelta(days=1)).date().isoformat()
        conversation, _ = checkins.log_conversation(
            session, cast.team, pair.id, cast.learner, yesterday, "video", f"{cast.team}-1", now
        )
        checkins.save_debrief(
            session,
            cast.team,
            conversation.id,
            cast.learner,
            DebriefAnswers(went_well=cast.secret, willing_to_do="Draft the budget memo"),
        )
        seeded.conversation_id = conversation.id
    return seeded


def shown(calls: list[Call], *responses: Response) -> str:
    """Everything in these calls to Slack and answers to Slack's requests, as text."""
    parts = [json.dumps(call.args, sort_keys=True) for call in calls]
    parts += [response.body for response in responses]
    return "\n".join(parts)


def leaks(text: str, other: Cast) -> list[str]:
    """The markers of `other` program found in `text`."""
    return sorted(marker for marker in other.markers if marker in text)
