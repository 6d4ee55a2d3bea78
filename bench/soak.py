"""Soak: a live `enlace serve` (N workers) under a realistic mix for a long time (issue 17 part 5).

    nice -n 10 .venv/bin/python bench/soak.py --db postgres --minutes 30
    .venv/bin/python bench/soak.py --db sqlite --minutes 2 --rate 20      # a quick look

The store is a small network built before the clock starts: the catalogs and insurance plans,
`--prescriptions` IMSS affiliates with an active metformin prescription and the packs to fill it
on the pharmacy's shelf (bench/dispense.py), `--devices` patients with a bound CGM
(bench/ingest_load.py), and the analytics views behind the dashboards (bench/indicators.py).
`--clients` threads then offer `--rate` requests/s in all, each request drawn from the mix:

  fhir-read     GET /fhir/Patient/{id}
  fhir-search   GET /fhir/MedicationRequest?patient=..., /fhir/Observation?patient=...&_count=20
                (device readings merged in), /fhir/Patient?family=...
  fhir-create   POST /fhir/Observation (a blood pressure)
  dispense      POST /fhir/MedicationDispense/$dispense (scans, stock, trace, claim; one each)
  ingest        POST /devices/{id}/readings (12 CGM readings, alert rules run)
  dashboard     GET /analytics/network (a signed-in analyst's page)

Reported: throughput, p50/p95/p99 and errors per kind (any status >= 400 or a failed request is
an error), and the server's resident memory (all its processes) sampled every
`--sample-seconds` with the slope of a least-squares line after warm-up: flat when the growth
that line predicts over the whole run is under 5% of the median. One JSON line.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import httpx

import dispense as dispensing
from common import ROOT, database, emit
from enlace.bootstrap import build
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import analytics
from enlace.security import users
from indicators import synthetic
from ingest_load import Batches, BenchDevice, children, populate, rss_mb

MIX = {  # kind: weight (share of requests)
    "fhir-read": 30,
    "fhir-search": 25,
    "fhir-create": 12,
    "ingest": 18,
    "dispense": 8,
    "dashboard": 7,
}
PORT = 8791


class Network:
    """What the requests draw on, and the counters that keep each dispense and batch unique."""

    def __init__(self, prescriptions: int, devices: list[BenchDevice], cookie: str) -> None:
        self.prescriptions = prescriptions
        self.devices = devices
        self.cookie = cookie
        self.batches = Batches(12)
        self._lock = threading.Lock()
        self._next_rx = 0
        self._next_batch = 0

    def take_prescription(self) -> int | None:
        with self._lock:
            if self._next_rx >= self.prescriptions:
                return None
            self._next_rx += 1
            return self._next_rx - 1

    def take_batch(self) -> tuple[BenchDevice, bytes]:
        with self._lock:
            n = self._next_batch
            self._next_batch += 1
        device = self.devices[n % len(self.devices)]
        return device, self.batches.body((n // len(self.devices)) % 380)


def build_network(url: str, workdir: Path, args: argparse.Namespace) -> Network:
    settings = Settings.from_env(database_url=url, var_dir=workdir)
    services = build(settings)
    dispensing.setup(services, args.prescriptions)
    devices = populate(services, args.devices)
    con = duckdb.connect(str(analytics.duckdb_path(settings)))
    synthetic(con, args.prescriptions)
    con.close()
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        user = users.add_user(
            conn, username="soak", password="soak password 1234", role="analyst", now_us=now
        )
        cookie = users.start_session(conn, user, now, False)
    services.db.dispose()
    return Network(args.prescriptions, devices, cookie)


def request_for(kind: str, net: Network, rng: random.Random) -> Callable[[httpx.Client], int]:
    """One request of the kind, as a function of the client; returns the status."""
    patient = f"b{rng.randrange(net.prescriptions)}"
    if kind == "fhir-read":
        return lambda c: c.get(f"/fhir/Patient/{patient}").status_code
    if kind == "fhir-search":
        device = rng.choice(net.devices)
        url = rng.choice(
            [
                f"/fhir/MedicationRequest?patient={patient}",
                f"/fhir/Observation?patient={device.patient}&_count=20",
                f"/fhir/Patient?family=Bench{rng.randrange(len(net.devices))}",
            ]
        )
        return lambda c: c.get(url).status_code
    if kind == "fhir-create":
        body = blood_pressure(patient, rng)
        return lambda c: c.post("/fhir/Observation", json=body).status_code
    if kind == "ingest":
        device, batch = net.take_batch()
        headers = {"X-Device-Key": device.key, "Content-Type": "application/json"}
        return lambda c: (
            c.post(f"/devices/{device.id}/readings", content=batch, headers=headers).status_code
        )
    if kind == "dispense":
        n = net.take_prescription()
        if n is None:  # every prescription filled: a read instead (counted as one)
            return request_for("fhir-read", net, rng)
        body = dispensing.params(n)
        return lambda c: c.post("/fhir/MedicationDispense/$dispense", json=body).status_code
    cookies = {"enlace_session": net.cookie}
    page = "/analytics/network?period=2026-09&indicator=dm2_hba1c_lt7"
    return lambda c: c.get(page, cookies=cookies).status_code


def blood_pressure(patient: str, rng: random.Random) -> dict[str, Any]:
    def component(code: str, value: int) -> dict[str, Any]:
        quantity = {
            "value": value,
            "unit": "mmHg",
            "system": "http://unitsofmeasure.org",
            "code": "mm[Hg]",
        }
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": quantity,
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": "2026-11-01T10:00:00-06:00",
        "component": [component("8480-6", rng.randint(105, 150)), component("8462-4", rng.randint(65, 95))],
    }  # fmt: skip


@contextmanager
def serve(url: str, workdir: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`enlace serve` on the store, its log in workdir/server.log (shown if it never gets ready)."""
    env = {**os.environ, "ENLACE_DATABASE_URL": url, "ENLACE_VAR_DIR": str(workdir),
           "ENLACE_LOG_REQUESTS": "0"}  # fmt: skip
    log = (workdir / "server.log").open("wb")
    # A worker starting slowly on a loaded machine is not killed (its ping waits behind imports).
    command = [
        str(ROOT / ".venv" / "bin" / "enlace"),
        "serve",
        "--port",
        str(PORT),
        "--worker-healthcheck",
        "300",
    ]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        _wait_ready(base, workdir)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _wait_ready(base: str, workdir: Path) -> None:
    deadline = time.time() + 240  # workers import numpy, OR-Tools... on a shared machine
    answer = "no answer"
    while time.time() < deadline:
        try:
            reply = httpx.get(f"{base}/readyz", timeout=2)
            if reply.status_code == 200:
                return
            answer = reply.text
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    tail = (workdir / "server.log").read_text()[-3000:]
    raise RuntimeError(f"server not ready ({answer}); log:\n{tail}")


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status >= 400 or status == 0:
                self.errors[kind] += 1


