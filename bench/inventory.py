"""Issue events per second through the stock ledger, committed, on SQLite and PostgreSQL.

.venv/bin/python bench/inventory.py [--store sqlite|postgresql|both] [--singles 2000]
    [--events 20000] [--batch 100] [--counters 4] [--facilities 20] [--products 20] [--repeats 3]

A dispensing workload: facilities x products each stocked with three lots, then issues of 1-3
units at a random facility and product, each with its own idempotency key and no lot named, so
the ledger picks first-expiry-first-out (what dispensing asks). Singles are one event per
database transaction, timed one by one for the latency a lone dispense sees (p50, p99); batches
are `--batch` events per transaction; `--counters N` runs N pharmacy counters at once (threads,
each its own connection and its own facilities, one issue per transaction). Each figure is the median of `--repeats` runs. The stock
is checked after the run, outside the timing: on hand = received - issued.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from common import database, emit
from enlace.modules.catalog import facilities, formulary
from enlace.modules.inventory import Item, StockEvent, StockLedger
from enlace.modules.inventory.tables import balances
from enlace.store import migrate
from enlace.store.database import Database, open_database

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
LOTS = (("L1", date(2026, 9, 30)), ("L2", date(2027, 3, 31)), ("L3", date(2027, 9, 30)))
STOCK_PER_LOT = 1_000_000


def stock_up(db: Database, ledger: StockLedger, places: list[str], products: list[str]) -> int:
    with db.begin() as conn:
        for place in places:
            items = tuple(
                Item(p, lot, STOCK_PER_LOT, expiry) for p in products for lot, expiry in LOTS
            )
            ledger.record(conn, StockEvent("receipt", place, items, NOW))
    return len(places) * len(products) * len(LOTS) * STOCK_PER_LOT


def issues(
    count: int, places: list[str], products: list[str], rng: random.Random, tag: str
) -> list[StockEvent]:
    return [
        StockEvent(
            "issue",
            rng.choice(places),
            (Item(rng.choice(products), None, rng.randint(1, 3)),),
            NOW,
            reference=f"MedicationDispense/{tag}-{n}",
            idempotency_key=f"{tag}-{n}",
        )
        for n in range(count)
    ]


def run_singles(
    db: Database, ledger: StockLedger, batch: list[StockEvent]
) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for one in batch:
        t0 = time.perf_counter()
        with db.begin() as conn:
            ledger.record(conn, one)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - started, latencies


def run_batches(db: Database, ledger: StockLedger, batch: list[StockEvent], size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(batch), size):
        with db.begin() as conn:
            ledger.record_batch(conn, batch[start : start + size])
    return time.perf_counter() - started


def run_counters(
    db: Database, ledger: StockLedger, queues: list[list[StockEvent]]
) -> tuple[float, list[float]]:
    """Each queue on its own thread at once; the wall time and every issue's latency."""
    results: list[list[float]] = [[] for _ in queues]

    def counter(n: int) -> None:
        results[n] = run_singles(db, ledger, queues[n])[1]

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(len(queues))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, [x for r in results for x in r]


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    migrate.upgrade(db)
    ledger = StockLedger(clock=lambda: NOW)
    rng = random.Random(7)
    places = [f.slug for f in facilities()[: args.facilities]]
    products = [m.slug for m in formulary()[: args.products]]
    received = stock_up(db, ledger, places, products)
    single_rates, p50s, p99s, batch_rates, issued = [], [], [], [], 0
    counter_rates, counter_p99s = [], []
    for repeat in range(args.repeats):
        singles = issues(args.singles, places, products, rng, f"s{repeat}")
        elapsed, latencies = run_singles(db, ledger, singles)
        single_rates.append(args.singles / elapsed)
        cuts = statistics.quantiles(latencies, n=100)
        p50s.append(cuts[49] * 1000)
        p99s.append(cuts[98] * 1000)
        batched = issues(args.events, places, products, rng, f"b{repeat}")
        batch_rates.append(args.events / run_batches(db, ledger, batched, args.batch))
        issued += sum(e.items[0].quantity for e in singles + batched)
        queues = [
            issues(
                args.singles // args.counters,
                places[n :: args.counters],
                products,
                rng,
                f"c{repeat}-{n}",
            )
            for n in range(args.counters)
        ]
        elapsed, latencies = run_counters(db, ledger, queues)
        counter_rates.append(len(latencies) / elapsed)
        counter_p99s.append(statistics.quantiles(latencies, n=100)[98] * 1000)
        issued += sum(e.items[0].quantity for queue in queues for e in queue)
    with db.read() as conn:
        on_hand = conn.execute(select(func.sum(balances.c.on_hand))).scalar()
    db.dispose()
    return {
        "bench": "inventory",
        "store": db.dialect,
        "singles": args.singles,
        "events": args.events,
        "batch": args.batch,
        "cards": len(places) * len(products) * len(LOTS),
        "single_issues_per_s": round(statistics.median(single_rates)),
        "single_p50_ms": round(statistics.median(p50s), 3),
        "single_p99_ms": round(statistics.median(p99s), 3),
        "batched_issues_per_s": round(statistics.median(batch_rates)),
        "counters": args.counters,
        "counters_issues_per_s": round(statistics.median(counter_rates)),
        "counters_p99_ms": round(statistics.median(counter_p99s), 3),
        "stock_checks": on_hand == received - issued,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--counters", type=int, default=4)
    parser.add_argument("--facilities", type=int, default=20)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp, database(store, Path(tmp)) as url:
            emit(measure(url, args))


if __name__ == "__main__":
    main()
