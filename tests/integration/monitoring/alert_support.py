"""A small care world for the alert tests: a patient of a catalog clinic whose family doctor
(Encounter participant, as the simulation records it) and an on-call colleague are in the store,
plus a helper that stores readings and runs the rules the way ingestion does (same transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import alerting, storage
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring.tables import alerts
from enlace.modules.monitoring.thresholds import ALERT_LIMITS, GOAL_CATEGORY_SYSTEM

CLINIC = "clinic-l1-imss-09015"
ORG = f"Organization/org-{CLINIC}"
DOCTOR = "Practitioner/pr-test-doctor"
ON_CALL = "Practitioner/pr-test-on-call"
HOSPITAL = "Organization/org-hospital-l2-imss-09015"
MINUTE = 60_000_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def now_us(services: Services) -> int:
    return epoch_us(services.repo.clock())


def care_world(services: Services, patient: str = "p-alert", conditions: Iterable[str] = ()) -> str:
    """The patient, their doctor's last visit, an on-call role at the clinic, and Conditions
    (ICD-10 codes) — committed."""
    repo = services.repo
    with services.db.begin() as conn:
        repo.update(
            conn,
            {"resourceType": "Patient", "name": [{"family": "Pérez", "given": ["Luz"]}]},
            patient,
        )
        for pid in ("pr-test-doctor", "pr-test-on-call"):
            repo.update(conn, {"resourceType": "Practitioner", "active": True}, pid)
        _role(conn, services, "prr-test-on-call", ON_CALL, "on-call")
        _role(conn, services, "prr-test-doctor", DOCTOR, "doctor")
        repo.update(conn, _encounter(patient), f"enc-{patient}")
        for code in conditions:
            repo.update(conn, _condition(patient, code), f"{patient}-{code}")
    return patient


def _role(conn: Connection, services: Services, rid: str, who: str, code: str) -> None:
    role = {
        "resourceType": "PractitionerRole",
        "active": True,
        "practitioner": {"reference": who},
        "organization": {"reference": ORG},
        "code": [{"coding": [{"code": code}]}],
    }
    services.repo.update(conn, role, rid)


def _encounter(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": f"Patient/{patient}"},
        "participant": [{"individual": {"reference": DOCTOR}}],
        "period": {"start": "2025-12-01T10:00:00Z", "end": "2025-12-01T10:20:00Z"},
        "serviceProvider": {"reference": ORG},
    }


def _condition(patient: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
    }


def goal(
    services: Services, patient: str, code: str, low: float | None, high: float | None
) -> None:
    span = {}
    if low is not None:
        span["low"] = {"value": low}
    if high is not None:
        span["high"] = {"value": high}
    body = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "category": [{"coding": [{"system": GOAL_CATEGORY_SYSTEM, "code": ALERT_LIMITS}]}],
        "description": {"text": "meta"},
        "subject": {"reference": f"Patient/{patient}"},
        "target": [
            {
                "measure": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "detailRange": span,
            }
        ],
    }
    with services.db.begin() as conn:
        services.repo.create(conn, body)


def reading(
    patient: str,
    code: str,
    value: float,
    at: int,
    received: int | None = None,
    value2: float | None = None,
    device: str | None = None,
) -> d.Reading:
    """A reading from the patient's own device (`dev-<patient>` unless told)."""
    return d.Reading(patient, device or f"dev-{patient}", code, value, at, received or at, value2)


def ingest(services: Services, batch: Sequence[d.Reading]) -> list[str]:
    """Store `batch` and run the rules on the new readings in one transaction, as ingestion
    does (monitoring.ingest without the message parsing)."""
    with services.db.begin() as conn:
        new = storage.store_readings(conn, batch)
        return alerting.on_readings(conn, services.repo, new)


def alert_rows(services: Services, patient: str | None = None) -> list[Any]:
    query = select(alerts).order_by(alerts.c.opened_us, alerts.c.id)
    if patient is not None:
        query = query.where(alerts.c.patient == patient)
    with services.db.read() as conn:
        return list(conn.execute(query))


def evidence(row: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(row.evidence)
    return loaded


def resource(services: Services, resource_type: str, rid: str) -> dict[str, Any]:
    with services.db.read() as conn:
        return services.repo.read(conn, resource_type, rid).resource()
