"""The program's tables. Every row carries the Slack team it belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.clock import stamp
from storage.states import (
    ActionItemStatus,
    AgreementStatus,
    ChannelCopy,
    EnumText,
    LinkAction,
    LinkSource,
    NudgeStatus,
    RelationshipState,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC when read back, also on SQLite (which
    stores no offset and would hand back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; store aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        list[str]: JSON,
        dict[str, Any]: JSON,
    }


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    updated_at: Mapped[datetime] = mapped_column(default=stamp, onupdate=stamp)


class Person(Timestamped, Base):
    """Someone in the program: a learner, a coach, or both. Imported coaches may not
    have a Slack ID yet; they are linked when they first use the bot, through the e-mail
    address on their Slack profile (`slack_email`), never through what they type
    (`email` is the contact address they give)."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("team_id", "slack_user_id"),
        UniqueConstraint("team_id", "email"),
        Index("ix_people_team_updated", "team_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    slack_email: Mapped[str | None] = mapped_column(String(254))
    """The address Slack vouched for when this row was linked to `slack_user_id`."""
    phone: Mapped[str] = mapped_column(String(40), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(100), default="")
    time_zone: Mapped[str | None] = mapped_column(String(64))

    coach: Mapped[CoachProfile | None] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    learner: Mapped[LearnerProfile | None] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class CoachProfile(Timestamped, Base):
    __tablename__ = "coach_profiles"
    __table_args__ = (Index("ix_coach_profiles_team_updated", "team_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    years_in_local_government: Mapped[int] = mapped_column(Integer)
    education: Mapped[str] = mapped_column(Text, default="")
    why_coach: Mapped[str] = mapped_column(Text)
    prior_mentoring: Mapped[str] = mapped_column(Text, default="")
    expertise_other: Mapped[str] = mapped_column(String(200), default="")
    frequency: Mapped[str] = mapped_column(String(32))
    learner_preferences: Mapped[str] = mapped_column(Text, default="")
    extra_info: Mapped[str] = mapped_column(Text, default="")
    meeting_forms: Mapped[list[str]] = mapped_column(default=list)
    coaching_kinds: Mapped[list[str]] = mapped_column(default=list)
    max_learners: Mapped[int] = mapped_column(Integer, default=2)
    paused_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="coach")
    expertise: Mapped[list[CoachExpertise]] = relationship(
        cascade="all, delete-orphan", order_by="CoachExpertise.position", lazy="selectin"
    )

    @property
    def areas(self) -> list[str]:
        return [row.area for row in self.expertise]


class CoachExpertise(Base):
    """One of a coach's three strongest areas; a table of its own so search can filter by
    area with an index instead of reading every profile."""

    __tablename__ = "coach_expertise"

    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coach_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class LearnerProfile(Timestamped, Base):
    __tablename__ = "learner_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    why_coaching: Mapped[str] = mapped_column(Text)
    prior_experience: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(32))
    coach_preferences: Mapped[str] = mapped_column(Text, default="")
    hopes: Mapped[str] = mapped_column(Text, default="")
    coaching_kinds: Mapped[list[str]] = mapped_column(default=list)

    person: Mapped[Person] = relationship(back_populates="learner")


class Relationship(Timestamped, Base):
    """A learner and a coach, from the intro request to the end.

    One row carries the whole life: `requested` until the coach answers, then
    `exploring` (or `declined` / `expired` / `withdrawn`), `active` once the agreement
    is executed, `paused`, and finally `concluded`. At most one request between the same
    two people can be waiting at a time (a partial unique index), and `request_key`
    makes a retried or doubled submission land once.
    """

    __tablename__ = "relationships"
    __table_args__ = (
        UniqueConstraint("team_id", "request_key"),
        Index(
            "uq_relationships_one_pending",
            "team_id",
            "learner_id",
            "coach_id",
            unique=True,
            sqlite_where=text("state = 'requested'"),
            postgresql_where=text("state = 'requested'"),
        ),
        Index("ix_relationships_team_updated", "team_id", "updated_at"),
        Index("ix_relationships_coach_state", "coach_id", "state"),
        Index("ix_relationships_learner_state", "learner_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    state: Mapped[RelationshipState] = mapped_column(EnumText(RelationshipState))
    request_key: Mapped[str] = mapped_column(String(64))
    coaching_kind: Mapped[str] = mapped_column(String(32))
    hopes: Mapped[str] = mapped_column(Text, default="")
    first_call: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    search: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    coach_channel: Mapped[str | None] = mapped_column(String(32))
    coach_message_ts: Mapped[str | None] = mapped_column(String(32))
    group_channel: Mapped[str | None] = mapped_column(String(32))
    paused_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(Text, default="")
    """Private to the person who ended it; never shown to the other party."""
    next_plan_at: Mapped[datetime | None] = mapped_column(index=True)
    """When the scheduler next needs to look at this pair; the reminder run reads only
    the pairs whose time has come, so its cost follows what is due, not the total."""

    learner: Mapped[Person] = relationship(foreign_keys=[learner_id])
    coach: Mapped[Person] = relationship(foreign_keys=[coach_id])

    def replan(self, now: datetime) -> None:
        """Something changed: have the next reminder run look at this pair again."""
        self.next_plan_at = now

    questions: Mapped[list[RequestQuestion]] = relationship(
        back_populates="relationship", cascade="all, delete-orphan", order_by="RequestQuestion.id"
    )


class RequestQuestion(Base):
    """A coach's question about an intro request, and the learner's answer."""

    __tablename__ = "request_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    relationship: Mapped[Relationship] = relationship(back_populates="questions")


class Agreement(Timestamped, Base):
    """One version of a pair's statement of mutual understanding.

    A version is a `draft` until both have signed it (a proposed change rewrites the
    draft and clears the other signature), then `executed`; executing a later version
    makes the earlier one `superseded`, kept for the record."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("relationship_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[AgreementStatus] = mapped_column(EnumText(AgreementStatus))
    confidentiality: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date]
    duration_months: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(32))
    contact_forms: Mapped[list[str]] = mapped_column(default=list)
    coach_time: Mapped[str] = mapped_column(String(200), default="")
    coach_roles: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[str] = mapped_column(Text, default="")
    additional_points: Mapped[str] = mapped_column(Text, default="")
    drafted_by: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    learner_signed_at: Mapped[datetime | None]
    coach_signed_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    review_channel: Mapped[str | None] = mapped_column(String(32))
    review_ts: Mapped[str | None] = mapped_column(String(32))

    relationship: Mapped[Relationship] = relationship()


class Conversation(Base):
    """A conversation the pair had, as logged by either of them."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("relationship_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    happened_on: Mapped[date]
    form: Mapped[str] = mapped_column(String(32))
    logged_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    request_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class Debrief(Base):
    """The learner's private reflection after a conversation. Never shown to the coach or
    the coordinators, never exported."""

    __tablename__ = "debriefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    went_well: Mapped[str] = mapped_column(Text, default="")
    not_well: Mapped[str] = mapped_column(Text, default="")
    insights: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    willing_to_do: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class ActionItem(Base):
    """Something the learner committed to in a debrief, followed up at the next check-in."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    debrief_id: Mapped[int] = mapped_column(ForeignKey("debriefs.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ActionItemStatus] = mapped_column(
        EnumText(ActionItemStatus), default=ActionItemStatus.OPEN
    )
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    closed_at: Mapped[datetime | None]


class Nudge(Base):
    """One message the bot owes someone (the outbox): a follow-through effect of what a
    person did, written in the same transaction as the change, or a nudge the scheduler
    planned from stored rows. Claimed by one process, sent once, and recorded (or its
    failure and reason, for the coordinators)."""

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject_id", "recipient_id", "due_key"),
        Index("ix_nudges_status_deliver_at", "status", "deliver_at"),
        Index("ix_nudges_channel_key_status", "channel_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    """The row it is about: a relationship, a conversation (debrief prompt), an
    agreement, a question..., as its kind says."""
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    """The person it goes to; None for the program channel."""
    due_key: Mapped[str] = mapped_column(String(64))
    channel_key: Mapped[str | None] = mapped_column(String(64))
    """The Slack conversation a follow-through effect lands in; effects for one
    conversation are delivered in the order they were written. None for scheduled
    nudges, which need no order among themselves."""
    payload: Mapped[dict[str, Any] | None] = mapped_column()
    """What the rows will not hold at send time; cleared once sent."""
    deliver_at: Mapped[datetime]
    status: Mapped[NudgeStatus] = mapped_column(EnumText(NudgeStatus), default=NudgeStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    """Where the message landed, so a later effect can update it."""
    error: Mapped[str] = mapped_column(String(200), default="")
    handled_by: Mapped[str | None] = mapped_column(String(32))
    handled_at: Mapped[datetime | None]
    """A coordinator marked the failure handled."""
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class Preparation(Base):
    """A learner's purpose and questions for a coming check-in; private unless shared."""

    __tablename__ = "preparations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(Text)
    questions: Mapped[str] = mapped_column(Text, default="")
    shared_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class CoachabilityReflection(Base):
    """A learner's private coachability check: five traits rated 1 to 5, with optional
    notes by trait. Never shown to anyone else unless the learner shares it, and then
    only with their current coaches."""

    __tablename__ = "coachability_reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    self_awareness: Mapped[int] = mapped_column(Integer)
    open_to_learning: Mapped[int] = mapped_column(Integer)
    action_oriented: Mapped[int] = mapped_column(Integer)
    growth_mindset: Mapped[int] = mapped_column(Integer)
    beginners_mind: Mapped[int] = mapped_column(Integer)
    notes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shared_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class IdentityLink(Base):
    """The record of a Slack member being linked to, or unlinked from, a person in the
    program: automatically through their Slack e-mail, or by a coordinator's hand."""

    __tablename__ = "identity_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    action: Mapped[LinkAction] = mapped_column(EnumText(LinkAction))
    source: Mapped[LinkSource] = mapped_column(EnumText(LinkSource))
    by_user: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]


class Program(Base):
    """One workspace's program: its settings, edited by its coordinators in Slack, and
    whether the app is installed there now."""

    __tablename__ = "programs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    coordinators: Mapped[list[str]] = mapped_column(default=list)
    channel: Mapped[str | None] = mapped_column(String(32))
    channel_copy: Mapped[ChannelCopy] = mapped_column(
        EnumText(ChannelCopy), default=ChannelCopy.NOTICE
    )
    max_open_requests: Mapped[int] = mapped_column(Integer, default=3)
    retention_months: Mapped[int | None] = mapped_column(Integer)
    installed_at: Mapped[datetime | None]
    uninstalled_at: Mapped[datetime | None]
    """Set while the app is not installed: nothing is sent to the workspace."""
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(32))


class ProgramChange(Base):
    """Who changed which program setting, when, from what to what."""

    __tablename__ = "program_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime]
    setting: Mapped[str] = mapped_column(String(32))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")


class Removal(Base):
    """The record that a coordinator removed a person's data on request. It names who
    asked for the removal and when, not what was removed."""

    __tablename__ = "removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    removed_user: Mapped[str] = mapped_column(String(64))
    removed_by: Mapped[str] = mapped_column(String(32))
    rows_removed: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[datetime] = mapped_column(default=stamp)
