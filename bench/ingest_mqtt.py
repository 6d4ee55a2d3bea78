"""Sustained MQTT ingestion with the alert rules evaluated: publishers → Mosquitto → `enlace
ingest mqtt` → the database (issue 9, Performance).

    .venv/bin/python bench/ingest_mqtt.py --db sqlite
    .venv/bin/python bench/ingest_mqtt.py --db postgres --soak 600 --rate 10000

Target: ≥ 20,000 readings/s on 2 cores, alert latency p99 ≤ 1 s from receipt, memory flat over
a 10-minute soak. Throughput runs publish `--batches` compact batches of `--batch` CGM readings
from each of `--devices` devices as fast as the broker takes them (QoS 1) and time until the last
reading is stored (readings/s, median of `--runs`). Then a paced phase offers `--rate` readings/s
for `--soak` seconds (default 20) while the subscriber's RSS is sampled, and a probe device a
second publishes a hypoglycaemia event (bench/ingest_load.py Probes): alert latency from receipt
(monitoring_alerts.opened_us - received_us) and from publish (this machine's clock). The broker
is a throwaway mosquitto (persistence on, unlimited queue) on a free port, the same binary as the
shared one; `--broker-port 1883` uses the shared one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from common import ROOT, database, emit
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules.monitoring.mqtt_topics import readings_topic
from ingest_load import (
    Batches,
    BenchDevice,
    Probes,
    RssSampler,
    count_readings,
    paced,
    populate,
)

# isort: off
from tests.support.mosquitto import Device, connect, mosquitto  # after common: sys.path

# isort: on

PUBLISHERS = 2


def start_subscriber(
    url: str, port: int, workdir: Path, client_id: str, processes: int
) -> subprocess.Popen[bytes]:
    log_path = workdir / "ingest.log"
    env = {**os.environ, "ENLACE_DATABASE_URL": url, "ENLACE_VAR_DIR": str(workdir / "var")}
    command = [str(ROOT / ".venv/bin/enlace"), "ingest", "mqtt", "--port", str(port)]
    command += ["--processes", str(processes)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*command, "--client-id", client_id], env=env, stdout=log, stderr=log
        )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None or '"subscribed to' in log_path.read_text(errors="replace"):
            break
        time.sleep(0.1)
    if process.poll() is not None:
        raise RuntimeError(f"subscriber exited: {log_path.read_text()[-2000:]}")
    return process


class Publishers:
    """`PUBLISHERS` paho clients sharing the devices; QoS 1, up to 100 messages in flight each."""

    def __init__(self, port: int, devices: list[BenchDevice], batches: Batches) -> None:
        self.clients: list[Device] = [
            connect(port, f"bench-publisher-{uuid.uuid4().hex[:8]}-{n}", max_inflight=100)
            for n in range(PUBLISHERS)
        ]
        self.devices, self.batches = devices, batches
        self.mids: list[list[int]] = [[] for _ in self.clients]

    def send_round(self, sequence: int) -> None:
        """One batch per device."""
        for n, device in enumerate(self.devices):
            self.send(n, device, self.batches.body(sequence))

    def send(self, n: int, device: BenchDevice, body: bytes) -> None:
        slot = n % len(self.clients)
        self.mids[slot].append(self.clients[slot].send(readings_topic(device.id), body))

    def wait_acked(self, timeout: float = 300) -> None:
        for client, sent in zip(self.clients, self.mids, strict=True):
            if not client.wait_acked(sent, timeout):
                raise RuntimeError("the broker did not acknowledge every message")
        self.mids = [[] for _ in self.clients]

    def close(self) -> None:
        for client in self.clients:
            client.close()


def wait_stored(services: Services, expected: int, timeout: float, poll: float = 0.25) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if count_readings(services) >= expected:
            return time.perf_counter()
        time.sleep(poll)
    raise RuntimeError(f"only {count_readings(services)} of {expected} readings stored in time")


def throughput_run(
    services: Services, publishers: Publishers, first_sequence: int, rounds: int
) -> float:
    """Publish `rounds` batches per device at once; readings/s until the last one is stored."""
    expected = count_readings(services) + rounds * len(publishers.devices) * publishers.batches.size
    began = time.perf_counter()
    for r in range(rounds):
        publishers.send_round(first_sequence + r)
    publishers.wait_acked()
    ended = wait_stored(services, expected, timeout=900)
    return rounds * len(publishers.devices) * publishers.batches.size / (ended - began)


def paced_phase(
    services: Services,
    publishers: Publishers,
    probes: Probes,
    first_sequence: int,
    seconds: int,
    rate: int,
    subscriber_pid: int,
) -> dict[str, Any]:
    """Offer `rate` readings/s for `seconds`, sampling the subscriber's memory; probes for latency."""
    before = count_readings(services)
    with RssSampler(subscriber_pid, every=max(2.0, seconds / 60)) as sampler:
        began = time.perf_counter()
        devices = publishers.devices

        def send_batch(index: int) -> None:
            sequence = first_sequence + index // len(devices)
            n = index % len(devices)
            publishers.send(n, devices[n], publishers.batches.body(sequence))

        offered, sent = paced(
            send_batch,
            lambda device, body: publishers.send(0, device, body),
            probes,
            batch_readings=publishers.batches.size,
            rate=rate,
            seconds=seconds,
        )
        lag = before + offered - count_readings(services)
        try:
            ended = wait_stored(services, before + offered, timeout=900, poll=1.0)
        except RuntimeError:  # report the memory anyway; the rate says it did not keep up
            ended = time.perf_counter()
    publishers.wait_acked()
    return {
        "paced_s": seconds,
        "paced_rate_offered": rate,
        "paced_readings": offered,
        "paced_batches": sent,
        "paced_readings_per_s": round(offered / (ended - began)),
        "paced_lag_readings_at_end": lag,
        **sampler.summary(),
        "rss_timeline": sampler.samples[:: max(1, len(sampler.samples) // 12)],
    }


def profile_subscriber(pid: int, seconds: int) -> None:
    """py-spy (if installed) samples the subscriber; collapsed stacks to bench/results/."""
    out = ROOT / "bench" / "results" / "ingest_mqtt.pyspy.txt"
    out.parent.mkdir(exist_ok=True)
    spy = ROOT / ".venv/bin/py-spy"
    command = [str(spy), "record", "-p", str(pid), "-d", str(seconds), "-f", "raw", "-o", str(out)]
    subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--batch", type=int, default=288, help="readings per message")
    parser.add_argument("--batches", type=int, default=10, help="messages per device per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--soak", type=int, default=20, help="seconds of paced load")
    parser.add_argument("--rate", type=int, default=10000, help="paced readings/s")
    parser.add_argument("--broker-port", type=int, default=0, help="0: a throwaway broker")
    parser.add_argument("--processes", type=int, default=1, help="subscriber worker processes")
    parser.add_argument("--py-spy", type=int, default=0, help="profile the subscriber N seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        url = stack.enter_context(database(args.db, workdir))
        settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
        services = build(settings)
        made = populate(services, args.devices + args.soak + 5)
        devices, probes = made[: args.devices], Probes(made[args.devices :])
        port = args.broker_port or stack.enter_context(mosquitto(workdir / "broker")).port
        client_id = f"bench-ingest-{uuid.uuid4().hex[:8]}"
        subscriber = start_subscriber(url, port, workdir, client_id, args.processes)
        stack.callback(subscriber.wait, 60)
        stack.callback(subscriber.terminate)
        publishers = Publishers(port, devices, Batches(args.batch))
        stack.callback(publishers.close)
        if args.py_spy:
            profile_subscriber(subscriber.pid, args.py_spy)
        rates = [
            throughput_run(services, publishers, run * args.batches, args.batches)
            for run in range(args.runs)
        ]
        soaked = paced_phase(
            services,
            publishers,
            probes,
            args.runs * args.batches,
            args.soak,
            args.rate,
            subscriber.pid,
        )
        result = {
            "bench": "ingest_mqtt",
            "db": args.db,
            "processes": args.processes,
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
