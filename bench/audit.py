"""The audit log's costs, in process (issue 4: auth + audit keep ≥ 80% of CRUD throughput).

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/audit.py --db sqlite --db postgres

(a) writes: `FhirRepository.create` (with search indexing), one transaction each, without and
    with `audit_log.record` of one entry (built from scratch) in the same transaction,
    alternating create by create: µs per write (median, mean; wall and process CPU), and
    `record` alone;
(b) reads: `FhirRepository.read` on its own read connection, without and with an `AuditEntry`
    built and handed to a live `AuditBuffer` (whose thread flushes meanwhile, competing for
    the GIL), alternating read by read: µs per read; plus the two halves of the buffer's cost,
    `add` in the caller (entry built) and the flush's multi-row insert, µs per entry;
(c) sealing: rows per second sealed (`seal_pending`, horizon 0) and verified (`verify`) over
    `--seal-rows` rows.

Compare only figures from the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from common import database, emit, synthea_resources
from enlace.kernel.clock import epoch_us, system_clock
from enlace.kernel.ids import random_ids
from enlace.search.registry import load_registry
from enlace.search.runtime import RuntimeIndexer, SearchRuntime
from enlace.security import audit_log
from enlace.security.audit import AuditEntry
from enlace.security.audit_buffer import AuditBuffer
from enlace.security.audit_sealer import seal_pending
from enlace.store import migrate
from enlace.store.database import Database, open_database
from enlace.store.repository import FhirRepository


def entry(resource_type: str, resource_id: str, action: str = "R") -> AuditEntry:
    return AuditEntry(
        action=action,
        interaction="read" if action == "R" else "create",
        outcome=200 if action == "R" else 201,
        actor="user-7f3a",
        actor_display="Dra. Ana López",
        fhir_user="Practitioner/7f3a",
        role="physician",
        organization="clinic-12",
        client_id="portal",
        token_id="5b0c1e9e-3c2b-4d7e-9a51-0f1e2d3c4b5a",
        recorded_us=epoch_us(system_clock()),
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id="0b5d4c1e-8f2a-4e3b-9c6d-7a8b9c0d1e2f",
        purpose="TREAT",
        request_id="6f1c2d3e4f5a6b7c",
        source_ip="10.1.2.3",
    )


class Samples:
    """Per-operation times by label. Labels alternate operation by operation, so both see the
    same load on a shared machine; medians resist its spikes, means keep the rare slow
    operation (a read that waited for the flushing thread's GIL) in the throughput figure."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.cpu: dict[str, list[float]] = defaultdict(list)  # process CPU, every thread

    def time(self, label: str, run: Callable[[], Any]) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        run()
        self.times[label].append((time.perf_counter() - started) * 1e6)
        self.cpu[label].append((time.process_time() - cpu) * 1e6)

    def clear(self) -> None:
        self.times.clear()
        self.cpu.clear()

    def summary(self) -> dict[str, Any]:
        median = {k: statistics.median(v) for k, v in self.times.items()}
        mean = {k: statistics.fmean(v) for k, v in self.times.items()}
        result: dict[str, Any] = {
            "median_us": {k: round(v, 1) for k, v in median.items()},
            "mean_us": {k: round(v, 1) for k, v in mean.items()},
            "added_median_us": round(median["audited"] - median["plain"], 1),
            "added_mean_us": round(mean["audited"] - mean["plain"], 1),
            "ratio_mean": round(mean["audited"] / mean["plain"], 3),
            # CPU is what bounds the GIL-bound workers; a wait for the database overlaps.
            "cpu_mean_us": {k: round(statistics.fmean(v), 1) for k, v in self.cpu.items()},
        }
        if "record" in median:
            result["record_alone_median_us"] = round(median["record"], 1)
        return result


def writes(db: Database, templates: list[bytes], rounds: int) -> dict[str, Any]:
    repo = FhirRepository(system_clock, random_ids, RuntimeIndexer(SearchRuntime(load_registry())))
    samples = Samples()

    def create(template: bytes, audited: bool) -> None:
        with db.begin() as conn:
            stored = repo.create(conn, orjson.loads(template))
            if audited:
                audit = entry(stored.resource_type, stored.id, "C")
                samples.time("record", lambda: audit_log.record(conn, [audit]))

    for template in templates[:100]:  # warm-up: plans, pools, caches
        create(template, True)
    samples.clear()
    for _ in range(rounds):
        for n, template in enumerate(templates):
            for label in ("plain", "audited") if n % 2 else ("audited", "plain"):
                samples.time(label, lambda t=template, a=label == "audited": create(t, a))
    return samples.summary()


def reads(db: Database, count: int, rounds: int) -> dict[str, Any]:
    repo = FhirRepository(system_clock, random_ids, RuntimeIndexer(SearchRuntime(load_registry())))
    ids = []
    with db.begin() as conn:
        for n in range(200):
            patient = {"resourceType": "Patient", "name": [{"family": f"Read{n}"}]}
            ids.append(repo.create(conn, patient).id)
    buffer = AuditBuffer(db)
    samples = Samples()

    def read(resource_id: str, audited: bool) -> None:
        with db.read() as conn:
            repo.read(conn, "Patient", resource_id)
        if audited:
            buffer.add(entry("Patient", resource_id))

    try:
        for resource_id in ids:
            read(resource_id, True)
        samples.clear()
        for _ in range(rounds):
            for n in range(count):
                resource_id = ids[n % len(ids)]
                for label in ("plain", "audited") if n % 2 else ("audited", "plain"):
                    samples.time(label, lambda i=resource_id, a=label == "audited": read(i, a))
        buffer.flush()
    finally:
        buffer.close()
    summary = samples.summary()
    summary.update(buffer_halves(db, rounds))
    return summary


def buffer_halves(db: Database, rounds: int, batch: int = 500) -> dict[str, Any]:
    """`add` in the caller (entry built, appended) and the flush (one insert of `batch`)."""
    quiet = AuditBuffer(db, start=False, capacity=10**6)
    adds, flushes = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for n in range(batch):
            quiet.add(entry("Patient", f"p{n}"))
        adds.append((time.perf_counter() - started) / batch * 1e6)
        started = time.perf_counter()
        quiet.flush()
        flushes.append((time.perf_counter() - started) / batch * 1e6)
    quiet.close()
    return {
        "buffer_add_us": round(statistics.median(adds), 2),
        f"buffer_flush_us_per_entry_batch_{batch}": round(statistics.median(flushes), 2),
    }


def sealing(db: Database, rows: int) -> dict[str, Any]:
    chunk = [entry("Observation", f"o{n}").values() for n in range(5000)]
    for _ in range(rows // len(chunk)):
        with db.begin() as conn:
            audit_log.insert_values(conn, chunk)
    now = epoch_us(system_clock()) + 1
    started = time.perf_counter()
    sealed = seal_pending(db, now, horizon_us=0)
    seal_s = time.perf_counter() - started
    started = time.perf_counter()
    with db.read() as conn:
        report = audit_log.verify(conn)
    verify_s = time.perf_counter() - started
    assert report.ok and report.checked >= sealed, report
    return {
        "rows": sealed,
        "seal_rows_per_s": round(sealed / seal_s),
        "verify_rows_per_s": round(report.checked / verify_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--writes", type=int, default=1000, help="creates per round")
    parser.add_argument("--reads", type=int, default=5000, help="reads per round")
    parser.add_argument("--seal-rows", type=int, default=100_000)
    args = parser.parse_args()
    resources = synthea_resources()
    templates = [orjson.dumps(r) for r in (resources * (1 + args.writes // len(resources)))]
    result: dict[str, Any] = {"bench": "audit", "rounds": args.rounds}
    for kind in args.db or ["sqlite"]:
        with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
            db = open_database(url)
            migrate.upgrade(db)
            try:
                result[f"write_{kind}"] = writes(db, templates[: args.writes], args.rounds)
                result[f"read_{kind}"] = reads(db, args.reads, args.rounds)
                result[f"seal_{kind}"] = sealing(db, args.seal_rows)
            finally:
                db.dispose()
    emit(result)


if __name__ == "__main__":
    main()
