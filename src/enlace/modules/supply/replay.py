"""Month-by-month lost-sales replay of real consumption under a replenishment policy (issue 12
part 5), vectorized over every site x product series at once.

The model (docs/supply.md, "Replenishment and replay"), per series and replayed month t:
1. lots whose shelf life ran out are written off (expiries);
2. the month's demand D_t is served first-expiry-first-out from what is on hand; what cannot be
   served is lost (lost sales, no backorders), and the month's stock-out days are the share of
   the month left uncovered, 30 x (1 - served / D_t), demand spread evenly over the month;
3. at the end of the month the policy reviews the position (on hand + on order) using only the
   demand of months <= t, and orders up to its level when the position is at or below its
   reorder point; the order arrives `lead_months` reviews later (0: before next month's demand).

Series are compressed: a series' reported months are replayed in order, and a month missing from
the report is skipped rather than invented (the data set has gaps; see docs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
DAYS_PER_MONTH = 30


@dataclass(frozen=True, slots=True)
class Panel:
    """Demand of S series over up to T reported months; row s holds series s's months in order,
    NaN past its end. `initial` is each series' stock on hand before its first replayed month."""

    keys: tuple[tuple[str, str], ...]  # (site, product) per row
    demand: Floats  # S x T, censoring-corrected demand per reported month
    initial: Floats  # S, on hand at the start of the replay
    shelf_life: NDArray[np.int64]  # S, months a received lot stays usable


@dataclass(frozen=True, slots=True)
class Levels:
    """A policy's answer at one review: reorder when position <= reorder_point, up to order_up_to."""

    reorder_point: Floats
    order_up_to: Floats


# history (S x t demand of months already seen, NaN-padded) -> levels for the next order
Policy = Callable[[Floats], Levels]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the replay measured, summed over the replayed months of every series."""

    demand: float
    served: float
    lost: float
    expired: float
    months: int  # replayed series-months
    stockout_days: float
    stock_units: float  # sum over series-months of end-of-month stock on hand
    ordered: float

    @property
    def fill_rate(self) -> float:
        """Volume fill rate: units served / units demanded."""
        return self.served / self.demand if self.demand else 1.0

    @property
    def months_of_stock(self) -> float:
        """Average months of stock of the network: mean stock on hand / mean monthly demand."""
        return self.stock_units / self.demand if self.demand else 0.0

    @property
    def stockout_days_per_month(self) -> float:
        return self.stockout_days / self.months if self.months else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "fill_rate": round(self.fill_rate, 4),
            "months_of_stock": round(self.months_of_stock, 3),
            "stockout_days_per_month": round(self.stockout_days_per_month, 3),
            "lost_units": round(self.lost),
            "expired_units": round(self.expired),
            "ordered_units": round(self.ordered),
            "demand_units": round(self.demand),
            "series_months": self.months,
        }


class _Stock:
    """On-hand stock of every series in age buckets: column a holds units with a months of
    shelf life left, so first-expiry-first-out is 'serve from the lowest column first'."""

    def __init__(self, initial: Floats, shelf_life: NDArray[np.int64]) -> None:
        self.life = shelf_life
        self.buckets = np.zeros((initial.size, int(shelf_life.max()) + 1))
        self.receive(initial)

    def on_hand(self) -> Floats:
        return self.buckets.sum(axis=1)

    def receive(self, units: Floats) -> None:
        self.buckets[np.arange(units.size), self.life] += units

    def age(self) -> Floats:
        """A month passes: what had no shelf life left expires, the rest moves one column down."""
        expired = self.buckets[:, 0].copy()
        self.buckets[:, :-1] = self.buckets[:, 1:]
        self.buckets[:, -1] = 0.0
        return expired

    def serve(self, wanted: Floats) -> Floats:
        remaining = wanted.copy()
        for column in range(self.buckets.shape[1]):
            take = np.minimum(self.buckets[:, column], remaining)
            self.buckets[:, column] -= take
            remaining -= take
        return wanted - remaining


def replay(panel: Panel, policy: Policy, warmup: int, lead_months: int = 0) -> Outcome:
    """Replay months warmup.. of every series under `policy` (which sees months < t only)."""
    demand = panel.demand
    count, horizon = demand.shape
    stock = _Stock(panel.initial.astype(np.float64), panel.shelf_life)
    pipeline = np.zeros((count, lead_months + 1))
    totals = dict.fromkeys(("demand", "served", "expired", "days", "stock", "ordered"), 0.0)
    months = 0
    for t in range(warmup, horizon):
        active = ~np.isnan(demand[:, t])
        if not active.any():
            break
        totals["expired"] += float(stock.age()[active].sum())
        stock.receive(np.where(active, pipeline[:, 0], 0.0))
        pipeline[:, :-1] = pipeline[:, 1:]
        pipeline[:, -1] = 0.0
        wanted = np.where(active, demand[:, t], 0.0)
        served = stock.serve(wanted)
        totals["demand"] += float(wanted.sum())
        totals["served"] += float(served.sum())
        totals["days"] += float(_stockout_days(wanted, served)[active].sum())
        on_hand = stock.on_hand()
        totals["stock"] += float(on_hand[active].sum())
        months += int(active.sum())
        order = _order(policy(demand[:, : t + 1]), on_hand + pipeline.sum(axis=1))
        order = np.where(active, order, 0.0)
        pipeline[:, lead_months] += order
        totals["ordered"] += float(order.sum())
    return Outcome(
        demand=totals["demand"],
        served=totals["served"],
        lost=totals["demand"] - totals["served"],
        expired=totals["expired"],
        months=months,
        stockout_days=totals["days"],
        stock_units=totals["stock"],
        ordered=totals["ordered"],
    )


def _order(levels: Levels, position: Floats) -> Floats:
    due = position <= levels.reorder_point
    wanted = np.where(due, levels.order_up_to - position, 0.0)
    return np.ceil(np.maximum(np.nan_to_num(wanted), 0.0))


def _stockout_days(wanted: Floats, served: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        short = np.where(wanted > 0, 1.0 - served / wanted, 0.0)
    return DAYS_PER_MONTH * short
