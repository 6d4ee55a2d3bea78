"""Rolling-origin backtest of the forecasting methods on LMIS monthly reports.

`backtest(panel, start, months, methods)`: train every method on the months BEFORE `start` only,
forecast the `months` months from `start`, and score them against the reported
stock_distributed with `metrics` (MASE per series scaled by the training naive MAE, mean over
series; bias per product). `rolling_origin` repeats that for several origins (the validation
windows on which methods were chosen, docs/supply.md). `write_forecasts` writes one row per
site, product and holdout month (`site_code, product_code, year, month, forecast`) so that anyone
can score the forecasts independently.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from enlace.modules.supply import forecast as forecasting
from enlace.modules.supply import metrics
from enlace.modules.supply.lmis import LmisRow

BASELINES = ("Naive", "AMC")
SINGLES = ("TSB", "IMAPA", "ADIDA", "CrostonSBA", "SES", "AutoETS", "Median6")
DEMAND = "ensemble_demand"  # the censoring-corrected ensemble (forecast's default for policies)
DEFAULT_METHODS = (*BASELINES, *SINGLES, "ensemble", DEMAND, "stock_aware")
SEPARATOR = "|"
MONTH = re.compile(r"\d{4}-\d{2}")


def panel_of(rows: Iterable[LmisRow]) -> pd.DataFrame:
    """The LMIS rows as a forecasting panel (`forecast`'s input): y = stock_distributed."""
    records = [
        (
            f"{r.site_code}{SEPARATOR}{r.product_code}",
            r.year,
            r.month,
            r.site_code,
            r.product_code,
            r.district,
            r.region,
            float(r.stock_distributed),
            float(r.stock_end),
        )
        for r in rows
    ]
    columns = ["unique_id", "year", "month", "site_code", "product_code", "district", "region"]
    frame = pd.DataFrame.from_records(records, columns=[*columns, "y", "stock_end"])
    frame["ds"] = pd.to_datetime({"year": frame["year"], "month": frame["month"], "day": 1})
    return frame


def parse_holdout(text: str) -> tuple[pd.Timestamp, int]:
    """ "2019-07:2019-09" -> (2019-07-01, 3 months). ValueError names what is wrong."""
    first, sep, last = text.partition(":")
    parts = [first.strip(), last.strip()] if sep else [first.strip()]
    if not all(MONTH.fullmatch(p) and 1 <= int(p[5:]) <= 12 for p in parts):
        raise ValueError(f"holdout {text!r}: expected YYYY-MM:YYYY-MM")
    start = pd.Timestamp(f"{parts[0]}-01")
    end = pd.Timestamp(f"{parts[-1]}-01")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months < 1:
        raise ValueError(f"holdout {text!r}: ends before it starts")
    return start, months


@dataclass(frozen=True)
class Result:
    start: pd.Timestamp
    months: int
    frame: pd.DataFrame  # one row per series x holdout month; y NaN where not reported
    scores: list[metrics.Score]
    bias: pd.DataFrame


def backtest(
    panel: pd.DataFrame,
    start: pd.Timestamp,
    months: int,
    methods: Sequence[str] = DEFAULT_METHODS,
    n_jobs: int = 1,
) -> Result:
    """Train before `start`, forecast `months` months, score (see module docstring)."""
    training = panel[panel["ds"] < start]
    if training.empty:
        raise ValueError(f"no report before the holdout start {start:%Y-%m}")
    holdout = panel[(panel["ds"] >= start) & (panel["ds"] < start + pd.DateOffset(months=months))]
    if holdout.empty:
        raise ValueError(f"no report in the holdout ({months} months from {start:%Y-%m})")
    frame = _holdout_grid(holdout, start, months)
    origin = start - pd.DateOffset(months=1)
    for method in methods:
        predicted = _forecast(training, months, method, n_jobs, origin)
        frame = frame.merge(
            predicted[["unique_id", "ds", "mean"]].rename(columns={"mean": method}),
            on=["unique_id", "ds"],
            how="left",
        )
        frame[method] = frame[method].fillna(0.0)  # no history before the holdout: 0
    frame = frame.merge(_training_scales(training), on="unique_id", how="left")
    scored = frame[frame["y"].notna()]
    return Result(
        start,
        months,
        frame,
        metrics.score(scored, list(methods)),
        metrics.bias_by_product(scored, list(methods)),
    )


def _forecast(
    training: pd.DataFrame, months: int, method: str, n_jobs: int, origin: pd.Timestamp
) -> pd.DataFrame:
    """Baselines and single models read the issued quantities raw, as today's practice does;
    the demand ensemble and the stock-aware method correct for stock-out censoring."""
    corrected = method in (DEMAND, "stock_aware")
    name = "ensemble" if method == DEMAND else method
    return forecasting.forecast(
        training, months, (), name, n_jobs, panel_end=origin, correct_censoring=corrected
    )


def _holdout_grid(holdout: pd.DataFrame, start: pd.Timestamp, months: int) -> pd.DataFrame:
    """Every series reported in the holdout x every holdout month, with its actual or NaN."""
    series = holdout[["unique_id", "site_code", "product_code"]].drop_duplicates("unique_id")
    dates = pd.DataFrame({"ds": pd.date_range(start, periods=months, freq="MS")})
    grid = series.merge(dates, how="cross")
    actual = holdout[["unique_id", "ds", "y"]].drop_duplicates(["unique_id", "ds"])
    return grid.merge(actual, on=["unique_id", "ds"], how="left")


def _training_scales(training: pd.DataFrame) -> pd.DataFrame:
    months = pd.date_range(training["ds"].min(), training["ds"].max(), freq="MS")
    wide = training.pivot_table(index="unique_id", columns="ds", values="y", aggfunc="first")
    wide = wide.reindex(columns=months)
    values = metrics.scales(wide.to_numpy(dtype=float))
    return pd.DataFrame({"unique_id": wide.index, "scale": values})


def rolling_origin(
    panel: pd.DataFrame,
    starts: Sequence[pd.Timestamp],
    months: int,
    methods: Sequence[str] = DEFAULT_METHODS,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """MASE per origin (rows) and method (columns), plus the mean over origins."""
    table = {
        f"{start:%Y-%m}": {
            s.method: s.mase for s in backtest(panel, start, months, methods, n_jobs).scores
        }
        for start in starts
    }
    out = pd.DataFrame(table).T
    out.loc["mean"] = out.mean()
    return out


def write_forecasts(result: Result, method: str, path: str | Path) -> int:
    """One row per site, product and holdout month; returns the number of rows written."""
    frame = result.frame.sort_values(["site_code", "product_code", "ds"])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["site_code", "product_code", "year", "month", "forecast"])
        for site, product, ds, value in zip(
            frame["site_code"], frame["product_code"], frame["ds"], frame[method], strict=True
        ):
            out.writerow([site, product, ds.year, ds.month, f"{float(np.round(value, 3)):g}"])
    return len(frame)


def score_table(result: Result) -> str:
    """The MASE table as Markdown, best first."""
    lines = ["| method | MASE | series |", "|---|---:|---:|"]
    for s in sorted(result.scores, key=lambda s: s.mase):
        lines.append(f"| {s.method} | {s.mase:.3f} | {s.series} |")
    unscaled = result.scores[0].unscaled if result.scores else 0
    lines.append(f"\n{unscaled} series with a constant training history (scale 0) not scored.")
    return "\n".join(lines)