def client_loop(
    base: str, net: Network, results: Results, interval: float, until: float, seed: int
) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    due = time.monotonic() + rng.random() * interval
    with httpx.Client(base_url=base, timeout=60) as client:
        while due < until:
            time.sleep(max(0.0, due - time.monotonic()))
            kind = rng.choices(kinds, weights)[0]
            call = request_for(kind, net, rng)
            began = time.perf_counter()
            try:
                status = call(client)
            except httpx.HTTPError:
                status = 0
            results.add(kind, time.perf_counter() - began, status)
            due += interval  # open loop: a slow answer does not lower the offered rate


def sample_memory(
    pid: int, every: float, stop: threading.Event, samples: list[tuple[float, float]]
) -> None:
    began = time.monotonic()
    while True:
        samples.append((round(time.monotonic() - began, 1), rss_mb(children(pid))))
        if stop.wait(every):
            return


def flatness(samples: list[tuple[float, float]], seconds: float) -> dict[str, Any]:
    """Least-squares slope of RSS after warm-up (the first fifth of the samples, at least one)."""
    kept = samples[max(1, len(samples) // 5) :]
    if len(kept) < 3:
        return {"flat": None, "reason": "fewer than 3 samples after warm-up"}
    times = [t for t, _ in kept]
    values = [mb for _, mb in kept]
    slope = statistics.linear_regression(times, values).slope  # MB per second
    growth = slope * seconds
    median = statistics.median(values)
    return {
        "slope_mb_per_hour": round(slope * 3600, 2),
        "predicted_growth_mb": round(growth, 1),
        "median_mb": median,
        "flat": growth < 0.05 * median,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def per_kind(results: Results, seconds: float) -> dict[str, Any]:
    out = {}
    for kind, values in sorted(results.latencies.items()):
        out[kind] = {
            "requests": len(values),
            "per_s": round(len(values) / seconds, 2),
            "p50_ms": round(1000 * percentile(values, 0.50), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1),
            "errors": results.errors.get(kind, 0),
            "statuses": dict(results.statuses[kind]),
        }
    return out


def soak(base: str, pid: int, net: Network, args: argparse.Namespace) -> dict[str, Any]:
    results, stop = Results(), threading.Event()
    samples: list[tuple[float, float]] = []
    sampler = threading.Thread(target=sample_memory, args=(pid, args.sample_seconds, stop, samples))
    sampler.start()
    seconds = args.minutes * 60
    began = time.monotonic()
    until = began + seconds
    interval = args.clients / args.rate
    threads = [
        threading.Thread(target=client_loop, args=(base, net, results, interval, until, seed))
        for seed in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    stop.set()
    sampler.join()
    total = sum(len(v) for v in results.latencies.values())
    return {
        "requests": total,
        "throughput_per_s": round(total / elapsed, 1),
        "errors": sum(results.errors.values()),
        "kinds": per_kind(results, elapsed),
        "rss_mb": [mb for _, mb in samples],
        "rss_sample_seconds": args.sample_seconds,
        "memory": flatness(samples, elapsed),
        "elapsed_s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=40.0, help="Requests/s offered in all.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--prescriptions", type=int, default=0, help="Default: enough to dispense all run."
    )
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--sample-seconds", type=float, default=60.0)
    args = parser.parse_args()
    if not args.prescriptions:  # one per dispense the mix will ask for, and a margin
        share = MIX["dispense"] / sum(MIX.values())
        args.prescriptions = int(args.rate * args.minutes * 60 * share * 1.2) + 50
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        began = time.perf_counter()
        net = build_network(url, Path(tmp), args)
        setup_s = round(time.perf_counter() - began, 1)
        with serve(url, Path(tmp), args.workers) as (base, process):
            figures = soak(base, process.pid, net, args)
            scraped = httpx.get(f"{base}/metrics", timeout=30).text
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for line in scraped.splitlines()
        if line.startswith("enlace_http_requests_total{")
    )
    emit({"bench": "soak", "db": args.db, "minutes": args.minutes, "rate": args.rate,
          "clients": args.clients, "workers": args.workers, "prescriptions": args.prescriptions,
          "devices": args.devices, "setup_s": setup_s, "server_counted_requests": served,
          "mix": MIX, **figures})  # fmt: skip


if __name__ == "__main__":
    main()
