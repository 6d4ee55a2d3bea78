"""The MQTT side of ingestion, as pure text (no broker client here; entrypoints/mqtt owns paho).

A device publishes its compact batch JSON to `enlace/v1/devices/{deviceId}/readings` (QoS 1); the
subscriber (`enlace ingest mqtt`) subscribes to the `+` wildcard of that topic and takes the device
id from the topic, never from the payload, so the broker's per-device ACL (a device may write only
its own topic, `pattern write enlace/v1/devices/%u/readings`) is what binds a message to a device.
"""

from __future__ import annotations

import re

PREFIX = "enlace/v1/devices/"
SUFFIX = "/readings"
SUBSCRIPTION = f"{PREFIX}+{SUFFIX}"

# A FHIR logical id (R4 id datatype): the Device resource's id is the device id.
_DEVICE_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def readings_topic(device_id: str) -> str:
    """The topic a device publishes its readings to."""
    if not _DEVICE_ID.fullmatch(device_id):
        raise ValueError(f"not a device id: {device_id!r}")
    return f"{PREFIX}{device_id}{SUFFIX}"


def device_from_topic(topic: str) -> str | None:
    """The device id in a readings topic; None for any other topic (the message is refused)."""
    if not (topic.startswith(PREFIX) and topic.endswith(SUFFIX)):
        return None
    device_id = topic[len(PREFIX) : len(topic) - len(SUFFIX)]
    return device_id if _DEVICE_ID.fullmatch(device_id) else None


def valid_subscription(pattern: str) -> bool:
    """Whether `pattern` is a well-formed MQTT topic filter (wildcards only as whole levels)."""
    if not pattern or len(pattern.encode()) > 65535 or "\x00" in pattern:
        return False
    levels = pattern.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return False
        if "+" in level and level != "+":
            return False
    return True
