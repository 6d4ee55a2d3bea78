"""A PostgreSQL cluster of the test's own (initdb in a temporary folder) that it may restart
under load — never the shared server."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.live import free_port
from tests.support.postgres import PostgresUnavailable, _run, _unprivileged_user


@dataclass
class Cluster:
    root: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def pg_ctl(self, *args: str) -> None:
        _run(self.user, ["pg_ctl", "-D", str(self.data), *args])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg_ctl("-o", options, "-w", "-l", str(self.root / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        pytest.skip("PostgreSQL restart test skipped: no initdb/pg_ctl on PATH")
    root = Path(tempfile.mkdtemp(prefix="enlace-fault-pg-"))
    try:
        user = _unprivileged_user()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL restart test skipped: {exc}")
    if user:
        shutil.chown(root, user, user)
    cluster = Cluster(root, free_port(), user)
    _run(user, ["initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync"])
    cluster.start()
    try:
        yield cluster
    finally:
        _run(user, ["pg_ctl", "-D", str(cluster.data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(root, ignore_errors=True)
