"""A PostgreSQL server for tests: ENLACE_TEST_POSTGRES_URL, else a throwaway initdb cluster."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


class PostgresUnavailable(Exception):
    pass


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields an admin URL (database `postgres`) of a server the tests may create databases on."""
    configured = os.environ.get("ENLACE_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    with _throwaway_cluster() as url:
        yield url


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"enlace_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _throwaway_cluster() -> Iterator[str]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("no ENLACE_TEST_POSTGRES_URL and no initdb/pg_ctl on PATH")
    directory = Path(tempfile.mkdtemp(prefix="enlace-pg-"))
    run_as = _unprivileged_user()
    if run_as:
        shutil.chown(directory, run_as, run_as)
    port = _free_port()
    data = directory / "data"
    try:
        _run(run_as, [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"])
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            run_as,
            [pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(directory / "log"), "start"],
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise PostgresUnavailable(f"could not start a throwaway cluster: {exc}") from exc
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run(run_as, [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def _unprivileged_user() -> str | None:
    """initdb refuses to run as root; use the postgres (or nobody) account then."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and no unprivileged account for initdb")


def _run(user: str | None, command: list[str], check: bool = True) -> None:
    if user:
        command = ["runuser", "-u", user, "--", *command]
    subprocess.run(command, check=check, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
