"""Who may do what: every button, form and command that touches someone's request,
agreement or relationship, tried by each kind of person.

The people: the learner and the coach of a pair, another learner in the program, a
program coordinator (PROGRAM_ADMINS, not a party) and a stranger who never registered.
Each cell of the table is a test: an allowed person gets the form or the change; anyone
else reads a refusal that gives nothing away, and nothing changes (no row, no message,
no modal). Refused clicks are sent as a forged request would be: with the real ids, as
if the person had found the button.

People elsewhere: with the app installed in a second workspace beside the first (the
county's, each installed with Add to Slack), the county's coordinator, a learner and a
coach registered there try every action with the city's ids, signed as the county's
requests. The program-wide actions (the gallery, the desk, the export, the address
list) serve them their own program; everything else is refused. Either way the city's
rows stay as they were, no call carries the city's token, and nothing of the city's
people is in anything they are shown but what their request carried itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from roster_data import csv_text, synthetic_rows
from sqlalchemy import func, select

from coaching import agreements, checkins, intros, relationships
from coaching.agreements import Terms
from coaching.intros import IntroDetails
from coaching.lifecycle import Transition
from coaching.relationships import NOT_YOURS
from handlers import ids
from handlers.views import admin as admin_views
from handlers.views import agreements as agreement_views
from handlers.views import checkins as checkin_views
from handlers.views import intros as intro_views
from handlers.views import relationships as relationship_views
from handlers.views import roster as roster_views
from storage.models import (
    Agreement,
    Base,
    Conversation,
    Debrief,
    Nudge,
    Person,
    Relationship,
    RequestQuestion,
)

from fakeslack.requests import Response
from fakeslack.server import Call
from support.harness import BotHarness
from support.programs import CITY, COUNTY_PROGRAM, leaks, shown
from support.seed import add_coach, add_learner
from support.workspace import COACH, COORDINATOR, LEARNER, OTHER_LEARNER, STRANGER, TEAM

ACTORS = {
    "learner": LEARNER,
    "coach": COACH,
    "other learner": OTHER_LEARNER,
    "coordinator": COORDINATOR,
    "stranger": STRANGER,
}
PARTIES = frozenset({"learner", "coach"})
EVERYONE = frozenset(ACTORS)

NOT_THE_COACH = "Only the coach this request was sent to can answer it."
NOT_YOUR_AGREEMENT = "That agreement isn't one of yours."
NOT_A_PARTY = "Only the learner and the coach can record their agreement."
NOT_YOUR_PAIR = "That coaching relationship isn't one of yours."
NOT_THE_LEARNER_DEBRIEF = "Only the learner can debrief this conversation."
NOT_A_LEARNER = "register as a learner"
TERMS = {
    "confidentiality": "What we discuss stays between us.",
    "start_date": date.today().isoformat(),
    "duration_months": "6",
    "frequency": "monthly",
    "contact_forms": ["video"],
    "coach_roles": ["guide"],
    "acknowledgements": ["no_fault", "owns_choices"],
}
_view_ids = itertools.count(1)


# -- the scenes -----------------------------------------------------------------------


@dataclass
class Scene:
    """The ids an action needs, as the setup left them."""

    coach_id: int = 0
    request_id: int = 0
    question_id: int = 0
    agreement_id: int = 0
    conversation_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def registered(bot: BotHarness, actor: str) -> Scene:
    """Two learners and a coach in the program, nobody matched yet."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        add_learner(session, OTHER_LEARNER, name="Priya Shah", email="priya.shah@example.gov")
        coach_id = add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")
    return Scene(coach_id=coach_id)


def requested(bot: BotHarness, actor: str) -> Scene:
    """The learner asked the coach through Slack; the coach's DM has the three buttons."""
    scene = registered(bot, actor)
    bot.command(ids.REQUEST_INTRO.name, LEARNER, f"<@{COACH}|carl>")
    values = {"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"}
    assert bot.submit(bot.opened_view(), LEARNER, values).json()["response_action"] == "update"
    with bot.sessions() as session:
        scene.request_id = session.scalars(select(Relationship.id)).one()
    return scene


