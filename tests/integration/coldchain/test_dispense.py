"""A quarantined lot at the real dispensing counter (`MedicationDispense/$dispense`), on both
stores: a delivery-box logger carrying the pharmacy's metformin lot L1 reports 11 hours above
8 °C, the scan-to-dispense of those packs is refused naming the lot, and after the pharmacist's
release the same packs are dispensed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules import coldchain
from tests.integration.claims.claims_support import PHARMACY
from tests.integration.coldchain.support import heat_series
from tests.integration.coldchain.test_flow import decide, post_readings
from tests.integration.pharmacy.dispense_support import (
    LOT,
    dispense_params,
    pharmacy_world,
    prescribed,
    stock,
)
from tests.integration.pharmacy.test_dispense import dispense


def test_a_quarantined_lot_is_not_dispensed_until_released(
    services: Services, client: TestClient
) -> None:
    world = pharmacy_world(services)
    packs = stock(world, 3)
    rx = prescribed(world)
    with world.db.begin() as conn:
        device, key = coldchain.add_logger(
            conn,
            world.repo,
            facility=PHARMACY,
            place_kind="delivery-box",
            label="Caja 1",
            lots=[("metformin-850-tab", LOT)],
        )
    (excursion,) = post_readings(client, device, key, heat_series()).json()["alerts"]

    status, answer = dispense(world, dispense_params(rx, packs[:2]))
    assert status == 409, answer
    assert answer["issue"][0]["diagnostics"] == (
        f"stock: Insufficient stock: 0 units of metformin-850-tab lot {LOT} on hand at "
        f"{PHARMACY}, 2 asked; the lot is in quarantine (coldchain excursion {excursion})"
    )

    assert decide(client, excursion, "release", "Caja cerrada a tiempo").status_code == 200
    status, answer = dispense(world, dispense_params(rx, packs[:2]))
    assert status == 200, answer
