"""Cold-chain evaluation on the ingestion path, on SQLite or PostgreSQL (docs/coldchain.md).

.venv/bin/python bench/coldchain.py [--db sqlite|postgres] [--loggers 20] [--messages 400]

Each of `--loggers` fridge loggers (one per pharmacy of the catalog, cycling) gets 48 hours of
history (a reading every 15 minutes, 4-6 °C), then `--messages` one-reading messages go through
`monitoring.ingest.ingest` in turn (what a logger's gateway sends every 15 minutes): storing,
re-reading 14 h of the series, faults and alarms. Baseline in the same run: the same messages
from home thermometers bound to patients (body temperature 8310-5, the patient rules with
NEWS2), the path every other device takes. Then one excursion per logger: a 12-hour batch at
9.5-9.7 °C (not one value: that would be a stuck sensor) that opens it and quarantines the facility's insulin lot (ledger adjustment, EPCIS
event, Task). Also the pure rules on 30 days of one logger (2,880 readings). Medians and p95 in
milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import orjson

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import catalog, coldchain, inventory
from enlace.modules.coldchain import domain
from enlace.modules.monitoring import ingest, registry

STEP_US = 15 * 60_000_000
HOUR_US = 3_600_000_000
INSULIN = "insulin-nph-100-vial"


def reading(code: str, at_us: int, value: float, unit: str) -> dict[str, object]:
    return {"code": code, "value": value, "unit": unit, "time": fhir_instant(from_epoch_us(at_us))}


def body(*readings: dict[str, object]) -> bytes:
    return orjson.dumps({"readings": list(readings)})


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples), q))


def figures(prefix: str, samples: list[float]) -> dict[str, float]:
    return {
        f"{prefix}_median_ms": round(statistics.median(samples), 2),
        f"{prefix}_p95_ms": round(percentile(samples, 95), 2),
    }


def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    services = build(Settings.from_env(database_url=url, var_dir=workdir / "var"))
    db, repo = services.db, services.repo
    now_us = epoch_us(datetime.now(UTC))
    start_us = now_us - 3 * 24 * HOUR_US  # history: 48 h, then the measured messages
    pharmacies = [f.slug for f in catalog.facilities(kind="pharmacy")]
    rng = np.random.default_rng(5)
    loggers, thermometers = [], []
    with db.begin() as conn:
        for n in range(args.loggers):
            facility = pharmacies[n % len(pharmacies)]
            loggers.append(
                coldchain.add_logger(
                    conn, repo, facility=facility, place_kind="fridge", label=f"Fridge {n}"
                )
            )
            patient = repo.create(conn, {"resourceType": "Patient", "name": [{"family": "B"}]}).id
            thermometers.append(
                registry.add_device(conn, repo, kind="thermometer", patient=patient)
            )
        for facility in sorted({pharmacies[n % len(pharmacies)] for n in range(args.loggers)}):
            receipt = inventory.StockEvent(
                kind=inventory.RECEIPT,
                facility=facility,
                items=(inventory.Item(INSULIN, f"B-{facility}"[:64], 20, date(2030, 1, 1)),),
                occurred_at=from_epoch_us(start_us - HOUR_US),
                counterpart="bench",
            )
            inventory.StockLedger(clock=repo.clock).record(conn, receipt)
    history = [start_us + k * STEP_US for k in range(48 * 4)]
    for device, key in loggers:
        temps = rng.uniform(4, 6, len(history)).round(1)
        msg = body(
            *(
                reading("storage-temp", t, float(v), "Cel")
                for t, v in zip(history, temps, strict=True)
            )
        )
        ingest.ingest(db, repo, device, msg, key=key)
    logger_ms, thermometer_ms = [], []
    for m in range(args.messages):
        at_us = start_us + (48 * 4 + m // args.loggers) * STEP_US
        n = m % args.loggers
        for (device, key), out, msg in (
            (loggers[n], logger_ms, body(reading("storage-temp", at_us, 5.1, "Cel"))),
            (thermometers[n], thermometer_ms, body(reading("8310-5", at_us, 36.6, "Cel"))),
        ):
            began = time.perf_counter()
            ingest.ingest(db, repo, device, msg, key=key)
            out.append((time.perf_counter() - began) * 1000)
    excursion_ms = []
    heat_from = start_us + (48 * 4 + args.messages // args.loggers + 1) * STEP_US
    for device, key in loggers:
        hot = body(
            *(
                reading("storage-temp", heat_from + k * STEP_US, 9.5 + (k % 3) / 10, "Cel")
                for k in range(49)
            ),
            reading("storage-temp", heat_from + 49 * STEP_US, 5.0, "Cel"),
        )
        began = time.perf_counter()
        result = ingest.ingest(db, repo, device, hot, key=key)
        excursion_ms.append((time.perf_counter() - began) * 1000)
        assert len(result.alerts) == 1, result
    with db.read() as conn:
        held = len(coldchain.quarantined_stock(conn))
    points = [domain.Point(k * STEP_US, float(v)) for k, v in enumerate(rng.uniform(3, 7, 2880))]
    rules_ms = []
    for _ in range(20):
        began = time.perf_counter()
        stuck = domain.stuck_runs(points)
        domain.excursions(domain.without_stuck(points, stuck))
        domain.mkt_celsius(domain.held(points))
        domain.gaps(points)
        rules_ms.append((time.perf_counter() - began) * 1000)
    db.dispose()
    return {
        "bench": "coldchain",
        "db": db.dialect,
        "loggers": args.loggers,
        "messages": args.messages,
        **figures("logger_message", logger_ms),
        **figures("baseline_thermometer_message", thermometer_ms),
        **figures("excursion_open", excursion_ms),
        "lots_quarantined": held,
        **figures("rules_30_days", rules_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--loggers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(measure(url, Path(tmp), args))


if __name__ == "__main__":
    main()
