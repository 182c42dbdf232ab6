"""The profile flow: `/coaching-profile`, its summary modal, the coach and learner
forms, and pausing or limiting a coach."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import runtime_of
from coaching import profiles
from coaching.profiles import (
    CoachApplication,
    Contact,
    InvalidApplication,
    LearnerApplication,
    NotACoach,
    ProfileSummary,
)
from handlers import ids
from handlers.forms import choices, input_values, text
from handlers.home import refresh_homes
from handlers.views import guide as guide_views
from handlers.views import profiles as views

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.command(ids.PROFILE.name)(profile_command)
    app.action(ids.EDIT_COACH)(edit_coach)
    app.action(ids.EDIT_LEARNER)(edit_learner)
    app.action(ids.PAUSE_COACHING)(pause_from_summary)
    app.action(ids.RESUME_COACHING)(resume_from_summary)
    app.view(ids.COACH_FORM_VIEW)(save_coach_form)
    app.view(ids.LEARNER_FORM_VIEW)(save_learner_form)


def _slack_contact(client: WebClient, user_id: str) -> tuple[Contact, str | None]:
    """What Slack knows of the user (name, title, e-mail, phone, time zone)."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        logger.warning("users.info failed for a profile form: %s", error.response.get("error"))
        return Contact(), None
    profile = user.get("profile", {})
    contact = Contact(
        name=profile.get("real_name") or user.get("real_name") or user.get("name", ""),
        email=profile.get("email", ""),
        phone=profile.get("phone", ""),
        title=profile.get("title", ""),
    )
    return contact, user.get("tz")


def _summary(context: BoltContext, user_id: str) -> ProfileSummary:
    runtime = runtime_of(context)
    with runtime.sessions.begin() as session:
        return profiles.profile_summary(session, context.team_id or "", user_id)


def _coach_form(context: BoltContext, client: WebClient, user_id: str) -> dict[str, Any]:
    summary = _summary(context, user_id)
    slack_contact, tz = _slack_contact(client, user_id)
    application = summary.coach or CoachApplication(contact=summary.contact or slack_contact)
    if summary.coach is None and summary.learner is not None:
        application.frequency = summary.learner.frequency
    return views.coach_form(application, json.dumps({"tz": tz})).to_dict()


def _learner_form(context: BoltContext, client: WebClient, user_id: str) -> dict[str, Any]:
    summary = _summary(context, user_id)
    slack_contact, tz = _slack_contact(client, user_id)
    application = summary.learner or LearnerApplication(contact=summary.contact or slack_contact)
    return views.learner_form(application, json.dumps({"tz": tz})).to_dict()


def profile_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    user_id = command["user_id"]
    word, _, rest = command.get("text", "").strip().partition(" ")
    match word.lower():
        case "":
            view = views.profile_summary(_summary(context, user_id)).to_dict()
            client.views_open(trigger_id=command["trigger_id"], view=view)
        case "coach":
            view = _coach_form(context, client, user_id)
            client.views_open(trigger_id=command["trigger_id"], view=view)
        case "learner":
            view = _learner_form(context, client, user_id)
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
    view = _coach_form(context, client, body["user"]["id"])
    client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)


def edit_learner(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    view = _learner_form(context, client, body["user"]["id"])
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


def _time_zone(view: dict[str, Any]) -> str | None:
    try:
        return json.loads(view.get("private_metadata") or "{}").get("tz")
    except ValueError:
        return None


def save_coach_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate and save before acknowledging, so errors show on their fields."""
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            profiles.save_coach(
                session,
                context.team_id or "",
                user_id,
                coach_application(view),
                time_zone=_time_zone(view),
            )
    except InvalidApplication as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    ack()
    client.chat_postMessage(channel=user_id, text=views.saved_message("coach"))
    refresh_homes(client, context, user_id)


def save_learner_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    runtime = runtime_of(context)
    user_id = body["user"]["id"]
    try:
        with runtime.sessions.begin() as session:
            profiles.save_learner(
                session,
                context.team_id or "",
                user_id,
                learner_application(view),
                time_zone=_time_zone(view),
            )
    except InvalidApplication as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    ack()
    saved = views.saved_message("learner")
    blocks = guide_views.with_coachability_offer(saved)
    client.chat_postMessage(channel=user_id, text=saved, blocks=blocks)
    refresh_homes(client, context, user_id)
