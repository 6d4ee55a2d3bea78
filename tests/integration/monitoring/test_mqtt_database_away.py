"""The database briefly unavailable under `enlace ingest mqtt`: the subscriber keeps the message
unacknowledged, retries with backoff and stores it once the database is back; it never crashes.
PostgreSQL: the test database refuses connections and its sessions are cut. SQLite: another
process holds the write lock."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from enlace.entrypoints.mqtt import handling as subscriber_module
from enlace.interactions.context import Services
from enlace.modules.monitoring.mqtt_topics import readings_topic
from tests.integration.monitoring.device_support import new_device, new_patient
from tests.integration.monitoring.mqtt_support import (
    DAY_BEFORE,
    cgm_batch,
    stored_count,
    subscriber_thread,
    wait_until,
)
from tests.support.mosquitto import Broker, connect, mosquitto, require_mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require_mosquitto()
    with mosquitto(tmp_path / "broker") as running:
        yield running


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subscriber_module, "RETRY_FIRST", 0.05)
    monkeypatch.setattr(subscriber_module, "RETRY_MAX", 0.3)


class Outage:
    """Makes the test database unavailable, then brings it back."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.lock: sqlite3.Connection | None = None

    def begin(self) -> None:
        if self.url.startswith("sqlite"):
            self.lock = sqlite3.connect(self.url.split("///", 1)[1], isolation_level=None)
            self.lock.execute("BEGIN EXCLUSIVE")
            return
        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self._admin(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )

    def end(self) -> None:
        if self.lock is not None:
            self.lock.execute("COMMIT")
            self.lock.close()
            return
        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self._admin(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    def _admin(self) -> str:
        return self.url.rsplit("/", 1)[0] + "/postgres"


def test_readings_sent_while_the_database_is_away_are_stored_when_it_returns(
    services: Services, broker: Broker
) -> None:
    device = new_device(services, new_patient(services), kind="cgm")[0]
    sender = connect(broker.port, device)
    outage = Outage(services.settings.resolved_database_url)
    with subscriber_thread(services, broker.port) as subscriber:
        assert sender.publish(readings_topic(device), cgm_batch(DAY_BEFORE, 5))
        assert wait_until(lambda: subscriber.handled == 1)
        outage.begin()
        try:
            later = DAY_BEFORE.replace(hour=12)
            assert sender.publish(readings_topic(device), cgm_batch(later, 7))
            time.sleep(1.5)
            assert subscriber.handled == 1  # retrying, not acknowledged
        finally:
            outage.end()
        assert wait_until(lambda: subscriber.handled == 2, timeout=40)
    services.db.dispose()  # the test's own pooled connections were cut too
    assert stored_count(services, device) == 12
    sender.close()
