"""Offline-capture upload throughput (docs/sync.md, "Performance"): batches of people found in the
community and screened, as a CHW's phone uploads them, written through the sync service on SQLite
or PostgreSQL; then the same batches sent again (the answer lost: every item a repeat).

.venv/bin/python bench/sync.py [--batches 10] [--people 100] [--db sqlite|postgres]

Each batch holds `--people` registrations, each followed by that person's screening (so 2 x
people items, at most 200), the screening naming the registration by its client id. Reported:
items per second (wall clock, and per CPU second of this process: the engine's own speed on a
busy shared machine) and the median and worst milliseconds per batch, for the first upload and
for the replay.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.screening import sync, sync_protocol
from screening import person as screened

CAPTURED = "2026-03-01T09:30:00-06:00"
CHW = sync.Uploader("bench-chw", "Practitioner/bench", lambda _type, _permission: True)


def batch(rng: random.Random, people: int, clinic: str) -> bytes:
    items: list[dict[str, Any]] = []
    for _ in range(people):
        raw = screened(rng)
        client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        patient = {
            "resourceType": "Patient",
            "name": [{"family": "Prueba", "given": ["Persona"]}],
            "gender": raw["answers"]["sex"],
            "managingOrganization": {"reference": f"Organization/{clinic}"},
        }
        items.append(
            {
                "clientId": client_id,
                "kind": "patient-registration",
                "capturedAt": CAPTURED,
                "payload": patient,
            }
        )
        items.append(
            {
                "clientId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "kind": "screening",
                "capturedAt": CAPTURED,
                "patient": f"urn:uuid:{client_id}",
                "payload": raw,
            }
        )
    body = {
        "batchId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "device": "bench-phone",
        "items": items,
    }
    return orjson.dumps(body)


def timed(syncing: sync.Sync, bodies: list[bytes]) -> tuple[list[float], float, dict[str, int]]:
    """Milliseconds per batch, CPU seconds of this process in all, and the answers' counts."""
    timings: list[float] = []
    counts: dict[str, int] = {}
    began_cpu = time.process_time()
    for body in bodies:
        began = time.perf_counter()
        answer = sync.upload(syncing, sync_protocol.parse_batch(body), CHW)
        timings.append((time.perf_counter() - began) * 1000)
        for status, n in answer["counts"].items():
            counts[status] = counts.get(status, 0) + n
    return timings, time.process_time() - began_cpu, counts


def run(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
    services = build(settings)
    with services.db.begin() as conn:
        clinic = services.repo.create(conn, {"resourceType": "Organization", "name": "Centro"}).id
    rng = random.Random(args.seed)
    bodies = [batch(rng, args.people, clinic) for _ in range(args.batches)]
    syncing = sync.Sync(services.db, services.repo, services.validate, sync.record_screening_item)
    first, cpu_s, counts = timed(syncing, bodies)
    replay, _, replayed = timed(syncing, bodies)
    services.db.dispose()
    items = args.batches * args.people * 2
    return {
        "bench": "sync_upload",
        "db": services.db.dialect,
        "batches": args.batches,
        "items_per_batch": args.people * 2,
        "counts": counts,
        "items_per_s": round(items / (sum(first) / 1000)),
        # per second of this process's CPU: the figure when the machine's cores are shared
        "items_per_cpu_s": round(items / cpu_s),
        "batch_median_ms": round(statistics.median(first), 1),
        "batch_max_ms": round(max(first), 1),
        "replay_batch_median_ms": round(statistics.median(replay), 1),
        "replay_counts": replayed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(run(url, Path(tmp), args))


if __name__ == "__main__":
    main()
