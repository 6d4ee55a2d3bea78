"""POST /epcis/capture and GET /epcis/events: answers, paging, and a 4xx OperationOutcome naming
the problem and where it is for every kind of bad input (never a 500, never a partial write)."""

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
from tests.integration.trace_epcis_support import commissioning, document, event, pack, reset

JSON_LD = {"Content-Type": "application/ld+json"}


@pytest.fixture
def epcis(services: Services, client: TestClient) -> TestClient:
    reset(services)
    return client


def post(client: TestClient, body: Any, headers: dict[str, str] = JSON_LD) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/epcis/capture", content=data, headers=headers)


def expressions(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return [e for issue in outcome["issue"] for e in issue.get("expression", [])]


def test_capture_then_query(epcis: TestClient) -> None:
    doc = document(commissioning(["1", "2"]), event("ObjectEvent", 5, "shipping", epcs=[pack("1")]))
    answer = post(epcis, doc)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["accepted"] == 2 and [e["logIndex"] for e in body["events"]] == [0, 1]
    assert post(epcis, doc).json()["duplicates"] == 2
    page = epcis.get("/epcis/events", params={"MATCH_epc": pack("1"), "perPage": "1"})
    assert page.status_code == 200
    events = page.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["commissioning"]
    link = page.headers["link"]
    assert link.endswith('rel="next"') and "nextPageToken=0" in link
    following = epcis.get(link[1 : link.index(">")]).json()
    assert [
        e["bizStep"] for e in following["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    ] == ["shipping"]


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        (b"{not json", 400, "/"),
        ([], 400, "/type"),
        (
            document(event("ObjectEvent", 0, "teleporting", epcs=[])),
            400,
            "/epcisBody/eventList/0/bizStep",
        ),
        (
            document(event("ObjectEvent", 0, "shipping", epcList=[7])),
            400,
            "/epcisBody/eventList/0/epcList/0",
        ),
        (document(event("AssociationEvent", 0, "shipping")), 400, "/epcisBody/eventList/0/type"),
    ],
)
def test_bad_capture(epcis: TestClient, body: Any, status: int, where: str) -> None:
    answer = post(epcis, body)
    assert answer.status_code == status, answer.text
    assert where in expressions(answer)


def test_capture_needs_json(epcis: TestClient) -> None:
    answer = post(epcis, b"<EPCISDocument/>", {"Content-Type": "application/xml"})
    assert answer.status_code == 415


def test_reused_event_id_is_a_conflict_and_writes_nothing(epcis: TestClient) -> None:
    first = {**commissioning(["1"]), "eventID": "urn:uuid:00000000-0000-4000-8000-00000000000a"}
    assert post(epcis, document(first)).status_code == 201
    other = {**commissioning(["2"]), "eventID": first["eventID"]}
    answer = post(epcis, document(event("ObjectEvent", 5, "shipping", epcs=[pack("1")]), other))
    assert answer.status_code == 409
    assert expressions(answer) == ["/epcisBody/eventList/1/eventID"]
    events = epcis.get("/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]
    assert len(events["eventList"]) == 1


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"EQ_bizStep": "teleporting"}, "?bizStep"),
        ({"perPage": "0"}, "?limit"),
        ({"perPage": "ten"}, "perPage"),
        ({"GE_eventTime": "yesterday"}, "GE_eventTime"),
        ({"GE_eventTime": "2026-01-01T00:00:00"}, "GE_eventTime"),
        ({"nextPageToken": "-1"}, "nextPageToken"),
        ({"eventType": "ObjectEvent"}, "eventType"),
        ([("EQ_bizStep", "shipping"), ("EQ_bizStep", "receiving")], "EQ_bizStep"),
    ],
)
def test_bad_query(epcis: TestClient, params: Any, where: str) -> None:
    answer = epcis.get("/epcis/events", params=params)
    assert answer.status_code == 400, answer.text
    assert expressions(answer) == [where]


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    services = build(settings)
    reset(services)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client, services
    services.db.dispose()


def bearer(services: Services, role: str) -> dict[str, str]:
    grant = Grant("u1", "app", parse_scopes("user/*.rs"), role=role)
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_epcis_needs_a_token_and_a_supply_chain_role(
    secured: tuple[TestClient, Services],
) -> None:
    client, services = secured
    doc = document(commissioning(["1"]))
    assert post(client, doc).status_code == 401
    assert client.get("/epcis/events").status_code == 401
    assert post(client, doc, {**JSON_LD, **bearer(services, "patient")}).status_code == 403
    assert post(client, doc, {**JSON_LD, **bearer(services, "pharmacist")}).status_code == 201
    assert client.get("/epcis/events", headers=bearer(services, "regulator")).status_code == 200
