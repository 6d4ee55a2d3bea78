"""Blood-pressure and weight summaries over 14, 30 or 90 days (pure; numpy).

- BP: count, mean, SD, min and max of systolic and diastolic, the % of readings at or above the
  target (systolic >= target or diastolic >= target: 140/90 by default, NOM-030's hypertension
  threshold, or the patient's Goal), and the morning (05:00-11:59) and evening (18:00-23:59)
  means in local time, since morning hypertension is what home monitoring finds.
- Weight: count, mean, SD, min, max, the trend (kg per week, least-squares line over the
  window: a scale's day-to-day noise hides a slow gain from first-versus-last) and the change
  between the first and last reading.
A window without readings gives a summary with count 0 and every figure None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

WINDOWS = (14, 30, 90)
DEFAULT_BP_TARGET = (140.0, 90.0)
MORNING = (5, 12)  # local hours [from, to)
EVENING = (18, 24)
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
WEEK_DAYS = 7.0


@dataclass(frozen=True, slots=True)
class Stats:
    count: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class BpSummary:
    days: int
    target: tuple[float, float]
    systolic: Stats
    diastolic: Stats
    above_target_pct: float | None
    morning: tuple[float, float] | None  # mean systolic, diastolic
    evening: tuple[float, float] | None

    @property
    def count(self) -> int:
        return self.systolic.count


@dataclass(frozen=True, slots=True)
class WeightSummary:
    days: int
    weight: Stats
    trend_kg_per_week: float | None  # None with fewer than 2 readings or all at one instant
    change_kg: float | None  # last minus first

    @property
    def count(self) -> int:
        return self.weight.count


def stats(values: NDArray[np.float64]) -> Stats:
    if values.size == 0:
        return Stats(0, None, None, None, None)
    sd = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return Stats(
        count=int(values.size),
        mean=round(float(values.mean()), 1),
        sd=round(sd, 1),
        low=float(values.min()),
        high=float(values.max()),
    )


def bp_summary(
    times_us: NDArray[np.int64],
    systolic: NDArray[np.float64],
    diastolic: NDArray[np.float64],
    end_us: int,
    days: int,
    target: tuple[float, float] = DEFAULT_BP_TARGET,
    utc_offset_s: int = -6 * 3600,
) -> BpSummary:
    """The BP summary of the `days` days before `end_us`."""
    keep = (times_us >= end_us - days * DAY_US) & (times_us < end_us)
    t, s, d = times_us[keep], systolic[keep], diastolic[keep]
    above = (s >= target[0]) | (d >= target[1])
    hours = ((t + utc_offset_s * 1_000_000) % DAY_US) // HOUR_US
    return BpSummary(
        days=days,
        target=target,
        systolic=stats(s),
        diastolic=stats(d),
        above_target_pct=round(100.0 * float(above.mean()), 1) if s.size else None,
        morning=_pair_mean(s, d, (hours >= MORNING[0]) & (hours < MORNING[1])),
        evening=_pair_mean(s, d, (hours >= EVENING[0]) & (hours < EVENING[1])),
    )


def _pair_mean(
    s: NDArray[np.float64], d: NDArray[np.float64], mask: NDArray[np.bool_]
) -> tuple[float, float] | None:
    if not mask.any():
        return None
    return round(float(s[mask].mean()), 1), round(float(d[mask].mean()), 1)


def weight_summary(
    times_us: NDArray[np.int64], kg: NDArray[np.float64], end_us: int, days: int
) -> WeightSummary:
    """The weight summary of the `days` days before `end_us` (times ascending)."""
    keep = (times_us >= end_us - days * DAY_US) & (times_us < end_us)
    t, w = times_us[keep], kg[keep]
    trend = None
    if w.size >= 2 and t.max() > t.min():
        day = (t - t.min()) / DAY_US
        slope = float(np.polyfit(day, w, 1)[0])
        trend = round(slope * WEEK_DAYS, 2)
    order = np.argsort(t, kind="stable")
    change = round(float(w[order[-1]] - w[order[0]]), 1) if w.size >= 2 else None
    return WeightSummary(days=days, weight=stats(w), trend_kg_per_week=trend, change_kg=change)
