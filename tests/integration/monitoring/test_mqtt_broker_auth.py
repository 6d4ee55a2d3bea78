"""The broker authenticates devices with the password file and ACL that
`enlace ingest mosquitto-config` writes: a device publishes only to its own readings topic, only
the subscriber reads them, and an unknown user is refused at CONNECT."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from enlace.modules.monitoring import mqtt_credentials as creds
from enlace.modules.monitoring.mqtt_topics import SUBSCRIPTION, readings_topic
from tests.support.mosquitto import Broker, Device, Refused, connect, mosquitto, require_mosquitto

PASSWORDS = {"dev-a": "pw-a", "dev-b": "pw-b", creds.SUBSCRIBER_USER: "pw-ingest"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require_mosquitto()
    plan = creds.plan_credentials({}, ["dev-a", "dev-b"], new_password=lambda: "unused")
    entries = {user: creds.password_entry(user, PASSWORDS[user]) for user in plan.entries}
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    passwd.write_text(creds.Credentials(entries).password_file())
    acl.write_text(creds.acl_text())
    with mosquitto(tmp_path / "broker", passwd, acl) as running:
        yield running


@pytest.fixture
def subscriber(broker: Broker) -> Iterator[Device]:
    device = connect(broker.port, "test-ingest", creds.SUBSCRIBER_USER, PASSWORDS["enlace_ingest"])
    device.client.subscribe(SUBSCRIPTION, qos=1)
    time.sleep(0.2)
    yield device
    device.close()


def _settle(device: Device, count: int, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while len(device.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_device_publishes_to_its_own_topic(broker: Broker, subscriber: Device) -> None:
    device = connect(broker.port, "dev-a", "dev-a", PASSWORDS["dev-a"])
    assert device.publish(readings_topic("dev-a"), b'{"readings": []}')
    _settle(subscriber, 1)
    assert subscriber.received == [(readings_topic("dev-a"), b'{"readings": []}')]
    device.close()


def test_a_device_cannot_publish_as_another_device(broker: Broker, subscriber: Device) -> None:
    device = connect(broker.port, "dev-a", "dev-a", PASSWORDS["dev-a"])
    device.publish(readings_topic("dev-b"), b'{"forged": true}')
    device.publish(readings_topic("dev-a"), b'{"own": true}')
    _settle(subscriber, 2, seconds=1.0)
    # The forged message never arrives; the device's own one, sent after it, does.
    assert subscriber.received == [(readings_topic("dev-a"), b'{"own": true}')]
    device.close()


def test_a_device_cannot_read_the_readings(broker: Broker) -> None:
    eavesdropper = connect(broker.port, "dev-b", "dev-b", PASSWORDS["dev-b"])
    eavesdropper.client.subscribe(SUBSCRIPTION, qos=1)
    time.sleep(0.2)
    device = connect(broker.port, "dev-a", "dev-a", PASSWORDS["dev-a"])
    assert device.publish(readings_topic("dev-a"), b"{}")
    time.sleep(0.5)
    assert eavesdropper.received == []
    device.close()
    eavesdropper.close()


@pytest.mark.parametrize(
    ("username", "password"),
    [("dev-unknown", "pw-a"), ("dev-a", "wrong"), (None, None)],
    ids=["unknown user", "wrong password", "anonymous"],
)
def test_bad_credentials_are_refused_at_connect(
    broker: Broker, username: str | None, password: str | None
) -> None:
    with pytest.raises(Refused):
        connect(broker.port, "intruder", username, password)


def test_a_revoked_device_is_refused_after_the_config_is_rewritten(
    broker: Broker, tmp_path: Path
) -> None:
    assert broker.password_file is not None
    existing = creds.parse_password_file(broker.password_file.read_text())
    plan = creds.plan_credentials(existing, ["dev-a"])  # dev-b revoked since
    assert plan.dropped == ["dev-b"] and plan.issued == {}
    broker.password_file.write_text(plan.password_file())
    broker.reload()
    with pytest.raises(Refused):
        connect(broker.port, "dev-b", "dev-b", PASSWORDS["dev-b"])
    connect(broker.port, "dev-a", "dev-a", PASSWORDS["dev-a"]).close()
