"""CDS Hooks authorization pass-through and patient-view: with auth on, what the prefetch lacks
is read with the request's fhirAuthorization token (a token for another patient reads
nothing: 403), none at all is a 401; patient-view shows overdue referrals and the latest risk."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.cds.cds_support import (
    PATIENT,
    by_summary,
    cds_world,
    egfr,
    med,
    sign_request,
)
from tests.unit.cds.spec_models import CdsResponse

SIGN = "/cds-services/enlace-order-sign"
VIEW = "/cds-services/enlace-patient-view"


def overdue_task() -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "id": "ref-1",
        "status": "requested",
        "intent": "order",
        "description": "Confirmar diabetes probable",
        "for": {"reference": f"Patient/{PATIENT}"},
        "restriction": {"period": {"end": "2025-12-01"}},
    }


def risk() -> dict[str, Any]:
    return {
        "resourceType": "RiskAssessment",
        "id": "risk-1",
        "status": "final",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "occurrenceDateTime": "2025-12-10",
        "prediction": [
            {
                "outcome": {"text": "Diabetes tipo 2 a 10 años"},
                "qualitativeRisk": {"coding": [{"code": "high"}]},
                "probabilityDecimal": 0.33,
            }
        ],
    }


def diabetes() -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "dm-1",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
        "subject": {"reference": f"Patient/{PATIENT}"},
        "onsetDateTime": "2020-01-01",
    }


@pytest.fixture
def world(services: Services) -> Services:
    world = cds_world(
        services,
        diabetes(),
        med("enalapril-10-tab", "rx-enalapril", status="active"),
        egfr(38.0),
        overdue_task(),
        risk(),
    )
    world.settings = dataclasses.replace(world.settings, auth_enabled=True)
    return world


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


def token(world: Services, patient: str) -> dict[str, Any]:
    scopes = parse_scopes("user/*.rs")
    grant = Grant(
        "u-dr",
        "ehr",
        scopes,
        role="physician",
        patient=patient,
        patients=(patient,),
        fhir_user="Practitioner/dr-1",
    )
    if patient != PATIENT:
        scopes = parse_scopes("patient/*.rs")
        grant = Grant("u-x", "app", scopes, role="patient", patient=patient, patients=(patient,))
    issued = issue_access_token(
        signing_key(world.settings),
        grant,
        audience="http://testserver/fhir",
        now=world.repo.clock(),
    )
    return {
        "fhirServer": "http://testserver/fhir",
        "fhirAuthorization": {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": scopes.text(),
            "subject": "ehr",
        },
    }


def test_no_token_and_no_prefetch_is_401_naming_the_prefetch(web: TestClient) -> None:
    answer = web.post(SIGN, json=sign_request(med("spironolactone-25-tab")))
    assert answer.status_code == 401
    assert answer.json()["issue"][0]["expression"][0].startswith("prefetch.")


def test_the_token_reads_the_record_and_the_interaction_is_found(
    web: TestClient, world: Services
) -> None:
    body = sign_request(med("spironolactone-25-tab"), **token(world, PATIENT))
    answer = web.post(SIGN, json=body)
    assert answer.status_code == 200, answer.text
    assert by_summary(answer.json(), "hiperpotasemia")["indicator"] == "warning"


def test_a_token_for_another_patient_gets_nothing(web: TestClient, world: Services) -> None:
    body = sign_request(med("spironolactone-25-tab"), **token(world, "p-gmm"))
    answer = web.post(SIGN, json=body)
    assert answer.status_code == 403, answer.text
    assert "cards" not in answer.json()


def test_a_forged_token_is_401(web: TestClient, world: Services) -> None:
    extra = token(world, PATIENT)
    extra["fhirAuthorization"]["access_token"] += "x"
    answer = web.post(SIGN, json=sign_request(med("spironolactone-25-tab"), **extra))
    assert answer.status_code == 401
    assert answer.json()["issue"][0]["expression"] == ["fhirAuthorization.access_token"]


def test_full_prefetch_needs_no_token(web: TestClient) -> None:
    empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    prefetch = {
        "patient": {"resourceType": "Patient", "id": PATIENT},
        "medications": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": med("enalapril-10-tab", "rx-e", status="active")}],
        },
        "conditions": empty,
        "labs": empty,
        "allergies": empty,
        "coverage": empty,
    }
    answer = web.post(SIGN, json=sign_request(med("telmisartan-40-tab"), prefetch=prefetch))
    assert answer.status_code == 200, answer.text
    by_summary(answer.json(), "doble bloqueo")
    # Without a token nothing of this platform's own records: no coverage verdict.
    assert not [c for c in answer.json()["cards"] if "cubierto" in c["summary"].lower()]


def test_patient_view_without_a_token_shows_no_care_gaps(web: TestClient) -> None:
    empty = {"resourceType": "Bundle", "type": "searchset"}
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": PATIENT},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": PATIENT},
            "risk": empty,
            "followups": empty,
        },
    }
    answer = web.post(VIEW, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["cards"] == []


def test_patient_view_shows_overdue_follow_up_and_high_risk(
    web: TestClient, world: Services
) -> None:
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": PATIENT},
        **token(world, PATIENT),
    }
    answer = web.post(VIEW, json=body)
    assert answer.status_code == 200, answer.text
    cards = answer.json()
    CdsResponse.model_validate(cards)
    assert by_summary(cards, "seguimiento vencido")["indicator"] == "warning"
    assert by_summary(cards, "riesgo alto")["indicator"] == "warning"
    assert "HbA1c" in by_summary(cards, "pendiente(s) de atención")["detail"]


def test_order_select_checks_the_selected_order(web: TestClient, world: Services) -> None:
    chosen = med("spironolactone-25-tab", "new-1")
    other = med("amlodipine-5-tab", "new-2")
    body = sign_request(chosen, other, **token(world, PATIENT))
    body["hook"] = "order-select"
    body["context"]["selections"] = ["MedicationRequest/new-1"]
    answer = web.post("/cds-services/enlace-order-select", json=body)
    assert answer.status_code == 200, answer.text
    CdsResponse.model_validate(answer.json())
    by_summary(answer.json(), "hiperpotasemia")
    del body["context"]["selections"]
    refused = web.post("/cds-services/enlace-order-select", json=body)
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["context.selections"]
