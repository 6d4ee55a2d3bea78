"""POST /delivery/plan: a plan for a sound request; 400 naming the field; who may plan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.unit.test_delivery_input import REQUEST, edited


def test_plan_answers_routes(client: TestClient) -> None:
    answer = client.post("/delivery/plan", content=json.dumps(REQUEST))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["placed"] == 4 and body["routes"][0]["vehicle"] == "v1"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (json.dumps(edited("orders.3.address.latitude", ...)), "orders[3].address.latitude"),
        (json.dumps(edited("vehicles.0.shiftEnd", "07:00")), "vehicles[0].shift.end"),
        (json.dumps(edited("settings", {"timeLimitSeconds": 600})), "settings.timeLimitSeconds"),
        ("{not json", "/"),
    ],
)
def test_bad_request_names_the_field(client: TestClient, body: str, where: str) -> None:
    answer = client.post("/delivery/plan", content=body)
    assert answer.status_code == 400, answer.text
    outcome: Any = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert where in [e for issue in outcome["issue"] for e in issue.get("expression", [])]


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    services = build(settings)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client, services
    services.db.dispose()


def bearer(services: Services, role: str) -> dict[str, str]:
    grant = Grant("u1", "app", parse_scopes("user/*.rs"), role=role)
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_planning_needs_a_pharmacist_or_administrator(
    secured: tuple[TestClient, Services],
) -> None:
    client, services = secured
    body = json.dumps(REQUEST)
    assert client.post("/delivery/plan", content=body).status_code == 401
    assert (
        client.post("/delivery/plan", content=body, headers=bearer(services, "patient")).status_code
        == 403
    )
    for role in ("pharmacist", "administrator"):
        headers = bearer(services, role)
        assert client.post("/delivery/plan", content=body, headers=headers).status_code == 200
