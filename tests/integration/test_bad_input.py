"""Bad input: a 4xx OperationOutcome naming the problem, never a 500, never a partial write."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from tests.integration.conftest import FHIR_JSON, patient


def _outcome(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"] and body["issue"][0]["diagnostics"]
    return body


def _count(client: TestClient, resource_type: str = "Patient") -> int:
    return int(client.get(f"/fhir/{resource_type}?_count=0").json()["total"])


def test_malformed_json(client: TestClient) -> None:
    _outcome(
        client.post("/fhir/Patient", content=b'{"resourceType": "Patient",', headers=FHIR_JSON), 400
    )
    assert _count(client) == 0


def test_resource_type_not_matching_url(client: TestClient) -> None:
    body = _outcome(
        client.post("/fhir/Patient", json={"resourceType": "Observation"}, headers=FHIR_JSON), 400
    )
    assert "Observation" in body["issue"][0]["diagnostics"]
    assert _count(client, "Observation") == 0


def test_body_id_not_matching_url_id(client: TestClient) -> None:
    body = _outcome(client.put("/fhir/Patient/a1", json=patient(id="b2"), headers=FHIR_JSON), 400)
    assert body["issue"][0]["expression"] == ["Patient.id"]
    assert client.get("/fhir/Patient/a1").status_code == 404
    _outcome(client.put("/fhir/Patient/a1", json=patient(), headers=FHIR_JSON), 400)


def test_body_over_the_limit_is_413(client: TestClient, services: Services) -> None:
    limit = services.settings.max_body_bytes
    big = (
        b'{"resourceType":"Patient","text":{"status":"generated","div":"'
        + b"x" * (limit + 1)
        + b'"}}'
    )
    _outcome(client.post("/fhir/Patient", content=big, headers=FHIR_JSON), 413)
    assert _count(client) == 0


def test_unknown_resource_type_is_404(client: TestClient) -> None:
    _outcome(client.get("/fhir/Spaceship/1"), 404)
    _outcome(
        client.post("/fhir/Spaceship", json={"resourceType": "Spaceship"}, headers=FHIR_JSON), 404
    )


def test_unsupported_interactions_are_405(client: TestClient) -> None:
    response = client.post("/fhir/Patient/123", json=patient(), headers=FHIR_JSON)
    _outcome(response, 405)
    assert "Allow" in response.headers
    _outcome(client.delete("/fhir/metadata"), 405)
    _outcome(client.get("/fhir"), 405)


def test_invalid_parameters_are_400(client: TestClient) -> None:
    _outcome(client.get("/fhir/Patient?_count=abc"), 400)
    _outcome(client.get("/fhir/Patient?_lastUpdated=gt2025-13-45"), 400)
    _outcome(client.get("/fhir/Patient/_history?_since=nope"), 400)
    _outcome(
        client.put(
            "/fhir/Patient/x", json=patient(id="x"), headers={**FHIR_JSON, "If-Match": "banana"}
        ),
        400,
    )


def test_xml_is_refused(client: TestClient) -> None:
    _outcome(client.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"}), 406)
    _outcome(client.get("/fhir/metadata?_format=xml"), 406)
    xml = b'<Patient xmlns="http://hl7.org/fhir"/>'
    _outcome(
        client.post("/fhir/Patient", content=xml, headers={"Content-Type": "application/fhir+xml"}),
        415,
    )


def test_structural_validation_lists_every_issue_and_writes_nothing(client: TestClient) -> None:
    bad = {"resourceType": "Patient", "gender": "robot", "birthDate": "1990-02-30", "foo": 1}
    body = _outcome(client.post("/fhir/Patient", json=bad, headers=FHIR_JSON), 400)
    locations = {e for issue in body["issue"] for e in issue.get("expression", [])}
    assert {"Patient.gender", "Patient.birthDate", "Patient.foo"} <= locations
    assert _count(client) == 0


def test_non_object_bodies(client: TestClient) -> None:
    _outcome(client.post("/fhir/Patient", json=[1, 2], headers=FHIR_JSON), 400)
    _outcome(client.post("/fhir/Patient", content=b"", headers=FHIR_JSON), 400)
    _outcome(
        client.patch(
            "/fhir/Patient/x",
            json={"op": "add"},
            headers={"Content-Type": "application/json-patch+json"},
        ),
        400,
    )


def test_concurrent_updates_with_the_same_if_match_one_wins(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]

    def attempt(n: int) -> int:
        body = patient(id=pid, name=[{"family": f"Writer{n}"}])
        return client.put(
            f"/fhir/Patient/{pid}", json=body, headers={**FHIR_JSON, "If-Match": 'W/"1"'}
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses.count(200) == 1
    assert statuses.count(412) == 7
    history = client.get(f"/fhir/Patient/{pid}/_history").json()
    assert len(history["entry"]) == 2
