"""The FHIR store's patient key (migration 0038, store/patient_key.py) on every write path, on
SQLite and PostgreSQL: REST create, update, PATCH, delete, a transaction Bundle, the bulk import
and a reindex. Each version and each index row carries the key of the Patient whose compartment
holds the resource, else the resource's own id; an index row always carries its resource's key,
so a resource and its index rows would share a shard on Citus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from enlace.interactions.bulk_import import import_paths
from enlace.interactions.context import Services
from enlace.search import reindex
from enlace.store import versions
from enlace.store.records import INDEX_VALUE_COLUMNS
from tests.integration.conftest import FHIR_JSON

JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def observation(subject: str, performer: str | None = None, code: str = "8867-4") -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": subject},
        "valueQuantity": {"value": 72, "unit": "/min"},
    }
    if performer:
        body["performer"] = [{"reference": performer}]
    return body


def create(client: TestClient, resource: dict[str, Any]) -> str:
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def current_key(services: Services, resource_type: str, resource_id: str) -> str:
    with services.db.read() as conn:
        return str(
            conn.execute(
                text("SELECT patient_key FROM resources WHERE resource_type = :t AND id = :id"),
                {"t": resource_type, "id": resource_id},
            ).scalar_one()
        )


def history_keys(services: Services, resource_type: str, resource_id: str) -> list[str]:
    with services.db.read() as conn:
        rows = conn.execute(
            text(
                "SELECT patient_key FROM resource_history WHERE resource_type = :t AND id = :id "
                "ORDER BY version_id"
            ),
            {"t": resource_type, "id": resource_id},
        )
        return [row[0] for row in rows]


def index_keys(services: Services, resource_type: str, resource_id: str) -> set[str]:
    """The keys of every index row of one resource, over the seven index tables."""
    found: set[str] = set()
    with services.db.read() as conn:
        for table in INDEX_VALUE_COLUMNS:
            rows = conn.execute(
                text(
                    f"SELECT DISTINCT patient_key FROM {table} "
                    "WHERE resource_type = :t AND resource_id = :id"
                ),
                {"t": resource_type, "id": resource_id},
            )
            found.update(row[0] for row in rows)
    return found


def misplaced_index_rows(services: Services) -> int:
    """Index rows whose key differs from their resource's: none may exist."""
    with services.db.read() as conn:
        return sum(
            int(
                conn.execute(
                    text(
                        f"SELECT count(*) FROM {table} i JOIN resources r ON "
                        "r.resource_type = i.resource_type AND r.id = i.resource_id "
                        "WHERE r.patient_key <> i.patient_key"
                    )
                ).scalar_one()
            )
            for table in INDEX_VALUE_COLUMNS
        )


def test_a_patient_keys_by_its_own_id_everywhere(client: TestClient, services: Services) -> None:
    pid = create(client, {"resourceType": "Patient", "name": [{"family": "Ruiz"}]})
    assert current_key(services, "Patient", pid) == pid
    assert history_keys(services, "Patient", pid) == [pid]
    assert index_keys(services, "Patient", pid) == {pid}


def test_a_compartment_member_keys_by_its_patient(client: TestClient, services: Services) -> None:
    pid = create(client, {"resourceType": "Patient"})
    other = create(client, {"resourceType": "Patient"})
    oid = create(client, observation(f"Patient/{pid}", performer=f"Patient/{other}"))
    assert current_key(services, "Observation", oid) == pid  # subject before performer
    assert history_keys(services, "Observation", oid) == [pid]
    assert index_keys(services, "Observation", oid) == {pid}


def test_outside_the_compartment_a_resource_keys_by_its_own_id(
    client: TestClient, services: Services
) -> None:
    org = create(client, {"resourceType": "Organization", "name": "Clínica Norte"})
    group = create(client, {"resourceType": "Group", "type": "person", "actual": True})
    oid = create(client, observation(f"Group/{group}"))
    assert current_key(services, "Organization", org) == org
    assert current_key(services, "Observation", oid) == oid  # a Group subject names no Patient
    assert index_keys(services, "Observation", oid) == {oid}


def test_an_absolute_patient_reference_counts(client: TestClient, services: Services) -> None:
    oid = create(client, observation("https://otro.example.org/fhir/Patient/p-abs"))
    assert current_key(services, "Observation", oid) == "p-abs"


