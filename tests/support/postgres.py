"""A throwaway PostgreSQL server for the tests, made from the machine's PostgreSQL binaries.

`postgres_server()` yields an admin URL and stops and deletes the server afterwards, errors
or not. `SB_TEST_POSTGRES_URL` points the tests at an existing server instead. Where no
server can be had it raises `PostgresUnavailable`, which the fixtures turn into a skip
(or into a failure when `SB_REQUIRE_POSTGRES=1`, as in CI).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

START_TIMEOUT = 30.0
SERVER_USER = "postgres"  # the OS user that runs the server when the tests run as root
SEARCH_GLOB = "/usr/lib/postgresql/*/bin"  # Debian and Ubuntu, one directory per version
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # Durability is pointless for a server that is deleted afterwards, and costs time.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
PORT_ATTEMPTS = 3
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes, and the socket is "<dir>/.s.PGSQL.<port>"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be had here; the message says why."""


def find_binaries() -> Path:
    """The directory with initdb, pg_ctl and postgres: from PATH, else the highest
    version under /usr/lib/postgresql."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        directory = Path(on_path).resolve().parent
        if _has_server_binaries(directory):
            return directory
    candidates = [Path(found) for found in glob.glob(SEARCH_GLOB)]
    candidates = [directory for directory in candidates if _has_server_binaries(directory)]
    if not candidates:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in "
            f"{SEARCH_GLOB}; apt-get install postgresql"
        )
    return max(candidates, key=_version_key)


def _has_server_binaries(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(directory: Path) -> tuple[int, ...]:
    """/usr/lib/postgresql/15/bin -> (15,); 9.6 -> (9, 6)."""
    return tuple(int(part) for part in re.findall(r"\d+", directory.parent.name))


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields the admin URL (`postgresql+psycopg://postgres@127.0.0.1:PORT/postgres`) of a
    fresh server, running until the block ends."""
    existing = os.environ.get("SB_TEST_POSTGRES_URL")
    if existing:
        yield _psycopg_url(make_url(existing))
        return
    binaries = find_binaries()
    runner = _Runner()
    workdir = Path(tempfile.mkdtemp(prefix="sb-postgres-", dir=_temp_base(runner)))
    data = workdir / "data"
    try:
        runner.give(workdir)
        runner.run(
            [
                str(binaries / "initdb"),
                f"--pgdata={data}",
                f"--username={SERVER_USER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=workdir,
            what="initdb",
        )
        port = _start(runner, binaries, data, workdir)
        url = _psycopg_url(
            URL.create(
                "postgresql+psycopg",
                username=SERVER_USER,
                host="127.0.0.1",
                port=port,
                database="postgres",
            )
        )
        _wait_until_ready(url)
        yield url
    finally:
        _stop(runner, binaries, data, workdir)
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Creates an empty database on the admin URL's server; returns its URL."""
    _check_name(name)
    with _connect(admin_url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _psycopg_url(make_url(admin_url).set(database=name))


def drop_database(admin_url: str, name: str) -> None:
    """Drops the database, disconnecting whoever is still connected to it."""
    _check_name(name)
    with _connect(admin_url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _check_name(name: str) -> None:
    """Plain names only, so that the name needs no quoting in SQL or in a URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"database name {name!r}: use lower-case letters, digits and _")


class _Runner:
    """Runs the server's programs as the current user, or as `postgres` when we are root
    (initdb and postgres refuse to run as root)."""

    def __init__(self) -> None:
        self.as_root = os.geteuid() == 0
        self.prefix: list[str] = []
        self.uid = os.geteuid()
        self.gid = os.getegid()
        if not self.as_root:
            return
        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root and there is no {SERVER_USER!r} OS user to run the server as"
            ) from None
        self.uid, self.gid = user.pw_uid, user.pw_gid
        runuser = shutil.which("runuser") or _existing("/usr/sbin/runuser", "/sbin/runuser")
        su = shutil.which("su") or _existing("/usr/bin/su", "/bin/su")
        if runuser:
            self.prefix = [runuser, "-u", SERVER_USER, "--"]
        elif su:
            self.prefix = [su, "-s", "/bin/sh", SERVER_USER, "-c"]
        else:
            raise PostgresUnavailable(
                f"running as root, and neither runuser nor su is there to become {SERVER_USER!r}"
            )

    def give(self, path: Path) -> None:
        if self.as_root:
            os.chown(path, self.uid, self.gid)
        path.chmod(0o700)

    def command(self, command: Sequence[str]) -> list[str]:
        if self.prefix and self.prefix[-1] == "-c":  # su takes one shell command line
            return [*self.prefix, shlex.join(command)]
        return [*self.prefix, *command]

    def run(self, command: Sequence[str], *, cwd: Path, what: str, log: Path | None = None) -> None:
        try:
            subprocess.run(
                self.command(command),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=True,
                timeout=START_TIMEOUT + 10,
            )
        except (OSError, subprocess.SubprocessError) as failure:
            output = getattr(failure, "stderr", None) or getattr(failure, "stdout", None) or b""
            detail = output.decode(errors="replace") if isinstance(output, bytes) else str(output)
            if log is not None and log.exists():
                detail += "\n" + log.read_text(errors="replace")
            detail = detail.strip()[-600:] or str(failure)
            raise PostgresUnavailable(f"{what} failed: {detail}") from failure


def _existing(*paths: str) -> str | None:
    return next((path for path in paths if os.access(path, os.X_OK)), None)


def _temp_base(runner: _Runner) -> str:
    """The temporary directory (TMPDIR) if the server's user can reach it and a socket
    path in it is short enough, else /tmp."""
    base = Path(tempfile.gettempdir()).resolve()
    if len(str(base)) + len("/sb-postgres-xxxxxxxx") + len("/.s.PGSQL.65535") > _SOCKET_PATH_MAX:
        return "/tmp"
    if runner.as_root:
        for directory in (base, *base.parents):
            mode = directory.stat()
            if not (mode.st_mode & stat.S_IXOTH or mode.st_uid == runner.uid):
                return "/tmp"
    return str(base)


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(runner: _Runner, binaries: Path, data: Path, workdir: Path) -> int:
    """Starts the server on a free port (another port if someone takes it first); returns
    the port once the server accepts connections."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = _free_port()
        options = [f"-p {port}", f"-k {shlex.quote(str(workdir))}"]
        options += [f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()]
        log = workdir / f"server-{port}.log"
        try:
            runner.run(
                [
                    str(binaries / "pg_ctl"),
                    "start",
                    f"--pgdata={data}",
                    f"--log={log}",
                    f"--options={' '.join(options)}",
                    "--wait",
                    f"--timeout={int(START_TIMEOUT)}",
                ],
                cwd=workdir,
                what="pg_ctl start",
                log=log,
            )
        except PostgresUnavailable as failure:
            if attempt == PORT_ATTEMPTS or "could not bind" not in str(failure):
                raise
            continue
        return port
    raise AssertionError("unreachable")


def _stop(runner: _Runner, binaries: Path, data: Path, workdir: Path) -> None:
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return
    stop = [str(binaries / "pg_ctl"), "stop", f"--pgdata={data}", "--mode=immediate", "--wait"]
    with suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            runner.command(stop),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=START_TIMEOUT,
        )
    if pid_file.exists():  # pg_ctl could not stop it: do it ourselves
        with suppress(OSError, ValueError, IndexError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def _wait_until_ready(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with _connect(url, timeout=2):
                return
        except psycopg.OperationalError as failure:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"the server never accepted connections: {failure}"
                ) from failure
            time.sleep(0.05)


def _connect(url: str, timeout: int = 10) -> psycopg.Connection[tuple[object, ...]]:
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(libpq_url, autocommit=True, connect_timeout=timeout)


def _psycopg_url(url: URL) -> str:
    """The URL with SQLAlchemy's psycopg 3 driver, password included."""
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
