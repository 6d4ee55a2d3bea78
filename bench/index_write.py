"""Search indexing at write time: what it costs a create, in process (issue 3: ≤ 30%).

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/index_write.py --db sqlite --db postgres

(a) `SearchIndexer.rows` µs per resource, by type, over every Synthea resource;
(b) `FhirRepository.create`, one transaction per resource (as a REST create runs it), with the
    store's `NoIndexer` and with the real `RuntimeIndexer`, rounds alternating between the two on
    the same database: µs per create and the ratio;
(c) bulk loads (`put_many`, 500 resources a transaction, as an import does) with and without
    indexing, resources per second.

Figures are medians over `--rounds` rounds; compare only figures from the same run.
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

from common import cloned, database, emit, synthea_resources
from enlace.kernel.clock import system_clock
from enlace.kernel.ids import random_ids
from enlace.search.index_writer import SearchIndexer
from enlace.search.registry import load_registry
from enlace.search.runtime import RuntimeIndexer, SearchRuntime
from enlace.store import migrate
from enlace.store.bulk import PutItem
from enlace.store.database import Database, open_database
from enlace.store.records import Indexer, NoIndexer
from enlace.store.repository import FhirRepository

BULK_BATCH = 500


def rows_by_type(resources: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    indexer = SearchIndexer(load_registry())
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        by_type[resource["resourceType"]].append(resource)
    timings: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, float] = {}
    for resource in resources:  # compile every type's plan outside the timing
        indexer.rows(resource["resourceType"], resource["id"], resource)
    for _ in range(rounds):
        for resource_type, items in by_type.items():
            started = time.perf_counter()
            for resource in items:
                indexer.rows(resource_type, resource["id"], resource)
            timings[resource_type].append((time.perf_counter() - started) / len(items) * 1e6)
    for resource_type, items in by_type.items():
        total = sum(indexer.rows(resource_type, r["id"], r).count() for r in items)
        counts[resource_type] = round(total / len(items), 1)
    everything = sum(statistics.median(timings[t]) * len(by_type[t]) for t in by_type)
    return {
        "all_types_us": round(everything / len(resources), 1),
        "us_by_type": {t: round(statistics.median(v), 1) for t, v in sorted(timings.items())},
        "rows_by_type": dict(sorted(counts.items())),
    }


def _fresh_copies(templates: list[bytes]) -> list[dict[str, Any]]:
    """Untouched copies (create stamps id and meta into the dict it is given)."""
    return [orjson.loads(t) for t in templates]


def _timed(label: str, samples: dict[str, list[float]], run: Callable[[], int]) -> None:
    started = time.perf_counter()
    done = run()
    samples[label].append((time.perf_counter() - started) / done * 1e6)


def creates(db: Database, templates: list[bytes], rounds: int) -> dict[str, Any]:
    runtime = SearchRuntime(load_registry())
    repos: dict[str, FhirRepository] = {
        "no_index": FhirRepository(system_clock, random_ids, NoIndexer()),
        "index": FhirRepository(system_clock, random_ids, RuntimeIndexer(runtime)),
    }

    def create_all(repo: FhirRepository, batch: list[dict[str, Any]]) -> int:
        for resource in batch:
            with db.begin() as conn:
                repo.create(conn, resource)
        return len(batch)

    samples: dict[str, list[float]] = defaultdict(list)
    create_all(repos["index"], _fresh_copies(templates[:200]))  # warm-up: plans, pools, caches
    create_all(repos["no_index"], _fresh_copies(templates[:200]))
    for round_no in range(rounds):
        order = list(repos) if round_no % 2 == 0 else list(reversed(repos))
        for label in order:
            batch = _fresh_copies(templates)
            _timed(label, samples, lambda r=repos[label], b=batch: create_all(r, b))
    return _summary(samples, "us_per_create")


def bulk_loads(db: Database, lines: list[bytes], rounds: int) -> dict[str, Any]:
    runtime = SearchRuntime(load_registry())
    indexers: dict[str, Indexer] = {"no_index": NoIndexer(), "index": RuntimeIndexer(runtime)}
    chunk = len(lines) // (2 * rounds + 2)
    parts = iter(lines[i : i + chunk] for i in range(0, chunk * (2 * rounds + 2), chunk))

    def load(indexer: Indexer, part: list[bytes]) -> int:
        repo = FhirRepository(system_clock, random_ids, indexer)
        resources = [orjson.loads(line) for line in part]
        for start in range(0, len(resources), BULK_BATCH):
            items = [PutItem(r) for r in resources[start : start + BULK_BATCH]]
            with db.begin() as conn:
                repo.put_many(conn, items)
        return len(resources)

    samples: dict[str, list[float]] = defaultdict(list)
    load(indexers["index"], next(parts))  # warm-up
    load(indexers["no_index"], next(parts))
    for round_no in range(rounds):
        order = list(indexers) if round_no % 2 == 0 else list(reversed(indexers))
        for label in order:
            _timed(label, samples, lambda i=indexers[label], p=next(parts): load(i, p))
    summary = _summary(samples, "us_per_resource")
    summary["resources_per_s"] = {
        label: round(1e6 / us) for label, us in summary["us_per_resource"].items()
    }
    return summary


def _summary(samples: dict[str, list[float]], unit: str) -> dict[str, Any]:
    medians = {label: statistics.median(values) for label, values in samples.items()}
    return {
        unit: {label: round(value, 1) for label, value in medians.items()},
        "ratio": round(medians["index"] / medians["no_index"], 3),
        "added_us": round(medians["index"] - medians["no_index"], 1),
        "rounds": {label: [round(v, 1) for v in values] for label, values in samples.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--creates", type=int, default=1000, help="resources per create round")
    parser.add_argument("--bulk", type=int, default=3000, help="resources per bulk round, 0: skip")
    parser.add_argument("--type", help="create only resources of this type (default: the mix)")
    args = parser.parse_args()
    resources = synthea_resources()
    result: dict[str, Any] = {"bench": "index_write", "rounds": args.rounds}
    result["rows"] = rows_by_type(resources, args.rounds)
    sample = [r for r in resources if args.type in (None, r["resourceType"])]
    templates = [orjson.dumps(r) for r in (sample * (1 + args.creates // len(sample)))]
    templates = templates[: args.creates]
    result["create_mix"] = args.type or "Synthea sample, in bundle order"
    for kind in args.db or ["sqlite"]:
        with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
            db = open_database(url)
            migrate.upgrade(db)
            try:
                result[f"create_{kind}"] = creates(db, templates, args.rounds)
                if args.bulk:
                    lines = list(cloned(resources, args.bulk * (2 * args.rounds + 2)))
                    result[f"bulk_{kind}"] = bulk_loads(db, lines, args.rounds)
            finally:
                db.dispose()
    emit(result)


if __name__ == "__main__":
    main()
