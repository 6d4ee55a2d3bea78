"""What sealing stored resources at rest costs (issue 4: identifiers encrypted at rest).

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/content_cipher.py --db sqlite --db postgres

(a) the primitive: `ContentCipher.seal` and `open` over the 6,243 Synthea resources as stored
    (stamped JSON bytes), µs per resource, median of `--rounds` passes;
(b) per database, two copies of the Synthea resources in the same tables, one written by
    Services without data keys and one by Services with (same planner statistics and caches),
    operations alternating between them so both see the same load on a shared machine (no
    audit trail, to isolate the cipher):
    - a create (`FhirRepository.create` with search indexing, a transaction each, one Services
      switched between no keys and keys), µs median and mean;
    - a by-id read (`FhirRepository.read` on its own read connection), µs median and mean;
    - a 50-resource search page (`GET Observation?subject=Patient/X&_count=50` through
      `dispatch`, X cycling over the patients with 50 Observations or more), ms median, mean;
    - the bytes the content columns take, current and history;
    - rotation (`content_rotation.rotate`) of both copies to a new key (the plain copy sealed
      for the first time, the keyed one re-sealed), rows (current + history) per second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import orjson

from common import cloned, database, emit, synthea_resources
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.router import dispatch
from enlace.kernel.datakeys import generate_key
from enlace.kernel.settings import Settings
from enlace.security.access import Access
from enlace.store import content_rotation
from enlace.store.bulk import PutItem, analyze
from enlace.store.content_cipher import ContentCipher, bind
from enlace.store.records import stamp

KEY_A, KEY_B = generate_key(), generate_key()
LABELS = ("plain", "keyed")


def primitive(resources: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    cipher = ContentCipher.from_setting(KEY_A)
    bodies = [
        (r["resourceType"], r["id"], stamp(dict(r), r["id"], 1, "2026-01-01T00:00:00.000Z"))
        for r in resources
    ]
    seal_us, open_us = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        sealed = [cipher.seal(t, i, 1, body) for t, i, body in bodies]
        seal_us.append((time.perf_counter() - started) / len(bodies) * 1e6)
        started = time.perf_counter()
        for (t, i, _), stored in zip(bodies, sealed, strict=True):
            cipher.open(t, i, 1, stored)
        open_us.append((time.perf_counter() - started) / len(bodies) * 1e6)
    sizes = [len(body) for _, _, body in bodies]
    return {
        "resources": len(bodies),
        "mean_bytes": round(statistics.fmean(sizes)),
        "max_bytes": max(sizes),
        "seal_us": round(statistics.median(seal_us), 2),
        "open_us": round(statistics.median(open_us), 2),
        "overhead_bytes": 39,
    }


class Samples:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)

    def time(self, label: str, run: Callable[[], Any]) -> None:
        started = time.perf_counter()
        run()
        self.times[label].append((time.perf_counter() - started) * 1e6)

    def summary(self, scale: float = 1.0, digits: int = 1) -> dict[str, Any]:
        median = {k: statistics.median(v) / scale for k, v in self.times.items()}
        mean = {k: statistics.fmean(v) / scale for k, v in self.times.items()}
        return {
            "median": {k: round(v, digits) for k, v in median.items()},
            "mean": {k: round(v, digits) for k, v in mean.items()},
            "added_median": round(median["keyed"] - median["plain"], digits + 1),
            "ratio_median": round(median["keyed"] / median["plain"], 3),
        }


def copies(resources: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Two copies of the Synthea resources under distinct ids, tagged `plain` and `keyed`."""
    lines = list(cloned(resources, 2 * len(resources)))
    out: dict[str, list[dict[str, Any]]] = {}
    for n, label in enumerate(LABELS):
        batch = [
            orjson.loads(line) for line in lines[n * len(resources) : (n + 1) * len(resources)]
        ]
        for resource in batch:
            resource["meta"] = {"tag": [{"system": "bench", "code": label}]}
        out[label] = batch
    return out


def load(stores: dict[str, Services], copies: dict[str, list[dict[str, Any]]]) -> None:
    """Each copy by its Services, 500 resources a transaction (not timed: the second copy
    loads slower whatever the keys, so a load rate would compare copies, not the cipher)."""
    for label in LABELS:
        for start in range(0, len(copies[label]), 500):
            with stores[label].db.begin() as conn:
                batch = [PutItem(r) for r in copies[label][start : start + 500]]
                stores[label].repo.put_many(conn, batch)


def creates(services: Services, templates: list[bytes], count: int) -> dict[str, Any]:
    """`FhirRepository.create` of Synthea resources (indexed), one transaction each, by one
    Services whose cipher is switched between keyless and keyed before each create: two
    Services alternating showed the second one slower whatever its keys (50-80 µs a create on
    PostgreSQL), which would have been blamed on the cipher."""
    ciphers = {"plain": ContentCipher(), "keyed": ContentCipher.from_setting(KEY_A)}
    samples = Samples()

    def create(template: bytes) -> None:
        with services.db.begin() as conn:
            services.repo.create(conn, orjson.loads(template))

    for n in range(count):
        template = templates[n % len(templates)]
        for label in LABELS if n % 2 else LABELS[::-1]:
            bind(services.db, ciphers[label])
            samples.time(label, lambda t=template: create(t))
    bind(services.db, ciphers["keyed"])
    return samples.summary()


