"""MQTT topics and Mosquitto credentials, as text (no broker here; see
tests/integration/monitoring/test_mqtt_broker_auth.py for the broker's side)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from enlace.modules.monitoring import mqtt_credentials as creds
from enlace.modules.monitoring.mqtt_topics import (
    SUBSCRIPTION,
    device_from_topic,
    readings_topic,
    valid_subscription,
)


def test_a_device_id_goes_to_its_topic_and_back() -> None:
    topic = readings_topic("dev-1.a")
    assert topic == "enlace/v1/devices/dev-1.a/readings"
    assert device_from_topic(topic) == "dev-1.a"


@pytest.mark.parametrize(
    "topic",
    [
        "enlace/v1/devices//readings",  # no id
        "enlace/v1/devices/a/b/readings",  # two levels
        "enlace/v1/devices/enlace_ingest/readings",  # underscore: not a FHIR id
        "enlace/v1/devices/" + "x" * 65 + "/readings",  # over 64 characters
        "enlace/v1/devices/dev1/status",
        "enlace/v2/devices/dev1/readings",
        "",
    ],
)
def test_anything_but_a_readings_topic_names_no_device(topic: str) -> None:
    assert device_from_topic(topic) is None


def test_a_topic_is_never_built_from_something_that_is_not_a_device_id() -> None:
    with pytest.raises(ValueError):
        readings_topic("a/#")


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [
        (SUBSCRIPTION, True),
        ("enlace/#", True),
        ("#", True),
        ("enlace/v1/devices/dev1/readings", True),
        ("", False),
        ("enlace/#/readings", False),
        ("enlace/v1/dev+/readings", False),
        ("enlace/v1#", False),
    ],
)
def test_topic_filters_are_checked_before_subscribing(pattern: str, valid: bool) -> None:
    assert valid_subscription(pattern) is valid


def test_password_entries_are_mosquitto_pbkdf2_sha512() -> None:
    salt = bytes(range(12))
    entry = creds.password_entry("dev1", "secret", salt)
    user, rest = entry.split(":", 1)
    _, scheme, iterations, salt_b64, hash_b64 = rest.split("$")
    assert (user, scheme, int(iterations)) == ("dev1", "7", creds.ITERATIONS)
    assert base64.b64decode(salt_b64) == salt
    expected = hashlib.pbkdf2_hmac("sha512", b"secret", salt, creds.ITERATIONS, 64)
    assert base64.b64decode(hash_b64) == expected


def test_a_user_name_with_a_colon_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        creds.password_entry("a:b", "secret")


def test_a_rerun_keeps_active_devices_issues_new_ones_and_drops_the_rest() -> None:
    existing = creds.parse_password_file(
        "# comment\nkept:$7$101$a$b\nrevoked:$7$101$c$d\nenlace_ingest:$7$101$e$f\n\n"
    )
    counter = iter(range(100))
    plan = creds.plan_credentials(
        existing, ["kept", "new"], new_password=lambda: f"pw{next(counter)}"
    )
    assert plan.entries["kept"] == "kept:$7$101$a$b"
    assert plan.entries["enlace_ingest"] == "enlace_ingest:$7$101$e$f"
    assert plan.issued == {"new": "pw0"}
    assert plan.dropped == ["revoked"]
    assert sorted(plan.entries) == ["enlace_ingest", "kept", "new"]
    assert plan.password_file().count("\n") == 3


def test_rotation_issues_a_new_password_for_that_device_only() -> None:
    existing = {"a": "a:$7$101$x$y", "b": "b:$7$101$x$y", "enlace_ingest": "enlace_ingest:z"}
    plan = creds.plan_credentials(existing, ["a", "b"], rotate=["a"], new_password=lambda: "new")
    assert plan.issued == {"a": "new"}
    assert plan.entries["b"] == existing["b"]
    assert plan.entries["a"] != existing["a"]


def test_the_acl_lets_a_device_write_only_its_own_topic_and_only_the_subscriber_read() -> None:
    acl = creds.acl_text()
    assert "pattern write enlace/v1/devices/%u/readings" in acl
    assert "user enlace_ingest\ntopic read enlace/v1/devices/+/readings" in acl
    assert "readwrite" not in acl
    # The pattern comes before any `user` line, so it is not scoped to the subscriber.
    assert acl.index("pattern write") < acl.index("user enlace_ingest")
