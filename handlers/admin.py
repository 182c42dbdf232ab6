"""`/coaching-admin`: the coordinators' desk. Everyone else is refused and learns nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import (
    deliveries,
    export,
    figures,
    identity,
    notes,
    profiles,
    programs,
    relationships,
    removal,
)
from coaching.cadence import in_working_hours, next_working_instant
from coaching.effects import Decision, Kind
from coaching.identity import IdentityRefused
from coaching.programs import check_coordinator
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer
from handlers.forms import (
    clicked_id,
    form_subject,
    input_values,
    mentioned_email,
    mentioned_user,
    text,
)
from handlers.home import publish_home
from handlers.listening import (
    OnField,
    Rule,
    act,
    answer_command,
    decide,
    ephemeral,
    follow_through,
    submit,
)
from handlers.members import slack_addresses
from handlers.views import admin as views
from handlers.views import nudges as nudge_views
from handlers.views.notices import notice
from scheduling import outbox
from scheduling.outbox import Outcome, Post, Postpone, PostToGroup, Skip, Upload
from storage.models import Nudge, Person, Relationship

T = TypeVar("T")


def register(app: App) -> None:
    app.command(ids.ADMIN.name)(admin_command)
    app.action(ids.ADMIN_EXPORT)(export_button)
    app.action(ids.ADMIN_REMOVE_CONFIRM)(confirm_removal)
    app.action(ids.ADMIN_UNLINK)(unlink_button)
    app.action(ids.ADMIN_RETRY)(retry_button)
    app.action(ids.ADMIN_HANDLED)(handled_button)
    app.action(ids.AT_RISK_MESSAGE)(note_button)
    app.view(ids.ADMIN_SETTINGS_VIEW)(submit_settings)
    app.view(ids.PAIR_NOTE_VIEW)(submit_note)
    app.event("user_change")(member_changed)


def _coordinator(actor: Actor, rule: Rule[T]) -> Rule[T]:
    """`rule`, for the program's coordinators only (`NotACoordinator` for anyone else)."""

    def checked(session: Session) -> T:
        check_coordinator(actor.program(session), actor.user_id)
        return rule(session)

    return checked


def desk_blocks(actor: Actor, part: str = "") -> list[dict]:
    """The coordinators' desk: everything (`""`), just the figures (`stats`), or just the
    pairs that are late (`overdue`)."""
    today = actor.now().date()
    (counts, late), failures = actor.run(
        lambda s: (
            figures.figures(s, actor.team_id, today),
            deliveries.failed_deliveries(s, actor.team_id),
        )
    )
    if part == "stats":
        return views.stats(counts)
    if part == "overdue":
        return views.overdue(late)
    return views.desk(counts, late, failures)


def admin_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """Coordinators only; anyone else reads the refusal in the ack and learns nothing."""
    actor = actor_of(context, client, command)
    if not actor.run(actor.is_coordinator):
        ack(response_type="ephemeral", text=views.REFUSED)
        return
    word, _, rest = command.get("text", "").strip().partition(" ")
    SUBCOMMANDS.get(word.lower(), _help)(Asked(ack, respond, actor, word.lower(), rest))


@dataclass(frozen=True)
class Asked:
    """A coordinator's `/coaching-admin WORD REST`."""

    ack: Ack
    respond: Respond
    actor: Actor
    word: str
    rest: str

    def reply(self, text: str, blocks: list[dict] | None = None) -> None:
        """The answer, in the ack."""
        self.ack(response_type="ephemeral", text=text, blocks=blocks)


def _desk(asked: Asked) -> None:
    answer_command(
        asked.ack,
        asked.respond,
        lambda: ("The program", desk_blocks(asked.actor, asked.word)),
        "Counting the program…",
    )


def _export(asked: Asked) -> None:
    asked.reply("Preparing the export; it will arrive in a DM.")
    send_export(asked.actor)


def _settings(asked: Asked) -> None:
    asked.ack()
    current = asked.actor.run(asked.actor.program)
    asked.actor.open(views.settings_form(current))


