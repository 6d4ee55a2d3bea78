"""`POST [base]/CoverageEligibilityRequest/$submit` through the router, as the HTTP edge calls it:
answers, purposes, who may ask, and bad input as a 4xx naming the element (never a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules.catalog import formulary
from enlace.security.access import Access
from enlace.security.roles import ceiling
from enlace.store.bulk import PutItem
from tests.integration.coverage_support import (
    eligibility_request,
    extension,
    insured_world,
    medication_item,
)
from tests.support.fhir_calls import body_of, call

URL = "CoverageEligibilityRequest/$submit"
FHIR_JSON = {"content-type": "application/fhir+json"}
SYSTEM = Access.internal()


@pytest.fixture
def world(services: Services) -> Services:
    return insured_world(services)


def submit(services: Services, body: Any, access: Access | None = SYSTEM) -> tuple[int, Any]:
    response = call(services, access, "POST", URL, body)
    return response.status, body_of(response)


def user(role: str, organization: str | None = None) -> Access:
    scopes = ceiling(role, organization)
    return Access(f"u-{role}", "user", scopes, role=role, organization=organization)


def test_benefits_with_cost_share_and_the_formulary_alternative(world: Services) -> None:
    items = [
        medication_item("metformin-850-tab", 2),
        medication_item("rosuvastatin-20-tab"),  # not in the public formulary
    ]
    status, answer = submit(world, eligibility_request(items=items))
    assert status == 200, answer
    assert (
        answer["resourceType"] == "CoverageEligibilityResponse" and answer["outcome"] == "complete"
    )
    assert world.validate(answer) == []
    assert answer["insurer"] == {"reference": "Organization/org-imss"}
    covered, refused = answer["insurance"][0]["item"]
    assert not covered["excluded"] and extension(covered, "patient-share-centavos") == 0
    assert extension(covered, "payer-share-centavos") == 9_000
    assert refused["excluded"]
    assert extension(refused, "eligibility-reason")["code"] == "excluded"
    alternative = extension(refused, "formulary-alternative")
    assert alternative == {"reference": "Medication/med-simvastatin-20-tab"}


def test_items_by_gtin_or_atc_and_private_cost_share(world: Services) -> None:
    losartan = next(m for m in formulary() if m.slug == "losartan-50-tab")
    gtin = {"system": "https://www.gs1.org/gtin", "code": losartan.gtin}
    atc = {"system": "http://www.whocc.no/atc", "code": "C09CA01"}
    items = [{"productOrService": {"coding": [atc]}}, {"productOrService": {"coding": [gtin]}}]
    body = eligibility_request("p-gmm", "p-gmm-cov", items)
    status, answer = submit(world, body)
    assert status == 200, answer
    by_atc, by_gtin = answer["insurance"][0]["item"]
    assert by_atc["name"] == by_gtin["name"] == "losartan-50-tab"
    # GMM: the first 2,000 MXN a year are the family's deductible.
    assert extension(by_atc, "patient-share-centavos") == 5_200
    assert extension(by_gtin, "eligibility-reason")["code"] == "frequency"  # one fill a month


def test_validation_and_discovery_purposes(world: Services) -> None:
    status, answer = submit(world, eligibility_request(purpose=("validation",)))
    assert status == 200 and answer["insurance"][0]["inforce"] is True
    assert "item" not in answer["insurance"][0]
    body = eligibility_request("p-gmm-child", None, purpose=("discovery",))
    status, answer = submit(world, body)
    assert status == 200, answer
    assert [i["coverage"]["reference"] for i in answer["insurance"]] == ["Coverage/p-gmm-child-cov"]
    assert answer["insurer"] == {"reference": "Organization/org-aseguradora-gmm-b"}


def test_who_may_ask(world: Services) -> None:
    body = eligibility_request(items=[medication_item("losartan-50-tab")])
    assert submit(world, body, user("pharmacist", "org-farmacias-enlace"))[0] == 200
    assert submit(world, body, user("physician"))[0] == 200
    assert submit(world, body, user("payer", "org-imss"))[0] == 200
    # Another payer sees neither IMSS's affiliate nor the coverage: as if they did not exist.
    status, outcome = submit(world, body, user("payer", "org-aseguradora-gmm-b"))
    assert status == 422 and _problem(outcome)[1] == "CoverageEligibilityRequest.patient"
    assert submit(world, body, user("analyst"))[0] == 403
    assert submit(world, body, user("patient"))[0] == 403
    assert submit(world, body, None)[0] == 403


def _problem(outcome: dict[str, Any]) -> tuple[str, str]:
    issue = outcome["issue"][0]
    return issue["code"], issue.get("expression", [""])[0]


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"patient": {"reference": "Patient/nobody"}}, 422, "CoverageEligibilityRequest.patient"),
        (
            {"insurance": [{"coverage": {"reference": "Coverage/nobody-cov"}}]},
            422,
            "CoverageEligibilityRequest.insurance[0].coverage",
        ),
        (
            {"insurance": [{"coverage": {"reference": "Coverage/p-gmm-cov"}}]},
            422,
            "CoverageEligibilityRequest.insurance[0].coverage",
        ),  # someone else's coverage
        ({"servicedDate": "2024-12-31"}, 422, "CoverageEligibilityRequest.servicedDate"),
        ({"servicedDate": "2026-02"}, 400, "CoverageEligibilityRequest.servicedDate"),
        ({"insurance": []}, 400, "CoverageEligibilityRequest.insurance"),  # empty array
        ({"purpose": ["benefits", "nonsense"]}, 400, "CoverageEligibilityRequest.purpose[1]"),
    ],
)
def test_bad_requests_name_the_element(
    world: Services, change: dict[str, Any], status: int, where: str
) -> None:
    body = {**eligibility_request(items=[medication_item("losartan-50-tab")]), **change}
    got, outcome = submit(world, body)
    assert got == status, outcome
    assert outcome["resourceType"] == "OperationOutcome"
    assert _problem(outcome)[1].startswith(where)


@pytest.mark.parametrize(
    ("item", "status", "where"),
    [
        (medication_item("losartan-50-tab", 0), 400, "item[0].quantity.value"),
        (
            {**medication_item("losartan-50-tab"), "quantity": {"value": 1.5}},
            400,
            "item[0].quantity.value",
        ),
        (
            {**medication_item("losartan-50-tab"), "unitPrice": {"value": 10, "currency": "USD"}},
            400,
            "item[0].unitPrice.currency",
        ),
        (
            {
                **medication_item("losartan-50-tab"),
                "unitPrice": {"value": 10.005, "currency": "MXN"},
            },
            400,
            "item[0].unitPrice.value",
        ),
        ({"quantity": {"value": 1}}, 400, "item[0]"),  # names no medicine
        (
            {**medication_item("losartan-50-tab"), "unitPrice": {"value": 3e7, "currency": "MXN"}},
            400,
            "item[0]",
        ),  # over what a FHIR integer can carry in centavos
        (medication_item("unobtainium-5-tab"), 422, "item[0].detail[0]"),
        (
            {
                "productOrService": {
                    "coding": [{"system": "http://www.whocc.no/atc", "code": "Z99"}]
                }
            },
            422,
            "item[0].productOrService",
        ),
    ],
)
def test_malformed_items_and_unknown_medicines(
    world: Services, item: dict[str, Any], status: int, where: str
) -> None:
    got, outcome = submit(world, eligibility_request(items=[item]))
    assert got == status, outcome
    assert _problem(outcome)[1] == f"CoverageEligibilityRequest.{where}"


def test_not_json_wrong_type_and_wrong_method(world: Services) -> None:
    assert submit(world, {"resourceType": "Patient", "id": "x"})[0] == 400
    assert submit(world, [1, 2])[0] == 400
    assert call(world, SYSTEM, "GET", URL).status == 405
    assert call(world, SYSTEM, "POST", "ExplanationOfBenefit/$submit", {}).status == 404


def test_a_parameters_body_carries_the_request(world: Services) -> None:
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": eligibility_request()}],
    }
    assert submit(world, parameters)[0] == 200


def test_capability_statement_advertises_submit(world: Services) -> None:
    statement = body_of(call(world, SYSTEM, "GET", "metadata"))
    entry = next(
        r for r in statement["rest"][0]["resource"] if r["type"] == "CoverageEligibilityRequest"
    )
    assert {
        "name": "submit",
        "definition": "https://enlace.health/fhir/OperationDefinition/CoverageEligibilityRequest-submit",
    } in entry["operation"]
    openapi = body_of(call(world, SYSTEM, "GET", "openapi.json"))
    assert "post" in openapi["paths"]["/CoverageEligibilityRequest/$submit"]


def test_over_http_through_the_asgi_app(client: TestClient, services: Services) -> None:
    insured_world(services)
    body = eligibility_request(items=[medication_item("metformin-850-tab")])
    answer = client.post(f"/fhir/{URL}", json=body, headers=FHIR_JSON)
    assert answer.status_code == 200, answer.text
    assert answer.json()["insurance"][0]["item"][0]["excluded"] is False
    broken = client.post(f"/fhir/{URL}", content=b"{", headers=FHIR_JSON)
    assert broken.status_code == 400


def test_a_coverage_that_cannot_be_evaluated_is_a_422(world: Services) -> None:
    broken = {
        "resourceType": "Coverage",
        "id": "p-imss-cov",
        "status": "active",
        "beneficiary": {"reference": "Patient/p-imss"},
        "payor": [{"reference": "Organization/org-imss"}],
        "period": {"start": "2025"},
    }
    with world.db.begin() as conn:
        world.repo.put_many(conn, [PutItem(broken)])
    status, outcome = submit(world, eligibility_request())
    assert status == 422
    assert _problem(outcome)[1] == "CoverageEligibilityRequest.insurance[0].coverage"
