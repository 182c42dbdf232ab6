"""Recording the agreement: `/coaching-agreement`, the group DM's button, the form,
signing or proposing changes in a DM, and the executed record."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.runtime import runtime_of
from coaching import agreements
from coaching.agreements import AgreementRefused, InvalidTerms, Terms
from coaching.lifecycle import MATCHED
from coaching.profiles import find_person
from handlers import ids
from handlers.forms import choices, clicked_id, input_values, mentioned_user, text
from handlers.home import refresh_homes
from handlers.views import agreements as views
from storage.models import Agreement, Relationship

logger = logging.getLogger(__name__)


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
    terms = agreements.starting_terms(session, context.team_id or "", relationship_id, user_id)
    relationship = session.get(Relationship, relationship_id)
    assert relationship is not None
    other = (
        relationship.coach
        if relationship.learner.slack_user_id == user_id
        else relationship.learner
    )
    return views.agreement_form(terms, relationship_id, other.name).to_dict()


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


def _close_review(
    client: WebClient,
    record: views.AgreementText,
    review: tuple[str | None, str | None],
    outcome: str,
) -> None:
    """Replace a review DM's buttons with what became of it."""
    channel, ts = review
    if not (channel and ts):
        return
    fallback, blocks = views.reviewed_message(record, outcome)
    try:
        client.chat_update(channel=channel, ts=ts, text=fallback, blocks=blocks)
    except SlackApiError as error:
        logger.warning("Could not update a review message: %s", error.response.get("error"))


def submit_agreement(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    team_id = context.team_id or ""
    try:
        with runtime.sessions.begin() as session:
            previous = None
            relationship_id = int(view.get("private_metadata") or 0)
            terms = terms_from(view)
            if agreements.repeats_draft(session, team_id, relationship_id, user_id, terms):
                ack()
                return
            draft = agreements.current_draft(session, relationship_id)
            if draft is not None:
                previous = (draft.review_channel, draft.review_ts, agreement_text(draft))
            agreement = agreements.draft(
                session,
                team_id,
                relationship_id,
                user_id,
                terms,
                runtime.clock(),
            )
            record = agreement_text(agreement)
            other_user = (
                record.coach_user if record.learner_user == user_id else record.learner_user
            )
            agreement_id = agreement.id
    except InvalidTerms as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except AgreementRefused as refused:
        ack(response_action="errors", errors={"confidentiality": str(refused)})
        return
    ack()
    if previous is not None:
        channel, ts, old = previous
        _close_review(client, old, (channel, ts), f"<@{user_id}> proposed changes.")
    fallback, blocks = views.review_message(record, user_id)
    sent = client.chat_postMessage(channel=other_user, text=fallback, blocks=blocks)
    with runtime.sessions.begin() as session:
        stored = session.get(Agreement, agreement_id)
        if stored is not None:
            stored.review_channel, stored.review_ts = sent["channel"], sent["ts"]
    client.chat_postMessage(
        channel=user_id, text=views.sent_for_signature(other_user, record.version)
    )


def sign_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            signed = agreements.sign(
                session,
                context.team_id or "",
                clicked_id(body),
                body["user"]["id"],
                runtime.clock(),
            )
            record = agreement_text(signed.agreement)
            group = signed.agreement.relationship.group_channel
            review = (signed.agreement.review_channel, signed.agreement.review_ts)
    except AgreementRefused as refused:
        _refuse(respond, refused)
        return
    _close_review(client, record, review, f"<@{body['user']['id']}> signed.")
    if not signed.executed:
        return
    refresh_homes(client, context, record.learner_user, record.coach_user)
    fallback, blocks = views.executed_record(record)
    channel = (
        group
        or client.conversations_open(users=[record.learner_user, record.coach_user])["channel"][
            "id"
        ]
    )
    client.chat_postMessage(channel=channel, text=fallback, blocks=blocks)
    program_channel = runtime.settings.program_channel
    if program_channel:
        try:
            client.chat_postMessage(channel=program_channel, text=fallback, blocks=blocks)
        except SlackApiError as error:
            logger.warning(
                "Could not copy an agreement to the program channel: %s",
                error.response.get("error"),
            )


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
                runtime.settings.program_admins,
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
