"""metadata, $validate, $export and the health endpoints."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.integration.conftest import FHIR_JSON, patient


def test_capability_statement_is_truthful(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    assert statement["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert len(resources) >= 140
    params = {p["name"] for p in resources["Patient"]["searchParam"]}
    assert {"_id", "_lastUpdated", "identifier", "name", "birthdate", "gender"} <= params
    assert "identifier" not in {p["name"] for p in resources["OperationOutcome"]["searchParam"]}
    assert "Spaceship" not in resources
    assert "MedicationRequest:medication" in resources["MedicationRequest"]["searchInclude"]
    assert "Observation:subject" in resources["Patient"]["searchRevInclude"]
    assert "Home-device readings" in resources["Observation"]["documentation"]
    assert "documentation" not in resources["Patient"]
    # Every advertised parameter is one the engine knows: strict handling accepts each.
    natives = {"_id": "_id=x", "_lastUpdated": "_lastUpdated=gt2020"}
    for name in ("Patient", "Observation", "MedicationRequest"):
        for param in resources[name]["searchParam"]:
            code = param["name"]
            query = natives.get(code, f"{code}:missing=true")
            response = client.get(f"/fhir/{name}?{query}", headers={"Prefer": "handling=strict"})
            assert response.status_code == 200, (code, response.text)


def test_validate_operation(client: TestClient) -> None:
    ok = client.post("/fhir/Patient/$validate", json=patient(), headers=FHIR_JSON).json()
    assert ok["issue"][0]["severity"] == "information"
    bad = client.post(
        "/fhir/Patient/$validate",
        json={"resourceType": "Patient", "active": "yes"},
        headers=FHIR_JSON,
    )
    assert bad.status_code == 200
    assert bad.json()["issue"][0]["expression"] == ["Patient.active"]
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": {"resourceType": "Patient", "gender": "x"}}],
    }
    assert (
        client.post("/fhir/Patient/$validate", json=wrapped, headers=FHIR_JSON).json()["issue"][0][
            "severity"
        ]
        == "error"
    )
    assert client.get("/fhir/Patient?_count=0").json()["total"] == 0


def test_bulk_export_system_patient_and_group(client: TestClient) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    other = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "peso"},
        "subject": {"reference": f"Patient/{pid}"},
    }
    client.post("/fhir/Observation", json=obs, headers=FHIR_JSON)
    client.post("/fhir/Practitioner", json={"resourceType": "Practitioner"}, headers=FHIR_JSON)
    group = {
        "resourceType": "Group",
        "type": "person",
        "actual": True,
        "member": [{"entity": {"reference": f"Patient/{other}"}}],
    }
    gid = client.post("/fhir/Group", json=group, headers=FHIR_JSON).json()["id"]

    assert client.get("/fhir/$export").status_code == 400  # respond-async is required
    system = _export(client, "/fhir/$export")
    assert system == {"Patient": 2, "Observation": 1, "Practitioner": 1, "Group": 1}
    assert _export(client, "/fhir/$export?_type=Observation") == {"Observation": 1}
    # Group has a member parameter in the R4 Patient compartment, so it belongs to the export
    assert _export(client, "/fhir/Patient/$export") == {"Patient": 2, "Observation": 1, "Group": 1}
    assert _export(client, f"/fhir/Group/{gid}/$export") == {"Patient": 1, "Group": 1}
    assert _export(client, "/fhir/$export?_since=2999-01-01T00:00:00Z") == {}
    assert (
        client.get("/fhir/$export?_type=Spaceship", headers={"Prefer": "respond-async"}).status_code
        == 404
    )


def _export(client: TestClient, url: str) -> dict[str, int]:
    kick = client.get(url, headers={"Prefer": "respond-async"})
    assert kick.status_code == 202, kick.text
    status_url = kick.headers["Content-Location"].replace("http://testserver", "")
    for _ in range(200):
        poll = client.get(status_url)
        if poll.status_code == 200:
            break
        assert poll.status_code == 202
        time.sleep(0.05)
    manifest = poll.json()
    counts = {}
    for output in manifest["output"]:
        lines = client.get(output["url"].replace("http://testserver", "")).text.strip().splitlines()
        assert len(lines) == output["count"]
        counts[output["type"]] = len(lines)
    return counts


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"


def test_readiness_reports_pending_migrations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from enlace.bootstrap import build
    from enlace.entrypoints.http.app import create_app
    from enlace.kernel.settings import Settings

    settings = Settings.from_env(
        database_url=f"sqlite:///{tmp_path / 'fresh.db'}", var_dir=tmp_path
    )
    services = build(settings, upgrade=False)
    with TestClient(create_app(services)) as fresh:
        response = fresh.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "migrations pending"


def test_patient_and_group_exports_hold_each_resource_once(client: TestClient) -> None:
    first = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    linked = patient(link=[{"other": {"reference": f"Patient/{first}"}, "type": "seealso"}])
    second = client.post("/fhir/Patient", json=linked, headers=FHIR_JSON).json()["id"]
    both = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "glucosa"},
        "subject": {"reference": f"Patient/{first}"},
        "performer": [{"reference": f"Patient/{second}"}],
    }
    client.post("/fhir/Observation", json=both, headers=FHIR_JSON)
    members = [{"entity": {"reference": f"Patient/{pid}"}} for pid in (first, second)]
    group = {"resourceType": "Group", "type": "person", "actual": True, "member": members}
    gid = client.post("/fhir/Group", json=group, headers=FHIR_JSON).json()["id"]
    assert _export(client, "/fhir/Patient/$export") == {"Patient": 2, "Observation": 1, "Group": 1}
    assert _export(client, f"/fhir/Group/{gid}/$export") == {
        "Patient": 2,
        "Observation": 1,
        "Group": 1,
    }


def test_request_id_is_echoed_and_logged(services, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from enlace.entrypoints.http.app import create_app
    from enlace.kernel.logging import JsonFormatter

    services.settings = type(services.settings)(
        **{**services.settings.__dict__, "log_requests": True}
    )
    with (
        TestClient(create_app(services)) as logged,
        caplog.at_level(logging.INFO, logger="enlace.http"),
    ):
        response = logged.get("/fhir/metadata", headers={"X-Request-Id": "req-123"})
    assert response.headers["X-Request-Id"] == "req-123"
    line = JsonFormatter().format(next(r for r in caplog.records if r.name == "enlace.http"))
    assert (
        '"request_id":"req-123"' in line
        and '"status":200' in line
        and '"path":"/fhir/metadata"' in line
    )


def test_database_outage_is_503_not_500(services) -> None:  # type: ignore[no-untyped-def]
    from enlace.entrypoints.http.app import create_app

    with TestClient(create_app(services)) as outage:
        pid = outage.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
        assert outage.get(f"/fhir/Patient/{pid}").status_code == 200
        _lose_the_database(services)
        response = outage.get(f"/fhir/Patient/{pid}")
    assert response.status_code == 503
    assert response.json()["issue"][0]["code"] == "transient"


def _lose_the_database(services) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: the server drops every connection (as in a restart); SQLite: the file loses its
    tables. Either way the next request meets an OperationalError."""
    from sqlalchemy import create_engine, text

    if services.db.dialect == "sqlite":
        with services.db.begin() as conn:
            conn.execute(text("DROP TABLE resources"))
        return
    admin = create_engine(services.db.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()