def test_update_moving_the_subject_moves_the_key_and_history_keeps_its_own(
    client: TestClient, services: Services
) -> None:
    first = create(client, {"resourceType": "Patient"})
    second = create(client, {"resourceType": "Patient"})
    oid = create(client, observation(f"Patient/{first}"))
    moved = {**observation(f"Patient/{second}"), "id": oid}
    response = client.put(f"/fhir/Observation/{oid}", json=moved, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    assert current_key(services, "Observation", oid) == second
    assert history_keys(services, "Observation", oid) == [first, second]
    assert index_keys(services, "Observation", oid) == {second}


def test_patch_recomputes_the_key(client: TestClient, services: Services) -> None:
    first = create(client, {"resourceType": "Patient"})
    second = create(client, {"resourceType": "Patient"})
    oid = create(client, observation(f"Patient/{first}"))
    patch = [{"op": "replace", "path": "/subject/reference", "value": f"Patient/{second}"}]
    response = client.patch(
        f"/fhir/Observation/{oid}", content=orjson.dumps(patch), headers=JSON_PATCH
    )
    assert response.status_code == 200, response.text
    assert current_key(services, "Observation", oid) == second
    assert index_keys(services, "Observation", oid) == {second}


def test_a_delete_keeps_the_key_it_had(client: TestClient, services: Services) -> None:
    pid = create(client, {"resourceType": "Patient"})
    oid = create(client, observation(f"Patient/{pid}"))
    assert client.delete(f"/fhir/Observation/{oid}").status_code in (200, 204)
    assert current_key(services, "Observation", oid) == pid
    assert history_keys(services, "Observation", oid) == [pid, pid]
    assert index_keys(services, "Observation", oid) == set()  # a tombstone has no index rows


def test_a_transaction_bundle_keys_each_entry(client: TestClient, services: Services) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:5a0e6c2e-0000-4000-8000-000000000001",
                "resource": {"resourceType": "Patient"},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": observation("urn:uuid:5a0e6c2e-0000-4000-8000-000000000001"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    locations = [e["response"]["location"].split("/") for e in response.json()["entry"]]
    pid, oid = locations[0][1], locations[1][1]
    assert current_key(services, "Observation", oid) == pid  # the urn resolved before keying
    assert index_keys(services, "Observation", oid) == {pid}


def test_the_bulk_import_keys_creates_and_updates(services: Services, tmp_path: Path) -> None:
    lines = [
        {"resourceType": "Patient", "id": "imp-a"},
        {"resourceType": "Patient", "id": "imp-b"},
        {**observation("Patient/imp-a"), "id": "imp-obs"},
    ]
    source = tmp_path / "import.ndjson"
    source.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    assert import_paths(services, [source]).counts["created"] == 3
    assert current_key(services, "Observation", "imp-obs") == "imp-a"
    lines[2] = {**observation("Patient/imp-b"), "id": "imp-obs"}
    source.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    assert import_paths(services, [source]).counts["updated"] == 1
    assert current_key(services, "Observation", "imp-obs") == "imp-b"
    assert history_keys(services, "Observation", "imp-obs") == ["imp-a", "imp-b"]
    assert index_keys(services, "Observation", "imp-obs") == {"imp-b"}
    assert misplaced_index_rows(services) == 0


def test_a_reindex_keeps_each_resources_key(client: TestClient, services: Services) -> None:
    pid = create(client, {"resourceType": "Patient"})
    oids = [create(client, observation(f"Patient/{pid}", code=c)) for c in ("8867-4", "8310-5")]
    job_id = reindex.queue(services.db, [], services.search.current().fingerprint)
    assert reindex.run(services, job_id, owner="test", batch_size=2) == "complete"
    for oid in oids:
        assert index_keys(services, "Observation", oid) == {pid}
    assert index_keys(services, "Patient", pid) == {pid}
    assert misplaced_index_rows(services) == 0


def test_a_move_is_a_delete_and_an_insert_under_the_same_lock(
    client: TestClient, services: Services
) -> None:
    """Citus cannot update a distribution column, so a move deletes the row and inserts it
    under the new key (SQLite shows it: the row gets a new rowid); a stale version still loses."""
    first = create(client, {"resourceType": "Patient"})
    second = create(client, {"resourceType": "Patient"})
    oid = create(client, observation(f"Patient/{first}"))
    create(client, {"resourceType": "Patient"})  # so the moved row is not the last one
    sqlite = services.db.write_engine.dialect.name == "sqlite"
    before = _rowid(services, oid) if sqlite else None
    with services.db.begin() as conn, pytest.raises(versions.ConcurrentWrite):
        versions.swap_current(
            conn, "Observation", oid, 7, 8, 1, "x", b"{}", second, current_key=first
        )
    assert current_key(services, "Observation", oid) == first  # the stale move changed nothing
    moved = {**observation(f"Patient/{second}"), "id": oid}
    stale = client.put(
        f"/fhir/Observation/{oid}", json=moved, headers={**FHIR_JSON, "If-Match": 'W/"9"'}
    )
    assert stale.status_code == 412
    assert client.put(f"/fhir/Observation/{oid}", json=moved, headers=FHIR_JSON).status_code == 200
    assert current_key(services, "Observation", oid) == second
    assert client.get(f"/fhir/Observation/{oid}").json()["meta"]["versionId"] == "2"
    if sqlite:
        assert _rowid(services, oid) != before


def _rowid(services: Services, resource_id: str) -> int:
    with services.db.read() as conn:
        return int(
            conn.execute(
                text("SELECT rowid FROM resources WHERE resource_type = 'Observation' AND id = :i"),
                {"i": resource_id},
            ).scalar_one()
        )
