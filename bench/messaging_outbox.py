"""Two-way messaging (issue 16): outbox delivery to the adapter while other writes go on, and the
rate of handling inbound texts.

.venv/bin/python bench/messaging_outbox.py [--db sqlite|postgres] [--messages 2000] [--texts 300]

1. Delivery: `--messages` opted-in patients get one dose reminder each (queued with
   `enqueue_many` in batches of 500: the queue's write path, messages/s; then queued again,
   all duplicates: the dedupe lookup, messages/s), then `messaging.deliver` hands them to the
   file adapter (outbox.ndjson) while a second thread keeps writing (one `enqueue` transaction after another, as a clinic's actions
   would): the delivery rate (messages/s) and the writer's median and worst latency during it
   ("without blocking writes": the deliverer never holds a transaction open around the adapter).
2. Inbound: `--texts` texts ("GLU 1xx", TOMÉ, unparseable) from the same patients through
   `messaging.receive` (match by number, parse, reading + rules or dose, Communication, reply
   queued), one after another: texts/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import messaging
from outbox_deliver import NOON, PARAMS, opt_in

BATCH = 500
TEXTS = ("GLU {n}", "TOMÉ", "PA 1{n2}/85", "hola", "PESO 7{d}.5")


def queue(services: object, patients: int) -> float:
    """The queue's write path: `enqueue_many` in batches of 500; messages/s. Run a second time,
    every request finds its (patient, dedupe key) already queued and writes nothing."""
    db = services.db  # type: ignore[attr-defined]
    started = time.perf_counter()
    for first in range(0, patients, BATCH):
        requests = [
            messaging.MessageRequest(f"p{i}", "dose-reminder", PARAMS, f"b-{i}", {"rule": "b"})
            for i in range(first, min(first + BATCH, patients))
        ]
        with db.begin() as conn:
            messaging.enqueue_many(conn, requests, NOON)
    return patients / (time.perf_counter() - started)


def deliver_while_writing(services: object, patients: int) -> tuple[float, list[float]]:
    db, repo = services.db, services.repo  # type: ignore[attr-defined]
    latencies: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            request = messaging.MessageRequest(
                "writer", "dose-reminder", PARAMS, f"w-{n}", {"rule": "writer"}
            )
            started = time.perf_counter()
            with db.begin() as conn:
                messaging.enqueue(conn, request, NOON + 3_600_000_000)  # not due yet
            latencies.append(time.perf_counter() - started)
            n += 1
            stop.wait(0.01)  # a busy clinic, not a tight loop that starves the deliverer

    thread = threading.Thread(target=writer)
    thread.start()
    adapter = messaging.default_adapter(services.settings.var_dir)  # type: ignore[attr-defined]
    started = time.perf_counter()
    report = messaging.deliver(db, repo, adapter, NOON)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join()
    assert report.delivered == patients, report
    return patients / elapsed, latencies


def inbound(services: object, texts: int, patients: int) -> float:
    db, repo = services.db, services.repo  # type: ignore[attr-defined]
    started = time.perf_counter()
    for i in range(texts):
        body = TEXTS[i % len(TEXTS)].format(n=100 + i % 150, n2=10 + i % 80, d=i % 10)
        sms = messaging.InboundSms(f"bench-in-{i}", f"+5255{i % patients:08d}", body)
        messaging.receive(db, repo, sms, NOON + 1_000_000 * i)
    return texts / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--texts", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, database(args.db, Path(folder)) as url:
        settings = Settings.from_env(
            database_url=url, var_dir=Path(folder) / "var", log_requests=False
        )
        services = build(settings)
        opt_in(services, args.messages)
        queue_rate = queue(services, args.messages)
        requeue_rate = queue(services, args.messages)  # a job run twice: all duplicates
        rate, latencies = deliver_while_writing(services, args.messages)
        texts_per_s = inbound(services, args.texts, args.messages)
        services.db.dispose()
    emit(
        {
            "bench": "messaging_outbox",
            "db": args.db,
            "messages": args.messages,
            "queue_per_s": round(queue_rate),
            "requeue_per_s": round(requeue_rate),
            "deliver_per_s": round(rate),
            "writes_during_delivery": len(latencies),
            "write_ms_median": round(1000 * statistics.median(latencies), 1),
            "write_ms_max": round(1000 * max(latencies), 1),
            "texts": args.texts,
            "inbound_per_s": round(texts_per_s, 1),
        }
    )


if __name__ == "__main__":
    main()