def _links(asked: Asked) -> None:
    asked.reply("Comparing everyone's address with Slack's…")
    blocks = _mismatches(asked.actor)
    asked.respond(response_type="ephemeral", text="Links", blocks=blocks)


def _link_command(asked: Asked) -> None:
    target, email = mentioned_user(asked.rest), mentioned_email(asked.rest)
    if target is None or email is None:
        asked.reply(views.LINK_HOW)
    else:
        asked.reply(_link(asked.actor, target, email))


def _unlink_command(asked: Asked) -> None:
    target = mentioned_user(asked.rest)
    asked.reply(views.LINK_HOW if target is None else _unlink(asked.actor, target))


def _remove(asked: Asked) -> None:
    target = mentioned_user(asked.rest)
    if target is None:
        asked.reply("Name the person: `/coaching-admin remove @name`.")
    else:
        asked.reply("Confirm the removal", views.confirm_removal(target))


def _help(asked: Asked) -> None:
    asked.reply(views.ADMIN_HELP)


SUBCOMMANDS: dict[str, Callable[[Asked], None]] = {
    "": _desk,
    "stats": _desk,
    "overdue": _desk,
    "export": _export,
    "settings": _settings,
    "links": _links,
    "link": _link_command,
    "unlink": _unlink_command,
    "remove": _remove,
}


def _mismatches(actor: Actor) -> list[dict]:
    addresses = slack_addresses(actor.client)
    return views.mismatch_blocks(
        actor.run(lambda s: identity.mismatches(s, actor.team_id, addresses))
    )


def _link(actor: Actor, target: str, email: str) -> str:
    """The reply: who is linked now, or why not."""

    def link(session: Session) -> str:
        person = identity.link(session, actor.team_id, target, email, actor.user_id, actor.now())
        return views.linked(target, person.name, person.email)

    try:
        return actor.run(link)
    except IdentityRefused as refused:
        return views.mrkdwn(str(refused))


def _unlink(actor: Actor, target: str) -> str:
    """The reply: who is unlinked now, or why not."""

    def unlink(session: Session) -> str:
        person = identity.unlink(session, actor.team_id, target, actor.user_id, actor.now())
        return views.unlinked(target, person.name)

    try:
        return actor.run(unlink)
    except IdentityRefused as refused:
        return views.mrkdwn(str(refused))


def _may_click(ack: Ack, respond: Respond, actor: Actor) -> bool:
    """Whether the clicker is a coordinator; anyone else is told no."""
    return act(ack, respond, actor, _coordinator(actor, lambda s: True)) is True


def unlink_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    if _may_click(ack, respond, actor):
        ephemeral(actor, respond, _unlink(actor, str(body["actions"][0].get("value", ""))))


def send_export(actor: Actor) -> None:
    """The export, to the coordinator's DM through the outbox."""

    def owed(session: Session) -> Decision[None]:
        return Decision(None, export.export_effects(actor.user_id, actor.now()))

    follow_through(actor, *decide(actor, owed))


def retry_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    if not _may_click(ack, respond, actor):
        return
    delivery_id = clicked_id(body)
    ok = actor.run(lambda s: outbox.retry(s, actor.team_id, delivery_id, actor.now()))
    ephemeral(actor, respond, views.retried(ok))
    if ok:
        actor.deliver([delivery_id])
    publish_home(actor, actor.user_id)


def handled_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    if not _may_click(ack, respond, actor):
        return
    ok = actor.run(
        lambda s: deliveries.mark_handled(
            s, actor.team_id, clicked_id(body), actor.user_id, actor.now()
        )
    )
    ephemeral(actor, respond, views.handled(ok))
    publish_home(actor, actor.user_id)


