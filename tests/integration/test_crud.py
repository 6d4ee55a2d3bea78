"""Read, vread, create, update, patch, delete and their headers, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import FHIR_JSON, patient


def test_create_assigns_id_and_version_and_reads_back(client: TestClient) -> None:
    created = client.post("/fhir/Patient", json=patient(id="ignored"), headers=FHIR_JSON)
    assert created.status_code == 201
    body = created.json()
    assert body["id"] != "ignored"
    assert body["meta"]["versionId"] == "1"
    assert created.headers["ETag"] == 'W/"1"'
    assert created.headers["Location"].endswith(f"/fhir/Patient/{body['id']}/_history/1")
    assert created.headers["Last-Modified"] == body["meta"]["lastUpdated"]
    read = client.get(f"/fhir/Patient/{body['id']}")
    assert read.status_code == 200
    assert read.json() == body
    assert read.headers["content-type"].startswith("application/fhir+json")


def test_update_makes_versions_and_vread_returns_each(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    updated = client.put(
        f"/fhir/Patient/{pid}", json=patient(id=pid, gender="female"), headers=FHIR_JSON
    )
    assert updated.status_code == 200
    assert updated.json()["meta"]["versionId"] == "2"
    assert client.get(f"/fhir/Patient/{pid}/_history/1").json().get("gender") is None
    assert client.get(f"/fhir/Patient/{pid}/_history/2").json()["gender"] == "female"
    assert client.get(f"/fhir/Patient/{pid}/_history/9").status_code == 404


def test_update_with_unchanged_content_keeps_the_version(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    again = client.put(f"/fhir/Patient/{pid}", json=patient(id=pid), headers=FHIR_JSON)
    assert again.status_code == 200
    assert again.json()["meta"]["versionId"] == "1"


def test_create_on_update_with_client_id(client: TestClient) -> None:
    response = client.put("/fhir/Patient/mx-001", json=patient(id="mx-001"), headers=FHIR_JSON)
    assert response.status_code == 201
    assert client.get("/fhir/Patient/mx-001").json()["meta"]["versionId"] == "1"


def test_delete_is_a_versioned_tombstone(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    assert client.delete(f"/fhir/Patient/{pid}").status_code == 204
    gone = client.get(f"/fhir/Patient/{pid}")
    assert gone.status_code == 410
    assert gone.json()["resourceType"] == "OperationOutcome"
    assert gone.headers["ETag"] == 'W/"2"'
    assert client.get(f"/fhir/Patient/{pid}/_history/1").status_code == 200
    assert client.get(f"/fhir/Patient/{pid}/_history/2").status_code == 410
    revived = client.put(f"/fhir/Patient/{pid}", json=patient(id=pid), headers=FHIR_JSON)
    assert revived.status_code == 201
    assert revived.json()["meta"]["versionId"] == "3"


def test_if_match_optimistic_locking(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    ok = client.put(
        f"/fhir/Patient/{pid}",
        json=patient(id=pid, active=True),
        headers={**FHIR_JSON, "If-Match": 'W/"1"'},
    )
    assert ok.status_code == 200
    stale = client.put(
        f"/fhir/Patient/{pid}",
        json=patient(id=pid, active=False),
        headers={**FHIR_JSON, "If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Patient/{pid}").json()["active"] is True


def test_prefer_return_variants(client: TestClient) -> None:
    minimal = client.post(
        "/fhir/Patient", json=patient(), headers={**FHIR_JSON, "Prefer": "return=minimal"}
    )
    assert minimal.status_code == 201 and minimal.content == b""
    assert "Location" in minimal.headers
    outcome = client.post(
        "/fhir/Patient", json=patient(), headers={**FHIR_JSON, "Prefer": "return=OperationOutcome"}
    )
    assert outcome.json()["resourceType"] == "OperationOutcome"


def test_json_patch(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    ops = [
        {"op": "add", "path": "/gender", "value": "male"},
        {"op": "replace", "path": "/name/0/family", "value": "López"},
    ]
    patched = client.patch(
        f"/fhir/Patient/{pid}", json=ops, headers={"Content-Type": "application/json-patch+json"}
    )
    assert patched.status_code == 200
    assert patched.json()["gender"] == "male" and patched.json()["name"][0]["family"] == "López"
    assert patched.json()["meta"]["versionId"] == "2"


def test_patch_producing_an_invalid_resource_is_refused(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    ops = [{"op": "add", "path": "/gender", "value": "robot"}]
    refused = client.patch(
        f"/fhir/Patient/{pid}", json=ops, headers={"Content-Type": "application/json-patch+json"}
    )
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["Patient.gender"]
    assert client.get(f"/fhir/Patient/{pid}").json()["meta"]["versionId"] == "1"


def test_patch_test_operation_failure_is_422(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    ops = [{"op": "test", "path": "/name/0/family", "value": "Nope"}]
    assert (
        client.patch(
            f"/fhir/Patient/{pid}",
            json=ops,
            headers={"Content-Type": "application/json-patch+json"},
        ).status_code
        == 422
    )


def test_conditional_create_update_delete(client: TestClient) -> None:
    curp = {"system": "urn:mx:curp", "value": "GAAA800101MDFRRN09"}
    first = client.post(
        "/fhir/Patient",
        json=patient(identifier=[curp]),
        headers={**FHIR_JSON, "If-None-Exist": "identifier=urn:mx:curp|GAAA800101MDFRRN09"},
    )
    assert first.status_code == 201
    second = client.post(
        "/fhir/Patient",
        json=patient(identifier=[curp]),
        headers={**FHIR_JSON, "If-None-Exist": "identifier=urn:mx:curp|GAAA800101MDFRRN09"},
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    updated = client.put(
        "/fhir/Patient?identifier=urn:mx:curp|GAAA800101MDFRRN09",
        json=patient(identifier=[curp], gender="female"),
        headers=FHIR_JSON,
    )
    assert updated.status_code == 200 and updated.json()["id"] == first.json()["id"]
    created = client.put(
        "/fhir/Patient?identifier=urn:mx:curp|OTHER",
        json=patient(identifier=[{"system": "urn:mx:curp", "value": "OTHER"}]),
        headers=FHIR_JSON,
    )
    assert created.status_code == 201
    assert (
        client.delete("/fhir/Patient?identifier=urn:mx:curp|GAAA800101MDFRRN09").status_code == 204
    )
    assert client.get(f"/fhir/Patient/{first.json()['id']}").status_code == 410


def test_conditional_operations_matching_several_are_412(client: TestClient) -> None:
    ident = [{"system": "urn:x", "value": "dup"}]
    for _ in range(2):
        client.post("/fhir/Patient", json=patient(identifier=ident), headers=FHIR_JSON)
    assert (
        client.post(
            "/fhir/Patient",
            json=patient(identifier=ident),
            headers={**FHIR_JSON, "If-None-Exist": "identifier=urn:x|dup"},
        ).status_code
        == 412
    )
    assert (
        client.put(
            "/fhir/Patient?identifier=urn:x|dup", json=patient(identifier=ident), headers=FHIR_JSON
        ).status_code
        == 412
    )
    assert client.delete("/fhir/Patient?identifier=urn:x|dup").status_code == 412


def test_pretty_and_head(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    pretty = client.get(f"/fhir/Patient/{pid}?_pretty=true")
    assert b"\n  " in pretty.content
    head = client.head(f"/fhir/Patient/{pid}")
    assert head.status_code == 200 and head.content == b""


def test_json_merge_patch(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(gender="male"), headers=FHIR_JSON).json()["id"]
    merged = client.patch(
        f"/fhir/Patient/{pid}",
        json={"gender": None, "active": True},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert merged.status_code == 200
    assert "gender" not in merged.json() and merged.json()["active"] is True
    wrong = client.patch(
        f"/fhir/Patient/{pid}", content=b"[]", headers={"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415


def test_delete_with_if_match(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    client.put(f"/fhir/Patient/{pid}", json=patient(id=pid, active=True), headers=FHIR_JSON)
    stale = client.delete(f"/fhir/Patient/{pid}", headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert client.get(f"/fhir/Patient/{pid}").status_code == 200
    assert client.delete(f"/fhir/Patient/{pid}", headers={"If-Match": 'W/"2"'}).status_code == 204


def test_patch_is_recorded_as_patch_in_history(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    ops = [{"op": "add", "path": "/active", "value": True}]
    client.patch(
        f"/fhir/Patient/{pid}", json=ops, headers={"Content-Type": "application/json-patch+json"}
    )
    history = client.get(f"/fhir/Patient/{pid}/_history").json()
    assert [e["request"]["method"] for e in history["entry"]] == ["PATCH", "POST"]


def test_conditional_update_whose_body_id_exists_but_does_not_match_is_409(
    client: TestClient,
) -> None:
    client.put("/fhir/Patient/taken", json=patient(id="taken"), headers=FHIR_JSON)
    body = patient(id="taken", identifier=[{"system": "urn:x", "value": "new"}])
    response = client.put("/fhir/Patient?identifier=urn:x|new", json=body, headers=FHIR_JSON)
    assert response.status_code == 409
    assert "criteria do not select" in response.json()["issue"][0]["diagnostics"]
    assert client.get("/fhir/Patient/taken").json()["meta"]["versionId"] == "1"
