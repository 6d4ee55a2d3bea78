"""Sensitive business flows (OWASP API6): the SMS gateway callback. A signed request replayed
verbatim is answered as a duplicate and writes nothing more; a body changed under a captured
signature is 401 and writes nothing. Voting's flows (one member one vote, after close, tally
before close, form replay) are tested in tests/integration/voting (owasp-review.md, API6)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.messaging import gateway
from enlace.modules.monitoring.tables import readings
from tests.integration.messaging.inbound_support import count, enrol

ROUTE = "/messaging/sms/inbound"


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


def signed(services: Services, raw: bytes) -> dict[str, str]:
    secret = gateway.gateway_secret(services.settings.secret_key)
    now_s = int(services.repo.clock().timestamp())
    return {**gateway.signed_headers(secret, raw, now_s), "content-type": "application/json"}


def test_a_replayed_signed_text_is_a_duplicate_and_writes_nothing_more(
    client: TestClient, services: Services
) -> None:
    enrol(services)
    raw = orjson.dumps({"from": "+5215512345678", "text": "GLU 150", "id": "gw-replay-1"})
    first = client.post(ROUTE, content=raw, headers=signed(services, raw))
    assert first.status_code == 200 and first.json()["duplicate"] is False
    for _ in range(3):
        again = client.post(ROUTE, content=raw, headers=signed(services, raw))
        assert again.status_code == 200 and again.json()["duplicate"] is True
    assert count(services, readings) == 1


def test_a_body_changed_under_a_captured_signature_is_refused(
    client: TestClient, services: Services
) -> None:
    enrol(services)
    raw = orjson.dumps({"from": "+5215512345678", "text": "GLU 150", "id": "gw-sig-1"})
    headers = signed(services, raw)
    forged = raw.replace(b"GLU 150", b"GLU 450").replace(b"gw-sig-1", b"gw-sig-2")
    refused = client.post(ROUTE, content=forged, headers=headers)
    assert refused.status_code == 401 and refused.json()["resourceType"] == "OperationOutcome"
    assert count(services, readings) == 0
