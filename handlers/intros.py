"""Intro requests: the learner's request (from the gallery or `/request-intro @coach`),
the coach's answer in a DM (accept, ask a question, decline), and what each side hears."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from coaching import gallery, intros
from coaching.effects import Decision, Kind
from coaching.gallery import SearchPage
from coaching.intros import IntroDetails
from coaching.lifecycle import State
from coaching.ranking import CoachCard, Filters
from handlers import ids
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer, Recorder
from handlers.forms import choices, clicked_id, form_subject, input_values, mentioned_user, text
from handlers.listening import AsNotice, act, ephemeral, opens_form, submit
from handlers.views import agreements as agreement_views
from handlers.views import guide as guide_views
from handlers.views import intros as views
from handlers.views import search as search_views
from handlers.views.text import date_token
from scheduling.outbox import Outcome, Post, PostToGroup, Skip, Update
from storage.models import Nudge, Person, Relationship, RequestQuestion


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


def _intro_form(coach: intros.Askable, filters: Filters, reply: str | None = None) -> View:
    """The request form; `reply` is the response_url of the search message the learner
    asked from."""
    metadata = json.dumps(
        {"coach": coach.coach_id, "search": search_views.encode_filters(filters), "reply": reply}
    )
    return views.intro_form(coach.coach_name, metadata, coach.coaching_kinds, coach.meeting_forms)


def request_intro_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    actor = actor_of(context, client, command)
    mention = mentioned_user(command.get("text", ""))
    if mention is None:
        ack()
        ephemeral(actor, respond, NAME_THE_COACH)
        return
    act(
        ack,
        respond,
        actor,
        lambda s: intros.askable(
            s, actor.team_id, actor.user_id, _max_open(s, actor), coach_user=mention
        ),
        then=lambda coach: actor.open(_intro_form(coach, Filters())),
    )


NAME_THE_COACH = (
    "Name the coach with an @-mention, for example `/request-intro @Carl Mendez`, "
    "or browse the gallery with `/find-coach`."
)


def _max_open(session: Session, actor: Actor) -> int:
    return actor.program(session).max_open_requests


def ask_intro_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """From a search result (a message) or a coach's profile (a modal, pushed over)."""
    actor = actor_of(context, client, body)
    filters = search_views.filters_from_block_id(body["actions"][0].get("block_id", ""))
    in_modal = body.get("view") is not None
    reply = None if in_modal else body.get("response_url")
    act(
        ack,
        respond,
        actor,
        lambda s: intros.askable(
            s, actor.team_id, actor.user_id, _max_open(s, actor), coach_id=clicked_id(body)
        ),
        then=lambda coach: (actor.push if in_modal else actor.open)(
            _intro_form(coach, filters, reply)
        ),
        in_modal=AsNotice("Can't ask") if in_modal else None,
    )


def _details(view: dict[str, Any], metadata: dict[str, Any]) -> IntroDetails:
    values = input_values(view)
    return IntroDetails(
        coaching_kind=text(values, "coaching_kind"),
        hopes=text(values, "hopes"),
        first_call=text(values, "first_call"),
        note=text(values, "note"),
        search=Filters.decoded(str(metadata.get("search") or "")),
    )


