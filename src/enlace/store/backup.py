"""Backups of the store, and restores to the latest point or to an earlier time (issue 17).

SQLite (the embedded store): `snapshot_sqlite` copies the database with SQLite's online backup
API in one step. In WAL mode that step reads one snapshot of the database — the copy is
consistent as of the moment it starts — while writers go on (they append to the WAL; only a
checkpoint waits). Point in time is periodic: snapshots named by their UTC time, and a restore to
time T takes the newest snapshot taken at or before T. Writes after the last snapshot are lost
with the file, so the snapshot interval is the recovery point objective (docs/operations.md).

PostgreSQL (production): `base_backup` runs `pg_basebackup` (plain format, WAL streamed into it,
so the backup is consistent by itself); the server archives every WAL segment
(`archive_mode = on`, `archive_command`), and `prepare_pg_restore` lays a base backup into an
empty data directory with a `restore_command` over the archive and, for a point in time, a
`recovery_target_time`. PostgreSQL then replays the archive when it starts and promotes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, func, select

from enlace.store.local_cluster import ClusterError, runuser
from enlace.store.schema import resource_history, resources

STAMP = "%Y%m%dT%H%M%S%fZ"
SQLITE_PREFIX = "enlace-"


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why."""


# -- what a backup is checked against -----------------------------------------------------------


def resource_counts(conn: Connection) -> dict[str, int]:
    """Current (not deleted) resources per type, and `(versions)`: every stored version."""
    r = resources.c
    query = (
        select(r.resource_type, func.count())
        .where(r.deleted.is_(False))
        .group_by(r.resource_type)
        .order_by(r.resource_type)
    )
    counts = {str(kind): int(n) for kind, n in conn.execute(query)}
    counts["(versions)"] = int(
        conn.execute(select(func.count()).select_from(resource_history)).scalar_one()
    )
    return counts


def sqlite_integrity(path: Path) -> str:
    """PRAGMA integrity_check of a database file: "ok" or the problems found."""
    with _sqlite_connect(path, readonly=True) as conn:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


# -- SQLite ------------------------------------------------------------------------------------


def read_only_engine(path: Path) -> Engine:
    """An engine on a snapshot file that cannot change it (not even its journal mode)."""
    return create_engine("sqlite://", creator=lambda: _sqlite_connect(path, readonly=True))


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise BackupError(f"not a SQLite file URL: {url}")
    return Path(url.split("///", 1)[1])


def snapshot_sqlite(database: Path, directory: Path, now: datetime) -> Path:
    """An online, consistent copy of `database` as `directory/enlace-<UTC time>.db`."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{SQLITE_PREFIX}{now.astimezone(UTC).strftime(STAMP)}.db"
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with _sqlite_connect(database, readonly=True) as source, _sqlite_connect(partial) as copy:
        source.backup(copy)  # pages=-1: one step, one read snapshot of the source
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    _fsync(partial)
    partial.rename(target)  # a crash mid-copy never leaves a file that looks like a snapshot
    return target


def sqlite_snapshots(directory: Path) -> list[tuple[datetime, Path]]:
    """The snapshots in `directory`, oldest first."""
    found = []
    for path in directory.glob(f"{SQLITE_PREFIX}*.db"):
        stamp = path.stem[len(SQLITE_PREFIX) :]
        try:
            taken = datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append((taken, path))
    return sorted(found)


def choose_snapshot(directory: Path, at: datetime | None) -> tuple[datetime, Path]:
    """The newest snapshot taken at or before `at` (the newest of all when `at` is None)."""
    snapshots = sqlite_snapshots(directory)
    eligible = [s for s in snapshots if at is None or s[0] <= at]
    if not eligible:
        when = "" if at is None else f" taken at or before {at.isoformat()}"
        raise BackupError(f"no snapshot{when} in {directory}")
    return eligible[-1]


def restore_sqlite(snapshot: Path, database: Path) -> None:
    """Put `snapshot` in place of `database` (the servers must be stopped). The old file and its
    WAL go first: a stale -wal beside the restored file would be replayed into it."""
    if sqlite_integrity(snapshot) != "ok":
        raise BackupError(f"snapshot {snapshot} fails integrity_check")
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_name(database.name + ".restoring")
    shutil.copyfile(snapshot, partial)
    _fsync(partial)
    for suffix in ("-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    partial.replace(database)


def _sqlite_connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


# -- PostgreSQL --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgRestorePlan:
    data_dir: Path
    target_time: datetime | None


def base_backup(url: str, directory: Path, now: datetime, run_as: str | None = None) -> Path:
    """`pg_basebackup` of the server at `url` into `directory/base-<UTC time>` (plain format,
    WAL streamed, fast checkpoint). `url` must be a libpq URL of a role with REPLICATION."""
    target = directory / f"base-{now.astimezone(UTC).strftime(STAMP)}"
    directory.mkdir(parents=True, exist_ok=True)
    libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
    command = ["pg_basebackup", "-d", libpq, "-D", str(target), "-Fp", "-X", "stream", "-c", "fast"]
    _run(command, run_as, directory)
    return target


def prepare_pg_restore(
    base: Path, data_dir: Path, wal_archive: Path, at: datetime | None, owner: str | None = None
) -> PgRestorePlan:
    """Lay `base` into `data_dir` (absent or empty) for recovery from `wal_archive`: to the end
    of the archive, or to `at`. Start PostgreSQL on `data_dir` afterwards; it replays and promotes."""
    if not (base / "PG_VERSION").exists():
        raise BackupError(f"{base} is not a plain-format base backup (no PG_VERSION)")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty: restore into an empty directory")
    shutil.copytree(base, data_dir, dirs_exist_ok=True)
    settings = [
        f"restore_command = 'cp {wal_archive}/%f %p'",
        "recovery_target_action = 'promote'",
    ]
    if at is not None:
        settings.append(f"recovery_target_time = '{at.astimezone(UTC).isoformat()}'")
    with (data_dir / "postgresql.auto.conf").open("a") as conf:
        conf.write("\n# enlace backup restore\n" + "\n".join(settings) + "\n")
    (data_dir / "recovery.signal").touch()
    data_dir.chmod(0o700)
    if owner:
        for path in [data_dir, *data_dir.rglob("*")]:
            shutil.chown(path, owner, owner)
    return PgRestorePlan(data_dir, at)


def _run(command: Sequence[str], run_as: str | None, directory: Path) -> None:
    if run_as:
        shutil.chown(directory, run_as, run_as)
        try:
            command = [runuser(), "-u", run_as, "--", *command]
        except ClusterError as exc:
            raise BackupError(str(exc)) from exc
    done = subprocess.run(list(command), capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
