"""A pharmacy with serialized stock for the dispensing tests: the claims tests' insured world
and supply chain (commissioned, shipped, received through trace), the same packs booked into the
stock ledger, licensed prescribers, and a prescription issued through `$prescribe`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from enlace.interactions.context import Services
from enlace.modules.inventory import RECEIPT, Item, StockEvent, StockLedger
from enlace.security.access import Access
from tests.integration.claims.claims_support import (
    METFORMIN_GTIN,
    PHARMACY,
    claims_world,
    new_serial,
    pack_link,
    supply,
)
from tests.integration.finance.conftest import empty_finance_tables
from tests.integration.inventory.conftest import empty_inventory_tables
from tests.support.fhir_calls import body_of, call
from tests.support.prescriptions import metformin_rx, prescribers

LOT, EXPIRY = "L1", date(2027, 12, 31)  # as claims_support commissions every pack
HANDED = "2026-02-02T10:00:00-06:00"  # after the packs were received (2026-02-01)


def pharmacy_world(services: Services) -> Services:
    empty_inventory_tables(services.db)
    empty_finance_tables(services.db)  # wallets and the books: the PostgreSQL session shares them
    return prescribers(claims_world(services))


def stock(world: Services, count: int, gtin: str = METFORMIN_GTIN, book: bool = True) -> list[str]:
    """`count` packs received at the pharmacy (trace), booked in the stock ledger unless not
    `book`; their scanned codes."""
    serials = [new_serial() for _ in range(count)]
    for serial in serials:
        supply(world, serial, dispense_at=None, gtin=gtin)
    if book:
        product = _product(gtin)
        event = StockEvent(
            RECEIPT,
            PHARMACY,
            (Item(product, LOT, count, EXPIRY),),
            datetime(2026, 2, 1, 12, tzinfo=UTC),
            counterpart="distribution-center",
        )
        with world.db.begin() as conn:
            StockLedger(clock=world.repo.clock).record(conn, event)
    return [pack_link(s, gtin) for s in serials]


def _product(gtin: str) -> str:
    from enlace.modules.catalog import formulary

    return next(m.slug for m in formulary() if m.gtin == gtin)


def prescribed(world: Services, **change: Any) -> str:
    answer = call(
        world, Access.internal(), "POST", "MedicationRequest/$prescribe", metformin_rx(**change)
    )
    assert answer.status == 200, answer.body
    found = body_of(answer)["parameter"][0]["resource"]
    return str(found["id"])


def dispense_params(
    rx: str, packs: list[str], handed: str | None = HANDED, pharmacy: str | None = PHARMACY
) -> dict[str, Any]:
    parameter: list[dict[str, Any]] = [
        {"name": "prescription", "valueReference": {"reference": f"MedicationRequest/{rx}"}}
    ]
    if pharmacy:
        parameter.append(
            {"name": "pharmacy", "valueReference": {"reference": f"Organization/org-{pharmacy}"}}
        )
    parameter += [{"name": "pack", "valueString": p} for p in packs]
    if handed:
        parameter.append({"name": "handedOver", "valueDateTime": handed})
    return {"resourceType": "Parameters", "parameter": parameter}
