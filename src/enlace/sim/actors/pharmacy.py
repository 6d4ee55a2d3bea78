"""Pharmacies: receive the distribution center's cases in the morning and dispense packs
against the prescriptions primary care writes (a person collects at the IMSS / Farmacias Enlace
pharmacy nearest to them, with a chance set by their adherence: sim/supply_fills.py). Then the
day's seeded fraud surfaces (sim/supply_fraud.py), its ground truth appended to
`$ENLACE_VAR_DIR/sim/trace-s{seed}.jsonl` (sim/supply_truth.py), never to the record.

Each pharmacy's day is its EPCIS events, built by `dispense`; the day's events of every
pharmacy, then the fraud's, are captured in one call (in documents of at most 5,000 events), in
the day's transaction. With them go the stock ledger's receipt and issue per pharmacy and a
MedicationDispense per fill collected (sim/supply_records.py), so the record, the ledger and
the transparency log agree; a fill that found an empty shelf leaves only its prescription
unfilled. (The counter's own `pharmacy.dispense` is not used: it adjudicates a claim per
dispense — the claims actor sends them — and costs ~50 ms each.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from enlace.modules import inventory
from enlace.modules.trace import StockedPack
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim import supply_epcis as ev
from enlace.sim import supply_records as records
from enlace.sim.actor import Day, World
from enlace.sim.actors.manufacturer import capture_in_documents
from enlace.sim.supply_chain import DayPlan, SupplyChain, shared
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
        self._record(today, plan)

    def _record(self, today: Day, plan: DayPlan) -> None:
        """The stock ledger and the MedicationDispenses of the day (sim/supply_records.py)."""
        seed = today.world.seed
        stock = records.stock_events(seed, today.index, today.date, plan.shipments, plan.fills)
        if stock:
            closing = ev.record_time(today.date)
            inventory.StockLedger(clock=lambda: closing).record_batch(today.conn, stock)
        today.write_all(records.dispenses(seed, today.world.patient_id, today.date, plan.fills))


ACTORS = (PharmacyActor,)
