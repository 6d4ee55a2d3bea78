"""Mass assignment on the non-FHIR JSON write routes (OWASP API3, ASVS V5.1.2), both stores.
Each route gets a body with one extra field that would matter if honoured (`status`, `id`,
`owner`, `booked_by`, `referral`, `patient`). A route either refuses it (400 OperationOutcome
naming the field) or provably ignores it (the stored row does not have it). Routes not here
and why are in docs/security/owasp-review.md (API3)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.care import scheduling
from tests.integration.care.care_support import CLINIC, DAY, HOSPITAL, slots
from tests.security.test_cross_patient import actor

A = "pt-a"
INVENTORY = {
    "kind": "receipt",
    "facility": "Organization/x1",
    "occurredAt": "2026-01-01T09:00:00-06:00",
    "items": [{"product": "x", "lot": "A", "quantity": 1, "expiry": "2027-01-31"}],
    "source": "CEDIS",
}

# (path, body with the extra field, the field the refusal must name)
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("/inventory/events", {**INVENTORY, "owner": "Organization/x2"}, "owner"),
    (
        "/coldchain/excursions/exc-1/decision",
        {"decision": "release", "reason": "en rango", "status": "closed"},
        "status",
    ),
]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with services.db.begin() as conn:
        services.repo.update(conn, {"resourceType": "Patient", "name": [{"family": "A"}]}, A)
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


def names(outcome: dict[str, Any]) -> str:
    assert outcome["resourceType"] == "OperationOutcome", outcome
    return " ".join(str(i.get("expression") or i.get("location") or "") for i in outcome["issue"])


@pytest.mark.parametrize(("path", "body", "field"), REFUSED, ids=[r[0] for r in REFUSED])
def test_an_extra_field_is_refused_by_name(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 400, answer.text
    assert field in names(answer.json())


def test_the_patient_app_sync_refuses_an_extra_field(
    client: TestClient, services: Services
) -> None:
    who = actor(services, "pat.ma", "patient", patients=(A,))
    client.cookies.set("enlace_session", who.cookie)
    token = client.get("/app/api/token").json()["csrf"]
    item = {"kind": "reading", "clientId": "client-0009", "patient": A, "owner": "pt-b"}
    answer = client.post("/app/api/sync", json={"items": [item]}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 400 and "items[0].owner" in names(answer.json())


def test_a_patient_booking_ignores_status_id_referral_and_booked_by(
    client: TestClient, services: Services
) -> None:
    """The booking reads `patient` (and `referral` for staff only): what else a patient sends
    is not stored."""
    now = epoch_us(services.repo.clock())
    (slot,) = slots(services, [now + 2 * DAY])
    who = actor(services, "pat.mb", "patient", patients=(A,))
    services.settings = dataclasses.replace(services.settings, auth_enabled=True)
    extra = {"status": "fulfilled", "id": "appt-chosen", "referral": "ref-x", "booked_by": "staff"}
    with TestClient(create_app(services), base_url="http://testserver") as secured:
        answer = secured.post(
            f"/care/slots/{slot}/book",
            json={"patient": A, **extra},
            headers={"Authorization": f"Bearer {who.bearer}"},
        )
    assert answer.status_code == 201, answer.text
    booked = answer.json()["appointment"]
    assert booked != "appt-chosen"
    with services.db.read() as conn:
        row = scheduling.get(conn, booked)
    assert (row.status, row.booked_by, row.referral_id) == ("booked", "patient", None)


def test_a_referral_ignores_status_and_id(client: TestClient, services: Services) -> None:
    body = {
        "patient": A,
        "from": CLINIC,
        "to": HOSPITAL,
        "service": "cardiology",
        "urgency": "routine",
        "reason": "Soplo",
        "status": "completed",
        "id": "ref-chosen",
    }
    answer = client.post("/care/referrals", json=body)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["id"] != "ref-chosen" and made["status"] == "requested"
