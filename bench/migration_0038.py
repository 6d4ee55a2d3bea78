"""How long migration 0038 (the store's patient key) takes on a filled store: what an operator
upgrading a running network must plan for. Imports `--resources` Synthea-derived resources,
takes the store down to 0037 (the column dropped), then times the upgrade (add the column,
backfill resources from the indexed references, history and the seven index tables from their
resource, NOT NULL, the index) and checks that every key came back.

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/migration_0038.py --db postgres --resources 100000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from common import cloned, database, emit, synthea_resources
from enlace.bootstrap import build
from enlace.interactions.bulk_import import import_paths
from enlace.kernel.settings import Settings
from enlace.store.database import Database
from enlace.store.records import INDEX_VALUE_COLUMNS

# isort: off
from tests.support.revisions import to_revision  # after common: sys.path

TABLES = ("resources", "resource_history", *INDEX_VALUE_COLUMNS)


def keys(db: Database) -> dict[str, int]:
    """Rows of each table, and how many resources key by a Patient other than themselves."""
    with db.read() as conn:
        out = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}
        out["keyed_to_another"] = int(
            conn.execute(
                text("SELECT count(*) FROM resources WHERE patient_key <> id")
            ).scalar_one()
        )
    return out


def run(db_kind: str, count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, database(db_kind, Path(tmp)) as url:
        source = Path(tmp) / "data.ndjson"
        with source.open("wb") as handle:
            for line in cloned(synthea_resources(), count):
                handle.write(line + b"\n")
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp)))
        import_paths(services, [source])
        written = keys(services.db)
        to_revision(services.db, "0037", down=True)
        started = time.perf_counter()
        to_revision(services.db, "0038")  # this revision alone, not later ones
        elapsed = time.perf_counter() - started
        backfilled = keys(services.db)
        services.db.dispose()
    if backfilled != written:
        sys.exit(f"the backfill differs from the keys written: {written} != {backfilled}")
    index_rows = sum(backfilled[t] for t in TABLES[2:])
    return {
        "bench": "migration_0038",
        "db": db_kind,
        "resources": backfilled["resources"],
        "history_rows": backfilled["resource_history"],
        "index_rows": index_rows,
        "keyed_to_another": backfilled["keyed_to_another"],
        "upgrade_s": round(elapsed, 2),
        "resources_per_s": round(backfilled["resources"] / elapsed),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--resources", type=int, default=50_000)
    args = parser.parse_args()
    emit(run(args.db, args.resources))


if __name__ == "__main__":
    main()
