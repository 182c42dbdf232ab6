"""What Slack vouches for about a member (users.info), and recognising them in the
program through it: a roster coach who joins Slack later finds her imported profile."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from coaching import identity
from coaching.profiles import Contact, find_person
from handlers.actor import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackMember:
    """A member as Slack describes them; `contact` pre-fills their forms."""

    contact: Contact = field(default_factory=Contact)
    email: str | None = None
    time_zone: str | None = None


def slack_member(client: WebClient, user_id: str) -> SlackMember:
    """The member's Slack profile; an empty one when Slack can't say."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        logger.warning("users.info failed: %s", error.response.get("error"))
        return SlackMember()
    profile = user.get("profile", {})
    email = str(profile.get("email") or "").strip().lower() or None
    contact = Contact(
        name=profile.get("real_name") or user.get("real_name") or user.get("name", ""),
        email=email or "",
        phone=profile.get("phone", ""),
        title=profile.get("title", ""),
    )
    return SlackMember(contact=contact, email=email, time_zone=user.get("tz"))


def slack_addresses(client: WebClient) -> dict[str, str | None]:
    """Every current member's Slack address (users.list, page by page); members Slack
    lists as deleted are left out."""
    addresses: dict[str, str | None] = {}
    for page in client.users_list(limit=200):
        for user in page.get("members", []):
            if user.get("deleted") or user.get("is_bot"):
                continue
            email = str(user.get("profile", {}).get("email") or "").strip().lower()
            addresses[str(user["id"])] = email or None
    return addresses


def recognise(actor: Actor) -> SlackMember:
    """Ask Slack who the actor is and link them to their roster row if Slack vouches
    for its address (`coaching.identity.recognise`)."""
    member = slack_member(actor.client, actor.user_id)
    actor.run(
        lambda s: identity.recognise(s, actor.team_id, actor.user_id, member.email, actor.now())
    )
    return member


def recognise_newcomer(actor: Actor) -> None:
    """`recognise`, asking Slack only about members the program does not know yet."""
    if actor.run(lambda s: find_person(s, actor.team_id, actor.user_id) is None):
        recognise(actor)
