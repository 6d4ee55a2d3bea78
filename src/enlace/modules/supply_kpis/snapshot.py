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
    state_of = _codes(ledger.state, states)
    institution_of = _codes(ledger.institution, institutions)
    facility_reported = np.zeros(len(ledger.facilities), dtype=bool)
    np.logical_or.at(facility_reported, ledger.facility, ledger.reported)
    measures = _Measures(ledger, kpis, facility_reported)
    found = measures.by(ledger.facility, ledger.facilities, "facility", per_product=False)
    found += measures.by(institution_of[ledger.facility], institutions, "institution")
    found += measures.by(state_of[ledger.facility], states, "state")
    found += measures.by(np.zeros(ledger.size, dtype=np.int64), [ALL], "network")
    return found


def _codes(values: list[str], names: list[str]) -> NDArray[np.int64]:
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64)


class _Measures:
    """Sums the pair columns over any grouping of the pairs (numpy bincount)."""

    def __init__(self, ledger: Ledger, kpis: PairKpis, facility_reported: NDArray[np.bool_]):
        self.ledger = ledger
        self.columns = {
            "pairs": np.ones(ledger.size),
            "stocked_out": kpis.stocked_out.astype(np.float64),
            "assessed": (~np.isnan(kpis.months_of_stock)).astype(np.float64),
            "within_plan": (kpis.plan == WITHIN).astype(np.float64),
            "days_out": ledger.days_out.astype(np.float64),
        }
        self.facility_reported = facility_reported

    def by(
        self, group: NDArray[np.int64], names: list[str], level: str, per_product: bool = True
    ) -> list[Rollup]:
        found = self._sum(group, len(names), names, level, ALL, None)
        if per_product:
            key = group * len(self.ledger.products) + self.ledger.product
            size = len(names) * len(self.ledger.products)
            found += self._sum(key, size, names, level, None, len(self.ledger.products))
        return found

    def _sum(
        self,
        key: NDArray[np.int64],
        size: int,
        names: list[str],
        level: str,
        product: str | None,
        products: int | None,
    ) -> list[Rollup]:
        sums = {n: np.bincount(key, weights=c, minlength=size) for n, c in self.columns.items()}
        # Facilities (and those that reported) per group: count each facility once per key.
        facility_key = np.unique(key * len(self.ledger.facilities) + self.ledger.facility)
        keys_of, facilities_of = np.divmod(facility_key, len(self.ledger.facilities))
        facilities = np.bincount(keys_of, minlength=size)
        reported = np.bincount(
            keys_of, weights=self.facility_reported[facilities_of], minlength=size
        )
        found = []
        for k in np.flatnonzero(sums["pairs"]).tolist():
            scope, item = (k, -1) if products is None else divmod(k, products)
            name = product if product is not None else self.ledger.products[item]
            found.append(
                Rollup(
                    level=level,
                    scope=names[scope],
                    product=name,
                    pairs=int(sums["pairs"][k]),
                    stocked_out=int(sums["stocked_out"][k]),
                    assessed=int(sums["assessed"][k]),
                    within_plan=int(sums["within_plan"][k]),
                    facilities=int(facilities[k]),
                    reported=int(reported[k]),
                    days_out=int(sums["days_out"][k]),
                )
            )
        return found
