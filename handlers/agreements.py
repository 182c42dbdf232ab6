"""Recording the agreement: `/coaching-agreement`, the group DM's button, the form,
signing or proposing changes in a DM, and the executed record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching import agreements, effects
from coaching.agreements import AgreementRefused, InvalidTerms, Terms
from coaching.effects import Kind
from coaching.lifecycle import MATCHED
from coaching.profiles import find_person
from handlers import ids
from handlers.delivery import Composer, Recorder, deliver
from handlers.forms import choices, clicked_id, input_values, mentioned_user, text
from handlers.home import refresh_homes
from handlers.runtime import runtime_of
from handlers.views import agreements as views
from scheduling.outbox import Outcome, Post, PostToGroup, Skip, Update
from storage.models import Agreement, Nudge, Person, Relationship
from storage.states import AgreementStatus, ChannelCopy


def register(app: App) -> None:
    app.command(ids.AGREEMENT.name)(agreement_command)
    app.action(ids.AGREEMENT_START)(start_button)
    app.action(ids.AGREEMENT_CHANGE)(change_button)
    app.action(ids.AGREEMENT_SIGN)(sign_button)
    app.action(ids.AGREEMENT_VIEW)(view_button)
    app.view(ids.AGREEMENT_FORM_VIEW)(submit_agreement)


def agreement_text(agreement: Agreement) -> views.AgreementText:
    relationship = agreement.relationship
    return views.AgreementText(
        agreement_id=agreement.id,
        version=agreement.version,
        status=agreement.status,
        learner_user=relationship.learner.slack_user_id or "",
        coach_user=relationship.coach.slack_user_id or "",
        terms=agreements.terms_of(agreement),
        learner_signed=agreement.learner_signed_at.date() if agreement.learner_signed_at else None,
        coach_signed=agreement.coach_signed_at.date() if agreement.coach_signed_at else None,
        executed=agreement.executed_at.date() if agreement.executed_at else None,
        term_ends=agreements.term_end(agreement),
    )


def _form(
    session: Session, context: BoltContext, relationship_id: int, user_id: str
) -> dict[str, Any]:
    terms = agreements.starting_terms(
        session, context.team_id or "", relationship_id, user_id, runtime_of(context).clock().date()
    )
    relationship = session.get(Relationship, relationship_id)
    assert relationship is not None
    other = (
        relationship.coach
        if relationship.learner.slack_user_id == user_id
        else relationship.learner
    )
    settings = runtime_of(context).program(session, context.team_id or "")
    note = views.channel_note(settings.channel, settings.channel_copy)
    return views.agreement_form(terms, relationship_id, other.name, note).to_dict()


def _pick_relationship(session: Session, team_id: str, user_id: str, text_: str) -> int:
    """The relationship the command means: the one with the mentioned person, or the
    user's only current one."""
    person = find_person(session, team_id, user_id)
    if person is None:
        raise AgreementRefused("You aren't in a coaching relationship yet. `/find-coach` to start.")
    query = select(Relationship).where(
        (Relationship.learner_id == person.id) | (Relationship.coach_id == person.id),
        Relationship.state.in_(MATCHED),
    )
    mention = mentioned_user(text_)
    candidates = list(session.scalars(query))
    if mention:
        candidates = [
            r for r in candidates if mention in (r.learner.slack_user_id, r.coach.slack_user_id)
        ]
    if len(candidates) == 1:
        return candidates[0].id
    if not candidates:
        raise AgreementRefused(
            "There's no current coaching relationship to record an agreement for."
            + (" Check the name you mentioned." if mention else "")
        )
    raise AgreementRefused(
        "You have more than one coaching relationship: name the other person, for example "
        "`/coaching-agreement @name`."
    )


def agreement_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            relationship_id = _pick_relationship(
                session, context.team_id or "", command["user_id"], command.get("text", "")
            )
            view = _form(session, context, relationship_id, command["user_id"])
    except AgreementRefused as refused:
        respond(str(refused))
        return
    client.views_open(trigger_id=command["trigger_id"], view=view)


def _refuse(respond: Respond, refused: Exception) -> None:
    respond(response_type="ephemeral", replace_original=False, text=str(refused))


def start_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    try:
        with runtime_of(context).sessions.begin() as session:
            view = _form(session, context, clicked_id(body), body["user"]["id"])
    except AgreementRefused as refused:
        _refuse(respond, refused)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def change_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = body["user"]["id"]
    try:
        with runtime_of(context).sessions.begin() as session:
            agreement = agreements.visible_agreement(
                session, context.team_id or "", clicked_id(body), user_id, frozenset()
            )
            view = _form(session, context, agreement.relationship_id, user_id)
    except AgreementRefused as refused:
        _refuse(respond, refused)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


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
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    team_id = context.team_id or ""
    relationship_id = int(view.get("private_metadata") or 0)
    terms = terms_from(view)
    try:
        with runtime.sessions.begin() as session:
            if agreements.repeats_draft(session, team_id, relationship_id, user_id, terms):
                ack()
                return
            draft = agreements.current_draft(session, relationship_id)
            previous = (draft.review_channel, draft.review_ts) if draft else (None, None)
            agreement = agreements.draft(
                session, team_id, relationship_id, user_id, terms, runtime.clock()
            )
            drafter = find_person(session, team_id, user_id)
            assert drafter is not None
            owed = agreements.drafted_effects(agreement, drafter, previous, view["id"])
            written = effects.record(session, team_id, owed, runtime.clock())
    except InvalidTerms as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except AgreementRefused as refused:
        ack(response_action="errors", errors={"confidentiality": str(refused)})
        return
    ack()
    deliver(client, context, written)


def sign_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    team_id = context.team_id or ""
    try:
        with runtime.sessions.begin() as session:
            signed = agreements.sign(
                session, team_id, clicked_id(body), body["user"]["id"], runtime.clock()
            )
            review = (signed.agreement.review_channel, signed.agreement.review_ts)
            settings = runtime.program(session, team_id)
            owed = agreements.signed_effects(
                session, signed, review, settings.channel, settings.channel_copy
            )
            written = effects.record(session, team_id, owed, runtime.clock())
            pair = signed.agreement.relationship
            parties = (pair.learner.slack_user_id, pair.coach.slack_user_id)
    except AgreementRefused as refused:
        _refuse(respond, refused)
        return
    deliver(client, context, written)
    if signed.executed:
        refresh_homes(client, context, *parties)


def view_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """Every version of a pair's agreement, for the two of them and the coordinators."""
    ack()
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            agreement = agreements.visible_agreement(
                session,
                context.team_id or "",
                clicked_id(body),
                body["user"]["id"],
                runtime.program(session, context.team_id or "").coordinators,
            )
            draft = agreements.current_draft(session, agreement.relationship_id)
            shown = ([draft] if draft else []) + agreements.versions(
                session, agreement.relationship_id
            )
            records = [agreement_text(a) for a in shown]
    except AgreementRefused as refused:
        _refuse(respond, refused)
        return
    client.views_open(trigger_id=body["trigger_id"], view=views.record_view(records).to_dict())


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
    text, blocks = views.review_message(agreement_text(agreement), drafter)
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
    text, blocks = views.reviewed_message(agreement_text(agreement), outcome)
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
    record = agreement_text(agreement)
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
    record = agreement_text(agreement)
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
