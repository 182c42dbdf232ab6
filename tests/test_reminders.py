"""The reminder run over simulated time: whole years, daylight saving, pauses, crashes,
Slack failures, and the intro request's deadlines. Time is a variable here, never slept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import handlers
from bot.app import build_client
from coaching import checkins, intros, relationships
from coaching.cadence import in_working_hours, zone
from coaching.intros import IntroDetails
from coaching.lifecycle import Transition
from handlers import ids
from scheduling.outbox import STALE_CLAIM
from scheduling.reminders import ReminderRun
from storage.models import CoachProfile, Nudge, Relationship

from fakeslack import FakeSlack
from support.seed import add_coach, add_learner, sign_terms
from support.workspace import BOT_TOKEN, TEAM

LEARNER, COACH = "U5LEARNER", "U5COACH"
START = datetime(2027, 1, 4, 15, tzinfo=UTC)
STEP = timedelta(hours=3)


@dataclass
class Sent:
    at: datetime
    channel: str
    text: str
    blocks: list[dict[str, Any]]

    def buttons(self) -> list[str]:
        return [
            e.get("action_id", "")
            for b in self.blocks
            if b["type"] == "actions"
            for e in b["elements"]
        ]


@dataclass
class World:
    sessions: sessionmaker[Session]
    fake: FakeSlack
    now: datetime = START
    sent: list[Sent] = field(default_factory=list)
    runs: int = 0

    def run(self, **kwargs: Any) -> Any:
        before = len(self.fake.calls)
        client = build_client(BOT_TOKEN, self.fake.url)
        try:
            return ReminderRun(
                self.sessions, client, lambda: self.now, courier=handlers.courier(), **kwargs
            )()
        finally:
            for call in self.fake.calls[before:]:
                if call.method == "chat.postMessage" and call.ok:
                    self.sent.append(
                        Sent(
                            self.now,
                            call.args["channel"],
                            call.args.get("text", ""),
                            call.args.get("blocks") or [],
                        )
                    )
            self.runs += 1

    def until(self, end: datetime, on_step: Any = None) -> None:
        while self.now < end:
            self.now += STEP
            self.run()
            if on_step:
                on_step(self)

    def to(self, user: str, text: str = "") -> list[Sent]:
        return [s for s in self.sent if s.channel == user and text in s.text]


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> Iterator[World]:
    with FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN) as fake:
        yield World(sessions=sessions, fake=fake)


def pair(
    world: World,
    *,
    learner_tz: str = "America/Chicago",
    coach_tz: str = "America/Denver",
    frequency: str | None = "quarterly",
    months: int = 24,
) -> int:
    """A learner and a coach; accepted, and (unless frequency is None) agreed and signed."""
    world.fake.add_user(LEARNER, real_name="Lena", tz=learner_tz)
    world.fake.add_user(COACH, real_name="Carl", tz=coach_tz)
    with world.sessions.begin() as session:
        add_learner(session, LEARNER, time_zone=learner_tz)
        coach_id = add_coach(session, COACH, time_zone=coach_tz, max_learners="3")
        request, _ = intros.request_intro(
            session,
            TEAM,
            LEARNER,
            coach_id,
            IntroDetails("career", "Growth", "video", ""),
            "k",
            world.now,
            max_open=3,
        )
        intros.accept(session, TEAM, request.id, COACH, world.now)
        if frequency:
            sign_terms(
                session, request.id, LEARNER, COACH, world.now, months=months, frequency=frequency
            )
        return request.id


def log_on_check_in(relationship_id: int) -> Any:
    """The pair meets on each check-in's due date, and the learner logs it once both
    have had their reminder."""
    seen: set[str] = set()

    def step(world: World) -> None:
        with world.sessions.begin() as session:
            due_keys = session.scalars(
                select(Nudge.due_key).where(
                    Nudge.kind == "check_in",
                    Nudge.status == "sent",
                    Nudge.subject_id == relationship_id,
                )
            ).all()
            for key in set(due_keys):
                if key in seen or due_keys.count(key) < 2:
                    continue
                seen.add(key)
                checkins.log_conversation(
                    session, TEAM, relationship_id, LEARNER, key, "video", f"log-{key}", world.now
                )

    return step


@pytest.mark.parametrize(("frequency", "expected"), [("quarterly", 4), ("monthly", 12)])
def test_a_year_of_check_ins_at_the_agreed_cadence(
    world: World, frequency: str, expected: int
) -> None:
    relationship_id = pair(world, frequency=frequency)

    world.until(START + timedelta(days=366), log_on_check_in(relationship_id))

    check_ins_to_learner = world.to(LEARNER, "Time for a check-in")
    check_ins_to_coach = world.to(COACH, "Time for a check-in")
    assert len(check_ins_to_learner) == expected
    assert len(check_ins_to_coach) == expected
    assert len({s.at.date() for s in check_ins_to_learner}) == expected
    debrief_prompts = world.to(LEARNER, "debrief")
    assert len(debrief_prompts) == expected
    assert len(world.to(LEARNER, "coming up")) == expected
    assert world.to(LEARNER, "haven't logged") == []
    zones = {LEARNER: "America/Chicago", COACH: "America/Denver"}
    assert all(in_working_hours(s.at, zones[s.channel]) for s in world.sent)
    links = [
        e["url"]
        for s in check_ins_to_learner
        for b in s.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "url" in e
    ]
    assert any(link.startswith("https://calendar.google.com/") for link in links)
    assert any(link.startswith("https://outlook.office.com/") for link in links)


def test_daylight_saving_moves_nothing_into_the_night(world: World) -> None:
    relationship_id = pair(
        world, learner_tz="America/New_York", coach_tz="Europe/London", frequency="monthly"
    )
    world.until(START + timedelta(days=365), log_on_check_in(relationship_id))
    zones = {LEARNER: "America/New_York", COACH: "Europe/London"}
    assert len(world.sent) > 30
    assert all(in_working_hours(s.at, zones[s.channel]) for s in world.sent)


def test_a_paused_pair_gets_no_check_ins(world: World) -> None:
    relationship_id = pair(world, frequency="monthly")
    with world.sessions.begin() as session:
        relationships.change(session, TEAM, relationship_id, COACH, Transition.PAUSE, world.now)
    world.until(START + timedelta(days=200))
    assert world.sent == []


def test_a_pair_that_stops_talking_hears_every_period_until_the_term_ends(
    world: World,
) -> None:
    """No conversation after the agreement: a check-in each month (worded for the gap,
    with pause and a no-fault end) to both, until the six-month term ends."""
    pair(world, frequency="monthly", months=6)
    world.until(START + timedelta(days=190))

    for person in (LEARNER, COACH):
        heard = [s for s in world.sent if s.channel == person and "Time for a check-in" in s.text]
        missed = [s for s in world.sent if s.channel == person and "It's been" in s.text]
        assert len(heard) == 1
        assert [m.text.split(" since")[0] for m in missed] == [
            "It's been two months",
            "It's been three months",
            "It's been four months",
            "It's been five months",
        ]
        assert all(ids.RELATIONSHIP_PAUSE in m.buttons() for m in missed)
        assert all(ids.RELATIONSHIP_END in m.buttons() for m in missed)
    assert f"since you and <@{COACH}> agreed your terms" in world.to(LEARNER, "It's been")[0].text


def test_a_logged_conversation_starts_the_count_again(world: World) -> None:
    relationship_id = pair(world, frequency="monthly", months=12)
    world.until(START + timedelta(days=70))
    assert len(world.to(LEARNER, "It's been two months")) == 1
    with world.sessions.begin() as session:
        checkins.log_conversation(
            session,
            TEAM,
            relationship_id,
            LEARNER,
            world.now.date().isoformat(),
            "video",
            "talked",
            world.now,
        )
    before = len(world.to(LEARNER))
    world.until(world.now + timedelta(days=40))
    after = world.to(LEARNER)[before:]
    assert any("Time for a check-in" in s.text for s in after)
    assert not any("It's been" in s.text for s in after)


def test_pairs_at_risk_reach_the_coordinators_digest_on_monday(world: World) -> None:
    relationship_id = pair(world, frequency="monthly", months=12)
    world.fake.add_user("U5ADMIN", real_name="Dana", tz="America/Chicago")
    coordinators = {"coordinators": lambda _session, teams: {t: ["U5ADMIN"] for t in teams}}
    while world.now < START + timedelta(days=100):
        world.now += STEP
        world.run(**coordinators)
    digests = world.to("U5ADMIN", "let two or more check-ins pass")
    assert digests, "a digest once the pair missed two check-ins"
    first = digests[0]
    assert first.at.astimezone(zone("America/Chicago")).weekday() == 0
    assert first.at.date() > START.date() + timedelta(days=59)
    button = next(e for b in first.blocks if b.get("accessory") for e in [b["accessory"]])
    assert (button["action_id"], button["value"]) == (ids.AT_RISK_MESSAGE, str(relationship_id))
    weeks = {s.at.isocalendar()[1] for s in digests}
    assert len(weeks) == len(digests), "at most one digest a week"


def test_no_digest_while_no_pair_is_at_risk(world: World) -> None:
    relationship_id = pair(world, frequency="monthly", months=12)
    coordinators = {"coordinators": lambda _session, teams: {t: ["U5ADMIN"] for t in teams}}
    world.fake.add_user("U5ADMIN", real_name="Dana", tz="America/Chicago")
    step = log_on_check_in(relationship_id)
    while world.now < START + timedelta(days=100):
        world.now += STEP
        world.run(**coordinators)
        step(world)
    assert world.to("U5ADMIN") == []


def test_term_end_asks_to_renew_or_conclude_and_keep_in_touch_follows(world: World) -> None:
    relationship_id = pair(world, frequency="quarterly", months=3)
    world.until(START + timedelta(days=100), log_on_check_in(relationship_id))
    [ends] = world.to(LEARNER, "ends")
    assert ends.buttons() == [ids.RENEW, ids.CONCLUDE]
    with world.sessions.begin() as session:
        relationships.change(session, TEAM, relationship_id, LEARNER, Transition.END, world.now)
    world.until(world.now + timedelta(days=120))
    assert len(world.to(LEARNER, "Coaches love to hear")) == 1
    assert world.to(COACH, "Coaches love to hear") == []


def test_a_week_without_a_first_call_nudges_both(world: World) -> None:
    pair(world, frequency=None)
    world.until(START + timedelta(days=6))
    assert world.sent == []
    world.until(START + timedelta(days=9))
    assert "taking the initiative is yours" in world.to(LEARNER, "first")[0].text.lower()
    assert len(world.to(COACH, "explore the fit")) == 1


def test_unanswered_requests_are_reminded_then_expire_and_silent_coaches_pause(
    world: World,
) -> None:
    world.fake.add_user(COACH, real_name="Carl")
    with world.sessions.begin() as session:
        coach_id = add_coach(session, COACH, max_learners="5")
        for i in range(3):
            user = f"U5L{i}"
            world.fake.add_user(user, real_name=f"Learner {i}")
            add_learner(session, user)
            intros.request_intro(
                session,
                TEAM,
                user,
                coach_id,
                IntroDetails("career", "Growth", "video", ""),
                f"r{i}",
                world.now,
                max_open=3,
            )
    world.until(START + timedelta(days=4))
    assert len(world.to(COACH, "is waiting to hear")) == 3
    world.until(START + timedelta(days=9))
    assert all(len(world.to(f"U5L{i}", "expired without an answer")) == 1 for i in range(3))
    assert len(world.to(COACH, "expired in a row")) == 1
    with world.sessions() as session:
        assert session.scalars(select(CoachProfile.paused_at)).one() is not None
        assert set(session.scalars(select(Relationship.state))) == {"expired"}


def test_a_run_killed_half_way_sends_the_rest_after_restart_and_nothing_twice(world: World) -> None:
    for i in range(6):
        world.fake.add_user(f"U6C{i}", real_name=f"Coach {i}")
    with world.sessions.begin() as session:
        for i in range(6):
            add_coach(session, f"U6C{i}")
    world.fake.add_user(LEARNER, real_name="Lena")
    with world.sessions.begin() as session:
        add_learner(session, LEARNER)
        coach_ids = [p for (p,) in session.execute(select(CoachProfile.person_id))]
        for i, coach_id in enumerate(coach_ids[:3]):
            intros.request_intro(
                session,
                TEAM,
                LEARNER,
                coach_id,
                IntroDetails("career", "x", "video", ""),
                f"c{i}",
                world.now,
                max_open=3,
            )
    world.now = START + timedelta(days=3, hours=2)
    sends = {"count": 0}

    class Killed(Exception):
        pass

    def die_after_one() -> None:
        sends["count"] += 1
        if sends["count"] == 2:
            raise Killed

    with pytest.raises(Killed):
        world.run(send_hook=die_after_one, worker="process-a")
    assert len(world.sent) == 1

    world.run(worker="process-b")
    assert len(world.sent) == 1, "claims of a process that may still be alive are left alone"

    world.now += STALE_CLAIM + timedelta(minutes=1)
    world.run(worker="process-b")
    world.now += timedelta(days=1)
    world.run(worker="process-b")

    reminded = sorted(s.channel for s in world.sent if "is waiting to hear" in s.text)
    assert len(reminded) == 3 and len(set(reminded)) == 3


def test_permanent_failures_are_recorded_with_their_reason_and_not_retried(world: World) -> None:
    pair(world, frequency="monthly")
    world.fake.add_user(COACH, real_name="Carl", tz="America/Denver", deleted=True)
    world.until(START + timedelta(days=40))
    with world.sessions() as session:
        failed = session.scalars(select(Nudge).where(Nudge.status == "failed")).all()
    assert failed and {n.error for n in failed} == {"is_archived"}
    assert {n.attempts for n in failed} == {1}
    assert len(world.to(LEARNER, "Time for a check-in")) == 1


def test_rate_limits_and_server_errors_are_retried(world: World) -> None:
    pair(world, frequency="monthly")
    world.fake.fail_next("chat.postMessage", "ratelimited", retry_after=0, times=2)
    world.fake.fail_next("chat.postMessage", "internal_error", status=503, times=1)
    world.until(START + timedelta(days=33))
    assert len(world.to(LEARNER, "Time for a check-in")) == 1
    assert len(world.to(COACH, "Time for a check-in")) == 1
    assert [c.http_status for c in world.fake.calls_to("chat.postMessage")][:3] == [429, 429, 503]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_sharing_postgresql_send_each_nudge_once(
    world: World, database_url: str
) -> None:
    """Two workers, each with its own engine and connections as two bot processes would
    have, run side by side at every step; every nudge still goes out exactly once."""
    import threading

    from storage.db import make_engine, make_sessionmaker

    with world.sessions.begin() as session:
        coach_ids = []
        for i in range(8):
            user = f"U7C{i}"
            world.fake.add_user(user, real_name=f"Coach {i}")
            coach_ids.append(add_coach(session, user, max_learners="5"))
        for i in range(24):
            user = f"U7L{i}"
            world.fake.add_user(user, real_name=f"Learner {i}")
            add_learner(session, user)
            intros.request_intro(
                session,
                TEAM,
                user,
                coach_ids[i % 8],
                IntroDetails("career", "x", "video", ""),
                f"two-{i}",
                world.now,
                max_open=3,
            )
    engines = [make_engine(database_url) for _ in range(2)]
    workers = [
        ReminderRun(
            make_sessionmaker(engine),
            build_client(BOT_TOKEN, world.fake.url),
            lambda: world.now,
            courier=handlers.courier(),
            worker=name,
        )
        for engine, name in zip(engines, ("worker-1", "worker-2"), strict=True)
    ]
    try:
        for _ in range(int(timedelta(days=9) / STEP)):
            world.now += STEP
            threads = [threading.Thread(target=worker) for worker in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        for engine in engines:
            engine.dispose()

    posted = [c for c in world.fake.calls_to("chat.postMessage") if c.ok]
    with world.sessions() as session:
        sent = session.execute(
            select(Nudge.kind, Nudge.recipient_id, Nudge.subject_id, Nudge.claimed_by).where(
                Nudge.status == "sent"
            )
        ).all()
    assert len(posted) == len(sent)
    assert len({(k, r, s) for k, r, s, _w in sent}) == len(sent)
    kinds = Counter(k for k, _r, _s, _w in sent)
    assert kinds["request_reminder"] == 24 and kinds["request_expired"] == 24


def test_coordinators_see_failed_deliveries_with_their_reason(world: World) -> None:
    from coaching.deliveries import failed_deliveries

    pair(world, frequency="monthly")
    world.fake.add_user(COACH, real_name="Carl", tz="America/Denver", deleted=True)
    world.until(START + timedelta(days=40))
    with world.sessions() as session:
        failures = failed_deliveries(session, TEAM)
    assert [(f.kind, f.reason) for f in failures] == [("check_in", "is_archived")]


def test_an_unanswered_term_end_is_reminded_once_then_concluded_with_thanks(
    world: World,
) -> None:
    relationship_id = pair(world, frequency="quarterly", months=3)
    world.fake.add_user("U5ADMIN", real_name="Dana", tz="America/Chicago")
    coordinators = {"coordinators": lambda _session, teams: {t: ["U5ADMIN"] for t in teams}}
    step = log_on_check_in(relationship_id)
    while world.now < START + timedelta(days=160):
        world.now += STEP
        world.run(**coordinators)
        step(world)

    ends = START.date() + timedelta(days=90)
    for person in (LEARNER, COACH):
        [asked] = [s for s in world.sent if s.channel == person and "ends" in s.text]
        [reminded] = [s for s in world.sent if s.channel == person and "neither of you" in s.text]
        [thanked] = [
            s for s in world.sent if s.channel == person and "brought it to a close" in s.text
        ]
        assert asked.at.date() >= ends - timedelta(days=1)
        assert timedelta(days=13) <= reminded.at - asked.at <= timedelta(days=17)
        assert timedelta(days=13) <= thanked.at - reminded.at <= timedelta(days=17)
    assert len(world.to("U5ADMIN", "ended four weeks ago")) == 1
    with world.sessions() as session:
        assert session.get(Relationship, relationship_id).state == "concluded"
    closed = [c for c in world.fake.calls_to("chat.update") if "concluded" in c.args["text"]]
    assert len(closed) == 4, "both term-end questions and both reminders say it is over"
    assert all(c.ok and "Renew" not in str(c.args["blocks"]) for c in closed)


def test_renewing_before_the_deadline_keeps_the_pair_going(world: World) -> None:
    relationship_id = pair(world, frequency="quarterly", months=3)
    step = log_on_check_in(relationship_id)
    while world.now < START + timedelta(days=95):
        world.now += STEP
        world.run()
        step(world)
    assert world.to(LEARNER, "ends")
    with world.sessions.begin() as session:
        sign_terms(session, relationship_id, LEARNER, COACH, world.now, frequency="quarterly")
    world.until(START + timedelta(days=140))
    assert world.to(LEARNER, "neither of you") == []
    assert world.to(LEARNER, "brought it to a close") == []
    with world.sessions() as session:
        assert session.get(Relationship, relationship_id).state == "active"
