"""A PostgreSQL cluster of one's own on this machine (initdb in a temporary folder, its own port
and socket directory): the restore drill (scripts/restore_drill.py) destroys and restores one, the
fault suite restarts one under load, and the tests start one when no server is configured. Never
the shared server. initdb refuses to run as root, so as root every command runs as the `postgres`
(or `nobody`) account."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ClusterError(Exception):
    """The cluster could not be made, started or driven (the message says which command)."""


@dataclass
class LocalCluster:
    root: Path
    port: int
    user: str | None  # the account commands run as (None: the current one)
    durable: bool = True  # False: fsync off, for tests whose data may be lost with the machine

    @property
    def data(self) -> Path:
        return self.root / "data"

    def run(self, *command: str, check: bool = True, timeout: float = 600) -> None:
        full = [runuser(), "-u", self.user, "--", *command] if self.user else list(command)
        try:
            done = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClusterError(f"{command[0]}: {exc}") from exc
        if check and done.returncode != 0:
            raise ClusterError(f"{command[0]}: {done.stderr.strip()}")

    def initdb(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off"
        log = str(self.root / "server.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "600", "-l", log, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def own(self, path: Path) -> None:
        """Hand a folder the server must write to (an archive, a restore target) to its account."""
        if self.user:
            shutil.chown(path, self.user, self.user)


@contextmanager
def throwaway_cluster(
    prefix: str = "enlace-pg-",
    durable: bool = True,
    configure: Callable[[LocalCluster], None] | None = None,
) -> Iterator[LocalCluster]:
    """initdb, `configure` (before the first start: postgresql.conf lines, folders), start; on
    exit an immediate stop and the folder removed. ClusterError when initdb/pg_ctl are missing or
    fail."""
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        raise ClusterError("no initdb/pg_ctl on PATH")
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        cluster = LocalCluster(root, free_port(), unprivileged_user(), durable)
        cluster.own(root)
        cluster.initdb()
        if configure is not None:
            configure(cluster)
        cluster.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def unprivileged_user() -> str | None:
    """None when not root; else the first of `postgres`, `nobody` that exists."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ClusterError("running as root and no unprivileged account for initdb")


def runuser() -> str:
    """runuser lives in /usr/sbin, which a CI job's PATH (/usr/local/bin:/usr/bin:/bin) lacks."""
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise ClusterError("running as root and no runuser to drop to an unprivileged account")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
