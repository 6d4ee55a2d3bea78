"""Forecast accuracy: MASE and bias, aggregated exactly as stated here (docs/supply.md).

- Scale of a series: the in-sample MAE of the one-month naive forecast over its TRAINING months,
  mean |y_t - y_(t-1)| over consecutive months that were both reported (a missing month breaks
  the pair; it is not read as zero). Hyndman & Koehler (2006); the USAID contraceptive
  forecasting competition's metric.
- MASE of a series: mean over its holdout months of |forecast - actual| / scale.
- MASE of a method: the plain mean of the per-series MASEs over the series that have a holdout
  actual and a scale > 0 (a series whose training history is constant, scale 0, has no MASE
  and is counted apart as `unscaled`). Every method is scored on the same series.
- Bias of a product: (sum of forecasts - sum of actuals) / sum of actuals over its scored series
  and months; > 0 = over-forecast. None when the product sold nothing in the holdout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def naive_scale(history: np.ndarray) -> float:
    """Mean absolute one-month change over consecutive reported months (NaN: not reported);
    NaN when the history has no such pair."""
    values = np.asarray(history, dtype=float)
    changes = np.abs(np.diff(values))
    changes = changes[~np.isnan(changes)]
    return float(changes.mean()) if changes.size else float("nan")


def scales(wide: np.ndarray) -> np.ndarray:
    """`naive_scale` of every row of a (series x month) matrix."""
    changes = np.abs(np.diff(wide, axis=1))
    counts = np.sum(~np.isnan(changes), axis=1)
    totals = np.nansum(changes, axis=1)
    return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def series_mase(scored: pd.DataFrame, column: str) -> pd.Series:
    """Per series (`unique_id`): mean |column - y| / scale over its rows with scale > 0."""
    usable = scored[scored["scale"] > 0]
    ratio = (usable[column] - usable["y"]).abs() / usable["scale"]
    return ratio.groupby(usable["unique_id"]).mean()


@dataclass(frozen=True, slots=True)
class Score:
    method: str
    mase: float
    series: int  # series scored
    unscaled: int  # series with a holdout actual but a constant training history


def score(scored: pd.DataFrame, methods: list[str]) -> list[Score]:
    """MASE per method over the same series (`scored`: unique_id, y, scale, one column per
    method)."""
    unscaled = int(scored.loc[~(scored["scale"] > 0), "unique_id"].nunique())
    out = []
    for method in methods:
        per_series = series_mase(scored, method)
        out.append(Score(method, float(per_series.mean()), int(per_series.size), unscaled))
    return out


def bias_by_product(scored: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Rows: product; columns: methods; relative bias (sum forecast - sum actual) / sum actual."""
    usable = scored[scored["scale"] > 0]
    sums = usable.groupby("product_code")[["y", *methods]].sum()
    actual = sums["y"].where(sums["y"] > 0)
    return sums[methods].sub(sums["y"], axis=0).div(actual, axis=0)
