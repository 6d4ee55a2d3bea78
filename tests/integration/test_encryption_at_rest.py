"""With data keys set, stored resources hold no identifier in clear, and every read path returns
the JSON that was written (both stores)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions import export_scan
from enlace.interactions.context import Services
from enlace.kernel.datakeys import generate_key
from enlace.kernel.settings import Settings
from enlace.search import reindex
from enlace.search.runtime import refresh_if_stale
from enlace.security import consent
from enlace.security.access import Access
from enlace.security.scopes import parse_scopes
from enlace.security.tables import metadata as security_metadata
from enlace.store.bulk import PutItem
from enlace.store.content_cipher import MARKER, ContentCipher
from enlace.store.schema import metadata, resource_history, resources
from tests.conftest import SteppingClock
from tests.integration.conftest import FHIR_JSON
from tests.support.search_parameters import GENDER_X

KEY_A, KEY_B = generate_key(), generate_key()
CURP = "HEGG560427MVZRRL05"
PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.4.629", "value": CURP}],
    "name": [{"family": "Hernández", "given": ["Guadalupe"]}],
    "telecom": [{"system": "phone", "value": "+52 55 1234 5678"}],
    "address": [{"line": ["Calle Reforma 123"], "city": "Xalapa"}],
    "gender": "female",
}
# What must never be found in stored bytes (the city too: addresses are direct identifiers).
SECRETS = [CURP.encode(), "Hernández".encode(), b"Guadalupe", b"1234 5678", b"Reforma", b"Xalapa"]
Make = Callable[[str], Services]


class Dropped:
    """A background executor that runs nothing (reindex jobs are run by the test itself)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return Future()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


@pytest.fixture
def make(services: Services, tmp_path: Path) -> Iterator[Make]:
    """Services over the store `services` emptied, configured with these data keys."""
    built: list[Services] = []

    def with_keys(keys: str) -> Services:
        settings = Settings.from_env(
            database_url=services.settings.resolved_database_url,
            var_dir=tmp_path / "var",
            log_requests=False,
            data_keys=keys,
        )
        built.append(build(settings, clock=SteppingClock()))
        return built[-1]

    yield with_keys
    for one in built:
        one.db.dispose()
    empty(services)


def empty(services: Services) -> None:
    """PostgreSQL outlives the test: leave no sealed row for the next one's keyless startup."""
    if services.db.dialect == "postgresql":
        with services.db.begin() as conn:
            names = ", ".join(
                t.name for t in [*metadata.sorted_tables, *security_metadata.sorted_tables]
            )
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))


def stored(services: Services) -> list[bytes]:
    with services.db.read() as conn:
        rows = [
            *conn.execute(select(resources.c.content)),
            *conn.execute(select(resource_history.c.content)),
        ]
    return [bytes(row[0]) for row in rows if row[0] is not None]


def assert_sealed(services: Services) -> None:
    contents = stored(services)
    assert contents
    for content in contents:
        assert content.startswith(MARKER)
        assert not [s for s in SECRETS if s in content]


