"""The device registry (issue 9 part 1): a device is a FHIR `Device` plus a monitoring_devices row.

The row carries what ingestion needs on every message (bound patient, status, key hash, last
seen), so the hot path reads one row by primary key and never parses the Device resource. The
resource is what the rest of the record sees (Device.patient, Device.status) and is written only
when the binding, status or firmware changes.

Keys are 256 random bits (`secrets.token_urlsafe(32)`), shown once and stored as their SHA-256:
with that much entropy a plain hash is as good as a slow one, and it costs microseconds per
message. Authentication answers 401 with one message for an unknown device and a wrong key, so a
caller cannot probe which device ids exist; only a caller holding the right key learns that the
device is revoked or unbound (403).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring.domain import DEVICE_KINDS, PLACE_KINDS
from enlace.modules.monitoring.tables import devices
from enlace.store.repository import FhirRepository

DEVICE_KIND_SYSTEM = "https://enlace.health/fhir/CodeSystem/device-kind"
SNOMED = "http://snomed.info/sct"
# SNOMED CT physical-object concepts for the kinds that have a clear one; the others carry only
# our own code.
SNOMED_KINDS = {
    "bp-cuff": ("70665002", "Blood pressure cuff"),
    "glucometer": ("337414009", "Blood glucose meter"),
    "pulse-oximeter": ("448703006", "Pulse oximeter"),
    "scale": ("19892000", "Scale"),
    "thermometer": ("27991004", "Thermometer"),
}
KIND_DISPLAY = {
    "bp-cuff": "Blood pressure monitor",
    "glucometer": "Glucose meter",
    "cgm": "Continuous glucose monitor",
    "pulse-oximeter": "Pulse oximeter",
    "scale": "Weighing scale",
    "thermometer": "Thermometer",
    "cardiac-monitor": "Cardiac monitor",
    "temperature-logger": "Temperature logger",
}
UNAUTHENTICATED = "Unknown device or wrong device key"
MAX_TEXT = 64


@dataclass(frozen=True, slots=True)
class Device:
    """A monitoring_devices row."""

    id: str
    patient: str | None
    kind: str
    status: str
    key_hash: str
    created_us: int
    bound_us: int | None
    last_seen_us: int | None
    battery: int | None
    firmware: str | None
    serial: str | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_device(
    conn: Connection,
    repo: FhirRepository,
    *,
    kind: str,
    patient: str | None = None,
    serial: str | None = None,
    firmware: str | None = None,
) -> tuple[str, str]:
    """Register a device (bound to `patient` when given): its id and its key, shown only now."""
    if kind not in DEVICE_KINDS:
        raise errors.bad_request(f"kind is one of {', '.join(DEVICE_KINDS)}", "kind")
    for name, value in (("serial", serial), ("firmware", firmware)):
        if value is not None and not 0 < len(value) <= MAX_TEXT:
            raise errors.bad_request(f"{name} is 1 to {MAX_TEXT} characters", name)
    if patient is not None and kind in PLACE_KINDS:
        message = f"A {kind} guards a place, not a patient: bind it with bind_place"
        raise errors.bad_request(message, "patient")
    if patient is not None:
        _require_patient(conn, repo, patient)
    now_us = epoch_us(repo.clock())
    status = "active" if patient else "inactive"
    resource = _device_resource(kind, status, patient, serial, firmware)
    device_id = repo.create(conn, resource).id
    key = secrets.token_urlsafe(32)
    row = {
        "id": device_id,
        "patient": patient,
        "kind": kind,
        "status": status,
        "key_hash": hash_key(key),
        "created_us": now_us,
        "bound_us": now_us if patient else None,
        "serial": serial,
        "firmware": firmware,
    }
    conn.execute(devices.insert(), row)
    return device_id, key


def get(conn: Connection, device_id: str) -> Device | None:
    row = conn.execute(select(devices).where(devices.c.id == device_id)).first()
    return Device(**row._mapping) if row else None


def require(conn: Connection, device_id: str) -> Device:
    found = get(conn, device_id)
    if found is None:
        raise errors.error(404, "not-found", f"Device/{device_id} is not registered", "device")
    return found


def list_devices(conn: Connection, patient: str | None = None) -> list[Device]:
    query = select(devices).order_by(devices.c.created_us, devices.c.id)
    if patient is not None:
        query = query.where(devices.c.patient == patient)
    return [Device(**row._mapping) for row in conn.execute(query)]


def bind(conn: Connection, repo: FhirRepository, device_id: str, patient: str) -> Device:
    """Hand the device to `patient`; a device bound to someone else must be returned first."""
    device = require(conn, device_id)
    if device.status == "revoked":
        raise errors.error(409, "conflict", f"Device/{device_id} is revoked", "device")
    if device.kind in PLACE_KINDS:
        message = f"Device/{device_id} is a {device.kind}: it guards a place, not a patient"
        raise errors.error(409, "conflict", message, "device")
    if device.patient == patient:
        return device
    if device.patient is not None:
        message = f"Device/{device_id} is bound to another patient; unbind it first"
        raise errors.error(409, "conflict", message, "device")
    _require_patient(conn, repo, patient)
    now_us = epoch_us(repo.clock())
    _set(conn, device_id, patient=patient, status="active", bound_us=now_us)
    _update_resource(conn, repo, device_id, _binding("active", patient))
    return require(conn, device_id)


def bind_place(conn: Connection, repo: FhirRepository, device_id: str, place: str) -> Device:
    """Put a place device (PLACE_KINDS: a temperature logger) to work guarding `place`, a label
    such as "clinic-x / fridge 1" kept as Device.location.display. Which lots
    the place holds is the owning module's business (cold chain); monitoring only needs the
    device active. `unbind` takes it out of service again (its readings are then refused)."""
    device = require(conn, device_id)
    if device.kind not in PLACE_KINDS:
        message = f"Device/{device_id} is a {device.kind}: bind it to a patient"
        raise errors.error(409, "conflict", message, "device")
    if device.status == "revoked":
        raise errors.error(409, "conflict", f"Device/{device_id} is revoked", "device")
    if not 0 < len(place) <= 2 * MAX_TEXT:
        raise errors.bad_request(f"place is 1 to {2 * MAX_TEXT} characters", "place")
    now_us = epoch_us(repo.clock())
    _set(conn, device_id, status="active", bound_us=now_us)
    _update_resource(conn, repo, device_id, _placed("active", place))
    return require(conn, device_id)


def unbind(conn: Connection, repo: FhirRepository, device_id: str) -> Device:
    """The device is returned: inactive and bound to nobody. Its readings keep their patient."""
    device = require(conn, device_id)
    if device.status == "revoked":
        raise errors.error(409, "conflict", f"Device/{device_id} is revoked", "device")
    _set(conn, device_id, patient=None, status="inactive", bound_us=None)
    change = _placed if device.kind in PLACE_KINDS else _binding
    _update_resource(conn, repo, device_id, change("inactive", None))
    return require(conn, device_id)


def revoke(conn: Connection, repo: FhirRepository, device_id: str) -> Device:
    """Lost, stolen or retired: its key stops working for good (403) and it is bound to nobody."""
    require(conn, device_id)
    _set(conn, device_id, patient=None, status="revoked", bound_us=None)
    _update_resource(conn, repo, device_id, _binding("inactive", None))
    return require(conn, device_id)


def rotate_key(conn: Connection, repo: FhirRepository, device_id: str) -> str:
    """A new key for the device; the old one stops working when this commits."""
    del repo  # the Device resource does not carry the key
    device = require(conn, device_id)
    if device.status == "revoked":
        raise errors.error(409, "conflict", f"Device/{device_id} is revoked", "device")
    key = secrets.token_urlsafe(32)
    _set(conn, device_id, key_hash=hash_key(key))
    return key


def authenticate(conn: Connection, device_id: str, key: str | None) -> Device:
    """The device when `key` is its key and it may write: 401 unknown device or wrong key (one
    message for both), 403 revoked or bound to no patient."""
    return admissible(verify_key(conn, device_id, key))


def verify_key(conn: Connection, device_id: str, key: str | None) -> Device:
    """The device whose key `key` is, whatever its status; 401 otherwise (one message for an
    unknown device, a missing key and a wrong key)."""
    device = get(conn, device_id) if len(device_id) <= MAX_TEXT else None
    known_hash = device.key_hash if device else hash_key(secrets.token_urlsafe(32))
    offered = hash_key(key or "")
    if device is None or not key or not hmac.compare_digest(offered, known_hash):
        raise errors.FhirError(
            401,
            [errors.Issue("login", UNAUTHENTICATED, "Authorization")],
            {"WWW-Authenticate": 'Device realm="enlace"'},
        )
    return device


def admissible(device: Device) -> Device:
    """The device if it may write readings now (403 otherwise)."""
    if device.status == "revoked":
        raise errors.error(403, "forbidden", f"Device/{device.id} is revoked", "device")
    if device.kind in PLACE_KINDS:
        if device.status != "active":
            message = f"Device/{device.id} is a {device.kind} not bound to a place"
            raise errors.error(403, "forbidden", message, "device")
        return device
    if device.status != "active" or device.patient is None:
        message = f"Device/{device.id} is not bound to a patient"
        raise errors.error(403, "forbidden", message, "device")
    return device


def record_contact(
    conn: Connection,
    repo: FhirRepository,
    device: Device,
    seen_us: int,
    battery: int | None,
    firmware: str | None,
) -> None:
    """Last seen, battery and firmware as the device reported them, in the ingest transaction."""
    values: dict[str, Any] = {"last_seen_us": seen_us}
    if battery is not None:
        values["battery"] = battery
    if firmware is not None and firmware != device.firmware:
        values["firmware"] = firmware
        _update_resource(conn, repo, device.id, _firmware(firmware))
    _set(conn, device.id, **values)


def _set(conn: Connection, device_id: str, **values: Any) -> None:
    conn.execute(update(devices).where(devices.c.id == device_id).values(**values))


def _require_patient(conn: Connection, repo: FhirRepository, patient: str) -> None:
    found = repo.current(conn, "Patient", patient)
    if found is None or found.deleted:
        raise errors.error(404, "not-found", f"Patient/{patient} is not known", "patient")


def _update_resource(
    conn: Connection, repo: FhirRepository, device_id: str, change: Callable[[dict[str, Any]], None]
) -> None:
    resource = repo.read(conn, "Device", device_id).resource()
    resource.pop("meta", None)
    change(resource)
    repo.update(conn, resource, device_id)


def _binding(status: str, patient: str | None) -> Callable[[dict[str, Any]], None]:
    def change(resource: dict[str, Any]) -> None:
        resource["status"] = status
        if patient is None:
            resource.pop("patient", None)
        else:
            resource["patient"] = {"reference": f"Patient/{patient}"}

    return change


def _placed(status: str, place: str | None) -> Callable[[dict[str, Any]], None]:
    def change(resource: dict[str, Any]) -> None:
        resource["status"] = status
        if place is None:
            resource.pop("location", None)
        else:
            resource["location"] = {"display": place}

    return change


def _firmware(firmware: str) -> Callable[[dict[str, Any]], None]:
    def change(resource: dict[str, Any]) -> None:
        resource["version"] = [{"value": firmware}]

    return change


def _device_resource(
    kind: str, status: str, patient: str | None, serial: str | None, firmware: str | None
) -> dict[str, Any]:
    codings = [{"system": DEVICE_KIND_SYSTEM, "code": kind, "display": KIND_DISPLAY[kind]}]
    if kind in SNOMED_KINDS:
        code, display = SNOMED_KINDS[kind]
        codings.append({"system": SNOMED, "code": code, "display": display})
    resource: dict[str, Any] = {
        "resourceType": "Device",
        "status": status,
        "type": {"coding": codings, "text": KIND_DISPLAY[kind]},
    }
    if serial:
        resource["serialNumber"] = serial
    if firmware:
        resource["version"] = [{"value": firmware}]
    if patient:
        resource["patient"] = {"reference": f"Patient/{patient}"}
    return resource
