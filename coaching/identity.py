"""Who a Slack member is in the program.

Identity comes from Slack, never from what someone types. A member is linked to a
person row that has no Slack member yet (a coach imported from the roster before they
joined Slack) only when the e-mail address on their Slack profile, as Slack reports it,
is that row's address. A coordinator can link or unlink by hand; every link and unlink
is recorded in `identity_links`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.errors import Refused
from coaching.profiles import find_person, find_person_by_email
from storage.models import IdentityLink, Person
from storage.states import LinkAction, LinkSource


class IdentityRefused(Refused):
    """A coordinator's link or unlink can't be done; the message says why."""


def _record(
    session: Session,
    person: Person,
    slack_user_id: str,
    action: LinkAction,
    source: LinkSource,
    now: datetime,
    by_user: str | None = None,
) -> None:
    session.add(
        IdentityLink(
            team_id=person.team_id,
            person_id=person.id,
            slack_user_id=slack_user_id,
            email=person.email,
            action=action,
            source=source,
            by_user=by_user,
            at=now,
        )
    )


def recognise(
    session: Session, team_id: str, slack_user_id: str, slack_email: str | None, now: datetime
) -> Person | None:
    """The member's person in the program, or None if they have none yet.

    A member Slack vouches for with the address of a person who has no Slack member yet
    is linked to that person, and the link is recorded. `slack_email` must come from
    Slack (users.info or users.lookupByEmail), never from a form."""
    person = find_person(session, team_id, slack_user_id)
    email = (slack_email or "").strip().lower()
    if person is not None:
        if email and person.slack_email != email:
            person.slack_email = email
        return person
    if not email:
        return None
    row = session.scalar(
        select(Person).where(
            Person.team_id == team_id,
            Person.email == email,
            Person.slack_user_id.is_(None),
        )
    )
    if row is None:
        return None
    vouched(session, row, slack_user_id, email, now)
    return row


def vouched(
    session: Session, person: Person, slack_user_id: str, slack_email: str, now: datetime
) -> None:
    """Link `person` to the member Slack names as the owner of `slack_email` (users.info,
    users.lookupByEmail), and record the link."""
    person.slack_user_id = slack_user_id
    person.slack_email = slack_email
    session.flush()
    _record(session, person, slack_user_id, LinkAction.LINKED, LinkSource.SLACK_EMAIL, now)


@dataclass(frozen=True)
class Mismatch:
    """A member whose Slack address is not the one stored for them: their row may have
    been claimed by someone else, or their address changed."""

    person_id: int
    slack_user_id: str
    name: str
    stored_email: str
    slack_email: str | None
    """None: Slack no longer lists this member."""


def mismatches(
    session: Session, team_id: str, slack_emails: Mapping[str, str | None]
) -> list[Mismatch]:
    """Linked people whose stored address differs from the one in `slack_emails` (member
    id to the address Slack reports, as read from users.list)."""
    found = []
    for person in session.scalars(
        select(Person)
        .where(Person.team_id == team_id, Person.slack_user_id.is_not(None))
        .order_by(Person.name)
    ):
        assert person.slack_user_id is not None
        slack_email = slack_emails.get(person.slack_user_id)
        if (slack_email or "").strip().lower() != person.email.strip().lower():
            found.append(
                Mismatch(
                    person_id=person.id,
                    slack_user_id=person.slack_user_id,
                    name=person.name,
                    stored_email=person.email,
                    slack_email=slack_email,
                )
            )
    return found


def link(
    session: Session, team_id: str, slack_user_id: str, email: str, by_user: str, now: datetime
) -> Person:
    """A coordinator links a member to the person with this address, by hand."""
    email = email.strip().lower()
    row = find_person_by_email(session, team_id, email)
    if row is None:
        raise IdentityRefused(f"No one in the program has the address {email}.")
    if row.slack_user_id == slack_user_id:
        raise IdentityRefused(f"That member is already linked to {email}.")
    if row.slack_user_id is not None:
        raise IdentityRefused(f"{email} is linked to another member; unlink them first.")
    if find_person(session, team_id, slack_user_id) is not None:
        raise IdentityRefused(
            "That member already has a profile of their own in the program; unlink or "
            "remove it first."
        )
    row.slack_user_id = slack_user_id
    row.slack_email = None
    session.flush()
    _record(session, row, slack_user_id, LinkAction.LINKED, LinkSource.COORDINATOR, now, by_user)
    return row


def unlink(
    session: Session, team_id: str, slack_user_id: str, by_user: str, now: datetime
) -> Person:
    """A coordinator detaches a member from their person row; the row and its history
    stay, waiting for the right member (who is linked through their Slack address)."""
    person = find_person(session, team_id, slack_user_id)
    if person is None:
        raise IdentityRefused("That member is not linked to anyone in the program.")
    person.slack_user_id = None
    person.slack_email = None
    session.flush()
    _record(
        session, person, slack_user_id, LinkAction.UNLINKED, LinkSource.COORDINATOR, now, by_user
    )
    return person
