"""Between check-ins: `/log-conversation` and the nudges' buttons (log, prepare,
debrief, tell my coach, renew or conclude, keep in touch)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import checkins, effects
from coaching.checkins import CheckinRefused, DebriefAnswers, InvalidEntry
from coaching.effects import Kind
from coaching.pairs import party_to
from coaching.profiles import find_person
from coaching.relationships import other_party
from handlers import agreements, ids, relationships
from handlers.delivery import Composer, deliver
from handlers.forms import clicked_id, input_values, mentioned_user, text
from handlers.home import refresh_homes
from handlers.runtime import runtime_of
from handlers.views import checkins as views
from scheduling.outbox import Outcome, Post, Skip
from storage.models import ActionItem, Conversation, Nudge, Person, Preparation

_LINK_BUTTON = re.compile(r"^link_")


def register(app: App) -> None:
    app.command(ids.LOG_CONVERSATION.name)(log_command)
    app.action(ids.LOG_START)(log_button)
    app.view(ids.LOG_VIEW)(submit_log)
    app.action(ids.PREPARE_START)(prepare_button)
    app.view(ids.PREPARE_VIEW)(submit_prepare)
    app.action(ids.PREPARE_SHARE)(share_preparation)
    app.action(ids.DEBRIEF_START)(debrief_button)
    app.view(ids.DEBRIEF_VIEW)(submit_debrief)
    app.action(ids.any_index(ids.FOLLOW_UP_START))(follow_up_button)
    app.view(ids.FOLLOW_UP_VIEW)(submit_follow_up)
    app.action(ids.KEEP_IN_TOUCH_START)(keep_in_touch_button)
    app.view(ids.KEEP_IN_TOUCH_VIEW)(submit_keep_in_touch)
    app.action(ids.RENEW)(agreements.start_button)
    app.action(ids.CONCLUDE)(relationships.end_button)
    app.action(_LINK_BUTTON)(acknowledge_link)


def acknowledge_link(ack: Ack) -> None:
    """Link buttons open their URL in the browser; Slack still expects an answer."""
    ack()


def _ephemeral(respond: Respond, message: str) -> None:
    respond(response_type="ephemeral", replace_original=False, text=message)


def _log_form(context: BoltContext, relationship_id: int, user_id: str) -> dict[str, Any]:
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        found = party_to(session, context.team_id or "", relationship_id, user_id)
        if found is None:
            raise CheckinRefused("That coaching relationship isn't one of yours.")
        relationship, person = found
        other = other_party(relationship, person)
        return views.log_form(relationship.id, other.name, runtime.clock().date()).to_dict()


def log_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = command["user_id"]
    mention = mentioned_user(command.get("text", ""))
    with runtime_of(context).sessions.begin() as session:
        pairs = checkins.current_pairs(session, context.team_id or "", user_id)
        if mention:
            pairs = [
                p for p in pairs if mention in (p.learner.slack_user_id, p.coach.slack_user_id)
            ]
        names = [(p.coach if p.learner.slack_user_id == user_id else p.learner).name for p in pairs]
        ids_ = [p.id for p in pairs]
    if not ids_:
        respond("There's no current coaching relationship to log a conversation for.")
        return
    if len(ids_) > 1:
        respond(views.choose_pair(names))
        return
    client.views_open(trigger_id=command["trigger_id"], view=_log_form(context, ids_[0], user_id))


def log_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    try:
        view = _log_form(context, clicked_id(body), body["user"]["id"])
    except CheckinRefused as refused:
        _ephemeral(respond, str(refused))
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_log(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    values = input_values(view)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            conversation, new = checkins.log_conversation(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                text(values, "happened_on"),
                text(values, "form"),
                request_key=view["id"],
                now=runtime.clock(),
            )
            owed = checkins.logged_effects(session, conversation) if new else []
            written = effects.record(session, conversation.team_id, owed, runtime.clock())
            parties = checkins.parties(session, conversation.relationship_id)
    except InvalidEntry as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except CheckinRefused as refused:
        ack(response_action="errors", errors={"happened_on": str(refused)})
        return
    ack()
    deliver(client, context, written)
    if new:
        refresh_homes(client, context, *parties)


def prepare_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    client.views_open(
        trigger_id=body["trigger_id"], view=views.prepare_form(clicked_id(body)).to_dict()
    )


def submit_prepare(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    values = input_values(view)
    user_id = body["user"]["id"]
    try:
        with runtime_of(context).sessions.begin() as session:
            preparation = checkins.prepare(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                text(values, "purpose"),
                text(values, "questions"),
            )
            learner = find_person(session, preparation.team_id, user_id)
            assert learner is not None
            owed = checkins.prepared_effects(preparation, learner)
            written = effects.record(session, preparation.team_id, owed, preparation.created_at)
    except checkins.Repeated:
        ack()
        return
    except InvalidEntry as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except CheckinRefused as refused:
        ack(response_action="errors", errors={"purpose": str(refused)})
        return
    ack()
    deliver(client, context, written)


def share_preparation(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            preparation, coach = checkins.share_preparation(
                session, context.team_id or "", clicked_id(body), user_id, runtime.clock()
            )
            owed = checkins.shared_preparation_effects(preparation, coach)
            written = effects.record(session, preparation.team_id, owed, runtime.clock())
            coach_user = coach.slack_user_id
    except CheckinRefused as refused:
        _ephemeral(respond, str(refused))
        return
    deliver(client, context, written)
    _ephemeral(respond, f"Shared with <@{coach_user}>.")


def debrief_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    conversation_id = clicked_id(body)
    try:
        with runtime_of(context).sessions.begin() as session:
            day = checkins.check_debrief(
                session, context.team_id or "", conversation_id, body["user"]["id"]
            )
    except CheckinRefused as refused:
        _ephemeral(respond, str(refused))
        return
    view = views.debrief_form(conversation_id, day).to_dict()
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_debrief(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    values = input_values(view)
    user_id = body["user"]["id"]
    answers = DebriefAnswers(**{name: text(values, name) for name in vars(DebriefAnswers())})
    try:
        with runtime_of(context).sessions.begin() as session:
            debrief, _items = checkins.save_debrief(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                answers,
            )
            learner = find_person(session, debrief.team_id, user_id)
            assert learner is not None
            owed = checkins.debriefed_effects(session, debrief, learner)
            written = effects.record(session, debrief.team_id, owed, runtime_of(context).clock())
    except InvalidEntry as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except CheckinRefused as refused:
        ack(response_action="errors", errors={"went_well": str(refused)})
        return
    ack()
    deliver(client, context, written)
    refresh_homes(client, context, user_id)


def follow_up_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    with runtime_of(context).sessions.begin() as session:
        item = checkins.action_for_learner(
            session, context.team_id or "", clicked_id(body), body["user"]["id"]
        )
        shown = (item.id, item.text) if item is not None else None
    if shown is None:
        _ephemeral(respond, "That one is already done, or it isn't yours.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=views.follow_up_form(*shown).to_dict())


def submit_follow_up(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    values = input_values(view)
    user_id = body["user"]["id"]
    did, happened = text(values, "did"), text(values, "happened")
    try:
        with runtime.sessions.begin() as session:
            owed = checkins.follow_up(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                did,
                happened,
                runtime.clock(),
            )
            written = effects.record(session, context.team_id or "", owed, runtime.clock())
    except InvalidEntry as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except CheckinRefused as refused:
        ack(response_action="errors", errors={"did": str(refused)})
        return
    ack()
    deliver(client, context, written)
    refresh_homes(client, context, user_id)


def keep_in_touch_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    with runtime_of(context).sessions.begin() as session:
        found = party_to(session, context.team_id or "", clicked_id(body), body["user"]["id"])
        allowed = found is not None and found[0].learner_id == found[1].id
        coach_name = found[0].coach.name if found is not None else ""
    if not allowed:
        _ephemeral(respond, "That coaching relationship isn't one of yours.")
        return
    view = views.keep_in_touch_form(clicked_id(body), coach_name).to_dict()
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_keep_in_touch(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    user_id = body["user"]["id"]
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            owed = checkins.keep_in_touch(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                user_id,
                text(input_values(view), "update"),
                runtime.clock(),
            )
            written = effects.record(session, context.team_id or "", owed, runtime.clock())
    except InvalidEntry as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except CheckinRefused as refused:
        ack(response_action="errors", errors={"update": str(refused)})
        return
    ack()
    deliver(client, context, written)


# -- the messages this flow owes, composed when they are sent ---------------------------


def _compose_logged(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    other = str((nudge.payload or {}).get("other") or "")
    if recipient is None or session.get(Conversation, nudge.subject_id) is None:
        return Skip("the conversation is gone")
    return Post(recipient.slack_user_id or "", views.logged(other))


def _compose_debriefed(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    if recipient is None:
        return Skip("the learner is gone")
    planned = checkins.commitments_of(session, nudge.subject_id)
    return Post(recipient.slack_user_id or "", views.debriefed(planned))


def _compose_prepared(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    preparation = session.get(Preparation, nudge.subject_id)
    if preparation is None or recipient is None:
        return Skip("the preparation is gone")
    text, blocks = views.prepared(preparation.id, preparation.purpose, preparation.questions)
    return Post(recipient.slack_user_id or "", text, blocks)


def _compose_shared(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    preparation = session.get(Preparation, nudge.subject_id)
    if preparation is None or recipient is None:
        return Skip("the preparation is gone")
    learner_user, _coach = checkins.parties(session, preparation.relationship_id)
    message = views.shared_preparation(
        learner_user or "", preparation.purpose, preparation.questions
    )
    return Post(recipient.slack_user_id or "", message)


def _compose_follow_up(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    item = session.get(ActionItem, nudge.subject_id)
    if item is None or recipient is None:
        return Skip("the commitment is gone")
    payload = nudge.payload or {}
    learner_user, _coach = checkins.parties(session, item.relationship_id)
    message = views.follow_up_for_coach(
        learner_user or "",
        item.text,
        str(payload.get("did") or ""),
        str(payload.get("happened") or ""),
    )
    return Post(recipient.slack_user_id or "", message)


def _compose_followed_up(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    if recipient is None:
        return Skip("the learner is gone")
    coach = str((nudge.payload or {}).get("coach") or "")
    return Post(recipient.slack_user_id or "", views.thanks_for_following_up(coach))


def _compose_update(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    payload = nudge.payload or {}
    if recipient is None:
        return Skip("the coach is gone")
    message = views.update_for_coach(str(payload.get("learner")), str(payload.get("update")))
    return Post(recipient.slack_user_id or "", message)


COMPOSERS: dict[Kind, Composer] = {
    Kind.LOGGED: _compose_logged,
    Kind.DEBRIEFED: _compose_debriefed,
    Kind.PREPARED: _compose_prepared,
    Kind.PREPARATION_SHARED: _compose_shared,
    Kind.FOLLOW_UP: _compose_follow_up,
    Kind.FOLLOWED_UP: _compose_followed_up,
    Kind.UPDATE_FOR_COACH: _compose_update,
}
