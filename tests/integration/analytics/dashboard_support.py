"""A small world for the dashboard tests: three clinics of one institution in Jalisco (14) with
patients with type 2 diabetes and one HbA1c in September 2026 each:

- umf-a: 24 patients of dr-a, 18 controlled (HbA1c 6.4 %) → 75 %;
- umf-b: 4 patients of dr-b, 2 controlled → 50 %, a small cell (suppressed for most roles,
  and umf-a with it: the complement with the smallest other denominator);
- umf-c: 30 patients of dr-c, 15 controlled → 50 %.
Nationally 35 of 58 are controlled: 60.34 %.
"""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.modules.analytics import indicators

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
CLINICS = {"umf-a": (24, 18, "dr-a"), "umf-b": (4, 2, "dr-b"), "umf-c": (30, 15, "dr-c")}
PERIOD = "2026-09"


def write(services: Services, resource: dict[str, Any]) -> None:
    with services.db.begin() as conn:
        services.repo.update(conn, resource, resource["id"])


def coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def seed(services: Services) -> None:
    write(services, {"resourceType": "Organization", "id": "imss", "name": "IMSS"})
    for clinic, (total, controlled, doctor) in CLINICS.items():
        write(services, {"resourceType": "Organization", "id": clinic, "name": clinic.upper(),
                         "partOf": {"reference": "Organization/imss"},
                         "address": [{"state": "14"}]})  # fmt: skip
        for i in range(total):
            pid = f"{clinic}-{i}"
            write(services, {
                "resourceType": "Patient", "id": pid, "gender": "female",
                "birthDate": "1970-02-01", "name": [{"family": "Pérez", "given": [f"P{pid}"]}],
                "managingOrganization": {"reference": f"Organization/{clinic}"},
                "generalPractitioner": [{"reference": f"Practitioner/{doctor}"}],
            })  # fmt: skip
            write(services, {
                "resourceType": "Condition", "id": f"dx-{pid}",
                "subject": {"reference": f"Patient/{pid}"}, "code": coded(ICD10, "E11.9"),
                "onsetDateTime": "2020-01-01", "clinicalStatus": coded(
                    "http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            })  # fmt: skip
            hba1c(services, pid, 6.4 if i < controlled else 9.6)
    indicators.refresh_sources(services, full=True)


def hba1c(services: Services, pid: str, value: float, day: str = "2026-09-10") -> None:
    write(services, {
        "resourceType": "Observation", "id": f"a1c-{pid}-{day}", "status": "final",
        "code": coded(LOINC, "4548-4"), "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": f"{day}T08:00:00Z",
        "valueQuantity": {"value": value, "unit": "%", "code": "%"},
    })  # fmt: skip
