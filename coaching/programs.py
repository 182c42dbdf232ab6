"""Each workspace's program and its settings: its coordinators, the program channel and
what it gets, the cap on waiting requests, how long to keep what ended, its name.

Settings live in the database, one row per workspace, edited by the coordinators in
Slack; each change is recorded. In single-workspace mode the row is seeded once from the
environment; after that the database wins. A program always keeps at least one
coordinator.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching import text
from coaching.errors import Invalid, Refused
from storage.models import Program, ProgramChange
from storage.states import ChannelCopy

MAX_REQUEST_CAP = 10
MAX_RETENTION_MONTHS = 120


@dataclass(frozen=True)
class ProgramSettings:
    name: str = ""
    coordinators: frozenset[str] = field(default_factory=frozenset)
    channel: str | None = None
    channel_copy: ChannelCopy = ChannelCopy.NOTICE
    max_open_requests: int = 3
    retention_months: int | None = None


NOT_A_COORDINATOR = "Sorry, that's only for the program's coordinators."


class InvalidSettings(Invalid):
    """The settings can't be saved; `errors` names each field and what is wrong."""


class NotACoordinator(Refused, PermissionError):
    """Refused; says nothing about the program."""

    def __init__(self) -> None:
        super().__init__(NOT_A_COORDINATOR)


def _settings(row: Program) -> ProgramSettings:
    return ProgramSettings(
        name=row.name,
        coordinators=frozenset(row.coordinators),
        channel=row.channel,
        channel_copy=row.channel_copy,
        max_open_requests=row.max_open_requests,
        retention_months=row.retention_months,
    )


def _row(session: Session, team_id: str, defaults: ProgramSettings, now: datetime) -> Program:
    row = session.get(Program, team_id)
    if row is None:
        row = Program(
            team_id=team_id,
            name=defaults.name,
            coordinators=sorted(defaults.coordinators),
            channel=defaults.channel,
            channel_copy=defaults.channel_copy,
            max_open_requests=defaults.max_open_requests,
            retention_months=defaults.retention_months,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def settings_for(
    session: Session, team_id: str, defaults: ProgramSettings, now: datetime
) -> ProgramSettings:
    """The program's settings: its row, or `defaults` until the program has one (the
    first change or install writes them; from then on the database wins). Reading
    writes nothing."""
    row = session.get(Program, team_id)
    return _settings(row) if row is not None else defaults


def settings_of(
    session: Session, team_ids: Collection[str], defaults: ProgramSettings
) -> dict[str, ProgramSettings]:
    """`settings_for` each of several programs, in one statement."""
    rows = session.scalars(select(Program).where(Program.team_id.in_(list(team_ids))))
    found = {row.team_id: _settings(row) for row in rows}
    return {team_id: found.get(team_id, defaults) for team_id in team_ids}


def check_coordinator(settings: ProgramSettings, user_id: str) -> None:
    if user_id not in settings.coordinators:
        raise NotACoordinator()


def cleaned(raw: dict[str, object]) -> ProgramSettings:
    """Settings as a coordinator entered them, checked; `InvalidSettings` names each
    field that is wrong."""
    fields = text.Fields()
    name = fields.line("name", str(raw.get("name") or ""), limit=text.SHORT)
    coordinators = frozenset(str(u) for u in raw.get("coordinators") or [])  # type: ignore[attr-defined]
    if not coordinators:
        fields.errors["coordinators"] = "A program needs at least one coordinator."
    elif not all(text.MEMBER_ID.match(member) for member in coordinators):
        fields.errors["coordinators"] = "Please choose members of this workspace."
    channel = str(raw.get("channel") or "") or None
    if channel is not None and not text.CHANNEL_ID.match(channel):
        fields.errors["channel"] = "Please choose a channel."
    copy = str(raw.get("channel_copy") or ChannelCopy.NOTICE)
    if copy not in set(ChannelCopy):
        fields.errors["channel_copy"] = "Please choose what the channel gets."
    cap = str(raw.get("max_open_requests") or "").strip()
    if not cap.isdecimal() or not 1 <= int(cap) <= MAX_REQUEST_CAP:
        fields.errors["max_open_requests"] = f"Please give a number from 1 to {MAX_REQUEST_CAP}."
    months = str(raw.get("retention_months") or "").strip()
    if months and (not months.isdecimal() or not 1 <= int(months) <= MAX_RETENTION_MONTHS):
        fields.errors["retention_months"] = (
            f"Please give a number of months from 1 to {MAX_RETENTION_MONTHS}, or leave it "
            "empty to keep everything."
        )
    if fields.errors:
        raise InvalidSettings(fields.errors)
    return ProgramSettings(
        name=name,
        coordinators=coordinators,
        channel=channel,
        channel_copy=ChannelCopy(copy),
        max_open_requests=int(cap),
        retention_months=int(months) if months else None,
    )


def update(
    session: Session,
    team_id: str,
    by: str,
    new: ProgramSettings,
    defaults: ProgramSettings,
    now: datetime,
) -> list[str]:
    """A coordinator saves the program's settings; returns the names of the settings
    that changed, each recorded with its old and new value."""
    row = _row(session, team_id, defaults, now)
    check_coordinator(_settings(row), by)
    if not new.coordinators:
        raise InvalidSettings({"coordinators": "A program needs at least one coordinator."})
    before, after = asdict(_settings(row)), asdict(new)
    changed = [name for name in after if before[name] != after[name]]
    for name in changed:
        session.add(
            ProgramChange(
                team_id=team_id,
                changed_by=by,
                changed_at=now,
                setting=name,
                before=_shown(before[name]),
                after=_shown(after[name]),
            )
        )
    row.name, row.coordinators = new.name, sorted(new.coordinators)
    row.channel, row.channel_copy = new.channel, new.channel_copy
    row.max_open_requests, row.retention_months = new.max_open_requests, new.retention_months
    row.updated_at, row.updated_by = now, by
    return changed


def _shown(value: object) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    return "" if value is None else str(value)


def installed(
    session: Session, team_id: str, installer: str, defaults: ProgramSettings, now: datetime
) -> ProgramSettings:
    """The app was installed (again) in a workspace: its program exists, and the
    installing member is its first coordinator if it has none."""
    row = _row(session, team_id, defaults, now)
    row.installed_at, row.uninstalled_at = now, None
    if not row.coordinators:
        row.coordinators = [installer]
        session.add(
            ProgramChange(
                team_id=team_id,
                changed_by=installer,
                changed_at=now,
                setting="coordinators",
                after=installer,
            )
        )
    return _settings(row)


def uninstalled(session: Session, team_id: str, now: datetime) -> None:
    """The app was removed from a workspace: nothing more is sent there; its data stays
    until the retention period, or an operator's export and removal."""
    row = session.get(Program, team_id)
    if row is not None:
        row.uninstalled_at = now


def is_installed(session: Session, team_id: str) -> bool:
    row = session.get(Program, team_id)
    return row is None or row.uninstalled_at is None


def all_settings(session: Session) -> dict[str, ProgramSettings]:
    """Every program's settings, by workspace."""
    return {row.team_id: _settings(row) for row in session.scalars(select(Program))}
