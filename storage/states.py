"""One enum per status column, and the column type that stores it as its text value.

The database keeps the plain words (`executed`, `pending`...), so existing rows and
reports read as before; code compares and assigns members, never string literals."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import String, TypeDecorator

E = TypeVar("E", bound=StrEnum)


class RelationshipState(StrEnum):
    """Where a pair is in its life cycle (coaching/lifecycle.py has the transitions)."""

    REQUESTED = "requested"
    EXPLORING = "exploring"
    ACTIVE = "active"
    PAUSED = "paused"
    CONCLUDED = "concluded"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class AgreementStatus(StrEnum):
    """A version is a draft until both sign it, then executed; a later executed version
    makes it superseded."""

    DRAFT = "draft"
    EXECUTED = "executed"
    SUPERSEDED = "superseded"


class ActionItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class NudgeStatus(StrEnum):
    """An outbox row: due (`pending`), taken by one process (`claimed`), then `sent`,
    `failed` (for the coordinators) or `skipped` (nothing left to send)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class LinkAction(StrEnum):
    LINKED = "linked"
    UNLINKED = "unlinked"


class LinkSource(StrEnum):
    SLACK_EMAIL = "slack_email"
    """Slack vouched for the address."""
    COORDINATOR = "coordinator"


class ChannelCopy(StrEnum):
    """What the program channel gets when a pair signs: a short notice, or the whole
    agreement."""

    NOTICE = "notice"
    FULL = "full"


class EnumText(TypeDecorator[E], Generic[E]):
    """A status column: stored as its member's text, read back as the member. Writing a
    word that is not one of the enum's raises, so a typo never reaches the database."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)
