"""A patient with two prescriptions (metformin twice a day, losartan once) and a glucose Goal,
another patient, both written through the FHIR router as the platform; times near the test
clock (2026-01-01T00:00Z)."""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.router import dispatch
from enlace.kernel.jsonutil import dumps
from enlace.security.access import Access

PATIENT, OTHER = "pa1", "pa2"
METFORMIN, LOSARTAN, OTHERS_RX = "rx-met", "rx-los", "rx-other"
DAY = "2025-12-31"  # the patient's local day (America/Mexico_City) at the test clock
AT = "2025-12-31T17:00:00-06:00"
LOINC = "http://loinc.org"


def put(services: Services, resource: dict[str, Any]) -> None:
    path = f"{resource['resourceType']}/{resource['id']}"
    request = FhirRequest("PUT", path, body=dumps(resource), access=Access.internal())
    response = dispatch(services, request)
    assert response.status in (200, 201), response.body


def patient(pid: str, family: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1961-05-02",
            "name": [{"family": family, "given": ["Rosa"]}]}  # fmt: skip


def prescription(
    rid: str, pid: str, name: str, per_day: int, status: str = "active"
) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order",
        "subject": {"reference": f"Patient/{pid}"}, "authoredOn": "2025-12-01",
        "medicationCodeableConcept": {"text": name},
        "dosageInstruction": [{"text": f"1 tableta {per_day} veces al día",
                               "timing": {"repeat": {"frequency": per_day, "period": 1,
                                                     "periodUnit": "d"}}}],
        "dispenseRequest": {"validityPeriod": {"start": "2025-12-01", "end": "2026-06-30"},
                            "numberOfRepeatsAllowed": 2,
                            "expectedSupplyDuration": {"value": 30, "unit": "d"}},
    }  # fmt: skip


def glucose_goal(pid: str) -> dict[str, Any]:
    return {"resourceType": "Goal", "id": f"goal-{pid}", "lifecycleStatus": "active",
            "description": {"text": "Glucosa 80-150"}, "subject": {"reference": f"Patient/{pid}"},
            "target": [{"measure": {"coding": [{"system": LOINC, "code": "41653-7"}]},
                        "detailRange": {"low": {"value": 80, "unit": "mg/dL"},
                                        "high": {"value": 150, "unit": "mg/dL"}}}]}  # fmt: skip


def world(services: Services) -> None:
    for resource in (patient(PATIENT, "Ramírez"), patient(OTHER, "Soto"),
                     prescription(METFORMIN, PATIENT, "Metformina 850 mg", 2),
                     prescription(LOSARTAN, PATIENT, "Losartán 50 mg", 1),
                     prescription(OTHERS_RX, OTHER, "Insulina glargina", 1),
                     glucose_goal(PATIENT)):  # fmt: skip
        put(services, resource)


def dose(cid: str, request: str = METFORMIN, slot: str = "08:00", status: str = "taken",
         seen: str | None = None, pid: str = PATIENT) -> dict[str, Any]:  # fmt: skip
    return {"clientId": cid, "kind": "dose", "patient": pid, "capturedAt": AT,
            "request": request, "day": DAY, "slot": slot, "status": status, "seen": seen}  # fmt: skip


def reading(cid: str, measure: str = "glucose", value: Any = 120, unit: str = "mg/dL",
            value2: Any = None, pid: str = PATIENT, at: str = AT) -> dict[str, Any]:  # fmt: skip
    item = {"clientId": cid, "kind": "reading", "patient": pid, "capturedAt": at,
            "measure": measure, "unit": unit, "value": value}  # fmt: skip
    return item if value2 is None else {**item, "value2": value2}
