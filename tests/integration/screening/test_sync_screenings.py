"""Screenings captured offline, on both stores: written once with the screening service, the
patient a registration in the batch created found by its client id (docs/sync.md)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.store.schema import resources
from tests.integration.screening.sync_support import (
    CAPTURED,
    batch,
    count,
    local,
    new_id,
    patients,
    person,
    post,
    registration,
)


def clinic(services: Services) -> str:
    with services.db.begin() as conn:
        org = {"resourceType": "Organization", "name": "Centro de Salud Tlalpan"}
        return services.repo.create(conn, org).id


def found_person(services: Services) -> dict[str, Any]:
    managed = {"reference": f"Organization/{clinic(services)}"}
    return person(gender="female", birthDate="1970-05-04", managingOrganization=managed)


def screening(patient: str, **measurements: Any) -> dict[str, Any]:
    raw = {
        "performedAt": CAPTURED,
        "setting": "community",
        "measurements": {
            "weight": 88,
            "height": 165,
            "waist": 102,
            "bloodPressure": {"systolic": 146, "diastolic": 92},
            "glucose": {"value": 131, "unit": "mg/dL", "kind": "fasting", "sample": "plasma"},
            **measurements,
        },
        "answers": {"familyHistoryDiabetes": "first-degree", "physicalActivity": False},
    }
    return {
        "clientId": new_id(),
        "kind": "screening",
        "capturedAt": CAPTURED,
        "patient": patient,
        "payload": raw,
    }


def stored(services: Services, resource_type: str) -> int:
    return count(services, resources, resource_type=resource_type)


def test_a_person_found_and_screened_offline_is_written_once(
    client: TestClient, services: Services
) -> None:
    found = registration(found_person(services))
    screened = screening(f"urn:uuid:{found['clientId']}")
    body = batch(found, screened)
    answer = post(client, body).json()
    assert answer["counts"]["created"] == 2, answer
    patient = answer["items"][0]["patient"]
    result = answer["items"][1]
    assert result["patient"] == patient  # the client's id mapped to the server's
    kinds = {reference.split("/")[0] for reference in result["resources"]}
    assert {"Observation", "RiskAssessment", "Task"} <= kinds  # probable disease: referred
    observation_id = next(r for r in result["resources"] if r.startswith("Observation/"))
    observation = client.get(f"/fhir/{observation_id}").json()
    assert observation["subject"]["reference"] == patient
    observations = stored(services, "Observation")
    assert post(client, body).json() == answer  # the phone never heard back: sends again
    assert (patients(services), stored(services, "Observation")) == (1, observations)
    assert stored(services, "RiskAssessment") == 1


def test_a_screening_names_a_patient_registered_in_an_earlier_batch(
    client: TestClient, services: Services
) -> None:
    found = registration(found_person(services))
    patient = post(client, batch(found)).json()["items"][0]["patient"]
    later = post(client, batch(screening(f"urn:uuid:{found['clientId']}"))).json()
    assert later["items"][0]["status"] == "created"
    assert later["items"][0]["patient"] == patient


def test_a_refused_screening_is_located_in_its_payload_and_writes_nothing(
    client: TestClient, services: Services
) -> None:
    found = registration(found_person(services))
    good = screening(f"urn:uuid:{found['clientId']}")
    bad = screening(f"urn:uuid:{found['clientId']}", waist=900)
    answer = post(client, batch(found, bad, good)).json()
    assert [i["status"] for i in answer["items"]] == ["created", "refused", "created"]
    expressions = [e for i in answer["items"][1]["outcome"]["issue"] for e in i["expression"]]
    assert "items[1].payload.measurements.waist" in expressions
    assert stored(services, "RiskAssessment") == 1


def test_a_screening_of_a_refused_registration_is_refused_too(
    client: TestClient, services: Services
) -> None:
    found = registration(person(gender="sometimes"))
    answer = post(client, batch(found, screening(f"urn:uuid:{found['clientId']}"))).json()
    assert [i["status"] for i in answer["items"]] == ["refused", "refused"]
    assert answer["items"][1]["outcome"]["issue"][0]["expression"] == ["items[1].patient"]
    assert (patients(services), stored(services, "Observation")) == (0, 0)


def test_a_screening_of_a_known_patient_by_server_id(
    client: TestClient, services: Services
) -> None:
    known = found_person(services)
    with services.db.begin() as conn:
        patient_id = services.repo.create(conn, known).id
    answer = post(client, batch(screening(patient_id))).json()
    assert answer["items"][0]["patient"] == f"Patient/{patient_id}"
    assert local(answer["items"][0]["patient"]) == patient_id


def test_the_payload_may_name_the_patient_only_as_the_item_does(
    client: TestClient, services: Services
) -> None:
    found = registration(found_person(services))
    named = screening(f"urn:uuid:{found['clientId']}")
    named["payload"]["patient"] = f"urn:uuid:{found['clientId']}"
    other = screening(f"urn:uuid:{found['clientId']}")
    other["payload"]["patient"] = "Patient/someone-else"
    answer = post(client, batch(found, named, other)).json()
    assert [i["status"] for i in answer["items"]] == ["created", "created", "refused"]
    issue = answer["items"][2]["outcome"]["issue"][0]
    assert issue["expression"] == ["items[2].payload.patient"]
    assert stored(services, "RiskAssessment") == 1
