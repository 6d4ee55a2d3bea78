"""OWASP API6, the SMS gateway callback: the signature covers `X-Enlace-Timestamp` + "." + body,
so a captured signed text with no gateway message id, replayed more than 5 minutes later, is
refused 401 naming the header (before, it was taken as a new reading); inside the window the
derived id answers it as a duplicate. A missing or far-future timestamp is refused likewise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.messaging import gateway
from enlace.modules.monitoring.tables import readings
from tests.integration.messaging.inbound_support import count, enrol, inbound_count

ROUTE = "/messaging/sms/inbound"
RAW = orjson.dumps({"from": "+5215512345678", "text": "GLU 150"})  # no gateway message id


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


def signed_now(services: Services, shift_s: int = 0) -> dict[str, str]:
    secret = gateway.gateway_secret(services.settings.secret_key)
    now_s = int(services.repo.clock().timestamp()) + shift_s
    return {**gateway.signed_headers(secret, RAW, now_s), "content-type": "application/json"}


def later(services: Services, minutes: int) -> None:
    clock = services.repo.clock
    clock.now += timedelta(minutes=minutes)  # type: ignore[attr-defined]  # the tests' SteppingClock


def refused_at_timestamp(answer: httpx.Response) -> bool:
    named = answer.json()["issue"][0]["expression"] if answer.status_code == 401 else None
    return named == ["X-Enlace-Timestamp"]


def test_a_captured_text_without_id_replayed_later_is_refused(
    client: TestClient, services: Services
) -> None:
    enrol(services)
    captured = signed_now(services)
    assert client.post(ROUTE, content=RAW, headers=captured).json()["duplicate"] is False
    later(services, 6)
    assert refused_at_timestamp(client.post(ROUTE, content=RAW, headers=captured))
    assert count(services, readings) == 1 and inbound_count(services) == 1


def test_inside_the_window_the_replay_is_a_duplicate(
    client: TestClient, services: Services
) -> None:
    enrol(services)
    captured = signed_now(services)
    client.post(ROUTE, content=RAW, headers=captured)
    again = client.post(ROUTE, content=RAW, headers=captured)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert count(services, readings) == 1


@pytest.mark.parametrize("change", ["missing", "not-a-number", "future"])
def test_a_signature_without_a_fresh_timestamp_is_refused(
    client: TestClient, services: Services, change: str
) -> None:
    enrol(services)
    headers = signed_now(services, shift_s=600 if change == "future" else 0)
    if change == "missing":
        del headers[gateway.TIMESTAMP_HEADER]
    elif change == "not-a-number":
        headers[gateway.TIMESTAMP_HEADER] = "2026-01-01T00:00:00Z"
    assert refused_at_timestamp(client.post(ROUTE, content=RAW, headers=headers))
    assert inbound_count(services) == 0 and count(services, readings) == 0
