"""A fridge logger over MQTT (a real throwaway mosquitto, the subscriber in a thread on the
test's services), on both stores: the same compact batch as over HTTP opens the excursion and
quarantines the lot; sent again it opens nothing. Skipped with a reason without mosquitto."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from enlace.interactions.context import Services
from enlace.modules.coldchain import views
from enlace.modules.monitoring.mqtt_topics import readings_topic
from tests.integration.coldchain.support import (
    INSULIN,
    LOT,
    add_fridge,
    heat_series,
    on_hand,
    stock_clinic,
)
from tests.integration.monitoring.mqtt_support import subscriber_thread, wait_until
from tests.support.mosquitto import Broker, connect, mosquitto, require_mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require_mosquitto()
    with mosquitto(tmp_path / "broker") as running:
        yield running


def test_a_logger_over_mqtt_opens_one_excursion(services: Services, broker: Broker) -> None:
    stock_clinic(services)
    device, _ = add_fridge(services)
    sender = connect(broker.port, device)
    with subscriber_thread(services, broker.port) as subscriber:
        assert sender.publish(readings_topic(device), heat_series())
        assert sender.publish(readings_topic(device), heat_series())
        assert wait_until(lambda: subscriber.handled == 2)
    sender.close()
    with services.db.read() as conn:
        found = views.list_excursions(conn)
    assert [(e.logger, e.kind, e.status) for e in found] == [(device, "heat", "open")]
    assert on_hand(services, INSULIN, LOT) == 0
