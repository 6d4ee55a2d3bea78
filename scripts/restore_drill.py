"""Restore drill (issue 17): back up, write more, destroy, restore to the latest point and to an
earlier time, and verify resource counts per type and the transparency log root each time.

    .venv/bin/python scripts/restore_drill.py [--backend sqlite|postgres|both] [--resources N]

Every step goes through `enlace backup ...` as an operator would run it; the data are written
in-process (the store's bulk path, log entries in the same transactions). PostgreSQL runs on a
throwaway cluster of its own (initdb in a temporary folder, WAL archiving on, as the `postgres`
account when run as root). Prints one JSON line of figures at the end; exit 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from enlace.bootstrap import build
from enlace.kernel.clock import fhir_instant
from enlace.kernel.settings import Settings
from enlace.modules.trace import append_entries
from enlace.store.bulk import PutItem
from enlace.store.local_cluster import ClusterError, LocalCluster, throwaway_cluster

ENLACE = str(Path(sys.executable).with_name("enlace"))
BATCH = 500


@dataclass
class Store:
    """The store under drill: its environment for `enlace`, and how to destroy and revive it."""

    env: dict[str, str]
    root: Path
    written: int = 0
    figures: dict[str, Any] = field(default_factory=dict)

    def enlace(self, *args: str) -> str:
        done = subprocess.run(
            [ENLACE, *args], env=self.env, capture_output=True, text=True, timeout=3600
        )
        if done.returncode != 0:
            raise DrillFailed(f"enlace {' '.join(args)}: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def facts(self, name: str) -> Path:
        path = self.root / f"{name}.json"
        self.enlace("backup", "facts", "--out", str(path))
        return path

    def verify(self, facts: Path, label: str) -> None:
        print(f"  verify {label}: {self.enlace('backup', 'verify', str(facts)).strip()}")


class DrillFailed(Exception):
    pass


def write(store: Store, count: int, tag: str) -> None:
    """`count` resources (Patients and their Observations) and one log entry per batch."""
    settings = Settings.from_env(database_url=store.env["ENLACE_DATABASE_URL"], var_dir=store.root)
    services = build(settings)
    try:
        for start in range(0, count, BATCH):
            items = [_resource(tag, store.written + n) for n in range(min(BATCH, count - start))]
            with services.db.begin() as conn:
                services.repo.put_many(conn, [PutItem(r) for r in items])
                append_entries(conn, [f"{tag}:{store.written}:{len(items)}".encode()])
            store.written += len(items)
    finally:
        services.db.dispose()


def _resource(tag: str, n: int) -> dict[str, Any]:
    if n % 4 == 0:
        return {"resourceType": "Patient", "id": f"{tag}-{n}", "gender": "female"}
    return {
        "resourceType": "Observation",
        "id": f"{tag}-{n}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
        "subject": {"reference": f"Patient/{tag}-{n - n % 4}"},
        "valueQuantity": {"value": 90 + n % 60, "unit": "mg/dL"},
    }


def timed(store: Store, name: str, *args: str) -> None:
    started = time.perf_counter()
    store.enlace(*args)
    store.figures[name] = round(time.perf_counter() - started, 3)


# -- SQLite ------------------------------------------------------------------------------------


def sqlite_drill(resources: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="enlace-drill-sqlite-"))
    database = root / "enlace.db"
    env = {
        **os.environ,
        "ENLACE_VAR_DIR": str(root),
        "ENLACE_DATABASE_URL": f"sqlite:///{database}",
    }
    store = Store(env, root)
    try:
        print("sqlite: write A, snapshot 1")
        write(store, resources // 2, "a")
        store.enlace("backup", "create")
        between = datetime.now(UTC)
        time.sleep(0.05)
        print("sqlite: write B, snapshot 2 while C is being written")
        write(store, resources // 4, "b")
        writer = threading.Thread(target=write, args=(store, resources // 4, "c"))
        writer.start()
        timed(store, "snapshot_s", "backup", "create")
        writer.join()
        snapshots = sorted((root / "backups").glob("enlace-*.json"))
        first, last = snapshots[0], snapshots[-1]
        lost = _current_total(store) - _total(last)
        print(f"sqlite: destroy ({lost} resources written after the last snapshot are lost)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        timed(store, "restore_latest_s", "backup", "restore")
        store.verify(last, "latest snapshot")
        timed(store, "restore_earlier_s", "backup", "restore", "--at", fhir_instant(between))
        store.verify(first, f"at {fhir_instant(between)}")
        return {"resources": _total(last), "lost_after_last_snapshot": lost, **store.figures}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _total(facts: Path) -> int:
    counts = json.loads(facts.read_text())["counts"]
    return sum(n for kind, n in counts.items() if not kind.startswith("("))


def _current_total(store: Store) -> int:
    return _total(store.facts("now"))


# -- PostgreSQL --------------------------------------------------------------------------------


def _archive(pg: LocalCluster) -> Path:
    return pg.root / "wal-archive"


def _sql(pg: LocalCluster, statement: str, database: str = "postgres") -> str:
    import psycopg

    with psycopg.connect(pg.url(database), autocommit=True) as conn:
        cursor = conn.execute(statement)
        row = cursor.fetchone() if cursor.description else None
    return "" if row is None else str(row[0])


def _archive_wal(pg: LocalCluster) -> None:
    """WAL archiving on before the first start: point-in-time restore replays the archive."""
    _archive(pg).mkdir()
    pg.own(_archive(pg))
    with (pg.data / "postgresql.conf").open("a") as conf:
        conf.write(
            "wal_level = replica\narchive_mode = on\n"
            f"archive_command = 'test ! -f {_archive(pg)}/%f && cp %p {_archive(pg)}/%f'\n"
        )


def postgres_drill(resources: int) -> dict[str, Any]:
    with throwaway_cluster("enlace-drill-pg-", configure=_archive_wal) as pg:
        _sql(pg, "CREATE DATABASE enlace")
        env = {
            **os.environ,
            "ENLACE_VAR_DIR": str(pg.root / "var"),
            "ENLACE_DATABASE_URL": pg.url("enlace"),
        }
        store = Store(env, pg.root)
        print("postgres: write A, base backup")
        write(store, resources // 2, "a")
        timed(store, "base_backup_s", "backup", "create", "--dir", str(pg.root / "backups"))
        base = next((pg.root / "backups").glob("base-*"))
        print("postgres: write B, record; write C, record")
        write(store, resources // 4, "b")
        after_b = store.facts("after-b")
        time.sleep(1.0)  # commit times of B and C a clear second apart
        between = datetime.now(UTC)
        time.sleep(1.0)
        write(store, resources - resources // 2 - resources // 4, "c")
        after_c = store.facts("after-c")
        _archive_everything(pg)
        for label, at, facts in (("latest", None, after_c), ("earlier", between, after_b)):
            print(f"postgres: destroy, restore to the {label} point")
            pg.stop("immediate")
            shutil.rmtree(pg.data)
            started = time.perf_counter()
            args = [
                "--base",
                str(base),
                "--data-dir",
                str(pg.data),
                "--wal-archive",
                str(_archive(pg)),
            ]
            args += ["--owner", pg.user] if pg.user else []
            store.enlace("backup", "restore", *args, *(["--at", fhir_instant(at)] if at else []))
            pg.start()
            _wait_promoted(pg)
            store.figures[f"restore_{label}_s"] = round(time.perf_counter() - started, 3)
            store.verify(facts, label if at is None else f"at {fhir_instant(at)}")
        return {"resources": _total(after_c), **store.figures}


def _archive_everything(pg: LocalCluster) -> None:
    """Close the current WAL segment and wait until the archiver has copied it."""
    segment = _sql(pg, "SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + 60
    while not (_archive(pg) / segment).exists():
        if time.monotonic() > deadline:
            raise DrillFailed(f"WAL segment {segment} was not archived in 60 s")
        time.sleep(0.2)


def _wait_promoted(pg: LocalCluster) -> None:
    deadline = time.monotonic() + 600
    while _sql(pg, "SELECT pg_is_in_recovery()") == "True":
        if time.monotonic() > deadline:
            raise DrillFailed("recovery did not finish in 600 s")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--resources", type=int, default=4000)
    args = parser.parse_args()
    figures: dict[str, Any] = {"resources_asked": args.resources}
    try:
        if args.backend in ("sqlite", "both"):
            figures["sqlite"] = sqlite_drill(args.resources)
        if args.backend in ("postgres", "both"):
            figures["postgres"] = postgres_drill(args.resources)
    except (DrillFailed, ClusterError) as exc:
        print(f"restore drill FAILED: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"bench": "restore_drill", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
