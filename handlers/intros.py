"""Intro requests: the learner's request (from the gallery or `/request-intro @coach`),
the coach's answer in a DM (accept, ask a question, decline), and what each side hears."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from coaching import effects, gallery, intros
from coaching.effects import Kind
from coaching.intros import IntroDetails, IntroRefused, InvalidIntro
from coaching.lifecycle import State
from coaching.matching import Filters, Match
from coaching.profiles import find_person
from handlers import ids
from handlers.delivery import Composer, Recorder, deliver
from handlers.forms import choices, clicked_id, input_values, mentioned_user, text
from handlers.home import refresh_homes
from handlers.runtime import runtime_of
from handlers.views import agreements as agreement_views
from handlers.views import guide as guide_views
from handlers.views import intros as views
from handlers.views import search as search_views
from handlers.views.text import date_token
from scheduling.outbox import Outcome, Post, PostToGroup, Skip, Update
from storage.models import Nudge, Person, Relationship, RequestQuestion
from storage.queries import get_in_team


def register(app: App) -> None:
    app.command(ids.REQUEST_INTRO.name)(request_intro_command)
    app.action(ids.ASK_INTRO)(ask_intro_button)
    app.view(ids.INTRO_FORM_VIEW)(submit_intro)
    app.action(ids.ACCEPT)(accept_request)
    app.action(ids.ASK_QUESTION)(open_question)
    app.view(ids.QUESTION_VIEW)(submit_question)
    app.action(ids.ANSWER)(open_answer)
    app.view(ids.ANSWER_VIEW)(submit_answer)
    app.action(ids.DECLINE)(open_decline)
    app.view(ids.DECLINE_VIEW)(submit_decline)


def _intro_form(
    session: Session,
    context: BoltContext,
    learner_user: str,
    coach: Person | None,
    filters: Filters,
    reply: str | None = None,
) -> dict[str, Any]:
    """The request form, or `IntroRefused` if this learner may not ask this coach.
    `reply` is the response_url of the search message the learner asked from."""
    runtime = runtime_of(context)
    learner = intros.check_can_request(
        session,
        context.team_id or "",
        learner_user,
        coach,
        runtime.program(session, context.team_id or "").max_open_requests,
    )
    assert coach is not None and coach.coach is not None and learner.learner is not None
    metadata = json.dumps(
        {"coach": coach.id, "search": search_views.encode_filters(filters), "reply": reply}
    )
    kinds, forms = list(learner.learner.coaching_kinds), list(coach.coach.meeting_forms)
    return views.intro_form(coach.name, metadata, kinds, forms).to_dict()


def request_intro_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    mention = mentioned_user(command.get("text", ""))
    if mention is None:
        respond(
            "Name the coach with an @-mention, for example `/request-intro @Carl Mendez`, "
            "or browse the gallery with `/find-coach`."
        )
        return
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            coach = find_person(session, context.team_id or "", mention)
            view = _intro_form(session, context, command["user_id"], coach, Filters())
    except IntroRefused as refused:
        respond(views.mrkdwn(str(refused)))
        return
    client.views_open(trigger_id=command["trigger_id"], view=view)


def ask_intro_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    action = body["actions"][0]
    runtime = runtime_of(context)
    filters = search_views.filters_from_block_id(action.get("block_id", ""))
    in_modal = body.get("view") is not None
    try:
        with runtime.sessions.begin() as session:
            coach = get_in_team(session, Person, int(action["value"]), context.team_id or "")
            reply = None if in_modal else body.get("response_url")
            view = _intro_form(session, context, body["user"]["id"], coach, filters, reply)
    except (IntroRefused, ValueError) as refused:
        message = (
            views.mrkdwn(str(refused))
            if isinstance(refused, IntroRefused)
            else "That coach is gone."
        )
        if in_modal:
            client.views_push(
                trigger_id=body["trigger_id"], view=views.notice("Can't ask", message).to_dict()
            )
        else:
            respond(response_type="ephemeral", replace_original=False, text=message)
        return
    if in_modal:
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def _card(request: Relationship) -> views.RequestCard:
    learner = request.learner
    return views.RequestCard(
        request_id=request.id,
        learner_user=learner.slack_user_id or "",
        learner_name=learner.name,
        learner_title=learner.title,
        learner_organization=learner.organization,
        learner_department=learner.department,
        learner_place=", ".join(part for part in (learner.city, learner.state) if part),
        why_coaching=learner.learner.why_coaching if learner.learner else "",
        coaching_kind=request.coaching_kind,
        hopes=request.hopes,
        first_call=request.first_call,
        note=request.note,
    )


def submit_intro(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the request before acknowledging (field errors need the ack); the coach's DM
    goes out after, and only for a request this submission created."""
    runtime = runtime_of(context)
    values = input_values(view)
    metadata = json.loads(view.get("private_metadata") or "{}")
    details = IntroDetails(
        coaching_kind=text(values, "coaching_kind"),
        hopes=text(values, "hopes"),
        first_call=text(values, "first_call"),
        note=text(values, "note"),
        search=Filters.decoded(str(metadata.get("search") or "")),
    )
    try:
        with runtime.sessions.begin() as session:
            request, new = intros.request_intro(
                session,
                context.team_id or "",
                body["user"]["id"],
                int(metadata.get("coach", 0)),
                details,
                request_key=view["id"],
                now=runtime.clock(),
                max_open=runtime.program(session, context.team_id or "").max_open_requests,
            )
            coach_user, coach_name = request.coach.slack_user_id, request.coach.name
            owed = intros.requested_effects(request) if new else []
            written = effects.record(session, request.team_id, owed, runtime.clock())
    except InvalidIntro as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except IntroRefused as refused:
        ack(
            response_action="update",
            view=views.notice("Can't ask", views.mrkdwn(str(refused))).to_dict(),
        )
        return
    ack(response_action="update", view=views.request_sent(coach_name).to_dict())
    deliver(client, context, written)
    if new:
        _mark_requested(client, context, body["user"]["id"], view, metadata)
        refresh_homes(client, context, body["user"]["id"], coach_user)


