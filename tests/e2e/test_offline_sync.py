"""A CHW's phone against a live `enlace serve` (two workers) on both stores, over a real socket:
the phone gives up waiting for the answer of its batch (its read timeout is shorter than the
server's work), the server goes on and commits, the phone sends the same batch again, maybe while
the first is still being written by the other worker; every person is in the record exactly once
(docs/sync.md, Exactly once)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

CAPTURED = "2026-03-01T09:30:00-06:00"
PEOPLE = 40
CLIENT_ID = "urn:ietf:rfc:3986"


def campaign(clinic: str) -> tuple[dict[str, Any], list[str]]:
    """A batch of people found and screened, and their client ids."""
    items: list[dict[str, Any]] = []
    found: list[str] = []
    for n in range(PEOPLE):
        client_id = str(uuid.uuid4())
        found.append(client_id)
        patient = {
            "resourceType": "Patient",
            "name": [{"family": f"Campaña{n}", "given": ["Persona"]}],
            "gender": "female" if n % 2 else "male",
            "birthDate": "1971-06-01",
            "managingOrganization": {"reference": f"Organization/{clinic}"},
        }
        items.append(
            {
                "clientId": client_id,
                "kind": "patient-registration",
                "capturedAt": CAPTURED,
                "payload": patient,
            }
        )
        screening = {
            "performedAt": CAPTURED,
            "setting": "community",
            "measurements": {
                "weight": 70 + n % 20,
                "height": 160,
                "waist": 90,
                "bloodPressure": {"systolic": 120 + n, "diastolic": 80},
            },
            "answers": {"familyHistoryDiabetes": "none", "physicalActivity": True},
        }
        items.append(
            {
                "clientId": str(uuid.uuid4()),
                "kind": "screening",
                "capturedAt": CAPTURED,
                "patient": f"urn:uuid:{client_id}",
                "payload": screening,
            }
        )
    return {"batchId": str(uuid.uuid4()), "device": "chw-phone-e2e", "items": items}, found


def send_until_answered(base: str, batch: dict[str, Any]) -> tuple[httpx.Response, int]:
    """The phone's loop: a first try with a read timeout too short for the batch, then again with
    patience, until an answer arrives. Returns the answer and how many tries it took."""
    timeouts = [0.05, 60.0, 60.0, 60.0]
    for attempt, read_timeout in enumerate(timeouts, start=1):
        try:
            timeout = httpx.Timeout(10.0, read=read_timeout)
            answer = httpx.post(f"{base}/sync/batches", json=batch, timeout=timeout)
        except httpx.ReadTimeout:
            time.sleep(0.2)
            continue
        if answer.status_code == 503:
            time.sleep(1)
            continue
        return answer, attempt
    raise AssertionError("the batch was never answered")


def test_a_lost_answer_and_a_retry_write_every_person_once(live_server: str) -> None:
    base = live_server.removesuffix("/fhir")
    clinic = httpx.post(
        f"{live_server}/Organization", json={"resourceType": "Organization", "name": "Centro"}
    ).json()["id"]
    batch, found = campaign(clinic)
    answer, tries = send_until_answered(base, batch)
    assert tries >= 2  # the first answer was lost
    assert answer.status_code == 200, answer.text
    statuses = {item["status"] for item in answer.json()["items"]}
    assert statuses == {"created"}, answer.json()["counts"]
    for client_id in found[:: PEOPLE // 8]:  # a sample: each person once, with a screening
        bundle = httpx.get(
            f"{live_server}/Patient",
            params={"identifier": f"{CLIENT_ID}|urn:uuid:{client_id}"},
        ).json()
        assert len(bundle.get("entry", [])) == 1, client_id
        patient_id = bundle["entry"][0]["resource"]["id"]
        assessed = httpx.get(
            f"{live_server}/RiskAssessment", params={"subject": f"Patient/{patient_id}"}
        ).json()
        assert len(assessed.get("entry", [])) == 1
    again = httpx.get(f"{base}/sync/batches/{batch['batchId']}", timeout=30)
    assert again.json()["items"] == answer.json()["items"]
