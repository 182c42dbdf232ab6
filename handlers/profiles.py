"""The profile flow: `/coaching-profile`, its summary modal, the coach and learner
forms, and pausing or limiting a coach."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from coaching import effects, profiles
from coaching.effects import Kind
from coaching.profiles import (
    CoachApplication,
    Contact,
    InvalidApplication,
    LearnerApplication,
    NotACoach,
    ProfileSummary,
)
from handlers import ids, members
from handlers.delivery import Composer, deliver
from handlers.forms import choices, input_values, text
from handlers.home import refresh_homes
from handlers.members import SlackMember
from handlers.runtime import runtime_of
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


def _summary(context: BoltContext, user_id: str) -> ProfileSummary:
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        return profiles.profile_summary(session, context.team_id or "", user_id)


def _metadata(member: SlackMember) -> str:
    """What Slack said of the member, carried to the submission (Slack returns a view's
    private_metadata as the app set it; people cannot change it)."""
    return json.dumps({"tz": member.time_zone, "email": member.email})


def _coach_form(context: BoltContext, member: SlackMember, user_id: str) -> dict[str, Any]:
    summary = _summary(context, user_id)
    application = summary.coach or CoachApplication(contact=summary.contact or member.contact)
    if summary.coach is None and summary.learner is not None:
        application.frequency = summary.learner.frequency
    return views.coach_form(application, _metadata(member)).to_dict()


def _learner_form(context: BoltContext, member: SlackMember, user_id: str) -> dict[str, Any]:
    summary = _summary(context, user_id)
    application = summary.learner or LearnerApplication(contact=summary.contact or member.contact)
    return views.learner_form(application, _metadata(member)).to_dict()


def profile_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = command["user_id"]
    word, _, rest = command.get("text", "").strip().partition(" ")
    member = members.recognise(client, context, user_id)
    match word.lower():
        case "":
            view = views.profile_summary(_summary(context, user_id)).to_dict()
            client.views_open(trigger_id=command["trigger_id"], view=view)
        case "coach":
            view = _coach_form(context, member, user_id)
            client.views_open(trigger_id=command["trigger_id"], view=view)
        case "learner":
            view = _learner_form(context, member, user_id)
            client.views_open(trigger_id=command["trigger_id"], view=view)
        case "pause" | "resume":
            respond(_set_paused(context, user_id, paused=word.lower() == "pause"))
        case "capacity":
            respond(_set_capacity(context, user_id, rest.strip()))
        case "help":
            respond(views.command_help())
        case _:
            respond(
                views.command_help(f"I don't know `{views.mrkdwn(word, 40)}`. Try one of these:")
            )


def _set_paused(context: BoltContext, user_id: str, *, paused: bool) -> str:
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            profiles.set_paused(session, context.team_id or "", user_id, paused, runtime.clock())
    except NotACoach:
        return views.NOT_A_COACH
    return views.paused_message(paused)


def _set_capacity(context: BoltContext, user_id: str, learners: str) -> str:
    runtime = runtime_of(context)
    try:
        with runtime.sessions.begin() as session:
            coach = profiles.set_capacity(session, context.team_id or "", user_id, learners)
            count = coach.max_learners
    except NotACoach:
        return views.NOT_A_COACH
    except InvalidApplication as invalid:
        return invalid.errors["max_learners"]
    return views.capacity_message(count)


def edit_coach(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    member = members.slack_member(client, body["user"]["id"])
    view = _coach_form(context, member, body["user"]["id"])
    client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)


def edit_learner(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    member = members.slack_member(client, body["user"]["id"])
    view = _learner_form(context, member, body["user"]["id"])
    client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)


def _refresh_summary(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    view = views.profile_summary(_summary(context, body["user"]["id"])).to_dict()
    client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)


def pause_from_summary(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _set_paused(context, body["user"]["id"], paused=True)
    _refresh_summary(body, client, context)


def resume_from_summary(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _set_paused(context, body["user"]["id"], paused=False)
    _refresh_summary(body, client, context)


def _contact(values: dict[str, str | list[str]]) -> Contact:
    return Contact(**{field: text(values, field) for field in ids.CONTACT_FIELDS})


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


def save_coach_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate and save before acknowledging, so errors show on their fields."""
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            profile = profiles.save_coach(
                session,
                context.team_id or "",
                user_id,
                coach_application(view),
                **_from_slack(view),
            )
            owed = profiles.saved_effects(profile.person, "coach", view["id"])
            written = effects.record(session, profile.team_id, owed, runtime.clock())
    except InvalidApplication as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    ack()
    deliver(client, context, written)
    refresh_homes(client, context, user_id)


def save_learner_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            profile = profiles.save_learner(
                session,
                context.team_id or "",
                user_id,
                learner_application(view),
                **_from_slack(view),
            )
            owed = profiles.saved_effects(profile.person, "learner", view["id"])
            written = effects.record(session, profile.team_id, owed, runtime.clock())
    except InvalidApplication as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    ack()
    deliver(client, context, written)
    refresh_homes(client, context, user_id)


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
