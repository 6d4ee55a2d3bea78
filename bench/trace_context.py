"""The cost of storing the trace context (W3C traceparent, migration 0035) on the outbox write
paths, tracing off against tracing on, in the same run.

.venv/bin/python bench/trace_context.py [--db sqlite|postgres] [--writes 400] [--rounds 5]

Two write paths, each timed per transaction (median µs):
- `enqueue`: one message queued in its own transaction (`messaging.enqueue`, as an action queues
  a reminder), the messaging outbox row then carries the context;
- `create`: one Patient created (`repo.create`), its resource_history row carries it.
"off": no span is current (tracing off: `traceparent()` finds nothing recording and NULL is
stored). "on": each transaction runs inside a recording span of an SDK tracer provider (no
exporter: the span's export cost is tracing's, not the outbox's), so the context is injected
and stored. The span is opened outside the timed section, so the difference is the write path's
own overhead. "span": the same recording span with storing disabled (`traceparent()` replaced
by one answering None), the control that separates the span's mere presence from the storing.
Rounds alternate the modes so that drift on a shared machine hits all alike.
Also `traceparent_us`: the median cost of one `tracing.traceparent()` inside a span.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel import tracing
from enlace.kernel.settings import Settings
from enlace.modules import messaging
from outbox_deliver import NOON, PARAMS, opt_in

MODES = ("off", "on", "span")
_tracer = TracerProvider().get_tracer("bench")


@contextmanager
def scope(mode: str) -> Iterator[None]:
    if mode == "off":
        yield
        return
    stored = tracing.traceparent
    if mode == "span":
        tracing.traceparent = lambda: None
    try:
        with _tracer.start_as_current_span("request"):
            yield
    finally:
        tracing.traceparent = stored


def timed(mode: str, count: int, write: Callable[[int], None], start: int) -> list[float]:
    """Per-transaction µs of `count` writes, each inside the mode's scope."""
    samples = []
    for n in range(start, start + count):
        with scope(mode):
            began = time.perf_counter()
            write(n)
            samples.append((time.perf_counter() - began) * 1e6)
    return samples


def writers(services: Any, patients: int) -> dict[str, Callable[[int], None]]:
    db, repo = services.db, services.repo

    def enqueue(n: int) -> None:
        request = messaging.MessageRequest(
            f"p{n % patients}", "dose-reminder", PARAMS, f"trace-{n}", {"rule": "bench"}
        )
        with db.begin() as conn:
            messaging.enqueue(conn, request, NOON)

    def create(n: int) -> None:
        with db.begin() as conn:
            repo.create(conn, {"resourceType": "Patient", "gender": "female"})

    return {"enqueue": enqueue, "create": create}


def stored_contexts(services: Any) -> dict[str, int]:
    """Rows that carry a context: the "on" writes, proof that the context was stored."""
    found = {}
    with services.db.read() as conn:
        for table in ("messaging_outbox", "resource_history"):
            query = text(f"SELECT count(*) FROM {table} WHERE trace_context IS NOT NULL")
            found[table] = int(conn.execute(query).scalar_one())
    return found


def traceparent_cost(count: int = 20_000) -> float:
    with _tracer.start_as_current_span("request"):
        began = time.perf_counter()
        for _ in range(count):
            tracing.traceparent()
        return (time.perf_counter() - began) * 1e6 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--writes", type=int, default=400, help="per mode and path")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    per_round = max(1, args.writes // args.rounds)
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp) / "var"))
        opt_in(services, 200)
        samples: dict[str, list[float]] = {}
        counter = 0
        for path, write in writers(services, 200).items():
            write(-1)  # warm the statement caches
            for _ in range(args.rounds):
                for mode in MODES:
                    samples.setdefault(f"{path}_{mode}", []).extend(
                        timed(mode, per_round, write, counter)
                    )
                    counter += per_round
        stored = stored_contexts(services)
        services.db.dispose()
    medians = {f"{k}_us": round(statistics.median(v), 1) for k, v in samples.items()}
    overhead = {
        f"{path}_overhead_pct": round(
            100 * (medians[f"{path}_on_us"] / medians[f"{path}_off_us"] - 1), 1
        )
        for path in ("enqueue", "create")
    }
    emit(
        {
            "bench": "trace_context",
            "db": args.db,
            "writes_per_mode": per_round * args.rounds,
            **medians,
            **overhead,
            "rows_with_context": stored,
            "traceparent_us": round(traceparent_cost(), 2),
        }
    )


if __name__ == "__main__":
    main()
