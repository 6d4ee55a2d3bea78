"""Downsampling: bounded points, extremes kept, small series untouched, 90 days of CGM fast."""

from __future__ import annotations

import time

import numpy as np
import pytest

from enlace.modules.monitoring.downsample import MAX_POINTS, downsample

FIVE_MIN_US = 300_000_000
DAY_US = 86_400_000_000


def cgm(days: int) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(days * 288, dtype=np.int64) * FIVE_MIN_US
    values = 150 + 50 * np.sin(np.arange(times.size) / 40.0)
    return times, values


def test_ninety_days_of_cgm_become_at_most_500_points_fast() -> None:
    times, values = cgm(90)
    values[12_345] = 41.0  # one hypo
    began = time.perf_counter()
    buckets = downsample(times, values, 0, 90 * DAY_US)
    assert time.perf_counter() - began < 0.05
    assert 0 < len(buckets) <= MAX_POINTS
    assert buckets.low.min() == 41.0  # the extreme survives the averaging
    assert buckets.high.max() == values.max()
    assert np.all(np.diff(buckets.times_us) > 0)
    assert np.all((buckets.low <= buckets.mean) & (buckets.mean <= buckets.high))
    assert abs(float(buckets.mean.mean()) - float(values.mean())) < 1.0


def test_the_bound_is_respected_for_any_max_points() -> None:
    times, values = cgm(14)
    for bound in (1, 7, 96, 333):
        assert len(downsample(times, values, 0, 14 * DAY_US, bound)) <= bound
    one = downsample(times, values, 0, 14 * DAY_US, 1)
    assert one.low[0] == values.min() and one.high[0] == values.max()


def test_small_series_are_returned_sorted_and_untouched() -> None:
    times = np.array([30, 10, 20], dtype=np.int64)
    buckets = downsample(times, np.array([3.0, 1.0, 2.0]), 0, 100)
    assert list(buckets.times_us) == [10, 20, 30] and list(buckets.mean) == [1.0, 2.0, 3.0]


def test_readings_outside_the_window_are_dropped() -> None:
    times, values = cgm(10)
    buckets = downsample(times, values, 2 * DAY_US, 4 * DAY_US, 50)
    assert buckets.times_us.min() >= 2 * DAY_US and buckets.times_us.max() < 4 * DAY_US


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        downsample(np.array([1]), np.array([1.0]), 10, 10)
    with pytest.raises(ValueError):
        downsample(np.array([1]), np.array([1.0]), 0, 10, 0)
