"""CGM Ambulatory Glucose Profile statistics (pure; numpy): Battelino et al., Diabetes Care 2019
(REFERENCE.md §3).

Decisions, written down because the consensus leaves room:
- glucose in mg/dL; ranges as the consensus draws them: very low < 54, low 54-69, in range
  70-180 (both ends in), high 181-250 (> 180 up to 250), very high > 250; each as % of readings;
- a CGM is expected to send one reading every 5 minutes: 288 a day;
- data sufficiency: at least 14 days in the window that each hold >= 70 % of the 288 expected
  readings. With less, `metrics` is None and the report says "insufficient data" instead of
  showing a GMI or a TIR that would mislead (days worn and % active are still reported);
- the percentile curves are per 15-minute bin of the local time of day (96 bins), not smoothed:
  a bin with fewer than 5 readings has no percentile (NaN) rather than a spike;
- local time is a fixed UTC offset (Mexico's standard time has had no daylight saving since
  2022, except in the border municipalities).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

READINGS_PER_DAY = 288
SUFFICIENT_DAYS = 14
SUFFICIENT_SHARE = 0.70
DEFAULT_DAYS = 14
MAX_DAYS = 90
BIN_MINUTES = 15
BINS = 24 * 60 // BIN_MINUTES
PERCENTILES = (5, 25, 50, 75, 95)
MIN_PER_BIN = 5
MEXICO_CITY_OFFSET_S = -6 * 3600
DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Target:
    """One consensus target: `key` as in Metrics, the limit, and whether the patient meets it."""

    key: str
    limit: float
    above: bool  # True: the value must be above the limit (TIR); False: at or below it
    value: float
    inclusive: bool = False  # CV <= 36 %; the others are strict

    @property
    def met(self) -> bool:
        if self.above:
            return self.value > self.limit
        return self.value <= self.limit if self.inclusive else self.value < self.limit


@dataclass(frozen=True, slots=True)
class Metrics:
    mean: float  # mg/dL
    sd: float
    cv: float  # %
    gmi: float  # %
    very_low: float  # % of readings < 54
    low: float  # 54-69
    in_range: float  # 70-180
    high: float  # 181-250
    very_high: float  # > 250

    @property
    def below_70(self) -> float:
        return self.very_low + self.low

    @property
    def above_180(self) -> float:
        return self.high + self.very_high

    def targets(self) -> tuple[Target, ...]:
        """The Battelino 2019 targets for most adults with type 1 or type 2 diabetes."""
        return (
            Target("in_range", 70.0, True, self.in_range),
            Target("below_70", 4.0, False, self.below_70),
            Target("very_low", 1.0, False, self.very_low),
            Target("above_180", 25.0, False, self.above_180),
            Target("very_high", 5.0, False, self.very_high),
            Target("cv", 36.0, False, self.cv, inclusive=True),
        )


@dataclass(frozen=True, slots=True)
class DailyProfile:
    day: date
    bin_means: NDArray[np.float64]  # BINS values, NaN where the day has no reading


@dataclass(frozen=True, slots=True)
class AgpReport:
    start_us: int
    end_us: int
    days: int  # length of the window
    readings: int
    days_worn: int  # days with at least one reading
    complete_days: int  # days with >= 70 % of the expected readings
    active_pct: float  # readings / expected over the window
    metrics: Metrics | None  # None: insufficient data
    percentiles: NDArray[np.float64]  # shape (5, BINS): PERCENTILES by time-of-day bin
    daily: tuple[DailyProfile, ...]

    @property
    def sufficient(self) -> bool:
        return self.metrics is not None


def agp(
    times_us: NDArray[np.int64],
    values: NDArray[np.float64],
    start_us: int,
    days: int,
    utc_offset_s: int = MEXICO_CITY_OFFSET_S,
) -> AgpReport:
    """The AGP of the readings (`times_us` ascending or not, `values` in mg/dL) in the window of
    `days` days from `start_us` (the window should start at a local midnight)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    end_us = start_us + days * DAY_US
    keep = (times_us >= start_us) & (times_us < end_us)
    t, v = times_us[keep], values[keep].astype(np.float64)
    local_us = t + utc_offset_s * 1_000_000
    day_index = (local_us // DAY_US).astype(np.int64)
    bins = ((local_us % DAY_US) // (BIN_MINUTES * 60_000_000)).astype(np.int64)
    per_day = np.bincount(day_index - day_index.min(), minlength=1) if t.size else np.zeros(0)
    complete = int(np.count_nonzero(per_day >= READINGS_PER_DAY * SUFFICIENT_SHARE))
    return AgpReport(
        start_us=start_us,
        end_us=end_us,
        days=days,
        readings=int(v.size),
        days_worn=int(np.count_nonzero(per_day)),
        complete_days=complete,
        active_pct=round(100.0 * v.size / (READINGS_PER_DAY * days), 1),
        metrics=metrics(v) if complete >= SUFFICIENT_DAYS else None,
        percentiles=percentile_curves(bins, v),
        daily=daily_profiles(day_index, bins, v),
    )


def metrics(values: NDArray[np.float64]) -> Metrics:
    """Mean, SD, CV, GMI and the five ranges of a non-empty series (no sufficiency check)."""
    n = values.size
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else 0.0

    def share(mask: NDArray[np.bool_]) -> float:
        return round(100.0 * int(np.count_nonzero(mask)) / n, 1)

    return Metrics(
        mean=round(mean, 1),
        sd=round(sd, 1),
        cv=round(100.0 * sd / mean, 1),
        gmi=round(3.31 + 0.02392 * mean, 1),
        very_low=share(values < 54),
        low=share((values >= 54) & (values < 70)),
        in_range=share((values >= 70) & (values <= 180)),
        high=share((values > 180) & (values <= 250)),
        very_high=share(values > 250),
    )


def percentile_curves(bins: NDArray[np.int64], values: NDArray[np.float64]) -> NDArray[np.float64]:
    """(5, BINS): the 5/25/50/75/95th percentile of the readings in each time-of-day bin."""
    curves = np.full((len(PERCENTILES), BINS), np.nan)
    if values.size == 0:
        return curves
    order = np.lexsort((values, bins))
    sorted_values = values[order]
    edges = np.searchsorted(bins[order], np.arange(BINS + 1))
    counts = np.diff(edges)
    # numpy's default ("linear") percentile, for every bin at once: the value at fractional
    # rank q x (n - 1) within the bin's sorted run, interpolated between its neighbours.
    rank = np.array(PERCENTILES, dtype=np.float64)[:, None] / 100.0 * np.maximum(counts - 1, 0)
    below = np.floor(rank).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(counts - 1, 0))
    last = sorted_values.size - 1
    low = sorted_values[np.minimum(edges[:-1] + below, last)]
    high = sorted_values[np.minimum(edges[:-1] + above, last)]
    curves = low + (high - low) * (rank - below)
    curves[:, counts < MIN_PER_BIN] = np.nan
    return np.round(curves, 1)


def daily_profiles(
    day_index: NDArray[np.int64], bins: NDArray[np.int64], values: NDArray[np.float64]
) -> tuple[DailyProfile, ...]:
    """One small series per local day: the mean of each 15-minute bin."""
    if values.size == 0:
        return ()
    first = int(day_index.min())
    slot = (day_index - first) * BINS + bins
    n_days = int(day_index.max()) - first + 1
    sums = np.bincount(slot, weights=values, minlength=n_days * BINS)
    counts = np.bincount(slot, minlength=n_days * BINS)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.round(sums / counts, 1).reshape(n_days, BINS)
    epoch = date(1970, 1, 1)
    return tuple(
        DailyProfile(epoch + timedelta(days=first + i), means[i])
        for i in range(n_days)
        if counts[i * BINS : (i + 1) * BINS].any()
    )
