"""The replay's forecaster from supply.forecast (helper E's models: TSB, IMAPA, ADIDA, SES,
AMC, the median ensemble ...), one-step-ahead at every review, fitted only on the months
before it. Slower than the moving mean/spread stand-in (a statsforecast fit of every series at
each of the ~40 reviews), so the replay uses it on request (`--forecaster`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from enlace.modules.supply import forecast as demand_forecast
from enlace.modules.supply.replay import Floats
from enlace.modules.supply.replay_policies import Forecaster

MOVING = "moving"
METHODS = (MOVING, *demand_forecast.METHODS)
_ORIGIN = pd.Timestamp("2000-01-01")  # the panel is compressed: months are counted, not dated


def model_forecaster(method: str, keys: tuple[tuple[str, str], ...]) -> Forecaster:
    """mean = the model's point forecast; sigma = its per-series monthly error spread, at
    least the Poisson sqrt(mean). Cached per review (every policy point reuses it)."""
    ids = np.array([f"{site}|{product}" for site, product in keys])
    cache: dict[int, tuple[Floats, Floats]] = {}

    def forecast(history: Floats) -> tuple[Floats, Floats]:
        months = history.shape[1]
        if months not in cache:
            cache[months] = _fit(method, ids, history)
        mean, sigma = cache[months]
        return mean, np.maximum(sigma, np.sqrt(mean))

    return forecast


def _fit(method: str, ids: np.ndarray, history: Floats) -> tuple[Floats, Floats]:
    count, months = history.shape
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, months),
            "ds": np.tile(pd.date_range(_ORIGIN, periods=months, freq="MS"), count),
            "y": history.reshape(-1),
        }
    ).dropna(subset=["y"])
    found = demand_forecast.forecast(frame, 1, (0.5,), method=method)
    by_id = found.set_index("unique_id").reindex(ids)
    mean = np.nan_to_num(by_id["mean"].to_numpy(dtype=float))
    sigma = np.nan_to_num(by_id["sigma_monthly"].to_numpy(dtype=float))
    return np.maximum(mean, 0.0), sigma
