"""Between check-ins: `/log-conversation` and the nudges' buttons (log, prepare,
debrief, tell my coach, renew or conclude, keep in touch)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import checkins
from coaching.checkins import DebriefAnswers
from coaching.effects import Decision, Kind
from coaching.pairs import Pair
from handlers import agreements, ids, relationships
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer
from handlers.forms import clicked_id, form_subject, input_values, mentioned_user, text
from handlers.listening import OnField, act, ephemeral, opens_form, submit
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


def _log_form(actor: Actor, pair: Pair) -> None:
    actor.open(views.log_form(pair.relationship_id, pair.other_name, actor.now().date()))


def log_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """The form for the one pair the command means; with several, which to name."""
    actor = actor_of(context, client, command)
    mention = mentioned_user(command.get("text", ""))
    pairs = act(
        ack, respond, actor, lambda s: checkins.meant(s, actor.team_id, actor.user_id, mention)
    )
    if pairs is not None and len(pairs) == 1:
        _log_form(actor, pairs[0])
    elif pairs:
        ephemeral(actor, respond, views.choose_pair([pair.other_name for pair in pairs]))


def log_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    act(
        ack,
        respond,
        actor,
        lambda s: checkins.pair_for(s, actor.team_id, clicked_id(body), actor.user_id),
        then=lambda pair: _log_form(actor, pair),
    )


def submit_log(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    values = input_values(view)
    day, form = text(values, "happened_on"), text(values, "form")

    def rule(session: Session) -> Decision[None]:
        return checkins.submit_log(
            session,
            actor.team_id,
            form_subject(view),
            actor.user_id,
            day,
            form,
            view["id"],
            actor.now(),
        )

    submit(ack, actor, rule, refused=OnField("happened_on"))


def prepare_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    actor_of(context, client, body).open(views.prepare_form(clicked_id(body)))


def submit_prepare(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    values = input_values(view)
    purpose, questions = text(values, "purpose"), text(values, "questions")

    def rule(session: Session) -> Decision[None]:
        return checkins.submit_preparation(
            session, actor.team_id, form_subject(view), actor.user_id, purpose, questions
        )

    submit(ack, actor, rule, refused=OnField("purpose"))


def share_preparation(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    act(
        ack,
        respond,
        actor,
        lambda s: checkins.share_with_coach(
            s, actor.team_id, clicked_id(body), actor.user_id, actor.now()
        ),
        then=lambda shared: ephemeral(actor, respond, f"Shared with <@{shared.value}>."),
    )


def debrief_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    conversation_id = clicked_id(body)
    act(
        ack,
        respond,
        actor,
        lambda s: checkins.check_debrief(s, actor.team_id, conversation_id, actor.user_id),
        then=lambda day: actor.open(views.debrief_form(conversation_id, day)),
    )


def submit_debrief(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    values = input_values(view)
    answers = DebriefAnswers(**{name: text(values, name) for name in vars(DebriefAnswers())})

    def rule(session: Session) -> Decision[None]:
        return checkins.submit_debrief(
            session, actor.team_id, form_subject(view), actor.user_id, answers
        )

    submit(ack, actor, rule, refused=OnField("went_well"))


follow_up_button = opens_form(
    checkins.open_commitment, lambda item: views.follow_up_form(item.action_id, item.text)
)


def submit_follow_up(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    values = input_values(view)
    did, happened = text(values, "did"), text(values, "happened")

    def rule(session: Session) -> Decision[None]:
        return checkins.submit_follow_up(
            session, actor.team_id, form_subject(view), actor.user_id, did, happened, actor.now()
        )

    submit(ack, actor, rule, refused=OnField("did"))


keep_in_touch_button = opens_form(
    checkins.may_keep_in_touch,
    lambda pair: views.keep_in_touch_form(pair.relationship_id, pair.other_name),
)


def submit_keep_in_touch(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    update = text(input_values(view), "update")

    def rule(session: Session) -> Decision[None]:
        return checkins.submit_update(
            session, actor.team_id, form_subject(view), actor.user_id, update, actor.now()
        )

    submit(ack, actor, rule, refused=OnField("update"))


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
