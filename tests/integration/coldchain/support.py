"""Shared by the cold-chain integration tests: a clinic with insulin and metformin on its shelf
(ledger and serialized packs), a fridge logger, and readings as a logger sends them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.modules import catalog, coldchain, inventory, trace
from enlace.sim import supply_epcis as epcis

FACILITY = "clinic-l1-imss-09015"
INSULIN = "insulin-nph-100-vial"  # cold chain 2-8 °C
METFORMIN = "metformin-850-tab"  # room temperature: a fridge logger does not guard it
LOT = "INS-A1"
# The tests' SteppingClock starts at 2026-01-01T00:00:00Z: readings are from the day before.
DAY = "2025-12-31T{:02d}:{:02d}:00-06:00"


def stock_clinic(services: Services, packs: int = 3) -> list[str]:
    """10 vials of insulin lot INS-A1 and 50 metformin in the ledger; `packs` insulin packs
    commissioned, shipped and received at the clinic in trace. The packs' EPCs."""
    insulin = catalog.medicine_by_slug(INSULIN)
    clinic = catalog.facility(FACILITY)
    assert insulin is not None and clinic is not None
    gtin = insulin.gtin
    serials = [f"S{n}" for n in range(packs)]
    place = trace.facility_location_id(FACILITY)
    when = "2025-12-01T08:00:00-06:00"
    events = [
        epcis.commissioning(
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            when,
            [epcis.pack_epc(gtin, s) for s in serials],
            LOT,
            "2027-06-30",
        ),
        epcis.shipping(
            "urn:uuid:00000000-0000-4000-8000-000000000002",
            "2025-12-02T08:00:00-06:00",
            epcis.PLANT,
            place,
            [epcis.pack_epc(gtin, s) for s in serials],
        ),
        epcis.receiving(
            "urn:uuid:00000000-0000-4000-8000-000000000003",
            "2025-12-03T08:00:00-06:00",
            place,
            [epcis.pack_epc(gtin, s) for s in serials],
        ),
    ]
    received = datetime(2025, 12, 3, 14, 0, tzinfo=UTC)
    receipt = inventory.StockEvent(
        kind=inventory.RECEIPT,
        facility=FACILITY,
        items=(
            inventory.Item(INSULIN, LOT, 10, date(2027, 6, 30)),
            inventory.Item(METFORMIN, "MET-1", 50, date(2027, 1, 31)),
        ),
        occurred_at=received,
        counterpart="almacen",
    )
    with services.db.begin() as conn:
        trace.register_facilities(conn, [clinic])
        trace.capture(conn, epcis.document(date(2025, 12, 3), events), received)
        inventory.StockLedger(clock=services.repo.clock).record(conn, receipt)
    return [epcis.pack_epc(gtin, s) for s in serials]


def add_fridge(services: Services) -> tuple[str, str]:
    with services.db.begin() as conn:
        return coldchain.add_logger(
            conn, services.repo, facility=FACILITY, place_kind="fridge", label="Refrigerador 1"
        )


def temp(hour: int, celsius: float, minute: int = 0) -> dict[str, Any]:
    return {
        "code": "storage-temp",
        "value": celsius,
        "unit": "Cel",
        "time": DAY.format(hour, minute),
    }


def body(*readings: dict[str, Any]) -> bytes:
    return orjson.dumps({"readings": list(readings)})


def heat_series() -> bytes:
    """5 °C at 00:00, 9.5 °C from 01:00 to 11:00, 5 °C at 12:00: 11 h above 8 -> heat alarm."""
    return body(temp(0, 5.0), *[temp(h, 9.5) for h in range(1, 12)], temp(12, 5.0))


def on_hand(services: Services, product: str, lot: str) -> int:
    with services.db.read() as conn:
        levels = inventory.stock_on_hand(conn, FACILITY, product)
    return sum(level.on_hand for level in levels if level.lot == lot)


def pack_states(services: Services, epcs: list[str]) -> set[str]:
    from enlace.modules.trace.epcis_tables import objects

    with services.db.read() as conn:
        rows = conn.execute(select(objects.c.state).where(objects.c.epc.in_(epcs)))
        return {row.state for row in rows}


def dispositions(services: Services) -> list[tuple[str, str]]:
    from enlace.modules.trace.epcis_tables import events

    with services.db.read() as conn:
        rows = conn.execute(
            select(events.c.biz_step, events.c.disposition)
            .where(events.c.biz_step.in_(("holding", "inspecting", "destroying")))
            .order_by(events.c.seq)
        )
        return [(row.biz_step, row.disposition) for row in rows]
