"""Downsampled series for charts (pure; numpy): a bounded number of points per series whatever
the window holds (90 days of CGM are 25,920 readings; a chart needs a few hundred).

The window is cut into equal time buckets; each bucket with readings gives its min, mean and max
at the mean time of its readings. Drawing the mean as the line and min-max as a band keeps the
extremes a clinician looks for (a hypo does not vanish into an average), which plain decimation
or a mean alone would lose. A series already under the bound is returned as it is (each point its
own bucket: min = mean = max).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MAX_POINTS = 500


@dataclass(frozen=True, slots=True)
class Buckets:
    times_us: NDArray[np.int64]  # mean time of the readings in each non-empty bucket
    low: NDArray[np.float64]
    mean: NDArray[np.float64]
    high: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.times_us.size)


def downsample(
    times_us: NDArray[np.int64],
    values: NDArray[np.float64],
    start_us: int,
    end_us: int,
    max_points: int = MAX_POINTS,
) -> Buckets:
    """At most `max_points` buckets over [start_us, end_us), readings outside it dropped."""
    if max_points < 1 or end_us <= start_us:
        raise ValueError("max_points must be >= 1 and the window must not be empty")
    keep = (times_us >= start_us) & (times_us < end_us)
    t, v = times_us[keep].astype(np.int64), values[keep].astype(np.float64)
    if t.size <= max_points:
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
        return Buckets(t, v, v, v)
    width = -(-(end_us - start_us) // max_points)  # ceiling: max_points buckets cover the window
    slot = (t - start_us) // width
    counts = np.bincount(slot, minlength=max_points)
    used = counts > 0
    sums = np.bincount(slot, weights=v, minlength=max_points)
    time_sums = np.bincount(slot, weights=(t - start_us).astype(np.float64), minlength=max_points)
    low = np.full(max_points, np.inf)
    high = np.full(max_points, -np.inf)
    np.minimum.at(low, slot, v)
    np.maximum.at(high, slot, v)
    n = counts[used]
    return Buckets(
        times_us=(start_us + np.round(time_sums[used] / n)).astype(np.int64),
        low=low[used],
        mean=np.round(sums[used] / n, 2),
        high=high[used],
    )
