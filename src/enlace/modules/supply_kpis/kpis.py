"""Stock-out KPIs (issue 8 part 6) as pure functions over columns, one entry per facility x
product, so that 5 M pairs cost a few numpy passes rather than 5 M Python calls.

Definitions (docs/supply_kpis.md, sources there):
- stocked out on day D: units on hand at the end of D = 0 (USAID|DELIVER "stock-out on the day
  of visit", per product, never averaged across products);
- stock-out rate: pairs (or facilities) at zero / pairs (facilities) expected to stock it;
- average monthly consumption (AMC): OpenLMIS adjusted consumption over the last M months,
  N = ceil(C x 30M / (30M - X)) with X days out of stock, AMC = N / M; unknown when every day of
  the window was a stock-out day (there was nothing to consume);
- months of stock (MOS) = stock on hand / AMC, unknown when AMC is 0 or unknown;
- stocked according to plan: min <= MOS <= max (e.g. 1 and 3 months), -1 under, +1 over;
- days of stock = on hand / daily consumption (C per day in stock), for the run-out alerts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DAYS_PER_MONTH = 30  # OpenLMIS counts a month as 30 days

UNDER, WITHIN, OVER, UNKNOWN = -1, 0, 1, 9  # plan status codes (UNKNOWN: no AMC to judge by)


@dataclass(frozen=True, slots=True)
class Plan:
    """The stocking plan the KPIs judge against (settings, docs/supply_kpis.md)."""

    min_months: float = 1.0
    max_months: float = 3.0
    amc_months: int = 3  # the AMC window, in months of 30 days
    reporting_days: int = 30  # the reporting period ending on the snapshot day

    def __post_init__(self) -> None:
        if not 0 <= self.min_months <= self.max_months:
            raise ValueError("the plan needs 0 <= min_months <= max_months")
        if not 1 <= self.amc_months <= 12 or not 1 <= self.reporting_days <= 366:
            raise ValueError("amc_months is 1 to 12 and reporting_days 1 to 366")

    @property
    def window_days(self) -> int:
        return self.amc_months * DAYS_PER_MONTH


Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PairKpis:
    """The day's KPIs of each facility x product, aligned with the input columns."""

    stocked_out: NDArray[np.bool_]
    amc: Floats  # NaN: unknown
    months_of_stock: Floats  # NaN: unknown
    plan: NDArray[np.int8]  # UNDER / WITHIN / OVER / UNKNOWN
    daily_use: Floats  # units a day while in stock; NaN unknown
    days_of_stock: Floats  # NaN: unknown (no consumption)


def adjusted_consumption(issued: Ints, days_out: Ints, window_days: int) -> Floats:
    """OpenLMIS N = ceil(C x D / (D - X)) over a window of D days; NaN when X = D."""
    issued = np.asarray(issued, dtype=np.float64)
    stocked = window_days - np.asarray(days_out, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(stocked > 0, issued * window_days / np.maximum(stocked, 1), np.nan)
    # Round before the ceiling so that 3 x 90 / 90 = 3.0000000000000004 stays 3.
    return np.ceil(np.round(scaled, 9))


def pair_kpis(on_hand: Ints, issued: Ints, days_out: Ints, plan: Plan) -> PairKpis:
    on_hand_f = np.asarray(on_hand, dtype=np.float64)
    days = plan.window_days
    amc = adjusted_consumption(issued, days_out, days) / plan.amc_months
    stocked_days = days - np.asarray(days_out, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mos = np.where(amc > 0, on_hand_f / amc, np.nan)
        daily = np.where(stocked_days > 0, np.asarray(issued) / np.maximum(stocked_days, 1), np.nan)
        days_of_stock = np.where(daily > 0, on_hand_f / daily, np.nan)
    return PairKpis(
        stocked_out=np.asarray(on_hand) == 0,
        amc=amc,
        months_of_stock=mos,
        plan=plan_status(mos, plan),
        daily_use=daily,
        days_of_stock=days_of_stock,
    )


def plan_status(months_of_stock: Floats, plan: Plan) -> NDArray[np.int8]:
    status = np.full(months_of_stock.shape, UNKNOWN, dtype=np.int8)
    known = ~np.isnan(months_of_stock)
    status[known & (months_of_stock < plan.min_months)] = UNDER
    status[known & (months_of_stock > plan.max_months)] = OVER
    within = known & (months_of_stock >= plan.min_months) & (months_of_stock <= plan.max_months)
    status[within] = WITHIN
    return status


def rate(numerator: int, denominator: int) -> float | None:
    """A share in 0..1, None when nothing was expected (an empty denominator is no 0 %)."""
    return numerator / denominator if denominator else None


def group_counts(groups: Ints, flags: NDArray[np.bool_], size: int) -> tuple[Ints, Ints]:
    """(members, flagged) per group index 0..size-1."""
    members = np.bincount(groups, minlength=size).astype(np.int64)
    flagged = np.bincount(groups, weights=flags.astype(np.float64), minlength=size)
    return members, flagged.astype(np.int64)
