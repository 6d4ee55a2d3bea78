"""Forecast N synthetic intermittent monthly series (the Côte d'Ivoire data's length: 42 months of
history) 3 months ahead with quantiles: the issue's target is 100,000 series in <= 60 s on
2 cores.

.venv/bin/python bench/supply_forecast.py [--series 100000] [--methods stock_aware,ensemble]
    [--jobs 2] [--runs 1]

Series: demand occurs with probability p ~ U(0.2, 0.9) a month, size ~ Poisson(mu), mu ~
lognormal(ln 20, 1); 5 % of months missing; stock_end 0 after a third of the months. One
`forecast(panel, 3, (0.5, 0.9, 0.95), method, n_jobs)` call per method and run, timed whole
(grid, models, quantiles); the line reports the median seconds per method.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from common import emit
from enlace.modules.supply.forecast import forecast

MONTHS = 42


def synthetic_panel(series: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    occurs = rng.random((series, MONTHS)) < rng.uniform(0.2, 0.9, (series, 1))
    sizes = rng.poisson(np.exp(rng.normal(np.log(20), 1.0, (series, 1))), (series, MONTHS))
    values = np.where(occurs, sizes, 0).astype(float)
    values[rng.random((series, MONTHS)) < 0.05] = np.nan
    stock_end = np.where(rng.random((series, MONTHS)) < 0.33, 0.0, 10.0)
    months = pd.date_range("2016-01-01", periods=MONTHS, freq="MS")
    keep = ~np.isnan(values)
    rows, cols = np.nonzero(keep)
    return pd.DataFrame(
        {
            "unique_id": np.char.add("s", rows.astype(str)),
            "ds": months[cols],
            "y": values[rows, cols],
            "stock_end": stock_end[rows, cols],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--methods", default="stock_aware,ensemble")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    panel = synthetic_panel(args.series)
    build_s = time.perf_counter() - started
    result: dict[str, object] = {
        "bench": "supply_forecast",
        "series": args.series,
        "months": MONTHS,
        "jobs": args.jobs,
        "panel_build_s": round(build_s, 2),
    }
    for method in args.methods.split(","):
        seconds = []
        for _ in range(args.runs):
            start = time.perf_counter()
            out = forecast(panel, 3, (0.5, 0.9, 0.95), method, n_jobs=args.jobs)
            seconds.append(time.perf_counter() - start)
            assert len(out) == 3 * args.series
        result[f"{method}_median_s"] = round(statistics.median(seconds), 2)
        result[f"{method}_series_per_s"] = round(args.series / statistics.median(seconds))
    emit(result)


if __name__ == "__main__":
    main()
