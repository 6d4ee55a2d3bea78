"""Transparency log appends and proofs on SQLite and PostgreSQL.

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/trace_log.py --db sqlite --db postgres [--entries 200000]

Appends: `append_entries` in its own transaction per batch, committed before the next batch
starts (durable before acknowledgement: PostgreSQL with fsync and synchronous_commit on; SQLite
in WAL, measured with the project's synchronous=NORMAL and with FULL, which fsyncs each commit).
Entries are compact event records (~150 bytes), as EPCIS capture will append. Figures: entries/s
over the whole run and per-batch commit latency. Proofs: inclusion and consistency proofs built
from the stored nodes (one query each) against the tree the appends left.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.modules.trace.log_store import StoredNodeReader, append_entries, stored_size
from enlace.modules.trace.merkle import consistency_proof, inclusion_proof
from enlace.store import migrate
from enlace.store.database import Database, open_database

BATCHES = (100, 1000, 5000)


def event_entry(number: int) -> bytes:
    digest = hashlib.sha256(number.to_bytes(8, "big")).hexdigest()
    event_id = uuid.UUID(int=number + 1)
    return f"ni:///sha-256;{digest}?ver=CBV2.0 urn:uuid:{event_id} 2026-11-26T10:00:00Z".encode()


def appends(db: Database, total: int, batch: int, start: int, durable: bool) -> dict[str, Any]:
    entries = [event_entry(n) for n in range(start, start + total)]
    if db.dialect == "sqlite":
        _sqlite_synchronous(db, "FULL" if durable else "NORMAL")
    latencies = []
    began = time.perf_counter()
    for first in range(0, total, batch):
        started = time.perf_counter_ns()
        with db.begin() as conn:
            append_entries(conn, entries[first : first + batch])
        latencies.append(time.perf_counter_ns() - started)
    elapsed = time.perf_counter() - began
    if db.dialect == "sqlite":
        _sqlite_synchronous(db, "NORMAL")
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "entries_per_s": round(total / elapsed),
        "batch_p50_ms": round(cuts[49] / 1e6, 2),
        "batch_p99_ms": round(cuts[98] / 1e6, 2),
    }


def _sqlite_synchronous(db: Database, mode: str) -> None:
    """On the write engine's one connection, outside a transaction (SQLite requires it)."""
    with db.write_engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute(f"PRAGMA synchronous={mode}")


def proofs(db: Database, count: int, rng: random.Random) -> dict[str, Any]:
    with db.read() as conn:
        size = stored_size(conn)
        reader = StoredNodeReader(conn)
        inclusion = _timed(lambda: inclusion_proof(reader, rng.randrange(size), size), count)
        consistency = _timed(lambda: consistency_proof(reader, rng.randrange(1, size), size), count)
    return {"tree_size": size, "inclusion": inclusion, "consistency": consistency}


def _timed(action: Any, count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        action()
        samples.append(time.perf_counter_ns() - started)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(cuts[49] / 1e6, 3), "p99_ms": round(cuts[98] / 1e6, 3)}


def run(kind: str, total: int, proof_count: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        db = open_database(url)
        migrate.upgrade(db)
        try:
            modes = (False, True) if kind == "sqlite" else (True,)
            appended = 0
            for durable in modes:
                label = "fsync" if durable else "normal"
                for batch in BATCHES:
                    key = f"batch_{batch}" + (f"_{label}" if kind == "sqlite" else "")
                    figures[key] = appends(db, total, batch, appended, durable)
                    appended += total
            figures["proofs"] = proofs(db, proof_count, random.Random(6))
        finally:
            db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--entries", type=int, default=200_000, help="per batch size and mode")
    parser.add_argument("--proofs", type=int, default=2000)
    args = parser.parse_args()
    result: dict[str, Any] = {"bench": "trace_log", "entries": args.entries}
    for kind in args.db or ["sqlite"]:
        result[kind] = run(kind, args.entries, args.proofs)
    emit(result)


if __name__ == "__main__":
    main()
