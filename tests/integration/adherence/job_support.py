"""A small hand-made record for the adherence job and page tests: patients, a clinic visit and a
prescription by Practitioner/d1 at Organization/org-c1, and dispenses whose measures are worked
out by hand in the tests. Put through the FHIR interactions like any client's writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.interactions.context import Services
from enlace.security.access import Access
from tests.support.fhir_calls import call

AS_OF = date(2025, 12, 31)
DOCTOR = "d1"
CLINIC = "org-c1"


def put(services: Services, resource: dict[str, Any]) -> None:
    url = f"{resource['resourceType']}/{resource['id']}"
    response = call(services, Access.internal(), "PUT", url, resource)
    assert response.status in (200, 201), response.body


def patient(services: Services, pid: str, family: str, **extra: Any) -> None:
    body = {
        "resourceType": "Patient",
        "id": pid,
        "name": [{"family": family, "given": ["Ana"]}],
        "gender": "female",
        "birthDate": "1960-05-01",
        "address": [{"state": "Jalisco"}],
    }
    put(services, {**body, **extra})


def prescription(services: Services, rx: str, pid: str, medication: str) -> None:
    put(
        services,
        {
            "resourceType": "Encounter",
            "id": f"e-{rx}",
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": f"Patient/{pid}"},
            "participant": [{"individual": {"reference": f"Practitioner/{DOCTOR}"}}],
            "serviceProvider": {"reference": f"Organization/{CLINIC}"},
        },
    )
    put(
        services,
        {
            "resourceType": "MedicationRequest",
            "id": rx,
            "status": "active",
            "intent": "order",
            "medicationReference": {"reference": f"Medication/med-{medication}"},
            "subject": {"reference": f"Patient/{pid}"},
            "encounter": {"reference": f"Encounter/e-{rx}"},
            "requester": {"reference": f"Practitioner/{DOCTOR}"},
        },
    )


def dispense(
    services: Services,
    did: str,
    pid: str,
    medication: str,
    day: str | None,
    days: int = 30,
    rx: str | None = None,
) -> None:
    body: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": did,
        "status": "completed",
        "medicationReference": {"reference": f"Medication/med-{medication}"},
        "subject": {"reference": f"Patient/{pid}"},
        "performer": [{"actor": {"reference": "Organization/org-ph1"}}],
        "daysSupply": {"value": days, "system": "http://unitsofmeasure.org", "code": "d"},
    }
    if day:
        body["whenHandedOver"] = f"{day}T10:00:00-06:00"
    if rx:
        body["authorizingPrescription"] = [{"reference": f"MedicationRequest/{rx}"}]
    put(services, body)


def small_world(services: Services) -> Services:
    """p1 refills metformin on time (PDC 90/92); p2 took enalapril twice in June-July and
    stopped (discontinued 2025-07-31, PDC 60/214); one dispense has no date (a bad one), one is
    dated after the as-of day (skipped)."""
    patient(services, "p1", "Uno")
    patient(services, "p2", "Dos", gender="male")
    prescription(services, "rx1", "p1", "metformin-850-tab")
    prescription(services, "rx2", "p2", "enalapril-10-tab")
    for n, day in enumerate(("2025-10-01", "2025-10-31", "2025-11-30"), 1):
        dispense(services, f"d1-{n}", "p1", "metformin-850-tab", day, rx="rx1")
    for n, day in enumerate(("2025-06-01", "2025-07-01"), 1):
        dispense(services, f"d2-{n}", "p2", "enalapril-10-tab", day, rx="rx2")
    dispense(services, "d-undated", "p1", "metformin-850-tab", None)
    dispense(services, "d-future", "p1", "metformin-850-tab", "2026-01-01", rx="rx1")
    return services
