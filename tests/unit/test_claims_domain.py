"""Claims, pure: review sampling, outcomes, pack matching, parsing bad input, ledger legs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from enlace.kernel import errors
from enlace.modules.claims.domain import (
    ClaimItem,
    ClaimReason,
    Decision,
    ItemDecision,
    ParsedClaim,
    ReviewPolicy,
    ReviewReason,
    diagnosis_averages,
    review_reasons,
)
from enlace.modules.claims.ledger_post import claim_transfer
from enlace.modules.claims.parse import PACK_EXTENSION, parse
from enlace.modules.claims.proof import match_pack
from enlace.modules.trace import DispenseRecord, facility_location_id

PACK = "https://id.gs1.org/01/02990001000018/21/S1"
DAY = date(2026, 2, 1)


def parsed(items: tuple[ClaimItem, ...] = (), use: str = "claim") -> ParsedClaim:
    return ParsedClaim(
        "c1", "k", use, "p1", "p1-cov", "pharmacy-imss-09015", None, DAY, None, items
    )


def test_random_review_is_deterministic_and_near_its_share() -> None:
    policy = ReviewPolicy(random_percent=10, seed=7)
    chosen = [review_reasons(policy, f"c{n}", 100, None) for n in range(10_000)]
    share = sum(1 for c in chosen if ReviewReason.RANDOM in c) / 10_000
    assert 0.09 < share < 0.11
    assert chosen == [review_reasons(policy, f"c{n}", 100, None) for n in range(10_000)]


def test_review_by_value_and_by_variance_against_the_diagnosis_average() -> None:
    policy = ReviewPolicy(value_threshold_centavos=10_000, variance_percent=50)
    assert review_reasons(policy, "c", 10_001, None) == (ReviewReason.VALUE,)
    assert review_reasons(policy, "c", 10_000, None) == ()
    assert review_reasons(policy, "c", 1_600, 1_000) == (ReviewReason.VARIANCE,)
    assert review_reasons(policy, "c", 1_500, 1_000) == ()
    assert diagnosis_averages([("E11", 100), ("E11", 301), (None, 5), ("I10", 7)]) == {
        "E11": 200,
        "I10": 7,
    }


def test_outcome_follows_the_items_and_review() -> None:
    ok, bad = ItemDecision(1, 100), ItemDecision(2, 100, reason=ClaimReason.PHANTOM)
    assert Decision(parsed(), (ok,)).outcome == "complete"
    assert Decision(parsed(), (ok, bad)).outcome == "partial"
    assert Decision(parsed(), (bad,)).outcome == "error"
    assert Decision(parsed(), (ok,), (ReviewReason.VALUE,)).outcome == "queued"


def record(place: str, when: datetime, rx: tuple[str, ...] = ("rx1",)) -> DispenseRecord:
    return DispenseRecord(PACK, 5, int(when.timestamp() * 1_000_000), place, rx)


def test_a_pack_matches_only_at_the_pharmacy_in_the_window_for_the_patient() -> None:
    here = facility_location_id("pharmacy-imss-09015")
    noon = datetime(2026, 2, 1, 18, tzinfo=UTC)
    subject = {"rx1": "Patient/p1"}.get

    def match(records: list[DispenseRecord], on: date = DAY, patient: str = "p1") -> Any:
        return match_pack(PACK, records, "pharmacy-imss-09015", on, patient, subject)

    assert match([record(here, noon)]).patient_proven
    assert "not at this pharmacy" in match([record("elsewhere", noon)]).problem
    assert "outside the window" in match([record(here, noon)], date(2026, 2, 9)).problem
    assert "another patient" in match([record(here, noon)], patient="p2").problem
    unproven = match([record(here, noon, ())])
    assert unproven.record is not None and not unproven.patient_proven
    assert match([]).record is None


def claim_body(**item: Any) -> dict[str, Any]:
    line = {
        "sequence": 1,
        "productOrService": {
            "coding": [{"system": "https://www.gs1.org/gtin", "code": "02990001000018"}]
        },
        "quantity": {"value": 1},
        "unitPrice": {"value": 45, "currency": "MXN"},
        "extension": [{"url": PACK_EXTENSION, "valueString": PACK}],
        **item,
    }
    return {
        "resourceType": "Claim",
        "use": "claim",
        "created": "2026-02-01",
        "patient": {"reference": "Patient/p1"},
        "provider": {"reference": "Organization/org-pharmacy-imss-09015"},
        "insurance": [{"focal": True, "coverage": {"reference": "Coverage/p1-cov"}}],
        "item": [line],
    }


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ({"unitPrice": {"value": -1, "currency": "MXN"}}, "Claim.item[0].unitPrice.value"),
        ({"unitPrice": {"value": 1.005, "currency": "MXN"}}, "Claim.item[0].unitPrice.value"),
        ({"unitPrice": {"value": 1, "currency": "USD"}}, "Claim.item[0].unitPrice.currency"),
        ({"quantity": {"value": 1.5}}, "Claim.item[0].quantity"),
        ({"productOrService": {"text": "x"}}, "Claim.item[0].productOrService"),
        (
            {"extension": [{"url": PACK_EXTENSION, "valueString": "nonsense"}]},
            "Claim.item[0].extension[0].valueString",
        ),
        ({"extension": []}, "Claim.item[0]"),
    ],
)
def test_malformed_items_are_400_naming_the_element(item: dict[str, Any], where: str) -> None:
    with pytest.raises(errors.FhirError) as raised:
        parse(claim_body(**item), "c1")
    assert raised.value.status == 400
    assert where in [i.expression for i in raised.value.issues]


def test_a_gtin_outside_the_price_list_is_an_item_not_a_malformed_claim() -> None:
    coding = {"coding": [{"system": "https://www.gs1.org/gtin", "code": "07501234567893"}]}
    pack = {"url": PACK_EXTENSION, "valueString": "https://id.gs1.org/01/07501234567893/21/X"}
    claim = parse(claim_body(productOrService=coding, extension=[pack]), "c1")
    assert claim.items[0].medication_slug == ""


def test_ledger_transfer_balances_and_leaves_out_zero_legs() -> None:
    items = (ItemDecision(1, 5_000, 5_000, payer_centavos=4_500, patient_centavos=500),)
    transfer = claim_transfer(Decision(parsed(), items), "imss")
    assert transfer is not None and sum(p.amount for p in transfer.postings) == 0
    assert transfer.idempotency_key == "claim:c1" and len(transfer.postings) == 5
    free = (ItemDecision(1, 5_000, 5_000, payer_centavos=5_000),)
    free_transfer = claim_transfer(Decision(parsed(), free), "imss")
    assert free_transfer is not None and len(free_transfer.postings) == 4
    assert claim_transfer(Decision(parsed(), (ItemDecision(1, 5_000),)), "imss") is None


def test_every_ledger_account_a_claim_can_post_to_fits_an_account_id() -> None:
    """Account ids are at most 64 characters (finance): the longest pharmacy slug with the
    longest payer slug must fit, or the demo's first claim of that pair fails."""
    from enlace.modules.catalog import facilities
    from enlace.modules.claims.ledger_post import transfer
    from enlace.modules.coverage import PLANS

    for pharmacy in (f.slug for f in facilities(kind="pharmacy")):
        for payer in {p.payer for p in PLANS}:
            found = transfer("c" * 36, pharmacy, payer, 100, 50)
            assert found is not None
            assert all(len(p.account) <= 64 for p in found.postings), found.postings
