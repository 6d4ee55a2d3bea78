"""A real FHIR client (fhirpy) against a live server with two worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

pytestmark = pytest.mark.e2e
SYNTHEA = Path(__file__).resolve().parents[3] / "shared" / "data" / "synthea-r4"


@pytest.fixture
def client(live_server: str) -> SyncFHIRClient:
    return SyncFHIRClient(live_server)


def test_create_read_update_delete(client: SyncFHIRClient) -> None:
    patient = client.resource(
        "Patient", name=[{"family": "Hernández", "given": ["Lucía"]}], gender="female"
    )
    patient.save()
    assert patient.id and patient["meta"]["versionId"] == "1"
    fetched = client.reference("Patient", patient.id).to_resource()
    assert fetched["name"][0]["family"] == "Hernández"
    fetched["birthDate"] = "1961-05-04"
    fetched.save()
    assert fetched["meta"]["versionId"] == "2"
    fetched.delete()
    with pytest.raises((ResourceNotFound, OperationOutcome)):
        client.reference("Patient", patient.id).to_resource()


def test_search_by_identifier_follows_paging(client: SyncFHIRClient) -> None:
    system = "urn:mx:imss:nss"
    for n in range(7):
        client.resource("Patient", identifier=[{"system": system, "value": f"e2e-{n}"}]).save()
    found = client.resources("Patient").search(identifier=f"{system}|e2e-3").fetch()
    assert len(found) == 1 and found[0]["identifier"][0]["value"] == "e2e-3"
    everyone = client.resources("Patient").limit(3).fetch_all()
    assert len({p.id for p in everyone}) == len(everyone) >= 7


def test_invalid_resource_is_refused_with_outcome(client: SyncFHIRClient) -> None:
    bad = client.resource("Observation", status="bogus", code={"text": "peso"})
    with pytest.raises(OperationOutcome) as caught:
        bad.save()
    assert "status" in str(caught.value)


def test_synthea_bundle_as_a_transaction(live_server: str) -> None:
    bundle = json.loads(sorted(SYNTHEA.glob("*.json"))[0].read_text())
    response = httpx.post(
        live_server, json=bundle, headers={"Content-Type": "application/fhir+json"}, timeout=120
    )
    assert response.status_code == 200, response.text[:500]
    entries = response.json()["entry"]
    assert len(entries) == len(bundle["entry"])
    assert all(e["response"]["status"] == "201 Created" for e in entries)
    patient_location = next(
        e["response"]["location"]
        for e in entries
        if e["response"]["location"].startswith("Patient/")
    )
    patient_id = patient_location.split("/")[1]
    client = SyncFHIRClient(live_server)
    observations = (
        client.resources("Observation").search(_lastUpdated="gt2000").limit(1000).fetch_all()
    )
    mine = [o for o in observations if o["subject"]["reference"] == f"Patient/{patient_id}"]
    expected = sum(1 for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    assert len(mine) == expected


def test_concurrent_writers_across_worker_processes(live_server: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    created = httpx.post(
        f"{live_server}/Patient",
        json={"resourceType": "Patient"},
        headers={"Content-Type": "application/fhir+json"},
    )
    pid = created.json()["id"]

    def attempt(n: int) -> int:
        body = {"resourceType": "Patient", "id": pid, "name": [{"family": f"W{n}"}]}
        headers = {"Content-Type": "application/fhir+json", "If-Match": 'W/"1"'}
        return httpx.put(
            f"{live_server}/Patient/{pid}", json=body, headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(attempt, range(10)))
    assert statuses.count(200) == 1 and statuses.count(412) == 9


def test_patch_through_fhirpy(client: SyncFHIRClient) -> None:
    patient = client.resource("Patient", gender="male", name=[{"family": "Ruiz"}])
    patient.save()
    patched = client.patch("Patient", patient.id, active=True, gender=None)
    assert patched["active"] is True and "gender" not in patched
    assert patched["meta"]["versionId"] == "2"


def test_count_through_fhirpy(client: SyncFHIRClient) -> None:
    system = "urn:mx:count"
    for n in range(3):
        client.resource("Patient", identifier=[{"system": system, "value": f"c{n}"}]).save()
    assert client.resources("Patient").search(identifier=f"{system}|c1").count() == 1
