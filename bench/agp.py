"""AGP of 90 days of CGM data, end to end (query of the readings + statistics), on SQLite or
PostgreSQL: the issue's target is <= 200 ms.

.venv/bin/python bench/agp.py [--db sqlite|postgres] [--patients 10] [--repeats 30]

`--patients` patients each get 90 whole days of CGM readings (one every 5 minutes, 25,920 per
patient, in the module's storage: monthly partitions on PostgreSQL), so the patient asked for is
one among several in the table. Each repeat runs `reports.cgm_report(conn, patient, 90, now)` in
its own read transaction (the AGP page and the CGM summary route do exactly this) for a patient
taken in turn; the line reports the median and p95 milliseconds, and the same for the
statistics alone (`agp.agp` on arrays already in memory).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from common import database, emit
from enlace.modules.monitoring import agp, reports
from enlace.modules.monitoring.domain import CGM_GLUCOSE, Reading
from enlace.modules.monitoring.storage import store_readings
from enlace.store import migrate
from enlace.store.database import Database, open_database

DAYS = 90
FIVE_MIN_US = 300_000_000
NOW_US = 1_780_000_000_000_000  # 2026-05-28, a fixed "now"


def load(db: Database, patients: int) -> int:
    end = reports.local_midnight(NOW_US)
    start = end - DAYS * agp.DAY_US
    times = np.arange(start, end, FIVE_MIN_US, dtype=np.int64)
    rng = np.random.default_rng(7)
    written = 0
    for p in range(patients):
        phase = np.sin(2 * np.pi * ((times // 60_000_000) % 1440) / 1440.0)
        values = np.clip(140 + 40 * phase + rng.normal(0, 25, times.size), 40, 400)
        batch = [
            Reading(f"pt{p}", f"cgm{p}", CGM_GLUCOSE, float(v), int(t), int(t) + 1000)
            for t, v in zip(times, values, strict=True)
        ]
        for chunk in range(0, len(batch), 10_000):
            with db.begin() as conn:
                written += len(store_readings(conn, batch[chunk : chunk + 10_000]))
    if db.dialect == "postgresql":
        with db.begin() as conn:
            conn.exec_driver_sql("ANALYZE monitoring_readings")
    return written


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples), q))


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    migrate.upgrade(db)
    loaded = load(db, args.patients)
    end_to_end, stats_only = [], []
    for n in range(args.repeats):
        patient = f"pt{n % args.patients}"
        began = time.perf_counter()
        with db.read() as conn:
            report = reports.cgm_report(conn, patient, DAYS, NOW_US)
        end_to_end.append((time.perf_counter() - began) * 1000)
        assert report.readings == DAYS * 288 and report.metrics is not None
    with db.read() as conn:
        data = reports.arrays(conn, "pt0", [CGM_GLUCOSE], 0, NOW_US)
    start = reports.local_midnight(NOW_US) - DAYS * agp.DAY_US
    for _ in range(args.repeats):
        began = time.perf_counter()
        agp.agp(data.times_us, data.values, start, DAYS)
        stats_only.append((time.perf_counter() - began) * 1000)
    db.dispose()
    return {
        "bench": "agp",
        "db": db.dialect,
        "patients": args.patients,
        "readings_loaded": loaded,
        "readings_per_report": DAYS * 288,
        "repeats": args.repeats,
        "median_ms": round(statistics.median(end_to_end), 1),
        "p95_ms": round(percentile(end_to_end, 95), 1),
        "stats_only_median_ms": round(statistics.median(stats_only), 1),
        "stats_only_p95_ms": round(percentile(stats_only, 95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(measure(url, args))


if __name__ == "__main__":
    main()
