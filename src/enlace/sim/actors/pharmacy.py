"""Pharmacies: receive the distribution center's cases in the morning and dispense packs
against the prescriptions primary care writes (a person collects at the IMSS / Farmacias Enlace
pharmacy nearest to them, with a chance set by their adherence: sim/supply_fills.py). Then the
day's seeded fraud surfaces (sim/supply_fraud.py), its ground truth appended to
`$ENLACE_VAR_DIR/sim/trace-s{seed}.jsonl` (sim/supply_truth.py), never to the record.

Dispensing here is the EPCIS dispensing event only, built by `dispense` (one pharmacy's day):
the pharmacy module (MedicationDispense, stock) replaces that one function when it lands. The
day's events of every pharmacy, then the fraud's, are captured in one call (in documents of at
most 5,000 events), in the day's transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from enlace.modules.trace import StockedPack
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim import supply_epcis as ev
from enlace.sim.actor import Day, World
from enlace.sim.actors.manufacturer import capture_in_documents
from enlace.sim.supply_chain import SupplyChain, shared
from enlace.sim.supply_fills import Fill
from enlace.sim.supply_fraud import Dispensed, FraudRates, seed_fraud
from enlace.sim.supply_truth import append_truth, trim_truth, truth_path

RECEIVE = 7 * 60  # the distribution center's cases arrive before the counter opens


def dispense(
    today: Day, slug: str, cases: list[str], fills: list[tuple[Fill, list[StockedPack]]]
) -> list[dict[str, Any]]:
    """One pharmacy's day as EPCIS: receive `cases`, then a dispensing event per fill."""
    seed, on, place = today.world.seed, today.date, facility_location_id(slug)
    events: list[dict[str, Any]] = []
    if cases:
        eid = ev.event_id(seed, "rx-in", today.index, slug)
        events.append(ev.receiving(eid, ev.event_time(on, RECEIVE), place, cases))
    for fill, packs in fills:
        eid = ev.event_id(seed, "dispense", fill.request_id, fill.number)
        scans = [ev.pack_scan(p.gtin, p.serial, p.lot, p.expiry) for p in packs]
        when = ev.event_time(on, fill.minute)
        events.append(ev.dispensing(eid, when, place, scans, prescription=fill.request_id))
    return events


class PharmacyActor:
    name = "pharmacy"
    after: tuple[str, ...] = ("distributor",)

    def __init__(self, rates: FraudRates | None = None) -> None:
        self.rates = rates or FraudRates()
        self.chain: SupplyChain | None = None
        self.truth: Path | None = None

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.chain = shared(world, first_day, last_day)
        self.truth = truth_path(world.services.settings.var_dir, world.seed)
        trim_truth(self.truth, first_day)

    def day(self, today: Day) -> None:
        assert self.chain is not None and self.truth is not None, "begin() first"
        plan = self.chain.plan(today)
        by_pharmacy: dict[str, list[tuple[Fill, list[StockedPack]]]] = {}
        for fill, packs in plan.fills:
            by_pharmacy.setdefault(fill.pharmacy, []).append((fill, packs))
        events: list[dict[str, Any]] = []
        for slug in sorted(set(by_pharmacy) | set(plan.shipments)):
            cases = [c.epc for c in plan.shipments.get(slug, [])]
            events.extend(dispense(today, slug, cases, by_pharmacy.get(slug, [])))
        dispensed = [Dispensed(f.pharmacy, p) for f, packs in plan.fills for p in packs]
        fraud = seed_fraud(self.chain, today.index, today.date, dispensed, self.rates)
        # Every pharmacy's day and then the fraud, in that order, in one capture call: the
        # log is the same as a document per pharmacy, but a capture's fixed cost (a dozen
        # statements) made 24 calls a day most of the actor's time on PostgreSQL.
        capture_in_documents(today, events + fraud.events)
        append_truth(self.truth, fraud.truths)


ACTORS = (PharmacyActor,)
