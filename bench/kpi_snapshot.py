"""The daily stock-out snapshot for a national-size network, on SQLite and PostgreSQL.

.venv/bin/python bench/kpi_snapshot.py [--store sqlite|postgresql|both] [--facilities 10000]
    [--products 500] [--repeats 3] [--seed 7]

A synthetic ledger of facilities x products is generated in bulk as the snapshot's input
columns (on hand, units issued and days out of stock in the AMC window, reported): the stock
ledger's reads are not what is timed here (5 M per-pair API calls are not how a network this
size would be read; see docs/performance.md). About 12 % of pairs are at zero, days out of stock
follow a skewed distribution, 92 % reported. Timed: `compute` (KPIs, rollups per facility,
institution, state and network, run-out alerts) and `write` (the day's rows replaced in one
transaction: delete, then the pair rows by COPY / executemany, rollups, alerts). The first run
writes into empty tables; the later ones replace the day (a rerun). Medians of `--repeats`,
wall clock, with this process's CPU time and the load average beside them (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from common import database, emit
from enlace.modules.supply_kpis import Ledger, Plan, compute, write
from enlace.modules.supply_kpis.tables import pairs
from enlace.store import migrate
from enlace.store.database import open_database

DAY = date(2026, 3, 4)
STATES = [f"{n:02d}" for n in range(1, 33)]
INSTITUTIONS = ["imss", "issste", "imss-bienestar", "ises", "pemex"]


def synthetic_ledger(facilities: int, products: int, seed: int) -> Ledger:
    rng = np.random.default_rng(seed)
    size = facilities * products
    facility = np.repeat(np.arange(facilities, dtype=np.int64), products)
    product = np.tile(np.arange(products, dtype=np.int64), facilities)
    issued = rng.poisson(rng.gamma(2.0, 30.0, size)).astype(np.int64)
    days_out = np.minimum(90, rng.geometric(0.3, size) - 1).astype(np.int64)
    days_out[rng.random(size) < 0.02] = 90  # never in stock in the window
    on_hand = rng.poisson(issued / 3 * rng.uniform(0, 4, size)).astype(np.int64)
    on_hand[rng.random(size) < 0.12] = 0
    return Ledger(
        day=DAY,
        facilities=[f"clinic-{i:05d}" for i in range(facilities)],
        products=[f"product-{i:03d}" for i in range(products)],
        state=[STATES[i % len(STATES)] for i in range(facilities)],
        institution=[INSTITUTIONS[i % len(INSTITUTIONS)] for i in range(facilities)],
        facility=facility,
        product=product,
        on_hand=on_hand,
        issued=issued,
        days_out=days_out,
        reported=rng.random(size) < 0.92,
    )


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    migrate.upgrade(db)
    started = time.perf_counter()
    ledger = synthetic_ledger(args.facilities, args.products, args.seed)
    generated = time.perf_counter() - started
    computes, writes, totals, cpus = [], [], [], []
    for _ in range(args.repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        snapshot = compute(ledger, Plan(), {})
        t1 = time.perf_counter()
        with db.begin() as conn:
            write(conn, snapshot, 1, lambda _: None)
        t2 = time.perf_counter()
        computes.append(t1 - t0)
        writes.append(t2 - t1)
        totals.append(t2 - t0)
        cpus.append(time.process_time() - c0)
    with db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(pairs)).scalar()
    db.dispose()
    return {
        "bench": "kpi_snapshot",
        "store": db.dialect,
        "facilities": args.facilities,
        "products": args.products,
        "pairs": ledger.size,
        "stored_pairs": stored,
        "rollups": len(snapshot.rollups),
        "alerts": len(snapshot.alerts),
        "generate_s": round(generated, 2),
        "compute_s_median": round(statistics.median(computes), 2),
        "write_s_median": round(statistics.median(writes), 2),
        "snapshot_s_median": round(statistics.median(totals), 2),
        "snapshot_s_runs": [round(t, 2) for t in totals],
        # This process's CPU seconds (all of SQLite's work; PostgreSQL's server side is not in
        # it): on a shared, loaded machine wall time overstates what the snapshot costs.
        "process_cpu_s_median": round(statistics.median(cpus), 2),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "target_s": 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp, database(store, Path(tmp)) as url:
            emit(measure(url, args))


if __name__ == "__main__":
    main()
