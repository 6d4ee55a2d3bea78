"""The alert rules on the ingestion hot path: `alerting.on_readings` alone (no storage, no HTTP),
in the ingest transaction, on SQLite or PostgreSQL.

.venv/bin/python bench/alert_rules.py [--db sqlite|postgres] [--patients 100] [--per 10]

Each batch holds `--per` CGM readings (5 minutes apart) of each of `--patients` patients, as one
ingestion request from many devices would. Two cases, median of the batches:
- `in_range`: every value in range, nothing open — the common case (one open-alerts query, one
  Goal/Condition lookup, then comparisons in memory);
- `all_low`: every patient's glucose below 70 for the whole batch — CGM history is read for all
  of them, 100 alerts open (Flag + Task each) in the first batch and are extended afterwards.
Prints one JSON line: batch milliseconds and readings/s for each case, and the alert latency
(opened_us - received_us, readings stamped as received when their batch is built) p50/p99.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from common import database, emit
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules.monitoring import alerting
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring.tables import alerts

FIVE_MINUTES = 300_000_000


def batches(
    services: Services,
    patients: int,
    per: int,
    first: int,
    count: int,
    value: Callable[[int], float],
) -> list[float]:
    start = epoch_us(services.repo.clock())
    seconds = []
    for k in range(first, first + count):
        received = epoch_us(services.repo.clock())  # as ingestion stamps a message on arrival
        batch = [
            d.Reading(
                f"bp{p}",
                f"dev{p}",
                d.CGM_GLUCOSE,
                value(j),
                start + (k * per + j) * FIVE_MINUTES,
                received,
            )
            for p in range(patients)
            for j in range(per)
        ]
        with services.db.begin() as conn:
            began = time.perf_counter()
            alerting.on_readings(conn, services.repo, batch)
            seconds.append(time.perf_counter() - began)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--per", type=int, default=10)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        settings = Settings.from_env(database_url=url, var_dir=Path(tmp), audit_enabled=False)
        services = build(settings)
        with services.db.begin() as conn:
            for p in range(args.patients):
                services.repo.update(conn, {"resourceType": "Patient", "active": True}, f"bp{p}")
        size = args.patients * args.per
        result: dict[str, object] = {"bench": "alert_rules", "db": args.db, "batch": size}
        cases = (("in_range", lambda j: 120.0 + j % 5, 0), ("all_low", lambda j: 60.0, 1000))
        for name, value, first in cases:
            median = statistics.median(
                batches(services, args.patients, args.per, first, args.batches, value)
            )
            result[f"{name}_batch_ms"] = round(median * 1000, 2)
            result[f"{name}_readings_per_s"] = round(size / median)
        result.update(latency(services))
        services.db.dispose()
    emit(result)


def latency(services: Services) -> dict[str, float]:
    """Alert latency, opened_us - received_us of the first reading, over the alerts opened."""
    with services.db.read() as conn:
        rows = conn.execute(select(alerts.c.opened_us - alerts.c.received_us)).scalars().all()
    ordered = sorted(rows)
    if not ordered:
        return {}
    p99 = ordered[max(0, -(-99 * len(ordered) // 100) - 1)]
    return {
        "alerts_opened": len(ordered),
        "latency_p50_ms": round(ordered[len(ordered) // 2] / 1000, 2),
        "latency_p99_ms": round(p99 / 1000, 2),
    }


if __name__ == "__main__":
    main()
