"""Intro requests: the learner's request (from the gallery or `/request-intro @coach`),
the coach's answer in a DM (accept, ask a question, decline), and what each side hears."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.runtime import runtime_of
from coaching import gallery, intros
from coaching.intros import IntroDetails, IntroRefused, InvalidIntro
from coaching.matching import Filters, Match
from coaching.profiles import find_person
from handlers import ids
from handlers.forms import choices, clicked_id, input_values, mentioned_user, text
from handlers.home import refresh_homes
from handlers.views import agreements as agreement_views
from handlers.views import guide as guide_views
from handlers.views import intros as views
from handlers.views import search as search_views
from storage.models import Person, Relationship

logger = logging.getLogger(__name__)


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
) -> dict[str, Any]:
    """The request form, or `IntroRefused` if this learner may not ask this coach."""
    runtime = runtime_of(context)
    learner = intros.check_can_request(
        session, context.team_id or "", learner_user, coach, runtime.settings.max_open_requests
    )
    assert coach is not None and learner.learner is not None
    metadata = json.dumps({"coach": coach.id, "search": search_views.encode_filters(filters)})
    return views.intro_form(coach.name, metadata, list(learner.learner.coaching_kinds)).to_dict()


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
            coach = session.get(Person, int(action["value"]))
            view = _intro_form(session, context, body["user"]["id"], coach, filters)
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
        search=json.loads(metadata.get("search") or "{}"),
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
                max_open=runtime.settings.max_open_requests,
            )
            coach_user = request.coach.slack_user_id or ""
            coach_name = request.coach.name
            card = _card(request)
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
    if not new:
        return
    fallback, blocks = views.request_message(card)
    sent = client.chat_postMessage(channel=coach_user, text=fallback, blocks=blocks)
    with runtime.sessions.begin() as session:
        intros.record_coach_message(session, card.request_id, sent["channel"], sent["ts"])
    refresh_homes(client, context, body["user"]["id"], coach_user)


def _alternatives(
    session: Session, context: BoltContext, request: Relationship, exclude: int
) -> list[Match]:
    """Up to three other coaches who fit the search the learner made."""
    filters = search_views.decode_filters(json.dumps(request.search or {}))
    found = gallery.find_coaches(
        session,
        context.team_id or "",
        request.learner.slack_user_id or "",
        filters,
        runtime_of(context).clock(),
    )
    return [match for match in found.matches if match.coach.person_id != exclude][:3]


def accept_request(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    runtime = runtime_of(context)
    coach_user = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            request = intros.accept(
                session, context.team_id or "", clicked_id(body), coach_user, runtime.clock()
            )
            card = _card(request)
            first_call = request.first_call
    except IntroRefused as refused:
        respond(response_type="ephemeral", replace_original=False, text=views.mrkdwn(str(refused)))
        return
    fallback, blocks = views.answered_message(
        card, f"You accepted on <!date^{int(runtime.clock().timestamp())}^{{date_short}}|today>."
    )
    client.chat_update(
        channel=body["channel"]["id"], ts=body["message"]["ts"], text=fallback, blocks=blocks
    )
    group = client.conversations_open(users=[card.learner_user, coach_user])["channel"]["id"]
    intro = views.group_intro(card.learner_user, coach_user, first_call)
    client.chat_postMessage(
        channel=group,
        text=intro,
        blocks=[
            SectionBlock(text=intro).to_dict(),
            agreement_views.start_button(card.request_id).to_dict(),
        ],
    )
    with runtime.sessions.begin() as session:
        intros.record_group_channel(session, card.request_id, group)
    guide_text, guide_blocks = guide_views.first_conversation_guide(card.learner_name)
    client.chat_postMessage(channel=coach_user, text=guide_text, blocks=guide_blocks)
    accepted = views.accepted_for_learner(coach_user)
    client.chat_postMessage(
        channel=card.learner_user, text=accepted, blocks=guide_views.with_learner_tips(accepted)
    )
    refresh_homes(client, context, card.learner_user, coach_user)


def _check_coach(
    context: BoltContext, request_id: int, coach_user: str
) -> tuple[views.RequestCard | None, str | None]:
    with runtime_of(context).sessions.begin() as session:
        request = session.get(Relationship, request_id)
        if request is None or request.team_id != context.team_id:
            return None, "That request no longer exists."
        if request.coach.slack_user_id != coach_user:
            return None, "Only the coach this request was sent to can answer it."
        if request.state != "requested":
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
            learner_user = asked.relationship.learner.slack_user_id or ""
            question, question_id = asked.question, asked.id
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
    client.chat_postMessage(
        channel=learner_user,
        text=f"A coach has a question about your intro request: {views.mrkdwn(question, 200)}",
        blocks=views.question_for_learner(body["user"]["id"], question, question_id),
    )


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
            request = asked.relationship
            where = (request.coach_channel, request.coach_message_ts)
            coach_user = request.coach.slack_user_id or ""
            question, answer = asked.question, asked.answer or ""
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
    message = views.answer_for_coach(body["user"]["id"], question, answer)
    channel, thread = where
    client.chat_postMessage(channel=channel or coach_user, thread_ts=thread, text=message)


def open_decline(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _open_answer_form(body, client, context, respond, views.decline_form)


def submit_decline(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    values = input_values(view)
    suggested = text(values, "suggestion") or None
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
            )
            coach_name = declined.request.coach.name
            letters = []
            for request in [declined.request, *declined.also_declined]:
                reason = request.decline_reason if request is declined.request else ""
                alternatives = _alternatives(session, context, request, request.coach_id)
                letters.append(
                    (
                        _card(request),
                        (request.coach_channel, request.coach_message_ts),
                        views.declined_for_learner(
                            coach_name,
                            reason,
                            suggested if request is declined.request else None,
                            alternatives,
                        ),
                    )
                )
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
    outcome = views.declined_outcome(len(letters) - 1)
    for card, (channel, ts), letter in letters:
        if channel and ts:
            fallback, blocks = views.answered_message(card, outcome)
            try:
                client.chat_update(channel=channel, ts=ts, text=fallback, blocks=blocks)
            except SlackApiError as error:
                logger.warning("Could not update a request message: %s", error.response["error"])
        client.chat_postMessage(channel=card.learner_user, text=letter)
        refresh_homes(client, context, card.learner_user)
    refresh_homes(client, context, body["user"]["id"])
