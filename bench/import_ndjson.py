"""NDJSON import throughput (resources/s), in process, on a fresh database.

.venv/bin/python bench/import_ndjson.py --db postgres --resources 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import cloned, database, emit, synthea_resources
from enlace.bootstrap import build
from enlace.interactions.bulk_import import import_paths
from enlace.kernel.settings import Settings


def run(db: str, count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        source = Path(tmp) / "data.ndjson"
        with source.open("wb") as handle:
            for line in cloned(synthea_resources(), count):
                handle.write(line + b"\n")
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp)))
        started = time.perf_counter()
        report = import_paths(services, [source])
        elapsed = time.perf_counter() - started
        again = time.perf_counter()
        second = import_paths(services, [source])
        rerun = time.perf_counter() - again
        services.db.dispose()
    return {
        "bench": "import_ndjson",
        "db": db,
        "resources": report.resources,
        "seconds": round(elapsed, 2),
        "resources_per_s": round(report.resources / elapsed, 1),
        "rerun_seconds": round(rerun, 2),
        "rerun_new_versions": second.counts["created"] + second.counts["updated"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--resources", type=int, default=50000)
    args = parser.parse_args()
    emit(run(args.db, args.resources))


if __name__ == "__main__":
    main()
