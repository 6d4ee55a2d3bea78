"""The manufacturer: commissions serialized packs lot by lot, packs them into cases and pallets,
and ships the pallets to the distribution center (EPCIS through `trace.capture`, in the day's
transaction). What it makes each day is the supply chain's plan (sim/supply_chain.py); the
plant is synthetic (one plant for every GTIN of the formulary), registered in the location
registry beside the catalog's facilities on the first day of each run.
"""

from __future__ import annotations

from typing import Any

from enlace.modules import trace
from enlace.modules.catalog import facilities
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim import supply_epcis as ev
from enlace.sim.actor import Day, World
from enlace.sim.supply_chain import Lot, SupplyChain, distribution_center, shared

PLANT_NAME = "Planta sintética Enlace (El Salto, Jalisco)"
PLANT_COORDINATES = (20.60, -103.30)  # ~16 km from the distribution center (Zapopan)
MAX_EVENTS = 5000  # per captured document (EPCIS documents are capped at 10,000)
# Minutes after midnight: made, packed and shipped before the distribution center opens.
COMMISSION, PACK, SHIP = 10, 20, 40


def register_places(today: Day) -> None:
    """The plant and every catalog facility as authorized places (idempotent)."""
    trace.register_facilities(today.conn, facilities())
    trace.register_location(
        today.conn, facility_location_id(ev.PLANT_SLUG), PLANT_NAME, *PLANT_COORDINATES, "Jalisco"
    )


def lot_events(seed: int, day: int, today: Day, lot: Lot) -> list[dict[str, Any]]:
    on = today.date
    dc = facility_location_id(distribution_center().slug)
    key = (seed, "make", day, lot.gtin)
    packs = [p.epc for case in lot.cases for p in case.packs]
    events = [
        ev.commissioning(
            ev.event_id(*key), ev.event_time(on, COMMISSION), packs, lot.lot, lot.expiry
        )
    ]
    for case in lot.cases:
        children = [p.epc for p in case.packs]
        events.append(
            ev.packing(ev.event_id(*key, case.epc), ev.event_time(on, PACK), case.epc, children)
        )
    for pallet, cases in lot.pallets:
        children = [c.epc for c in cases]
        events.append(
            ev.packing(ev.event_id(*key, pallet), ev.event_time(on, PACK + 5), pallet, children)
        )
    pallets = [pallet for pallet, _ in lot.pallets]
    events.append(
        ev.shipping(ev.event_id(*key, "ship"), ev.event_time(on, SHIP), ev.PLANT, dc, pallets)
    )
    return events


def capture_in_documents(today: Day, events: list[dict[str, Any]]) -> None:
    """The events in order, in documents of at most MAX_EVENTS, each in the day's transaction."""
    for start in range(0, len(events), MAX_EVENTS):
        chunk = events[start : start + MAX_EVENTS]
        trace.capture(today.conn, ev.document(today.date, chunk), ev.record_time(today.date))


class ManufacturerActor:
    name = "manufacturer"
    after: tuple[str, ...] = ("care",)  # the day's prescriptions are the demand

    def __init__(self) -> None:
        self.chain: SupplyChain | None = None
        self.first_day = 0

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.chain = shared(world, first_day, last_day)
        self.first_day = first_day

    def day(self, today: Day) -> None:
        assert self.chain is not None, "begin() first"
        if today.index == self.first_day:
            register_places(today)
        plan = self.chain.plan(today)
        seed = today.world.seed
        events = [e for lot in plan.lots for e in lot_events(seed, today.index, today, lot)]
        capture_in_documents(today, events)


ACTORS = (ManufacturerActor,)
