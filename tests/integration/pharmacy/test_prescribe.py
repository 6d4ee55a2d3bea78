"""`POST [base]/MedicationRequest/$prescribe`: a physician's e-prescription checked against the
record (patient, licensed prescriber in their own name, formulary, pharmacy) and against the
patient's coverage at order; bad input is a 4xx naming the element and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.security.access import Access
from enlace.security.roles import ceiling
from tests.integration.coverage_support import insured_world
from tests.support.fhir_calls import body_of, call
from tests.support.prescriptions import metformin_rx, prescribers

URL = "MedicationRequest/$prescribe"


@pytest.fixture
def world(services: Services) -> Services:
    return prescribers(insured_world(services))


def physician(practitioner: str = "dr-1") -> Access:
    return Access(
        f"u-{practitioner}",
        "user",
        ceiling("physician", None),
        role="physician",
        fhir_user=f"Practitioner/{practitioner}",
    )


def prescribe(
    world: Services, body: dict[str, Any], access: Access | None = None
) -> tuple[int, dict[str, Any]]:
    response = call(world, access or physician(), "POST", URL, body)
    return response.status, body_of(response)


def part(answer: dict[str, Any], name: str) -> Any:
    found = next(p for p in answer["parameter"] if p["name"] == name)
    return found.get("resource") or {
        q["name"]: next(v for k, v in q.items() if k.startswith("value")) for q in found["part"]
    }


def stored_prescriptions(world: Services) -> int:
    with world.db.read() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM resources WHERE resource_type = 'MedicationRequest'"
            ).scalar()
            or 0
        )


def test_a_prescription_is_stored_with_its_coverage_at_order(world: Services) -> None:
    status, answer = prescribe(world, metformin_rx())
    assert status == 200, answer
    stored = part(answer, "prescription")
    assert stored["insurance"] == [{"reference": "Coverage/p-imss-cov"}]
    assert stored["dispenseRequest"]["validityPeriod"]["end"]
    assert world.validate(stored) == []
    checked = part(answer, "coverage")
    assert checked["covered"] is True and checked["priorAuthorization"] is False
    assert checked["patientCostCentavos"] == 0  # the IMSS cuadro básico is free at the counter
    read = call(world, physician(), "GET", f"MedicationRequest/{stored['id']}")
    assert read.status == 200


def test_coverage_at_order_flags_prior_authorization_and_no_policy(world: Services) -> None:
    biologic = metformin_rx(
        medicationReference={"reference": "Medication/med-adalimumab-40-syringe"}
    )
    biologic["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 40, "unit": "mg"}
    biologic["dosageInstruction"][0]["timing"]["repeat"] = {
        "frequency": 1,
        "period": 2,
        "periodUnit": "wk",
    }
    biologic["dispenseRequest"]["quantity"] = {"value": 2}
    status, answer = prescribe(world, biologic)
    assert status == 200, answer
    assert part(answer, "coverage")["priorAuthorization"] is True
    status, answer = prescribe(world, metformin_rx(subject={"reference": "Patient/p-none"}))
    assert status == 200, answer
    uninsured = part(answer, "coverage")
    assert uninsured["covered"] is False and uninsured["reason"] == "no-policy"
    assert uninsured["patientCostCentavos"] == 2 * 4_500  # two packs at the reference price


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"subject": {"reference": "Patient/nobody"}}, 422, "MedicationRequest.subject"),
        (
            {"medicationReference": {"reference": "Medication/med-unobtainium"}},
            422,
            "MedicationRequest.medicationReference",
        ),
        (
            {"requester": {"reference": "Practitioner/dr-unlicensed"}},
            422,
            "MedicationRequest.requester",
        ),
        (
            {"requester": {"reference": "Practitioner/dr-retired"}},
            422,
            "MedicationRequest.requester",
        ),
        ({"requester": {"reference": "Practitioner/dr-2"}}, 403, "MedicationRequest.requester"),
        ({"status": "draft"}, 400, "MedicationRequest.status"),
    ],
)
def test_bad_prescriptions_are_refused_naming_the_element(
    world: Services, change: dict[str, Any], status: int, where: str
) -> None:
    before = stored_prescriptions(world)
    requester = change.get("requester", {}).get("reference", "")
    signed_in = requester.removeprefix("Practitioner/") if "dr-2" not in requester else "dr-1"
    got, outcome = prescribe(world, metformin_rx(**change), physician(signed_in or "dr-1"))
    assert got == status, outcome
    assert where in [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    assert stored_prescriptions(world) == before


def test_routing_to_a_pharmacy_that_is_not_one_is_refused(world: Services) -> None:
    body = metformin_rx()
    body["dispenseRequest"]["performer"] = {"reference": "Organization/org-imss"}
    got, outcome = prescribe(world, body)
    assert got == 422 and outcome["issue"][0]["expression"] == [
        "MedicationRequest.dispenseRequest.performer"
    ]
    body["dispenseRequest"]["performer"] = {"reference": "Organization/org-pharmacy-imss-09015"}
    assert prescribe(world, body)[0] == 200


def test_only_prescribers_may_prescribe(world: Services) -> None:
    pharmacist = Access(
        "u-ph",
        "user",
        ceiling("pharmacist", "org-pharmacy-imss-09015"),
        role="pharmacist",
        organization="org-pharmacy-imss-09015",
    )
    assert prescribe(world, metformin_rx(), pharmacist)[0] == 403
    assert prescribe(world, metformin_rx(), Access.internal())[0] == 200