def questioned(bot: BotHarness, actor: str) -> Scene:
    scene = requested(bot, actor)
    with bot.sessions.begin() as session:
        asked = intros.ask_question(
            session, TEAM, scene.request_id, COACH, "Evenings?", bot.bot.runtime.clock()
        )
        scene.question_id = asked.id
    return scene


ROSTER_EMAIL = "wren.abernathy@example.gov"


def with_roster_row(bot: BotHarness, actor: str) -> Scene:
    """A coach imported from the roster, not in Slack yet."""
    scene = registered(bot, actor)
    with bot.sessions.begin() as session:
        session.add(Person(team_id=TEAM, name="Wren Abernathy", email=ROSTER_EMAIL))
    return scene


def exploring(bot: BotHarness, actor: str) -> Scene:
    scene = registered(bot, actor)
    with bot.sessions.begin() as session:
        now = bot.bot.runtime.clock()
        details = IntroDetails("career", "Growth", "video", "")
        request, _ = intros.request_intro(
            session, TEAM, LEARNER, scene.coach_id, details, "key-1", now, max_open=3
        )
        intros.accept(session, TEAM, request.id, COACH, now)
        scene.request_id = request.id
    return scene


def drafted(bot: BotHarness, actor: str) -> Scene:
    """A draft agreement waiting for a signature: drafted by the coach when the learner
    is the one trying to sign, else by the learner (the drafter has signed already)."""
    scene = exploring(bot, actor)
    drafter = COACH if actor == "learner" else LEARNER
    terms = Terms(
        confidentiality="Between us.",
        start_date=date.today().isoformat(),
        duration_months="6",
        frequency="monthly",
        contact_forms=["video"],
        no_fault=True,
        learner_owns_choices=True,
    )
    with bot.sessions.begin() as session:
        agreement = agreements.draft(
            session, TEAM, scene.request_id, drafter, terms, bot.bot.runtime.clock()
        )
        scene.agreement_id = agreement.id
    return scene


def changed(transitions: tuple[Transition, ...]) -> Callable[[BotHarness, str], Scene]:
    def setup(bot: BotHarness, actor: str) -> Scene:
        scene = exploring(bot, actor)
        with bot.sessions.begin() as session:
            for transition in transitions:
                relationships.change(
                    session, TEAM, scene.request_id, LEARNER, transition, bot.bot.runtime.clock()
                )
        return scene

    return setup


paused = changed((Transition.PAUSE,))
concluded = changed((Transition.END,))


def with_conversation(bot: BotHarness, actor: str) -> Scene:
    scene = exploring(bot, actor)
    with bot.sessions.begin() as session:
        conversation, _ = checkins.log_conversation(
            session,
            TEAM,
            scene.request_id,
            LEARNER,
            date.today().isoformat(),
            "video",
            request_key="log-1",
            now=bot.bot.runtime.clock(),
        )
        scene.conversation_id = conversation.id
    return scene


# -- the actions ----------------------------------------------------------------------


def coach_dm(bot: BotHarness) -> tuple[dict[str, Any], str]:
    channel = bot.fake.dm_channel(COACH)
    return bot.fake.messages(channel)[-1], channel


def on_request_dm(action_id: str) -> Callable[[BotHarness, str, Scene], Response]:
    """Click one of the buttons on the coach's request DM."""

    def act(bot: BotHarness, user: str, scene: Scene) -> Response:
        message, channel = coach_dm(bot)
        return bot.click(
            action_id,
            user,
            value=str(scene.request_id),
            message=message,
            channel=channel,
            response_url=bot.slack.response_url(),
        )

    return act


def button(action_id: str, value: Callable[[Scene], Any]) -> Callable[..., Response]:
    def act(bot: BotHarness, user: str, scene: Scene) -> Response:
        return bot.click(
            action_id, user, value=str(value(scene)), response_url=bot.slack.response_url()
        )

    return act