def _mark_requested(
    client: WebClient,
    context: BoltContext,
    learner_user: str,
    form: dict[str, Any],
    metadata: dict[str, Any],
) -> None:
    """Where the learner asked from no longer offers to ask: the coach's profile under
    the form says the request is sent, and the search results are shown again without
    that coach, saying so."""
    runtime = runtime_of(context)
    filters = Filters.decoded(str(metadata.get("search") or ""))
    with runtime.sessions.begin() as session:
        coach = gallery.coach_card(session, context.team_id or "", int(metadata.get("coach", 0)))
        found = gallery.find_coaches(
            session, context.team_id or "", learner_user, filters, runtime.clock()
        )
    if coach is not None and form.get("previous_view_id"):
        profile = search_views.coach_profile(coach, filters, asked=True).to_dict()
        client.views_update(view_id=form["previous_view_id"], view=profile)
    reply = metadata.get("reply")
    if coach is not None and isinstance(reply, str) and reply:
        note = f"✓ Your request is on its way to *{views.mrkdwn(coach.name, 150)}*."
        WebhookClient(reply).send(
            replace_original=True,
            text="Coaches who match your search",
            blocks=search_views.search_results(found, note),
        )


def _clicked_message(body: dict[str, Any]) -> tuple[str, str] | None:
    """Where the clicked button's message is, as Slack reports it."""
    channel = (body.get("channel") or {}).get("id")
    ts = (body.get("message") or {}).get("ts")
    return (str(channel), str(ts)) if channel and ts else None


