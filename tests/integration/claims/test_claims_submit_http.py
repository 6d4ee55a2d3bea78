"""`POST [base]/Claim/$submit` through the router: the ClaimResponse answered, who may submit,
the patient reading their EOB, bad input as a 4xx OperationOutcome (never a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.security.access import Access
from enlace.security.roles import ceiling
from enlace.security.scopes import parse_scopes
from tests.integration.claims.claims_support import claim, claims_world, new_serial, supply
from tests.support.fhir_calls import body_of, call

URL = "Claim/$submit"
SYSTEM = Access.internal()


@pytest.fixture
def world(services: Services) -> Services:
    return claims_world(services)


def user(role: str, organization: str | None = None) -> Access:
    scopes = ceiling(role, organization)
    return Access(f"u-{role}", "user", scopes, role=role, organization=organization)


def post(services: Services, body: Any, access: Access | None = SYSTEM) -> tuple[int, Any]:
    response = call(services, access, "POST", URL, body)
    return response.status, body_of(response)


def test_submit_answers_the_claim_response_and_stores_the_eob(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    status, answer = post(world, claim([serial]))
    assert status == 200, answer
    assert answer["resourceType"] == "ClaimResponse" and answer["outcome"] == "complete"
    claim_id = answer["request"]["reference"].split("/")[1]
    status, eob = body_of_read(world, f"ExplanationOfBenefit/eob-{claim_id}")
    assert status == 200 and eob["claimResponse"]["reference"] == f"ClaimResponse/cr-{claim_id}"
    patient = Access(
        "me", "user", parse_scopes("patient/*.rs"), role="patient", patients=("p-imss",)
    )
    mine = call(world, patient, "GET", f"ExplanationOfBenefit/eob-{claim_id}", None)
    assert mine.status == 200
    stranger = Access(
        "x", "user", parse_scopes("patient/*.rs"), role="patient", patients=("p-gmm",)
    )
    assert call(world, stranger, "GET", f"ExplanationOfBenefit/eob-{claim_id}", None).status == 404


def test_a_pharmacist_submits_for_their_pharmacy(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    status, answer = post(world, claim([serial]), user("pharmacist", "org-pharmacy-imss-09015"))
    assert status == 200 and answer["outcome"] == "complete", answer


def body_of_read(world: Services, path: str) -> tuple[int, Any]:
    response = call(world, SYSTEM, "GET", path, None)
    return response.status, body_of(response)


def test_parameters_wrapping_and_phantom(world: Services) -> None:
    serial = new_serial()
    supply(world, serial, dispense_at=None)
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": claim([serial])}],
    }
    status, answer = post(world, wrapped)
    assert status == 200 and answer["error"][0]["code"]["coding"][0]["code"] == "phantom"


def test_a_pharmacist_cannot_claim_for_another_pharmacy(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    status, answer = post(world, claim([serial]), user("pharmacist", "org-pharmacy-imss-09003"))
    assert status == 403 and answer["issue"][0]["expression"] == ["Claim.provider"]
    with world.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM claims_packs").scalar() == 0


def test_only_pharmacists_administrators_and_clients_submit(world: Services) -> None:
    status, answer = post(world, claim([new_serial()]), user("physician"))
    assert status == 403, answer


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"resourceType": "Claim"}, 400),
        ({"resourceType": "Patient", "id": "x"}, 400),
        ("not json object", 400),
    ],
)
def test_malformed_bodies_are_400(world: Services, body: Any, status: int) -> None:
    got, answer = post(world, body)
    assert got == status and answer["resourceType"] == "OperationOutcome"


def test_bad_currency_is_400_naming_the_field(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    status, answer = post(world, claim([serial], currency="USD"))
    assert status == 400
    assert answer["issue"][0]["expression"] == ["Claim.item[0].unitPrice.currency"]


def test_over_http_through_the_asgi_app(client: TestClient, services: Services) -> None:
    """On PostgreSQL the writing operation runs in the thread pool, on SQLite inline."""
    claims_world(services)
    serial = new_serial()
    supply(services, serial)
    headers = {"content-type": "application/fhir+json"}
    answer = client.post(f"/fhir/{URL}", json=claim([serial]), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "complete"
    again = client.post(f"/fhir/{URL}", json=claim([serial]), headers=headers)
    assert again.json()["error"][0]["code"]["coding"][0]["code"] == "duplicate"
    assert client.post(f"/fhir/{URL}", content=b"{", headers=headers).status_code == 400