def submit_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Saved before acknowledging, so problems show on their fields; each change is
    recorded with who made it."""
    actor = actor_of(context, client, body)

    def rule(session: Session) -> list[str]:
        new = programs.cleaned(input_values(view))
        defaults = actor.runtime.defaults
        return programs.update(session, actor.team_id, actor.user_id, new, defaults, actor.now())

    changed = submit(
        ack,
        actor,
        rule,
        refused=OnField("coordinators"),
        shown=lambda changed: notice("Settings", views.settings_saved(changed)),
    )
    if changed is not None:
        publish_home(actor, actor.user_id)


def note_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    act(
        ack,
        respond,
        actor,
        _coordinator(actor, lambda s: notes.pair_to_note(s, actor.team_id, clicked_id(body))),
        then=lambda pair: actor.open(
            views.pair_note_form(pair.relationship_id, pair.learner_name, pair.coach_name)
        ),
    )


def submit_note(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    note, pair = text(input_values(view), "note"), form_subject(view)

    def rule(session: Session) -> Decision[None]:
        now = actor.now()
        return Decision(
            None, notes.note_to_pair(session, actor.team_id, pair, actor.user_id, note, now)
        )

    submit(
        ack,
        actor,
        _coordinator(actor, rule),
        refused=OnField("note"),
        shown=lambda _: notice("Note sent", views.note_sent()),
    )


def member_changed(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A member was deactivated: if they coach, their learners and the coordinators
    hear of it (`coaching.relationships.coach_left`)."""
    user = event.get("user") or {}
    if not user.get("deleted") or not user.get("id"):
        return
    actor = actor_of(context, client)

    def rule(session: Session) -> Decision[None]:
        coordinators = actor.program(session).coordinators
        owed = relationships.coach_left(
            session, actor.team_id, str(user["id"]), actor.now(), coordinators
        )
        return Decision(None, owed)

    follow_through(actor, *decide(actor, rule))


def _compose_notice(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    payload = nudge.payload or {}
    coordinator = str(payload.get("coordinator") or "")
    if payload.get("what") == "coach_left":
        coach = session.get(Person, nudge.subject_id)
        names = (coach.name if coach else "A coach", "")
        count = figures.learners_told(session, nudge.subject_id)
        return Post(coordinator, nudge_views.program_notice("coach_left", names, count))
    pair = session.get(Relationship, nudge.subject_id)
    if pair is None:
        return Skip("the pair is gone")
    names = (pair.learner.name, pair.coach.name)
    return Post(coordinator, nudge_views.program_notice("term_concluded", names))


def _compose_digest(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    coordinator = str((nudge.payload or {}).get("coordinator") or "")
    tz = profiles.time_zone_of(session, nudge.team_id, coordinator)
    if not in_working_hours(now, tz):
        return Postpone(next_working_instant(now, tz))
    pairs = figures.at_risk(session, nudge.team_id, now.date())
    if not pairs:
        return Skip("no pair is at risk this week")
    text_, blocks = views.at_risk_digest(pairs)
    return Post(coordinator, text_, blocks)


def _compose_note(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    pair = session.get(Relationship, nudge.subject_id)
    payload = nudge.payload or {}
    if pair is None:
        return Skip("the pair is gone")
    message = nudge_views.pair_note(str(payload.get("coordinator")), str(payload.get("note")))
    if pair.group_channel:
        return Post(pair.group_channel, message)
    users = [pair.learner.slack_user_id or "", pair.coach.slack_user_id or ""]
    return PostToGroup(users, message)


def _compose_export(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    user = str((nudge.payload or {}).get("user") or nudge.channel_key or "")
    files = export.export(session, nudge.team_id)
    return Upload(user, views.export_note(list(files)), files)


COMPOSERS: dict[Kind, Composer] = {
    Kind.EXPORT: _compose_export,
    Kind.PROGRAM_NOTICE: _compose_notice,
    Kind.AT_RISK_DIGEST: _compose_digest,
    Kind.PAIR_NOTE: _compose_note,
}


def export_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """Only a coordinator's click sends the export; anyone else's does nothing."""
    ack()
    actor = actor_of(context, client, body)
    if actor.run(actor.is_coordinator):
        send_export(actor)


def confirm_removal(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    target = str(body["actions"][0].get("value", ""))
    act(
        ack,
        respond,
        actor,
        _coordinator(
            actor,
            lambda s: removal.remove_person(s, actor.team_id, target, actor.user_id, actor.now()),
        ),
        then=lambda rows: respond(replace_original=True, text=views.removed(target, rows)),
    )
