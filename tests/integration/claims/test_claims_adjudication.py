"""Claims on both stores: approved with a verifiable proof, phantom, duplicate, bad input,
ledger postings, batch adjudication with review sampling."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import claims, trace
from enlace.modules.finance import Ledger
from tests.integration.claims.claims_support import (
    DAY,
    OTHER_PHARMACY,
    PHARMACY,
    claim,
    claims_world,
    new_serial,
    supply,
)


@pytest.fixture
def world(services: Services) -> Services:
    return claims_world(services)


def submit(world: Services, body: dict[str, Any]) -> dict[str, Any]:
    with world.db.begin() as conn:
        return claims.submit(world, conn, world.checked_resource(body, "Claim"))


def reason(response: dict[str, Any]) -> str:
    return str(response["error"][0]["code"]["coding"][0]["code"])


def test_dispensed_pack_is_approved_with_a_proof_that_verifies(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    response = submit(world, claim([serial]))
    assert response["outcome"] == "complete", response["disposition"]
    proof = {
        p["url"]: p for p in response["item"][0]["extension"][0]["extension"] if p["url"] != "hash"
    }
    hashes = [
        base64.b64decode(p["valueBase64Binary"])
        for p in response["item"][0]["extension"][0]["extension"]
        if p["url"] == "hash"
    ]
    verifier = trace.parse_verifier(proof["verifierKey"]["valueString"])
    signed = trace.open_checkpoint(proof["checkpoint"]["valueString"], [verifier], verifier.name)
    entry = proof["entry"]["valueString"].encode()
    index = proof["leafIndex"]["valueInteger"]
    trace.verify_inclusion(trace.leaf_hash(entry), index, signed.size, hashes, signed.root_hash)
    with world.db.read() as conn:
        eob = world.repo.read(
            conn, "ExplanationOfBenefit", "eob-" + response["request"]["reference"].split("/")[1]
        )
        assert eob.resource()["patient"]["reference"] == "Patient/p-imss"
        assert world.validate(response) == []
        assert world.validate(eob.resource()) == []
        payable = Ledger().account(conn, "claims-payable:imss")
    assert payable.balance > 0


def test_undispensed_pack_is_phantom(world: Services) -> None:
    serial = new_serial()
    supply(world, serial, dispense_at=None)
    response = submit(world, claim([serial]))
    assert response["outcome"] == "error" and reason(response) == "phantom"


def test_pack_dispensed_elsewhere_is_phantom(world: Services) -> None:
    serial = new_serial()
    supply(world, serial, dispense_at=OTHER_PHARMACY)
    assert reason(submit(world, claim([serial]))) == "phantom"


def test_pack_dispensed_to_another_patient_is_phantom(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    body = claim([serial], patient="p-gmm", coverage="p-gmm-cov")
    response = submit(world, body)
    assert reason(response) == "phantom" and "another patient" in response["disposition"]


def test_claiming_twice_is_duplicate(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    assert submit(world, claim([serial], identifier="c-1"))["outcome"] == "complete"
    assert reason(submit(world, claim([serial], identifier="c-1"))) == "duplicate"
    assert reason(submit(world, claim([serial], identifier="c-2"))) == "duplicate"


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"patient": "nobody"}, 422, "Claim.patient"),
        ({"coverage": "nobody-cov"}, 422, "Claim.insurance"),
        ({"on": "2020-02-01"}, 422, "Claim.item[0].servicedDate"),
        ({"price": -1}, 400, "Claim.item[0].unitPrice.value"),
        ({"price": 45.001}, 400, "Claim.item[0].unitPrice.value"),
        ({"currency": "USD"}, 400, "Claim.item[0].unitPrice.currency"),
    ],
)
def test_bad_claims_are_4xx_naming_the_field_and_write_nothing(
    world: Services, change: dict[str, Any], status: int, where: str
) -> None:
    serial = new_serial()
    supply(world, serial)
    with pytest.raises(errors.FhirError) as raised:
        submit(world, claim([serial], **change))
    assert raised.value.status == status
    assert raised.value.issues[0].expression == where
    with world.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM claims_submissions").scalar() == 0


def test_unknown_pack_and_malformed_items_are_refused(world: Services) -> None:
    with pytest.raises(errors.FhirError) as raised:
        submit(world, claim([new_serial()]))
    assert raised.value.status == 422 and raised.value.issues[0].expression == "Claim.item[0]"
    body = claim([new_serial()])
    body["item"][0]["quantity"] = {"value": 2}
    with pytest.raises(errors.FhirError) as raised:
        submit(world, body)
    assert raised.value.status == 400


def test_batch_adjudicates_and_samples_for_review(world: Services) -> None:
    serials = [new_serial() for _ in range(3)]
    for s in serials:
        supply(world, s)
    bodies = [
        claim([serials[0]]),
        claim([serials[0]]),
        claim([new_serial()]),
        claim([serials[1]], price=400.0),
    ]
    policy = claims.ReviewPolicy(value_threshold_centavos=30_000)
    with world.db.begin() as conn:
        result = claims.adjudicate_batch(world, conn, bodies, policy)
    assert list(result.refused) == [2]  # unknown pack
    outcomes = [r["outcome"] for r in result.responses]
    assert outcomes == ["complete", "error", "queued"]
    assert reason(result.responses[1]) == "duplicate"


def test_a_batch_of_stored_claims_answers_under_their_ids(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    body = {**claim([serial]), "id": "stored-claim-1"}
    with world.db.begin() as conn:
        world.repo.create(conn, body, "stored-claim-1")
    with world.db.begin() as conn:
        result = claims.adjudicate_batch(world, conn, [body, claim([serial])], stored=True)
    assert result.responses[0]["request"] == {"reference": "Claim/stored-claim-1"}
    assert result.refused[1].issues[0].expression == "Claim.id"
    with world.db.read() as conn:
        assert world.repo.read(conn, "ClaimResponse", "cr-stored-claim-1").version_id == 1


def test_each_claimed_item_becomes_a_fact_line_refused_ones_included(world: Services) -> None:
    paid, phantom = new_serial(), new_serial()
    supply(world, paid)
    supply(world, phantom, dispense_at=None)
    submit(world, claim([paid], identifier="c-paid"))
    submit(world, claim([phantom], identifier="c-phantom"))
    question = claim([paid], identifier="c-question")
    question["use"] = "preauthorization"
    submit(world, question)
    with world.db.read() as conn:
        found = {line.reason: line for line in claims.claim_lines(conn, payer="imss", batch=1)}
        assert list(claims.claim_lines(conn, since=DAY.replace(year=2030))) == []
    assert set(found) == {"", "phantom"}  # the preauthorization left no line
    line = found[""]
    assert (line.pharmacy, line.patient, line.medication) == (
        PHARMACY,
        "p-imss",
        "metformin-850-tab",
    )
    assert line.outcome == "complete" and line.payer_centavos > 0
    assert line.payer_centavos + line.patient_centavos == line.submitted_centavos
    assert found["phantom"].payer_centavos == 0 and found["phantom"].outcome == "error"
