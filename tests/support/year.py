"""A year of a real program, driven through Slack: the simulation behind
`tests/test_program_year.py` and `python -m benchmarks year`.

Coaches and learners are registered, then every learner asks a coach for an intro with
`/request-intro` and everything after happens by clicking buttons in the messages the
bot sent: the coach accepts, declines or never answers; the learner records the
agreement from the group DM and the coach signs it; check-ins come at the cadence and
each pair reacts by its seeded character (some talk every time, some never); the learner
logs, debriefs with 0 to 4 commitments and tells the coach how each went; some pause and
resume, some end early, some renew at the term's end, some let it lapse; one coach
leaves the workspace. The clock moves a working day at a time (with freezegun) across
a year and both daylight-saving changes, and the bot's reminder pass runs several times
a day. `check()` then verifies the program's invariants on what Slack received.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from coaching.cadence import in_working_hours
from coaching.effects import Kind
from coaching.vocabulary import Frequency
from handlers import ids
from storage.models import ActionItem, Conversation, Nudge, Person, Relationship

from fakeslack import requests as slack
from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import COORDINATOR, TEAM

START = datetime(2027, 1, 4, 12, tzinfo=UTC)
"""A Monday; the year runs across March's and November's daylight-saving changes."""
PASS_HOURS = (13, 15, 17, 20, 23)
"""UTC hours of the day the reminder pass runs: working hours somewhere in each zone."""
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
SCHEDULED = frozenset(
    {
        Kind.FIRST_CALL,
        Kind.CHECK_IN,
        Kind.PREPARE,
        Kind.DEBRIEF,
        Kind.TERM_END,
        Kind.TERM_REMINDER,
        Kind.KEEP_IN_TOUCH,
        Kind.REQUEST_REMINDER,
        Kind.AT_RISK_DIGEST,
    }
)
HEARD = frozenset({Kind.CHECK_IN, Kind.TERM_END, Kind.TERM_REMINDER, Kind.TERM_CONCLUDED})
"""What a pair hears from the bot at its cadence."""
SLACK_DAYS_OF_GRACE = 7
ASKING_DAYS = 50
"""Learners join and ask for an intro over the first weeks."""
"""A check-in lands on the next working day and in working hours, and a pair may log a
conversation a few days after its check-in: the most a period may stretch."""


@dataclass
class Character:
    """How one pair behaves, drawn from the seed."""

    answer: str
    """The coach's answer to the intro: accept, decline or ignore."""
    talks: float
    """How likely they are to talk (and log it) when a check-in comes."""
    commitments: int
    follows_through: float
    frequency: Frequency
    months: int
    renews: bool
    pause_on: int | None
    end_on: int | None


@dataclass
class Pair:
    learner: str
    coach: str
    character: Character
    relationship_id: int | None = None
    active_from: date | None = None
    ended_on: date | None = None
    paused: list[tuple[date, date | None]] = field(default_factory=list)


@dataclass
class Figures:
    pairs: int = 0
    days: int = 0
    messages: int = 0
    requests: int = 0
    failures: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    """Messages sent, by kind."""
    states: Counter[str] = field(default_factory=Counter)
    """Where the pairs stand at the end of the year."""


