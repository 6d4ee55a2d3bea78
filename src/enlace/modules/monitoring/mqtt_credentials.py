"""Per-device MQTT credentials for Mosquitto: its password file and ACL (docs/monitoring.md, MQTT).

Why a separate MQTT password and not the device's API key: the registry keeps only the SHA-256
of a key (tables.py), and Mosquitto's password file needs its own salted PBKDF2 of the password,
which cannot be derived from that hash. So `enlace devices mosquitto-config` issues each active,
bound device a random MQTT password the first time it sees the device (printed once, like the API
key), keeps the existing entries of devices still active on a rerun (the password file itself is
where the broker-side hashes live), drops devices revoked, deactivated or returned since, and
issues a new password on request (rotation). The broker is then told to reload (SIGHUP).

The entry format is Mosquitto 2's `$7$`: PBKDF2-HMAC-SHA512, base64 salt and hash, the same as
`mosquitto_passwd` writes. Passwords are 256 random bits, so the iteration count (Mosquitto's
default 101) is not what protects them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, or_, select

from enlace.modules.monitoring.domain import PLACE_KINDS
from enlace.modules.monitoring.mqtt_topics import PREFIX, SUBSCRIPTION, SUFFIX
from enlace.modules.monitoring.tables import devices

# Not a valid FHIR id (underscore), so no device can be registered under the subscriber's name
# and inherit its read access or the per-user write pattern meant for devices.
SUBSCRIBER_USER = "enlace_ingest"
ITERATIONS = 101
SALT_BYTES = 12


def password_entry(user: str, password: str, salt: bytes | None = None) -> str:
    """One line of a Mosquitto password file, `user:$7$iterations$salt$hash`."""
    if ":" in user or "\n" in user or not user:
        raise ValueError(f"not a usable MQTT user name: {user!r}")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS, 64)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return f"{user}:$7${ITERATIONS}${'$'.join(encoded)}"


def parse_password_file(text: str) -> dict[str, str]:
    """The entries of an existing password file, by user (blank lines and comments skipped)."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            entries[line.split(":", 1)[0]] = line
    return entries


def acl_text(subscriber_user: str = SUBSCRIBER_USER) -> str:
    """Each device may publish only to its own readings topic; only the subscriber reads them."""
    return (
        "# Written by `enlace devices mosquitto-config`; rerun it rather than editing.\n"
        "# Every device (user name = device id): write its own readings topic, nothing else.\n"
        f"pattern write {PREFIX}%u{SUFFIX}\n\n"
        "# The ingestion subscriber (`enlace ingest mqtt`): read every device's readings.\n"
        f"user {subscriber_user}\n"
        f"topic read {SUBSCRIPTION}\n"
    )


@dataclass
class Credentials:
    """The password file to write, and the passwords issued by this run (shown once)."""

    entries: dict[str, str]
    issued: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def password_file(self) -> str:
        return "".join(f"{self.entries[user]}\n" for user in sorted(self.entries))


def plan_credentials(
    existing: dict[str, str],
    active_devices: Iterable[str],
    *,
    rotate: Iterable[str] = (),
    subscriber_user: str = SUBSCRIBER_USER,
    new_password: Callable[[], str] = lambda: secrets.token_urlsafe(32),
) -> Credentials:
    """Keep active devices' entries, issue missing or rotated ones, drop everyone else."""
    wanted = {*active_devices, subscriber_user}
    rotating = set(rotate)
    result = Credentials(entries={})
    for user in sorted(wanted):
        if user in existing and user not in rotating:
            result.entries[user] = existing[user]
            continue
        password = new_password()
        result.entries[user] = password_entry(user, password)
        result.issued[user] = password
    result.dropped = sorted(set(existing) - wanted)
    return result


def active_devices(conn: Connection) -> list[str]:
    """Devices that may send readings: active and bound to a patient, or active place devices
    (temperature loggers bound to a place: registry.admissible lets them write)."""
    bound = or_(devices.c.patient.is_not(None), devices.c.kind.in_(sorted(PLACE_KINDS)))
    query = select(devices.c.id).where(devices.c.status == "active", bound).order_by(devices.c.id)
    return list(conn.execute(query).scalars())
