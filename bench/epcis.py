"""EPCIS capture throughput and pack verification latency.

.venv/bin/python bench/epcis.py [--db sqlite|postgres] [--packs 50000] [--batch 500]
                                [--verify 20000] [--threads 2]

1. Validation alone: documents of `--batch` events checked and hashed, no database.
2. Capture: commissioning then receiving documents of `--batch` ObjectEvents naming 10 packs each,
   each document one transaction (events, EPC links, object states, log leaves, alerts).
3. Verification: `--verify` scans of commissioned packs (Digital Links with lot and expiry) by
   `--threads` threads, one connection each: p50/p99/max latency and verifications per second.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.catalog import facilities, formulary
from enlace.modules.trace.epcis_capture import capture_document
from enlace.modules.trace.epcis_locations import facility_location_id, register_facilities
from enlace.modules.trace.epcis_validate import parse_document
from enlace.modules.trace.pack_state_verify import verify_pack
from enlace.store.database import Database

PER_EVENT = 10
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GTINS = [m.gtin for m in formulary()[:20]]
PLANT = facility_location_id(facilities(state="09")[0].slug)
PHARMACY = facility_location_id(facilities(state="09")[1].slug)


def pack(i: int) -> str:
    return f"https://id.gs1.org/01/{GTINS[i % len(GTINS)]}/21/S{i:010d}"


def lot(i: int) -> str:
    return f"L{i % 97:03d}"


def one_event(first: int, minutes: int, step: str, place: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": (T0 + timedelta(minutes=minutes)).isoformat(),
        "eventTimeZoneOffset": "-06:00",
        "epcList": [pack(i) for i in range(first, first + PER_EVENT)],
        "action": "ADD" if step == "commissioning" else "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }
    if step == "commissioning":
        # One lot per event: the packs of an event share it.
        event["ilmd"] = {"cbvmda:lotNumber": lot(first), "cbvmda:itemExpirationDate": "2027-11-30"}
    return event


def documents(packs: int, batch: int, step: str, place: str, minutes: int) -> list[dict[str, Any]]:
    starts = list(range(0, packs, PER_EVENT))
    return [
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": T0.isoformat(),
            "epcisBody": {
                "eventList": [one_event(s, minutes, step, place) for s in starts[i : i + batch]]
            },
        }
        for i in range(0, len(starts), batch)
    ]


def count_events(docs: list[dict[str, Any]]) -> int:
    return sum(len(d["epcisBody"]["eventList"]) for d in docs)


def bench_validation(docs: list[dict[str, Any]]) -> dict[str, float]:
    started = time.perf_counter()
    for doc in docs:
        parse_document(doc)
    elapsed = time.perf_counter() - started
    return {"validate_events_per_s": round(count_events(docs) / elapsed)}


def bench_capture(db: Database, docs: list[dict[str, Any]], name: str) -> dict[str, float]:
    started = time.perf_counter()
    for doc in docs:
        report = capture_document(db, doc, datetime.now(UTC))
        assert report.accepted == len(doc["epcisBody"]["eventList"]), report
    elapsed = time.perf_counter() - started
    events = count_events(docs)
    return {
        f"{name}_events_per_s": round(events / elapsed),
        f"{name}_packs_per_s": round(events * PER_EVENT / elapsed),
    }


def bench_verify(db: Database, packs: int, total: int, threads: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    today = date(2026, 3, 10)

    def worker(offset: int) -> None:
        mine: list[float] = []
        with db.read() as conn:
            for n in range(offset, total, threads):
                i = (n * 7919) % packs
                code = f"{pack(i).replace('/21/', f'/10/{lot(i - i % PER_EVENT)}/21/')}?17=271130"
                started = time.perf_counter()
                verdict = verify_pack(conn, code, today)
                mine.append(time.perf_counter() - started)
                assert verdict.status == "authentic", verdict
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "verify_per_s": round(total / elapsed),
        "verify_p50_ms": round(statistics.median(ordered) * 1000, 3),
        "verify_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "verify_max_ms": round(ordered[-1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--packs", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500, help="events per captured document")
    parser.add_argument("--verify", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp), log_requests=False))
        with services.db.begin() as conn:
            register_facilities(conn)
        commission = documents(args.packs, args.batch, "commissioning", PLANT, 0)
        receive = documents(args.packs, args.batch, "receiving", PHARMACY, 240)
        result: dict[str, Any] = {
            "bench": "epcis",
            "db": args.db,
            "packs": args.packs,
            "batch_events": args.batch,
            "epcs_per_event": PER_EVENT,
            **bench_validation(commission[:4]),
            **bench_capture(services.db, commission, "commission"),
            **bench_capture(services.db, receive, "receive"),
            **bench_verify(services.db, args.packs, args.verify, args.threads),
            "verify_threads": args.threads,
        }
        services.db.dispose()
    emit(result)


if __name__ == "__main__":
    main()
