"""Sustained HTTP ingestion with the alert rules evaluated: `POST /devices/{id}/readings` (compact
batch JSON, X-Device-Key) to a live `enlace serve` (issue 9, Performance).

    .venv/bin/python bench/ingest_http.py --db sqlite
    .venv/bin/python bench/ingest_http.py --db postgres --workers 2 --connections 8 --soak 600

Target: ≥ 20,000 readings/s on 2 cores, alert latency p99 ≤ 1 s from receipt, memory flat over
a 10-minute soak. Throughput runs post `--batches` compact batches of `--batch` CGM readings per
device for `--devices` devices from `--connections` concurrent clients; readings/s is the
readings the answers report accepted over the wall time (median of `--runs`). Then a paced phase
offers `--rate` readings/s for `--soak` seconds while the server's RSS (all its processes) is
sampled, and a probe device a second posts a hypoglycaemia event (bench/ingest_load.py Probes):
alert latency from receipt (monitoring_alerts.opened_us - received_us) and from the post.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from common import database, emit, server
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from ingest_load import Batches, BenchDevice, Probes, RssSampler, paced, populate

PORT = 8771


class Clients:
    """`connections` keep-alive HTTP clients, one per thread, posting batches."""

    def __init__(self, base: str, connections: int) -> None:
        self.base = base
        self.pool = ThreadPoolExecutor(connections)
        self.local = threading.local()
        self.accepted = 0
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def _client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.base, timeout=60)
        client: httpx.Client = self.local.client
        return client

    def post(self, device: BenchDevice, body: bytes) -> None:
        answer = self._client().post(
            f"/devices/{device.id}/readings",
            content=body,
            headers={"X-Device-Key": device.key, "Content-Type": "application/json"},
        )
        with self.lock:
            if answer.status_code == 200:
                self.accepted += answer.json()["accepted"]
            else:
                self.failures.append(f"{answer.status_code} {answer.text[:200]}")

    def submit(self, device: BenchDevice, body: bytes) -> Future[None]:
        return self.pool.submit(self.post, device, body)


def throughput_run(
    clients: Clients, devices: list[BenchDevice], batches: Batches, first: int, rounds: int
) -> float:
    before = clients.accepted
    began = time.perf_counter()
    futures = [
        clients.submit(device, batches.body(first + r)) for r in range(rounds) for device in devices
    ]
    for future in futures:
        future.result()
    elapsed = time.perf_counter() - began
    if clients.failures:
        raise RuntimeError(f"{len(clients.failures)} posts failed: {clients.failures[:3]}")
    return (clients.accepted - before) / elapsed


def paced_phase(
    clients: Clients,
    devices: list[BenchDevice],
    batches: Batches,
    probes: Probes,
    first: int,
    seconds: int,
    rate: int,
    server_pid: int,
) -> dict[str, Any]:
    futures: list[Future[None]] = []
    before = clients.accepted

    def send_batch(index: int) -> None:
        device = devices[index % len(devices)]
        futures.append(clients.submit(device, batches.body(first + index // len(devices))))

    with RssSampler(server_pid, every=max(2.0, seconds / 60)) as sampler:
        began = time.perf_counter()
        offered, sent = paced(
            send_batch,
            lambda device, body: futures.append(clients.submit(device, body)),
            probes,
            batch_readings=batches.size,
            rate=rate,
            seconds=seconds,
        )
        backlog = sum(1 for future in futures if not future.done())
        for future in futures:
            future.result()
        ended = time.perf_counter()
    return {
        "paced_s": seconds,
        "paced_rate_offered": rate,
        "paced_readings": offered,
        "paced_batches": sent,
        "paced_readings_per_s": round((clients.accepted - before) / (ended - began)),
        "paced_backlog_posts_at_end": backlog,
        **sampler.summary(),
        "rss_timeline": sampler.samples[:: max(1, len(sampler.samples) // 12)],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--batch", type=int, default=288, help="readings per request")
    parser.add_argument("--batches", type=int, default=10, help="requests per device per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--soak", type=int, default=20, help="seconds of paced load")
    parser.add_argument("--rate", type=int, default=10000, help="paced readings/s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        url = stack.enter_context(database(args.db, workdir))
        settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
        services = build(settings)
        made = populate(services, args.devices + args.soak + 5)
        devices, probes = made[: args.devices], Probes(made[args.devices :])
        base, process = stack.enter_context(server(url, workdir, args.workers, PORT))
        clients = Clients(base, args.connections)
        batches = Batches(args.batch)
        rates = [
            throughput_run(clients, devices, batches, run * args.batches, args.batches)
            for run in range(args.runs)
        ]
        soaked = paced_phase(
            clients,
            devices,
            batches,
            probes,
            args.runs * args.batches,
            args.soak,
            args.rate,
            process.pid,
        )
        clients.pool.shutdown()
        result = {
            "bench": "ingest_http",
            "db": args.db,
            "workers": args.workers,
            "connections": args.connections,
            "devices": args.devices,
            "batch": args.batch,
            "readings_per_run": args.devices * args.batch * args.batches,
            "runs": args.runs,
            "readings_per_s_median": round(statistics.median(rates)),
            "readings_per_s_runs": [round(r) for r in rates],
            **probes.latencies(services),
            **soaked,
        }
        services.db.dispose()
    emit(result)


if __name__ == "__main__":
    main()
