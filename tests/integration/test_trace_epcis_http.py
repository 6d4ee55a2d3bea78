"""POST /epcis/capture and GET /epcis/events: answers, paging, and a 4xx OperationOutcome naming
the problem and where it is for every kind of bad input (never a 500, never a partial write)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
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
