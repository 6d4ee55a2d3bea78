"""Self-entered readings (public API `record_reading`): a blood pressure, glucose or weight the
patient types into the app goes through monitoring's patient-reported path
(`monitoring.self_reports`, channel "app"; the one SMS readings take too) — the same series and
alert rules and escalation as a device's reading, a patient-reported Observation. The answer
carries the plain-language verdict against the patient's own targets (their Goals) and the alerts
the reading opened or raised. Keyed by client id, in the same transaction as the reading: a
resend stores nothing twice and gets the first answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.engagement import domain, records
from enlace.modules.engagement.replay import logged_answer
from enlace.modules.engagement.tables import engagement_readings
from enlace.modules.monitoring import self_reports
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

CHANNEL = "app"
MAX_AHEAD_US = 5 * 60 * 1_000_000  # a phone's clock drifts; more is a wrong clock (as devices)
MAX_AGE_US = 400 * 86_400 * 1_000_000  # as monitoring takes from a device's memory


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
    (the alert ids the monitoring rules opened or raised). FhirError: 400 time without offset,
    in the future or too old (at `capturedAt`), 404 unknown patient, 409 client id reused or
    another reading of the kind at the same instant (at `capturedAt`)."""
    at_us = _checked_time(at, repo)
    client_id = client_id or str(uuid.uuid4())
    shown = {"code": reading.measure.code, "value": reading.value, "value2": reading.value2,
             "unit": reading.measure.canonical, "time": at.isoformat()}  # fmt: skip
    # What the client id stands for: the patient and the values, not the time it was sent (a
    # form's resend is stamped again by the server).
    digest = records.digest({"patient": patient, "clientId": client_id, **shown, "time": None})
    try:
        with db.begin() as conn:
            return _record(conn, repo, patient, reading, at_us, client_id, digest, shown)
    except IntegrityError:  # the same reading sent twice at once: the first answer stands
        with db.begin() as conn:
            earlier = _logged(conn, patient, client_id, digest)
        if earlier is None:
            raise
        return {**earlier, "status": "duplicate"}


def _record(
    conn: Connection,
    repo: FhirRepository,
    patient: str,
    reading: domain.Entry,
    at_us: int,
    client_id: str,
    digest: str,
    shown: dict[str, Any],
) -> dict[str, Any]:
    earlier = _logged(conn, patient, client_id, digest)
    if earlier is not None:
        return {**earlier, "status": "duplicate"}
    person = repo.current(conn, "Patient", patient)
    if person is None or person.deleted:
        raise errors.error(404, "not-found", f"Patient/{patient} is not known", "patient")
    report = self_reports.SelfReport(patient=patient, kind=reading.measure.kind,
                                     value=reading.value, effective_us=at_us, channel=CHANNEL,
                                     value2=reading.value2)  # fmt: skip
    recorded = self_reports.record(conn, repo, report)
    if not recorded.new:  # the series keeps one reading of a kind per instant
        raise errors.error(409, "conflict", "a reading of this kind at this very time is "
                           "already recorded", "capturedAt")  # fmt: skip
    goals = records.of_patient(conn, repo, "Goal", patient)
    verdict = domain.verdict(reading, domain.targets_from_goals(goals))
    answer = {"clientId": client_id, "status": "created", "reading": shown,
              "verdict": {"level": verdict.level, "key": verdict.key,
                          "params": dict(verdict.params)},
              "alerted": [a.id for a in recorded.alerts]}  # fmt: skip
    row = {"client_id": client_id, "patient": patient, "digest": digest,
           "received_us": epoch_us(repo.clock()), "answer": orjson.dumps(answer).decode()}  # fmt: skip
    conn.execute(engagement_readings.insert().values(**row))
    return answer


def _checked_time(at: datetime, repo: FhirRepository) -> int:
    if at.tzinfo is None:
        raise errors.bad_request("the time needs its UTC offset", "capturedAt")
    at_us, now_us = epoch_us(at), epoch_us(repo.clock())
    if at_us > now_us + MAX_AHEAD_US:
        raise errors.bad_request("the time is in the future: check the phone's clock", "capturedAt")
    if at_us < now_us - MAX_AGE_US:
        raise errors.bad_request("the reading is more than 400 days old", "capturedAt")
    return at_us


def _logged(conn: Connection, patient: str, client_id: str, digest: str) -> dict[str, Any] | None:
    return logged_answer(conn, engagement_readings, patient, client_id, digest, "reading")
