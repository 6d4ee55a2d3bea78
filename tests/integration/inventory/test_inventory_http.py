"""/inventory over HTTP: answers, paging, access, and a 4xx OperationOutcome naming the field for
every kind of bad input (never a 500, never a partial write)."""

from __future__ import annotations

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
from tests.integration.inventory.conftest import HERE, MET, THERE, empty_inventory_tables

RECEIPT = {
    "kind": "receipt",
    "facility": HERE,
    "occurredAt": "2026-01-01T09:00:00-06:00",
    "items": [
        {"product": MET, "lot": "A", "quantity": 5, "expiry": "2027-01-31"},
        {"product": MET, "lot": "OLD", "quantity": 2, "expiry": "2025-12-31"},
    ],
    "source": "CEDIS Iztapalapa",
    "idempotencyKey": "rcpt-1",
}


def issue(quantity: int, lot: str | None = "A", **fields: Any) -> dict[str, Any]:
    item = {"product": MET, "quantity": quantity} | ({"lot": lot} if lot else {})
    return {
        "kind": "issue",
        "facility": HERE,
        "occurredAt": "2026-01-01T10:00:00Z",
        "items": [item],
    } | fields


@pytest.fixture
def api(services: Services, client: TestClient) -> TestClient:
    empty_inventory_tables(services.db)
    return client


def where(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return [e for issue in outcome["issue"] for e in issue.get("expression", [])]


def stock(api: TestClient) -> list[tuple[str, int]]:
    body = api.get("/inventory/stock", params={"facility": HERE}).json()
    return [(s["lot"], s["onHand"]) for s in body["stock"]]


def test_record_replay_and_read(api: TestClient) -> None:
    created = api.post("/inventory/events", json=RECEIPT)
    assert created.status_code == 201, created.text
    assert [(x["lot"], x["balance"]) for x in created.json()["lines"]] == [("A", 5), ("OLD", 2)]
    replay = api.post("/inventory/events", json=RECEIPT)
    assert replay.status_code == 200 and replay.json()["replayed"]
    assert replay.json()["id"] == created.json()["id"]
    for _ in range(3):
        assert api.post("/inventory/events", json=issue(1, lot=None)).status_code == 201
    assert stock(api) == [("OLD", 2), ("A", 2)]
    by_product = api.get("/inventory/stock", params={"facility": HERE, "byLot": "false"})
    assert by_product.json()["stock"] == [
        {"product": MET, "lot": None, "expiry": "2025-12-31", "onHand": 4}
    ]
    card = api.get(
        "/inventory/stock-card", params={"facility": HERE, "product": MET, "lot": "A", "limit": "2"}
    )
    assert [x["balance"] for x in card.json()["lines"]] == [5, 4]
    link = card.headers["link"]
    following = api.get(link[1 : link.index(">")]).json()
    assert [x["balance"] for x in following["lines"]] == [3, 2]
    assert following["nextAfter"] is None
    expiries = api.get("/inventory/expiries", params={"facility": HERE, "days": "400"}).json()
    assert [x["lot"] for x in expiries["expired"]] == ["OLD"]
    assert [x["lot"] for x in expiries["nearExpiry"]] == ["A"]


def test_transfer_over_http(api: TestClient) -> None:
    api.post("/inventory/events", json=RECEIPT)
    body = issue(2, kind="transfer", destination=THERE, idempotencyKey="tr-9")
    answer = api.post("/inventory/events", json=body)
    assert answer.status_code == 201
    first = answer.json()
    assert [x["kind"] for x in first["lines"]] == ["transfer-out", "transfer-in"]
    # Two events, one per facility (0039): each line names its own facility's event.
    assert [x["event"] for x in first["lines"]] == [first["id"], first["inLeg"]]
    replay = api.post("/inventory/events", json=body)
    assert replay.status_code == 200
    assert replay.json() == {**first, "replayed": True}
    there = api.get("/inventory/stock", params={"facility": THERE}).json()["stock"]
    assert [(s["lot"], s["onHand"]) for s in there] == [("A", 2)]


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b"{not json", 400, ["/"]),
        ({**RECEIPT, "colour": "red"}, 400, ["colour"]),
        ({**RECEIPT, "kind": "gift"}, 400, ["kind"]),
        ({**RECEIPT, "kind": "transfer-in"}, 400, ["kind"]),  # the ledger's, never a request's
        ({**RECEIPT, "occurredAt": "2026-01-01"}, 400, ["occurredAt"]),
        (issue(0), 400, ["items[0].quantity"]),
        (issue(-3), 400, ["items[0].quantity"]),
        (issue(1.5), 400, ["items[0].quantity"]),
        (issue(1, kind="adjustment", reason="gift"), 400, ["reason"]),
        (issue(1, kind="transfer"), 400, ["destination"]),
        (issue(1, facility="nowhere"), 404, ["facility"]),
        (issue(1, kind="transfer", destination="nowhere"), 404, ["destination"]),
        (
            issue(1) | {"items": [{"product": "aspirin", "lot": "A", "quantity": 1}]},
            404,
            ["items[0].product"],
        ),
        (issue(9), 409, ["items[0].quantity"]),
        (issue(9, lot=None), 409, ["items[0].quantity"]),
        (issue(1, lot="OLD"), 422, ["items[0].lot"]),
        (issue(1, lot="A\x00"), 400, ["items[0].lot"]),
        (issue(1, reference="x\x00"), 400, ["reference"]),
        (
            {
                **RECEIPT,
                "idempotencyKey": "rcpt-0",
                "items": [{**RECEIPT["items"][0], "expiry": "2027-02-28"}],
            },
            422,
            ["items[0].expiry"],
        ),
        ({**RECEIPT, "reference": "another"}, 409, ["idempotencyKey"]),
    ],
)
def test_bad_events(api: TestClient, body: Any, status: int, expected: list[str]) -> None:
    api.post("/inventory/events", json=RECEIPT)
    before = stock(api)
    data = body if isinstance(body, bytes) else None
    answer = api.post("/inventory/events", content=data, json=None if data else body)
    assert answer.status_code == status, answer.text
    assert where(answer) == expected
    assert stock(api) == before


