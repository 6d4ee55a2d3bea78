"""Seeded fraud at the pharmacy counter, with its ground truth kept out of the record.

After a pharmacy's legitimate dispensing, each pack it dispensed that day brings, with a small
probability, one fraudulent pack (`FraudRates`; defaults 1% counterfeit, 0.5% diverted of the
packs dispensed). REFERENCE.md §6 puts substandard and falsified medicines at 10.5% in low- and
middle-income countries; that share is mostly substandard product with genuine codes, which
serialization cannot see, and it is far above what an authorized, serialized chain lets in. The
defaults are a share that gives every kind enough cases to score in a short run without
drowning the legitimate flow; both are parameters.

Counterfeit (a pack that is not what its code says):
- `unknown-serial`: a serial the plant never commissioned;
- `clone`: the code of a genuine pack dispensed today at another pharmacy, scanned here;
- `wrong-lot` / `wrong-expiry`: a real serial (dispensed today) with another lot or expiry.
Diverted (a genuine pack leaving the authorized chain), taken from this pharmacy's shelf:
- `unregistered-destination`: shipped to a place outside the location registry;
- `double-dispense`: dispensed, then dispensed again (resold);
- `impossible-travel`: counted here, then dispensed at the farthest pharmacy 20 minutes later.

The scans happen after the counter closes (21:30 on), so each fraudulent scan comes after the
genuine pack's own events. Ground truth is one `Truth` per fraudulent pack: its EPC is what an
alert must name (a clone and its original share one EPC, so the alert is on that EPC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any

from enlace.modules.trace import StockedPack
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim import supply_epcis as ev
from enlace.sim.supply_chain import SupplyChain, pharmacies

COUNTERFEIT_KINDS = ("unknown-serial", "clone", "wrong-lot", "wrong-expiry")
DIVERTED_KINDS = ("unregistered-destination", "double-dispense", "impossible-travel")
EXPECTED_ALERT = {
    "unknown-serial": "unknown-epc",
    "clone": "second-dispense",
    "wrong-lot": "batch-mismatch",
    "wrong-expiry": "expiry-mismatch",
    "unregistered-destination": "outside-chain",
    "double-dispense": "second-dispense",
    "impossible-travel": "impossible-travel",
}
AFTER_HOURS = 21 * 60 + 30  # minute of the day the fraudulent scans start
UNREGISTERED = 5  # places outside the registry that diverted packs are shipped to


@dataclass(frozen=True)
class FraudRates:
    counterfeit: float = 0.01  # per pack dispensed
    diverted: float = 0.005


@dataclass(frozen=True, slots=True)
class Truth:
    kind: str
    category: str  # counterfeit | diverted
    epc: str
    day: int
    pharmacy: str  # catalog slug where it surfaced

    @property
    def expected_alert(self) -> str:
        return EXPECTED_ALERT[self.kind]


@dataclass
class Dispensed:
    pharmacy: str
    pack: StockedPack


@dataclass
class Fraud:
    """One day's fraudulent events and their ground truth."""

    seed: int
    day: int
    on: date
    events: list[dict[str, Any]]
    truths: list[Truth]
    used: set[str]  # EPCs already taken for a fraud today (each pack at most once)

    def scan(self, pack: StockedPack, lot: str | None = None, expiry: str | None = None) -> str:
        return ev.pack_scan(pack.gtin, pack.serial, lot or pack.lot, expiry or pack.expiry)

    def at(self, minute: int) -> str:
        return ev.event_time(self.on, AFTER_HOURS + minute)

    def eid(self, *key: object) -> str:
        return ev.event_id(self.seed, "fraud", self.day, len(self.truths), *key)

    def record(self, kind: str, category: str, pack: StockedPack, slug: str) -> None:
        self.used.add(pack.epc)
        self.truths.append(Truth(kind, category, pack.epc, self.day, slug))


def seed_fraud(
    chain: SupplyChain, day: int, on: date, dispensed: list[Dispensed], rates: FraudRates
) -> Fraud:
    """Fraud surfacing at each pharmacy today, in pharmacy order; shelves lose diverted packs."""
    world = chain.world
    fraud = Fraud(world.seed, day, on, [], [], set())
    for slug in sorted(chain.shelves):
        rng = world.rng("fraud", slug, day)
        here = [d.pack for d in dispensed if d.pharmacy == slug]
        for pack in here:
            draw = rng.random()
            if draw < rates.counterfeit:
                _counterfeit(fraud, rng, slug, pack, dispensed)
            elif draw < rates.counterfeit + rates.diverted:
                _divert(fraud, rng, chain, slug)
    return fraud


