"""The single forecasting models, by name: Nixtla statsforecast's intermittent-demand and
smoothing models plus two one-line baselines computed in numpy (today's practice and a robust
median).

- `TSB`, `IMAPA`, `ADIDA`, `CrostonSBA`, `SES` (optimized simple exponential smoothing),
  `AutoETS`, `Naive`: statsforecast 2.1 models (TSB with alpha_d = alpha_p = 0.1);
- `AMC`: the mean of the last 3 months (the average monthly consumption the LMIS uses today);
- `Median6`: the median of the last 6 observed months (a forecast that minimises absolute error,
  which MASE measures, when demand is intermittent and skewed);
- `MedianMix`: the mean of the medians of the last 3, 6 and 12 observed months (chosen on the
  validation windows, docs/supply.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

STATSFORECAST = ("TSB", "IMAPA", "ADIDA", "CrostonSBA", "SES", "AutoETS", "Naive")
NUMPY = ("AMC", "Median6", "MedianMix")
SINGLE = STATSFORECAST + NUMPY


def statsforecast_models(names: Sequence[str]) -> list[Any]:
    """statsforecast model objects for `names` (aliases equal the names used here)."""
    from statsforecast import models as sm  # imported here: 1-2 s, only when forecasting

    build = {
        "TSB": lambda: sm.TSB(alpha_d=0.1, alpha_p=0.1, alias="TSB"),
        "IMAPA": lambda: sm.IMAPA(alias="IMAPA"),
        "ADIDA": lambda: sm.ADIDA(alias="ADIDA"),
        "CrostonSBA": lambda: sm.CrostonSBA(alias="CrostonSBA"),
        "SES": lambda: sm.SimpleExponentialSmoothingOptimized(alias="SES"),
        "AutoETS": lambda: sm.AutoETS(alias="AutoETS"),
        "Naive": lambda: sm.Naive(alias="Naive"),
    }
    return [build[name]() for name in names]


def numpy_forecasts(
    values: np.ndarray, observed: np.ndarray, names: Sequence[str]
) -> dict[str, np.ndarray]:
    """Per series (rows of `values`, NaN-padded on the left, `observed` marks real months), the
    flat forecast of each numpy model in `names`."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "MedianMix":
            parts = [_reduced(values, observed, w, np.nanmedian) for w in (3, 6, 12)]
            out[name] = np.mean(parts, axis=0)
        elif name == "AMC":
            out[name] = _reduced(values, observed, 3, np.nanmean)
        else:
            out[name] = _reduced(values, observed, 6, np.nanmedian)
    return out


def _reduced(values: np.ndarray, observed: np.ndarray, window: int, reduce: Any) -> np.ndarray:
    last = _last_observed(values, observed, window)
    with warnings.catch_warnings():  # "mean of empty slice": a series with no month yet
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return np.asarray(np.nan_to_num(reduce(last, axis=1), nan=0.0))


def _last_observed(values: np.ndarray, observed: np.ndarray, window: int) -> np.ndarray:
    """The last `window` observed values of each row (NaN where a row has fewer)."""
    rows = values.shape[0]
    rank = np.cumsum(observed[:, ::-1], axis=1)[:, ::-1]  # 1 = the last observed month
    keep = observed & (rank <= window)
    out = np.full((rows, window), np.nan)
    slot = window - rank  # position inside the window, oldest first
    r, c = np.nonzero(keep)
    out[r, slot[r, c]] = values[r, c]
    return out
