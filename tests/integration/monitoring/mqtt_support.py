"""Shared by the MQTT ingestion tests: compact CGM batches, the subscriber as a real `enlace ingest
mqtt` process or as a thread on the test's own services, and waiting for rows to appear."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import func, select

from enlace.entrypoints.cli.ingest_cli import ingest_handle
from enlace.entrypoints.mqtt.subscriber import BrokerOptions, Subscriber
from enlace.interactions.context import Services
from enlace.modules.monitoring.tables import readings, rejects

VENV_BIN = Path(sys.executable).parent
COMMAND = [str(VENV_BIN / "enlace"), "ingest"]
CGM = "99504-3"
# The tests' SteppingClock starts at 2026-01-01T00:00Z: in-process readings are from the day before.
DAY_BEFORE = datetime(2025, 12, 31, tzinfo=UTC)


def cgm_batch(first: datetime, count: int, value: float = 120) -> bytes:
    """`count` CGM readings one minute apart from `first`, in the compact batch JSON."""
    readings_ = [
        {
            "code": CGM,
            "value": value,
            "unit": "mg/dL",
            "time": (first + timedelta(minutes=i)).isoformat(),
        }
        for i in range(count)
    ]
    return orjson.dumps({"readings": readings_})


def stored_count(services: Services, device: str) -> int:
    with services.db.read() as conn:
        query = select(func.count()).select_from(readings).where(readings.c.device == device)
        return int(conn.execute(query).scalar_one())


def reject_reasons(services: Services) -> list[tuple[str | None, str]]:
    with services.db.read() as conn:
        query = select(rejects.c.device, rejects.c.reason).order_by(rejects.c.received_us)
        return [(row.device, row.reason) for row in conn.execute(query)]


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def subscriber_thread(
    services: Services, port: int, username: str | None = None, password: str | None = None
) -> Iterator[Subscriber]:
    """The subscriber on the test's services (its clock, its database), in a thread."""
    options = BrokerOptions(
        port=port, username=username, password=password, client_id="test-ingest"
    )
    subscriber = Subscriber(options, ingest_handle(services))
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    assert subscriber.wait_connected(5)
    try:
        yield subscriber
    finally:
        subscriber.stop()
        thread.join(15)


class SubscriberProcess:
    """`enlace ingest mqtt` as its own process on the test database (the system clock)."""

    def __init__(self, database_url: str, port: int, workdir: Path, processes: int = 1) -> None:
        self.processes = processes
        self.env = {
            **os.environ,
            "ENLACE_DATABASE_URL": database_url,
            "ENLACE_VAR_DIR": str(workdir),
        }
        self.port = port
        self.log_path = workdir / "ingest.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        connected_before = self.log().count('"subscribed to')
        log = self.log_path.open("ab")
        command = [*COMMAND, "mqtt", "--port", str(self.port), "--processes", str(self.processes)]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        log.close()
        process = self.process

        def connected() -> bool:
            return (
                process.poll() is not None or self.log().count('"subscribed to') > connected_before
            )

        if not wait_until(connected, 90) or process.poll() is not None:
            process.kill()
            process.wait()
            raise RuntimeError(f"subscriber did not connect: {self.log()[-2000:]}")

    def stop(self, kill: bool = False) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        return self.process.wait(timeout=60)

    def __enter__(self) -> SubscriberProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