def _counterfeit(
    fraud: Fraud, rng: Random, slug: str, model: StockedPack, dispensed: list[Dispensed]
) -> None:
    kind = rng.choice(COUNTERFEIT_KINDS)
    place = facility_location_id(slug)
    donors = [
        d.pack
        for d in dispensed
        if d.pack.epc not in fraud.used and (kind != "clone" or d.pharmacy != slug)
    ]
    if kind == "unknown-serial" or not donors:
        fake = f"X{rng.getrandbits(40):010x}"  # never the plant's all-digit serials
        pack = StockedPack(
            ev.pack_epc(model.gtin, fake), model.gtin, fake, model.lot, model.expiry, place, None
        )
        fraud.events.append(ev.dispensing(fraud.eid(), fraud.at(0), place, [fraud.scan(pack)]))
        fraud.record("unknown-serial", "counterfeit", pack, slug)
        return
    donor = rng.choice(donors)
    scan = fraud.scan(donor)
    if kind == "wrong-lot":
        scan = fraud.scan(donor, lot=f"{donor.lot}F")
    elif kind == "wrong-expiry":
        later = date.fromisoformat(donor.expiry or "2099-01-01") + timedelta(days=365)
        scan = fraud.scan(donor, expiry=later.isoformat())
    fraud.events.append(ev.dispensing(fraud.eid(), fraud.at(5), place, [scan]))
    fraud.record(kind, "counterfeit", donor, slug)


def _divert(fraud: Fraud, rng: Random, chain: SupplyChain, slug: str) -> None:
    shelf = chain.shelves[slug]
    stock = [p for gtin in sorted(shelf) for p in shelf[gtin] if p.epc not in fraud.used]
    if not stock:
        return  # nothing on the shelf to divert
    pack = rng.choice(stock)
    shelf[pack.gtin].remove(pack)
    kind = rng.choice(DIVERTED_KINDS)
    place = facility_location_id(slug)
    scan = fraud.scan(pack)
    DIVERSIONS[kind](fraud, rng, place, slug, scan)
    fraud.record(kind, "diverted", pack, slug)


def _to_unregistered(fraud: Fraud, rng: Random, place: str, slug: str, scan: str) -> None:
    street = facility_location_id(f"unregistered-{rng.randrange(UNREGISTERED)}")
    fraud.events.append(ev.shipping(fraud.eid(), fraud.at(10), place, street, [scan]))


def _dispensed_twice(fraud: Fraud, rng: Random, place: str, slug: str, scan: str) -> None:
    fraud.events.append(ev.dispensing(fraud.eid(1), fraud.at(10), place, [scan]))
    fraud.events.append(ev.dispensing(fraud.eid(2), fraud.at(50), place, [scan]))


def _too_far_too_fast(fraud: Fraud, rng: Random, place: str, slug: str, scan: str) -> None:
    far = facility_location_id(farthest_pharmacy(slug))
    fraud.events.append(ev.inspecting(fraud.eid(1), fraud.at(10), place, [scan]))
    fraud.events.append(ev.dispensing(fraud.eid(2), fraud.at(30), far, [scan]))


DIVERSIONS: dict[str, Callable[[Fraud, Random, str, str, str], None]] = {
    "unregistered-destination": _to_unregistered,
    "double-dispense": _dispensed_twice,
    "impossible-travel": _too_far_too_fast,
}


def farthest_pharmacy(slug: str) -> str:
    """The pharmacy farthest from `slug` (another state: ≥ 649 km for every pharmacy of the
    catalog, so 20 minutes is ≥ 1,900 km/h, beyond the 900 km/h trace allows)."""
    here = next(p for p in pharmacies() if p.slug == slug)
    return max(
        pharmacies(),
        key=lambda p: (
            (p.latitude - here.latitude) ** 2 + (p.longitude - here.longitude) ** 2,
            p.slug,
        ),
    ).slug
