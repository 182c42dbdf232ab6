"""The engine, the one sessionmaker, and applying migrations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import CLOCK_OPTION, Clock, system_clock

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


def normalize_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings hosting providers hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose errors and logs never show statement parameters (they can hold
    people's private words)."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            opened = OpenedFile(os.path.abspath(database))
            event.listen(engine, "do_connect", opened.check)
            event.listen(engine, "begin", opened.check)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class DatabaseFileChanged(SQLAlchemyError):
    """The SQLite file was deleted or replaced while the bot was running."""


@dataclass
class OpenedFile:
    """The SQLite file an engine opened, checked before every new connection and every
    transaction: it must still be there and be the same file (device and inode) as when
    first opened. Otherwise open connections would go on reading and writing a deleted
    file that no one will read again, and a new connection would create an empty one;
    instead the check raises, so the health check fails and every action gets the
    "nothing was changed" reply."""

    path: str
    identity: tuple[int, int] | None = None

    def check(self, *_event_args: Any) -> None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            if self.identity is None:
                return  # not created yet: the first connection creates it
            raise DatabaseFileChanged("the database file is gone") from None
        identity = (found.st_dev, found.st_ino)
        if self.identity is None:
            self.identity = identity
        elif identity != self.identity:
            raise DatabaseFileChanged("the database file was replaced")


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at the start of every transaction, so that two threads
    that read and then write wait their turn (busy timeout) instead of one failing with
    "database is locked" when it tries to upgrade a stale read."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine, clock: Clock = system_clock) -> sessionmaker[Session]:
    """The one session factory. Rows written through it are stamped by `clock` (the
    sandbox's moved clock, or a test's), never by the wall clock behind its back."""
    return sessionmaker(engine.execution_options(**{CLOCK_OPTION: clock}), expire_on_commit=False)


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`; safe to run at every start."""
    command.upgrade(alembic_config(engine), revision)


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
