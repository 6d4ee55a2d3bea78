"""Subscription delivery throughput, and the cost of delivery to the writes that cause events.

.venv/bin/python bench/subscriptions.py [--db sqlite|postgres] [--writes 2000] [--drain 10000]
    [--max-count 20] [--fail-every 10]

A rest-hook Subscription (id-only, `--max-count` events per bundle) on the MedicationDispense
topic points at a real local HTTP receiver (a server thread) that answers 500 to every
`--fail-every`-th POST, so retries with backoff are part of every figure.

1. baseline: `--writes` dispenses, each created in its own transaction, `--pace-ms` apart, no
   worker running;
2. concurrent: the same number of writes while the worker (match + deliver) runs on another
   thread of the same process, a pass every `--worker-pause-s` (the serving worker: 2 s) (its clock moves a minute a pass, so the 30 s backoff is due next pass);
   the write latencies are compared with the baseline's (median, p95);
3. drain: `--drain` dispenses written with the worker stopped, then the worker's passes are
   timed until every event is delivered: notifications per second (the issue asks >= 500).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import database, emit
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us, system_clock
from enlace.kernel.settings import Settings
from enlace.modules import subscriptions

if TYPE_CHECKING:
    from tests.integration.subscriptions.receiver import Receiver

MINUTE_US = 60_000_000
TOPIC = "http://enlace.mx/fhir/SubscriptionTopic/medication-dispense"
DISPENSE = {
    "resourceType": "MedicationDispense",
    "status": "completed",
    "medicationCodeableConcept": {"text": "metformina 850 mg"},
    "subject": {"reference": "Patient/p1"},
}


class Worker:
    """Passes of match + deliver on a thread, a simulated minute apart."""

    def __init__(self, services: Services, margin_us: int) -> None:
        self.services = services
        self.margin_us = margin_us
        self.now_us = epoch_us(system_clock())
        self.post = subscriptions.http_post()
        self.delivered = 0
        self.retried = 0
        self.errors: list[str] = []

    def step(self) -> None:
        report = subscriptions.run_once(
            self.services.db, self.services.repo, self.post, self.now_us, self.margin_us
        )
        self.delivered += report.delivery.delivered
        self.retried += report.delivery.retried
        self.now_us += MINUTE_US

    def loop(self, stop: threading.Event, pause_s: float) -> None:
        while not stop.wait(pause_s):
            try:
                self.step()
            except Exception as exc:  # the serving worker logs and tries again next pass
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])


def write(services: Services, count: int, pace_ms: float = 0.0) -> list[float]:
    """`count` writes, one transaction each, `pace_ms` apart (a stream of clinic writes that
    lasts long enough for the worker's passes to interleave with it); their latencies."""
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        with services.db.begin() as conn:
            services.repo.create(conn, dict(DISPENSE))
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(pace_ms / 1000)
    return latencies


def figures(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)], 3),
    }


def subscribe(services: Services, hook: Receiver, max_count: int) -> None:
    resource: dict[str, Any] = {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "benchmark",
        "criteria": TOPIC,
        "channel": {
            "type": "rest-hook",
            "endpoint": hook.url,
            "payload": "application/fhir+json",
            "extension": [{"url": subscriptions.MAX_COUNT, "valuePositiveInt": max_count}],
        },
    }
    problems = services.validate(resource, "Subscription")
    assert problems == [], problems
    with services.db.begin() as conn:
        services.repo.create(conn, resource)


def drain(worker: Worker, expected: int) -> tuple[float, int]:
    started = time.perf_counter()
    passes = 0
    while worker.delivered < expected and passes < 10_000:
        worker.step()
        passes += 1
    return time.perf_counter() - started, passes


def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from tests.integration.subscriptions.receiver import receiver  # on the path after common

    settings = Settings.from_env(database_url=url, var_dir=workdir, log_requests=False)
    services = build(settings)
    worker = Worker(services, subscriptions.default_margin_us(services.db))
    with receiver() as hook:
        hook.fail_every = args.fail_every
        baseline = write(services, args.writes, args.pace_ms)
        subscribe(services, hook, args.max_count)
        worker.step()  # cursor, state, handshake
        stop = threading.Event()
        thread = threading.Thread(target=worker.loop, args=(stop, args.worker_pause_s), daemon=True)
        thread.start()
        concurrent = write(services, args.writes, args.pace_ms)
        stop.set()
        thread.join()
        during = worker.delivered
        drain(worker, args.writes)  # what the concurrent phase left
        before = worker.delivered
        write(services, args.drain)
        seconds, passes = drain(worker, before + args.drain)
        failed_posts = hook.statuses.count(500)
    services.db.dispose()
    return {
        "bench": "subscriptions",
        "db": args.db,
        "max_count": args.max_count,
        "fail_every": args.fail_every,
        "writes": args.writes,
        "worker_pause_s": args.worker_pause_s,
        "write_baseline": figures(baseline),
        "write_with_delivery": figures(concurrent),
        "delivered_during_writes": during,
        "worker_errors": len(worker.errors),
        "first_worker_error": worker.errors[0] if worker.errors else None,
        "drained": args.drain,
        "drain_seconds": round(seconds, 3),
        "drain_passes": passes,
        "notifications_per_s": round(args.drain / seconds, 1),
        "failed_posts_retried": failed_posts,
        "events_retried": worker.retried,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--drain", type=int, default=10_000)
    parser.add_argument("--max-count", type=int, default=20)
    parser.add_argument("--fail-every", type=int, default=10)
    parser.add_argument("--pace-ms", type=float, default=2.0)
    parser.add_argument("--worker-pause-s", type=float, default=0.5)
    args = parser.parse_args()
    logging.getLogger("enlace.modules.subscriptions").setLevel(logging.ERROR)  # the 500s
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        emit(measure(url, Path(tmp), args))


if __name__ == "__main__":
    main()
