"""Who may sync, on both stores: a bearer token of a CHW or nurse, each item within the token's
grants; the review of conflicts for staff who may update a Patient (docs/sync.md, Access)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.security.keys import signing_key
from enlace.security.roles import ROLE_CEILINGS
from enlace.security.scopes import parse_scopes
from enlace.security.tables import audit_log
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.screening.sync_support import batch, patients, post, registration


@pytest.fixture
def secured(
    database_url: str, tmp_path: Path, services: Services
) -> Iterator[tuple[TestClient, Services]]:
    # `services` empties the PostgreSQL tables first; this second build turns auth on.
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    secure = build(settings)
    with TestClient(create_app(secure), base_url="http://testserver") as client:
        yield client, secure
    secure.db.dispose()


def bearer(services: Services, role: str, user: str = "u1") -> dict[str, str]:
    grant = Grant(user, "app", parse_scopes(ROLE_CEILINGS[role]), role=role)
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_uploads_need_a_chw_or_nurse_token(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    body = batch(registration())
    assert post(client, body).status_code == 401
    for role in ("physician", "patient", "pharmacist"):
        refused = post(client, body, **bearer(services, role))
        assert refused.status_code == 403
        assert refused.json()["resourceType"] == "OperationOutcome"
    assert patients(services) == 0
    answer = post(client, body, **bearer(services, "chw"))
    assert answer.json()["items"][0]["status"] == "created"
    assert patients(services) == 1


def test_each_item_stays_within_the_token_grants(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    answer = post(client, batch(registration()), **bearer(services, "nurse")).json()
    item = answer["items"][0]
    assert item["status"] == "refused"  # a nurse's grants read Patients, they do not create them
    assert item["outcome"]["issue"][0]["code"] == "forbidden"
    assert item["outcome"]["issue"][0]["expression"] == ["items[0].kind"]
    assert patients(services) == 0


def test_a_batch_answer_is_only_for_its_uploader(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    chw = bearer(services, "chw", "chw-1")
    batch_id = post(client, batch(registration()), **chw).json()["batchId"]
    assert client.get(f"/sync/batches/{batch_id}", headers=chw).status_code == 200
    other = bearer(services, "chw", "chw-2")
    assert client.get(f"/sync/batches/{batch_id}", headers=other).status_code == 404


def test_the_conflict_review_is_for_staff_who_may_update_patients(
    secured: tuple[TestClient, Services],
) -> None:
    client, services = secured
    assert client.get("/sync/conflicts").status_code == 401
    assert client.get("/sync/conflicts", headers=bearer(services, "patient")).status_code == 403
    physician = bearer(services, "physician")
    assert client.get("/sync/conflicts", headers=physician).json() == {"conflicts": []}
    resolve = "/sync/conflicts/c1/resolve"
    body: dict[str, dict[str, str]] = {"choices": {}}
    assert client.post(resolve, json=body, headers=bearer(services, "nurse")).status_code == 403
    assert client.post(resolve, json=body, headers=physician).status_code == 404


def test_each_write_is_in_the_audit_trail_as_the_uploader(
    secured: tuple[TestClient, Services],
) -> None:
    client, services = secured
    chw = bearer(services, "chw", "chw-9")
    answer = post(client, batch(registration()), **chw).json()
    patient_id = answer["items"][0]["patient"].removeprefix("Patient/")
    with services.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.role).where(
                audit_log.c.patient_id == patient_id, audit_log.c.resource_type == "Patient"
            )
        ).all()
    assert [tuple(row) for row in rows] == [("chw-9", "C", "chw")]
