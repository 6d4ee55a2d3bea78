"""Ingesting one device message (HTTP or MQTT): authenticate, normalize, store, run the rules,
note the device's contact, all in one transaction.

Refusal policy (docs/monitoring.md, Ingestion): a reading that is wrong on its own (implausible,
wrong unit, bad time) is refused by itself, kept in monitoring_rejects and listed in the answer,
while the good readings of the same message are stored; a device cannot correct a past reading,
and refusing the whole batch would make it resend forever and lose the good ones. A message that
is malformed as a whole is refused whole (400/403/413/415) and, when its sender is known, kept
in monitoring_rejects in a transaction of its own (the refused one writes nothing). When every
reading of a message is refused the answer is 422, after the refusals are kept.
Messages from a sender that did not authenticate (401) are not kept: anyone could fill the
table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.kernel import errors, metrics
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import alerting, place_devices, registry, storage
from enlace.modules.monitoring.domain import PLACE_KINDS, PLACE_PATIENT
from enlace.modules.monitoring.normalize import MAX_BYTES, Refusal, Source, normalize
from enlace.modules.monitoring.registry import Device
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

CONTENT_TYPES = ("application/json", "application/fhir+json")
# monitoring_rejects.reason of a message refused whole, by status.
WHOLE_MESSAGE_REASONS = {
    400: "malformed",
    403: "forbidden",
    404: "unknown-device",
    413: "too-large",
    415: "media-type",
}


@dataclass(frozen=True, slots=True)
class IngestResult:
    device: str
    patient: str
    accepted: int  # new readings stored
    duplicates: int  # readings already stored (or repeated in the message): counted, not stored
    rejected: tuple[Refusal, ...]
    alerts: tuple[str, ...]  # ids of the alerts the new readings opened or updated


def ingest(
    db: Database,
    repo: FhirRepository,
    device_id: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    key: str | None = None,
    trusted: bool = False,
) -> IngestResult:
    """Take one message from `device_id`. `trusted`: the transport authenticated the device
    already (the MQTT broker, with its per-device credentials), so no key is checked; the
    device must still be registered, active and bound. FhirError for a refused message."""
    received_us = epoch_us(repo.clock())
    arrived = time.monotonic()  # alert latency: this message's arrival to its alerts committed
    sender: str | None = device_id if trusted else None
    try:
        _check_content_type(content_type)
        with db.begin() as conn:
            device = _identify(conn, device_id, key, trusted)
            sender = device.id
            registry.admissible(device)
            result, total = _take(conn, repo, device, body, received_us)
    except errors.FhirError as exc:
        if sender is not None and exc.status in WHOLE_MESSAGE_REASONS:
            _keep_refused_message(db, repo, device_id, received_us, exc, body)
        raise
    if total and result.accepted + result.duplicates == 0:
        raise errors.unprocessable([_issue(r) for r in result.rejected])
    _count(result, "mqtt" if trusted else "http", time.monotonic() - arrived)
    return result


def _count(result: IngestResult, source: str, seconds: float) -> None:
    metrics.INGESTED.labels(source).inc(result.accepted)
    for _alert in result.alerts:
        metrics.ALERT_LATENCY.observe(seconds)


def _check_content_type(content_type: str) -> None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in CONTENT_TYPES:
        message = f"Readings are sent as {' or '.join(CONTENT_TYPES)}, not {media_type!r}"
        raise errors.error(415, "not-supported", message, "Content-Type")


def _identify(conn: Connection, device_id: str, key: str | None, trusted: bool) -> Device:
    """The sending device: by its key, or as the transport vouched for it (404 if unknown)."""
    if trusted:
        return registry.require(conn, device_id)
    return registry.verify_key(conn, device_id, key)


def _take(
    conn: Connection, repo: FhirRepository, device: Device, body: bytes, received_us: int
) -> tuple[IngestResult, int]:
    patient = device.patient or PLACE_PATIENT  # admissible: bound to a patient or a place
    normalized = normalize(body, Source(device.id, patient, received_us))
    new = storage.store_readings(conn, normalized.readings)
    storage.store_rejects(conn, repo.new_id, device.id, received_us, normalized.refusals)
    if device.kind in PLACE_KINDS:  # a logger's readings are the place's module's business
        alert_ids = place_devices.on_readings(conn, repo, device.kind, device.id, new)
    else:
        alert_ids = alerting.on_readings(conn, repo, new)
    registry.record_contact(
        conn, repo, device, received_us, normalized.battery, normalized.firmware
    )
    result = IngestResult(
        device.id,
        patient,
        len(new),
        len(normalized.readings) - len(new),
        normalized.refusals,
        tuple(alert_ids),
    )
    return result, normalized.total


def _keep_refused_message(
    db: Database,
    repo: FhirRepository,
    device_id: str,
    received_us: int,
    exc: errors.FhirError,
    body: bytes,
) -> None:
    """The refused message, for audit, in its own transaction (the request's wrote nothing)."""
    issue = exc.issues[0] if exc.issues else errors.Issue("invalid", exc.message)
    raw = body[:MAX_BYTES].decode("utf-8", errors="replace")
    refusal = Refusal(
        None, issue.expression or "/", WHOLE_MESSAGE_REASONS[exc.status], exc.message, raw
    )
    with db.begin() as conn:
        known = registry.get(conn, device_id) if len(device_id) <= registry.MAX_TEXT else None
        storage.store_rejects(
            conn, repo.new_id, known.id if known else None, received_us, [refusal]
        )


def _issue(refusal: Refusal) -> errors.Issue:
    return errors.Issue(
        _ISSUE_CODES.get(refusal.reason, "invalid"), refusal.message, refusal.location
    )


_ISSUE_CODES = {"malformed": "structure", "code": "code-invalid", "unit": "value"}
