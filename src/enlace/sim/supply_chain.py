"""The simulated supply chain's books: what each place holds and what moves on a day.

One plant (synthetic) makes every GTIN of the formulary, the catalog's distribution center
holds cases, and each pharmacy holds packs. The three actors (manufacturer, distributor,
pharmacy) plan together, as a real chain shares its forecasts: `SupplyChain.plan(today)` decides
the day once — which fills are collected, which cases each pharmacy needs, what the plant makes —
and each actor captures its own part of it. Nothing of the plan lives only in memory: at the
start of a run the stock is read back from the trace record (`trace.packs_at`) and the fills to
come are replayed (`supply_fills.FillAgenda.replay`), so a run in pieces plans what one run plans.

Policies (assumptions, docs/simulation.md): pharmacies are replenished from the distribution
center in whole cases the same morning when their usable stock after today's fills would not
cover the fills due in the next `REORDER_DAYS` (a reorder point), up to the fills of the next
`COVER_DAYS`; the plant makes a lot of a GTIN for the distribution center when it cannot ship
today's cases and keep `DC_COVER_DAYS` of the pharmacies' known demand. Packs never run out and
are picked first-expiry-first-out; an expired pack is never dispensed (it stays on the shelf).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from enlace.modules import trace
from enlace.modules.catalog import Facility, facilities
from enlace.modules.trace import StockedPack
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.sim.actor import Day, World
from enlace.sim.supply_epcis import CASE_EXTENSION, PALLET_EXTENSION, pack_epc, sscc
from enlace.sim.supply_fills import MEDICINES, Fill, FillAgenda

SUPPLY_ACTORS = ("claims", "manufacturer", "distributor", "pharmacy")  # they share the plan
CASE_PACKS = 20  # packs per case (assumption, every medicine)
PALLET_CASES = 10  # cases per pallet (assumption)
REORDER_DAYS, COVER_DAYS, DC_COVER_DAYS = 7, 14, 28
EXPIRY_MONTHS = (18, 36)  # shelf life at manufacture


def distribution_center() -> Facility:
    return facilities(kind="distribution-center")[0]


def pharmacies() -> tuple[Facility, ...]:
    return facilities(kind="pharmacy")


def fefo(pack: StockedPack) -> tuple[str, str]:
    return (pack.expiry or "9999-12-31", pack.epc)


@dataclass(frozen=True, slots=True)
class Case:
    epc: str
    gtin: str
    packs: tuple[StockedPack, ...]

    @property
    def expiry(self) -> str:
        return fefo(self.packs[0])[0]  # a case holds one lot


@dataclass(frozen=True, slots=True)
class Lot:
    """A lot the plant makes today: its packs, in cases, on pallets."""

    gtin: str
    lot: str
    expiry: str
    pallets: tuple[tuple[str, tuple[Case, ...]], ...]  # (pallet SSCC, its cases)

    @property
    def cases(self) -> list[Case]:
        return [case for _, cases in self.pallets for case in cases]


@dataclass
class DayPlan:
    index: int
    on: date
    lots: list[Lot] = field(default_factory=list)
    shipments: dict[str, list[Case]] = field(default_factory=dict)  # pharmacy slug -> cases
    fills: list[tuple[Fill, list[StockedPack]]] = field(default_factory=list)


class SupplyChain:
    def __init__(self, world: World, first_day: int) -> None:
        self.world = world
        self.agenda = FillAgenda()
        self.shelves: dict[str, dict[str, list[StockedPack]]] = {
            p.slug: defaultdict(list) for p in pharmacies()
        }
        self.warehouse: dict[str, list[Case]] = defaultdict(list)  # GTIN -> cases, FEFO
        self.plans: dict[int, DayPlan] = {}
        self.first_day = first_day

    # -- the start of a run -------------------------------------------------------------------

    def load(self) -> None:
        """Stock from the trace record and the fills to come, as they stand at `first_day`."""
        self.agenda.replay(self.world, self.first_day)
        if self.first_day == 0:
            return  # nothing was made yet (and the trace store may hold other scenarios)
        dc = facility_location_id(distribution_center().slug)
        slug_of = {facility_location_id(p.slug): p.slug for p in pharmacies()}
        with self.world.services.db.read() as conn:
            stocked = trace.packs_at(conn, [dc, *slug_of])
        in_case: dict[str, list[StockedPack]] = defaultdict(list)
        for pack in stocked:
            if pack.location == dc and pack.parent is not None:
                in_case[pack.parent].append(pack)
            elif pack.location in slug_of:
                self.shelves[slug_of[pack.location]][pack.gtin].append(pack)
        for epc, packs in sorted(in_case.items()):
            self.warehouse[packs[0].gtin].append(Case(epc, packs[0].gtin, tuple(packs)))
        for shelf in self.shelves.values():
            for packs in shelf.values():
                packs.sort(key=fefo)
        for cases in self.warehouse.values():
            cases.sort(key=lambda c: (c.expiry, c.epc))

    # -- one day --------------------------------------------------------------------------------

    def plan(self, today: Day) -> DayPlan:
        """The day's plan, decided once (by whichever supply actor asks first, after care)."""
        found = self.plans.get(today.index)
        if found is not None:
            return found
        self.plans = {}  # only today's is ever asked for again
        self.agenda.add_written(self.world, today.index, today.written)
        plan = DayPlan(today.index, today.date)
        fills = self.agenda.due(today.index)
        orders = self._orders(today.index, today.date, fills)
        plan.lots = self._make(today.index, today.date, orders)
        plan.shipments = self._ship(orders, today.date)
        for slug, cases in sorted(plan.shipments.items()):
            self._receive(slug, cases)
        plan.fills = [(fill, self._pick(fill, today.date)) for fill in fills]
        self.plans[today.index] = plan
        return plan

    def usable(self, slug: str, gtin: str, on: date) -> int:
        return sum((p.expiry or "9999") >= on.isoformat() for p in self.shelves[slug][gtin])

    def _orders(self, day: int, on: date, fills: list[Fill]) -> dict[tuple[str, str], int]:
        """Cases each (pharmacy, GTIN) needs this morning."""
        need: Counter[tuple[str, str]] = Counter()
        for fill in fills:
            need[(fill.pharmacy, fill.gtin)] += fill.packs
        soon = self.agenda.demand(day + 1, day + 1 + REORDER_DAYS)
        cover = self.agenda.demand(day + 1, day + 1 + COVER_DAYS)
        orders: dict[tuple[str, str], int] = {}
        for key in sorted(set(need) | set(soon)):
            left = self.usable(*key, on) - need[key]
            if left < soon[key] or left < 0:
                orders[key] = math.ceil(
                    (need[key] + cover[key] - self.usable(*key, on)) / CASE_PACKS
                )
        return {k: v for k, v in orders.items() if v > 0}

    def _make(self, day: int, on: date, orders: dict[tuple[str, str], int]) -> list[Lot]:
        """Lots the plant makes today so the distribution center can ship and keep its cover."""
        wanted: Counter[str] = Counter()
        for (_, gtin), cases in orders.items():
            wanted[gtin] += cases
        ahead: Counter[str] = Counter()
        for (_, gtin), packs in self.agenda.demand(day + 1, day + 1 + DC_COVER_DAYS).items():
            ahead[gtin] += packs
        lots: list[Lot] = []
        numbers = {CASE_EXTENSION: 0, PALLET_EXTENSION: 0}
        for gtin in sorted(set(wanted) | set(ahead)):
            held = sum(c.expiry >= on.isoformat() for c in self.warehouse[gtin])
            cover = math.ceil(ahead[gtin] / CASE_PACKS)
            if held - wanted[gtin] >= max(cover // 2, 0) and held >= wanted[gtin]:
                continue  # enough until the reorder point (half the cover): no lot today
            lot = self._lot(day, on, gtin, wanted[gtin] + cover - held, numbers)
            lots.append(lot)
            self.warehouse[gtin].extend(lot.cases)
            self.warehouse[gtin].sort(key=lambda c: (c.expiry, c.epc))
        return lots

    def _lot(self, day: int, on: date, gtin: str, cases: int, numbers: dict[str, int]) -> Lot:
        rng = self.world.rng("manufacturer", gtin, day)
        expiry = (on + timedelta(days=round(30.44 * rng.randint(*EXPIRY_MONTHS)))).isoformat()
        lot = f"L{day:04d}{rng.randrange(100):02d}"
        made: list[Case] = []
        plant = facility_location_id("plant-enlace-synthetic")
        for c in range(cases):
            packs = tuple(
                StockedPack(pack_epc(gtin, serial), gtin, serial, lot, expiry, plant, None)
                for serial in (f"{day:04d}{c * CASE_PACKS + n:06d}" for n in range(CASE_PACKS))
            )
            numbers[CASE_EXTENSION] += 1
            made.append(Case(sscc(CASE_EXTENSION, day, numbers[CASE_EXTENSION]), gtin, packs))
        pallets = []
        for start in range(0, len(made), PALLET_CASES):
            numbers[PALLET_EXTENSION] += 1
            pallet = sscc(PALLET_EXTENSION, day, numbers[PALLET_EXTENSION])
            pallets.append((pallet, tuple(made[start : start + PALLET_CASES])))
        return Lot(gtin, lot, expiry, tuple(pallets))

    def _ship(self, orders: dict[tuple[str, str], int], on: date) -> dict[str, list[Case]]:
        """Cases picked first-expiry-first-out (never an expired one) for each order."""
        out: dict[str, list[Case]] = defaultdict(list)
        today = on.isoformat()
        for (slug, gtin), cases in sorted(orders.items()):
            stock = self.warehouse[gtin]
            picked = [c for c in stock if c.expiry >= today][:cases]
            taken = {c.epc for c in picked}
            stock[:] = [c for c in stock if c.epc not in taken]
            out[slug].extend(picked)
        return dict(out)

    def _receive(self, slug: str, cases: list[Case]) -> None:
        place = facility_location_id(slug)
        shelf = self.shelves[slug]
        for case in cases:
            shelf[case.gtin].extend(
                StockedPack(p.epc, p.gtin, p.serial, p.lot, p.expiry, place, case.epc)
                for p in case.packs
            )
        for gtin in {case.gtin for case in cases}:
            shelf[gtin].sort(key=fefo)

    def _pick(self, fill: Fill, on: date) -> list[StockedPack]:
        """The first packs to expire that have not expired (those stay first on the shelf)."""
        shelf = self.shelves[fill.pharmacy][fill.gtin]
        today = on.isoformat()
        first = next((i for i, p in enumerate(shelf) if (p.expiry or "9999") >= today), len(shelf))
        picked = shelf[first : first + fill.packs]
        del shelf[first : first + fill.packs]
        return picked


_CURRENT: list[tuple[tuple[int, int, int], SupplyChain]] = []


def shared(world: World, first_day: int, last_day: int) -> SupplyChain:
    """The run's chain, built (and loaded) once for the three supply actors of this run."""
    key = (id(world), first_day, last_day)
    if _CURRENT and _CURRENT[0][0] == key:
        return _CURRENT[0][1]
    chain = SupplyChain(world, first_day)
    chain.load()
    _CURRENT[:] = [(key, chain)]
    return chain


__all__ = ["MEDICINES", "SUPPLY_ACTORS", "Case", "DayPlan", "Lot", "SupplyChain", "shared"]
