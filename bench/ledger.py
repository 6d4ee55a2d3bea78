"""Balanced transfers per second through the ledger's batch API, committed, on SQLite and PostgreSQL.

.venv/bin/python bench/ledger.py [--store sqlite|postgresql|both] [--transfers 50000]
    [--batch 1000] [--wallets 1000] [--sqlite-synchronous normal|full] [--profile]

A family-wallet workload: deposits from the bank into wallets and spends from wallets to
pharmacies (wallets may not go below zero), every transfer with its own idempotency key, `--batch`
transfers per database transaction, each transaction committed before the next starts. Single
transfers (one per commit) are timed too, for the latency a lone request sees. The books are
checked (trial balance) after the run, outside the timing. SQLite runs with the project's
`synchronous=NORMAL` (WAL: a commit survives a process crash), or FULL (an fsync per commit).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from common import database, emit
from enlace.modules.finance import Ledger, Transfer
from enlace.modules.finance.ledger_reports import trial_balance
from enlace.store import migrate
from enlace.store.database import Database, open_database

PHARMACIES = 50


def open_books(db: Database, ledger: Ledger, wallets: int) -> None:
    with db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        for n in range(PHARMACIES):
            ledger.open_account(conn, f"pharmacy:{n}", "liability")
        for n in range(wallets):
            ledger.open_account(conn, f"wallet:{n}", "liability", floor=0)
        seed = [Transfer.between("bank", f"wallet:{n}", 10_000_000) for n in range(wallets)]
        ledger.post_transfers(conn, seed)


def workload(count: int, wallets: int, rng: random.Random, tag: str) -> list[Transfer]:
    transfers = []
    for n in range(count):
        wallet = f"wallet:{rng.randrange(wallets)}"
        amount = rng.randrange(100, 50_000)
        key = f"{tag}-{n}"
        if rng.random() < 0.5:
            transfers.append(Transfer.between("bank", wallet, amount, idempotency_key=key))
        else:
            pharmacy = f"pharmacy:{rng.randrange(PHARMACIES)}"
            transfers.append(Transfer.between(wallet, pharmacy, amount, idempotency_key=key))
    return transfers


def run_batches(db: Database, ledger: Ledger, transfers: list[Transfer], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(transfers), batch):
        with db.begin() as conn:
            ledger.post_transfers(conn, transfers[start : start + batch])
    return time.perf_counter() - started


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    if db.dialect == "sqlite" and args.sqlite_synchronous == "full":
        _sqlite_full_sync(db)
    migrate.upgrade(db)
    ledger = Ledger()
    rng = random.Random(7)
    open_books(db, ledger, args.wallets)
    transfers = workload(args.transfers, args.wallets, rng, "batch")
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    batched_s = run_batches(db, ledger, transfers, args.batch)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    singles = workload(args.singles, args.wallets, rng, "single")
    single_s = run_batches(db, ledger, singles, 1)
    with db.read() as conn:
        books = trial_balance(conn)
    db.dispose()
    return {
        "bench": "ledger",
        "store": db.dialect,
        "transfers": args.transfers,
        "batch": args.batch,
        "wallets": args.wallets,
        "transfers_per_s": round(args.transfers / batched_s),
        "single_transfers_per_s": round(args.singles / single_s),
        "single_mean_ms": round(single_s / args.singles * 1000, 3),
        "books_balanced": books.balanced,
        "sqlite_synchronous": args.sqlite_synchronous if db.dialect == "sqlite" else None,
    }


def _sqlite_full_sync(db: Database) -> None:
    @event.listens_for(db.write_engine, "connect")
    def full_sync(dbapi_conn: Any, _record: Any) -> None:  # after the store's own settings
        dbapi_conn.execute("PRAGMA synchronous=FULL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--transfers", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--sqlite-synchronous", choices=["normal", "full"], default="normal")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp, database(store, Path(tmp)) as url:
            emit(measure(url, args))


if __name__ == "__main__":
    main()
