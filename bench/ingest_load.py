"""Shared by bench/ingest_http.py and bench/ingest_mqtt.py: patients with bound CGMs, compact
batches of CGM readings, hypoglycaemia injected for alert latency, RSS sampling, the figures.

Each device sends one day of CGM (288 readings, 5 minutes apart) per batch, going back a day per
batch from yesterday, so every reading is new (no primary-key duplicates) and within the 400 days
ingestion accepts; all in range, so the rules run on every reading and open nothing. Alert latency
comes from probe devices (Probes) during a paced phase below capacity.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.modules.monitoring import registry
from enlace.modules.monitoring.tables import alerts, readings

CGM = "99504-3"
SPACING = timedelta(minutes=5)
MAX_DAYS = 390
HYPO_MINUTES_AGO = (20, 15, 10, 5)  # ingestion refuses readings over 400 days old


@dataclass(frozen=True)
class BenchDevice:
    id: str
    key: str
    patient: str


def populate(services: Services, devices: int) -> list[BenchDevice]:
    """`devices` patients, each with a bound CGM."""
    made = []
    with services.db.begin() as conn:
        for n in range(devices):
            patient = services.repo.create(
                conn, {"resourceType": "Patient", "name": [{"family": f"Bench{n}"}]}
            ).id
            device, key = registry.add_device(conn, services.repo, kind="cgm", patient=patient)
            made.append(BenchDevice(device, key, patient))
    return made


class Batches:
    """Batch bodies per device: sequence number s is the day s+1 before `today`."""

    def __init__(self, size: int, today: datetime | None = None) -> None:
        self.size = size
        now = today or datetime.now(UTC)
        self.today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.values = [100 + (i * 37) % 80 for i in range(size)]  # 100-179 mg/dL, in range

    def body(self, sequence: int) -> bytes:
        if sequence >= MAX_DAYS:
            raise ValueError(f"sequence {sequence}: over {MAX_DAYS} days back")
        first = self.today - timedelta(days=sequence + 1)
        day = int(first.timestamp())
        step = int(SPACING.total_seconds())
        rows = [
            {"code": CGM, "value": value, "unit": "mg/dL", "time": _iso(day + i * step)}
            for i, value in enumerate(self.values)
        ]
        return orjson.dumps({"readings": rows})


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(int(epoch_seconds), UTC).isoformat()


def count_readings(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(readings)).scalar_one())


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None, "n": 0}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": round(statistics.median(ordered), 1), "p99": round(p99, 1), "n": len(ordered)}


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MB (0 for any that are gone)."""
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except FileNotFoundError:
            continue
    return round(total_kb / 1024, 1)


def children(pid: int) -> list[int]:
    """The process and its direct children (uvicorn's workers)."""
    found = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


class RssSampler:
    """Samples the RSS of a process tree every `every` seconds in a thread."""

    def __init__(self, pid: int, every: float) -> None:
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._began = time.monotonic()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            elapsed = round(time.monotonic() - self._began, 1)
            self.samples.append((elapsed, rss_mb(children(self.pid))))
            if self._stop.wait(self.every):
                return

    def summary(self) -> dict[str, Any]:
        values = [mb for _, mb in self.samples]
        if not values:
            return {}
        # Flat: the last quarter's mean against the second quarter's (after warm-up).
        quarter = max(1, len(values) // 4)
        early = statistics.mean(values[quarter : 2 * quarter] or values[:1])
        late = statistics.mean(values[-quarter:])
        return {
            "rss_mb_first": values[0],
            "rss_mb_max": max(values),
            "rss_mb_last": values[-1],
            "rss_growth_mb_q2_to_q4": round(late - early, 1),
            "rss_samples": len(values),
        }


class Probes:
    """Devices kept out of the load, each sending one hypo event (four 45 mg/dL CGM readings over
    the last 20 minutes) during the paced phase: a patient with no earlier readings and no open
    episode, so the alert opens on that message alone and its latency is that message's."""

    def __init__(self, devices: list[BenchDevice]) -> None:
        self.devices = devices
        self.sent: dict[str, float] = {}  # patient -> publish/post time (epoch seconds)

    def next(self) -> BenchDevice | None:
        return self.devices[len(self.sent)] if len(self.sent) < len(self.devices) else None

    def body(self, device: BenchDevice) -> bytes:
        now = time.time()
        self.sent[device.patient] = now
        rows = [
            {"code": CGM, "value": 45, "unit": "mg/dL", "time": _iso(now - minutes * 60)}
            for minutes in HYPO_MINUTES_AGO
        ]
        return orjson.dumps({"readings": rows})

    def latencies(self, services: Services) -> dict[str, Any]:
        """Receipt → alert opened (the service's), and send → alert opened (end to end)."""
        query = select(alerts.c.patient, alerts.c.opened_us, alerts.c.received_us).where(
            alerts.c.patient.in_(list(self.sent))
        )
        first: dict[str, tuple[int, int]] = {}
        with services.db.read() as conn:
            for row in conn.execute(query):
                if row.patient not in first or row.opened_us < first[row.patient][0]:
                    first[row.patient] = (row.opened_us, row.received_us)
        received = [(opened - got) / 1000 for opened, got in first.values()]
        sent = [(first[p][0] / 1e6 - at) * 1000 for p, at in self.sent.items() if p in first]
        return {
            "alert_probes": len(self.sent),
            "alerts_opened": len(first),
            "alert_latency_ms_received_to_opened": percentiles(received),
            "alert_latency_ms_sent_to_opened": percentiles(sent),
        }


def paced(
    send_batch: Callable[[int], None],
    send_probe: Callable[[BenchDevice, bytes], None],
    probes: Probes,
    *,
    batch_readings: int,
    rate: int,
    seconds: float,
) -> tuple[int, int]:
    """Offer `rate` readings/s for `seconds`, one batch at a time evenly spaced (devices send
    independently, not in bursts), with a probe each second; the readings offered and the number
    of batches sent (`send_batch` gets their running index)."""
    interval = batch_readings / rate
    began = time.perf_counter()
    sent, offered, next_probe = 0, 0, began
    while (now := time.perf_counter()) - began < seconds:
        if now >= next_probe and (device := probes.next()) is not None:
            send_probe(device, probes.body(device))
            offered += len(HYPO_MINUTES_AGO)
            next_probe += 1.0
        send_batch(sent)
        sent += 1
        offered += batch_readings
        time.sleep(max(0.0, began + sent * interval - time.perf_counter()))
    return offered, sent