def reads(
    stores: dict[str, Services], ids: dict[str, list[tuple[str, str]]], count: int
) -> dict[str, Any]:
    samples = Samples()

    def read(services: Services, key: tuple[str, str]) -> None:
        with services.db.read() as conn:
            services.repo.read(conn, *key)

    for n in range(count):
        for label in LABELS if n % 2 else LABELS[::-1]:
            key = ids[label][n % len(ids[label])]
            samples.time(label, lambda s=stores[label], k=key: read(s, k))
    return samples.summary()


def busy_patients(resources: list[dict[str, Any]]) -> list[str]:
    """Patients with at least 50 Observations: each gives a full first page."""
    counts: dict[str, int] = defaultdict(int)
    for r in resources:
        if r["resourceType"] == "Observation":
            counts[r["subject"]["reference"]] += 1
    return sorted(ref for ref, n in counts.items() if n >= 50)


def pages(
    stores: dict[str, Services], patients: dict[str, list[str]], count: int
) -> dict[str, Any]:
    """First pages of `Observation?subject=Patient/X&_count=50`, X cycling over busy patients:
    a clinician's most common page, whose SQL is cheap enough for the cipher's share to show."""
    samples = Samples()
    base = "http://bench/fhir"

    def search(services: Services, patient: str) -> None:
        params = [("subject", patient), ("_count", "50"), ("_total", "none")]
        request = FhirRequest(
            "GET", "/Observation", params, {}, b"", base, access=Access.internal()
        )
        response = dispatch(services, request)
        assert response.status == 200

    for n in range(count):
        for label in LABELS if n % 2 else LABELS[::-1]:
            patient = patients[label][n % len(patients[label])]
            samples.time(label, lambda s=stores[label], p=patient: search(s, p))
    return samples.summary(scale=1000, digits=2)


def stored_bytes(services: Services, ids: set[tuple[str, str]]) -> int:
    """Bytes the content column takes for these resources, current and history (PostgreSQL:
    after TOAST compression, which sealed bytes defeat; SQLite never compresses)."""
    size = "pg_column_size" if services.db.dialect == "postgresql" else "length"
    total = 0
    with services.db.read() as conn:
        for table in ("resources", "resource_history"):
            sql = f"SELECT resource_type, id, {size}(content) FROM {table}"
            total += sum(n or 0 for t, i, n in conn.exec_driver_sql(sql) if (t, i) in ids)
    return total


def rotation(services: Services, keys: str) -> dict[str, Any]:
    """Both copies to a new key: the plain copy sealed for the first time, the keyed re-sealed."""
    started = time.perf_counter()
    report = content_rotation.rotate(services.db, ContentCipher.from_setting(keys), 500)
    seconds = time.perf_counter() - started
    rows = sum(t.resealed for t in report)
    return {"rows": rows, "rows_per_s": round(rows / seconds)}


@contextmanager
def stores(kind: str) -> Iterator[dict[str, Services]]:
    """One database, two Services: without data keys and with (rows of both in the same tables,
    so the planner, caches and statistics are the same for both)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(kind, Path(tmp)) as url,
        ExitStack() as stack,
    ):
        built = {}
        for label, keys in zip(LABELS, ("", KEY_A), strict=True):
            settings = Settings.from_env(
                database_url=url, var_dir=Path(tmp), data_keys=keys, audit_enabled=False
            )
            built[label] = build(settings)
            stack.callback(built[label].db.dispose)
        yield built


def per_store(kind: str, resources: list[dict[str, Any]], args: Any) -> dict[str, Any]:
    loads = copies(resources)
    with stores(kind) as built:
        every = {label: {(r["resourceType"], r["id"]) for r in loads[label]} for label in LABELS}
        patients = {label: busy_patients(loads[label]) for label in LABELS}
        load(built, loads)
        with built["plain"].db.begin() as conn:
            analyze(conn)
        step = max(1, len(resources) // 500)
        ids = {label: sorted(every[label])[::step] for label in LABELS}
        reads(built, ids, 400)  # warm-up: pools, plans, caches
        pages(built, patients, 40)
        templates = [orjson.dumps({**r, "meta": {}}) for r in resources]
        creates(built["keyed"], templates, 200)
        result = {
            "create_us": creates(built["keyed"], templates, args.creates),
            "read_us": reads(built, ids, args.reads),
            "page_ms": pages(built, patients, args.pages),
            "content_bytes": {label: stored_bytes(built[label], every[label]) for label in LABELS},
        }
        result["rotate"] = rotation(built["keyed"], f"{KEY_B},{KEY_A}")
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--creates", type=int, default=1000, help="creates per Services")
    parser.add_argument("--reads", type=int, default=5000, help="by-id reads per Services")
    parser.add_argument("--pages", type=int, default=400, help="search pages per Services")
    args = parser.parse_args()
    resources = synthea_resources()
    result: dict[str, Any] = {"bench": "content_cipher"}
    result["primitive"] = primitive(resources, args.rounds)
    for kind in args.db or ["sqlite"]:
        result[kind] = per_store(kind, resources, args)
    emit(result)


if __name__ == "__main__":
    main()
