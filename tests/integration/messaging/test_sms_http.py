"""POST /messaging/sms/inbound and the number routes over HTTP, on both stores."""

from __future__ import annotations

import json

import orjson
import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules.messaging import gateway
from enlace.modules.monitoring.tables import readings

from .inbound_support import PHONE, count, enrol, inbound_count

ROUTE = "/messaging/sms/inbound"


def _secret(services: Services) -> str:
    return gateway.gateway_secret(services.settings.secret_key)


def _headers(services: Services) -> dict[str, str]:
    return {gateway.SECRET_HEADER: _secret(services)}


def _outbox_lines(services: Services) -> list[dict[str, object]]:
    path = services.settings.var_dir / "outbox.ndjson"
    return [orjson.loads(x) for x in path.read_bytes().splitlines()] if path.exists() else []


def test_form_encoded_text_is_answered_and_the_reply_sent(
    client: TestClient, services: Services
) -> None:
    enrol(services)
    form = {"from": "55 1234 5678", "text": "GLU 140", "id": "gw-1"}
    answer = client.post(ROUTE, data=form, headers=_headers(services))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["role"], body["intent"], body["duplicate"]) == ("patient", "reading", False)
    (line,) = _outbox_lines(services)  # delivered right after the answer
    assert line["to"] == PHONE and "140 mg/dL" in str(line["text"])
    again = client.post(ROUTE, data=form, headers=_headers(services)).json()
    assert again["duplicate"] and again["id"] == body["id"]
    assert len(_outbox_lines(services)) == 1 and count(services, readings) == 1


def test_json_signed_with_hmac_and_gateway_field_names(
    client: TestClient, services: Services
) -> None:
    enrol(services)
    raw = json.dumps({"From": "+5215512345678", "Body": "Tomé", "MessageSid": "SM1"}).encode()
    now_s = int(services.repo.clock().timestamp())
    signed = {
        **gateway.signed_headers(_secret(services), raw, now_s),
        "content-type": "application/json",
    }
    answer = client.post(ROUTE, content=raw, headers=signed)
    assert answer.status_code == 200 and answer.json()["intent"] == "taken"


@pytest.mark.parametrize(
    "headers",
    [{}, {gateway.SECRET_HEADER: "wrong"}, {gateway.SIGNATURE_HEADER: "sha256=00"}],
)
def test_without_the_gateway_secret_401_and_nothing_written(
    client: TestClient, services: Services, headers: dict[str, str]
) -> None:
    enrol(services)
    answer = client.post(ROUTE, data={"from": PHONE, "text": "GLU 140"}, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert inbound_count(services) == 0 and count(services, readings) == 0


@pytest.mark.parametrize(
    ("content", "media", "status", "where"),
    [
        ("text=GLU+140", "application/x-www-form-urlencoded", 400, "from"),
        ("from=5512345678", "application/x-www-form-urlencoded", 400, "text"),
        ("{not json", "application/json", 400, "body"),
        ("[1, 2]", "application/json", 400, "body"),
        ("GLU 140", "text/plain", 415, "Content-Type"),
    ],
)
def test_bad_requests_name_the_problem(
    client: TestClient, services: Services, content: str, media: str, status: int, where: str
) -> None:
    enrol(services)
    headers = {**_headers(services), "content-type": media}
    answer = client.post(ROUTE, content=content.encode(), headers=headers)
    assert answer.status_code == status
    assert answer.json()["issue"][0]["expression"] == [where]
    assert inbound_count(services) == 0


def test_unknown_number_gets_no_reply(client: TestClient, services: Services) -> None:
    enrol(services)
    form = {"from": "+525500000000", "text": "GLU 140", "id": "gw-x"}
    body = client.post(ROUTE, data=form, headers=_headers(services)).json()
    assert (body["id"], body["role"], body["reply"]) == (None, "unknown", None)
    assert _outbox_lines(services) == [] and inbound_count(services) == 0


def test_staff_deactivate_a_lost_phone_over_http(client: TestClient, services: Services) -> None:
    enrol(services)
    done = client.post(
        "/messaging/numbers/deactivate", json={"number": "5512345678", "reason": "perdido"}
    )
    assert done.status_code == 200 and done.json() == {
        "number": PHONE,
        "active": False,
        "patient": "p1",
    }
    form = {"from": PHONE, "text": "GLU 140", "id": "gw-2"}
    assert client.post(ROUTE, data=form, headers=_headers(services)).json()["role"] == "inactive"
    bad = client.post("/messaging/numbers/deactivate", json={"number": "12", "reason": "x"})
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["number"]
    no_reason = client.post("/messaging/numbers/deactivate", json={"number": PHONE})
    assert no_reason.status_code == 400
    back = client.post("/messaging/numbers/reactivate", json={"number": PHONE})
    assert back.json()["changed"] is True
    unknown = client.post("/messaging/numbers/forget", json={"number": PHONE})
    assert unknown.status_code == 404
