"""forecast(panel, horizon, levels, method): means and quantiles per series and month ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enlace.modules.supply.forecast import forecast


def panel(series: dict[str, list[float]], stock_end: dict[str, list[float]] | None = None):
    frames = []
    for uid, values in series.items():
        frame = pd.DataFrame(
            {
                "unique_id": uid,
                "ds": pd.date_range("2019-01-01", periods=len(values), freq="MS"),
                "y": values,
            }
        )
        if stock_end is not None:
            frame["stock_end"] = stock_end[uid]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def mean_of(result: pd.DataFrame, uid: str) -> list[float]:
    return list(result.loc[result["unique_id"] == uid, "mean"].round(6))


def test_the_baselines_by_hand() -> None:
    data = panel({"s|p": [1, 9, 3, 5, 7, 2]})
    assert mean_of(forecast(data, 2, (), "AMC"), "s|p") == [4.666667, 4.666667]  # (5+7+2)/3
    assert mean_of(forecast(data, 2, (), "Median6"), "s|p") == [4.0, 4.0]  # (3 + 5) / 2
    assert mean_of(forecast(data, 2, (), "Naive"), "s|p") == [2.0, 2.0]


def test_rows_steps_and_months() -> None:
    result = forecast(panel({"a|p": [1, 2, 3], "b|p": [4, 5, 6]}), 3, (0.5, 0.9), "AMC")
    assert len(result) == 6
    first = result[result["unique_id"] == "a|p"]
    assert list(first["step"]) == [1, 2, 3]
    assert list(first["ds"]) == list(pd.date_range("2019-04-01", periods=3, freq="MS"))
    assert {"q50", "q90", "sigma_monthly"} <= set(result.columns)


def test_a_missing_month_stays_missing_not_zero() -> None:
    data = panel({"s|p": [6, 6, np.nan, 6]})
    assert mean_of(forecast(data, 1, (), "AMC"), "s|p") == [6.0]  # a zero would give 4


def test_stock_out_months_are_censored_and_stock_aware_forecasts_zero() -> None:
    data = panel({"s|p": [5, 5, 0, 0]}, {"s|p": [3, 0, 0, 0]})
    # issued 0 with nothing on hand: demand unknown, not zero
    assert mean_of(forecast(data, 1, (), "Median6"), "s|p") == [5.0]
    raw = forecast(data, 1, (), "Median6", correct_censoring=False)
    assert mean_of(raw, "s|p") == [2.5]
    assert mean_of(forecast(data, 1, (), "stock_aware"), "s|p") == [0.0]  # ended empty


def test_quantiles_from_the_series_own_errors_or_poisson() -> None:
    # one-step errors of the 3-month mean: 0 six times, then 5 - 2 = 3; their 90th percentile
    # (linear) = 0.4 x 3 = 1.2; the AMC forecast is (2 + 2 + 5) / 3 = 3
    long = panel({"s|p": [2, 2, 2, 2, 2, 2, 2, 2, 2, 5]})
    result = forecast(long, 1, (0.9,), "AMC")
    assert round(float(result["q90"].iloc[0]), 6) == 4.2
    short = panel({"s|p": [4, 4, 4]})  # too few errors: Poisson(4), whose median is 4
    assert float(forecast(short, 1, (0.5,), "AMC")["q50"].iloc[0]) == 4.0


def test_statsforecast_models_and_the_ensemble_run_on_a_panel() -> None:
    rng = np.random.default_rng(7)
    data = panel({f"s{i}|p": list(rng.poisson(3, 24).astype(float)) for i in range(4)})
    result = forecast(data, 3, (0.95,), "ensemble")
    assert len(result) == 12
    assert (result["mean"] >= 0).all() and (result["q95"] >= result["mean"] - 1e-9).all()


@pytest.mark.parametrize(
    ("horizon", "levels", "method", "message"),
    [(0, (), "AMC", "horizon"), (1, (1.5,), "AMC", "levels"), (1, (), "prophet", "method")],
)
def test_bad_arguments(horizon: int, levels: tuple[float, ...], method: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forecast(panel({"s|p": [1, 2]}), horizon, levels, method)


def test_row_quantile_matches_numpy_nanquantile() -> None:
    from enlace.modules.supply.forecast import row_quantile

    rng = np.random.default_rng(1)
    errors = rng.normal(size=(40, 12))
    errors[rng.random((40, 12)) < 0.3] = np.nan
    ordered = np.sort(errors, axis=1)
    counts = np.sum(~np.isnan(errors), axis=1)
    for level in (0.1, 0.5, 0.95):
        expected = np.nan_to_num(np.nanquantile(errors, level, axis=1))
        assert np.allclose(row_quantile(ordered, counts, level), expected)


def test_a_mid_month_date_counts_for_its_month() -> None:
    data = panel({"s|p": [6, 6, 6]})
    data.loc[0, "ds"] = pd.Timestamp("2019-01-15")
    assert mean_of(forecast(data, 1, (), "AMC"), "s|p") == [6.0]


def test_median_mix_and_stock_aware_when_stocked_by_hand() -> None:
    data = panel({"s|p": [1, 9, 3, 5, 7, 2, 4, 8, 6, 10, 0, 12]})
    # medians of the last 3 (10), 6 (7) and 12 (5.5) months: mean 7.5
    assert mean_of(forecast(data, 1, (), "MedianMix"), "s|p") == [7.5]
    stocked = panel({"s|p": [2, 4, 6]}, {"s|p": [1, 1, 1]})
    assert mean_of(forecast(stocked, 1, (), "stock_aware"), "s|p") == [4.0]
