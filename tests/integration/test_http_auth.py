"""The FHIR endpoint with auth on: bearer tokens verified at the edge, scopes enforced behind it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token

BASE = "http://testserver/fhir"
JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    services = build(settings)
    yield services
    services.db.dispose()


@pytest.fixture
def http(secured: Services) -> Iterator[TestClient]:
    with TestClient(create_app(secured), base_url="http://testserver") as client:
        yield client


def token(services: Services, scopes: str, *, patient: str | None = None, **kw: object) -> str:
    grant = Grant(
        "u1",
        "app",
        parse_scopes(scopes),
        role=str(kw.get("role", "patient" if patient else "administrator")),
        patient=patient,
        patients=(patient,) if patient else (),
    )
    now = kw.get("now", datetime.now(UTC))
    assert isinstance(now, datetime)
    key = signing_key(services.settings)
    return issue_access_token(key, grant, audience=BASE, now=now).token


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_requests_without_a_token_are_401_except_the_capability_statement(
    http: TestClient,
) -> None:
    refused = http.get("/fhir/Patient")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.json()["issue"][0]["code"] == "login"
    metadata = http.get("/fhir/metadata")
    assert metadata.status_code == 200
    security = metadata.json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_expired_forged_and_wrong_audience_tokens_are_refused(
    secured: Services, http: TestClient
) -> None:
    old = datetime.now(UTC) - timedelta(minutes=10)
    expired = token(secured, "system/*.rs", now=old)
    assert http.get("/fhir/Patient", headers=bearer(expired)).status_code == 401
    good = token(secured, "system/*.rs")
    head, payload, signature = good.split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    assert http.get("/fhir/Patient", headers=bearer(forged)).status_code == 401
    other_server = http.get("/fhir/Patient", headers={**bearer(good), "Host": "evil.example"})
    assert other_server.status_code == 401  # the audience is this server's FHIR base only
    assert http.get("/fhir/Patient", headers=bearer(good)).status_code == 200
    assert http.get("/fhir/Patient", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_patient_token_sees_only_its_patient(secured: Services, http: TestClient) -> None:
    admin = bearer(token(secured, "system/*.cruds"))
    for pid in ("p1", "p2"):
        body = {"resourceType": "Patient", "id": pid, "name": [{"family": pid}]}
        assert http.put(f"/fhir/Patient/{pid}", json=body, headers={**admin, **JSON}).is_success
    mine = bearer(token(secured, "patient/*.rs", patient="p1"))
    assert http.get("/fhir/Patient/p1", headers=mine).status_code == 200
    assert http.get("/fhir/Patient/p2", headers=mine).status_code == 404
    found = http.get("/fhir/Patient", headers=mine).json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["p1"]
    posted = http.post("/fhir/Patient/_search", data={"_id": "p2"}, headers=mine).json()
    assert "entry" not in posted
    assert http.delete("/fhir/Patient/p1", headers=mine).status_code == 403


def test_break_glass_is_refused_to_roles_without_clinical_duty(
    secured: Services, http: TestClient
) -> None:
    payer = bearer(token(secured, "user/Claim.rs", role="payer"))
    headers = {**payer, "X-Break-Glass-Reason": "quiero ver"}
    assert http.get("/fhir/Claim", headers=headers).status_code == 403