def submit_intro(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the request before acknowledging (field errors need the ack); the coach's DM
    goes out after, and only for a request this submission created."""
    actor = actor_of(context, client, body)
    metadata = json.loads(view.get("private_metadata") or "{}")
    coach_id, details = int(metadata.get("coach", 0)), _details(view, metadata)

    def rule(session: Session) -> Decision[intros.Requested]:
        most = _max_open(session, actor)
        return intros.submit_request(
            session, actor.team_id, actor.user_id, coach_id, details, view["id"], actor.now(), most
        )

    done = submit(ack, actor, rule, refused=AsNotice("Can't ask"), shown=_sent)
    if done is not None and done.value.new:
        _mark_requested(actor, view, metadata)


def _sent(requested: Decision[intros.Requested]) -> View:
    return views.request_sent(requested.value.coach_name)


def _mark_requested(actor: Actor, form: dict[str, Any], metadata: dict[str, Any]) -> None:
    """Where the learner asked from no longer offers to ask: the coach's profile under
    the form says the request is sent, and the search results are shown again without
    that coach, saying so."""
    filters = Filters.decoded(str(metadata.get("search") or ""))
    coach_id = int(metadata.get("coach", 0))
    coach, found = actor.run(
        lambda s: (
            gallery.coach_card(s, actor.team_id, coach_id),
            gallery.find_coaches(s, actor.team_id, actor.user_id, filters, actor.now()),
        )
    )
    if coach is None:
        return
    if form.get("previous_view_id"):
        profile = search_views.coach_profile(coach, filters, asked=True)
        actor.update({"id": form["previous_view_id"]}, profile)
    reply = metadata.get("reply")
    if isinstance(reply, str) and reply:
        _search_again(reply, coach, found)


def _search_again(reply: str, coach: CoachCard, found: SearchPage) -> None:
    """The search message the learner asked from, without the coach, saying so."""
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
    actor = actor_of(context, client, body)
    act(
        ack,
        respond,
        actor,
        lambda s: intros.accept_as_coach(
            s, actor.team_id, clicked_id(body), actor.user_id, actor.now(), _clicked_message(body)
        ),
    )


open_question = opens_form(
    intros.waiting_request,
    lambda card: views.question_form(card.relationship_id, card.learner_name),
)
"""The question form, for the coach a waiting request was sent to."""


def submit_question(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    question = text(input_values(view), "question")

    def rule(session: Session) -> Decision[None]:
        return intros.submit_question(
            session, actor.team_id, form_subject(view), actor.user_id, question, actor.now()
        )

    submit(ack, actor, rule, refused=AsNotice("Can't ask"))


open_answer = opens_form(
    intros.waiting_question, lambda asked: views.answer_form(asked.question_id, asked.question)
)


def submit_answer(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    answer = text(input_values(view), "answer")

    def rule(session: Session) -> Decision[None]:
        return intros.submit_answer(
            session, actor.team_id, form_subject(view), actor.user_id, answer, actor.now()
        )

    submit(ack, actor, rule, refused=AsNotice("Can't answer"))


open_decline = opens_form(
    intros.decline_choices,
    lambda choices: views.decline_form(
        choices.card.relationship_id, choices.card.learner_name, choices.suggestions
    ),
)
"""The decline form, offering the coaches with room the coach may suggest instead."""


def submit_decline(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context, client, body)
    values = input_values(view)
    suggestion = text(values, "suggestion")

    def rule(session: Session) -> Decision[None]:
        return intros.submit_decline(
            session,
            actor.team_id,
            form_subject(view),
            actor.user_id,
            actor.now(),
            reason=text(values, "reason"),
            pause=views.PAUSE_CHOICE in choices(values, "pause"),
            suggested=int(suggestion) if suggestion.isdecimal() else None,
        )

    submit(ack, actor, rule, refused=AsNotice("Can't decline"))


# -- the messages this flow owes, composed when they are sent ---------------------------


def _relationship(session: Session, nudge: Nudge) -> Relationship | None:
    return session.get(Relationship, nudge.subject_id)


def _compose_request(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = _relationship(session, nudge)
    if relationship is None or relationship.state != State.REQUESTED:
        return Skip("the request was answered, withdrawn or removed before it was delivered")
    text, blocks = views.request_message(intros.card_of(relationship))
    return Post(relationship.coach.slack_user_id or "", text, blocks)


def _compose_answered(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = _relationship(session, nudge)
    payload = nudge.payload or {}
    channel = payload.get("channel") or (relationship.coach_channel if relationship else None)
    ts = payload.get("ts") or (relationship.coach_message_ts if relationship else None)
    if relationship is None or not (channel and ts):
        return Skip("the request message was never delivered")
    if payload.get("outcome") == "accepted":
        outcome = f"You accepted on {date_token(datetime.fromisoformat(payload['at']))}."
    else:
        outcome = views.declined_outcome(int(payload.get("also") or 0))
    text, blocks = views.answered_message(intros.card_of(relationship), outcome)
    return Update(str(channel), str(ts), text, blocks)


def _compose_group_intro(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = _relationship(session, nudge)
    if relationship is None:
        return Skip("the relationship is gone")
    learner_user, coach_user = relationship.learner.slack_user_id, relationship.coach.slack_user_id
    if not (learner_user and coach_user):
        return Skip("one of the pair is not in Slack")
    intro = views.group_intro(learner_user, coach_user, relationship.first_call)
    blocks = [
        SectionBlock(text=intro).to_dict(),
        agreement_views.start_button(relationship.id).to_dict(),
    ]
    return PostToGroup([learner_user, coach_user], intro, blocks)


def _compose_coach_guide(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = _relationship(session, nudge)
    if relationship is None or recipient is None:
        return Skip("the relationship is gone")
    text, blocks = guide_views.first_conversation_guide(relationship.learner.name)
    return Post(recipient.slack_user_id or "", text, blocks)


def _compose_accepted(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = _relationship(session, nudge)
    if relationship is None or recipient is None:
        return Skip("the relationship is gone")
    accepted = views.accepted_for_learner(relationship.coach.slack_user_id or "")
    return Post(recipient.slack_user_id or "", accepted, guide_views.with_learner_tips(accepted))


def _compose_declined(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    relationship = _relationship(session, nudge)
    if relationship is None or recipient is None:
        return Skip("the request is gone")
    payload = nudge.payload or {}
    offered = intros.after_decline(session, relationship, payload.get("suggested"), now)
    text_, blocks = views.declined_for_learner(
        relationship.coach.name,
        relationship.decline_reason if payload.get("reason") else "",
        offered.suggested,
        offered.others,
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
    relationship = asked.relationship
    learner_user = relationship.learner.slack_user_id or ""
    still_open = relationship.state == State.REQUESTED
    message = views.answer_for_coach(learner_user, asked.question, asked.answer or "", still_open)
    channel = relationship.coach_channel or recipient.slack_user_id or ""
    return Post(channel, message, thread_ts=relationship.coach_message_ts)


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