@pytest.mark.parametrize(
    ("path", "params", "status", "expected"),
    [
        ("/inventory/stock", {}, 400, ["facility"]),
        ("/inventory/stock", {"facility": HERE, "colour": "red"}, 400, ["colour"]),
        ("/inventory/stock", [("facility", HERE), ("facility", THERE)], 400, ["facility"]),
        ("/inventory/stock", {"facility": HERE, "byLot": "maybe"}, 400, ["byLot"]),
        ("/inventory/stock", {"facility": "nowhere"}, 404, ["facility"]),
        ("/inventory/stock", {"facility": HERE, "product": "aspirin"}, 404, ["product"]),
        ("/inventory/stock-card", {"facility": HERE, "product": MET}, 400, ["lot"]),
        (
            "/inventory/stock-card",
            {"facility": HERE, "product": MET, "lot": "A", "limit": "0"},
            400,
            ["limit"],
        ),
        (
            "/inventory/stock-card",
            {"facility": HERE, "product": MET, "lot": "A", "after": "-1"},
            400,
            ["after"],
        ),
        ("/inventory/stock-card", {"facility": HERE, "product": "x", "lot": "A"}, 404, ["product"]),
        ("/inventory/expiries", {"facility": HERE, "days": "soon"}, 400, ["days"]),
        ("/inventory/expiries", {"facility": "nowhere"}, 404, ["facility"]),
        ("/inventory/stock-card", {"facility": HERE, "product": MET, "lot": "A\x00"}, 400, ["lot"]),
        ("/inventory/stock", {"facility": HERE + "\x00"}, 400, ["facility"]),
    ],
)
def test_bad_queries(
    api: TestClient, path: str, params: Any, status: int, expected: list[str]
) -> None:
    answer = api.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert where(answer) == expected


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    services = build(settings)
    empty_inventory_tables(services.db)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client, services
    services.db.dispose()


def bearer(services: Services, role: str, organization: str | None = None) -> dict[str, str]:
    grant = Grant("u1", "app", parse_scopes("user/*.rs"), role=role, organization=organization)
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_access(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    query = {"facility": HERE}
    assert client.post("/inventory/events", json=RECEIPT).status_code == 401
    assert client.get("/inventory/stock", params=query).status_code == 401
    patient = bearer(services, "patient")
    assert client.post("/inventory/events", json=RECEIPT, headers=patient).status_code == 403
    elsewhere = bearer(services, "pharmacist", f"org-{THERE}")
    answer = client.post("/inventory/events", json=RECEIPT, headers=elsewhere)
    assert answer.status_code == 403 and where(answer) == ["facility"]
    assert client.get("/inventory/stock", params=query, headers=elsewhere).status_code == 403
    own = bearer(services, "pharmacist", f"org-{HERE}")
    assert client.post("/inventory/events", json=RECEIPT, headers=own).status_code == 201
    admin = bearer(services, "administrator")
    assert client.post("/inventory/events", json=issue(1), headers=admin).status_code == 201
    regulator = bearer(services, "regulator")
    assert client.get("/inventory/stock", params=query, headers=regulator).status_code == 200
    assert client.post("/inventory/events", json=issue(1), headers=regulator).status_code == 403
