"""Monthly demand forecasts per series (facility x product) with quantiles for order-up-to levels.

Public API (docs/supply.md, "Demand and forecasting"):

`forecast(panel, horizon, levels=(0.5, 0.9, 0.95), method="ensemble", n_jobs=1) -> DataFrame`
- `panel`: long frame with columns `unique_id` (str, e.g. "C4001|AS27134"), `ds` (the first day
  of the month, datetime64) and `y` (units that month; NaN = not reported: a missing month stays
  missing, it is never read as zero). Other columns are ignored. Each series is forecast from its
  own last month (`panel_end` if given: the forecast origin for all series, so that a series
  whose last report is older is forecast from the same month as the rest).
- `horizon`: months ahead (>= 1); `levels`: quantile probabilities in (0, 1).
- returns one row per series and step: `unique_id`, `ds` (the forecast month), `step` (1 =
  the first month after the origin), `mean` (the point forecast, units, >= 0), and one column
  per level named `q<percent>` (`q50`, `q90`, `q95`, `q97.5`): the demand of THAT month not
  exceeded with that probability. For a quantity over R + L months sum the means and use
  `sigma_monthly` (the per-series standard deviation of the monthly error, also returned).
- optional column `stock_end` (units on hand at the end of the month): a month that issued
  nothing AND ended with nothing on hand is censored (no stock to issue: demand unknown, not
  zero) and is treated as missing by every model (unless `correct_censoring=False`: the raw
  issued quantities, as today's practice reads them); the "stock_aware" method reads it too.
- `method`: a single model of `models.SINGLE`; "ensemble" (the median of `ENSEMBLE`: a DEMAND
  forecast, what to stock for; the default, for order-up-to levels); or "stock_aware": a
  forecast of what will be ISSUED (the LMIS's stock_distributed): `MedianMix` of the stocked
  months (mean of the medians of the last 3, 6 and 12), and 0 for a series whose last report ended with no stock (73 % of such series issued
  nothing the next month on the 2019 validation window). It wins the backtest on issued
  quantities (docs/supply.md) but must not drive replenishment: it would never reorder for a
  facility that is out of stock.

How the quantiles are made: from the series' own one-step errors of the 3-month mean over its
history (mean + empirical error quantile, floored at 0), or, with fewer than `MIN_ERRORS` errors,
from a Poisson distribution with the forecast mean. Missing months are filled, for the models
only, with the mean of the 3 observed months before them; months before a series' first report
are not part of it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from enlace.modules.supply import models

ENSEMBLE = ("IMAPA", "ADIDA", "SES", "AMC", "Median6")
MIN_ERRORS = 6
METHODS = (*models.SINGLE, "ensemble", "stock_aware")


def forecast(
    panel: pd.DataFrame,
    horizon: int,
    levels: Sequence[float] = (0.5, 0.9, 0.95),
    method: str = "ensemble",
    n_jobs: int = 1,
    panel_end: pd.Timestamp | None = None,
    correct_censoring: bool = True,
) -> pd.DataFrame:
    """Point forecasts and quantiles per series and month ahead (see the module docstring)."""
    check_arguments(horizon, levels, method)
    grid = Grid.of(panel, panel_end, correct_censoring)
    means = point_forecasts(grid, horizon, method, n_jobs)
    errors = np.sort(one_step_errors(grid), axis=1)  # NaN last
    frame = _long_frame(grid, horizon, means)
    frame["sigma_monthly"] = np.repeat(error_sigma(errors), horizon)
    for level in levels:
        frame[quantile_column(level)] = np.repeat(
            quantiles(errors, means.mean(axis=1), level), horizon
        )
    return frame


def check_arguments(horizon: int, levels: Sequence[float], method: str) -> None:
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 month, not {horizon}")
    if any(not 0 < level < 1 for level in levels):
        raise ValueError(f"quantile levels must be in (0, 1): {list(levels)}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")


def quantile_column(level: float) -> str:
    return f"q{round(level * 100, 1):g}"


class Grid:
    """The panel as a dense matrix: one row per series, one column per month up to the origin."""

    def __init__(
        self,
        ids: np.ndarray,
        months: pd.DatetimeIndex,
        values: np.ndarray,
        stock_end: np.ndarray | None = None,
        censoring: bool = True,
    ) -> None:
        self.ids = ids
        self.months = months
        self.reported = values  # NaN = not reported (or before the series began)
        self.stock_end = stock_end
        censored = (values == 0) & (stock_end == 0) if stock_end is not None else False
        censored = censored if censoring else False
        self.values = np.where(censored, np.nan, values)  # what the models see
        self.observed = ~np.isnan(self.values)

    def ended_empty(self) -> np.ndarray:
        """Per series: its last report ended with no stock on hand (False without stock_end)."""
        if self.stock_end is None:
            return np.zeros(len(self.ids), dtype=bool)
        reported = ~np.isnan(self.reported)
        last = self.reported.shape[1] - 1 - np.argmax(reported[:, ::-1], axis=1)
        return np.asarray(self.stock_end[np.arange(len(self.ids)), last] == 0)

    @classmethod
    def of(
        cls, panel: pd.DataFrame, panel_end: pd.Timestamp | None = None, censoring: bool = True
    ) -> Grid:
        missing = {"unique_id", "ds", "y"} - set(panel.columns)
        if missing:
            raise ValueError(f"panel lacks column(s) {', '.join(sorted(missing))}")
        end = pd.Timestamp(panel_end) if panel_end is not None else panel["ds"].max()
        data = panel[panel["ds"] <= end]
        if data.empty:
            raise ValueError("panel has no month up to the forecast origin")
        first = pd.Timestamp(data["ds"].min()).to_period("M").to_timestamp()
        months = pd.date_range(first, end.to_period("M").to_timestamp(), freq="MS")
        codes, ids = pd.factorize(data["unique_id"].astype(str), sort=True)
        ds = pd.DatetimeIndex(data["ds"])
        column = (ds.year - months[0].year) * 12 + ds.month - months[0].month
        values = _wide(codes, column, data["y"], (len(ids), len(months)))
        stock = None
        if "stock_end" in data.columns:
            stock = _wide(codes, column, data["stock_end"], values.shape)
        ids = np.asarray(ids, dtype=str)
        return cls(ids, months, values, stock, censoring)

    def filled(self) -> np.ndarray:
        """Missing months (after a series' first report) filled with the mean of the 3 observed
        months before them; months before the first report stay NaN."""
        out = self.values.copy()
        started = np.cumsum(self.observed, axis=1) > 0
        recent = np.full((len(out), 3), np.nan)
        for month in range(out.shape[1]):
            column = out[:, month]
            gap = np.isnan(column) & started[:, month]
            if gap.any():
                with warnings.catch_warnings():  # no observed month yet: filled with 0
                    warnings.simplefilter("ignore", category=RuntimeWarning)
                    fill = np.nanmean(recent, axis=1)
                column[gap] = np.nan_to_num(fill, nan=0.0)[gap]
            seen = self.observed[:, month]
            recent[seen] = np.column_stack([recent[seen, 1:], column[seen]])
        return out


def _wide(
    codes: np.ndarray, column: np.ndarray, values: pd.Series, shape: tuple[int, int]
) -> np.ndarray:
    """(series x month) matrix, NaN where no row; a repeated month keeps its first row."""
    out = np.full(shape, np.nan)
    first_last = slice(None, None, -1)  # assigned in reverse: the first row written last wins
    out[codes[first_last], np.asarray(column)[first_last]] = values.to_numpy(dtype=float)[
        first_last
    ]
    return out


def point_forecasts(grid: Grid, horizon: int, method: str, n_jobs: int) -> np.ndarray:
    """(series x horizon) point forecasts, >= 0."""
    if method == "stock_aware":
        median = single_forecasts(grid, horizon, ["MedianMix"], n_jobs)["MedianMix"]
        return np.where(grid.ended_empty()[:, None], 0.0, median)
    names = ENSEMBLE if method == "ensemble" else (method,)
    per_model = single_forecasts(grid, horizon, names, n_jobs)
    stacked = np.stack([per_model[name] for name in names])
    return np.clip(np.median(stacked, axis=0), 0.0, None)


def single_forecasts(
    grid: Grid, horizon: int, names: Sequence[str], n_jobs: int
) -> dict[str, np.ndarray]:
    """Each model's (series x horizon) forecasts; series with no observed month get 0."""
    out = {
        name: np.repeat(flat[:, None], horizon, axis=1)
        for name, flat in models.numpy_forecasts(
            grid.values, grid.observed, [n for n in names if n in models.NUMPY]
        ).items()
    }
    wanted = [n for n in names if n in models.STATSFORECAST]
    if wanted:
        out.update(_statsforecast(grid, horizon, wanted, n_jobs))
    return out


def _statsforecast(
    grid: Grid, horizon: int, names: Sequence[str], n_jobs: int
) -> dict[str, np.ndarray]:
    from statsforecast import StatsForecast  # 1-2 s of import: only when forecasting

    filled = grid.filled()
    rows, cols = np.nonzero(~np.isnan(filled))
    long = pd.DataFrame(
        {"unique_id": grid.ids[rows], "ds": grid.months[cols], "y": filled[rows, cols]}
    )
    engine = StatsForecast(
        models=models.statsforecast_models(names),
        freq="MS",
        n_jobs=n_jobs,
        fallback_model=models.statsforecast_models(["Naive"])[0],
    )
    with warnings.catch_warnings():  # AutoETS on 2-3 month series divides by zero, then falls back
        warnings.simplefilter("ignore", category=RuntimeWarning)
        result = engine.forecast(df=long, h=horizon)
    position = pd.Series(np.arange(len(grid.ids)), index=grid.ids)
    row = position.reindex(result["unique_id"].astype(str)).to_numpy()
    step = np.tile(np.arange(horizon), len(result) // horizon)
    out = {}
    for name in names:
        matrix = np.zeros((len(grid.ids), horizon))
        matrix[row, step] = np.nan_to_num(result[name].to_numpy(dtype=float), nan=0.0)
        out[name] = matrix
    return out


def one_step_errors(grid: Grid) -> np.ndarray:
    """y_t - (mean of the 3 observed months before t), NaN where either is unknown."""
    values, observed = grid.values, grid.observed
    errors = np.full(values.shape, np.nan)
    recent = np.full((len(values), 3), np.nan)
    for month in range(values.shape[1]):
        seen = observed[:, month]
        enough = seen & (np.sum(~np.isnan(recent), axis=1) == 3)
        errors[enough, month] = values[enough, month] - recent[enough].mean(axis=1)
        recent[seen] = np.column_stack([recent[seen, 1:], values[seen, month]])
    return errors


def error_sigma(errors: np.ndarray) -> np.ndarray:
    counts = np.sum(~np.isnan(errors), axis=1)
    with np.errstate(all="ignore"):
        sigma = np.sqrt(np.nansum(errors**2, axis=1) / np.maximum(counts - 1, 1))
    return np.where(counts >= 2, sigma, np.nan)


def quantiles(errors: np.ndarray, mean: np.ndarray, level: float) -> np.ndarray:
    """The monthly demand quantile at `level` per series (see the module docstring), from the
    one-step errors sorted per row (NaN last)."""
    counts = np.sum(~np.isnan(errors), axis=1)
    from_errors = np.clip(mean + row_quantile(errors, counts, level), 0.0, None)
    return np.where(counts >= MIN_ERRORS, from_errors, poisson_quantile(mean, level))


def row_quantile(ordered: np.ndarray, counts: np.ndarray, level: float) -> np.ndarray:
    """numpy's linear quantile of each row's first `counts` values (rows sorted ascending);
    0 for an empty row. Vectorized: nanquantile loops over rows in Python."""
    position = level * np.maximum(counts - 1, 0)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, np.maximum(counts - 1, 0))
    rows = np.arange(len(ordered))
    below, above = ordered[rows, low], ordered[rows, high]
    value = below + (position - low) * (above - below)
    return np.where(counts > 0, np.nan_to_num(value), 0.0)


def poisson_quantile(mean: np.ndarray, level: float) -> np.ndarray:
    from scipy.stats import poisson

    return np.asarray(poisson.ppf(level, np.maximum(mean, 1e-9)), dtype=float)


def _long_frame(grid: Grid, horizon: int, means: np.ndarray) -> pd.DataFrame:
    origin = grid.months[-1]
    months = pd.DatetimeIndex([origin + pd.DateOffset(months=k) for k in range(1, horizon + 1)])
    return pd.DataFrame(
        {
            "unique_id": np.repeat(grid.ids, horizon),
            "ds": np.tile(months, len(grid.ids)),
            "step": np.tile(np.arange(1, horizon + 1), len(grid.ids)),
            "mean": means.reshape(-1),
        }
    )


def total_quantile(mean_total: float, sigma_monthly: float, months: int, z: float) -> float:
    """Demand over `months` not exceeded at normal deviate z: mean + z sigma sqrt(months)."""
    if math.isnan(sigma_monthly):
        return mean_total
    return max(0.0, mean_total + z * sigma_monthly * math.sqrt(months))
