"""The MQTT broker restarts (twice, mid-stream) and the subscriber process is killed once: every
reading whose PUBACK the device got is stored, once (QoS 1, persistent sessions; the broker
saves its queues on SIGTERM — tests/support/mosquitto.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.modules.monitoring.mqtt_topics import readings_topic
from enlace.modules.monitoring.tables import readings
from tests.faults.counts import report
from tests.integration.monitoring.device_support import new_device, new_patient
from tests.integration.monitoring.mqtt_support import (
    SubscriberProcess,
    cgm_batch,
    stored_count,
    wait_until,
)
from tests.support.mosquitto import Broker, connect, mosquitto, require_mosquitto

MESSAGES, PER_MESSAGE = 300, 10


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require_mosquitto()
    with mosquitto(tmp_path / "broker") as running:
        yield running


def test_broker_restarts_lose_no_acknowledged_reading(
    services: Services, broker: Broker, tmp_path: Path
) -> None:
    device = new_device(services, new_patient(services), kind="cgm")[0]
    sender = connect(broker.port, device, clean_session=False)
    topic = readings_topic(device)
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
    sent = []
    url = services.settings.resolved_database_url
    with SubscriberProcess(url, broker.port, tmp_path, 1) as subscriber:
        for n in range(MESSAGES):
            start = first + timedelta(minutes=n * PER_MESSAGE)
            sent.append(sender.send(topic, cgm_batch(start, PER_MESSAGE)))
            if n in (100, 200):
                broker.restart()
            if n == 150:
                subscriber.stop(kill=True)
                subscriber.start()
        acked = sender.wait_acked(sent, timeout=60)
        total = MESSAGES * PER_MESSAGE
        wait_until(lambda: stored_count(services, device) >= total, timeout=120)
        assert subscriber.stop() == 0
    with services.db.read() as conn:
        times = [
            row[0]
            for row in conn.execute(
                select(readings.c.effective_us).where(readings.c.device == device)
            )
        ]
    sender.close()
    assert acked, "every message acknowledged by the broker"
    assert len(times) == total == len(set(times))
    report(
        f"MQTT broker restarts [{services.db.dialect}]",
        messages_sent=MESSAGES,
        messages_acked=len(sender.acked),
        readings_acked=len(sender.acked) * PER_MESSAGE,
        readings_stored=len(times),
        duplicates=len(times) - len(set(times)),
        broker_restarts=2,
        subscriber_kills=1,
    )