def test_stored_bytes_hold_no_identifier_and_every_read_path_gives_the_json(
    make: Make, tmp_path: Path
) -> None:
    services = make(KEY_A)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        first = client.post("/fhir/Patient", json=PATIENT, headers=FHIR_JSON).json()
        pid = first["id"]
        second = client.put(
            f"/fhir/Patient/{pid}", json={**first, "birthDate": "1956-04-27"}, headers=FHIR_JSON
        ).json()
        reading = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "subject": {"reference": f"Patient/{pid}", "display": "Guadalupe Hernández"},
            "valueQuantity": {"value": 150, "unit": "mm[Hg]"},
        }
        observation = client.post("/fhir/Observation", json=reading, headers=FHIR_JSON).json()
        group = {"resourceType": "Group", "type": "person", "actual": True}
        group["member"] = [{"entity": {"reference": f"Patient/{pid}"}}]
        group_id = client.post("/fhir/Group", json=group, headers=FHIR_JSON).json()["id"]
        assert_sealed(services)

        assert client.get(f"/fhir/Patient/{pid}").json() == second
        assert client.get(f"/fhir/Patient/{pid}/_history/1").json() == first
        for path in (f"/fhir/Patient/{pid}/_history", "/fhir/Patient/_history", "/fhir/_history"):
            history = client.get(path).json()
            versions = [e["resource"] for e in history["entry"] if e.get("resource")]
            assert first in versions and second in versions
        assert entries(client, "/fhir/Patient?name=hern") == [second]
        assert entries(client, f"/fhir/Patient?identifier=urn:oid:2.16.840.1.113883.4.629|{CURP}")
        included = entries(client, "/fhir/Observation?_include=Observation:subject")
        assert included == [observation, second]
        revincluded = entries(client, f"/fhir/Patient?_id={pid}&_revinclude=Observation:subject")
        assert revincluded == [second, observation]
        everything = entries(client, f"/fhir/Patient/{pid}/$everything")
        assert second in everything and observation in everything

    for level, group_id_or_none in (("system", None), ("group", group_id)):
        out = tmp_path / level
        out.mkdir()
        scope = export_scan.Scope(level, ["Patient", "Observation"], None, group_id_or_none)
        export_scan.write_files(services.db, scope, out)
        lines = (out / "Patient.ndjson").read_bytes().splitlines()
        assert [orjson.loads(line) for line in lines] == [second]
        assert orjson.loads((out / "Observation.ndjson").read_bytes()) == observation


def entries(client: TestClient, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return [e["resource"] for e in response.json().get("entry", []) if "resource" in e]


def test_imports_consents_and_custom_parameters_are_sealed_and_read(make: Make) -> None:
    services = make(KEY_A)
    services.background = Dropped()  # type: ignore[assignment]
    with services.db.begin() as conn:
        counts = services.repo.put_many(conn, [PutItem({**PATIENT, "id": "imported"})])
        assert counts["created"] == 1
        services.repo.create(conn, _consent("imported"))
        services.repo.create(conn, GENDER_X)
    assert_sealed(services)
    with services.db.read() as conn:
        assert services.repo.read(conn, "Patient", "imported").resource()["name"][0]["given"] == [
            "Guadalupe"
        ]
    researcher = Access("u1", "user", parse_scopes("user/*.rs"), role="physician", purpose="HRESCH")
    assert consent.consent_rules(services.db, researcher) is not None
    config = refresh_if_stale(services, force=True)  # the SearchParameter read back from the store
    assert config.registry.get("Patient", "gender-x") is not None
    job = reindex.queue(services.db, ["Patient"], config.fingerprint)
    assert reindex.run(services, job) == "complete"  # reads every Patient back
    with TestClient(create_app(services), base_url="http://testserver") as client:
        assert [p["id"] for p in entries(client, "/fhir/Patient?gender-x=female")] == ["imported"]


def _consent(patient_id: str) -> dict[str, Any]:
    research = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH"}
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "provision": {"type": "deny", "purpose": [research]},
    }


def test_plain_rows_written_before_keys_stay_readable(make: Make) -> None:
    plain = make("")
    with plain.db.begin() as conn:
        before = plain.repo.create(conn, dict(PATIENT))
    assert any(CURP.encode() in content for content in stored(plain))
    keyed = make(KEY_A)
    with keyed.db.begin() as conn:
        after = keyed.repo.update(conn, {**before.resource(), "gender": "other"}, before.id)
    with keyed.db.read() as conn:
        assert keyed.repo.vread(conn, "Patient", before.id, 1).content == before.content
        assert keyed.repo.read(conn, "Patient", before.id).content == after.version.content
        current = conn.execute(select(resources.c.content)).scalar_one()
    assert bytes(current).startswith(MARKER)


def test_a_row_sealed_with_a_key_that_is_gone_is_a_503_naming_it(make: Make) -> None:
    writer = make(KEY_A)
    with writer.db.begin() as conn:
        pid = writer.repo.create(conn, dict(PATIENT)).id
    services = make(KEY_B)
    missing = ContentCipher.from_setting(KEY_A).key_ids[0]
    with TestClient(create_app(services), base_url="http://testserver") as client:
        for path in (f"/fhir/Patient/{pid}", "/fhir/Patient?gender=female", "/fhir/_history"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert missing in response.json()["issue"][0]["diagnostics"]
