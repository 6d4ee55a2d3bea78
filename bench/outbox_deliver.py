"""The messaging outbox: queueing inside a transaction and delivery to the adapter.

.venv/bin/python bench/outbox_deliver.py [--db sqlite|postgres] [--messages 5000] [--runs 3]

Each run: `--messages` opted-in patients get one adherence message each, queued with
`messaging.enqueue_many` in transactions of 500 (as the daily intervention job does: one transaction
for the day's actions), then `messaging.deliver` hands them to the file adapter
($VAR/outbox.ndjson) and records each as delivered with its FHIR Communication and attempt row.
Reports the median queueing rate and delivery rate (messages/s; issue 16's target is >= 500/s
to the adapter) over the runs. The consent rows are written once, outside the timing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import messaging

NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 in Mexico City
DAY = 86_400_000_000
PARAMS = {"sender": "Red Enlace", "name": "Ana", "medicine": "metformina"}
BATCH = 500


def opt_in(services: object, patients: int) -> None:
    db = services.db  # type: ignore[attr-defined]
    with db.begin() as conn:
        for i in range(patients):
            messaging.set_preference(conn, f"p{i}", "sms", f"+5255{i:08d}", NOON - DAY)
            messaging.grant(conn, f"p{i}", "sms", "Red Enlace", "bench", NOON - DAY)


def one_run(services: object, patients: int, run: int) -> tuple[float, float]:
    db, repo = services.db, services.repo  # type: ignore[attr-defined]
    at = NOON + run * 2 * DAY  # a new day each run: the caps let one message a patient through
    started = time.perf_counter()
    for first in range(0, patients, BATCH):
        requests = [
            messaging.MessageRequest(
                f"p{i}", "dose-reminder", PARAMS, f"bench-{run}-{i}", {"rule": "bench"}
            )
            for i in range(first, min(first + BATCH, patients))
        ]
        with db.begin() as conn:
            messaging.enqueue_many(conn, requests, at)
    queued_s = time.perf_counter() - started
    adapter = messaging.default_adapter(services.settings.var_dir)  # type: ignore[attr-defined]
    started = time.perf_counter()
    report = messaging.deliver(db, repo, adapter, at)
    delivered_s = time.perf_counter() - started
    assert report.delivered == patients, report
    return patients / queued_s, patients / delivered_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, database(args.db, Path(folder)) as url:
        settings = Settings.from_env(
            database_url=url, var_dir=Path(folder) / "var", log_requests=False
        )
        services = build(settings)
        opt_in(services, args.messages)
        rates = [one_run(services, args.messages, run) for run in range(args.runs)]
        services.db.dispose()
    emit(
        {
            "bench": "outbox_deliver",
            "db": args.db,
            "messages": args.messages,
            "runs": args.runs,
            "enqueue_per_s_median": round(statistics.median(r[0] for r in rates)),
            "deliver_per_s_median": round(statistics.median(r[1] for r in rates)),
        }
    )


if __name__ == "__main__":
    main()
