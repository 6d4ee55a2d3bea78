"""AGP statistics on hand-made CGM series: known ranges, GMI, CV, percentile curves at known
points, data sufficiency, daily profiles, and the 90-day size."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pytest

from enlace.modules.monitoring import agp

DAY_US = agp.DAY_US
FIVE_MIN_US = 300_000_000
# 2026-03-02 00:00 in Mexico City (UTC-6) is 06:00 UTC
START_US = 1_772_431_200_000_000


def series(days: int, value_of_slot, per_day: int = 288) -> tuple[np.ndarray, np.ndarray]:
    """Readings every 5 minutes from START_US; value_of_slot(day, slot of the day) -> mg/dL."""
    times, values = [], []
    for day in range(days):
        for slot in range(per_day):
            times.append(START_US + day * DAY_US + slot * FIVE_MIN_US)
            values.append(value_of_slot(day, slot))
    return np.array(times, dtype=np.int64), np.array(values, dtype=np.float64)


def test_ranges_gmi_and_cv_of_a_known_mix() -> None:
    # Each day: 10 slots at 50, 10 at 60, 228 at 120, 20 at 200, 20 at 300 (288 in all).
    def value(day: int, slot: int) -> float:
        for limit, mgdl in ((10, 50), (20, 60), (248, 120), (268, 200)):
            if slot < limit:
                return float(mgdl)
        return 300.0

    times, values = series(14, value)
    report = agp.agp(times, values, START_US, 14)
    m = report.metrics
    assert m is not None and report.sufficient
    assert (m.very_low, m.low, m.in_range, m.high, m.very_high) == (3.5, 3.5, 79.2, 6.9, 6.9)
    expected_mean = (10 * 50 + 10 * 60 + 228 * 120 + 20 * 200 + 20 * 300) / 288
    assert m.mean == round(expected_mean, 1)
    assert m.gmi == round(3.31 + 0.02392 * expected_mean, 1)
    assert m.cv == round(100 * values.std(ddof=1) / values.mean(), 1)
    assert report.days_worn == 14 and report.active_pct == 100.0
    met = {t.key: t.met for t in m.targets()}
    assert met == {
        "in_range": True,  # 79.2 > 70
        "below_70": False,  # 6.9 >= 4
        "very_low": False,  # 3.5 >= 1
        "above_180": True,  # 13.9 < 25
        "very_high": False,  # 6.9 >= 5
        "cv": m.cv <= 36,
    }


def test_range_edges_are_the_consensus_ones() -> None:
    m = agp.metrics(np.array([53.9, 54, 69.9, 70, 180, 180.1, 250, 250.1]))
    assert (m.very_low, m.low, m.in_range, m.high, m.very_high) == (12.5, 25.0, 25.0, 25.0, 12.5)


def test_constant_glucose_has_zero_cv_and_flat_percentiles() -> None:
    times, values = series(14, lambda d, s: 100.0)
    report = agp.agp(times, values, START_US, 14)
    assert report.metrics is not None and report.metrics.cv == 0.0
    assert report.metrics.gmi == round(3.31 + 2.392, 1)
    assert np.all(report.percentiles == 100.0)


def test_percentile_curves_at_known_points() -> None:
    # In the bin of 08:00-08:15 local, days 0..19 read 100 + 10*day; elsewhere 150.
    def value(day: int, slot: int) -> float:
        return 100.0 + 10 * day if 96 <= slot < 99 else 150.0

    times, values = series(20, value)
    report = agp.agp(times, values, START_US, 20)
    curves = report.percentiles
    assert curves.shape == (5, 96)
    morning = curves[:, 32]  # bin 32 = 08:00
    in_bin = np.repeat(100.0 + 10 * np.arange(20), 3)
    assert list(morning) == list(np.round(np.percentile(in_bin, agp.PERCENTILES), 1))
    assert morning[2] == 195.0  # the median of 100..290
    assert np.all(curves[:, 0] == 150.0)


def test_local_time_of_day_uses_the_offset() -> None:
    # One reading a day at 06:00 UTC = 00:00 in Mexico City: bin 0, not bin 24.
    times = START_US + np.arange(10, dtype=np.int64) * DAY_US
    report = agp.agp(times, np.full(10, 111.0), START_US, 10)
    assert report.percentiles[2, 0] == 111.0 and np.isnan(report.percentiles[2, 24])


def test_insufficient_data_gives_no_metrics() -> None:
    times, values = series(10, lambda d, s: 120.0)  # 10 complete days of 14
    report = agp.agp(times, values, START_US, 14)
    assert report.metrics is None and not report.sufficient
    assert report.days_worn == 10 and report.complete_days == 10
    assert report.active_pct == round(100 * 10 / 14, 1)


def test_days_under_70_percent_wear_do_not_count() -> None:
    times, values = series(14, lambda d, s: 120.0, per_day=200)  # 200 < 0.7 * 288
    report = agp.agp(times, values, START_US, 14)
    assert report.complete_days == 0 and report.metrics is None and report.days_worn == 14


def test_readings_outside_the_window_are_ignored_and_days_are_bounded() -> None:
    times, values = series(16, lambda d, s: 120.0 if d < 14 else 400.0)
    report = agp.agp(times, values, START_US, 14)
    assert report.readings == 14 * 288 and report.metrics is not None
    assert report.metrics.very_high == 0.0
    with pytest.raises(ValueError):
        agp.agp(times, values, START_US, 91)


def test_empty_window() -> None:
    empty = np.array([], dtype=np.int64)
    report = agp.agp(empty, np.array([], dtype=np.float64), START_US, 14)
    assert report.readings == 0 and report.metrics is None and report.daily == ()
    assert np.all(np.isnan(report.percentiles))


def test_daily_profiles_one_per_local_day() -> None:
    times, values = series(3, lambda d, s: 100.0 + d)
    report = agp.agp(times, values, START_US, 3)
    assert [p.day for p in report.daily] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert all(p.bin_means.shape == (96,) for p in report.daily)
    assert report.daily[2].bin_means[50] == 102.0


def test_ninety_days_is_fast() -> None:
    rng = np.random.default_rng(7)
    times, _ = series(90, lambda d, s: 0.0)
    values = rng.normal(150, 40, times.size).clip(40, 400)
    began = time.perf_counter()
    report = agp.agp(times, values, START_US, 90)
    elapsed = time.perf_counter() - began
    assert report.readings == 25_920 and report.metrics is not None
    assert elapsed < 0.2


def test_vectorized_percentiles_equal_numpys_per_bin() -> None:
    rng = np.random.default_rng(3)
    bins = rng.integers(0, agp.BINS, 5000).astype(np.int64)
    values = rng.normal(150, 40, 5000)
    curves = agp.percentile_curves(bins, values)
    for b in (0, 17, 95):
        expected = np.round(np.percentile(values[bins == b], agp.PERCENTILES), 1)
        assert list(curves[:, b]) == list(expected)
    sparse = agp.percentile_curves(np.array([5, 5, 5], dtype=np.int64), np.array([1.0, 2, 3]))
    assert np.all(np.isnan(sparse))  # fewer than 5 readings in the bin