class Program:
    def __init__(
        self,
        bot: BotHarness,
        seed: int,
        pairs: int = 40,
        days: int = 365,
        asking_days: int = ASKING_DAYS,
    ) -> None:
        self.bot = bot
        self.asking_days = asking_days
        self.rng = random.Random(seed)
        self.size = pairs
        self.days = days
        self.pairs: list[Pair] = []
        self.seen: dict[str, int] = defaultdict(int)
        self.figures = Figures(pairs=pairs, days=days)
        self.leaving_coach: str | None = None
        self.now = START
        self.shown: list[str] = []
        """Problems with the commitments a check-in showed, found as each arrived."""
        self.commitments_checked = 0

    # -- set-up ---------------------------------------------------------------------

    def _character(self) -> Character:
        rng = self.rng
        talks = rng.choice((1.0, 1.0, 0.9, 0.6, 0.3, 0.0))
        return Character(
            answer=rng.choices(("accept", "decline", "ignore"), (8, 1, 1))[0],
            talks=talks,
            commitments=rng.randint(0, 4),
            follows_through=rng.choice((1.0, 0.5, 0.0)),
            frequency=rng.choice(
                (Frequency.MONTHLY, Frequency.EVERY_OTHER_MONTH, Frequency.QUARTERLY)
            ),
            months=rng.choice((3, 6, 6, 9, 12)),
            renews=rng.random() < 0.4,
            pause_on=rng.randint(60, 200) if rng.random() < 0.15 else None,
            end_on=rng.randint(90, 300) if rng.random() < 0.1 else None,
        )

    def register(self) -> None:
        coaches = [f"U9C{n:03d}" for n in range(max(4, self.size // 3))]
        with self.bot.sessions.begin() as session:
            for n, coach in enumerate(coaches):
                tz = ZONES[n % len(ZONES)]
                self.bot.fake.add_user(coach, real_name=f"Coach {n}", tz=tz)
                add_coach(session, coach, name=f"Coach {n}", time_zone=tz, max_learners="4")
            for n in range(self.size):
                learner, tz = f"U9L{n:03d}", ZONES[(n + 1) % len(ZONES)]
                self.bot.fake.add_user(learner, real_name=f"Learner {n}", tz=tz)
                add_learner(session, learner, name=f"Learner {n}", time_zone=tz)
                self.pairs.append(Pair(learner, coaches[n % len(coaches)], self._character()))
        self.leaving_coach = coaches[-1]

    # -- acting through Slack ------------------------------------------------------

    def _new_messages(self, channel: str) -> list[dict[str, Any]]:
        messages = self.bot.fake.messages(channel)
        fresh = messages[self.seen[channel] :]
        self.seen[channel] = len(messages)
        return fresh

    def _click(self, user: str, message: dict[str, Any], channel: str, action_id: str) -> bool:
        """Click the button with `action_id` in `message`, as Slack would send it."""
        for block in message.get("blocks", []):
            elements = block.get("elements", []) if block["type"] == "actions" else []
            for element in elements:
                if element.get("action_id") == action_id:
                    self.figures.requests += 1
                    self.bot.click(
                        action_id,
                        user,
                        value=element.get("value"),
                        block_id=block.get("block_id", "actions"),
                        message=message,
                        channel=channel,
                        response_url=self.bot.fake.response_url(channel=channel, user=user),
                    )
                    return True
        return False

    def _submit(self, user: str, values: dict[str, Any]) -> Any:
        self.figures.requests += 1
        return self.bot.submit(self.bot.opened_view(), user, values)

    def _buttons(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            element
            for block in message.get("blocks", [])
            if block["type"] == "actions"
            for element in block["elements"]
        ]

    def ask(self, pair: Pair) -> None:
        self.figures.requests += 1
        self.bot.command(ids.REQUEST_INTRO.name, pair.learner, f"<@{pair.coach}|coach>")
        view = self.bot.opened_view()
        if view.get("callback_id") != ids.INTRO_FORM_VIEW:
            return
        values = {"coaching_kind": "career", "hopes": "Grow.", "first_call": "video"}
        self._submit(pair.learner, values)
        with self.bot.sessions() as session:
            pair.relationship_id = session.scalar(
                select(Relationship.id)
                .join(Person, Person.id == Relationship.learner_id)
                .where(Person.slack_user_id == pair.learner)
                .order_by(Relationship.id.desc())
            )

    def react(self, today: date) -> None:
        """What each person does with what the bot sent them since they last looked."""
        by_learner = {pair.learner: pair for pair in self.pairs}
        for coach in dict.fromkeys(pair.coach for pair in self.pairs):
            channel = self.bot.fake.dm_channel(coach)
            for message in self._new_messages(channel):
                self._coach_reads(coach, message, channel)
        for learner, pair in by_learner.items():
            channel = self.bot.fake.dm_channel(learner)
            for message in self._new_messages(channel):
                self._learner_reads(pair, message, channel, today)

    def _pair_for(self, relationship_id: int) -> Pair | None:
        return next((p for p in self.pairs if p.relationship_id == relationship_id), None)

    def _coach_reads(self, coach: str, message: dict[str, Any], channel: str) -> None:
        buttons = {b.get("action_id"): b.get("value") for b in self._buttons(message)}
        if ids.ACCEPT in buttons:
            pair = self._pair_for(int(buttons[ids.ACCEPT] or 0))
            if pair is None or pair.character.answer == "ignore":
                return
            if pair.character.answer == "accept":
                self._click(coach, message, channel, ids.ACCEPT)
            else:
                self._click(coach, message, channel, ids.DECLINE)
                self._submit(coach, {"reason": "I'm full this year."})
        elif ids.AGREEMENT_SIGN in buttons:
            self._click(coach, message, channel, ids.AGREEMENT_SIGN)

    def _agree(self, pair: Pair, start: date) -> None:
        character = pair.character
        self._submit(
            pair.learner,
            {
                "confidentiality": "Between us.",
                "start_date": start.isoformat(),
                "duration_months": str(character.months),
                "frequency": character.frequency.value,
                "contact_forms": ["video"],
                "acknowledgements": ["no_fault", "owns_choices"],
            },
        )

    def _learner_reads(
        self, pair: Pair, message: dict[str, Any], channel: str, today: date
    ) -> None:
        actions = {b.get("action_id", "") for b in self._buttons(message)}
        character, rng = pair.character, self.rng
        if ids.LOG_START in actions:
            self._check_commitments(pair, message)
        if ids.DEBRIEF_START in actions:
            self._click(pair.learner, message, channel, ids.DEBRIEF_START)
            plans = "\n".join(f"Step {n} after {today}" for n in range(character.commitments))
            self._submit(pair.learner, {"went_well": "Useful.", "willing_to_do": plans})
        if ids.LOG_START in actions and rng.random() < character.talks:
            for follow_up in [a for a in actions if a.startswith(ids.FOLLOW_UP_START)]:
                if rng.random() < character.follows_through:
                    self._click(pair.learner, message, channel, follow_up)
                    self._submit(pair.learner, {"did": "Did it.", "happened": "It helped."})
            self._click(pair.learner, message, channel, ids.LOG_START)
            self._submit(pair.learner, {"happened_on": today.isoformat(), "form": "video"})
        if ids.RENEW in actions:
            if character.renews:
                self._click(pair.learner, message, channel, ids.RENEW)
                self._agree(pair, today)
            character.renews = False

    def group_reads(self, pair: Pair, today: date) -> None:
        """The pair's group DM: the learner records the agreement from its button."""
        if pair.relationship_id is None:
            return
        with self.bot.sessions() as session:
            relationship = session.get(Relationship, pair.relationship_id)
            group = relationship.group_channel if relationship else None
        if group is None:
            return
        for message in self._new_messages(group):
            if self._click(pair.learner, message, group, ids.AGREEMENT_START):
                self._agree(pair, today)

    def life_events(self, pair: Pair, day: int, today: date) -> None:
        if pair.relationship_id is None or pair.ended_on is not None:
            return
        value = str(pair.relationship_id)
        character = pair.character
        if character.pause_on == day and pair.active_from:
            self._button(ids.RELATIONSHIP_PAUSE, pair.learner, value)
            pair.paused.append((today, None))
        if character.pause_on is not None and day == character.pause_on + 30 and pair.paused:
            self._button(ids.RELATIONSHIP_RESUME, pair.learner, value)
            pair.paused[-1] = (pair.paused[-1][0], today)
        if character.end_on == day and pair.active_from:
            self._button(ids.RELATIONSHIP_END, pair.learner, value)
            if self.bot.opened_view().get("callback_id") == ids.END_VIEW:
                self._submit(pair.learner, {"thanks": "Thank you for everything."})
                pair.ended_on = today

    def _button(self, action_id: str, user: str, value: str) -> None:
        """A button on the person's own /my-coaching (an ephemeral Slack shows them)."""
        self.figures.requests += 1
        reply = self.bot.command(ids.MY_COACHING.name, user).json()
        for block in reply["blocks"]:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element["action_id"] == action_id and element.get("value") == value:
                    self.bot.click(
                        action_id,
                        user,
                        value=value,
                        block_id=block["block_id"],
                        response_url=self.bot.fake.response_url(),
                    )
                    return

    def coach_leaves(self) -> None:
        assert self.leaving_coach is not None
        self.bot.fake.add_user(self.leaving_coach, real_name="Gone", deleted=True)
        event = {"type": "user_change", "user": {"id": self.leaving_coach, "deleted": True}}
        body = json.dumps(slack.event(team=TEAM, event=event))
        self.bot.sender.post(body, content_type="application/json")
        for pair in self.pairs:
            if pair.coach == self.leaving_coach and pair.ended_on is None:
                pair.ended_on = self.now.date()

    # -- the year -----------------------------------------------------------------

    @contextmanager
    def clock(self) -> Iterator[Any]:
        with freeze_time(START) as frozen:
            yield frozen

    def run(self) -> Figures:
        with self.clock() as frozen:
            self.register()
            for day in range(self.days):
                self.now = START + timedelta(days=day)
                if self.now.weekday() >= 5:
                    continue
                self._working_day(frozen, day)
        self.figures.messages = sum(
            1 for call in self.bot.fake.calls if call.method in ("chat.postMessage", "chat.update")
        )
        self.figures.failures = sum(1 for call in self.bot.fake.calls if not call.ok)
        with self.bot.sessions() as session:
            self.figures.by_kind = Counter(
                session.scalars(select(Nudge.kind).where(Nudge.status == "sent"))
            )
            self.figures.states = Counter(session.scalars(select(Relationship.state)))
        return self.figures

    def _working_day(self, frozen: Any, day: int) -> None:
        today = self.now.date()
        for hour in PASS_HOURS:
            self.reminder_pass(
                frozen, datetime(today.year, today.month, today.day, hour, tzinfo=UTC)
            )
            self.react(today)
            for pair in self.pairs:
                self.group_reads(pair, today)
                self._note_active(pair, today)
            if hour == PASS_HOURS[0]:
                for pair in self.pairs[: 1 + day * self.size // self.asking_days]:
                    if pair.relationship_id is None and day < self.asking_days:
                        self.ask(pair)
                for pair in self.pairs:
                    self.life_events(pair, day, today)
                if day == 180:
                    self.coach_leaves()

    def reminder_pass(self, frozen: Any, when: datetime) -> None:
        """The clock moves to `when` and the bot's reminder pass runs."""
        frozen.move_to(when)
        self.bot.bot.reminders()

    def _note_active(self, pair: Pair, today: date) -> None:
        if pair.active_from is None and pair.relationship_id is not None:
            with self.bot.sessions() as session:
                relationship = session.get(Relationship, pair.relationship_id)
                if relationship is not None and relationship.state == "active":
                    pair.active_from = today

    # -- the invariants ------------------------------------------------------------

    def check(self) -> list[str]:
        """Every broken invariant, in words; empty when the year went as it should."""
        problems: list[str] = []
        problems += self._slack_refused_nothing()
        with self.bot.sessions() as session:
            rows = list(session.scalars(select(Nudge)))
            zones = {p.id: p.time_zone for p in session.scalars(select(Person))}
            relationships = {r.id: r for r in session.scalars(select(Relationship))}
            conversations = list(session.scalars(select(Conversation)))
        problems += self._working_hours(rows, zones)
        problems += self._one_debrief_each(rows, conversations)
        problems += self._every_period(rows, relationships)
        problems += self._quiet_when_paused_or_ended(rows)
        problems += self._failures_told(rows)
        return problems + self.shown

    def _slack_refused_nothing(self) -> list[str]:
        """Only messages to the coach who left may fail (and are told, `_failures_told`)."""
        gone = {self.leaving_coach, self.bot.fake.dm_channel(self.leaving_coach or "")}
        return [
            f"Slack refused {call.method}: {call.error}"
            for call in self.bot.fake.calls
            if not call.ok and call.args.get("channel") not in gone
        ]

    def _working_hours(self, rows: list[Nudge], zones: dict[int, str | None]) -> list[str]:
        return [
            f"{row.kind} to person {row.recipient_id} at {row.sent_at}, outside working hours"
            for row in rows
            if row.kind in SCHEDULED
            and row.status == "sent"
            and row.recipient_id is not None
            and row.sent_at is not None
            and not in_working_hours(row.sent_at, zones.get(row.recipient_id))
        ]

    def _one_debrief_each(self, rows: list[Nudge], conversations: list[Conversation]) -> list[str]:
        """Every conversation logged gets one debrief prompt, never two."""
        prompts = Counter(
            r.subject_id for r in rows if r.kind == Kind.DEBRIEF and r.status == "sent"
        )
        settled = self.now - timedelta(days=5)
        return [
            f"conversation {c.id} got {prompts[c.id]} debrief prompts"
            for c in conversations
            if prompts[c.id] > 1 or (prompts[c.id] == 0 and c.created_at < settled)
        ]

    def _pair_of_relationship(self, relationship_id: int) -> Pair | None:
        return next((p for p in self.pairs if p.relationship_id == relationship_id), None)

    def _ended(self, relationship_id: int) -> bool:
        pair = self._pair_of_relationship(relationship_id)
        return pair is None or pair.ended_on is not None

    def _every_period(self, rows: list[Nudge], relationships: dict[int, Relationship]) -> list[str]:
        problems = []
        for pair in self.pairs:
            if pair.active_from is None or pair.relationship_id is None:
                continue
            relationship = relationships[pair.relationship_id]
            heard = sorted(
                r.sent_at.date()
                for r in rows
                if r.status == "sent"
                and r.sent_at is not None
                and r.recipient_id == relationship.learner_id
                and r.subject_id == relationship.id
                and r.kind
                in (Kind.CHECK_IN, Kind.TERM_END, Kind.TERM_REMINDER, Kind.TERM_CONCLUDED)
            )
            period = timedelta(days=31 * pair.character.frequency.months + SLACK_DAYS_OF_GRACE)
            ends = min(
                [self.now.date()]
                + ([pair.ended_on] if pair.ended_on else [])
                + ([relationship.ended_at.date()] if relationship.ended_at else [])
                + [start for start, _ in pair.paused]
            )
            marks = [pair.active_from, *heard]
            for before, after in zip(marks, [*heard, ends], strict=True):
                if after - before > period and after <= ends:
                    problems.append(
                        f"pair {pair.relationship_id} heard nothing from {before} to {after}"
                    )
        return problems

    def _quiet_when_paused_or_ended(self, rows: list[Nudge]) -> list[str]:
        problems = []
        quiet = {Kind.CHECK_IN, Kind.PREPARE, Kind.TERM_END, Kind.TERM_REMINDER, Kind.FIRST_CALL}
        for pair in self.pairs:
            spans = [(start, end or self.now.date()) for start, end in pair.paused]
            if pair.ended_on:
                spans.append((pair.ended_on + timedelta(days=1), self.now.date()))
            for row in rows:
                if (
                    row.subject_id == pair.relationship_id
                    and row.kind in quiet
                    and row.status == "sent"
                    and row.sent_at is not None
                    and any(start < row.sent_at.date() < end for start, end in spans)
                ):
                    problems.append(
                        f"{row.kind} reached pair {pair.relationship_id} on {row.sent_at}"
                    )
        return problems

    def _failures_told(self, rows: list[Nudge]) -> list[str]:
        """Every message that failed for good is counted on the coordinators' Home, and
        (the latest ten) listed there in plain words."""
        failed = [r for r in rows if r.status == "failed" and r.handled_at is None]
        if not failed:
            return []
        home = self.bot.open_home(COORDINATOR) or {}
        fields = [f["text"] for b in home.get("blocks", []) for f in b.get("fields", []) or []]
        listed = sum(
            1
            for b in home.get("blocks", [])
            if b.get("block_id", "").startswith("failure-") and b["type"] == "section"
        )
        if f"*Failed deliveries*\n{len(failed)}" not in fields or listed != min(len(failed), 10):
            return [f"{len(failed)} failed deliveries, but the coordinators' Home shows {listed}"]
        return []

    def _check_commitments(self, pair: Pair, message: dict[str, Any]) -> None:
        """A check-in must show the learner's open commitments: the first five, each with
        its own button, and how many more there are."""
        with self.bot.sessions() as session:
            open_items = list(
                session.scalars(
                    select(ActionItem.id)
                    .where(
                        ActionItem.relationship_id == pair.relationship_id,
                        ActionItem.status == "open",
                    )
                    .order_by(ActionItem.id)
                )
            )
        shown = [
            int(b["value"])
            for b in self._buttons(message)
            if b.get("action_id", "").startswith(ids.FOLLOW_UP_START)
        ]
        if shown != open_items[:5]:
            self.shown.append(f"a check-in showed {shown}, the open commitments were {open_items}")
        if len(open_items) > 5 and f"and {len(open_items) - 5} more" not in str(message["blocks"]):
            self.shown.append(f"a check-in did not say {len(open_items) - 5} more are open")
        if open_items:
            self.commitments_checked += 1
