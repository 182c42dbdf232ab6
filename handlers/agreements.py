"""Recording the agreement: `/coaching-agreement`, the group DM's button, the form,
signing or proposing changes in a DM, and the executed record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from coaching import agreements
from coaching.agreements import AgreementText, Terms
from coaching.effects import Decision, Kind
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer, Recorder
from handlers.forms import choices, clicked_id, form_subject, input_values, mentioned_user, text
from handlers.listening import OnField, act, submit
from handlers.views import agreements as views
from scheduling.outbox import Outcome, Post, PostToGroup, Skip, Update
from storage.models import Agreement, Nudge, Person
from storage.states import AgreementStatus, ChannelCopy


def register(app: App) -> None:
    app.command(ids.AGREEMENT.name)(agreement_command)
    app.action(ids.AGREEMENT_START)(start_button)
    app.action(ids.AGREEMENT_CHANGE)(change_button)
    app.action(ids.AGREEMENT_SIGN)(sign_button)
    app.action(ids.AGREEMENT_VIEW)(view_button)
    app.view(ids.AGREEMENT_FORM_VIEW)(submit_agreement)


def _form(session: Session, actor: Actor, form: agreements.Form) -> View:
    settings = actor.program(session)
    note = views.channel_note(settings.channel, settings.channel_copy)
    return views.agreement_form(form.terms, form.relationship_id, form.other_name, note)


def agreement_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, command)
    mention = mentioned_user(command.get("text", ""))

    def rule(session: Session) -> View:
        relationship_id = agreements.meant(session, actor.team_id, actor.user_id, mention)
        return _form(session, actor, _form_for(session, actor, relationship_id))

    act(ack, respond, actor, rule, then=actor.open)


def _form_for(session: Session, actor: Actor, relationship_id: int) -> agreements.Form:
    today = actor.now().date()
    return agreements.form_for(session, actor.team_id, relationship_id, actor.user_id, today)


def start_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    act(
        ack,
        respond,
        actor,
        lambda s: _form(s, actor, _form_for(s, actor, clicked_id(body))),
        then=actor.open,
    )


def change_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)
    today = actor.now().date()

    def rule(session: Session) -> View:
        form = agreements.form_to_change(
            session, actor.team_id, clicked_id(body), actor.user_id, today
        )
        return _form(session, actor, form)

    act(ack, respond, actor, rule, then=actor.open)


def terms_from(view: dict[str, Any]) -> Terms:
    values = input_values(view)
    acknowledged = choices(values, "acknowledgements")
    return Terms(
        confidentiality=text(values, "confidentiality"),
        start_date=text(values, "start_date"),
        duration_months=text(values, "duration_months"),
        frequency=text(values, "frequency"),
        contact_forms=choices(values, "contact_forms"),
        coach_time=text(values, "coach_time"),
        coach_roles=choices(values, "coach_roles"),
        goals=text(values, "goals"),
        additional_points=text(values, "additional_points"),
        no_fault=views.NO_FAULT in acknowledged,
        learner_owns_choices=views.OWNS_CHOICES in acknowledged,
    )


def submit_agreement(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    relationship_id, terms = form_subject(view), terms_from(view)

    def rule(session: Session) -> Decision[None]:
        return agreements.submit_terms(
            session, actor.team_id, relationship_id, actor.user_id, terms, view["id"], actor.now()
        )

    submit(ack, actor, rule, refused=OnField("confidentiality"))


def sign_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, body)

    def rule(session: Session) -> Decision[None]:
        settings = actor.program(session)
        return agreements.sign_as_party(
            session,
            actor.team_id,
            clicked_id(body),
            actor.user_id,
            actor.now(),
            settings.channel,
            settings.channel_copy,
        )

    act(ack, respond, actor, rule)


def view_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """Every version of a pair's agreement, for the two of them and the coordinators."""
    actor = actor_of(context, client, body)

    def rule(session: Session) -> list[AgreementText]:
        admins = actor.program(session).coordinators
        return agreements.shown_to(session, actor.team_id, clicked_id(body), actor.user_id, admins)

    act(ack, respond, actor, rule, then=lambda records: actor.open(views.record_view(records)))


# -- the messages this flow owes, composed when they are sent ---------------------------


def _agreement(session: Session, nudge: Nudge) -> Agreement | None:
    return session.get(Agreement, nudge.subject_id)


def _compose_review(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    agreement = _agreement(session, nudge)
    if agreement is None or recipient is None or agreement.status != AgreementStatus.DRAFT:
        return Skip("the draft was signed, changed or removed before it was delivered")
    drafter = str((nudge.payload or {}).get("drafter") or "")
    text, blocks = views.review_message(agreements.text_of(agreement), drafter)
    return Post(recipient.slack_user_id or "", text, blocks)


def _compose_review_closed(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    agreement = _agreement(session, nudge)
    payload = nudge.payload or {}
    if agreement is None:
        return Skip("the agreement is gone")
    actor = payload.get("actor")
    done = "signed" if payload.get("outcome") == "signed" else "proposed changes"
    outcome = f"<@{actor}> {done}."
    text, blocks = views.reviewed_message(agreements.text_of(agreement), outcome)
    return Update(str(payload.get("channel")), str(payload.get("ts")), text, blocks)


def _compose_sent_for_signature(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    agreement = _agreement(session, nudge)
    if agreement is None or recipient is None:
        return Skip("the agreement is gone")
    other = str((nudge.payload or {}).get("other") or "")
    return Post(recipient.slack_user_id or "", views.sent_for_signature(other, agreement.version))


def _compose_record(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    agreement = _agreement(session, nudge)
    if agreement is None or agreement.executed_at is None:
        return Skip("the agreement is gone")
    record = agreements.text_of(agreement)
    text, blocks = views.executed_record(record)
    group = agreement.relationship.group_channel
    if group:
        return Post(group, text, blocks)
    return PostToGroup([record.learner_user, record.coach_user], text, blocks)


def _compose_copy(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    agreement = _agreement(session, nudge)
    if agreement is None or agreement.executed_at is None or not nudge.channel_key:
        return Skip("the agreement is gone")
    record = agreements.text_of(agreement)
    full = (nudge.payload or {}).get("copy") == ChannelCopy.FULL
    text, blocks = views.executed_record(record) if full else views.executed_notice(record)
    return Post(nudge.channel_key, text, blocks)


def _record_review(session: Session, nudge: Nudge, channel: str, ts: str | None) -> None:
    agreement = _agreement(session, nudge)
    if agreement is not None and ts:
        agreement.review_channel, agreement.review_ts = channel, ts


COMPOSERS: dict[Kind, Composer] = {
    Kind.AGREEMENT_REVIEW: _compose_review,
    Kind.REVIEW_CLOSED: _compose_review_closed,
    Kind.SENT_FOR_SIGNATURE: _compose_sent_for_signature,
    Kind.AGREEMENT_RECORD: _compose_record,
    Kind.AGREEMENT_COPY: _compose_copy,
}
RECORDERS: dict[Kind, Recorder] = {Kind.AGREEMENT_REVIEW: _record_review}
