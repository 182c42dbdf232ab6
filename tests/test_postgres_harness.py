"""The throwaway PostgreSQL server the tests run against: start it, create a database, use
it through SQLAlchemy, drop it, and stop the server, also when the block fails."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from support import postgres
from support.postgres import PostgresUnavailable, create_database, drop_database, postgres_server


def _unavailable(reason: PostgresUnavailable) -> NoReturn:
    if os.environ.get("SB_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here but unavailable: {reason}")
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@contextmanager
def _server() -> Iterator[str]:
    """postgres_server(), skipped (or failed under SB_REQUIRE_POSTGRES=1) where there is none."""
    with ExitStack() as stack:
        try:
            admin_url = stack.enter_context(postgres_server())
        except PostgresUnavailable as reason:
            _unavailable(reason)
        yield admin_url


def _assert_stopped(admin_url: str) -> None:
    if os.environ.get("SB_TEST_POSTGRES_URL"):
        return  # not ours to stop
    plain = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(plain, connect_timeout=2).close()


@pytest.mark.postgres
def test_a_database_on_the_throwaway_server_works_through_sqlalchemy() -> None:
    with _server() as admin_url:
        assert admin_url.startswith("postgresql+psycopg://")
        name = f"sb_harness_{uuid.uuid4().hex[:8]}"
        url = create_database(admin_url, name)
        assert url.startswith("postgresql+psycopg://")
        assert make_url(url).database == name

        engine = sa.create_engine(url)
        try:
            with engine.begin() as connection:
                assert connection.execute(sa.text("select 1")).scalar_one() == 1
                connection.execute(sa.text("create table notes (id int primary key, body text)"))
                connection.execute(
                    sa.text("insert into notes (id, body) values (:id, :body)"),
                    [{"id": 1, "body": "first"}, {"id": 2, "body": "zweite ✓"}],
                )
            with engine.connect() as connection:
                rows = connection.execute(sa.text("select id, body from notes order by id")).all()
                assert [tuple(row) for row in rows] == [(1, "first"), (2, "zweite ✓")]
                assert connection.execute(sa.text("show server_encoding")).scalar_one() == "UTF8"
        finally:
            engine.dispose()

        drop_database(admin_url, name)
        admin = sa.create_engine(admin_url)
        try:
            with admin.connect() as connection:
                left = connection.execute(
                    sa.text("select count(*) from pg_database where datname = :name"),
                    {"name": name},
                ).scalar_one()
        finally:
            admin.dispose()
        assert left == 0
    _assert_stopped(admin_url)


@pytest.mark.postgres
def test_the_server_is_stopped_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError, match="boom"), _server() as admin_url:
        create_database(admin_url, "sb_harness_open")
        raise RuntimeError("boom")
    _assert_stopped(admin_url)


def test_an_existing_server_url_is_used_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SB_TEST_POSTGRES_URL", "postgresql://ci:secret@db.example:6543/postgres")
    with postgres_server() as admin_url:
        assert admin_url == "postgresql+psycopg://ci:secret@db.example:6543/postgres"


def test_without_binaries_the_server_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SB_TEST_POSTGRES_URL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres, "SEARCH_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    with pytest.raises(PostgresUnavailable, match="apt-get install postgresql"), postgres_server():
        pass


def test_the_highest_installed_version_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for version in ("9.6", "15", "16", "17"):
        directory = tmp_path / "postgresql" / version / "bin"
        directory.mkdir(parents=True)
        # 17 is incomplete (a client-only install): no server there.
        for name in ("initdb", "pg_ctl") if version == "17" else ("initdb", "pg_ctl", "postgres"):
            (directory / name).touch(mode=0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(postgres, "SEARCH_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    assert postgres.find_binaries() == tmp_path / "postgresql" / "16" / "bin"
