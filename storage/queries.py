"""Lookups that every flow shares."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session


class _TeamRow(Protocol):
    team_id: str


Row = TypeVar("Row", bound=_TeamRow)


def get_in_team(session: Session, model: type[Row], row_id: int, team_id: str) -> Row | None:
    """The row with this primary key if it belongs to `team_id`, else None.

    Ids arrive in buttons and forms; a request from one workspace may carry another's,
    so no row is looked up by id alone."""
    row = session.get(model, row_id)
    return row if row is not None and row.team_id == team_id else None
