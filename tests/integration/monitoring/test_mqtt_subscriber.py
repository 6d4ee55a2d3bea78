"""The subscriber's delivery contract against a real broker, with an in-memory sink standing in
for the database (the database side: test_mqtt_ingest.py): ack only after the handler returns,
retry without ack while the database is away, ack refused messages, survive broker restarts."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from enlace.entrypoints.mqtt import handling as subscriber_module
from enlace.entrypoints.mqtt.subscriber import BrokerOptions, Subscriber
from enlace.kernel import errors
from enlace.modules.monitoring.mqtt_topics import readings_topic
from tests.support.mosquitto import Broker, connect, mosquitto, require_mosquitto


class Sink:
    """Messages handled, as a primary-keyed table would hold them: a replay adds a call, not a row."""

    def __init__(self) -> None:
        self.calls: Counter[bytes] = Counter()
        self.failures_left: dict[bytes, int] = {}
        self.lock = threading.Lock()

    def __call__(self, device: str, payload: bytes) -> None:
        with self.lock:
            self.calls[payload] += 1
            if self.failures_left.get(payload, 0) > 0:
                self.failures_left[payload] -= 1
                raise OperationalError("INSERT", {}, Exception("database is down"))
        if payload.startswith(b"bad"):
            raise errors.bad_request("payload is not JSON", "readings")

    def wait_for(self, payloads: set[bytes], timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if payloads <= set(self.calls):
                    return True
            time.sleep(0.02)
        return False


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require_mosquitto()
    with mosquitto(tmp_path / "broker") as running:
        yield running


def _start(broker: Broker, sink: Sink) -> tuple[Subscriber, threading.Thread]:
    subscriber = Subscriber(BrokerOptions(port=broker.port), sink)
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    assert subscriber.wait_connected(5)
    return subscriber, thread


def _stop(subscriber: Subscriber, thread: threading.Thread) -> None:
    subscriber.stop()
    thread.join(10)
    assert not thread.is_alive()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subscriber_module, "RETRY_FIRST", 0.05)
    monkeypatch.setattr(subscriber_module, "RETRY_MAX", 0.2)


def test_every_acknowledged_message_is_handled_across_a_broker_restart(broker: Broker) -> None:
    sink = Sink()
    subscriber, thread = _start(broker, sink)
    device = connect(broker.port, "dev-a", clean_session=False)
    topic = readings_topic("dev-a")
    sent: dict[int, bytes] = {}
    for n in range(400):
        payload = b"m%d" % n
        sent[device.send(topic, payload)] = payload
        if n == 200:
            broker.restart()  # graceful: the broker saves its queues and sessions
        time.sleep(0.002)
    assert device.wait_acked(list(sent), timeout=15), "the device's paho resends after reconnect"
    acked = {sent[mid] for mid in device.acked if mid in sent}
    assert sink.wait_for(acked, timeout=15)
    _stop(subscriber, thread)
    assert len(acked) == 400
    assert set(sink.calls) == set(sent.values())  # nothing handled that was not sent
    device.close()


def test_messages_sent_while_the_subscriber_is_down_arrive_when_it_returns(broker: Broker) -> None:
    sink = Sink()
    subscriber, thread = _start(broker, sink)  # creates the persistent session
    _stop(subscriber, thread)
    device = connect(broker.port, "dev-a")
    payloads = {b"late%d" % n for n in range(50)}
    assert all(device.publish(readings_topic("dev-a"), p) for p in sorted(payloads))
    subscriber, thread = _start(broker, sink)
    assert sink.wait_for(payloads)
    _stop(subscriber, thread)
    device.close()


def test_the_database_away_means_retry_without_ack_then_one_ack(broker: Broker) -> None:
    sink = Sink()
    sink.failures_left[b"first"] = 3
    subscriber, thread = _start(broker, sink)
    device = connect(broker.port, "dev-a")
    assert device.publish(readings_topic("dev-a"), b"first")
    assert device.publish(readings_topic("dev-a"), b"second")
    assert sink.wait_for({b"first", b"second"})
    _stop(subscriber, thread)
    assert sink.calls[b"first"] == 4  # three failures, then the commit
    # Acked once committed: a new session of the same client gets nothing again.
    subscriber, thread = _start(broker, sink)
    time.sleep(0.5)
    _stop(subscriber, thread)
    assert sink.calls == Counter({b"first": 4, b"second": 1})
    device.close()


def test_an_unacked_message_is_redelivered_when_the_subscriber_stops_mid_retry(
    broker: Broker,
) -> None:
    sink = Sink()
    sink.failures_left[b"stuck"] = 1_000_000  # the database never comes back in this session
    subscriber, thread = _start(broker, sink)
    device = connect(broker.port, "dev-a")
    assert device.publish(readings_topic("dev-a"), b"stuck")
    assert sink.wait_for({b"stuck"})
    _stop(subscriber, thread)  # SIGTERM while retrying: not acked
    sink.failures_left[b"stuck"] = 0
    calls_before = sink.calls[b"stuck"]
    subscriber, thread = _start(broker, sink)
    deadline = time.monotonic() + 5
    while sink.calls[b"stuck"] == calls_before and time.monotonic() < deadline:
        time.sleep(0.02)
    _stop(subscriber, thread)
    assert sink.calls[b"stuck"] == calls_before + 1  # redelivered and committed this time
    device.close()


def test_a_refused_message_is_acked_and_the_next_one_handled(broker: Broker) -> None:
    sink = Sink()
    subscriber, thread = _start(broker, sink)
    device = connect(broker.port, "dev-a")
    assert device.publish(readings_topic("dev-a"), b"bad json")
    assert device.publish(readings_topic("dev-a"), b"good")
    assert sink.wait_for({b"bad json", b"good"})
    _stop(subscriber, thread)
    subscriber, thread = _start(broker, sink)
    time.sleep(0.5)
    _stop(subscriber, thread)
    assert sink.calls == Counter({b"bad json": 1, b"good": 1})  # never retried
    device.close()


def test_a_message_on_a_topic_naming_no_device_is_skipped(broker: Broker) -> None:
    sink = Sink()
    subscriber = Subscriber(BrokerOptions(port=broker.port, topic="enlace/v1/devices/#"), sink)
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    assert subscriber.wait_connected(5)
    device = connect(broker.port, "dev-a")
    assert device.publish("enlace/v1/devices/dev-a/status", b"ignored")
    assert device.publish(readings_topic("dev-a"), b"kept")
    assert sink.wait_for({b"kept"})
    _stop(subscriber, thread)
    assert set(sink.calls) == {b"kept"}
    assert subscriber.handled == 2
    device.close()
