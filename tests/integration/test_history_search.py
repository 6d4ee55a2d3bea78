"""History at three levels with _since and paging; the basic search parameters."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import FHIR_JSON, patient


def test_instance_history_lists_versions_newest_first(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    client.put(f"/fhir/Patient/{pid}", json=patient(id=pid, active=True), headers=FHIR_JSON)
    client.delete(f"/fhir/Patient/{pid}")
    bundle = client.get(f"/fhir/Patient/{pid}/_history").json()
    assert bundle["type"] == "history"
    methods = [e["request"]["method"] for e in bundle["entry"]]
    assert methods == ["DELETE", "PUT", "POST"]
    assert "resource" not in bundle["entry"][0]
    assert bundle["entry"][2]["resource"]["meta"]["versionId"] == "1"


def test_type_and_system_history_with_paging_and_since(client: TestClient) -> None:
    for _ in range(5):
        client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON)
    client.post(
        "/fhir/Observation",
        json={"resourceType": "Observation", "status": "final", "code": {"text": "peso"}},
        headers=FHIR_JSON,
    )
    page = client.get("/fhir/Patient/_history?_count=2").json()
    assert len(page["entry"]) == 2
    seen = [e["resource"]["id"] for e in page["entry"]]
    while nxt := [link["url"] for link in page["link"] if link["relation"] == "next"]:
        page = client.get(nxt[0].replace("http://testserver", "")).json()
        seen += [e["resource"]["id"] for e in page["entry"]]
    assert len(seen) == len(set(seen)) == 5
    system = client.get("/fhir/_history").json()
    assert {e["resource"]["resourceType"] for e in system["entry"]} == {"Patient", "Observation"}
    newest = system["entry"][0]["resource"]["meta"]["lastUpdated"]
    since = client.get("/fhir/_history", params={"_since": newest}).json()
    assert len(since["entry"]) == 1


def test_history_of_unknown_resource_is_404_and_bad_since_is_400(client: TestClient) -> None:
    assert client.get("/fhir/Patient/nope/_history").status_code == 404
    assert client.get("/fhir/_history?_since=yesterday").status_code == 400
    assert client.get("/fhir/_history?_count=-1").status_code == 400


def test_search_by_identifier_id_and_paging(client: TestClient) -> None:
    ids = []
    for n in range(3):
        body = patient(identifier=[{"system": "urn:mx:curp", "value": f"C{n}"}])
        ids.append(client.post("/fhir/Patient", json=body, headers=FHIR_JSON).json()["id"])
    found = client.get("/fhir/Patient?identifier=urn:mx:curp|C1").json()
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == ids[1]
    assert client.get("/fhir/Patient?identifier=C2").json()["entry"][0]["resource"]["id"] == ids[2]
    assert client.get(f"/fhir/Patient?_id={ids[0]},{ids[2]}").json()["total"] == 2
    page = client.get("/fhir/Patient?_count=2").json()
    assert page["total"] == 3 and len(page["entry"]) == 2
    assert any(link["relation"] == "next" for link in page["link"])


def test_last_updated_equal_to_a_resources_own_instant_finds_it(client: TestClient) -> None:
    created = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()
    client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON)
    instant = created["meta"]["lastUpdated"]
    found = client.get("/fhir/Patient", params={"_lastUpdated": instant}).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [created["id"]]
    later = client.get("/fhir/Patient", params={"_lastUpdated": f"gt{instant}"}).json()
    assert (
        created["id"] not in [e["resource"]["id"] for e in later["entry"]] and later["total"] == 1
    )
