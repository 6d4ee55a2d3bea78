"""The daily snapshot: the day's KPIs per facility x product, their rollups and the run-out
alerts, computed column-wise and written in bulk, replacing the day's rows (idempotent per day).

The input (`Ledger`) is one column per measure, one entry per facility x product expected to
stock it; `ledger_source.py` fills it from the stock ledger's public API, the benchmark from a
synthetic network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from enlace.modules.supply_kpis.kpis import WITHIN, PairKpis, Plan, pair_kpis
from enlace.modules.supply_kpis.runout import (
    Alert,
    DeliveryCycle,
    days_to_delivery,
    runout_mask,
    shortfall,
)
from enlace.modules.supply_kpis.tables import ALL

Progress = Callable[[int], None]  # units of work done since the last call


@dataclass(frozen=True, slots=True)
class Ledger:
    """Facility x product columns for one day. `facility` and `product` index the name lists;
    `state` and `institution` give each facility's (aligned with `facilities`)."""

    day: date
    facilities: list[str]
    products: list[str]
    state: list[str]
    institution: list[str]
    facility: NDArray[np.int64]
    product: NDArray[np.int64]
    on_hand: NDArray[np.int64]
    issued: NDArray[np.int64]  # units issued in the AMC window
    days_out: NDArray[np.int64]  # days out of stock in the AMC window
    reported: NDArray[np.bool_]  # the pair moved in the reporting period

    @property
    def size(self) -> int:
        return int(self.facility.shape[0])


@dataclass(frozen=True, slots=True)
class Rollup:
    level: str
    scope: str
    product: str
    pairs: int
    stocked_out: int
    assessed: int
    within_plan: int
    facilities: int
    reported: int
    days_out: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    ledger: Ledger
    kpis: PairKpis
    rollups: list[Rollup]
    alerts: list[Alert] = field(default_factory=list)


def compute(ledger: Ledger, plan: Plan, cycles: dict[str, DeliveryCycle]) -> Snapshot:
    kpis = pair_kpis(ledger.on_hand, ledger.issued, ledger.days_out, plan)
    return Snapshot(ledger, kpis, rollups(ledger, kpis), alerts(ledger, kpis, cycles))


def alerts(ledger: Ledger, kpis: PairKpis, cycles: dict[str, DeliveryCycle]) -> list[Alert]:
    per_facility, nexts = days_to_delivery(ledger.day, ledger.facilities, cycles)
    mask = runout_mask(kpis, per_facility[ledger.facility])
    found = []
    for i in np.flatnonzero(mask).tolist():
        f = int(ledger.facility[i])
        on_hand, daily = int(ledger.on_hand[i]), float(kpis.daily_use[i])
        days = int(per_facility[f])
        found.append(
            Alert(
                ledger.facilities[f],
                ledger.products[int(ledger.product[i])],
                on_hand,
                daily,
                float(kpis.days_of_stock[i]),
                nexts[f],
                days,
                shortfall(on_hand, daily, days),
            )
        )
    return found


def rollups(ledger: Ledger, kpis: PairKpis) -> list[Rollup]:
    """Counts per facility (all products), and per institution, state and network, each per
    product and over all products."""
    states = sorted(set(ledger.state))
    institutions = sorted(set(ledger.institution))
    measures = _Measures(ledger, kpis)
    found = measures.by(
        np.arange(len(ledger.facilities), dtype=np.int64), ledger.facilities, "facility", False
    )
    found += measures.by(_codes(ledger.institution, institutions), institutions, "institution")
    found += measures.by(_codes(ledger.state, states), states, "state")
    found += measures.by(np.zeros(len(ledger.facilities), dtype=np.int64), [ALL], "network")
    return found


def _codes(values: list[str], names: list[str]) -> NDArray[np.int64]:
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64)


class _Measures:
    """Sums the pair columns over a grouping of the facilities (numpy bincount). A facility
    has at most one row per product, so per product the facilities are the pairs; over all
    products each facility with a pair counts once."""

    def __init__(self, ledger: Ledger, kpis: PairKpis):
        self.ledger = ledger
        self.columns = {
            "pairs": np.ones(ledger.size),
            "stocked_out": kpis.stocked_out.astype(np.float64),
            "assessed": (~np.isnan(kpis.months_of_stock)).astype(np.float64),
            "within_plan": (kpis.plan == WITHIN).astype(np.float64),
            "days_out": ledger.days_out.astype(np.float64),
        }
        count = len(ledger.facilities)
        self.has_pairs = np.bincount(ledger.facility, minlength=count) > 0
        reported = np.bincount(ledger.facility, weights=ledger.reported, minlength=count) > 0
        self.facility_reported = reported.astype(np.float64)

    def by(
        self,
        facility_group: NDArray[np.int64],
        names: list[str],
        level: str,
        per_product: bool = True,
    ) -> list[Rollup]:
        size = len(names)
        pair_group = facility_group[self.ledger.facility]
        facilities = np.bincount(facility_group, weights=self.has_pairs, minlength=size)
        reported = np.bincount(facility_group, weights=self.facility_reported, minlength=size)
        found = self._sum(pair_group, size, names, level, facilities, reported, None)
        if per_product:
            products = len(self.ledger.products)
            key = pair_group * products + self.ledger.product
            weights = self.facility_reported[self.ledger.facility]
            by_product = np.bincount(key, weights=weights, minlength=size * products)
            found += self._sum(key, size * products, names, level, None, by_product, products)
        return found

    def _sum(
        self,
        key: NDArray[np.int64],
        size: int,
        names: list[str],
        level: str,
        facilities: NDArray[Any] | None,
        reported: NDArray[Any],
        products: int | None,
    ) -> list[Rollup]:
        sums = {n: np.bincount(key, weights=c, minlength=size) for n, c in self.columns.items()}
        # Per product, a facility has one pair: its facilities are its pairs.
        counted = sums["pairs"] if facilities is None else facilities
        found = []
        for k in np.flatnonzero(sums["pairs"]).tolist():
            scope, item = (k, -1) if products is None else divmod(k, products)
            name = ALL if products is None else self.ledger.products[item]
            found.append(
                Rollup(
                    level=level,
                    scope=names[scope],
                    product=name,
                    pairs=int(sums["pairs"][k]),
                    stocked_out=int(sums["stocked_out"][k]),
                    assessed=int(sums["assessed"][k]),
                    within_plan=int(sums["within_plan"][k]),
                    facilities=int(counted[k]),
                    reported=int(reported[k]),
                    days_out=int(sums["days_out"][k]),
                )
            )
        return found
