"""POST /devices/{id}/readings and GET /devices/{id} through the ASGI app, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules.monitoring import ingest
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.monitoring.device_support import (
    bp,
    compact,
    new_device,
    new_patient,
    observation,
)

JSON = {"Content-Type": "application/json"}
FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def cuff(services: Services) -> tuple[str, str, str]:
    patient = new_patient(services)
    device, key = new_device(services, patient)
    return patient, device, key


def post(client: TestClient, device: str, body: bytes, **headers: str) -> Any:
    return client.post(f"/devices/{device}/readings", content=body, headers=headers)


def expressions(answer: Any) -> list[str]:
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return [e for issue in outcome["issue"] for e in issue.get("expression", [])]


def test_readings_are_accepted_with_either_key_header(
    client: TestClient, cuff: tuple[str, str, str]
) -> None:
    patient, device, key = cuff
    body = compact(bp(150, 95, "08:00"), bp(900, 95, "08:05"))
    answer = post(client, device, body, Authorization=f"Device {key}", **JSON)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "device": device,
        "patient": patient,
        "accepted": 1,
        "duplicates": 0,
        "rejected": [
            {
                "index": 1,
                "location": "readings[1].components.8480-6",
                "reason": "implausible",
                "message": answer.json()["rejected"][0]["message"],
            }
        ],
        "alerts": answer.json()["alerts"],
    }
    again = post(client, device, body, **{"X-Device-Key": key}, **JSON)
    assert (again.status_code, again.json()["duplicates"]) == (200, 1)


def test_fhir_observation_is_accepted(client: TestClient, cuff: tuple[str, str, str]) -> None:
    _, device, key = cuff
    body = orjson.dumps(observation("8867-4", 64, "/min"))
    answer = post(client, device, body, Authorization=f"Device {key}", **FHIR)
    assert (answer.status_code, answer.json()["accepted"]) == (200, 1)


@pytest.mark.parametrize(
    ("headers", "status", "where"),
    [
        ({}, 401, "Authorization"),
        ({"Authorization": "Device not-the-key"}, 401, "Authorization"),
        ({"Authorization": "Bearer abc"}, 401, "Authorization"),
        ({"Authorization": "Device {key}", "X-Device-Key": "other"}, 400, "X-Device-Key"),
        ({"Authorization": "Device {key}", "Content-Type": "text/csv"}, 415, "Content-Type"),
    ],
)
def test_credentials_and_media_type(
    client: TestClient,
    cuff: tuple[str, str, str],
    headers: dict[str, str],
    status: int,
    where: str,
) -> None:
    _, device, key = cuff
    sent = {"Content-Type": "application/json"} | {
        name: value.format(key=key) for name, value in headers.items()
    }
    answer = client.post(f"/devices/{device}/readings", content=compact(bp(120, 80)), headers=sent)
    assert answer.status_code == status, answer.text
    assert where in expressions(answer)
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Device")


def test_unknown_device_is_401_like_a_wrong_key(
    client: TestClient, cuff: tuple[str, str, str]
) -> None:
    _, device, key = cuff
    unknown = post(
        client, "no-such-device", compact(bp(120, 80)), Authorization=f"Device {key}", **JSON
    )
    wrong = post(client, device, compact(bp(120, 80)), Authorization="Device wrong-key", **JSON)
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        (b"not json", 400, "/"),
        (b'{"resourceType": "Bundle", "type": "searchset"}', 400, "Bundle.type"),
        (compact(*[bp(120, 80)] * 5001), 413, "readings"),
        (compact(bp(120, 80, "25:00")), 422, "readings[0].time"),
    ],
)
def test_bad_messages_name_the_location(
    client: TestClient, cuff: tuple[str, str, str], body: bytes, status: int, where: str
) -> None:
    _, device, key = cuff
    answer = post(client, device, body, Authorization=f"Device {key}", **JSON)
    assert answer.status_code == status, answer.text
    assert where in expressions(answer)


def test_another_patients_observation_is_403(
    services: Services, client: TestClient, cuff: tuple[str, str, str]
) -> None:
    _, device, key = cuff
    other = new_patient(services, "Ruiz")
    body = orjson.dumps(observation("29463-7", 80, "kg", subject={"reference": f"Patient/{other}"}))
    answer = post(client, device, body, Authorization=f"Device {key}", **FHIR)
    assert answer.status_code == 403
    assert expressions(answer) == ["Observation.subject"]


def test_device_status_is_shown(client: TestClient, cuff: tuple[str, str, str]) -> None:
    patient, device, key = cuff
    post(
        client,
        device,
        compact(bp(120, 80), battery=55, firmware="1.2"),
        Authorization=f"Device {key}",
        **JSON,
    )
    answer = client.get(f"/devices/{device}")
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert (shown["status"], shown["patient"], shown["battery"], shown["firmware"]) == (
        "active",
        patient,
        55,
        "1.2",
    )
    assert shown["lastSeen"].startswith("2026-01-01T")
    assert client.get("/devices/nope").status_code == 404


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


def test_device_page_is_for_staff_and_readings_need_no_bearer(
    secured: tuple[TestClient, Services],
) -> None:
    client, services = secured
    patient = new_patient(services)
    device, key = new_device(services, patient)
    assert client.get(f"/devices/{device}").status_code == 401
    assert client.get(f"/devices/{device}", headers=bearer(services, "patient")).status_code == 403
    for role in ("physician", "administrator"):
        assert client.get(f"/devices/{device}", headers=bearer(services, role)).status_code == 200
    now = datetime.now(UTC).isoformat()
    body = compact({"code": "8867-4", "value": 70, "unit": "/min", "time": now})
    answer = post(client, device, body, Authorization=f"Device {key}", **JSON)
    assert (answer.status_code, answer.json()["accepted"]) == (200, 1)


def test_an_unreachable_database_is_503_and_the_resend_counts_once(
    client: TestClient, cuff: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, device, key = cuff
    real = ingest.ingest

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(ingest, "ingest", down)
    body = compact(bp(120, 80))
    answer = post(client, device, body, Authorization=f"Device {key}", **JSON)
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")
    assert answer.json()["resourceType"] == "OperationOutcome"
    monkeypatch.setattr(ingest, "ingest", real)
    again = post(client, device, body, Authorization=f"Device {key}", **JSON)
    assert (again.status_code, again.json()["accepted"]) == (200, 1)