def submission(
    form: Callable[[Scene], Any], values: dict[str, Any]
) -> Callable[[BotHarness, str, Scene], Response]:
    """Submit a modal the way Slack would if `user` had it open."""

    def act(bot: BotHarness, user: str, scene: Scene) -> Response:
        view = form(scene).to_dict() | {"id": f"V0ACCESS{next(_view_ids)}", "hash": "1.x"}
        return bot.submit(view, user, values)

    return act


def command(name: str, text: str = "") -> Callable[[BotHarness, str, Scene], Response]:
    def act(bot: BotHarness, user: str, scene: Scene) -> Response:
        return bot.command(name, user, text)

    return act


def view_coach(bot: BotHarness, user: str, scene: Scene) -> Response:
    return bot.click(
        ids.VIEW_COACH,
        user,
        value=str(scene.coach_id),
        block_id=f"coach-{scene.coach_id}|{{}}",
        response_url=bot.slack.response_url(),
    )


def ask_intro(bot: BotHarness, user: str, scene: Scene) -> Response:
    return bot.click(
        ids.ASK_INTRO,
        user,
        value=str(scene.coach_id),
        block_id=f"coach-{scene.coach_id}|{{}}",
        response_url=bot.slack.response_url(),
    )


# -- what shows that it happened ------------------------------------------------------


def opened(callback_id: str) -> Callable[[BotHarness, list[Call], Response], bool]:
    def check(bot: BotHarness, calls: list[Call], response: Response) -> bool:
        return any(
            c.method in ("views.open", "views.push")
            and c.ok
            and c.args["view"].get("callback_id") == callback_id
            for c in calls
        )

    return check


def state_is(state: str) -> Callable[[BotHarness, list[Call], Response], bool]:
    def check(bot: BotHarness, calls: list[Call], response: Response) -> bool:
        with bot.sessions() as session:
            return session.scalars(select(Relationship.state)).one() == state

    return check


def count_of(model: type[Base], expected: int) -> Callable[..., bool]:
    def check(bot: BotHarness, calls: list[Call], response: Response) -> bool:
        with bot.sessions() as session:
            return session.scalar(select(func.count()).select_from(model)) == expected

    return check


