"""`POST [base]/MedicationDispense/$dispense` on both stores: scan → verify → stock issue →
MedicationDispense → EPCIS event → claim, all in one unit of work; every refusal names the
parameter and leaves stock, record and log as they were."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.modules import inventory, trace
from enlace.modules.catalog import formulary
from enlace.security.access import Access
from enlace.security.roles import ceiling
from enlace.store.bulk import PutItem
from tests.integration.claims.claims_support import PHARMACY
from tests.integration.pharmacy.dispense_support import (
    dispense_params,
    pharmacy_world,
    prescribed,
    stock,
)
from tests.support.fhir_calls import body_of, call
from tests.support.prescriptions import metformin_rx

URL = "MedicationDispense/$dispense"
PRODUCT = "metformin-850-tab"
LOSARTAN_GTIN = next(m.gtin for m in formulary() if m.slug == "losartan-50-tab")


@pytest.fixture
def world(services: Services) -> Services:
    return pharmacy_world(services)


def pharmacist(pharmacy: str = PHARMACY) -> Access:
    org = f"org-{pharmacy}"
    return Access("u-ph", "user", ceiling("pharmacist", org), role="pharmacist", organization=org)


def dispense(
    world: Services, body: dict[str, Any], access: Access | None = None
) -> tuple[int, dict[str, Any]]:
    response = call(world, access or pharmacist(), "POST", URL, body)
    return response.status, body_of(response)


def part(answer: dict[str, Any], name: str) -> Any:
    found = next((p for p in answer["parameter"] if p["name"] == name), None)
    if found is None:
        return None
    return found.get("resource", found.get("valueInteger"))


def on_hand(world: Services) -> int:
    with world.db.read() as conn:
        return sum(level.on_hand for level in inventory.stock_on_hand(conn, PHARMACY, PRODUCT))


def dispenses(world: Services) -> int:
    with world.db.read() as conn:
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM resources WHERE resource_type = 'MedicationDispense'"
        ).scalar()
    return int(found or 0)


def test_a_full_fill_is_verified_issued_traced_and_claimed(world: Services) -> None:
    packs = stock(world, 3)
    rx = prescribed(world)
    status, answer = dispense(world, dispense_params(rx, packs[:2]))
    assert status == 200, answer
    dispensed = part(answer, "dispense")
    assert dispensed["status"] == "completed" and dispensed["type"]["coding"][0]["code"] == "FF"
    assert dispensed["quantity"]["value"] == 60 and dispensed["daysSupply"]["value"] == 30
    assert len(dispensed["extension"]) == 2 and world.validate(dispensed) == []
    assert on_hand(world) == 1
    claim = part(answer, "claimResponse")
    assert claim["outcome"] == "complete", claim["disposition"]
    assert part(answer, "patientPaysCentavos") == 0  # IMSS: the cuadro básico is free
    with world.db.read() as conn:
        verdict = trace.verify_pack(conn, packs[0], world.repo.clock().date())
        logged = trace.dispensing_events(conn, [trace.canonical_pack(packs[0])])
    assert verdict.status == "already_dispensed"
    assert len(next(iter(logged.values()))) == 1


def test_a_second_fill_must_wait_and_fills_run_out(world: Services) -> None:
    packs = stock(world, 6)
    rx = prescribed(world, dispenseRequest={**_request(), "numberOfRepeatsAllowed": 1})
    assert dispense(world, dispense_params(rx, packs[:2]))[0] == 200
    status, outcome = dispense(world, dispense_params(rx, packs[2:4], "2026-02-05T10:00:00-06:00"))
    assert status == 409 and "too soon" in outcome["issue"][0]["diagnostics"]
    status, answer = dispense(world, dispense_params(rx, packs[2:4], "2026-02-26T10:00:00-06:00"))
    assert status == 200, answer
    assert part(answer, "dispense")["type"]["coding"][0]["code"] == "RF"
    status, outcome = dispense(world, dispense_params(rx, packs[4:6], "2026-03-30T10:00:00-06:00"))
    assert status == 422, outcome  # the prescription is completed: no fills left
    assert on_hand(world) == 2


def _request() -> dict[str, Any]:
    request: dict[str, Any] = metformin_rx()["dispenseRequest"]
    return request


@pytest.mark.parametrize(
    ("case", "status", "where", "says"),
    [
        ("twice", 400, "Parameters.parameter[3].valueString", "scanned twice"),
        ("wrong-product", 422, "Parameters.parameter[2].valueString", "not Metformina"),
        ("too-many", 422, "Parameters.parameter", "more than the prescribed"),
        ("unknown-pack", 422, "Parameters.parameter[2].valueString", "never commissioned"),
        ("no-stock", 409, "Parameters.parameter", "stock"),
        ("expired-rx", 422, "Parameters.parameter[0]", "expired"),
        ("no-prescription", 400, "Parameters.parameter", "prescription"),
    ],
)
def test_refusals_name_the_parameter_and_change_nothing(
    world: Services, case: str, status: int, where: str, says: str
) -> None:
    packs = stock(world, 3)
    rx = prescribed(world)
    body = dispense_params(rx, packs[:1])
    if case == "twice":
        body = dispense_params(rx, [packs[0], packs[0]])
    elif case == "wrong-product":
        body = dispense_params(rx, stock(world, 1, gtin=LOSARTAN_GTIN))
    elif case == "too-many":
        body = dispense_params(rx, packs[:3])
    elif case == "unknown-pack":
        body = dispense_params(rx, [packs[0].replace("/21/", "/21/X")])
    elif case == "no-stock":  # the ledger says the lot is gone (lost), whatever trace says
        lost = inventory.StockEvent(
            inventory.ADJUSTMENT,
            PHARMACY,
            (inventory.Item(PRODUCT, "L1", 3),),
            datetime(2026, 2, 1, 13, tzinfo=UTC),
            reason="lost",
        )
        with world.db.begin() as conn:
            inventory.StockLedger(clock=world.repo.clock).record(conn, lost)
    elif case == "expired-rx":
        old = {**_request(), "validityPeriod": {"start": "2025-01-01", "end": "2025-06-30"}}
        stored = metformin_rx(id="rx-old", dispenseRequest=old, authoredOn="2025-01-01")
        with world.db.begin() as conn:
            world.repo.put_many(conn, [PutItem(stored)])
        body = dispense_params("rx-old", packs[:1])
    elif case == "no-prescription":
        body["parameter"] = body["parameter"][1:]
    before = (on_hand(world), dispenses(world))
    got, outcome = dispense(world, body)
    assert got == status, outcome
    issue = outcome["issue"][0]
    assert issue["expression"] == [where] and says in issue["diagnostics"], issue
    assert (on_hand(world), dispenses(world)) == before


def test_who_dispenses_where(world: Services) -> None:
    packs = stock(world, 2)
    rx = prescribed(world)
    elsewhere = pharmacist("pharmacy-imss-09003")
    assert dispense(world, dispense_params(rx, packs), elsewhere)[0] == 403
    nurse = Access("u-n", "user", ceiling("nurse", None), role="nurse")
    assert dispense(world, dispense_params(rx, packs), nurse)[0] == 403
    assert dispense(world, dispense_params(rx, packs, pharmacy=None))[0] == 200


def test_without_coverage_the_patient_pays_the_reference_price(world: Services) -> None:
    packs = stock(world, 2)
    rx = prescribed(world, subject={"reference": "Patient/p-none"})
    status, answer = dispense(world, dispense_params(rx, packs))
    assert status == 200, answer
    assert part(answer, "claimResponse") is None
    assert part(answer, "patientPaysCentavos") == 2 * 4_500


def _wallet(world: Services, patient: str, deposit: int, cap: int) -> str:
    from enlace.modules.finance import Ledger, Wallets

    wallet_id = f"family-{patient}-{deposit}-{cap}"
    ledger = Ledger(clock=world.repo.clock)
    wallets = Wallets(ledger)
    with world.db.begin() as conn:
        ledger.open_account(conn, "test-dispense-bank", "asset")
        wallets.open_wallet(conn, wallet_id, owner=f"Patient/{patient}")
        wallets.set_member(conn, wallet_id, f"Patient/{patient}", cap)
        wallets.deposit(
            conn,
            wallet_id,
            f"Patient/{patient}",
            deposit,
            source_account="test-dispense-bank",
            idempotency_key=f"deposit:{wallet_id}",
        )
    return wallet_id


def test_the_share_is_paid_from_the_family_wallet(world: Services) -> None:
    from enlace.modules.finance import Ledger

    packs = stock(world, 2)
    rx = prescribed(world, subject={"reference": "Patient/p-none"})
    wallet = _wallet(world, "p-none", 20_000, 50_000)
    body = dispense_params(rx, packs)
    body["parameter"].append({"name": "payWith", "valueCode": "wallet"})
    status, answer = dispense(world, body)
    assert status == 200, answer
    assert part(answer, "patientPaysCentavos") == 9_000
    assert (
        next(p for p in answer["parameter"] if p["name"] == "paidFromWallet")["valueString"]
        == wallet
    )
    with world.db.read() as conn:
        assert Ledger().account(conn, f"wallet:{wallet}").balance == 11_000


@pytest.mark.parametrize(
    ("deposit", "cap", "says"), [(5_000, 50_000, "wallet"), (20_000, 1_000, "cap")]
)
def test_a_wallet_that_cannot_pay_refuses_the_dispense(
    world: Services, deposit: int, cap: int, says: str
) -> None:
    packs = stock(world, 2)
    rx = prescribed(world, subject={"reference": "Patient/p-none"})
    _wallet(world, "p-none", deposit, cap)
    body = dispense_params(rx, packs)
    body["parameter"].append({"name": "payWith", "valueCode": "wallet"})
    before = (on_hand(world), dispenses(world))
    status, outcome = dispense(world, body)
    assert status == 409, outcome
    assert says in outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["expression"] == ["Parameters.parameter[5].valueCode"]
    assert (on_hand(world), dispenses(world)) == before
