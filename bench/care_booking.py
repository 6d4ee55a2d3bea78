"""Booking under contention: many bookers racing for few slots (issue 14 part 2).

.venv/bin/python bench/care_booking.py [--db sqlite|postgres] [--slots 200] [--threads 8]
    [--runs 3]

Each run publishes `--slots` free slots, then `--threads` threads each try to book every slot in
a shuffled order, so every slot is raced for by all threads. Each attempt is one transaction:
the conditional `UPDATE care_slots ... WHERE status='free'` claim, then the Appointment, Slot
and row on success; 409 otherwise. Reports attempts/s, bookings/s, p50/p95 latency of an attempt, and checks the
invariant: exactly one appointment per slot. Staff bookings (no patient rules), so every free
slot is bookable and the only refusal is the race.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import care
from enlace.modules.care.tables import appointments

HOUR = 3_600_000_000
HOSPITAL = "Organization/org-hospital-l2-imss-09015"


def one_run(services: object, slots: int, threads: int, run: int) -> dict[str, float]:
    db, repo = services.db, services.repo  # type: ignore[attr-defined]
    now = epoch_us(repo.clock())
    starts = [now + (run * slots + i + 24) * HOUR for i in range(slots)]
    with db.begin() as conn:
        ids = care.publish(
            conn,
            repo,
            actor=f"Practitioner/bench-{run}",
            organization=HOSPITAL,
            mode="in-person",
            starts_us=starts,
            minutes=20,
        )
    latencies: list[float] = []
    booked = [0]
    lock = threading.Lock()
    gate = threading.Barrier(threads)

    def worker(index: int) -> None:
        order = list(ids)
        random.Random(run * 1000 + index).shuffle(order)
        gate.wait()
        for slot in order:
            began = time.perf_counter()
            try:
                with db.begin() as conn:
                    care.book(conn, repo, slot, f"p-{index}", now, by="staff")
                won = 1
            except errors.FhirError as exc:
                assert exc.status == 409, exc
                won = 0
            with lock:
                latencies.append(time.perf_counter() - began)
                booked[0] += won

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    with db.read() as conn:
        per_slot = conn.execute(
            select(appointments.c.slot_id, func.count())
            .where(appointments.c.slot_id.in_(ids))
            .group_by(appointments.c.slot_id)
        ).all()
    assert booked[0] == slots and len(per_slot) == slots and all(n == 1 for _, n in per_slot)
    latencies.sort()
    return {
        "attempts_per_s": len(latencies) / wall,
        "bookings_per_s": slots / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--slots", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, database(args.db, Path(folder)) as url:
        settings = Settings.from_env(
            database_url=url, var_dir=Path(folder) / "var", log_requests=False
        )
        services = build(settings)
        runs = [one_run(services, args.slots, args.threads, r) for r in range(args.runs)]
        services.db.dispose()
    median = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
    emit(
        {
            "bench": "care_booking",
            "db": args.db,
            "slots": args.slots,
            "threads": args.threads,
            "runs": args.runs,
            "double_booked": 0,
            **median,
        }
    )


if __name__ == "__main__":
    main()
