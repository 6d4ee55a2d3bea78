"""The distributor: the catalog's distribution center receives the plant's pallets, unpacks
them, and ships cases to the pharmacies that need them (the supply chain's plan: a reorder
point on the fills due, sim/supply_chain.py). One captured document a day (the center is one
facility), in the day's transaction.
"""

from __future__ import annotations

from typing import Any

from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim import supply_epcis as ev
from enlace.sim.actor import Day, World
from enlace.sim.actors.manufacturer import capture_in_documents
from enlace.sim.supply_chain import DayPlan, SupplyChain, distribution_center, shared

# Minutes after midnight: the plant's trucks arrive, pallets are broken down, cases leave so
# that the farthest pharmacy (651 km) receives them at 07:00 at 130 km/h, well under the
# 900 km/h travel check.
RECEIVE, UNPACK, SHIP = 90, 100, 120


def center_events(seed: int, plan: DayPlan) -> list[dict[str, Any]]:
    on, day = plan.on, plan.index
    dc = facility_location_id(distribution_center().slug)
    pallets = [pallet for lot in plan.lots for pallet, _ in lot.pallets]
    events: list[dict[str, Any]] = []
    if pallets:
        events.append(
            ev.receiving(ev.event_id(seed, "dc-in", day), ev.event_time(on, RECEIVE), dc, pallets)
        )
        events.extend(
            ev.unpacking(ev.event_id(seed, "dc-unpack", day, p), ev.event_time(on, UNPACK), p, dc)
            for p in pallets
        )
    for slug, cases in sorted(plan.shipments.items()):
        to = facility_location_id(slug)
        eid = ev.event_id(seed, "dc-out", day, slug)
        events.append(ev.shipping(eid, ev.event_time(on, SHIP), dc, to, [c.epc for c in cases]))
    return events


class DistributorActor:
    name = "distributor"
    after: tuple[str, ...] = ("manufacturer",)

    def __init__(self) -> None:
        self.chain: SupplyChain | None = None

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.chain = shared(world, first_day, last_day)

    def day(self, today: Day) -> None:
        assert self.chain is not None, "begin() first"
        plan = self.chain.plan(today)
        capture_in_documents(today, center_events(today.world.seed, plan))


ACTORS = (DistributorActor,)
