"""Bytes on disk per CGM reading and per FHIR resource on PostgreSQL (issue 17 part 6, the
capacity model in docs/capacity.md).

Readings: `--readings` rows in one month for 1,000 CGM devices at 5-minute spacing, inserted the
way ingestion stores them (the partitioned `monitoring_readings`, its primary key and patient
index); bytes = the partition's total relation size (heap + indexes + TOAST) after VACUUM.
Resources: `--resources` Observations (a glucose value each, like a lab result) written through
the repository: current table, history and search indexes; bytes = the sum of those tables'
total relation sizes. Prints one JSON line:

    nice -n 10 .venv/bin/python bench/storage_footprint.py --readings 1000000 --resources 50000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import text

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.monitoring import partitions
from enlace.store.repository import PutItem

JUNE_2026_US = 1_780_272_000_000_000  # 2026-06-01T00:00:00Z
STEP_US = 300_000_000  # five minutes
STORE_TABLES = ("resources", "resource_history", "token_index", "string_index", "date_index",
                "number_index", "quantity_index", "reference_index", "uri_index")  # fmt: skip


def relation_bytes(conn: Any, names: tuple[str, ...]) -> int:
    query = "SELECT sum(pg_total_relation_size(to_regclass(n))) FROM unnest(CAST(:names AS text[])) AS n"
    return int(conn.execute(text(query), {"names": list(names)}).scalar() or 0)


def readings(services: Any, count: int) -> dict[str, Any]:
    per_device = count // 1000
    with services.db.begin() as conn:
        partitions.ensure(conn, [JUNE_2026_US])
        conn.execute(
            text(
                "INSERT INTO monitoring_readings (device, code, effective_us, patient, value, "
                "received_us) SELECT 'dev' || d, '2339-0', :t0 + s::bigint * :step, 'pat' || d, "
                "80 + (s % 120), (:t0 + s::bigint * :step + 1000) FROM generate_series(0, 999) d, "
                "generate_series(0, :n - 1) s"
            ),
            {"t0": JUNE_2026_US, "step": STEP_US, "n": per_device},
        )
    with services.db.write_engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE monitoring_readings_202606"
        )
        size = relation_bytes(conn, ("monitoring_readings_202606",))
    return {"readings": per_device * 1000, "reading_bytes": round(size / (per_device * 1000), 1)}


def observation(n: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": f"o{n}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0",
                             "display": "Glucose [Mass/volume] in Blood"}]},
        "subject": {"reference": f"Patient/p{n % 1000}"},
        "effectiveDateTime": "2026-06-01T08:00:00-06:00",
        "valueQuantity": {"value": 100 + n % 80, "unit": "mg/dL",
                          "system": "http://unitsofmeasure.org", "code": "mg/dL"},
    }  # fmt: skip


def resources(services: Any, count: int) -> dict[str, Any]:
    for start in range(0, count, 5000):
        with services.db.begin() as conn:
            services.repo.put_many(
                conn, [PutItem(observation(n)) for n in range(start, min(count, start + 5000))]
            )
    with services.db.write_engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        size = relation_bytes(conn, STORE_TABLES)
    return {"resources": count, "resource_bytes": round(size / count)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database("postgres", Path(tmp)) as url:
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp) / "var",
                                           log_requests=False))  # fmt: skip
        result: dict[str, Any] = {"bench": "storage_footprint", "db": "postgres"}
        result.update(readings(services, args.readings))
        result.update(resources(services, args.resources))
        services.db.dispose()
    emit(result)


if __name__ == "__main__":
    main()