def answered(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    with bot.sessions() as session:
        return session.scalars(select(RequestQuestion.answer)).one() == "Yes, evenings work."


def executed(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    with bot.sessions() as session:
        return session.scalars(select(Agreement.status)).one() == "executed"


def results_listed(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    reply = response.json()
    return reply["response_type"] == "ephemeral" and "Find a coach" in str(reply["blocks"])


def desk_shown(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    return "blocks" in response.json()


def export_sent(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    return bool(bot.fake.files)


def links_listed(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    return any(c.method == "response_url" and "address" in str(c.args.get("blocks")) for c in calls)


def learner_unlinked(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    with bot.sessions() as session:
        row = session.scalars(select(Person).where(Person.email == "lena.ortiz@example.gov")).one()
        return row.slack_user_id is None


def send_roster(bot: BotHarness, user: str, scene: Scene) -> Response:
    """Share a one-coach roster CSV in the DM with the bot, as a coordinator would; the
    coach is in Slack under the roster's address."""
    [row] = synthetic_rows(1, seed=21)
    bot.fake.workspace(bot.team).add_user("U0ROSTER", real_name=row["name"], email=row["email"])
    return bot.share_in_dm(user, "coaches.csv", csv_text([row]).encode())


def roster_imported(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    [row] = synthetic_rows(1, seed=21)
    with bot.sessions() as session:
        linked = select(Person.slack_user_id).where(Person.email == row["email"])
        return session.scalar(linked) == "U0ROSTER"


def stranger_linked(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    with bot.sessions() as session:
        row = session.scalars(select(Person).where(Person.email == ROSTER_EMAIL)).one()
        return row.slack_user_id == STRANGER


def learner_removed(bot: BotHarness, calls: list[Call], response: Response) -> bool:
    with bot.sessions() as session:
        return session.scalars(select(Person).where(Person.slack_user_id == LEARNER)).all() == []


@dataclass(frozen=True)
class Action:
    setup: Callable[[BotHarness, str], Scene]
    act: Callable[[BotHarness, str, Scene], Response]
    allowed: frozenset[str]
    done: Callable[[BotHarness, list[Call], Response], bool]
    refusal: tuple[str, ...] | None
    """What a refused person reads (any one of these); None when the refusal is silent."""
    answered_in_dm: bool = False
    """A message event has no response_url: the refusal is a message in their own DM."""


ACTIONS: dict[str, Action] = {
    # An intro request: only the coach it was sent to answers it.
    "accept an intro request": Action(
        requested, on_request_dm(ids.ACCEPT), frozenset({"coach"}), state_is("exploring"),
        (NOT_THE_COACH,),
    ),
    "open the decline form": Action(
        requested, on_request_dm(ids.DECLINE), frozenset({"coach"}), opened(ids.DECLINE_VIEW),
        (NOT_THE_COACH,),
    ),
    "send a decline": Action(
        requested,
        submission(lambda s: intro_views.decline_form(s.request_id, "Lena"), {"reason": "Full."}),
        frozenset({"coach"}),
        state_is("declined"),
        (NOT_THE_COACH,),
    ),
    "open the question form": Action(
        requested, on_request_dm(ids.ASK_QUESTION), frozenset({"coach"}),
        opened(ids.QUESTION_VIEW), (NOT_THE_COACH,),
    ),
    "send a question": Action(
        requested,
        submission(lambda s: intro_views.question_form(s.request_id, "Lena"), {"question": "Q?"}),
        frozenset({"coach"}),
        count_of(RequestQuestion, 1),
        (NOT_THE_COACH,),
    ),
    # The coach's question: only the learner asked answers it.
    "open the answer form": Action(
        questioned, button(ids.ANSWER, lambda s: s.question_id), frozenset({"learner"}),
        opened(ids.ANSWER_VIEW), ("That question is no longer waiting for your answer.",),
    ),
    "send an answer": Action(
        questioned,
        submission(
            lambda s: intro_views.answer_form(s.question_id, "Evenings?"),
            {"answer": "Yes, evenings work."},
        ),
        frozenset({"learner"}),
        answered,
        ("Only the learner who was asked can answer.",),
    ),
    # The agreement: the two parties record, sign and change it; coordinators may read it.
    "record an agreement (button)": Action(
        exploring, button(ids.AGREEMENT_START, lambda s: s.request_id), PARTIES,
        opened(ids.AGREEMENT_FORM_VIEW), (NOT_A_PARTY,),
    ),
    "record an agreement (/coaching-agreement)": Action(
        exploring, command(ids.AGREEMENT.name), PARTIES, opened(ids.AGREEMENT_FORM_VIEW),
        (
            "You aren't in a coaching relationship yet.",
            "There's no current coaching relationship to record an agreement for.",
        ),
    ),
    "submit an agreement": Action(
        exploring,
        submission(lambda s: agreement_views.agreement_form(Terms(), s.request_id, "x"), TERMS),
        PARTIES,
        count_of(Agreement, 1),
        (NOT_A_PARTY,),
    ),
    "sign an agreement": Action(
        drafted, button(ids.AGREEMENT_SIGN, lambda s: s.agreement_id), PARTIES, executed,
        (NOT_YOUR_AGREEMENT,),
    ),
    "propose changes to an agreement": Action(
        drafted, button(ids.AGREEMENT_CHANGE, lambda s: s.agreement_id), PARTIES,
        opened(ids.AGREEMENT_FORM_VIEW), (NOT_YOUR_AGREEMENT,),
    ),
    "view an agreement": Action(
        drafted, button(ids.AGREEMENT_VIEW, lambda s: s.agreement_id), PARTIES | {"coordinator"},
        opened(ids.AGREEMENT_RECORD_VIEW), (NOT_YOUR_AGREEMENT,),
    ),
    # The relationship: either party pauses, resumes or ends it.
    "pause a relationship": Action(
        exploring, button(ids.RELATIONSHIP_PAUSE, lambda s: s.request_id), PARTIES,
        state_is("paused"), (NOT_YOURS,),
    ),
    "resume a relationship": Action(
        paused, button(ids.RELATIONSHIP_RESUME, lambda s: s.request_id), PARTIES,
        state_is("exploring"), (NOT_YOURS,),
    ),
    "open the end form": Action(
        exploring, button(ids.RELATIONSHIP_END, lambda s: s.request_id), PARTIES,
        opened(ids.END_VIEW), (NOT_YOURS,),
    ),
    "end a relationship": Action(
        exploring,
        submission(lambda s: relationship_views.end_form(s.request_id, "x"), {"thanks": "Thanks"}),
        PARTIES,
        state_is("concluded"),
        (NOT_YOURS,),
    ),
    # Conversations: either party logs one; the debrief is the learner's alone.
    "log a conversation": Action(
        exploring, button(ids.LOG_START, lambda s: s.request_id), PARTIES, opened(ids.LOG_VIEW),
        (NOT_YOUR_PAIR,),
    ),
    "open a debrief": Action(
        with_conversation, button(ids.DEBRIEF_START, lambda s: s.conversation_id),
        frozenset({"learner"}), opened(ids.DEBRIEF_VIEW), (NOT_THE_LEARNER_DEBRIEF,),
    ),
    "send a debrief": Action(
        with_conversation,
        submission(
            lambda s: checkin_views.debrief_form(s.conversation_id, date.today()),
            {"went_well": "We planned my budget talk.", "willing_to_do": "Draft the memo."},
        ),
        frozenset({"learner"}),
        count_of(Debrief, 1),
        (NOT_THE_LEARNER_DEBRIEF,),
    ),
    "keep in touch after the end": Action(
        concluded, button(ids.KEEP_IN_TOUCH_START, lambda s: s.request_id),
        frozenset({"learner"}), opened(ids.KEEP_IN_TOUCH_VIEW), (NOT_YOUR_PAIR,),
    ),
    # The gallery: anyone may look; registered learners may ask.
    "search the gallery (/find-coach)": Action(
        registered, command(ids.FIND_COACH.name), EVERYONE, results_listed, None
    ),
    "open a coach's profile": Action(
        registered, view_coach, EVERYONE, opened(ids.COACH_PROFILE_VIEW), None
    ),
    "ask a coach for an intro (button)": Action(
        registered, ask_intro, frozenset({"learner", "other learner"}),
        opened(ids.INTRO_FORM_VIEW), (NOT_A_LEARNER,),
    ),
    "ask a coach for an intro (/request-intro)": Action(
        registered, command(ids.REQUEST_INTRO.name, f"<@{COACH}|carl>"),
        frozenset({"learner", "other learner"}), opened(ids.INTRO_FORM_VIEW), (NOT_A_LEARNER,),
    ),
    # The coordinators' desk.
    "open the coordinators' desk (/coaching-admin)": Action(
        exploring, command(ids.ADMIN.name), frozenset({"coordinator"}), desk_shown,
        (admin_views.REFUSED,),
    ),
    "export the program": Action(
        exploring, button(ids.ADMIN_EXPORT, lambda s: "export"), frozenset({"coordinator"}),
        export_sent, None,
    ),
    "list members whose Slack address differs": Action(
        registered, command(ids.ADMIN.name, "links"), frozenset({"coordinator"}), links_listed,
        (admin_views.REFUSED,),
    ),
    "link a member to a roster row by hand": Action(
        with_roster_row, command(ids.ADMIN.name, f"link <@{STRANGER}|sam> {ROSTER_EMAIL}"),
        frozenset({"coordinator"}), stranger_linked, (admin_views.REFUSED,),
    ),
    "unlink a member": Action(
        registered, button(ids.ADMIN_UNLINK, lambda s: LEARNER), frozenset({"coordinator"}),
        learner_unlinked, (admin_views.REFUSED,),
    ),
    "remove a person's data": Action(
        exploring, button(ids.ADMIN_REMOVE_CONFIRM, lambda s: LEARNER),
        frozenset({"coordinator"}), learner_removed, (admin_views.REFUSED,),
    ),
    "import a roster by sending the file in a DM": Action(
        registered, send_roster, frozenset({"coordinator"}), roster_imported,
        (roster_views.NOT_A_COORDINATOR,), answered_in_dm=True,
    ),
}  # fmt: skip

TABLE = [
    pytest.param(
        action,
        actor,
        actor in spec.allowed,
        id=f"{action} | {actor}",
    )
    for action, spec in ACTIONS.items()
    for actor in ACTORS
]


def rows(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    with bot.sessions() as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table)).all()]
            for table in Base.metadata.sorted_tables
        }


def what_they_read(response: Response, calls: list[Call]) -> str:
    """Everything the person was told: the acknowledgement (command text, field errors, a
    notice in place of the modal) and any ephemeral reply."""
    told: list[str] = []
    if response.body:
        reply = response.json()
        told.append(str(reply.get("text", "")))
        told += [str(error) for error in reply.get("errors", {}).values()]
        told += [str(block) for block in reply.get("view", {}).get("blocks", [])]
    told += [
        str(c.args.get("text", ""))
        for c in calls
        if c.method in {"response_url", "chat.postMessage"}
    ]
    return "\n".join(told)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("action", "actor", "allowed"), TABLE)
def test_who_may_do_what(bot: BotHarness, action: str, actor: str, allowed: bool) -> None:
    spec = ACTIONS[action]
    user = ACTORS[actor]
    scene = spec.setup(bot, actor)
    before = rows(bot)
    start = len(bot.fake.calls)

    response = spec.act(bot, user, scene)

    calls = bot.fake.calls[start:]
    assert response.status == 200
    assert [(c.method, c.error, c.response) for c in calls if not c.ok] == []
    if allowed:
        assert spec.done(bot, calls, response), f"{actor} should be able to {action}"
        return
    told = what_they_read(response, calls)
    if spec.refusal is not None:
        assert any(refusal in told for refusal in spec.refusal), told
    assert not spec.done(bot, calls, response)
    assert rows(bot) == before
    if spec.answered_in_dm:
        assert [(c.method, c.args["channel"]) for c in calls] == [
            ("chat.postMessage", bot.fake.dm_channel(user))
        ]
        return
    assert {c.method for c in calls} <= {"response_url"}, [c.method for c in calls]


def test_the_table_covers_every_actor_for_every_action() -> None:
    assert len(TABLE) == len(ACTIONS) * len(ACTORS)
    print(f"\naccess table: {len(ACTIONS)} actions x {len(ACTORS)} people = {len(TABLE)} cells")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_removing_a_person_leaves_other_peoples_reminders_alone(bot: BotHarness) -> None:
    scene = exploring(bot, "coordinator")
    with bot.sessions.begin() as session:
        for n in (1, 2):
            checkins.log_conversation(
                session,
                TEAM,
                scene.request_id,
                LEARNER,
                date.today().isoformat(),
                "video",
                request_key=f"log-{n}",
                now=bot.bot.runtime.clock(),
            )
        other_coach = add_coach(session, STRANGER, email="sam.stone@example.gov")
        now = bot.bot.runtime.clock()
        details = IntroDetails("career", "Growth", "video", "")
        other_pair, _ = intros.request_intro(
            session, TEAM, OTHER_LEARNER, other_coach, details, "key-2", now, max_open=3
        )
        intros.accept(session, TEAM, other_pair.id, STRANGER, now)
        conversation_ids = set(session.scalars(select(Conversation.id)))
        assert other_pair.id in conversation_ids, "the ids collide, as they will in real life"
        other_learner = session.scalars(
            select(Person.id).where(Person.slack_user_id == OTHER_LEARNER)
        ).one()
        session.add(
            Nudge(
                team_id=TEAM,
                kind="check_in",
                subject_id=other_pair.id,
                recipient_id=other_learner,
                due_key="2026-01",
                deliver_at=now,
                status="sent",
            )
        )

    bot.click(
        ids.ADMIN_REMOVE_CONFIRM, COORDINATOR, value=LEARNER, response_url=bot.fake.response_url()
    )

    with bot.sessions() as session:
        assert session.scalars(select(Person).where(Person.slack_user_id == LEARNER)).all() == []
        kept = session.scalars(select(Nudge.subject_id).where(Nudge.kind == "check_in")).all()
    assert kept == [other_pair.id]


# -- people elsewhere -----------------------------------------------------------------

ELSEWHERE = {
    "coordinator elsewhere": COUNTY_PROGRAM.coordinator,
    "learner elsewhere": COUNTY_PROGRAM.learner,
    "coach elsewhere": COUNTY_PROGRAM.coach,
}
THEIR_OWN_PROGRAM = frozenset(
    {
        "search the gallery (/find-coach)",
        "open the coordinators' desk (/coaching-admin)",
        "export the program",
        "list members whose Slack address differs",
        "import a roster by sending the file in a DM",
    }
)
"""Actions on a whole program: people elsewhere are served their own (a roster shared in
one's own DM carries no ids of another program at all)."""

ELSEWHERE_TABLE = [
    pytest.param(action, actor, id=f"{action} | {actor}")
    for action in ACTIONS
    for actor in ELSEWHERE
]


def city_rows(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """The city's rows in every table: by the table's workspace column, or by that of the
    row it belongs to (a coach's areas belong to the coach's profile)."""

    def of_city(table: Any) -> Any:
        if "team_id" in table.c:
            return select(table).where(table.c.team_id == TEAM)
        owners = [fk for fk in table.foreign_keys if "team_id" in fk.column.table.c]
        if not owners:
            return select(table)
        owner = owners[0]
        return (
            select(table)
            .join(owner.column.table, owner.parent == owner.column)
            .where(owner.column.table.c.team_id == TEAM)
        )

    with bot.sessions() as session:
        return {
            table.name: [tuple(row) for row in session.execute(of_city(table)).all()]
            for table in Base.metadata.sorted_tables
        }


def county_registered(bot: BotHarness) -> None:
    with bot.sessions.begin() as session:
        cast = COUNTY_PROGRAM
        for user, add in ((cast.learner, add_learner), (cast.coach, add_coach)):
            add(session, user, team=cast.team, name=cast.name(user), email=cast.email(user))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("action", "actor"), ELSEWHERE_TABLE)
def test_people_elsewhere_never_reach_this_program(
    two_programs: BotHarness, action: str, actor: str
) -> None:
    spec = ACTIONS[action]
    county_registered(two_programs)
    scene = spec.setup(two_programs, actor)
    before, start = city_rows(two_programs), len(two_programs.fake.calls)

    response = spec.act(two_programs.in_team(COUNTY_PROGRAM.team), ELSEWHERE[actor], scene)

    calls = two_programs.fake.calls[start:]
    assert response.status == 200
    assert [(c.method, c.error) for c in calls if not c.ok] == []
    assert {c.team_id for c in calls} <= {COUNTY_PROGRAM.team}, "nothing with the city's token"
    assert city_rows(two_programs) == before
    brought = leaks(two_programs.sender.last_sent, CITY)
    assert set(leaks(shown(calls, response), CITY)) <= set(brought), "only what they sent"
    if action not in THEIR_OWN_PROGRAM:
        assert not spec.done(two_programs, calls, response)
        answered = {c.method for c in calls} - {"auth.test"}
        assert answered <= {"response_url"}, [c.method for c in calls]
        if spec.refusal is not None:
            assert what_they_read(response, calls).strip(), "they are told why"
