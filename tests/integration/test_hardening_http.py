"""The hardened application end to end (SQLite and PostgreSQL): headers on FHIR and health
routes, CORS, rate limits, oversized and deeply nested payloads, query-cost limits. Every refusal
is a 4xx OperationOutcome and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from tests.integration.conftest import FHIR_JSON, patient
from tests.unit.test_request_limits import nested

MakeClient = Callable[..., TestClient]
APP_ORIGIN = "https://app.example"


@pytest.fixture
def make_client(services: Services) -> Iterator[MakeClient]:
    """A client of the real application with some settings changed."""
    opened: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        services.settings = replace(services.settings, **changes)
        client = TestClient(create_app(services), base_url="http://testserver")
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def stored(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(text("SELECT count(*) FROM resources")).scalar_one())


def refused(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] in ("too-costly", "throttled", "forbidden")
    assert words in outcome["issue"][0]["diagnostics"]


def test_fhir_json_and_health_responses_carry_the_security_headers(client: TestClient) -> None:
    created = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON)
    read = client.get(created.headers["location"].split("/_history")[0])
    for response in (created, read, client.get("/healthz")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"  # patient data: never cached
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert read.headers["etag"]  # the adapter's own headers survive
    assert "cache-control" not in client.get("/fhir/metadata").headers


def test_cors_on_fhir_routes(make_client: MakeClient) -> None:
    client = make_client(cors_origins=(APP_ORIGIN,))
    allowed = client.get("/fhir/metadata", headers={"Origin": APP_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
    other = client.get("/fhir/metadata", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    answered = client.options("/fhir/Patient", headers={"Origin": APP_ORIGIN, **ask})
    assert answered.status_code == 204
    refused(
        client.options("/fhir/Patient", headers={"Origin": "https://evil.example", **ask}),
        403,
        "not allowed",
    )


def test_rate_limit_per_client_on_fhir(make_client: MakeClient) -> None:
    client = make_client(rate_limit_per_second=0.01, rate_limit_burst=3)
    assert [client.get("/fhir/metadata").status_code for _ in range(3)] == [200] * 3
    throttled = client.get("/fhir/Patient")
    refused(throttled, 429, "Too many requests")
    assert int(throttled.headers["retry-after"]) >= 1
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("depth", [65, 130, 600])
def test_deeply_nested_resource_is_400_and_nothing_written(
    client: TestClient, services: Services, depth: int
) -> None:
    # 130 levels used to reach orjson's serializer limit (a 500), 600 Python's recursion limit.
    body = json.dumps(nested(depth)).encode()
    refused(client.post("/fhir/Patient", content=body, headers=FHIR_JSON), 400, "deeper than 64")
    refused(client.put("/fhir/Patient/deep", content=body, headers=FHIR_JSON), 400, "deeper")
    assert stored(services) == 0


def test_a_resource_at_the_depth_limit_is_accepted(client: TestClient) -> None:
    body = json.dumps(nested(64)).encode()
    assert client.post("/fhir/Patient", content=body, headers=FHIR_JSON).status_code == 201


def test_bundle_with_too_many_values_is_400_and_nothing_written(
    make_client: MakeClient, services: Services
) -> None:
    client = make_client(max_json_elements=500)
    entries = [  # 12 values each
        {"resource": patient(), "request": {"method": "POST", "url": "Patient"}} for _ in range(50)
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    refused(client.post("/fhir", json=bundle, headers=FHIR_JSON), 400, "more than 500 values")
    assert stored(services) == 0
    entries = entries[:5]
    assert (
        client.post("/fhir", json={**bundle, "entry": entries}, headers=FHIR_JSON).status_code
        == 200
    )


def test_oversized_bundle_is_413_and_nothing_written(
    make_client: MakeClient, services: Services
) -> None:
    client = make_client(max_body_bytes=2000)
    entries = [
        {"resource": patient(), "request": {"method": "POST", "url": "Patient"}} for _ in range(40)
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    refused(client.post("/fhir", json=bundle, headers=FHIR_JSON), 413, "2000 bytes")
    assert stored(services) == 0


def test_query_cost_refusals_on_search(make_client: MakeClient) -> None:
    client = make_client()
    ids = ",".join(f"p{n}" for n in range(101))
    refused(client.get(f"/fhir/Patient?_id={ids}"), 400, "lists 101 values")
    many = "&".join(f"name=n{n}" for n in range(51))
    refused(client.get(f"/fhir/Patient?{many}"), 400, "At most 50 parameters")
    refused(client.get("/fhir/Patient?name=" + "a" * 8200), 414, "8192 bytes")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused(client.post("/fhir/Patient/_search", content=f"_id={ids}", headers=form), 400, "101")
    ok = ",".join(f"p{n}" for n in range(100))
    assert client.get(f"/fhir/Patient?_id={ok}").status_code == 200
    assert (
        client.post("/fhir/Patient/_search", content=f"_id={ok}", headers=form).status_code == 200
    )


def test_count_is_bounded_by_the_page_size_limit(make_client: MakeClient) -> None:
    client = make_client(max_page_size=2)
    for _ in range(3):
        client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON)
    page = client.get("/fhir/Patient?_count=100000").json()
    assert len(page["entry"]) == 2
    assert any(link["relation"] == "next" for link in page["link"])
