"""The policies the replay compares and the panel it replays (issue 12 part 5).

- `max_min(k)`: today's practice, max = k x AMC (AMC = mean of the last 3 months' demand),
  reorder when the position falls to min = `min_months` x AMC, up to max.
- `enlace(target)`: order-up-to from a forecast of the demand distribution (policy.py), review
  every month, the z of each series set so its expected fill rate reaches `target`, capped by
  what can be used before expiry. The forecast only sees the months before the review.
- `enlace_cycle(level)`: the same order-up-to with ONE cycle service level (critical fractile)
  for every series, z = Phi^-1(level). The replay's figures are network aggregates (units
  served / demanded, mean stock / mean demand); maximizing sum served - lambda x sum stock gives
  P(D <= S) = 1 / (1 + lambda) for every series: an equal fractile, not an equal fill rate
  (which buys the last points of erratic low-volume series dearly). docs/supply.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from enlace.modules.supply import policy
from enlace.modules.supply.lmis import LmisRow
from enlace.modules.supply.replay import Floats, Levels, Panel, Policy

AMC_MONTHS = 3
# history (S x t) -> (mean, sigma) of next month's demand per series
Forecaster = Callable[[Floats], tuple[Floats, Floats]]


def adjusted_demand(distributed: int, stockout_days: int) -> float:
    """OpenLMIS N = ceil(C x 30 / (30 - X)); NaN when the whole month was out (X >= 30)."""
    if stockout_days >= 30:
        return math.nan
    return float(math.ceil(round(distributed * 30 / (30 - max(stockout_days, 0)), 9)))


def panel_from_rows(
    rows: Iterable[LmisRow], shelf_life_months: int = 24, warmup: int = AMC_MONTHS
) -> Panel:
    """One row per site x product, its reported months in order (gaps skipped), the demand
    corrected for stock-out days; a month out of stock all month takes the mean of the 3 before.
    The initial stock is the reported stock at the start of the first replayed month (the one
    after the `warmup` months)."""
    by_series: dict[tuple[str, str], list[LmisRow]] = {}
    for row in rows:
        by_series.setdefault(row.series, []).append(row)
    keys = tuple(sorted(by_series))
    width = max((len(v) for v in by_series.values()), default=0)
    demand = np.full((len(keys), width), np.nan)
    initial = np.zeros(len(keys))
    for index, key in enumerate(keys):
        months = sorted(by_series[key], key=lambda r: r.period)
        values = [adjusted_demand(r.stock_distributed, r.stock_stockout_days) for r in months]
        demand[index, : len(values)] = _impute_whole_month_outs(values)
        initial[index] = months[min(warmup, len(months) - 1)].stock_initial
    life = np.full(len(keys), shelf_life_months, dtype=np.int64)
    return Panel(keys=keys, demand=demand, initial=initial, shelf_life=life)


def _impute_whole_month_outs(values: list[float]) -> list[float]:
    filled: list[float] = []
    for value in values:
        recent = [v for v in filled[-AMC_MONTHS:] if not math.isnan(v)]
        filled.append(
            value if not math.isnan(value) else (sum(recent) / len(recent) if recent else 0.0)
        )
    return filled


def _last(history: Floats, months: int) -> Floats:
    """The last `months` reported months of each series (NaN-padded rows end in NaN)."""
    return history[:, -months:] if history.shape[1] >= months else history


def amc(history: Floats, months: int = AMC_MONTHS) -> Floats:
    window = _last(history, months)
    counts = np.sum(~np.isnan(window), axis=1)
    return np.where(counts > 0, np.nansum(window, axis=1) / np.maximum(counts, 1), 0.0)


def max_min(k: float, min_months: float = 1.0) -> Policy:
    def levels(history: Floats) -> Levels:
        average = amc(history)
        return Levels(reorder_point=min_months * average, order_up_to=k * average)

    return levels


def moving_forecaster(mean_months: int = 6, spread_months: int = 24) -> Forecaster:
    """Mean: the larger of the last `mean_months` and the last 3 months' means (a rise shows
    at once, a fall is trusted more slowly: missing a rise costs lost treatment, a slow fall
    costs a month of stock). Spread: the standard deviation of the last `spread_months`, at
    least the Poisson sqrt(mean) (a series too short to show its variance still gets a buffer).
    The stand-in until a series' own forecast distribution is wired in (supply.forecast)."""

    def forecast(history: Floats) -> tuple[Floats, Floats]:
        mean = np.maximum(amc(history, mean_months), amc(history, AMC_MONTHS))
        window = _last(history, spread_months)
        counts = np.sum(~np.isnan(window), axis=1)
        centred = np.where(np.isnan(window), 0.0, window - amc(history, spread_months)[:, None])
        variance = np.sum(centred**2, axis=1) / np.maximum(counts - 1, 1)
        return mean, np.maximum(np.sqrt(variance), np.sqrt(mean))

    return forecast


def enlace(
    target: float,
    forecaster: Forecaster | None = None,
    review: float = 1.0,
    lead: float = 0.0,
    usable_months: float = 24.0,
) -> Policy:
    policy.check_route(review, lead)
    predict = forecaster or moving_forecaster()

    def levels(history: Floats) -> Levels:
        mean, sigma = predict(history)
        z = policy.z_for_fill_rates(target, mean, sigma, review, lead)
        level = policy.order_up_to(mean, sigma, review, lead, z)
        level = np.minimum(level, policy.expiry_cap(mean, np.full(mean.shape, usable_months)))
        return Levels(reorder_point=level, order_up_to=level)

    return levels


def enlace_cycle(
    level: float,
    forecaster: Forecaster | None = None,
    review: float = 1.0,
    lead: float = 0.0,
    usable_months: float = 24.0,
) -> Policy:
    """Order up to mu (R + L) + z sigma sqrt(R + L), z = Phi^-1(level) for every series, capped
    by the shelf life."""
    policy.check_route(review, lead)
    z = policy.z_for_cycle_service(level)
    predict = forecaster or moving_forecaster()

    def levels(history: Floats) -> Levels:
        mean, sigma = predict(history)
        cover_to = policy.order_up_to(mean, sigma, review, lead, np.full(mean.shape, z))
        cover_to = np.minimum(cover_to, policy.expiry_cap(mean, np.full(mean.shape, usable_months)))
        return Levels(reorder_point=cover_to, order_up_to=cover_to)

    return levels
