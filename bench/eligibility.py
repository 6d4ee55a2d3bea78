"""Real-time eligibility: the in-process Python API and `CoverageEligibilityRequest/$submit`.

    .venv/bin/python bench/eligibility.py --db sqlite --mode inprocess --checks 20000
    .venv/bin/python bench/eligibility.py --db postgres --mode http --connections 16 --duration 20
    .venv/bin/python bench/eligibility.py --db sqlite --mode inprocess --profile

Target (issue 7): p99 ≤ 20 ms at ≥ 1,000 checks/s. The store holds the catalogs, the seven
plans and `--people` insured people spread over the plans, half of them with usage already
accumulated. Each check names one person and one to three medicines of their conditions'
formulary, as a prescription would. `inprocess` runs `coverage.check` (what prescribing and
dispensing call, in their transaction) and `coverage.eligibility` (the FHIR operation without
HTTP) in one thread, closed loop; `http` drives `enlace serve` with wrk (auth and audit off,
as bench/crud.py's default).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import ROOT, database, emit, server
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules import coverage
from enlace.modules.catalog import formulary, load_catalogs
from enlace.modules.coverage import fhir_map
from enlace.store.bulk import PutItem

ON = date(2026, 3, 1)
PORT = 8766
GROUPS = ("diabetes", "hypertension", "dyslipidemia", "copd", "rheumatoid-arthritis", "hiv")


def populate(services: Services, people: int, seed: int) -> list[dict[str, Any]]:
    """Patients and Coverages over every plan; half the people with a month of usage."""
    load_catalogs(services)
    coverage.load_plans(services)
    rng = random.Random(seed)
    requests, resources = [], []
    for i in range(people):
        plan = coverage.PLANS[i % len(coverage.PLANS)]
        pid = f"b{i}"
        start = ON - timedelta(days=rng.randrange(40, 3000))
        resources += [
            {"resourceType": "Patient", "id": pid},
            fhir_map.coverage(f"{pid}-cov", pid, plan, start),
        ]
        group = rng.choice(GROUPS)
        slugs = [m.slug for m in formulary(group)]
        chosen = rng.sample(slugs, rng.randint(1, 3))
        requests.append(_request(pid, chosen))
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
        for i, body in enumerate(requests[::2]):
            items = [coverage.item(_slug(d)) for d in body["item"]]
            result = coverage.check(services, conn, f"b{2 * i}-cov", items, ON - timedelta(days=20))
            coverage.record_usage(conn, result)
    return requests


def _slug(item: dict[str, Any]) -> str:
    return str(item["detail"][0]["reference"]).removeprefix("Medication/med-")


def _request(pid: str, slugs: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "CoverageEligibilityRequest",
        "status": "active",
        "purpose": ["benefits", "auth-requirements"],
        "patient": {"reference": f"Patient/{pid}"},
        "servicedDate": ON.isoformat(),
        "created": f"{ON.isoformat()}T09:00:00Z",
        "insurer": {"reference": "Organization/org-imss"},
        "insurance": [{"coverage": {"reference": f"Coverage/{pid}-cov"}}],
        "item": [{"detail": [{"reference": f"Medication/med-{s}"}]} for s in slugs],
    }


def _latencies(run_one: Callable[[int], object], checks: int, threads: int) -> dict[str, Any]:
    """Closed loop in `threads` threads (as prescribing and dispensing call from several
    request threads at once): throughput over all, latency of every check."""
    for i in range(min(500, checks)):  # warm caches (plans, statements) first
        run_one(i)
    per_thread = checks // threads

    def loop(offset: int) -> list[int]:
        took = []
        for i in range(offset, offset + per_thread):
            t0 = time.perf_counter_ns()
            run_one(i)
            took.append(time.perf_counter_ns() - t0)
        return took

    begin = time.perf_counter()
    if threads == 1:  # in this thread, so that --profile sees it
        took = sorted(loop(0))
    else:
        with ThreadPoolExecutor(threads) as pool:
            took = sorted(t for part in pool.map(loop, range(0, checks, per_thread)) for t in part)
    elapsed = time.perf_counter() - begin

    def ms(q: float) -> float:
        return round(took[min(len(took) - 1, int(q * len(took)))] / 1e6, 3)

    return {
        "threads": threads,
        "checks": len(took),
        "checks_per_s": round(len(took) / elapsed),
        "p50_ms": ms(0.5),
        "p99_ms": ms(0.99),
        "max_ms": round(took[-1] / 1e6, 3),
    }


def in_process(
    services: Services, requests: list[dict[str, Any]], checks: int, threads: int = 1
) -> dict[str, Any]:
    parsed = [
        (f"{r['patient']['reference'][8:]}-cov", [coverage.item(_slug(d)) for d in r["item"]])
        for r in requests
    ]  # fmt: skip

    def python_api(i: int) -> object:
        coverage_id, items = parsed[i % len(parsed)]
        with services.db.read() as conn:
            return coverage.check(services, conn, coverage_id, items, ON)

    def fhir_service(i: int) -> object:
        with services.db.read() as conn:
            return coverage.eligibility(services, conn, requests[i % len(requests)])

    return {
        "python_api": _latencies(python_api, checks, threads),
        "fhir_service": _latencies(fhir_service, checks, threads),
    }


def over_http(
    url: str,
    tmp: Path,
    requests: list[dict[str, Any]],
    connections: int,
    duration: int,
    workers: int = 2,
) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    bodies = tmp / "bodies.ndjson"
    bodies.write_text("\n".join(json.dumps(r) for r in requests) + "\n")
    env = {**os.environ, "ENLACE_BENCH_BODIES": str(bodies)}
    extra = {"ENLACE_AUTH": "0", "ENLACE_AUDIT": "0"}
    with server(url, tmp, workers, PORT, extra) as (base, _):
        script = str(ROOT / "bench" / "eligibility.lua")
        command = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            script,
            base,
        ]
        subprocess.run(
            [*command[:3], "-d3s", *command[4:]], env=env, capture_output=True, check=True
        )
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return {"http": figures, "connections": connections, "workers": workers}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--mode", choices=["inprocess", "http"], default="inprocess")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--checks", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="enlace serve worker processes")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="in-process callers at once")
    parser.add_argument("--profile", action="store_true", help="cProfile the Python API loop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        settings = Settings.from_env(
            database_url=url, var_dir=Path(tmp) / "var", log_requests=False, audit_enabled=False
        )
        services = build(settings)
        requests = populate(services, args.people, args.seed)
        if args.profile:
            cProfile.runctx(
                "in_process(services, requests, 5000)", globals(), locals(), "/tmp/elig.prof"
            )
            pstats.Stats("/tmp/elig.prof").sort_stats("cumulative").print_stats(35)
            return
        if args.mode == "inprocess":
            figures = in_process(services, requests, args.checks, args.threads)
        else:
            figures = over_http(
                url, Path(tmp), requests, args.connections, args.duration, args.workers
            )
        services.db.dispose()
    emit(
        {"bench": "eligibility", "db": args.db, "mode": args.mode, "people": args.people, **figures}
    )


if __name__ == "__main__":
    main()
