"""CDS Hooks against a live `enlace serve` (two workers, SQLite and PostgreSQL), as an external
EHR would call it: discovery, then order-sign with no prefetch — the service reads the record
itself — for a patient whose active order (from another EHR, ATC-coded) interacts with the
draft; the card is recorded and takes feedback."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.unit.cds.spec_models import CdsResponse, Discovery

pytestmark = pytest.mark.e2e
ATC = "http://www.whocc.no/atc"


def coded_order(atc: str, text: str, patient: str, status: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": atc}], "text": text},
    }


def test_order_sign_over_the_wire(live_server: str) -> None:
    site = live_server.removesuffix("/fhir")
    with httpx.Client(timeout=30) as http:
        found = Discovery.model_validate(http.get(f"{site}/cds-services").json())
        assert "enlace-order-sign" in {s.id for s in found.services}
        patient = http.post(f"{live_server}/Patient", json={"resourceType": "Patient"}).json()["id"]
        enalapril = coded_order("C09AA02", "Enalapril 10 mg", patient, "active")
        assert http.post(f"{live_server}/MedicationRequest", json=enalapril).status_code == 201
        body = {
            "hook": "order-sign",
            "hookInstance": str(uuid.uuid4()),
            "fhirServer": live_server,
            "context": {
                "userId": "Practitioner/dr-1",
                "patientId": patient,
                "draftOrders": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {"resource": coded_order("C03DA01", "Espironolactona", patient, "draft")}
                    ],
                },
            },
        }
        answer = http.post(f"{site}/cds-services/enlace-order-sign", json=body)
        assert answer.status_code == 200, answer.text
        cards = CdsResponse.model_validate(answer.json()).cards
        card = next(c for c in cards if "hiperpotasemia" in c.summary.lower())
        feedback = {
            "feedback": [
                {
                    "card": card.uuid,
                    "outcome": "overridden",
                    "outcomeTimestamp": "2026-01-01T00:00:00Z",
                }
            ]
        }
        assert (
            http.post(f"{site}/cds-services/enlace-order-sign/feedback", json=feedback).status_code
            == 200
        )
