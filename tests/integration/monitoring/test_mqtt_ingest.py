"""MQTT ingestion end to end on both stores: a real broker, `enlace ingest mqtt` as a process (or
the subscriber in a thread on the test's services), ingest.ingest behind it. With QoS 1 every
reading whose PUBACK the device got is stored exactly once, through a broker restart and a
subscriber crash; floods, malformed payloads and unknown or revoked devices are handled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.modules.monitoring import registry
from enlace.modules.monitoring.mqtt_topics import readings_topic
from enlace.modules.monitoring.tables import readings
from tests.integration.monitoring.device_support import new_device, new_patient
from tests.integration.monitoring.mqtt_support import (
    DAY_BEFORE,
    SubscriberProcess,
    cgm_batch,
    reject_reasons,
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


@pytest.fixture
def device(services: Services) -> str:
    return new_device(services, new_patient(services), kind="cgm")[0]


@pytest.mark.parametrize("processes", [1, 2], ids=["one process", "two worker processes"])
def test_acknowledged_readings_are_stored_once_through_broker_and_subscriber_restarts(
    services: Services, broker: Broker, device: str, tmp_path: Path, processes: int
) -> None:
    url = services.settings.resolved_database_url
    sender = connect(broker.port, device, clean_session=False)
    topic, per_message, messages = readings_topic(device), 10, 240
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=2)
    sent = []
    with SubscriberProcess(url, broker.port, tmp_path, processes) as subscriber:
        for n in range(messages):
            start = first + timedelta(minutes=n * per_message)
            sent.append(sender.send(topic, cgm_batch(start, per_message)))
            if n == 80:
                broker.restart()  # the broker goes down mid-stream, queues saved
            if n == 160:
                subscriber.stop(kill=True)  # a crash: whatever it had not acked comes again
                subscriber.start()
        assert sender.wait_acked(sent, timeout=30), "every message acknowledged by the broker"
        total = messages * per_message
        assert wait_until(lambda: stored_count(services, device) >= total, timeout=60)
        assert subscriber.stop() == 0
    with services.db.read() as conn:
        times = list(
            conn.execute(select(readings.c.effective_us).where(readings.c.device == device))
        )
    assert len(times) == total == len(set(times))  # every acked reading, once
    sender.close()


def test_a_duplicate_flood_stores_once(services: Services, broker: Broker, device: str) -> None:
    body = cgm_batch(DAY_BEFORE, 12)
    sender = connect(broker.port, device)
    with subscriber_thread(services, broker.port) as subscriber:
        for _ in range(100):
            assert sender.publish(readings_topic(device), body)
        assert wait_until(lambda: subscriber.handled == 100)
    assert stored_count(services, device) == 12
    assert reject_reasons(services) == []
    sender.close()


def test_a_malformed_payload_is_kept_as_a_reject_and_the_next_one_stored(
    services: Services, broker: Broker, device: str
) -> None:
    sender = connect(broker.port, device)
    with subscriber_thread(services, broker.port) as subscriber:
        assert sender.publish(readings_topic(device), b'{"readings": [ not json')
        assert sender.publish(readings_topic(device), b'{"rows": []}')
        assert sender.publish(readings_topic(device), cgm_batch(DAY_BEFORE, 3))
        assert wait_until(lambda: subscriber.handled == 3)
    assert reject_reasons(services) == [(device, "malformed"), (device, "malformed")]
    assert stored_count(services, device) == 3
    sender.close()


def test_implausible_readings_are_refused_one_by_one(
    services: Services, broker: Broker, device: str
) -> None:
    sender = connect(broker.port, device)
    with subscriber_thread(services, broker.port) as subscriber:
        assert sender.publish(readings_topic(device), cgm_batch(DAY_BEFORE, 2, value=5000))
        assert sender.publish(readings_topic(device), cgm_batch(DAY_BEFORE, 4, value=110))
        assert wait_until(lambda: subscriber.handled == 2)
    assert reject_reasons(services) == [(device, "implausible"), (device, "implausible")]
    assert stored_count(services, device) == 4
    sender.close()


def test_unknown_and_revoked_devices_are_refused_and_the_stream_goes_on(
    services: Services, broker: Broker, device: str
) -> None:
    revoked = new_device(services, new_patient(services, "López"), kind="cgm")[0]
    with services.db.begin() as conn:
        registry.revoke(conn, services.repo, revoked)
    sender = connect(broker.port, "anyone")  # the throwaway broker is anonymous
    with subscriber_thread(services, broker.port) as subscriber:
        assert sender.publish(readings_topic("no-such-device"), cgm_batch(DAY_BEFORE, 1))
        assert sender.publish(readings_topic(revoked), cgm_batch(DAY_BEFORE, 1))
        assert sender.publish(readings_topic(device), cgm_batch(DAY_BEFORE, 1))
        assert wait_until(lambda: subscriber.handled == 3)
    assert reject_reasons(services) == [(None, "unknown-device"), (revoked, "forbidden")]
    assert stored_count(services, revoked) == 0
    assert stored_count(services, device) == 1
    sender.close()
