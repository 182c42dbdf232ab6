"""The profile flow: `/coaching-profile`, its summary modal, the coach and learner
forms, and pausing or limiting a coach."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from coaching import profiles
from coaching.effects import Kind
from coaching.profiles import (
    CONTACT_FIELDS,
    CoachApplication,
    Contact,
    InvalidApplication,
    LearnerApplication,
    NotACoach,
    ProfileSummary,
)
from handlers import ids, members
from handlers.actor import Actor, actor_of
from handlers.delivery import Composer
from handlers.forms import choices, input_values, text
from handlers.listening import submit
from handlers.members import SlackMember
from handlers.views import guide as guide_views
from handlers.views import profiles as views
from scheduling.outbox import Outcome, Post, Skip
from storage.models import Nudge, Person


def register(app: App) -> None:
    app.command(ids.PROFILE.name)(profile_command)
    app.action(ids.EDIT_COACH)(edit_coach)
    app.action(ids.EDIT_LEARNER)(edit_learner)
    app.action(ids.PAUSE_COACHING)(pause_from_summary)
    app.action(ids.RESUME_COACHING)(resume_from_summary)
    app.view(ids.COACH_FORM_VIEW)(save_coach_form)
    app.view(ids.LEARNER_FORM_VIEW)(save_learner_form)


def _summary(actor: Actor) -> ProfileSummary:
    return actor.run(lambda s: profiles.profile_summary(s, actor.team_id, actor.user_id))


def _metadata(member: SlackMember) -> str:
    """What Slack said of the member, carried to the submission (Slack returns a view's
    private_metadata as the app set it; people cannot change it)."""
    return json.dumps({"tz": member.time_zone, "email": member.email})


def _coach_form(actor: Actor, member: SlackMember) -> View:
    summary = _summary(actor)
    application = summary.coach or CoachApplication(contact=summary.contact or member.contact)
    if summary.coach is None and summary.learner is not None:
        application.frequency = summary.learner.frequency
    return views.coach_form(application, _metadata(member))


def _learner_form(actor: Actor, member: SlackMember) -> View:
    summary = _summary(actor)
    application = summary.learner or LearnerApplication(contact=summary.contact or member.contact)
    return views.learner_form(application, _metadata(member))


def profile_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    actor = actor_of(context, client, command)
    word, _, rest = command.get("text", "").strip().partition(" ")
    member = members.recognise(actor)
    match word.lower():
        case "":
            actor.open(views.profile_summary(_summary(actor)))
        case "coach":
            actor.open(_coach_form(actor, member))
        case "learner":
            actor.open(_learner_form(actor, member))
        case "pause" | "resume":
            respond(_set_paused(actor, paused=word.lower() == "pause"))
        case "capacity":
            respond(_set_capacity(actor, rest.strip()))
        case "help":
            respond(views.command_help())
        case _:
            unknown = f"I don't know `{views.mrkdwn(word, 40)}`. Try one of these:"
            respond(views.command_help(unknown))


def _set_paused(actor: Actor, *, paused: bool) -> str:
    """The reply: what changed, or why nothing did."""
    try:
        actor.run(
            lambda s: profiles.set_paused(s, actor.team_id, actor.user_id, paused, actor.now())
        )
    except NotACoach as refused:
        return views.mrkdwn(str(refused))
    return views.paused_message(paused)


def _set_capacity(actor: Actor, learners: str) -> str:
    """The reply: the new limit, or why it can't be set."""
    try:
        count = actor.run(
            lambda s: profiles.set_capacity(s, actor.team_id, actor.user_id, learners).max_learners
        )
    except NotACoach as refused:
        return views.mrkdwn(str(refused))
    except InvalidApplication as invalid:
        return views.mrkdwn(invalid.errors["max_learners"])
    return views.capacity_message(count)


def edit_coach(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    actor = actor_of(context, client, body)
    actor.update(body["view"], _coach_form(actor, members.slack_member(client, actor.user_id)))


def edit_learner(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    actor = actor_of(context, client, body)
    actor.update(body["view"], _learner_form(actor, members.slack_member(client, actor.user_id)))


def _pause_from_summary(ack: Ack, body: dict[str, Any], actor: Actor, paused: bool) -> None:
    """Pause or resume from the profile summary, which then shows it."""
    ack()
    _set_paused(actor, paused=paused)
    actor.update(body["view"], views.profile_summary(_summary(actor)))


def pause_from_summary(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    _pause_from_summary(ack, body, actor_of(context, client, body), paused=True)


def resume_from_summary(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    _pause_from_summary(ack, body, actor_of(context, client, body), paused=False)


def _contact(values: dict[str, str | list[str]]) -> Contact:
    return Contact(**{field: text(values, field) for field in CONTACT_FIELDS})


def coach_application(view: dict[str, Any]) -> CoachApplication:
    values = input_values(view)
    return CoachApplication(
        contact=_contact(values),
        years_in_local_government=text(values, "years_in_local_government"),
        education=text(values, "education"),
        why_coach=text(values, "why_coach"),
        prior_mentoring=text(values, "prior_mentoring"),
        expertise=choices(values, "expertise"),
        expertise_other=text(values, "expertise_other"),
        frequency=text(values, "frequency"),
        learner_preferences=text(values, "learner_preferences"),
        extra_info=text(values, "extra_info"),
        meeting_forms=choices(values, "meeting_forms"),
        coaching_kinds=choices(values, "coaching_kinds"),
        max_learners=text(values, "max_learners"),
    )


def learner_application(view: dict[str, Any]) -> LearnerApplication:
    values = input_values(view)
    return LearnerApplication(
        contact=_contact(values),
        why_coaching=text(values, "why_coaching"),
        prior_experience=text(values, "prior_experience"),
        frequency=text(values, "frequency"),
        coach_preferences=text(values, "coach_preferences"),
        hopes=text(values, "hopes"),
        coaching_kinds=choices(values, "coaching_kinds"),
    )


def _from_slack(view: dict[str, Any]) -> dict[str, str | None]:
    """The time zone and address Slack gave when the form was opened (`_metadata`)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {}
    return {
        "time_zone": metadata.get("tz") if isinstance(metadata.get("tz"), str) else None,
        "slack_email": metadata.get("email") if isinstance(metadata.get("email"), str) else None,
    }


def _save(
    ack: Ack, actor: Actor, view: dict[str, Any], form: CoachApplication | LearnerApplication
) -> None:
    """Validate and save before acknowledging, so errors show on their fields."""
    submit(
        ack,
        actor,
        lambda s: profiles.submit_application(
            s, actor.team_id, actor.user_id, form, view["id"], **_from_slack(view)
        ),
    )


def save_coach_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    _save(ack, actor_of(context, client, body), view, coach_application(view))


def save_learner_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    _save(ack, actor_of(context, client, body), view, learner_application(view))


def _compose_saved(
    session: Session, nudge: Nudge, recipient: Person | None, now: datetime
) -> Outcome:
    if recipient is None:
        return Skip("the person is gone")
    role = str((nudge.payload or {}).get("role"))
    saved = views.saved_message(role)
    blocks = guide_views.with_coachability_offer(saved) if role == "learner" else []
    return Post(recipient.slack_user_id or "", saved, blocks)


COMPOSERS: dict[Kind, Composer] = {Kind.PROFILE_SAVED: _compose_saved}
