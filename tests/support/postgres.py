"""A throwaway PostgreSQL server for tests: its own cluster in a temp folder, on a free 127.0.0.1 port.

Why a real server: the office set-up (D5) shares one PostgreSQL database between desks, and SQL that
SQLite forgives (placeholders, quoting, types, conflicts) only fails on the real thing.

`initdb` refuses to run as root, so as root the cluster belongs to an unprivileged user (`postgres` when
the server package created it, else `nobody`) and the programs run through `runuser`. Tests are skipped,
with the reason, when the server programs or the driver are missing or the cluster does not start.

Use from a conftest.py: ``from tests.support.postgres import postgres_server, postgres_url  # noqa: F401``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "ctctdesk"
_START_TIMEOUT = 60


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.parent.name.split(".")],
    )
    for initdb in reversed(candidates):
        if (Path(initdb).parent / "pg_ctl").exists():
            return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd | None:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None  # user the programs run as (when the tests run as root)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / program), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=_START_TIMEOUT, cwd=self.root)

    def start(self) -> None:
        """initdb + pg_ctl start; raises RuntimeError with the programs' own words when it fails."""
        result = self._run(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {(result.stderr or result.stdout).strip()[-500:]}")
        # Only TCP on loopback, the socket in our own folder, and no durability (a throwaway cluster).
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        result = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w",
            "-t", str(_START_TIMEOUT), "start",
        )  # fmt: skip
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-500:] if self.log_file.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {(result.stderr or result.stdout).strip()} {log}")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres")
        try:
            connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def terminate_connections(self, database: str) -> None:
        """Drop every client connection to `database`, as a server restart would."""
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = "t_" + uuid.uuid4().hex[:12]
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server() -> PostgresServer:
    """Start a cluster or `pytest.skip` with the reason."""
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg2 (pip install -e '.[test]')")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="ctctdesk-pg-"))
    if os.geteuid() == 0:
        user = _unprivileged_user()
        if user is None or shutil.which("runuser") is None:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip(
                "running as root and no unprivileged user (postgres, nobody) or runuser to own the cluster"
            )
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = user.pw_name
    server = PostgresServer(bin_dir=bin_dir, root=root, port=_free_port(), run_as=run_as)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"the throwaway PostgreSQL cluster did not start: {error}")
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One cluster for the whole session, stopped and deleted at the end."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database of its own for one test (dropped afterwards)."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
