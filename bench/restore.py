"""Backup and restore times for N resources, in process (no `enlace` start-up in the figures).

SQLite: online snapshot (backup API), restore (copy into place), facts (counts + log root from
nodes and entries). PostgreSQL (a throwaway cluster with WAL archiving, as in
scripts/restore_drill.py): pg_basebackup, then restore to the end of the archive (lay the base
backup, start, replay, promote) and facts. Prints one JSON line.

    nice -n 10 .venv/bin/python bench/restore.py --resources 20000 [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

from restore_drill import Store, cluster, write  # noqa: E402

from common import machine  # noqa: E402
from enlace.entrypoints.cli.backup_cli import _facts  # noqa: E402
from enlace.store import backup  # noqa: E402
from enlace.store.database import open_database  # noqa: E402


def _seconds(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def sqlite_figures(resources: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="enlace-bench-restore-"))
    database = root / "enlace.db"
    env = {**os.environ, "ENLACE_DATABASE_URL": f"sqlite:///{database}"}
    try:
        write(Store(env, root), resources, "r")
        started = time.perf_counter()
        snapshot = backup.snapshot_sqlite(database, root / "backups", datetime.now(UTC))
        snapshot_s = _seconds(started)
        database.unlink()
        started = time.perf_counter()
        backup.restore_sqlite(snapshot, database)
        restore_s = _seconds(started)
        db = open_database(f"sqlite:///{database}")
        started = time.perf_counter()
        facts = _facts(db.read_engine, database)
        facts_s = _seconds(started)
        db.dispose()
        return {
            "resources": sum(n for k, n in facts["counts"].items() if not k.startswith("(")),
            "file_mb": round(snapshot.stat().st_size / 2**20, 1),
            "snapshot_s": snapshot_s,
            "restore_s": restore_s,
            "facts_s": facts_s,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def postgres_figures(resources: int) -> dict[str, Any]:
    with cluster() as pg:
        pg.sql("CREATE DATABASE enlace")
        env = {**os.environ, "ENLACE_DATABASE_URL": pg.url()}
        write(Store(env, pg.root), resources, "r")
        started = time.perf_counter()
        base = backup.base_backup(pg.url(), pg.root / "backups", datetime.now(UTC))
        base_s = _seconds(started)
        pg.sql("SELECT pg_switch_wal()")
        time.sleep(2)  # the archiver copies the closed segment
        pg.stop("immediate")
        shutil.rmtree(pg.data)
        started = time.perf_counter()
        backup.prepare_pg_restore(base, pg.data, pg.archive, None, pg.user)
        pg.start()
        while pg.sql("SELECT pg_is_in_recovery()") == "True":
            time.sleep(0.1)
        restore_s = _seconds(started)
        db = open_database(pg.url())
        started = time.perf_counter()
        facts = _facts(db.read_engine, None)
        facts_s = _seconds(started)
        db.dispose()
        size = sum(p.stat().st_size for p in base.rglob("*") if p.is_file())
        return {
            "resources": sum(n for k, n in facts["counts"].items() if not k.startswith("(")),
            "base_backup_mb": round(size / 2**20, 1),
            "base_backup_s": base_s,
            "restore_s": restore_s,
            "facts_s": facts_s,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=20000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    figures: dict[str, Any] = {"bench": "restore", **machine(), "load": os.getloadavg()[0]}
    if args.db in ("sqlite", "both"):
        figures["sqlite"] = sqlite_figures(args.resources)
    if args.db in ("postgres", "both"):
        figures["postgres"] = postgres_figures(args.resources)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
