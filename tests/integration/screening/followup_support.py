"""Referral Tasks as record_screening writes them (focus the RiskAssessment, for the patient,
owner the clinic, restriction.period.end the due date), put through the FHIR interactions."""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.interactions.context import Services
from enlace.security.access import Access
from tests.support.fhir_calls import call


def put(services: Services, resource: dict[str, Any]) -> None:
    url = f"{resource['resourceType']}/{resource['id']}"
    response = call(services, Access.internal(), "PUT", url, resource)
    assert response.status in (200, 201), response.body


def patient(services: Services, pid: str, family: str, **extra: Any) -> None:
    body = {"resourceType": "Patient", "id": pid, "name": [{"family": family, "given": ["Ana"]}]}
    put(services, {**body, **extra})


def referral(
    services: Services,
    tid: str,
    pid: str,
    condition: str = "diabetes",
    clinic: str = "org-c1",
    authored: str = "2025-12-01T10:00:00-06:00",
    due: date = date(2025, 12, 30),
    probability: float | None = None,
) -> None:
    prediction: dict[str, Any] = {
        "outcome": {"text": condition},
        "qualitativeRisk": {"text": "probable"},
    }
    if probability is not None:
        prediction["probabilityDecimal"] = probability
    put(
        services,
        {
            "resourceType": "RiskAssessment",
            "id": f"ra-{tid}",
            "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "occurrenceDateTime": authored,
            "prediction": [prediction],
        },
    )
    put(
        services,
        {
            "resourceType": "Task",
            "id": tid,
            "status": "requested",
            "intent": "order",
            "code": {"text": "Confirmar diagnóstico"},
            "reasonCode": {
                "coding": [
                    {
                        "system": "https://enlace.health/fhir/CodeSystem/screening-condition",
                        "code": condition,
                    }
                ]
            },
            "focus": {"reference": f"RiskAssessment/ra-{tid}"},
            "for": {"reference": f"Patient/{pid}"},
            "owner": {"reference": f"Organization/{clinic}"},
            "authoredOn": authored,
            "restriction": {"period": {"end": due.isoformat()}},
        },
    )