def accept_request(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            request = intros.accept(
                session,
                context.team_id or "",
                clicked_id(body),
                body["user"]["id"],
                runtime.clock(),
            )
            learner_user = request.learner.slack_user_id
            owed = intros.accepted_effects(request, runtime.clock(), _clicked_message(body))
            written = effects.record(session, request.team_id, owed, runtime.clock())
    except IntroRefused as refused:
        respond(response_type="ephemeral", replace_original=False, text=views.mrkdwn(str(refused)))
        return
    deliver(client, context, written)
    refresh_homes(client, context, learner_user, body["user"]["id"])


def _check_coach(
    context: BoltContext, request_id: int, coach_user: str
) -> tuple[views.RequestCard | None, str | None]:
    with runtime_of(context).sessions.begin() as session:
        request = session.get(Relationship, request_id)
        if request is None or request.team_id != context.team_id:
            return None, "That request no longer exists."
        if request.coach.slack_user_id != coach_user:
            return None, "Only the coach this request was sent to can answer it."
        if request.state != State.REQUESTED:
            return None, str(intros.AlreadyAnswered(request))
        return _card(request), None


def _open_answer_form(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
    form: Callable[[int, str], View],
) -> None:
    """Open `form` for the coach a waiting request was sent to; anyone else is told why not."""
    card, problem = _check_coach(context, clicked_id(body), body["user"]["id"])
    if card is None:
        respond(response_type="ephemeral", replace_original=False, text=problem or "")
        return
    view = form(card.request_id, card.learner_name).to_dict()
    client.views_open(trigger_id=body["trigger_id"], view=view)


def open_question(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _open_answer_form(body, client, context, respond, views.question_form)


def submit_question(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    request_id = int(view.get("private_metadata") or 0)
    try:
        with runtime.sessions.begin() as session:
            asked = intros.ask_question(
                session,
                context.team_id or "",
                request_id,
                body["user"]["id"],
                text(input_values(view), "question"),
                runtime.clock(),
            )
            written = effects.record(
                session, asked.team_id, intros.asked_effects(asked), runtime.clock()
            )
    except intros.Repeated:
        ack()
        return
    except InvalidIntro as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except IntroRefused as refused:
        ack(
            response_action="update",
            view=views.notice("Can't ask", views.mrkdwn(str(refused))).to_dict(),
        )
        return
    ack()
    deliver(client, context, written)


def open_answer(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    question_id = clicked_id(body)
    with runtime_of(context).sessions.begin() as session:
        asked = intros.question_for_learner(
            session, context.team_id or "", question_id, body["user"]["id"]
        )
        question = asked.question if asked is not None else None
    if question is None:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="That question is no longer waiting for your answer.",
        )
        return
    client.views_open(
        trigger_id=body["trigger_id"], view=views.answer_form(question_id, question).to_dict()
    )


def submit_answer(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            asked = intros.answer_question(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                body["user"]["id"],
                text(input_values(view), "answer"),
                runtime.clock(),
            )
            written = effects.record(
                session, asked.team_id, intros.answered_effects(session, asked), runtime.clock()
            )
    except InvalidIntro as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except IntroRefused as refused:
        ack(
            response_action="update",
            view=views.notice("Can't answer", views.mrkdwn(str(refused))).to_dict(),
        )
        return
    ack()
    deliver(client, context, written)


def open_decline(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _open_answer_form(body, client, context, respond, _decline_form(context))


def _decline_form(context: BoltContext) -> Callable[[int, str], View]:
    """The decline form, offering the coaches with room the coach may suggest instead."""

    def form(request_id: int, learner_name: str) -> View:
        with runtime_of(context).sessions.begin() as session:
            request = session.get(Relationship, request_id)
            coach_id = request.coach_id if request else 0
            room = gallery.with_room(session, context.team_id or "", coach_id)
        return views.decline_form(request_id, learner_name, [(c.person_id, c.name) for c in room])

    return form


def submit_decline(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    values = input_values(view)
    suggestion = text(values, "suggestion")
    suggested = int(suggestion) if suggestion.isdigit() else None
    try:
        with runtime.sessions.begin() as session:
            declined = intros.decline(
                session,
                context.team_id or "",
                int(view.get("private_metadata") or 0),
                body["user"]["id"],
                runtime.clock(),
                reason=text(values, "reason"),
                pause=views.PAUSE_CHOICE in choices(values, "pause"),
                suggested=suggested,
            )
            owed = intros.declined_effects(declined, suggested)
            written = effects.record(session, declined.request.team_id, owed, runtime.clock())
            learners = [
                r.learner.slack_user_id for r in (declined.request, *declined.also_declined)
            ]
    except InvalidIntro as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except IntroRefused as refused:
        ack(
            response_action="update",
            view=views.notice("Can't decline", views.mrkdwn(str(refused))).to_dict(),
        )
        return
    ack()
    deliver(client, context, written)
    refresh_homes(client, context, body["user"]["id"], *learners)


# -- the messages this flow owes, composed when they are sent ---------------------------


def _request(session: Session, nudge: Nudge) -> Relationship | None:
    return session.get(Relationship, nudge.subject_id)


def _compose_request(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    request = _request(session, nudge)
    if request is None or request.state != State.REQUESTED:
        return Skip("the request was answered, withdrawn or removed before it was delivered")
    text, blocks = views.request_message(_card(request))
    return Post(request.coach.slack_user_id or "", text, blocks)


def _compose_answered(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    request = _request(session, nudge)
    payload = nudge.payload or {}
    channel = payload.get("channel") or (request.coach_channel if request else None)
    ts = payload.get("ts") or (request.coach_message_ts if request else None)
    if request is None or not (channel and ts):
        return Skip("the request message was never delivered")
    if payload.get("outcome") == "accepted":
        outcome = f"You accepted on {date_token(datetime.fromisoformat(payload['at']))}."
    else:
        outcome = views.declined_outcome(int(payload.get("also") or 0))
    text, blocks = views.answered_message(_card(request), outcome)
    return Update(str(channel), str(ts), text, blocks)


def _compose_group_intro(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    request = _request(session, nudge)
    if request is None:
        return Skip("the relationship is gone")
    learner_user, coach_user = request.learner.slack_user_id, request.coach.slack_user_id
    if not (learner_user and coach_user):
        return Skip("one of the pair is not in Slack")
    intro = views.group_intro(learner_user, coach_user, request.first_call)
    blocks = [
        SectionBlock(text=intro).to_dict(),
        agreement_views.start_button(request.id).to_dict(),
    ]
    return PostToGroup([learner_user, coach_user], intro, blocks)


def _compose_coach_guide(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    request = _request(session, nudge)
    if request is None or recipient is None:
        return Skip("the relationship is gone")
    text, blocks = guide_views.first_conversation_guide(request.learner.name)
    return Post(recipient.slack_user_id or "", text, blocks)


def _compose_accepted(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    request = _request(session, nudge)
    if request is None or recipient is None:
        return Skip("the relationship is gone")
    accepted = views.accepted_for_learner(request.coach.slack_user_id or "")
    return Post(recipient.slack_user_id or "", accepted, guide_views.with_learner_tips(accepted))


def _compose_declined(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    request = _request(session, nudge)
    if request is None or recipient is None:
        return Skip("the request is gone")
    payload = nudge.payload or {}
    suggested_id = payload.get("suggested")
    card = gallery.coach_card(session, request.team_id, int(suggested_id)) if suggested_id else None
    suggested = Match(card, 1.0, ("suggested by the coach you asked",)) if card else None
    exclude = {request.coach_id, card.person_id if card else 0}
    text_, blocks = views.declined_for_learner(
        request.coach.name,
        request.decline_reason if payload.get("reason") else "",
        suggested,
        gallery.alternatives(session, request, now, exclude),
    )
    return Post(recipient.slack_user_id or "", text_, blocks)


def _compose_question(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    asked = session.get(RequestQuestion, nudge.subject_id)
    if asked is None or recipient is None:
        return Skip("the question is gone")
    coach_user = asked.relationship.coach.slack_user_id or ""
    return Post(
        recipient.slack_user_id or "",
        f"A coach has a question about your intro request: {views.mrkdwn(asked.question, 200)}",
        views.question_for_learner(coach_user, asked.question, asked.id),
    )


def _compose_answer(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    asked = session.get(RequestQuestion, nudge.subject_id)
    if asked is None or recipient is None:
        return Skip("the question is gone")
    request = asked.relationship
    learner_user = request.learner.slack_user_id or ""
    still_open = request.state == State.REQUESTED
    message = views.answer_for_coach(learner_user, asked.question, asked.answer or "", still_open)
    channel = request.coach_channel or recipient.slack_user_id or ""
    return Post(channel, message, thread_ts=request.coach_message_ts)


def _record_request_message(session: Session, nudge: Nudge, channel: str, ts: str | None) -> None:
    if ts:
        intros.record_coach_message(session, nudge.subject_id, channel, ts)


def _record_group(session: Session, nudge: Nudge, channel: str, ts: str | None) -> None:
    intros.record_group_channel(session, nudge.subject_id, channel)


COMPOSERS: dict[Kind, Composer] = {
    Kind.INTRO_REQUEST: _compose_request,
    Kind.REQUEST_ANSWERED: _compose_answered,
    Kind.GROUP_INTRO: _compose_group_intro,
    Kind.COACH_GUIDE: _compose_coach_guide,
    Kind.LEARNER_ACCEPTED: _compose_accepted,
    Kind.DECLINED: _compose_declined,
    Kind.QUESTION: _compose_question,
    Kind.ANSWER: _compose_answer,
}
RECORDERS: dict[Kind, Recorder] = {
    Kind.INTRO_REQUEST: _record_request_message,
    Kind.GROUP_INTRO: _record_group,
}
