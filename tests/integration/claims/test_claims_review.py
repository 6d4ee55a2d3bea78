"""`POST [base]/ClaimResponse/$review`: a reviewer approves (paid, in the books) or denies
(nothing paid, the coverage's limits given back) a queued claim; bad input is a 4xx naming
the parameter, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.modules import claims
from enlace.modules.finance import Ledger
from enlace.security.access import Access
from enlace.security.roles import ceiling
from tests.integration.claims.claims_support import claim, claims_world, new_serial, supply
from tests.support.fhir_calls import body_of, call

URL = "ClaimResponse/$review"
ALWAYS = claims.ReviewPolicy(random_percent=100)


@pytest.fixture
def world(services: Services) -> Services:
    return claims_world(services)


def user(role: str, organization: str | None = None) -> Access:
    scopes = ceiling(role, organization)
    return Access(f"u-{role}", "user", scopes, role=role, organization=organization)


PAYER = user("payer", "org-imss")


def queued(world: Services) -> dict[str, Any]:
    serial = new_serial()
    supply(world, serial)
    with world.db.begin() as conn:
        result = claims.adjudicate_batch(world, conn, [claim([serial])], ALWAYS)
    response = result.responses[0]
    assert response["outcome"] == "queued"
    return response


def params(response_id: str | None, decision: str | None, note: str | None = None) -> dict:
    parameter: list[dict[str, Any]] = []
    if response_id is not None:
        ref = {"reference": f"ClaimResponse/{response_id}"}
        parameter.append({"name": "response", "valueReference": ref})
    if decision is not None:
        parameter.append({"name": "decision", "valueCode": decision})
    if note is not None:
        parameter.append({"name": "note", "valueString": note})
    return {"resourceType": "Parameters", "parameter": parameter}


def post(world: Services, body: Any, access: Access = PAYER) -> tuple[int, Any]:
    response = call(world, access, "POST", URL, body)
    return response.status, body_of(response)


def usage(world: Services) -> int:
    with world.db.read() as conn:
        total = conn.exec_driver_sql("SELECT sum(amount) FROM coverage_accumulators").scalar()
    return int(total or 0)


def payable(world: Services) -> int:
    with world.db.read() as conn:
        try:
            return Ledger().account(conn, "claims-payable:imss").balance
        except Exception:  # no such account: nothing was ever owed
            return 0


def facts(world: Services, claim_id: str) -> list[claims.ClaimLine]:
    with world.db.read() as conn:
        return [line for line in claims.claim_lines(conn) if line.claim_id == claim_id]


def test_approving_pays_the_queued_claim(world: Services) -> None:
    owed = payable(world)  # the ledger is shared by the PostgreSQL session's tests
    response = queued(world)
    claim_id = response["request"]["reference"].removeprefix("Claim/")
    assert payable(world) == owed
    status, decided = post(world, params(response["id"], "approve", "checked the pack"))
    assert status == 200, decided
    assert decided["outcome"] == "complete"
    assert decided["processNote"][-1]["text"] == "Approved on review: checked the pack."
    assert payable(world) - owed == facts(world, claim_id)[0].payer_centavos != 0
    assert [line.outcome for line in facts(world, claim_id)] == ["complete"]
    with world.db.read() as conn:
        eob = world.repo.read(conn, "ExplanationOfBenefit", f"eob-{claim_id}").resource()
    assert eob["outcome"] == "complete" and world.validate(eob) == []
    assert world.validate(decided) == []
    assert post(world, params(response["id"], "deny", "too late"))[0] == 409
    assert payable(world) - owed == facts(world, claim_id)[0].payer_centavos


def test_denying_pays_nothing_and_gives_the_limits_back(world: Services) -> None:
    before, owed = usage(world), payable(world)
    response = queued(world)
    claim_id = response["request"]["reference"].removeprefix("Claim/")
    assert usage(world) > before  # the queued claim holds its share of the limits
    status, decided = post(world, params(response["id"], "deny", "pack photo does not match"))
    assert status == 200, decided
    assert decided["outcome"] == "error" and world.validate(decided) == []
    benefit = decided["item"][0]["adjudication"][2]
    assert benefit["reason"]["coding"][0]["code"] == "denied-on-review"
    assert benefit["extension"][0]["valueInteger"] == 0
    assert usage(world) == before and payable(world) == owed
    [line] = facts(world, claim_id)
    assert (line.reason, line.payer_centavos, line.outcome) == ("denied-on-review", 0, "error")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (params(None, "approve"), "Parameters.parameter"),
        (params("cr-x", "maybe"), "Parameters.parameter[1].valueCode"),
        (params("cr-x", "deny"), "Parameters.parameter"),
        (params("cr-x", "deny", " "), "Parameters.parameter[2].valueString"),
    ],
)
def test_malformed_requests_are_400_naming_the_parameter(
    world: Services, body: dict, where: str
) -> None:
    status, outcome = post(world, body)
    assert status == 400
    assert where in [i["expression"][0] for i in outcome["issue"]]


def test_who_may_review_and_what(world: Services) -> None:
    response = queued(world)
    before, owed = usage(world), payable(world)
    body = params(response["id"], "approve")
    assert post(world, body, user("pharmacist", "org-pharmacy-imss-09015"))[0] == 403
    assert post(world, body, user("payer", "org-aseguradora-gmm"))[0] == 404  # not theirs
    assert post(world, params("cr-nobody", "approve"))[0] == 404
    serial = new_serial()
    supply(world, serial)
    with world.db.begin() as conn:
        paid = claims.submit(world, conn, claim([serial]))  # a second fill this month
    assert post(world, params(paid["id"], "approve"))[0] == 409  # not queued
    assert paid["outcome"] != "queued"
    assert (usage(world), payable(world)) == (before, owed)  # the refusals changed nothing
    assert post(world, body, user("administrator"))[0] == 200
