"""Transaction (atomic, urn:uuid and conditional references) and batch Bundles."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import FHIR_JSON, patient


def _observation(subject: str, value: float = 80.0) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": subject},
        "valueQuantity": {
            "value": value,
            "unit": "kg",
            "system": "http://unitsofmeasure.org",
            "code": "kg",
        },
    }


def test_transaction_rewrites_urn_uuid_references(client: TestClient) -> None:
    urn = "urn:uuid:0b6f6e64-8a1e-4a1e-9d53-6f7d5c1c2a11"
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001",
                "resource": _observation(urn),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "fullUrl": urn,
                "resource": patient(),
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200
    result = response.json()
    assert result["type"] == "transaction-response"
    assert [e["response"]["status"] for e in result["entry"]] == ["201 Created", "201 Created"]
    patient_location = result["entry"][1]["response"]["location"]
    observation = client.get(
        "/fhir/" + result["entry"][0]["response"]["location"].split("/_history")[0]
    ).json()
    assert observation["subject"]["reference"] == patient_location.split("/_history")[0]


def test_transaction_with_one_invalid_entry_writes_nothing(client: TestClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "bogus",
                    "code": {"text": "x"},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.status"]
    assert client.get("/fhir/Patient").json()["total"] == 0


def test_transaction_failing_at_run_time_rolls_back(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": patient(id=pid, active=True),
                "request": {"method": "PUT", "url": f"Patient/{pid}", "ifMatch": 'W/"7"'},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 412
    assert client.get("/fhir/Patient").json()["total"] == 1
    assert client.get(f"/fhir/Patient/{pid}").json()["meta"]["versionId"] == "1"


def test_transaction_conditional_reference_and_if_none_exist(client: TestClient) -> None:
    curp = {"system": "urn:mx:curp", "value": "ROMA900101HDFDRR01"}
    existing = client.post(
        "/fhir/Patient", json=patient(identifier=[curp]), headers=FHIR_JSON
    ).json()["id"]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": patient(identifier=[curp]),
                "request": {
                    "method": "POST",
                    "url": "Patient",
                    "ifNoneExist": "identifier=urn:mx:curp|ROMA900101HDFDRR01",
                },
            },
            {
                "resource": _observation("Patient?identifier=urn:mx:curp|ROMA900101HDFDRR01"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    result = client.post("/fhir", json=bundle, headers=FHIR_JSON).json()
    assert result["entry"][0]["response"]["status"] == "200 OK"
    assert result["entry"][1]["resource"]["subject"]["reference"] == f"Patient/{existing}"
    unresolvable = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": _observation("Patient?identifier=urn:mx:curp|NOBODY"),
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    assert client.post("/fhir", json=unresolvable, headers=FHIR_JSON).status_code == 412


def test_transaction_delete_and_read_entries(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    other = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"request": {"method": "GET", "url": f"Patient/{other}"}},
            {"request": {"method": "DELETE", "url": f"Patient/{pid}"}},
        ],
    }
    result = client.post("/fhir", json=bundle, headers=FHIR_JSON).json()
    assert result["entry"][0]["response"]["status"] == "200 OK"
    assert result["entry"][0]["resource"]["id"] == other
    assert result["entry"][1]["response"]["status"] == "204 No Content"
    assert client.get(f"/fhir/Patient/{pid}").status_code == 410


def test_batch_reports_each_entry_on_its_own(client: TestClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
            {"request": {"method": "GET", "url": "Patient/does-not-exist"}},
            {
                "resource": {"resourceType": "Patient", "gender": "robot"},
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    result = client.post("/fhir", json=bundle, headers=FHIR_JSON).json()
    assert result["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in result["entry"]]
    assert statuses == ["201 Created", "404 Not Found", "400 Bad Request"]
    assert result["entry"][2]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert client.get("/fhir/Patient").json()["total"] == 1


def test_bundle_of_wrong_type_or_without_request_is_400(client: TestClient) -> None:
    assert (
        client.post(
            "/fhir", json={"resourceType": "Bundle", "type": "collection"}, headers=FHIR_JSON
        ).status_code
        == 400
    )
    bad = {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": patient()}]}
    response = client.post("/fhir", json=bad, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[0].request"]


def test_transaction_patch_entry_and_minimal_return(client: TestClient) -> None:
    import base64
    import json

    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    ops = base64.b64encode(
        json.dumps([{"op": "add", "path": "/active", "value": True}]).encode()
    ).decode()
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    "resourceType": "Binary",
                    "contentType": "application/json-patch+json",
                    "data": ops,
                },
                "request": {"method": "PATCH", "url": f"Patient/{pid}"},
            },
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
        ],
    }
    result = client.post(
        "/fhir", json=bundle, headers={**FHIR_JSON, "Prefer": "return=minimal"}
    ).json()
    assert [e["response"]["status"] for e in result["entry"]] == ["200 OK", "201 Created"]
    assert all("resource" not in e for e in result["entry"])
    assert client.get(f"/fhir/Patient/{pid}").json()["active"] is True


def test_transaction_entries_writing_the_same_resource_are_refused(client: TestClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(id="twice"), "request": {"method": "PUT", "url": "Patient/twice"}},
            {
                "resource": patient(id="twice", active=True),
                "request": {"method": "PUT", "url": "Patient/twice"},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert client.get("/fhir/Patient/twice").status_code == 404


def test_transaction_put_with_mismatched_body_id_is_refused(client: TestClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": patient(id="b"), "request": {"method": "PUT", "url": "Patient/a"}}],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[0].resource.id"]
    assert client.get("/fhir/Patient/a").status_code == 404
    assert client.get("/fhir/Patient/b").status_code == 404


def test_transaction_search_entry_sees_earlier_writes(client: TestClient) -> None:
    ident = {"system": "urn:mx:curp", "value": "SEEN"}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": patient(identifier=[ident]),
                "request": {"method": "POST", "url": "Patient"},
            },
            {"request": {"method": "GET", "url": "Patient?identifier=urn:mx:curp|SEEN"}},
        ],
    }
    result = client.post("/fhir", json=bundle, headers=FHIR_JSON).json()
    assert result["entry"][1]["resource"]["total"] == 1
