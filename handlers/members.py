"""What Slack vouches for about a member (users.info, users.lookupByEmail), and
recognising them in the program through it: a roster coach who joins Slack later finds
her imported profile."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from coaching import identity
from coaching.profiles import Contact, find_person
from handlers.actor import Actor

logger = logging.getLogger(__name__)

_LOOKUP_HINTS = {
    "missing_scope": "the app needs the users:read.email scope; reinstall it from the manifest",
    "ratelimited": "Slack asked to slow down",
}


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


class SlackDirectory:
    """`lookup_slack_id` for a roster import: the Slack member ID that owns an e-mail
    address.

    "No such user" is an answer (None). Any other failure is reported once through
    `report` and treated as not found, so the coach is imported unlinked and a later
    import links them. After a failure that will only repeat (a missing scope, a
    refused token, Slack unreachable), Slack is not asked again during this import.
    """

    def __init__(self, client: WebClient, report: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.report = report
        self.failures = 0
        self.reasons: list[str] = []
        """Why lookups failed, each once, without the addresses asked about."""
        self._gave_up = False

    def __call__(self, email: str) -> str | None:
        if self._gave_up:
            self.failures += 1
            return None
        try:
            user = self.client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            code = str(error.response.get("error") or error.response.status_code)
            if code == "users_not_found":
                return None
            self._failed(code, email, give_up=code != "ratelimited")
            return None
        except (SlackClientError, OSError) as error:
            self._failed(f"cannot reach Slack: {error}", email, give_up=True)
            return None
        if user.get("deleted") or user.get("is_bot"):
            return None
        return str(user["id"])

    def _failed(self, code: str, email: str, *, give_up: bool) -> None:
        self.failures += 1
        self._gave_up = give_up
        reason = f"{code}; {_LOOKUP_HINTS[code]}" if code in _LOOKUP_HINTS else code
        if reason in self.reasons:
            return
        self.reasons.append(reason)
        then = "no more coaches will be looked up in this run" if give_up else "carrying on"
        if self.report is not None:
            self.report(f"could not look {email} up in Slack ({reason}); {then}")
