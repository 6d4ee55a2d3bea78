"""Self-entered readings (public API `record_reading`): a blood pressure, glucose or weight the
patient types into the app goes through monitoring's ingestion like a device's reading — the same
series, the same alert rules and escalation — from the patient's own "app" device of that kind
(registered the first time). The answer carries the plain-language verdict against the patient's
own targets (their Goals), and whether the physician was alerted. Keyed by client id: a resend
stores nothing twice and gets the first answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.engagement import domain, records
from enlace.modules.engagement.tables import engagement_readings
from enlace.modules.monitoring import ingest, registry
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

APP_SERIAL = "patient-app"  # the serial of the device standing for the patient's own phone
DEVICE_KIND = {"glucose": "glucometer", "bp": "bp-cuff", "weight": "scale"}


def record_reading(
    db: Database,
    repo: FhirRepository,
    patient: str,
    reading: domain.Entry,
    at: datetime,
    client_id: str | None = None,
) -> dict[str, Any]:
    """Store one reading and judge it. Answer: `clientId`, `status` (created | duplicate),
    `reading` (code, value, value2, unit, time), `verdict` (level, key, params) and `alerted`
    (the alert ids the monitoring rules opened or extended). FhirError: 400 time without offset
    or refused by monitoring (too far in the future, too old), 409 client id reused."""
    if at.tzinfo is None:
        raise errors.bad_request("the time needs its UTC offset", "capturedAt")
    client_id = client_id or str(uuid.uuid4())
    shown = {"code": reading.measure.code, "value": reading.value, "value2": reading.value2,
             "unit": reading.measure.canonical, "time": at.isoformat()}  # fmt: skip
    # What the client id stands for: the patient and the values, not the time it was sent (a
    # form's resend is stamped again by the server).
    digest = records.digest({"patient": patient, "clientId": client_id, **shown, "time": None})
    earlier = _logged(db, client_id, digest)
    if earlier is not None:
        return {**earlier, "status": "duplicate"}
    device = _app_device(db, repo, patient, reading.measure.kind)
    try:
        result = ingest.ingest(db, repo, device, _message(reading, at), trusted=True)
    except errors.FhirError as refused:  # what the typed checks let through: a wrong clock
        raise errors.FhirError(refused.status, [_located(i) for i in refused.issues]) from None
    with db.begin() as conn:
        goals = records.of_patient(conn, repo, "Goal", patient)
    verdict = domain.verdict(reading, domain.targets_from_goals(goals))
    answer = {"clientId": client_id, "status": "created", "reading": shown,
              "verdict": {"level": verdict.level, "key": verdict.key,
                          "params": dict(verdict.params)},
              "alerted": list(result.alerts)}  # fmt: skip
    row = {"client_id": client_id, "patient": patient, "digest": digest,
           "received_us": epoch_us(repo.clock()), "answer": orjson.dumps(answer).decode()}  # fmt: skip
    try:
        with db.begin() as conn:
            conn.execute(engagement_readings.insert().values(**row))
    except IntegrityError:  # the same reading sent twice at once: the first answer stands
        return {**(_logged(db, client_id, digest) or answer), "status": "duplicate"}
    return answer


def _located(issue: errors.Issue) -> errors.Issue:
    """Monitoring's location in the device message, as the field of the app's item."""
    where = issue.expression or ""
    field = "capturedAt" if where.endswith(".time") else "value"
    return errors.Issue(issue.code, issue.diagnostics, field)


def _logged(db: Database, client_id: str, digest: str) -> dict[str, Any] | None:
    t = engagement_readings.c
    with db.begin() as conn:
        row = conn.execute(select(t.digest, t.answer).where(t.client_id == client_id)).first()
    if row is None:
        return None
    if row.digest != digest:
        raise errors.error(409, "conflict", "this client id was used for another reading",
                           "clientId")  # fmt: skip
    found: dict[str, Any] = orjson.loads(row.answer)
    return found


def _app_device(db: Database, repo: FhirRepository, patient: str, kind: str) -> str:
    device_kind = DEVICE_KIND[kind]
    with db.begin() as conn:
        for device in registry.list_devices(conn, patient):
            if device.kind == device_kind and device.serial == APP_SERIAL:
                return device.id
        device_id, _key = registry.add_device(
            conn, repo, kind=device_kind, patient=patient, serial=APP_SERIAL
        )
        return device_id


def _message(reading: domain.Entry, at: datetime) -> bytes:
    m = reading.measure
    one: dict[str, Any] = {"code": m.code, "unit": m.canonical, "time": at.isoformat()}
    if m.kind == "bp":
        one["components"] = {domain.SYSTOLIC: reading.value, domain.DIASTOLIC: reading.value2}
    else:
        one["value"] = reading.value
    return orjson.dumps({"readings": [one]})
