"""Run-out alerts: a facility x product that will be empty before the facility's next delivery.

A facility is delivered every `every_days` days from `first_delivery` (supply_delivery_cycles);
without a row it is delivered weekly, on Mondays (DEFAULT_CYCLE). The alert fires when the days
of stock (on hand / daily consumption while in stock) are fewer than the days to the next
delivery, and says by how many units the shelf falls short until then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from enlace.modules.supply_kpis.kpis import PairKpis


@dataclass(frozen=True, slots=True)
class DeliveryCycle:
    every_days: int
    first_delivery: date

    def __post_init__(self) -> None:
        if not 1 <= self.every_days <= 366:
            raise ValueError("a delivery cycle is 1 to 366 days")

    def next_after(self, day: date) -> date:
        """The first delivery strictly after `day` (a delivery on `day` is already shelved)."""
        if day < self.first_delivery:
            return self.first_delivery
        done = (day - self.first_delivery).days // self.every_days + 1
        return self.first_delivery + timedelta(days=done * self.every_days)


DEFAULT_CYCLE = DeliveryCycle(7, date(2026, 1, 5))  # weekly, Mondays


@dataclass(frozen=True, slots=True)
class Alert:
    facility: str
    product: str
    on_hand: int
    daily_use: float
    days_of_stock: float
    next_delivery: date
    days_to_delivery: int
    shortfall: int


def days_to_delivery(
    day: date, facilities: list[str], cycles: dict[str, DeliveryCycle]
) -> tuple[NDArray[np.int64], list[date]]:
    """Per facility (in the given order): days from `day` to its next delivery, and the date."""
    nexts = [cycles.get(f, DEFAULT_CYCLE).next_after(day) for f in facilities]
    return np.array([(n - day).days for n in nexts], dtype=np.int64), nexts


def runout_mask(kpis: PairKpis, pair_days_to_delivery: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Pairs in stock, consuming, whose days of stock end before the next delivery. A pair
    already at zero is a stock-out, counted as such, not an alert."""
    known = ~np.isnan(kpis.days_of_stock)
    days = np.where(known, kpis.days_of_stock, np.inf)
    return known & ~kpis.stocked_out & (days < pair_days_to_delivery)


def shortfall(on_hand: int, daily_use: float, days: int) -> int:
    """Units missing to cover `days` days of consumption."""
    return max(0, math.ceil(round(daily_use * days - on_hand, 9)))
