"""A patient for the CDS Hooks tests: insured (IMSS), prescribers, active medicines (one outside
the formulary, coded by ATC), an eGFR, and hook requests to send."""

from __future__ import annotations

import uuid
from typing import Any

from enlace.interactions.context import Services
from enlace.store.bulk import PutItem
from tests.integration.coverage_support import insured_world
from tests.support.prescriptions import metformin_rx, prescribers

ATC = "http://www.whocc.no/atc"
PATIENT = "p-imss"


def med(slug: str, rid: str | None = None, **change: Any) -> dict[str, Any]:
    body = metformin_rx(medicationReference={"reference": f"Medication/med-{slug}"}, **change)
    if rid:
        body["id"] = rid
    return body


def outside(atc: str, text: str, rid: str) -> dict[str, Any]:
    """An active order for a medicine outside the formulary (another EHR's), coded by ATC."""
    body = metformin_rx(
        medicationCodeableConcept={"coding": [{"system": ATC, "code": atc}], "text": text}
    )
    body.pop("medicationReference")
    body["id"] = rid
    return body


def egfr(value: float, day: str = "2025-12-01", rid: str = "egfr-1") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "98979-8"}]},
        "subject": {"reference": f"Patient/{PATIENT}"},
        "effectiveDateTime": day,
        "valueQuantity": {
            "value": value,
            "unit": "mL/min/{1.73_m2}",
            "system": "http://unitsofmeasure.org",
            "code": "mL/min/{1.73_m2}",
        },
    }


def cds_world(services: Services, *resources: dict[str, Any]) -> Services:
    world = prescribers(insured_world(services))
    if resources:
        with world.db.begin() as conn:
            world.repo.put_many(conn, [PutItem(r) for r in resources])
    return world


def sign_request(*drafts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/dr-1",
            "patientId": PATIENT,
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {**d, "status": "draft"}} for d in drafts],
            },
        },
    }
    body.update(extra)
    return body


def by_summary(answer: dict[str, Any], words: str) -> dict[str, Any]:
    found = [c for c in answer["cards"] if words.lower() in c["summary"].lower()]
    assert found, [c["summary"] for c in answer["cards"]]
    return found[0]
