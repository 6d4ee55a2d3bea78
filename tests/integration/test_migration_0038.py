"""Migration 0038 (SQLite and PostgreSQL): the store's patient key backfilled from the indexed
references agrees with the key the repository writes. A store is filled through the API, taken
down to 0037 (the column dropped, the rows kept) and up again: every current row, history row
and index row gets back the key it was written with, except a deleted compartment member
(no index rows left to read it from), which keys by its own id."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from enlace.interactions.context import Services
from enlace.store import migrate
from enlace.store.records import INDEX_VALUE_COLUMNS

from .test_migration_0037 import _to
from .test_store_patient_key import create, observation

TABLES = ("resources", "resource_history", *INDEX_VALUE_COLUMNS)


def keys(services: Services) -> dict[str, set[tuple[str, str, str]]]:
    """(type, id, key) of every row of each table."""
    owner = {"resources": "id", "resource_history": "id"}
    out = {}
    with services.db.read() as conn:
        for table in TABLES:
            column = owner.get(table, "resource_id")
            rows = conn.execute(text(f"SELECT resource_type, {column}, patient_key FROM {table}"))
            out[table] = {(row[0], row[1], row[2]) for row in rows}
    return out


def test_the_backfill_gives_back_the_keys_the_repository_wrote(
    client: TestClient, services: Services
) -> None:
    pid = create(client, {"resourceType": "Patient", "name": [{"family": "Soto"}]})
    other = create(client, {"resourceType": "Patient"})
    create(client, observation(f"Patient/{pid}", performer=f"Patient/{other}"))
    create(client, observation("https://otro.example.org/fhir/Patient/p-abs"))
    create(client, {"resourceType": "Organization", "name": "Farmacia Centro"})
    moved = create(client, observation(f"Patient/{pid}"))
    client.put(f"/fhir/Observation/{moved}", json={**observation(f"Patient/{other}"), "id": moved})
    gone = create(client, observation(f"Patient/{pid}"))
    assert client.delete(f"/fhir/Observation/{gone}").status_code in (200, 204)
    written = keys(services)
    assert ("Observation", moved, other) in written["resources"]

    _to(services.db, "0037", down=True)
    with services.db.read() as conn:
        seen = inspect(conn)
        assert all("patient_key" not in {c["name"] for c in seen.get_columns(t)} for t in TABLES)
    migrate.upgrade(services.db)
    migrate.upgrade(services.db)  # at head: a no-op
    backfilled = keys(services)

    for table in TABLES:
        if table not in ("resources", "resource_history"):
            assert backfilled[table] == written[table], table
    gone_rows = {("Observation", gone, pid)}
    assert backfilled["resources"] == written["resources"] - gone_rows | {
        ("Observation", gone, gone)
    }
    # History takes the current key: the moved Observation's first version now sits with
    # its current patient, and the deleted one's versions with its own id.
    expected_history = {
        (t, i, k) for t, i, k in written["resource_history"] if i not in (moved, gone)
    } | {("Observation", moved, other), ("Observation", gone, gone)}
    assert backfilled["resource_history"] == expected_history
